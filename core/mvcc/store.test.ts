// Revision rules, generations and tombstones, Put and DeleteRange options, and errors as values.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdRequest } from "./rpc.ts";
import { MvccStore } from "./store.ts";
import { errorOf, ok } from "../../testing/mvcc/test-util.ts";

test("a new store is at revision 1, never compacted, and empty", () => {
  const s = new MvccStore();
  assert.is(s.revision, 1);
  assert.is(s.compactRevision, -1);
  const r = ok(s.range({ key: "\0", rangeEnd: "\0" }));
  assert.equal(r, { header: { revision: 1, raftTerm: 0 }, kvs: [], more: false, count: 0 });
});

test("every put raises the revision by exactly one, even when the value is unchanged", () => {
  const s = new MvccStore();
  assert.is(ok(s.put({ key: "a", value: "x" })).header.revision, 2);
  assert.is(ok(s.put({ key: "a", value: "x" })).header.revision, 3);
  assert.is(ok(s.put({ key: "b", value: "x" })).header.revision, 4);
  assert.is(s.revision, 4);
});

test("a put keeps createRevision and counts versions within a generation", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "1" });
  s.put({ key: "other", value: "" });
  s.put({ key: "a", value: "2" });
  const kv = ok(s.range({ key: "a" })).kvs[0];
  assert.equal(kv, { key: "a", createRevision: 2, modRevision: 4, version: 2, value: "2", lease: 0 });
});

test("a delete ends the generation: the next put starts again at version 1 with a new createRevision", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "1" });
  s.put({ key: "a", value: "2" });
  assert.is(ok(s.deleteRange({ key: "a" })).deleted, 1);
  assert.equal(ok(s.range({ key: "a" })).kvs, []);
  s.put({ key: "a", value: "3" });
  assert.equal(ok(s.range({ key: "a" })).kvs[0], {
    key: "a",
    createRevision: 5,
    modRevision: 5,
    version: 1,
    value: "3",
    lease: 0,
  });
});

test("deleted keys are absent from ranges but still readable at revisions before the delete", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "1" });
  s.deleteRange({ key: "a" });
  assert.is(ok(s.range({ key: "a" })).count, 0);
  assert.equal(
    ok(s.range({ key: "a", revision: 2 })).kvs.map((kv) => kv.value),
    ["1"],
  );
});

test("a DeleteRange that deletes nothing does not raise the revision", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "1" });
  const r = ok(s.deleteRange({ key: "zz", rangeEnd: "zzz" }));
  assert.equal(r, { header: { revision: 2, raftTerm: 0 }, deleted: 0, prevKvs: [] });
  assert.is(s.revision, 2);
});

test("a DeleteRange deletes every key of [key, end) in one revision and returns them with prev_kv", () => {
  const s = new MvccStore();
  for (const k of ["a", "b", "c", "d"]) s.put({ key: k, value: k });
  const r = ok(s.deleteRange({ key: "b", rangeEnd: "d", prevKv: true }));
  assert.is(r.deleted, 2);
  assert.is(r.header.revision, 6);
  assert.equal(
    r.prevKvs.map((kv) => [kv.key, kv.value]),
    [
      ["b", "b"],
      ["c", "c"],
    ],
  );
  assert.equal(
    ok(s.range({ key: "\0", rangeEnd: "\0" })).kvs.map((kv) => kv.key),
    ["a", "d"],
  );
});

test('a DeleteRange with range end "\\0" deletes every key >= key', () => {
  const s = new MvccStore();
  for (const k of ["a", "b", "c"]) s.put({ key: k, value: k });
  assert.is(ok(s.deleteRange({ key: "b", rangeEnd: "\0" })).deleted, 2);
  assert.equal(
    ok(s.range({ key: "\0", rangeEnd: "\0" })).kvs.map((kv) => kv.key),
    ["a"],
  );
});

test("the response header carries the raft term the caller passes", () => {
  const s = new MvccStore();
  assert.equal(ok(s.put({ key: "a", value: "" }, 7)).header, { revision: 2, raftTerm: 7 });
  assert.equal(ok(s.range({ key: "a" }, 9)).header, { revision: 2, raftTerm: 9 });
});

test("prev_kv on a put returns the replaced pair, and nothing for a new key", () => {
  const s = new MvccStore();
  assert.equal(ok(s.put({ key: "a", value: "1", prevKv: true })), { header: { revision: 2, raftTerm: 0 } });
  const r = ok(s.put({ key: "a", value: "2", prevKv: true }));
  assert.equal(r.prevKv, { key: "a", createRevision: 2, modRevision: 2, version: 1, value: "1", lease: 0 });
});

test("ignore_value keeps the stored value and ignore_lease keeps the stored lease", () => {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 5, TTL: 60 }));
  s.put({ key: "a", value: "keep", lease: 5 });
  s.put({ key: "a", value: "", ignoreValue: true });
  assert.equal(ok(s.range({ key: "a" })).kvs[0]?.value, "keep");
  assert.equal(ok(s.range({ key: "a" })).kvs[0]?.lease, 0, "without ignore_lease the put clears the lease");
  s.put({ key: "a", value: "new", lease: 5 });
  s.put({ key: "a", value: "newer", ignoreLease: true });
  assert.equal(ok(s.range({ key: "a" })).kvs[0], {
    key: "a",
    createRevision: 2,
    modRevision: 5,
    version: 4,
    value: "newer",
    lease: 5,
  });
});

test("ignore_value or ignore_lease on a missing key is key-not-found and consumes no revision", () => {
  const s = new MvccStore();
  assert.is(errorOf(s.put({ key: "a", value: "", ignoreValue: true })), "key-not-found");
  assert.is(errorOf(s.put({ key: "a", value: "x", ignoreLease: true })), "key-not-found");
  assert.is(s.revision, 1);
});

test("ignore_value with a value and ignore_lease with a lease are rejected before anything else", () => {
  const s = new MvccStore();
  assert.is(errorOf(s.put({ key: "a", value: "x", ignoreValue: true })), "value-provided");
  assert.is(errorOf(s.put({ key: "a", value: "", ignoreLease: true, lease: 3 })), "lease-provided");
  assert.is(s.revision, 1);
});

test("a put with an unknown lease fails without consuming a revision (the lease is checked before ignore_value)", () => {
  const s = new MvccStore();
  assert.is(errorOf(s.put({ key: "a", value: "x", lease: 42 })), "lease-not-found");
  assert.is(errorOf(s.put({ key: "a", value: "", lease: 42, ignoreValue: true })), "lease-not-found");
  assert.is(s.revision, 1);
});

test("the empty key is rejected by Range, Put, DeleteRange and inside a Txn", () => {
  const s = new MvccStore();
  assert.is(errorOf(s.range({ key: "" })), "empty-key");
  assert.is(errorOf(s.put({ key: "", value: "x" })), "empty-key");
  assert.is(errorOf(s.deleteRange({ key: "", rangeEnd: "\0" })), "empty-key");
  assert.is(
    errorOf(
      s.txn({ compare: [{ key: "", target: "VERSION", result: "EQUAL", version: 0 }], success: [], failure: [] }),
    ),
    "empty-key",
  );
  assert.is(
    errorOf(s.txn({ compare: [], success: [], failure: [{ requestPut: { key: "", value: "" } }] })),
    "empty-key",
  );
  assert.is(s.revision, 1);
});

test("apply dispatches tagged requests and returns tagged responses or errors", () => {
  const s = new MvccStore();
  const put = s.apply({ kind: "put", put: { key: "a", value: "1" } }, { raftTerm: 3 });
  assert.equal(put, { kind: "put", put: { header: { revision: 2, raftTerm: 3 } } });
  const range = s.apply({ kind: "range", range: { key: "a", revision: 9 } });
  assert.equal(range, { error: "future-revision" });
  const grant = s.apply({ kind: "leaseGrant", leaseGrant: { TTL: 10 } }, { raftTerm: 3, nowUs: 0 });
  assert.equal(grant, { kind: "leaseGrant", leaseGrant: { header: { revision: 2, raftTerm: 3 }, ID: 1, TTL: 10 } });
});

test("validate predicts apply's rejection without changing the state", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "1" });
  s.put({ key: "a", value: "2" });
  s.compact({ revision: 3 });
  const reqs = [
    { kind: "range", range: { key: "a", revision: 2 } },
    { kind: "range", range: { key: "a", revision: 4 } },
    { kind: "put", put: { key: "b", value: "", ignoreValue: true } },
    { kind: "put", put: { key: "b", value: "", lease: 9 } },
    { kind: "txn", txn: { compare: [], success: [{ requestRange: { key: "a", revision: 2 } }], failure: [] } },
    { kind: "compact", compact: { revision: 3 } },
    { kind: "leaseRevoke", leaseRevoke: { ID: 1 } },
    { kind: "put", put: { key: "ok", value: "fine" } },
  ] as const;
  const expected = [
    "compacted",
    "future-revision",
    "key-not-found",
    "lease-not-found",
    "compacted",
    "compacted",
    "lease-not-found",
    undefined,
  ];
  reqs.forEach((req, i) => {
    const before = s.revision;
    assert.is(s.validate(req as never), expected[i], JSON.stringify(req));
    assert.is(s.revision, before, "validate changes nothing");
  });
  reqs.forEach((req, i) => {
    const r = s.apply(req as never);
    assert.is("error" in r ? r.error : undefined, expected[i], `apply agrees with validate on ${JSON.stringify(req)}`);
  });
});

test("returned pairs are copies: mutating a response does not change the store", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "1" });
  const kv = ok(s.range({ key: "a" })).kvs[0];
  if (kv === undefined) throw new Error("missing");
  kv.value = "mutated";
  kv.version = 99;
  assert.equal(ok(s.range({ key: "a" })).kvs[0]?.value, "1");
  assert.equal(ok(s.range({ key: "a" })).kvs[0]?.version, 1);
});

test("applyWith takes apply's context as arguments: the same responses and the same state", () => {
  const a = new MvccStore();
  const b = new MvccStore();
  const reqs: EtcdRequest[] = [
    { kind: "leaseGrant", leaseGrant: { ID: 5, TTL: 10 } },
    { kind: "put", put: { key: "k", value: "v", lease: 5 } },
    { kind: "put", put: { key: "k", value: "w", lease: 99 } }, // unknown lease: refused unless validation is skipped
    { kind: "leaseKeepAlive", leaseKeepAlive: { ID: 5 } },
    { kind: "range", range: { key: "k" } },
  ];
  for (const [i, req] of reqs.entries()) {
    const skip = i === 2 ? true : undefined;
    const viaCtx = a.apply(req, { raftTerm: 3, nowUs: 1_000 * i, ...(skip ? { skipValidation: true } : {}) });
    assert.equal(b.applyWith(req, 3, 1_000 * i, skip), viaCtx);
  }
  assert.equal(b.snapshot(), a.snapshot());
});

test.run();
