// kube-graceful-delete — a graceful delete only ever brings an object's end closer. Once the apiserver
// has marked an object terminating (deletionTimestamp, deletionGracePeriodSeconds), every later version
// of it stays terminating, its grace period never grows, and its deadline moves only when a later delete
// asks for a shorter period — back by the difference at most. Kubernetes' BeforeDelete holds this; the
// 1.3 regression fixed by PR #27539 set the deadline afresh on every repeated DELETE, so a pod deleted
// again and again (an operator's repeated `kubectl delete --grace-period`) might never be due.
//
// Finalizers are part of the same promise: an object is never removed while one is left on it, and none is
// added once it is terminating (ValidateNoNewFinalizers); Kubernetes removed a pod deleted with grace
// period 0 whatever its finalizers until PR #32351 (2016).
//
// Judged on the store's own history (every version of every key, in revision order), per object (uid).
import type { KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import type { CheckResult } from "../types.ts";
import { fmtTime, violationsResult } from "./safety.ts";

export function checkGracefulDeletion(obs: KubeObservations): CheckResult {
  // Most runs delete nothing gracefully and set no finalizer: no rule can apply, and one pass says so.
  if (!obs.versions.some(concernsDeletion))
    return { name: "kube-graceful-delete", verdict: "pass", message: "no object terminating or with finalizers" };
  // Updates sent to take off an object's last finalizer, by "baseRv key": the emptied object is never
  // stored, so such a removal follows the very version (baseRv) that still had the finalizer. The update's
  // Txn compared that version's mod_revision, so a removal right after it is that update's.
  const finalizing = new Set<string>();
  for (const f of obs.finalizing ?? []) finalizing.add(`${f.baseRv} ${f.key}`);
  const byKey = new Map<string, ObjectVersion[]>();
  for (const v of obs.versions) {
    if (v.source !== "store") continue;
    const vs = byKey.get(v.key);
    if (vs === undefined) byKey.set(v.key, [v]);
    else vs.push(v);
  }
  const violations: string[] = [];
  let terminated = 0;
  let changes = 0;
  for (const [key, vs] of byKey) {
    vs.sort((a, b) => a.rv - b.rv);
    let prev: ObjectVersion | undefined;
    for (const v of vs) {
      const before = prev?.object;
      const prevRv = prev?.rv;
      prev = v;
      const meta = v.object?.metadata;
      if (before === null || before === undefined) continue;
      const finalizers = before.metadata.finalizers ?? [];
      if (meta === undefined) {
        if (finalizers.length > 0 && !finalizing.has(`${prevRv} ${key}`))
          violations.push(
            `${key} (uid ${before.metadata.uid ?? "?"}) was removed at revision ${v.rv} (${fmtTime(v.time)}) with finalizers ${JSON.stringify(finalizers)} still on it`,
          );
        continue;
      }
      if (before.metadata.uid !== meta.uid) continue;
      if (before.metadata.deletionTimestamp !== undefined) {
        const added = (meta.finalizers ?? []).filter((f) => !finalizers.includes(f));
        if (added.length > 0)
          violations.push(
            `${key} (uid ${meta.uid ?? "?"}) at revision ${v.rv} (${fmtTime(v.time)}): finalizers ${JSON.stringify(added)} added while it was terminating`,
          );
      }
      const was = before.metadata.deletionTimestamp;
      if (was === undefined) {
        if (meta.deletionTimestamp !== undefined) terminated++;
        continue;
      }
      const at = `${key} (uid ${meta.uid ?? "?"}) at revision ${v.rv} (${fmtTime(v.time)})`;
      const wasPeriod = before.metadata.deletionGracePeriodSeconds ?? 0;
      const now = meta.deletionTimestamp;
      const period = meta.deletionGracePeriodSeconds ?? 0;
      if (now === undefined) {
        violations.push(`${at}: terminating since revision ${before.metadata.resourceVersion}, now is not`);
        continue;
      }
      if (now === was && period === wasPeriod) continue;
      changes++;
      if (period > wasPeriod) violations.push(`${at}: its grace period grew from ${wasPeriod}s to ${period}s`);
      else if (period === wasPeriod)
        violations.push(
          `${at}: its deletion deadline moved from ${fmtTime(was)} to ${fmtTime(now)} with the same grace period (${period}s): only a shorter period may move it`,
        );
      else if (now < was - (wasPeriod - period) * 1e6)
        // A shorter period moves the deadline back by the difference, but not into the past: a deadline
        // already passed (a pod whose kubelet is down) is set to the apiserver's now, which may be later
        // than it was, on a clock no checker reads. Only a move back by more than the difference is wrong.
        violations.push(
          `${at}: a grace period shortened by ${wasPeriod - period}s moved its deletion deadline back from ${fmtTime(was)} to ${fmtTime(now)}, by more than that`,
        );
    }
  }
  return violationsResult(
    "kube-graceful-delete",
    violations,
    `${terminated} objects marked terminating; ${changes} later changes of a deadline, each with a shorter period`,
  );
}

/** A version some rule here reads: terminating, or with finalizers. */
function concernsDeletion(v: ObjectVersion): boolean {
  const m = v.object?.metadata;
  return m !== undefined && (m.deletionTimestamp !== undefined || (m.finalizers?.length ?? 0) > 0);
}
