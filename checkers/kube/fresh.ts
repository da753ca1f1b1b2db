// kube-read-fresh — a read without a resourceVersion (a GET, or a list's first page) returns the most
// recent data: Kubernetes serves it by a quorum read from etcd, so it reflects every write committed
// before it began. Judged at the level of revisions: the etcd revision a read was served at must be at
// least the revision of every write that etcd had acknowledged, to any apiserver, before the read
// began. A read served by a member that lags (a serializable read, a cache that has not caught up) is
// below it. Callers that follow a GET with a compare-and-swap only see the stale read as a conflict,
// so no other rule notices it; `kubectl get` or a controller deciding on a GET would act on the past.
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import { lowerBound } from "../watch/change-index.ts";
import { fmtTime, violationsResult } from "./safety.ts";

export function checkReadsFresh(obs: KubeObservations): CheckResult {
  const reads = obs.reads ?? [];
  const writes = [...obs.writes].sort((a, b) => a.time - b.time);
  // The newest acknowledged write by each point of the acknowledgement order.
  const newest: number[] = new Array(writes.length);
  for (let i = 0; i < writes.length; i++)
    newest[i] = i > 0 && writes[newest[i - 1]!]!.rv >= writes[i]!.rv ? newest[i - 1]! : i;

  const violations: string[] = [];
  for (const r of reads) {
    // Writes acknowledged strictly before the read began (one at the same instant may be ordered either way).
    const before = lowerBound(writes, r.time, (w) => w.time) - 1;
    if (before < 0) continue;
    const w = writes[newest[before]!]!;
    if (r.revision >= w.rv) continue;
    violations.push(
      `${r.apiserver} served ${r.verb === "get" ? "GET" : "LIST"} ${r.key} begun at ${fmtTime(r.time)} at revision ${r.revision}, below revision ${w.rv} (${w.op} of ${w.key}), which etcd had acknowledged to ${w.apiserver} at ${fmtTime(w.time)}: a read without a resourceVersion must see it`,
    );
  }
  return violationsResult(
    "kube-read-fresh",
    violations,
    `${reads.length} reads without a resourceVersion, each at or after every write acknowledged before it began`,
  );
}
