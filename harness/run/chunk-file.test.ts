// The history's temporary file must give back exactly the words it took, and leave nothing on disk:
// its name is gone from the directory as soon as it is open, and closing it ends the store.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHUNK_WORDS, PackedValues } from "../../core/etcd/packed-values.ts";
import { ChunkedU32, CHUNK, SPILL_AFTER } from "../../core/metrics/columns.ts";
import { runBlockStore, TempFileBlockStore, TempFileChunkStore } from "./chunk-file.ts";

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "etcdsim-chunk-file-test-"));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("chunks read back as written, in any order; nothing named in the directory", () => {
  withDir((dir) => {
    const store = TempFileChunkStore.open(dir)!;
    assert.ok(store);
    assert.equal(readdirSync(dir), []);
    const chunk = (c: number) => Int32Array.from({ length: CHUNK_WORDS }, (_, i) => (i * 2_654_435_761 + c) | 0);
    for (const c of [0, 1, 2, 5]) assert.ok(store.put(c, chunk(c)));
    const into = new Int32Array(CHUNK_WORDS);
    for (const c of [5, 0, 2, 1]) {
      store.get(c, into);
      assert.equal(into, chunk(c));
    }
    store.close();
    assert.not.ok(store.isOpen);
    assert.not.ok(store.put(6, chunk(6)));
    assert.throws(() => store.get(0, into), /closed/);
    assert.throws(() => store.get(3, into)); // never written either
    assert.equal(readdirSync(dir), []);
  });
});

test("no store where no file can be made (the history then stays in memory)", () => {
  assert.is(TempFileChunkStore.open(join(tmpdir(), "etcdsim-no-such-dir", "deeper")), undefined);
});

test("a packed history through the file reads back the same", () => {
  withDir((dir) => {
    let store: TempFileChunkStore | undefined;
    const p = new PackedValues(() => (store = TempFileChunkStore.open(dir)));
    const values = Array.from({ length: 20_000 }, (_, i) => ({
      id: i,
      value: `v-${i}`,
      kvs: [{ key: "/k", n: i * 3 }],
    }));
    for (const v of values) p.push(v);
    assert.ok(p.storedChunks > 0);
    assert.ok(store?.isOpen);
    for (let i = 0; i < values.length; i++) assert.equal(p.get(i), values[i]);
    store!.close();
    assert.equal(readdirSync(dir), []);
  });
});

test("names taken by someone else are skipped, never overwritten", () => {
  withDir((dir) => {
    const name = (n: number) => join(dir, `etcdsim-history-${process.pid}-${n}`);
    // Every name this process tries next (it counts from 1; the tests above opened a few).
    for (let n = 1; n < 200; n++) writeFileSync(name(n), "someone else's");
    assert.is(TempFileChunkStore.open(dir), undefined); // gives up after a few tries: memory instead
    for (let n = 1; n < 200; n++) assert.is(readFileSync(name(n), "utf8"), "someone else's");
    for (let n = 1; n < 200; n++) rmSync(name(n));
    const store = TempFileChunkStore.open(dir);
    assert.ok(store?.isOpen);
    assert.equal(readdirSync(dir), []);
    store!.close();
  });
});

test("column blocks read back as appended, in any order and of different sizes; nothing named in the directory", () => {
  withDir((dir) => {
    const store = TempFileBlockStore.open(dir)!;
    assert.ok(store);
    assert.equal(readdirSync(dir), []);
    const block = (b: number, words: number) =>
      Int32Array.from({ length: words }, (_, i) => (i * 2_654_435_761 + b) | 0);
    const sizes = [1024, 2048, 1024, 7];
    const at = sizes.map((w, b) => store.append(block(b, w))!);
    assert.equal(at, [0, 4096, 12288, 16384]);
    for (const b of [3, 1, 0, 2]) {
      const into = new Int32Array(sizes[b]!);
      store.read(at[b]!, into);
      assert.equal(into, block(b, sizes[b]!));
    }
    store.close();
    assert.not.ok(store.isOpen);
    assert.is(store.append(block(4, 8)), undefined);
    assert.throws(() => store.read(0, new Int32Array(4)), /closed/);
    assert.equal(readdirSync(dir), []);
  });
});

test("a run's column store opens one file, when first asked, and none where it cannot", () => {
  withDir((dir) => {
    const store = runBlockStore(dir);
    assert.equal(readdirSync(dir), []);
    const a = store();
    assert.ok(a);
    assert.is(store(), a);
    const c = new ChunkedU32(store);
    const n = (SPILL_AFTER + 4) * CHUNK;
    for (let i = 0; i < n; i++) c.push(i ^ 0x5a5a);
    assert.is(c.chunksAway, 3);
    for (let i = n - 1; i >= 0; i--) assert.is(c.get(i), i ^ 0x5a5a);
    (a as TempFileBlockStore).close();
  });
  const none = runBlockStore(join(tmpdir(), "etcdsim-no-such-dir", "deeper"));
  assert.is(none(), undefined);
  assert.is(none(), undefined);
});

test.run();
