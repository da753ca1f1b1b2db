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

test.run();
