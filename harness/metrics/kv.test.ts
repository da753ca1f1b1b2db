// The key-value run's latency report reads the log in place: the same report as from the log's ops.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LatencyLog } from "../../core/metrics/latency.ts";
import type { EtcdOperation } from "../../core/history.ts";
import { kvLatencyReport } from "./kv.ts";

test("a report from the log itself equals the report from its ops, points and samples in the same order", () => {
  let now = 0;
  const log = new LatencyLog(() => now);
  log.etcdStart("n1", "c1", 1, "put");
  log.etcdStart("n2", "c2", 1, "range");
  now = 3;
  log.etcdEnd("n2", "c2", 1, false, undefined);
  log.etcdStart("n3", "c1", 2, "txn");
  now = 8;
  log.etcdEnd("n1", "c1", 1, true, "timeout");
  log.etcdEnd("n3", "c1", 2, false, undefined);
  const operations: EtcdOperation[] = [
    { id: 0, client: 1, call: 0, return: 8, request: { kind: "put", put: { key: "a", value: "1" } }, response: null },
    { id: 1, client: 2, call: 1, return: null, request: { kind: "range", range: { key: "a" } }, response: null },
    { id: 2, client: 1, call: 2, return: 5, request: { kind: "put", put: { key: "b", value: "2" } }, response: null },
  ];
  const history = { operations, watches: [] };
  const fromLog = kvLatencyReport(log, history);
  assert.equal(fromLog, kvLatencyReport(log.ops, history));
  assert.equal(fromLog.points.metrics, ["etcd follower", "etcd leader", "client put"]);
  assert.equal(fromLog.samples, { "etcd follower": [3, 5], "etcd leader": [8], "client put": [8, 3] });
  assert.equal(fromLog.perMember, { n2: [3], n1: [8], n3: [5] });
});

test("the report from the log is built when first read and equals the eager one: JSON, keys, later changes", () => {
  let now = 0;
  const log = new LatencyLog(() => now);
  const operations: EtcdOperation[] = [];
  for (let i = 0; i < 3000; i++) {
    // Times of an hour-long run (past 2^31 µs) and a few far apart, so offsets and float64 chunks both occur.
    now = 3_000_000_000 + i * 1000 + (i % 17 === 0 ? 0.5 : 0);
    log.etcdStart(`n${(i % 3) + 1}`, "c1", i, i % 2 === 0 ? "put" : "range");
    now += 300 + (i % 7) * 1e9 * (i % 101 === 0 ? 1 : 0);
    log.etcdEnd(`n${(i % 3) + 1}`, "c1", i, i % 5 !== 0, i % 11 === 0 ? "timeout" : undefined);
    operations.push({
      id: i,
      client: 1,
      call: now - 400,
      return: i % 13 === 0 ? null : now + 20,
      request: i % 2 === 0 ? { kind: "put", put: { key: "a", value: "1" } } : { kind: "range", range: { key: "a" } },
      response: null,
    });
  }
  const history = { operations, watches: [] };
  const eager = kvLatencyReport(log.ops, history);
  const lazy = kvLatencyReport(log, history);
  // A structured clone (a worker's message) reads the fields too.
  assert.equal(structuredClone(kvLatencyReport(log, history)), eager);
  // Later appends to the log and the history are not in a report taken before them.
  now += 5;
  log.etcdStart("n1", "c9", 1, "txn");
  log.etcdEnd("n1", "c9", 1, true, undefined);
  operations.push({ ...operations[1]!, id: 99_999 });
  assert.is(Object.getOwnPropertyDescriptor(lazy, "points")!.get !== undefined, true, "not built before read");
  assert.equal(Object.keys(lazy), ["points", "samples", "steps", "perMember"]);
  assert.is(JSON.stringify(lazy), JSON.stringify(eager));
  assert.equal(lazy, eager);
  assert.is(Object.getOwnPropertyDescriptor(lazy, "points")!.value, lazy.points, "plain data once built");
  // Assigning a field works as on a plain object; a report taken after the appends has them.
  const other = kvLatencyReport(log, history);
  other.steps = [{ index: 1, description: "x", start: 0, ready: undefined }];
  assert.is(other.steps.length, 1);
  assert.is(other.points.t.length, lazy.points.t.length + 2);
});

test.run();
