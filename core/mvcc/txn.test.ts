// Txn semantics: compares on every target and result, ranges and missing keys, branches, one
// revision per Txn, nested Txns, the duplicate-key check, validation before apply, and the
// mvcc-txn-compare-ignored mutant.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../bugs.ts";
import type { Compare, CompareResult, CompareTarget, RequestOp, TxnRequest } from "./rpc.ts";
import { MvccStore } from "./store.ts";
import { probeCounts, resetProbes } from "../probes.ts";
import { errorOf, ok } from "../../testing/mvcc/test-util.ts";

const put = (key: string, value = "v"): RequestOp => ({ requestPut: { key, value } });
const get = (key: string, rangeEnd?: string): RequestOp => ({
  requestRange: rangeEnd === undefined ? { key } : { key, rangeEnd },
});
const del = (key: string, rangeEnd?: string): RequestOp => ({
  requestDeleteRange: rangeEnd === undefined ? { key } : { key, rangeEnd },
});
const txn = (compare: Compare[], success: RequestOp[], failure: RequestOp[] = []): TxnRequest => ({
  compare,
  success,
  failure,
});

/** a: create 2, mod 4, version 2, value "m", lease 7; b: create 3, mod 3, version 1, value "z". */
function fixture(): MvccStore {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 7, TTL: 60 }));
  s.put({ key: "a", value: "k" });
  s.put({ key: "b", value: "z" });
  s.put({ key: "a", value: "m", lease: 7 });
  return s;
}

function holds(s: MvccStore, c: Compare): boolean {
  return ok(s.txn(txn([c], [], []))).succeeded;
}

test("each compare target reads its field and each result compares it with the given value", () => {
  const s = fixture();
  const cases: [CompareTarget, Partial<Compare>, Record<CompareResult, boolean>][] = [
    ["VERSION", { version: 2 }, { EQUAL: true, NOT_EQUAL: false, GREATER: false, LESS: false }],
    ["VERSION", { version: 1 }, { EQUAL: false, NOT_EQUAL: true, GREATER: true, LESS: false }],
    ["CREATE", { createRevision: 3 }, { EQUAL: false, NOT_EQUAL: true, GREATER: false, LESS: true }],
    ["MOD", { modRevision: 4 }, { EQUAL: true, NOT_EQUAL: false, GREATER: false, LESS: false }],
    ["MOD", { modRevision: 3 }, { EQUAL: false, NOT_EQUAL: true, GREATER: true, LESS: false }],
    ["VALUE", { value: "m" }, { EQUAL: true, NOT_EQUAL: false, GREATER: false, LESS: false }],
    ["VALUE", { value: "n" }, { EQUAL: false, NOT_EQUAL: true, GREATER: false, LESS: true }],
    ["LEASE", { lease: 7 }, { EQUAL: true, NOT_EQUAL: false, GREATER: false, LESS: false }],
    ["LEASE", { lease: 0 }, { EQUAL: false, NOT_EQUAL: true, GREATER: true, LESS: false }],
  ];
  for (const [target, field, expect] of cases) {
    for (const result of ["EQUAL", "NOT_EQUAL", "GREATER", "LESS"] as const) {
      assert.is(
        holds(s, { key: "a", target, result, ...field }),
        expect[result],
        `${target} ${result} ${JSON.stringify(field)}`,
      );
    }
  }
});

test("a missing key compares as zero on VERSION, CREATE, MOD and LEASE, and a VALUE compare on it is false", () => {
  const s = fixture();
  assert.ok(holds(s, { key: "nope", target: "VERSION", result: "EQUAL", version: 0 }));
  assert.ok(holds(s, { key: "nope", target: "CREATE", result: "EQUAL", createRevision: 0 }));
  assert.ok(holds(s, { key: "nope", target: "MOD", result: "LESS", modRevision: 1 }));
  assert.ok(holds(s, { key: "nope", target: "LEASE", result: "EQUAL", lease: 0 }));
  assert.not.ok(holds(s, { key: "nope", target: "VALUE", result: "EQUAL", value: "" }));
  assert.not.ok(holds(s, { key: "nope", target: "VALUE", result: "NOT_EQUAL", value: "x" }));
});

test("compares are a conjunction: the first false one picks the failure branch", () => {
  const s = fixture();
  const yes: Compare = { key: "a", target: "VERSION", result: "EQUAL", version: 2 };
  const no: Compare = { key: "b", target: "VERSION", result: "EQUAL", version: 2 };
  assert.ok(ok(s.txn(txn([yes, yes], []))).succeeded);
  assert.not.ok(ok(s.txn(txn([yes, no], []))).succeeded);
});

test("a compare over a range must hold for every key in it; an empty range compares as the zero pair", () => {
  const s = fixture();
  assert.ok(holds(s, { key: "a", rangeEnd: "c", target: "CREATE", result: "GREATER", createRevision: 1 }));
  assert.not.ok(holds(s, { key: "a", rangeEnd: "c", target: "CREATE", result: "GREATER", createRevision: 2 }));
  assert.ok(holds(s, { key: "x", rangeEnd: "\0", target: "MOD", result: "EQUAL", modRevision: 0 }));
  assert.not.ok(holds(s, { key: "x", rangeEnd: "\0", target: "VALUE", result: "EQUAL", value: "" }));
});

test("the chosen branch runs in order and answers one response per op", () => {
  const s = fixture();
  const r = ok(
    s.txn(
      txn(
        [{ key: "a", target: "VALUE", result: "EQUAL", value: "nope" }],
        [put("x")],
        [get("a"), put("c", "1"), del("b")],
      ),
    ),
  );
  assert.is(r.succeeded, false);
  assert.equal(
    r.responses.map((x) => Object.keys(x)[0]),
    ["responseRange", "responsePut", "responseDeleteRange"],
  );
  assert.equal(ok(s.range({ key: "x" })).count, 0, "the success branch did not run");
});

test("all changes of a Txn share one revision with sub-revisions in op order", () => {
  const s = fixture();
  const r = ok(s.txn(txn([], [put("c"), put("d"), del("b")])));
  assert.is(r.header.revision, 5);
  assert.is(s.revision, 5);
  const at5 = ok(s.range({ key: "\0", rangeEnd: "\0" }))
    .kvs.filter((kv) => kv.modRevision === 5)
    .map((kv) => kv.key);
  assert.equal(at5, ["c", "d"]);
  assert.is(ok(s.range({ key: "b" })).count, 0);
});

test("a read-only Txn, or one whose writes change nothing, does not raise the revision", () => {
  const s = fixture();
  assert.is(ok(s.txn(txn([], [get("a"), get("b")]))).header.revision, 4);
  assert.is(ok(s.txn(txn([], [del("nothing-here")]))).header.revision, 4);
  assert.is(s.revision, 4);
});

test("reads inside a Txn see its earlier writes, and sub-response headers carry the revision as of that op", () => {
  const s = fixture();
  const r = ok(s.txn(txn([], [get("c"), put("c", "new"), get("c"), del("nothing")])));
  const [before, w, after, d] = r.responses;
  assert.equal(before, { responseRange: { header: { revision: 4, raftTerm: 0 }, kvs: [], more: false, count: 0 } });
  assert.equal(w, { responsePut: { header: { revision: 5, raftTerm: 0 } } });
  assert.equal(after && "responseRange" in after ? after.responseRange.kvs.map((kv) => kv.value) : null, ["new"]);
  assert.equal(d, { responseDeleteRange: { header: { revision: 5, raftTerm: 0 }, deleted: 0, prevKvs: [] } });
});

test("nested Txn compares see the state before the whole Txn, and a nested header stays zero", () => {
  const s = fixture();
  const r = ok(
    s.txn(
      txn(
        [],
        [
          put("a", "changed"),
          { requestTxn: txn([{ key: "a", target: "VALUE", result: "EQUAL", value: "m" }], [get("a")], [put("f")]) },
        ],
      ),
    ),
  );
  const inner = r.responses[1];
  if (inner === undefined || !("responseTxn" in inner)) throw new Error("no nested response");
  assert.is(inner.responseTxn.succeeded, true, "the nested compare saw value m, not the Txn's own put");
  assert.equal(inner.responseTxn.header, { revision: 0, raftTerm: 0 });
  const read = inner.responseTxn.responses[0];
  assert.equal(
    read && "responseRange" in read ? read.responseRange.kvs[0]?.value : null,
    "changed",
    "its ops see the outer writes",
  );
});

test("nested Txns in the chosen branches are walked depth first", () => {
  const s = fixture();
  const deep = txn([{ key: "b", target: "VERSION", result: "EQUAL", version: 1 }], [put("deep-yes")], [put("deep-no")]);
  const mid = txn(
    [{ key: "a", target: "VERSION", result: "EQUAL", version: 9 }],
    [put("mid-yes")],
    [{ requestTxn: deep }, put("mid-no")],
  );
  ok(s.txn(txn([], [{ requestTxn: mid }, { requestTxn: txn([], [put("second")]) }])));
  assert.equal(
    ok(s.range({ key: "\0", rangeEnd: "\0" }))
      .kvs.map((kv) => kv.key)
      .filter((k) => k.length > 1),
    ["deep-yes", "mid-no", "second"],
  );
});

test("the same key written twice in one branch is a duplicate, nested Txns included", () => {
  const s = fixture();
  assert.is(errorOf(s.txn(txn([], [put("x"), put("x")]))), "duplicate-key");
  assert.is(errorOf(s.txn(txn([], [put("x"), del("w", "y")]))), "duplicate-key");
  assert.is(errorOf(s.txn(txn([], [del("x"), { requestTxn: txn([], [put("x")]) }]))), "duplicate-key");
  assert.is(errorOf(s.txn(txn([], [put("x"), { requestTxn: txn([], [del("x")]) }]))), "duplicate-key");
  assert.is(
    errorOf(s.txn(txn([], [{ requestTxn: txn([], [put("x")]) }, { requestTxn: txn([], [], [put("x")]) }]))),
    "duplicate-key",
  );
  assert.is(s.revision, 4);
});

test('not duplicates: the two branches of one nested Txn, the two top branches, overlapping deletes, and a put under a "\\0" delete', () => {
  const s = fixture();
  ok(s.txn(txn([], [{ requestTxn: txn([], [put("x")], [put("x")]) }])));
  ok(s.txn(txn([], [put("x")], [put("x")])));
  ok(s.txn(txn([], [del("a", "c"), del("b")])));
  // etcd 3.4 checks the raw "\0" end as an empty interval: the put is not a duplicate, and runs.
  const r = ok(s.txn(txn([], [put("q", "1"), del("p", "\0")])));
  assert.is(
    r.responses[1] && "responseDeleteRange" in r.responses[1] ? r.responses[1].responseDeleteRange.deleted : -1,
    2,
  );
});

test("a delete then a put of one key in one Txn leaves a new generation created at that revision", () => {
  const s = fixture();
  ok(s.txn(txn([], [del("a", "\0"), put("b", "again")])));
  assert.equal(ok(s.range({ key: "b" })).kvs[0], {
    key: "b",
    createRevision: 5,
    modRevision: 5,
    version: 1,
    value: "again",
    lease: 0,
  });
  assert.is(ok(s.range({ key: "a" })).count, 0);
});

test("a Range at a compacted or future revision in the chosen branch rejects the whole Txn without a revision", () => {
  const s = fixture();
  s.compact({ revision: 3 });
  assert.is(errorOf(s.txn(txn([], [put("x"), { requestRange: { key: "a", revision: 2 } }]))), "compacted");
  assert.is(errorOf(s.txn(txn([], [put("x"), { requestRange: { key: "a", revision: 5 } }]))), "future-revision");
  assert.is(s.revision, 4);
  // The branch not taken is not checked.
  ok(s.txn(txn([], [put("x")], [{ requestRange: { key: "a", revision: 2 } }])));
});

test("Puts of the chosen path are checked before its Ranges: unknown lease, ignore_value on a missing key", () => {
  const s = fixture();
  s.compact({ revision: 3 });
  const badRange: RequestOp = { requestRange: { key: "a", revision: 1 } };
  assert.is(errorOf(s.txn(txn([], [badRange, { requestPut: { key: "x", value: "", lease: 99 } }]))), "lease-not-found");
  assert.is(
    errorOf(s.txn(txn([], [badRange, { requestPut: { key: "x", value: "", ignoreValue: true } }]))),
    "key-not-found",
  );
  assert.is(
    errorOf(s.txn(txn([], [{ requestTxn: txn([], [{ requestPut: { key: "x", value: "", lease: 99 } }]) }]))),
    "lease-not-found",
  );
});

test("in a Txn only revision 0 means latest: a negative one is below the compact revision once any compaction ran", () => {
  const fresh = new MvccStore();
  fresh.put({ key: "a", value: "1" });
  ok(fresh.txn(txn([], [{ requestRange: { key: "a", revision: -1 } }])));
  assert.is(errorOf(fresh.txn(txn([], [{ requestRange: { key: "a", revision: -2 } }]))), "compacted");
  ok(fresh.compact({ revision: 0 }));
  assert.is(errorOf(fresh.txn(txn([], [{ requestRange: { key: "a", revision: -1 } }]))), "compacted");
  // A standalone Range treats every revision <= 0 as the latest.
  assert.equal(ok(fresh.range({ key: "a", revision: -1 })).count, 1);
});

test("more ops than --max-txn-ops is too-many-ops", () => {
  const s = new MvccStore({ maxTxnOps: 3 });
  assert.is(errorOf(s.txn(txn([], [put("a"), put("b"), put("c"), put("d")]))), "too-many-ops");
  ok(s.txn(txn([], [put("a"), put("b"), put("c")])));
});

test("one Txn object checked under different --max-txn-ops and by several stores gets each store's verdict, every refusal counted", () => {
  resetProbes();
  const four = txn([], [put("a"), put("b"), put("c"), put("d")]);
  const dup = txn([], [put("a"), del("a")]);
  const small = new MvccStore({ maxTxnOps: 3 });
  const large = new MvccStore({ maxTxnOps: 8 });
  for (let i = 0; i < 3; i++) {
    assert.is(errorOf(small.txn(four)), "too-many-ops");
    assert.is(ok(large.txn(four)).header.revision, 2 + i);
    assert.is(errorOf(small.txn(dup)), "duplicate-key");
    assert.is(errorOf(large.txn(dup)), "duplicate-key");
  }
  assert.is(probeCounts().get("mvcc.txn-too-many-ops"), 3);
});

test("mutant mvcc-txn-compare-ignored: a MOD compare always holds, so a stale compare-and-swap wins", () => {
  const cas = txn([{ key: "a", target: "MOD", result: "EQUAL", modRevision: 2 }], [put("a", "stale-write")]);
  const good = fixture();
  assert.not.ok(ok(good.txn(cas)).succeeded);
  const bad = new MvccStore({ bugs: new BugSet(["mvcc-txn-compare-ignored"]) });
  ok(bad.leaseGrant({ ID: 7, TTL: 60 }));
  bad.put({ key: "a", value: "k" });
  bad.put({ key: "b", value: "z" });
  bad.put({ key: "a", value: "m", lease: 7 });
  assert.ok(ok(bad.txn(cas)).succeeded);
  // Other targets are unaffected.
  assert.not.ok(ok(bad.txn(txn([{ key: "a", target: "VERSION", result: "EQUAL", version: 9 }], []))).succeeded);
});

test("skipValidation applies a Txn that validation would reject (a member that skipped the check, etcd #18667)", () => {
  const s = fixture();
  s.compact({ revision: 3 });
  const t = txn([], [put("x", "1"), { requestRange: { key: "a", revision: 2 } }]);
  assert.is(errorOf(s.txn(t)), "compacted");
  const r = ok(s.txn(t, 0, true));
  assert.is(r.header.revision, 5);
  assert.equal(ok(s.range({ key: "x" })).kvs[0]?.value, "1");
});

test("each Txn takes its own branches: the compare path of one Txn never leaks into the next", () => {
  const s = fixture();
  const eq = (key: string, value: string): Compare => ({ key, target: "VALUE", result: "EQUAL", value });
  // A nested Txn whose compares both hold (a path of two), then Txns whose only compare fails.
  const nested = ok(
    s.txn(txn([eq("a", "m")], [{ requestTxn: txn([eq("b", "z")], [put("n", "1")], [put("n", "2")]) }])),
  );
  assert.ok(nested.succeeded);
  assert.ok((nested.responses[0] as { responseTxn: { succeeded: boolean } }).responseTxn.succeeded);
  const flat = ok(s.txn(txn([eq("a", "nope")], [put("x", "then")], [put("x", "else")])));
  assert.not.ok(flat.succeeded);
  assert.is(ok(s.range({ key: "x" })).kvs[0]?.value, "else");
  const again = ok(s.txn(txn([eq("x", "else")], [get("x")], [put("x", "wrong")])));
  assert.ok(again.succeeded);
  assert.equal(again.header, { revision: s.revision, raftTerm: 0 }, "the header names the revision after the Txn");
  assert.equal(Object.keys(again.header), ["revision", "raftTerm"]);
});

test.run();
