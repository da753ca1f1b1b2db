// The size bounds the etcd model judges "request too large" by (limits.ts) bracket the simulated
// member's own measure of a request, whatever its strings hold.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { requestBytes } from "../../../../core/etcd/member.ts";
import type { EtcdRequest, RequestOp } from "../../../../core/mvcc/rpc.ts";
import { isProposed, sizeAtLeast, sizeAtMost } from "./limits.ts";

const text = fc.string({ unit: "binary", maxLength: 40 });
const op: fc.Arbitrary<RequestOp> = fc.oneof(
  fc.record({ requestPut: fc.record({ key: text, value: text }) }),
  fc.record({ requestRange: fc.record({ key: text, rangeEnd: text }) }),
  fc.record({ requestDeleteRange: fc.record({ key: text }) }),
);
const request: fc.Arbitrary<EtcdRequest> = fc.oneof(
  fc.record({ kind: fc.constant("put" as const), put: fc.record({ key: text, value: text, lease: fc.nat() }) }),
  fc.record({ kind: fc.constant("deleteRange" as const), deleteRange: fc.record({ key: text, rangeEnd: text }) }),
  fc.record({
    kind: fc.constant("txn" as const),
    txn: fc.record({
      compare: fc.array(
        fc.record({
          key: text,
          target: fc.constant("VALUE" as const),
          result: fc.constant("EQUAL" as const),
          value: text,
        }),
        { maxLength: 3 },
      ),
      success: fc.array(op, { maxLength: 4 }),
      failure: fc.array(op, { maxLength: 4 }),
    }),
  }),
);

test("every string of a request is counted below, its whole JSON in UTF-8 above: the member's measure lies between", () => {
  fc.assert(
    fc.property(request, (r) => {
      const measured = requestBytes(r);
      assert.ok(sizeAtLeast(r) <= measured, `${sizeAtLeast(r)} > ${measured}`);
      assert.ok(measured <= sizeAtMost(r), `${measured} > ${sizeAtMost(r)}`);
    }),
    { seed: 11, numRuns: 500 },
  );
});

test("only what is proposed through Raft is measured: not a Range, a keep-alive, or a Txn of Ranges", () => {
  assert.not.ok(isProposed({ kind: "range", range: { key: "a" } }));
  assert.not.ok(isProposed({ kind: "leaseKeepAlive", leaseKeepAlive: { ID: 1 } }));
  const ranges = { compare: [], success: [{ requestRange: { key: "a" } }], failure: [] };
  assert.not.ok(isProposed({ kind: "txn", txn: ranges }));
  // etcd's IsTxnReadonly: a nested Txn, even of Ranges, is proposed.
  assert.ok(isProposed({ kind: "txn", txn: { ...ranges, success: [{ requestTxn: ranges }] } }));
  assert.ok(isProposed({ kind: "put", put: { key: "a", value: "b" } }));
  assert.ok(isProposed({ kind: "compact", compact: { revision: 2 } }));
});

test.run();
