// Latencies of one etcd key-value run: each member's request durations (from the side-channel log)
// and each client operation from call to return, as the client saw it (unknown outcomes have no
// return and are left out; definite failures are timed like successes).
import type { History } from "../../core/history.ts";
import type { LatencyOp } from "../../core/metrics/latency.ts";
import { addEtcdOps, reportBuilder, type LatencyReport } from "./kube.ts";

export function kvLatencyReport(ops: readonly LatencyOp[], history: History): LatencyReport {
  const b = reportBuilder();
  addEtcdOps(b, ops);
  for (const op of history.operations) {
    if (op.return === null) continue;
    b.add(`client ${op.request.kind}`, op.call, op.return - op.call);
  }
  return b.report();
}
