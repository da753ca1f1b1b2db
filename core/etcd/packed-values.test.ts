// The packed store must give back exactly what was stored (same JSON, same keys in the same order,
// numbers bit for bit), and the recorder's view over it must read like the plain array it replaces.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../history.ts";
import type { EtcdRequest, EtcdResponse, KeyValue } from "../mvcc/rpc.ts";
import { HistoryRecorder } from "./client.ts";
import { CHUNK_WORDS, type ChunkStore, PackedValues } from "./packed-values.ts";

const kv = (key: string, mod: number, value: string, lease = 0): KeyValue => ({
  key,
  createRevision: 2,
  modRevision: mod,
  version: 3,
  value,
  lease,
});
const header = (revision: number) => ({ revision, raftTerm: 7 });

/** One operation of every request and response kind, and every outcome. */
function operations(): EtcdOperation[] {
  const req: EtcdRequest[] = [
    {
      kind: "range",
      range: { key: "/k/", rangeEnd: "/k0", limit: 0, revision: 12, serializable: true, keysOnly: false },
    },
    { kind: "put", put: { key: "/k/1", value: "c1-1", lease: 5, prevKv: true } },
    { kind: "deleteRange", deleteRange: { key: "/k/2", prevKv: false } },
    {
      kind: "txn",
      txn: {
        compare: [{ key: "/k/5", target: "VERSION", result: "EQUAL", version: 1 }],
        success: [
          { requestPut: { key: "/k/5", value: "c4-1" } },
          { requestDeleteRange: { key: "/k/9" } },
          { requestTxn: { compare: [], success: [{ requestRange: { key: "/k/1" } }], failure: [] } },
        ],
        failure: [{ requestRange: { key: "/k/5" } }],
      },
    },
    { kind: "compact", compact: { revision: 57, physical: true } },
    { kind: "leaseGrant", leaseGrant: { TTL: 2 } },
    { kind: "leaseRevoke", leaseRevoke: { ID: 4 } },
    { kind: "leaseKeepAlive", leaseKeepAlive: { ID: 4 } },
  ];
  const resp: EtcdResponse[] = [
    {
      kind: "range",
      range: { header: header(13), kvs: [kv("/k/1", 3, "c2-2", 4), kv("/k/3", 9, "")], more: false, count: 2 },
    },
    { kind: "put", put: { header: header(14), prevKv: kv("/k/1", 3, "c2-2") } },
    { kind: "deleteRange", deleteRange: { header: header(15), deleted: 1, prevKvs: [] } },
    {
      kind: "txn",
      txn: {
        header: { revision: 16, raftTerm: 1, memberId: "n2" },
        succeeded: true,
        responses: [
          { responsePut: { header: { revision: 16, raftTerm: 0 } } },
          { responseDeleteRange: { header: header(16), deleted: 0, prevKvs: [] } },
          { responseTxn: { header: header(16), succeeded: true, responses: [] } },
        ],
      },
    },
    { kind: "compact", compact: { header: header(78) } },
    { kind: "leaseGrant", leaseGrant: { header: header(4), ID: 1, TTL: 2 } },
    { kind: "leaseRevoke", leaseRevoke: { header: header(5) } },
    { kind: "leaseKeepAlive", leaseKeepAlive: { header: header(5), ID: 4, TTL: -1 } },
  ];
  const ops: EtcdOperation[] = [];
  const at = (i: number) => 3_600_000_000 + 1_000 * i; // past 2^28 and 2^31 µs, as in a long run
  for (let i = 0; i < req.length; i++) {
    // A success, a definite error, and an unknown outcome of each kind.
    ops.push({ id: ops.length, client: 1, call: at(i), return: at(i) + 17, request: req[i]!, response: resp[i]! });
    ops.push({
      id: ops.length,
      client: 2,
      call: at(i),
      return: at(i) + 5,
      request: req[i]!,
      response: null,
      error: "compacted",
    });
    ops.push({
      id: ops.length,
      client: 3,
      call: at(i),
      return: null,
      request: req[i]!,
      response: null,
      error: "timeout",
    });
  }
  return ops;
}

test("every request and response kind and outcome reads back as it was recorded (same JSON)", () => {
  const p = new PackedValues();
  const ops = operations();
  for (const op of ops) p.push(op);
  for (let i = 0; i < ops.length; i++) {
    const back = p.get(i);
    assert.is(JSON.stringify(back), JSON.stringify(ops[i]));
    assert.equal(back, ops[i]);
    assert.is.not(back, ops[i]); // a copy
  }
});

test("numbers bit for bit, key order, undefined values, non-Latin-1 and long strings, references", () => {
  const p = new PackedValues();
  class Opaque {
    constructor(readonly x: number) {}
  }
  const opaque = new Opaque(1);
  const values: unknown[] = [
    0,
    -0,
    -1,
    2 ** 28 - 1,
    2 ** 28,
    -(2 ** 28),
    -(2 ** 28) - 1,
    2 ** 31,
    2 ** 32 + 5,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    2 ** 60,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    false,
    null,
    undefined,
    "",
    "x".repeat(100_000),
    { value: "Grüße ☃", b: undefined, a: 1 },
    { z: 1, y: { value: "c1-1" }, 3: "three" },
    [1, [2, [3]], { value: "" }],
    opaque,
  ];
  for (const v of values) p.push(v);
  for (let i = 0; i < values.length; i++) {
    const back = p.get(i);
    assert.ok(Object.is(back, values[i]) || (typeof back === "object" && back !== null), `value ${i}`);
    if (typeof back === "object" && back !== null && !(back instanceof Opaque)) {
      assert.equal(back, values[i]);
      assert.equal(Object.keys(back), Object.keys(values[i] as object));
    }
  }
  assert.is(p.get(values.length - 1), opaque); // kept by reference
  const undefKey = p.get(values.indexOf(values[21])) as Record<string, unknown>;
  assert.ok("b" in undefKey);
  const ref = { x: 1 };
  const i = p.pushRef(ref);
  ref.x = 2;
  assert.is(p.get(i), ref);
  assert.throws(() => p.get(p.length));
});

test("the recorder packs a long history and its view reads like the array it replaces", () => {
  let now = 0;
  const r = new HistoryRecorder(() => now);
  const n = 30_000;
  const open: EtcdOperation[] = [];
  const expected: EtcdOperation[] = [];
  for (let i = 0; i < n; i++) {
    now = 1_000 * i;
    const op = r.invoke(i % 4, { kind: "put", put: { key: `/k/${i % 10}`, value: `c-${i}` } });
    if (i % 1000 === 7)
      open.push(op); // in flight (its client was killed): kept by reference
    else if (i % 3 === 0) {
      op.return = now + 10;
      op.response = { kind: "put", put: { header: { revision: i + 1, raftTerm: 1 } } };
    } else if (i % 3 === 1) op.error = "timeout";
    else {
      op.return = now + 3;
      op.error = "no-leader";
    }
    expected.push(op);
  }
  open[0]!.error = "timeout"; // finished after it was packed
  const ops = r.operations;
  assert.ok(Array.isArray(ops));
  assert.is(ops.length, n);
  assert.is(r.operationCount, n);
  assert.is.not(ops, expected);
  assert.is(JSON.stringify(ops), JSON.stringify(expected));
  assert.equal([...ops], expected);
  assert.equal(
    ops.filter((o) => o.return === null).map((o) => o.id),
    expected.filter((o) => o.return === null).map((o) => o.id),
  );
  assert.equal(ops.slice(5, 8), expected.slice(5, 8));
  assert.is(ops[7], open[0]);
  assert.is(ops[n], undefined);
  assert.ok(0 in ops && !(n in ops));
  assert.throws(() => {
    ops[0] = expected[0]!;
  });
  assert.throws(() => ops.push(expected[0]!));
});

/** A chunk store in memory that copies what it is given (as a file would), counting its calls. */
class CopyingStore implements ChunkStore {
  readonly kept = new Map<number, Int32Array>();
  gets = 0;
  constructor(private readonly refuseFrom = Number.POSITIVE_INFINITY) {}
  put(index: number, words: Int32Array): boolean {
    if (index >= this.refuseFrom) return false;
    this.kept.set(index, words.slice());
    return true;
  }
  get(index: number, into: Int32Array): void {
    this.gets++;
    into.set(this.kept.get(index)!);
  }
}

/** Values of every kind, a few hundred words each, so that a few hundred fill several chunks. */
function bulky(i: number): unknown {
  return {
    id: i,
    time: 1_000_000_000 + i * 7,
    value: `v${i}-${"x".repeat(i % 50)}`,
    long: "L".repeat(40 + (i % 300)),
    list: Array.from({ length: i % 200 }, (_, k) => ({ key: `/k/${k % 9}`, n: k * i, f: k / 3 })),
    intl: i % 7 === 0 ? "Grüße ☃" : undefined,
  };
}

test("with a chunk store, full chunks leave memory and read back the same, in any order", () => {
  const store = new CopyingStore();
  let made = 0;
  const p = new PackedValues(() => {
    made++;
    return store;
  });
  const values: unknown[] = [];
  for (let i = 0; i < 3_000; i++) {
    values.push(bulky(i));
    p.push(values[i]);
  }
  assert.is(made, 1);
  assert.ok(p.storedChunks >= 4, `stored ${p.storedChunks}`);
  assert.is(store.kept.size, p.storedChunks);
  // Only the chunk being filled stays in memory (plus the value index).
  assert.ok(p.byteSize < 2 * CHUNK_WORDS * 4, `in memory ${p.byteSize}`);
  for (let i = 0; i < values.length; i++) assert.is(JSON.stringify(p.get(i)), JSON.stringify(values[i]));
  const sequentialGets = store.gets;
  assert.ok(sequentialGets <= store.kept.size + 1, `a pass reads each chunk about once: ${sequentialGets}`);
  // Out of order (the cache evicts and reuses its buffers): still the same values.
  for (let k = 0; k < 2_000; k++) {
    const i = (k * 7919) % values.length;
    assert.is(JSON.stringify(p.get(i)), JSON.stringify(values[i]));
  }
  assert.ok(p.byteSize < 7 * CHUNK_WORDS * 4, `cache bounded: ${p.byteSize}`);
});

test("a chunk the store refuses stays in memory; no store made means none is asked", () => {
  const store = new CopyingStore(2);
  const p = new PackedValues(() => store);
  const none = new PackedValues(() => undefined);
  const values: unknown[] = [];
  for (let i = 0; i < 2_000; i++) {
    values.push(bulky(i));
    p.push(values[i]);
    none.push(values[i]);
  }
  assert.is(p.storedChunks, 2);
  assert.is(none.storedChunks, 0);
  for (let i = values.length - 1; i >= 0; i--) {
    assert.is(JSON.stringify(p.get(i)), JSON.stringify(values[i]));
    assert.is(JSON.stringify(none.get(i)), JSON.stringify(values[i]));
  }
  // A short store never fills a chunk: the factory is never called.
  let called = false;
  const small = new PackedValues(() => {
    called = true;
    return store;
  });
  for (let i = 0; i < 100; i++) small.push({ id: i });
  assert.not.ok(called);
});

test.run();
