// Compact columns: every write order and every value reads back exactly as a plain array would give it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type BlockStore, CHUNK, ChunkedU32, HotWindow, OffsetColumn, RunColumn, SPILL_AFTER } from "./columns.ts";

/** A deterministic stream of numbers (no Math.random under core/). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

test("ChunkedU32: unset reads 0, far indexes allocate only their chunk, push appends", () => {
  const c = new ChunkedU32();
  assert.is(c.get(7), 0);
  c.set(5 * CHUNK + 3, 0xffffffff);
  assert.is(c.get(5 * CHUNK + 3), 0xffffffff);
  assert.is(c.get(2 * CHUNK), 0);
  assert.is(c.bytes, CHUNK * 4);
  assert.is(c.length, 5 * CHUNK + 4);
  c.push(9);
  assert.is(c.get(5 * CHUNK + 4), 9);
});

test("OffsetColumn: exact for times past 2^31, fractions, -0, huge and odd values; unset and NaN read undefined", () => {
  const o = new OffsetColumn();
  const want: (number | undefined)[] = [];
  const r = lcg(1);
  for (let i = 0; i < 3 * CHUNK; i++) {
    // Mostly µs times of an hour-long run, close together: the int32 offsets.
    const x = 3_000_000_000 + i * 1000 + Math.floor(r() * 500);
    o.push(x);
    want.push(x);
  }
  // Values that cannot be offsets turn their chunk float64; the chunk's earlier values stay exact.
  const odd = [0.5, -0, 2 ** 60 + 2 ** 9, -(2 ** 40), Number.POSITIVE_INFINITY, 3_000_000_000 - 0x80000000];
  odd.forEach((x, k) => {
    o.set(CHUNK + 10 + k, x);
    want[CHUNK + 10 + k] = x;
  });
  o.set(5 * CHUNK, Number.NaN);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(o.get(i), want[i]), `index ${i}`);
  assert.is(o.get(5 * CHUNK), undefined);
  assert.is(o.get(4 * CHUNK), undefined);
  assert.is(o.get(10 * CHUNK), undefined);
  // Chunks 0 and 2 stayed int32 (4 bytes a value), chunk 1 turned float64, chunk 5 holds one NaN.
  assert.is(o.bytes, CHUNK * 4 + CHUNK * 8 + CHUNK * 4 + CHUNK * 8);
});

test("OffsetColumn: a chunk whose first value is not an integer still stores later integers exactly", () => {
  const o = new OffsetColumn();
  o.set(0, 1.25);
  o.set(1, 7);
  o.set(2, -2_147_483_648);
  assert.is(o.get(0), 1.25);
  assert.is(o.get(1), 7);
  assert.is(o.get(2), -2_147_483_648);
});

test("the first chunk starts small and doubles (a short run allocates little), values stay exact as it grows", () => {
  const u = new ChunkedU32();
  for (let i = 0; i < 10; i++) u.push(i * 3);
  assert.is(u.bytes, 64 * 4);
  u.set(300, 5);
  assert.is(u.bytes, 512 * 4);
  assert.is(u.get(9), 27);
  assert.is(u.get(299), 0);
  assert.is(u.get(300), 5);
  const o = new OffsetColumn();
  o.set(0, 0.5); // float64 while still small
  o.set(1, 10);
  assert.is(o.bytes, 64 * 8);
  o.set(500, 7);
  assert.is(o.bytes, 512 * 8);
  assert.equal([o.get(0), o.get(1), o.get(100), o.get(500)], [0.5, 10, undefined, 7]);
  const p = new OffsetColumn();
  p.set(3, 1e9);
  p.set(700, 1e9 + 5);
  assert.is(p.bytes, 1024 * 4);
  assert.equal([p.get(3), p.get(4), p.get(700), p.get(2000)], [1e9, undefined, 1e9 + 5, undefined]);
});

test("RunColumn: appends build runs; gaps, late fills and overwrites read back like a plain array", () => {
  const c = new RunColumn();
  const plain: (number | undefined)[] = [];
  const set = (i: number, x: number) => {
    c.set(i, x);
    plain[i] = x;
  };
  // Terms of a long log: a few hundred indexes per term.
  let term = 1;
  for (let i = 1; i <= 20_000; i++) {
    if (i % 700 === 0) term++;
    set(i, term);
  }
  assert.ok(c.runs < 40, `runs ${c.runs}`);
  set(20_010, 99); // a gap of unset slots before it
  set(20_005, 98); // filled late
  set(300, 7); // overwritten
  set(0, 0);
  set(20_011, -0);
  set(20_012, 0);
  for (let i = 0; i <= 20_020; i++) assert.ok(Object.is(c.get(i), plain[i]), `index ${i}: ${c.get(i)} vs ${plain[i]}`);
  assert.is(c.get(1_000_000), undefined);
});

test("RunColumn: random writes in any order read back exactly", () => {
  const r = lcg(7);
  const c = new RunColumn();
  const plain = new Map<number, number>();
  for (let n = 0; n < 5000; n++) {
    const i = Math.floor(r() * 3000);
    const x = Math.floor(r() * 4);
    c.set(i, x);
    plain.set(i, x);
  }
  for (let i = 0; i < 3100; i++) assert.is(c.get(i), plain.get(i), `index ${i}`);
});

test("HotWindow: keeps the newest size indexes, cools the older ones in ascending order exactly once", () => {
  const cooled: [number, string][] = [];
  const w = new HotWindow<string>(8, (i, x) => cooled.push([i, x]));
  for (let i = 1; i <= 8; i++) if (i !== 3) w.put(i, `e${i}`);
  assert.equal(cooled, []);
  w.put(11, "e11"); // window 4..11: 1, 2 cooled (3 was never put)
  assert.equal(cooled, [
    [1, "e1"],
    [2, "e2"],
  ]);
  assert.not.ok(w.holds(3));
  assert.ok(w.holds(4));
  assert.is(w.get(5), "e5");
  assert.is(w.get(9), undefined);
  w.put(100, "e100"); // everything before 93 leaves
  assert.equal(
    cooled.map(([i]) => i),
    [1, 2, 4, 5, 6, 7, 8, 11],
  );
  assert.is(w.kept, 1);
});

/** A store in memory (copies of what it took), counting what it was asked; `refuse`: takes nothing. */
function memoryStore(refuse = false): BlockStore & { blocks: Int32Array[]; reads: number } {
  const blocks: Int32Array[] = [];
  return {
    blocks,
    reads: 0,
    append(words) {
      if (refuse) return undefined;
      blocks.push(words.slice());
      return blocks.length - 1;
    },
    read(at, into) {
      this.reads++;
      into.set(blocks[at]!);
    },
  };
}

test("spill: a short column never asks for a store; a long one keeps its first chunks and the newest in memory", () => {
  let asked = 0;
  const store = memoryStore();
  const short = new ChunkedU32(() => (asked++, store));
  for (let i = 0; i < (SPILL_AFTER + 1) * CHUNK; i++) short.push(i);
  assert.is(asked, 0);
  assert.is(short.chunksAway, 0);
  const long = new ChunkedU32(() => (asked++, store));
  const n = (SPILL_AFTER + 10) * CHUNK + 5;
  for (let i = 0; i < n; i++) long.push((i * 2_654_435_761) >>> 0);
  assert.is(asked, 1); // once, for all its chunks
  assert.is(long.chunksAway, 10);
  assert.is(long.bytes, SPILL_AFTER * CHUNK * 4 + CHUNK * 4); // the first SPILL_AFTER, and the one being filled
  for (let i = 0; i < n; i++) assert.is(long.get(i), (i * 2_654_435_761) >>> 0, `index ${i}`);
  assert.is(long.get(n + 3), 0);
});

test("spill: OffsetColumn int32 and float64 chunks read back exactly, in any order; writes to a chunk that left stay", () => {
  const store = memoryStore();
  const o = new OffsetColumn(() => store);
  const want: (number | undefined)[] = [];
  const r = lcg(7);
  const n = (SPILL_AFTER + 6) * CHUNK;
  for (let i = 0; i < n; i++) {
    // Chunk 14 turns float64 (a fraction), the others are int32 offsets.
    const x = i >>> 10 === 14 && i % 100 === 7 ? i + 0.25 : 3_000_000_000 + i * 1000 + Math.floor(r() * 500);
    o.push(x);
    want.push(x);
  }
  assert.ok(o.chunksAway >= 4);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const i of order.slice(0, 3000)) assert.is(o.get(i), want[i], `index ${i}`);
  // A late write into a chunk in the store: read back, changed, and kept in memory from then on.
  const away = o.chunksAway;
  o.set(14 * CHUNK + 3, -0.5);
  want[14 * CHUNK + 3] = -0.5;
  o.set(13 * CHUNK + 9, 42);
  want[13 * CHUNK + 9] = 42;
  assert.is(o.chunksAway, away - 2);
  for (let i = 0; i < n; i++) assert.is(o.get(i), want[i], `index ${i}`);
  assert.ok(Object.is(o.get(14 * CHUNK + 3), -0.5));
});

test("spill: reads in order read each chunk back once; a store that takes nothing keeps everything in memory", () => {
  const store = memoryStore();
  const c = new ChunkedU32(() => store);
  const n = (SPILL_AFTER + 8) * CHUNK;
  for (let i = 0; i < n; i++) c.push(i);
  for (let i = 0; i < n; i++) c.get(i);
  assert.is(store.reads, c.chunksAway);
  const refusing = memoryStore(true);
  const kept = new OffsetColumn(() => refusing);
  for (let i = 0; i < n; i++) kept.push(i * 3);
  assert.is(kept.chunksAway, 0);
  for (let i = 0; i < n; i++) assert.is(kept.get(i), i * 3);
  const none = new ChunkedU32(() => undefined);
  for (let i = 0; i < n; i++) none.push(i);
  assert.is(none.chunksAway, 0);
  assert.is(none.get(n - 1), n - 1);
});

test.run();
