import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdRequest } from "../../../../core/mvcc/rpc.ts";
import { keySpansOf, spansOverlap, writeSpansOf } from "./key-spans.ts";

const spans = (r: EtcdRequest) => {
  const s = keySpansOf(r);
  assert.ok(s, `spans of ${JSON.stringify(r)}`);
  return s!;
};
const put = (key: string): EtcdRequest => ({ kind: "put", put: { key, value: "v" } });

test("a key overlaps itself and a range holding it, not its neighbours", () => {
  assert.ok(spansOverlap(spans(put("a")), spans(put("a"))));
  assert.not.ok(spansOverlap(spans(put("a")), spans(put("a0"))));
  assert.not.ok(spansOverlap(spans(put("a")), spans(put("b"))));
  const prefix = spans({ kind: "range", range: { key: "/k/", rangeEnd: "/k0" } });
  assert.ok(spansOverlap(prefix, spans(put("/k/7"))));
  assert.not.ok(spansOverlap(prefix, spans(put("/k0"))));
  assert.not.ok(spansOverlap(prefix, spans(put("/j/7"))));
  // rangeEnd "\0": every key from the start on.
  const from = spans({ kind: "deleteRange", deleteRange: { key: "m", rangeEnd: "\0" } });
  assert.ok(spansOverlap(from, spans(put("zzz"))));
  assert.not.ok(spansOverlap(from, spans(put("l"))));
});

test("a Txn touches its compares' keys and both branches', nested ones included", () => {
  const txn: EtcdRequest = {
    kind: "txn",
    txn: {
      compare: [{ key: "c", target: "VERSION", result: "EQUAL", version: 1 }],
      success: [{ requestPut: { key: "s", value: "1" } }],
      failure: [{ requestTxn: { compare: [], success: [{ requestDeleteRange: { key: "n" } }], failure: [] } }],
    },
  };
  for (const k of ["c", "s", "n"]) assert.ok(spansOverlap(spans(txn), spans(put(k))), k);
  assert.not.ok(spansOverlap(spans(txn), spans(put("x"))));
});

test("what hangs on a lease or a compaction has no spans: any earlier choice may be to blame", () => {
  assert.is(keySpansOf({ kind: "put", put: { key: "a", value: "v", lease: 7 } }), undefined);
  assert.is(keySpansOf({ kind: "put", put: { key: "a", value: "v", ignoreLease: true } }), undefined);
  assert.is(
    keySpansOf({
      kind: "txn",
      txn: { compare: [], success: [{ requestPut: { key: "a", value: "v", lease: 7 } }], failure: [] },
    }),
    undefined,
  );
  assert.is(keySpansOf({ kind: "leaseRevoke", leaseRevoke: { ID: 7 } }), undefined);
  assert.is(keySpansOf({ kind: "compact", compact: { revision: 3 } }), undefined);
});

test("what a request may write: puts and deletes in either branch, not what it only reads; a revoke may delete any key", () => {
  const txn: EtcdRequest = {
    kind: "txn",
    txn: {
      compare: [{ key: "c", target: "VERSION", result: "EQUAL", version: 1 }],
      success: [{ requestPut: { key: "s", value: "1", lease: 7 } }, { requestRange: { key: "r" } }],
      failure: [{ requestTxn: { compare: [], success: [{ requestDeleteRange: { key: "n" } }], failure: [] } }],
    },
  };
  const wrote = writeSpansOf(txn)!;
  for (const k of ["s", "n"]) assert.ok(spansOverlap(wrote, spans(put(k))), k);
  for (const k of ["c", "r"]) assert.not.ok(spansOverlap(wrote, spans(put(k))), k);
  assert.equal(writeSpansOf({ kind: "range", range: { key: "a" } }), []);
  assert.ok(spansOverlap(writeSpansOf({ kind: "put", put: { key: "a", value: "v", lease: 7 } })!, spans(put("a"))));
  assert.is(writeSpansOf({ kind: "leaseRevoke", leaseRevoke: { ID: 7 } }), undefined);
});

test.run();
