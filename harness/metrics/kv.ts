// Latencies of one etcd key-value run: each member's request durations (from the side-channel log)
// and each client operation from call to return, as the client saw it (unknown outcomes have no
// return and are left out; definite failures are timed like successes).
import type { History } from "../../core/history.ts";
import type { LatencyLog, LatencyOp } from "../../core/metrics/latency.ts";
import { addEtcdOps, reportBuilder, type LatencyReport } from "./kube.ts";

/** `etcd`: the log's operations, or the log itself (read in place, the same operations in the same order). */
export function kvLatencyReport(etcd: readonly LatencyOp[] | LatencyLog, history: History): LatencyReport {
  const b = reportBuilder();
  addEtcdOps(b, etcd);
  // "client <kind>", built once per request kind rather than once per operation.
  const metricOf = new Map<string, string>();
  for (const op of history.operations) {
    if (op.return === null) continue;
    const kind = op.request.kind;
    let metric = metricOf.get(kind);
    if (metric === undefined) metricOf.set(kind, (metric = `client ${kind}`));
    b.add(metric, op.call, op.return - op.call);
  }
  return b.report();
}
