// real-vs-sim distributions from a history: rates per kind, error kinds, revisions per op, watch
// events per revision; operation kinds read off the request's shape.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation, History } from "../../checkers/history.ts";
import { distribution, formatComparison } from "./compare.ts";
import { opKind } from "./stats.ts";

const h = (revision: number) => ({ revision, raftTerm: 2 });
const ops: EtcdOperation[] = [
  {
    id: 0,
    client: 1,
    call: 0,
    return: 5,
    request: { kind: "put", put: { key: "/k/1", value: "a" } },
    response: { kind: "put", put: { header: h(2) } },
  },
  {
    id: 1,
    client: 1,
    call: 6,
    return: 9,
    request: { kind: "put", put: { key: "/k/1", value: "b" } },
    response: { kind: "put", put: { header: h(3) } },
  },
  {
    id: 2,
    client: 2,
    call: 1,
    return: 4,
    request: { kind: "range", range: { key: "/k/", rangeEnd: "/k0", revision: 1 } },
    response: null,
    error: "compacted",
  },
  {
    id: 3,
    client: 2,
    call: 5,
    return: null,
    request: { kind: "range", range: { key: "/k/1" } },
    response: null,
    error: "timeout",
  },
  {
    id: 4,
    client: 2,
    call: 10,
    return: 12,
    request: {
      kind: "txn",
      txn: {
        compare: [{ key: "/k/1", target: "MOD", result: "EQUAL", modRevision: 3 }],
        success: [{ requestPut: { key: "/k/1", value: "c" } }],
        failure: [],
      },
    },
    response: { kind: "txn", txn: { header: h(4), succeeded: true, responses: [] } },
  },
  // A probe (client 0) is not part of the workload.
  {
    id: 5,
    client: 0,
    call: 13,
    return: 14,
    request: { kind: "put", put: { key: "/probe", value: "p" } },
    response: { kind: "put", put: { header: h(5) } },
  },
];
const history: History = {
  operations: ops,
  watches: [
    {
      client: 1,
      member: "n1",
      watchId: 1,
      call: 0,
      request: { key: "/k/", rangeEnd: "/k0" },
      responses: [
        {
          time: 7,
          response: {
            header: h(3),
            watchId: 0,
            events: [
              { type: "PUT", kv: { key: "/k/1", createRevision: 2, modRevision: 3, version: 2, value: "b", lease: 0 } },
            ],
          },
        },
      ],
    },
  ],
};

test("operation kinds come from the request's shape", () => {
  assert.equal(ops.map(opKind), ["put", "put", "staleGet", "get", "cas", "put"]);
});

test("distribution: rates per second and per kind, error kinds, revisions per ok op, events per revision", () => {
  const d = distribution(history, 2);
  assert.equal(d.opsPerSecond, { cas: 0.5, get: 0.5, put: 1, staleGet: 0.5 });
  assert.equal(d.errorRate, { cas: 0, get: 0, put: 0, staleGet: 1 });
  assert.equal(d.unknownRate, { cas: 0, get: 1, put: 0, staleGet: 0 });
  assert.equal(d.errorKinds, { compacted: 1 });
  // Revisions 2..5 seen (the probe's included: it advanced the store): 3 revisions over 3 successful workload ops.
  assert.is(d.revisionsPerOp, 1);
  assert.is(d.watchEventsPerRevision, 0.333);
  const text = formatComparison({
    scenario: "smoke",
    seed: 1,
    sim: { ...d, verdict: "pass" },
    real: { ...d, verdict: "pass" },
  });
  assert.match(text, /ops\/s put\s+1\s+1/);
});

test.run();
