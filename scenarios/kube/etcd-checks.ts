// The apiservers' etcd traffic judged like any etcd client's: the linearizability checker (the etcd
// KV model) over every Range/Txn/Compaction the apiservers' etcd clients issued, and the watch
// checker over their etcd watch streams (the streams every informer's watch is served from), against
// the changes the members applied.
import type { HistoryRecorder } from "../../core/etcd/client.ts";
import type { Event } from "../../core/mvcc/rpc.ts";
import { checkEtcdHistory } from "../../checkers/linearizability/check-etcd.ts";
import {
  checkWatches,
  changesFromApplied,
  judgedAsSystemOutput,
  type AppliedChange,
} from "../../checkers/watch/index.ts";
import type { CheckResult } from "../../checkers/types.ts";
import { DEFAULT_LIMITS } from "../../core/etcd/member.ts";

/** A budget that keeps a kube run's check well under a second while no clean seed needs more. */
export const KUBE_LINEARIZABILITY_STEPS = 2_000_000;

/** Collects what the members applied, one revision at a time (feed it from the first member to apply each). */
export class AppliedLog {
  readonly applied: AppliedChange[] = [];
  onCommit(revision: number, events: readonly Event[]): void {
    for (const e of events) {
      this.applied.push(
        e.type === "PUT"
          ? { revision, type: "PUT", key: e.kv.key, value: e.kv.value, lease: e.kv.lease }
          : { revision, type: "DELETE", key: e.kv.key },
      );
    }
  }
}

export function checkApiserverEtcdTraffic(
  history: HistoryRecorder,
  applied: AppliedLog,
  maxSteps = KUBE_LINEARIZABILITY_STEPS,
): CheckResult[] {
  // The Kubernetes scenarios' members keep etcd's default limits.
  const lin = checkEtcdHistory(
    { operations: history.operations, watches: history.watches },
    { maxSteps, limits: DEFAULT_LIMITS },
  );
  const compactions: { revision: number; time: number }[] = [];
  for (const op of history.operations) {
    // An unanswered compaction may have happened: the watch checker allows it from its call on.
    if (op.request.kind === "compact" && (op.return === null || op.response !== null))
      compactions.push({ revision: op.request.compact.revision, time: op.call });
  }
  const watch = judgedAsSystemOutput(() =>
    checkWatches({
      watches: history.watches,
      changes: changesFromApplied(applied.applied),
      compactions: compactions.sort((a, b) => a.time - b.time),
    }),
  );
  return [
    {
      name: lin.name,
      verdict: lin.verdict,
      message: `apiservers' etcd clients: ${lin.message}`,
      ...(lin.evidence !== undefined ? { evidence: lin.evidence } : {}),
    },
    {
      name: watch.name,
      verdict: watch.verdict,
      message: `apiservers' etcd watches: ${watch.message}`,
      ...(watch.evidence !== undefined ? { evidence: watch.evidence } : {}),
    },
  ];
}
