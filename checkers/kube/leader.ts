// At most one replica acts as leader per lease at any time. An act is a write that needs leadership,
// stamped with the tenure (term: the revision of the Lease write that began it) it was made under.
// Tenures are totally ordered by revision, so two leaders acting at once shows up as an act under
// an older tenure after an act under a newer one.
import type { CheckResult } from "../types.ts";
import type { KubeObservations, LeaderAct, ObjectVersion } from "../../core/kube/observations.ts";
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

/**
 * kube-lease-transitions: what a stored Lease says of its holders, as client-go's tryAcquireOrRenew writes
 * it. From one stored version to the next (in one life of the key): a new holder adds one to
 * leaseTransitions and sets acquireTime anew; the same holder keeps both; a release (client-go's
 * ReleaseOnCancel: no holder left) keeps the count, and whoever takes a released Lease adds one. Operators and dashboards read
 * leaseTransitions to count failovers; no client's behaviour depends on it, so only the versions show it.
 */
export function checkLeaseTransitions(versions: readonly ObjectVersion[]): CheckResult {
  const byKey = new Map<string, ObjectVersion[]>();
  for (const v of versions) {
    if (v.object?.kind !== "Lease" || v.createRevision === undefined) continue;
    const list = byKey.get(v.key) ?? byKey.set(v.key, []).get(v.key)!;
    list.push(v);
  }
  const violations: string[] = [];
  let changes = 0;
  let renewals = 0;
  let releases = 0;
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.rv - b.rv);
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1]!;
      const after = list[i]!;
      if (before.createRevision !== after.createRevision || before.rv === after.rv) continue;
      if (before.object?.kind !== "Lease" || after.object?.kind !== "Lease") continue;
      const was = before.object.spec;
      const now = after.object.spec;
      const at = `${key} at revision ${after.rv} (after ${before.rv})`;
      const transitions = was.leaseTransitions ?? 0;
      if ((was.holderIdentity ?? "") !== "" && (now.holderIdentity ?? "") === "") {
        releases++;
        if ((now.leaseTransitions ?? 0) !== transitions)
          violations.push(
            `${at}: released by ${was.holderIdentity}, yet leaseTransitions went from ${transitions} to ${now.leaseTransitions ?? 0}`,
          );
      } else if ((was.holderIdentity ?? "") !== (now.holderIdentity ?? "")) {
        changes++;
        if ((now.leaseTransitions ?? 0) !== transitions + 1)
          violations.push(
            `${at}: held by ${now.holderIdentity} after ${was.holderIdentity}, with leaseTransitions ${now.leaseTransitions ?? 0}, not ${transitions + 1}`,
          );
        if (now.acquireTime !== undefined && now.acquireTime === was.acquireTime)
          violations.push(`${at}: held by ${now.holderIdentity} after ${was.holderIdentity}, with the old acquireTime`);
      } else {
        renewals++;
        if ((now.leaseTransitions ?? 0) !== transitions)
          violations.push(
            `${at}: still held by ${now.holderIdentity}, yet leaseTransitions went from ${transitions} to ${now.leaseTransitions ?? 0}`,
          );
        if (now.acquireTime !== was.acquireTime)
          violations.push(
            `${at}: still held by ${now.holderIdentity}, yet acquireTime moved from ${was.acquireTime} to ${now.acquireTime}`,
          );
      }
    }
  }
  return violationsResult(
    "kube-lease-transitions",
    violations,
    `${changes} changes of a Lease's holder, each counted in leaseTransitions with a new acquireTime; ${renewals} renewals keeping both${releases > 0 ? `; ${releases} releases keeping the count` : ""}`,
  );
}
