import { test } from "uvu";
import * as assert from "uvu/assert";
import type { IllegalEvidence, LinearizabilityResult } from "../../checkers/linearizability/types.ts";
import { readLinEvidence, readPending, readWatchEvidence, resolver } from "./evidence.ts";
import type { OpView } from "./ops.ts";

const illegal: IllegalEvidence = {
  partition: 2,
  longestPrefix: [{ op: 0, clientId: 1, call: 10, return: 20, description: "put(a, 1)" }],
  stateAfterPrefix: "1",
  stuck: [{ op: 3, clientId: 2, call: 30, return: null, description: "get(a) → 0", reason: "rejected" }],
};

test("the linearizability checker's IllegalEvidence is read as one partition", () => {
  const parts = readLinEvidence(illegal)!;
  assert.is(parts.length, 1);
  assert.is(parts[0]!.partition, 2);
  assert.is(parts[0]!.stateAfterPrefix, "1");
  assert.equal(parts[0]!.longestPrefix.map((r) => r.op), [0]);
  assert.equal(parts[0]!.couldNotPlace.map((r) => [r.op, r.reason, r.return]), [[3, "rejected", null]]);
});

test("a whole LinearizabilityResult is read through its evidence, not its partition table", () => {
  const result: LinearizabilityResult = { verdict: "illegal", steps: 9, operations: 4, partitions: [{ index: 0, operations: 4, verdict: "illegal", steps: 9 }], evidence: illegal };
  assert.equal(readLinEvidence(result), readLinEvidence(illegal));
});

test("the documented { partitions: [{ longestPrefix, couldNotPlace }] } shape accepts bare history indices", () => {
  const parts = readLinEvidence({ partitions: [{ longestPrefix: [4, 1], couldNotPlace: [7] }, { longestPrefix: [], stuck: [{ op: 9 }] }] })!;
  assert.equal(parts.map((p) => [p.longestPrefix.map((r) => r.op), p.couldNotPlace.map((r) => r.op)]), [[[4, 1], [7]], [[], [9]]]);
});

test("evidence of other checkers is not mistaken for linearizability evidence", () => {
  assert.is(readLinEvidence(undefined), undefined);
  assert.is(readLinEvidence({ pending: ["no leader"] }), undefined);
  assert.is(readLinEvidence({ verdict: "illegal", partitions: [{ index: 0 }] }), undefined);
  assert.is(readLinEvidence({ longestPrefix: [1] }), undefined);
});

const op = (id: number, client: number, call: number): OpView => ({ id, client, call, return: call + 5, status: "ok", label: `op ${id}` });

test("evidence names an operation by client and call time, which survives a re-indexed checked history", () => {
  const find = resolver([op(0, 1, 10), op(1, 2, 12), op(2, 1, 30)]);
  // The checker dropped operation 1 (a failed read), so its index 1 is history operation 2.
  assert.is(find({ op: 1, clientId: 1, call: 30 })?.id, 2);
  assert.is(find({ op: 1 })?.id, 1);
  assert.is(find({ op: 5, clientId: 9, call: 99 }), undefined);
});

test("two operations of one client with the same call time are told apart by the index", () => {
  const find = resolver([op(0, 1, 10), op(1, 1, 10)]);
  assert.is(find({ op: 1, clientId: 1, call: 10 })?.id, 1);
  assert.is(find({ op: 0, clientId: 1, call: 10 })?.id, 0);
});

test("a liveness check's pending list is read from { pending } or a bare array", () => {
  assert.equal(readPending({ pending: ["no leader", { member: "n3" }] }), ["no leader", '{"member":"n3"}']);
  assert.equal(readPending(["apply index behind"]), ["apply index behind"]);
  assert.is(readPending({ pending: [] }), undefined);
  assert.is(readPending("stuck"), undefined);
});

test("watch evidence is recognised only with well-formed violations", () => {
  assert.ok(readWatchEvidence({ violations: [{ watch: 0, message: "gap at 5" }], violationCount: 1 }));
  assert.is(readWatchEvidence({ violations: [{ message: "no watch index" }] }), undefined);
  assert.is(readWatchEvidence(illegal), undefined);
});

test("the linearizability evidence carries the minimal failing subset", () => {
  const parts = readLinEvidence({
    partition: 0,
    longestPrefix: [],
    stuck: [{ op: 2, clientId: 1, call: 5, return: 6, description: "read() → 1", reason: "rejected" }],
    minimalSubset: { operations: [{ op: 0, clientId: 0, call: 1, return: 2, description: "write(2)" }, { op: 2, clientId: 1, call: 5, return: 6, description: "read() → 1" }], complete: true },
  });
  assert.equal(parts?.[0]?.minimalSubset?.operations.map((o) => o.op), [0, 2]);
  assert.is(parts?.[0]?.minimalSubset?.complete, true);
});

test.run();
