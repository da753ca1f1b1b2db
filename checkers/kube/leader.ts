// At most one replica acts as leader per lease at any time. An act is a write that needs leadership,
// stamped with the tenure (term: the revision of the Lease write that began it) it was made under.
// Tenures are totally ordered by revision, so two leaders acting at once shows up as an act under
// an older tenure after an act under a newer one.
import type { CheckResult } from "../types.ts";
import type { KubeObservations, LeaderAct } from "../../core/kube/observations.ts";
import { fmtTime, violationsResult } from "./safety.ts";

export function checkSingleLeader(obs: KubeObservations): CheckResult {
  const violations: string[] = [];
  const newest = new Map<string, LeaderAct>();
  const leases = new Set<string>();
  // Acts arrive in time order; a stable sort keeps same-instant acts in arrival order.
  const acts = [...obs.acts].sort((a, b) => a.time - b.time);
  for (const a of acts) {
    leases.add(a.lease);
    const n = newest.get(a.lease);
    if (n === undefined || a.term > n.term) {
      newest.set(a.lease, a);
      continue;
    }
    if (a.term < n.term) {
      violations.push(
        `two leaders of ${a.lease}: ${a.process} (term ${a.term}) acted at ${fmtTime(a.time)} (${a.what}) after ${n.process} acted as a newer leader (term ${n.term}) at ${fmtTime(n.time)} (${n.what})`,
      );
    } else if (a.identity !== n.identity) {
      violations.push(`two leaders of ${a.lease} in one term ${a.term}: ${n.identity} and ${a.identity}`);
    }
  }
  const terms = new Set(acts.map((a) => a.lease + "@" + a.term)).size;
  return violationsResult(
    "kube-leader",
    violations,
    `${acts.length} leader acts on ${leases.size} leases over ${terms} tenures, never two leaders at once`,
  );
}
