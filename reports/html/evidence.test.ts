import { test } from "uvu";
import * as assert from "uvu/assert";
import type { IllegalEvidence } from "../../checkers/linearizability/types.ts";
import type { CheckResult } from "../../checkers/types.ts";
import type { WatchEvidence } from "../../checkers/watch/types.ts";
import { readLinEvidence, readPending, readWatchEvidence, resolver } from "./evidence.ts";
import type { OpView } from "./ops.ts";

const illegal: IllegalEvidence = {
  partition: 2,
  longestPrefix: [{ op: 0, clientId: 1, call: 10, return: 20, description: "put(a, 1)" }],
  stateAfterPrefix: "1",
  stuck: [{ op: 3, clientId: 2, call: 30, return: null, description: "get(a) → 0", reason: "rejected" }],
};

const lin = (evidence: IllegalEvidence): CheckResult => ({
  name: "linearizability",
  verdict: "fail",
  message: "not linearizable",
  evidence,
});

test("the linearizability checker's IllegalEvidence is read as one partition", () => {
  const parts = readLinEvidence(lin(illegal))!;
  assert.is(parts.length, 1);
  assert.is(parts[0]!.partition, 2);
  assert.is(parts[0]!.stateAfterPrefix, "1");
  assert.equal(
    parts[0]!.longestPrefix.map((r) => r.op),
    [0],
  );
  assert.equal(
    parts[0]!.couldNotPlace.map((r) => [r.op, r.reason, r.return]),
    [[3, "rejected", null]],
  );
});

test("evidence is read by the check's name: other checkers' evidence is never taken for linearizability's", () => {
  assert.is(readLinEvidence({ name: "linearizability", verdict: "pass", message: "linearizable" }), undefined);
  assert.is(
    readLinEvidence({ name: "kube-liveness", verdict: "fail", message: "stuck", evidence: { pending: ["no leader"] } }),
    undefined,
  );
  assert.is(readLinEvidence({ name: "raft-safety", verdict: "fail", message: "x", evidence: [] }), undefined);
  assert.is(readWatchEvidence(lin(illegal)), undefined);
  assert.is(readPending(lin(illegal)), undefined);
});

const op = (id: number, client: number, call: number): OpView => ({
  id,
  client,
  call,
  return: call + 5,
  status: "ok",
  label: `op ${id}`,
});

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

test("a Kubernetes liveness check's pending list is read from its evidence", () => {
  assert.equal(
    readPending({
      name: "kube-liveness",
      verdict: "fail",
      message: "stuck",
      evidence: { pending: ["no leader", "2/3 ready"] },
    }),
    ["no leader", "2/3 ready"],
  );
  assert.is(
    readPending({ name: "kube-liveness", verdict: "fail", message: "stuck", evidence: { pending: [] } }),
    undefined,
  );
  assert.is(readPending({ name: "liveness", verdict: "fail", message: "stuck" }), undefined);
});

test("the watch checker's evidence is read from a watch check", () => {
  const evidence: WatchEvidence = {
    violations: [
      {
        watch: 0,
        client: 1,
        watchId: 2,
        member: "n1",
        key: "a",
        revision: 5,
        guarantee: "ordered",
        message: "gap at 5",
      },
    ],
    violationCount: 1,
    watches: 1,
    events: 3,
    revisions: 5,
  };
  assert.equal(readWatchEvidence({ name: "watch", verdict: "fail", message: "gap at 5", evidence }), evidence);
  assert.is(readWatchEvidence({ name: "watch", verdict: "pass", message: "ok" }), undefined);
});

test("the linearizability evidence carries the minimal failing subset", () => {
  const parts = readLinEvidence(
    lin({
      partition: 0,
      longestPrefix: [],
      stuck: [{ op: 2, clientId: 1, call: 5, return: 6, description: "read() → 1", reason: "rejected" }],
      minimalSubset: {
        operations: [
          { op: 0, clientId: 0, call: 1, return: 2, description: "write(2)" },
          { op: 2, clientId: 1, call: 5, return: 6, description: "read() → 1" },
        ],
        complete: true,
      },
    }),
  );
  assert.equal(
    parts?.[0]?.minimalSubset?.operations.map((o) => o.op),
    [0, 2],
  );
  assert.is(parts?.[0]?.minimalSubset?.complete, true);
});

test.run();
