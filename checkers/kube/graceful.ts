// kube-graceful-delete — a graceful delete only ever brings an object's end closer. Once the apiserver
// has marked an object terminating (deletionTimestamp, deletionGracePeriodSeconds), every later version
// of it stays terminating, its grace period never grows, and its deadline moves only when a later delete
// asks for a shorter period — back by the difference at most. Kubernetes' BeforeDelete holds this; the
// 1.3 regression fixed by PR #27539 set the deadline afresh on every repeated DELETE, so a pod deleted
// again and again (an operator's repeated `kubectl delete --grace-period`) might never be due.
//
// Pod safety (the promise graceful deletion exists for): a pod with a grace period leaves the store only
// once nothing of it runs — its kubelet removes it after stopping the containers — unless a client other
// than a kubelet deleted it with grace period 0 (a force delete, which the apiserver records); judged on
// the nodes' container runtimes' log. And since Kubernetes 1.27 (PR #115331) the kubelet writes a
// terminating pod's terminal phase, Failed or Succeeded, before it removes the pod, so a bound pod never
// leaves the store terminating with a phase that is not terminal unless it was force-deleted (a
// controller holding it with a finalizer waits for that phase, as the Job controller does). Finalizers are part of the same promise: an object is never removed while one is left on it, and none is
// added once it is terminating (ValidateNoNewFinalizers); Kubernetes removed a pod deleted with grace
// period 0 whatever its finalizers until PR #32351 (2016).
//
// Judged on the store's own history (every version of every key, in revision order), per object (uid).
import type { KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import type { Pod } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { fmtTime, violationsResult } from "./safety.ts";

export function checkGracefulDeletion(obs: KubeObservations): CheckResult {
  const running = containerLives(obs);
  const forced = new Map<string, number[]>();
  for (const f of obs.forceDeletes ?? []) {
    const ts = forced.get(f.key);
    if (ts === undefined) forced.set(f.key, [f.time]);
    else ts.push(f.time);
  }
  /** Whether someone force-deleted the object at key between its birth and t. */
  const forcedSince = (key: string, bornAt: number, t: number): boolean =>
    (forced.get(key) ?? []).some((f) => f <= t && f >= bornAt);
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
    /** When the object the key holds now was first seen (a force delete of it comes after). */
    let bornAt = 0;
    for (const v of vs) {
      const before = prev?.object;
      const prevRv = prev?.rv;
      if (v.object != null && (before == null || before.metadata.uid !== v.object.metadata.uid)) bornAt = v.time;
      prev = v;
      const meta = v.object?.metadata;
      if (before === null || before === undefined) continue;
      const finalizers = before.metadata.finalizers ?? [];
      if (meta === undefined) {
        // Pod safety: a pod with a grace period goes only once nothing of it runs (its kubelet removes it
        // after stopping the containers), unless someone deleted it with grace period 0 (a force delete).
        if (before.kind === "Pod" && deletionGraceOf(before) > 0) {
          const node = running(before.metadata.uid ?? "", v.time);
          const force = forcedSince(key, bornAt, v.time);
          if (node !== undefined && !force)
            violations.push(
              `${key} (uid ${before.metadata.uid ?? "?"}) was removed at revision ${v.rv} (${fmtTime(v.time)}) while its container still ran on ${node}, and no one force-deleted it`,
            );
        }
        // Since Kubernetes 1.27 its kubelet writes a terminating pod's terminal phase before removing it.
        if (
          before.kind === "Pod" &&
          before.metadata.deletionTimestamp !== undefined &&
          before.spec.nodeName &&
          !isTerminal(before) &&
          !forcedSince(key, bornAt, v.time)
        )
          violations.push(
            `${key} (uid ${before.metadata.uid ?? "?"}) was removed at revision ${v.rv} (${fmtTime(v.time)}) from node ${before.spec.nodeName} while terminating, its phase still ${before.status?.phase ?? "unset"}: its kubelet writes Failed or Succeeded first, and no one force-deleted it`,
          );
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

/** A version some rule here reads: terminating, with finalizers, or a pod with a grace period. */
function concernsDeletion(v: ObjectVersion): boolean {
  const o = v.object;
  if (o === null) return false;
  const m = o.metadata;
  if (m.deletionTimestamp !== undefined || (m.finalizers?.length ?? 0) > 0) return true;
  return o.kind === "Pod" && (o.spec.terminationGracePeriodSeconds ?? 0) > 0;
}

function isTerminal(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase === "Failed" || phase === "Succeeded";
}

/** The grace period a pod's deletion gives it: the one it was deleted with, else its spec's. */
function deletionGraceOf(p: Pod): number {
  return p.metadata.deletionGracePeriodSeconds ?? p.spec.terminationGracePeriodSeconds ?? 0;
}

/**
 * The node on which a container of the pod with this uid was created and not yet stopped, exited or
 * rebooted away at time t (the nodes' runtimes' log), or undefined.
 */
function containerLives(obs: KubeObservations): (uid: string, t: number) => string | undefined {
  const events = obs.nodeEvents ?? [];
  const byUid = new Map<string, { time: number; node: string; live: boolean }[]>();
  const reboots = new Map<string, number[]>();
  for (const e of events) {
    if (e.kind === "reboot") {
      const rs = reboots.get(e.node);
      if (rs === undefined) reboots.set(e.node, [e.time]);
      else rs.push(e.time);
      continue;
    }
    if (e.kind !== "created" && e.kind !== "running" && e.kind !== "stopped" && e.kind !== "exited") continue;
    const live = e.kind === "created" || e.kind === "running";
    const es = byUid.get(e.uid);
    if (es === undefined) byUid.set(e.uid, [{ time: e.time, node: e.node, live }]);
    else es.push({ time: e.time, node: e.node, live });
  }
  return (uid, t) => {
    let last: { time: number; node: string; live: boolean } | undefined;
    for (const e of byUid.get(uid) ?? []) if (e.time <= t) last = e;
    if (last === undefined || !last.live) return undefined;
    const rebooted = (reboots.get(last.node) ?? []).some((r) => r >= last.time && r <= t);
    return rebooted ? undefined : last.node;
  };
}
