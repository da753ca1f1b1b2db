// Graceful deletion, as the apiserver's generic registry decides it (apiserver/pkg/registry/rest/delete.go
// BeforeDelete, and the pod strategy's CheckGracefulDelete): a delete either removes the object, or
// marks it terminating (deletionTimestamp = now + grace period) and leaves its removal to whoever
// finishes it — for a pod, its kubelet, once the containers have stopped.
import type { BugSet } from "../bugs.ts";
import type { ApiResult } from "./api.ts";
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type KubeObject, type PropagationPolicy } from "./types.ts";

/** What a delete does to the stored object. */
export type DeleteDecision =
  /** Remove it now. */
  | { kind: "remove" }
  /** Store this terminating version instead (a graceful delete begins, or its grace period is shortened). */
  | { kind: "terminate"; object: KubeObject }
  /** It is already terminating and the request changes nothing: answer the stored object. */
  | { kind: "pending" };

/**
 * The grace period a delete gives obj (CheckGracefulDelete): the request's, else a pod's
 * terminationGracePeriodSeconds; 0 for a pod no node runs (unscheduled) or one that has finished, and
 * for every other kind (none of them is deleted gracefully here).
 */
export function gracePeriodOf(obj: KubeObject, requested: number | undefined): number {
  if (obj.kind !== "Pod") return 0;
  const period = requested ?? obj.spec.terminationGracePeriodSeconds ?? 0;
  if (!obj.spec.nodeName) return 0;
  const phase = obj.status?.phase;
  if (phase === "Failed" || phase === "Succeeded") return 0;
  return Math.max(0, period);
}

/**
 * BeforeDelete at time now (µs): a first graceful delete sets deletionTimestamp and
 * deletionGracePeriodSeconds; a later one may only shorten the period, moving the timestamp back by the
 * difference (never into the past); a later one with the same or a longer period, or none, changes
 * nothing. A delete with period 0 — the kubelet's, once the containers are gone — removes the object.
 * A propagation policy first sets the garbage collector's finalizers (the store's
 * deletionFinalizersForGarbageCollection): Foreground puts foregroundDeletion on, Orphan puts orphan on,
 * Background takes both off — on a terminating object too, whose deletion they then steer.
 */
export function beforeDelete(
  cur: KubeObject,
  requested: number | undefined,
  now: number,
  bugs?: BugSet,
  policy?: PropagationPolicy,
): DeleteDecision {
  const next = withPropagation(cur, policy);
  const d = graceDecision(next, requested, now, bugs);
  if (d.kind === "pending") return next === cur ? d : { kind: "terminate", object: next };
  if (d.kind !== "remove" || !hasFinalizers(next)) return d;
  // MUTANT kube-finalizers-ignored-at-grace-zero: a delete with grace period 0 removes the object whatever
  // its finalizers, as Kubernetes did for pods until PR #32351 (2016).
  if (requested === 0 && bugs?.has("kube-finalizers-ignored-at-grace-zero") === true) return d;
  // An object with finalizers is never removed by a delete: it stays terminating with period 0 (its
  // deadline at the latest now) until they are taken off — the update that takes off the last removes it.
  const meta = next.metadata;
  if (meta.deletionTimestamp === undefined) return terminating(next, now, 0, bugs);
  if ((meta.deletionGracePeriodSeconds ?? 0) === 0)
    return next === cur ? { kind: "pending" } : { kind: "terminate", object: next };
  return shortened(next, 0, now);
}

/** cur with the garbage collector's finalizers as policy wants them; cur itself when they already are (or no policy). */
function withPropagation(cur: KubeObject, policy: PropagationPolicy | undefined): KubeObject {
  if (policy === undefined) return cur;
  const had = cur.metadata.finalizers ?? [];
  const keep = had.filter((f) => f !== FOREGROUND_FINALIZER && f !== ORPHAN_FINALIZER);
  const want = policy === "Foreground" ? FOREGROUND_FINALIZER : policy === "Orphan" ? ORPHAN_FINALIZER : undefined;
  const finalizers = want === undefined ? keep : [...keep, want];
  if (finalizers.length === had.length && finalizers.every((f) => had.includes(f))) return cur;
  const metadata = { ...cur.metadata, finalizers };
  if (finalizers.length === 0) delete (metadata as { finalizers?: string[] }).finalizers;
  return { ...cur, metadata } as KubeObject;
}

/** Whether obj has finalizers left. */
export function hasFinalizers(obj: KubeObject): boolean {
  const f = obj.metadata.finalizers;
  return f !== undefined && f !== null && f.length > 0;
}

/**
 * Whether an update's result is to be removed instead of stored: terminating, its grace period over (0),
 * and its last finalizer taken off (Kubernetes' Store.Update deletes such an object).
 */
export function removedByUpdate(next: KubeObject): boolean {
  const m = next.metadata;
  return m.deletionTimestamp !== undefined && (m.deletionGracePeriodSeconds ?? 0) === 0 && !hasFinalizers(next);
}

/** The finalizers next adds to cur's (none may be added to a terminating object: ValidateNoNewFinalizers). */
export function addedFinalizers(cur: KubeObject, next: KubeObject): string[] {
  const had = new Set(cur.metadata.finalizers ?? []);
  return (next.metadata.finalizers ?? []).filter((f) => !had.has(f));
}

function graceDecision(cur: KubeObject, requested: number | undefined, now: number, bugs?: BugSet): DeleteDecision {
  const meta = cur.metadata;
  if (meta.deletionTimestamp !== undefined) {
    const period = meta.deletionGracePeriodSeconds ?? 0;
    if (period === 0 || requested === 0) return { kind: "remove" };
    if (requested === undefined) return { kind: "pending" };
    // MUTANT kube-graceful-delete-extends-deadline: a repeated delete whose period is not longer sets the
    // deadline afresh from now, as Kubernetes 1.3 did until PR #27539 ("it was possible to extend delete
    // timestamp to infinity by issuing repeated DELETE calls").
    if (bugs?.has("kube-graceful-delete-extends-deadline") === true && requested <= period)
      return terminating(cur, now + requested * 1e6, requested);
    if (requested >= period) return { kind: "pending" };
    return shortened(cur, requested, now);
  }
  const period = gracePeriodOf(cur, requested);
  if (period === 0) return { kind: "remove" };
  return terminating(cur, now + period * 1e6, period, bugs);
}

/** A terminating object's period shortened to `period`: its deadline back by the difference, never before now. */
function shortened(cur: KubeObject, period: number, now: number): DeleteDecision {
  const meta = cur.metadata;
  const moved = meta.deletionTimestamp! - ((meta.deletionGracePeriodSeconds ?? 0) - period) * 1e6;
  return terminating(cur, Math.max(now, moved), period);
}

function terminating(cur: KubeObject, deletionTimestamp: number, period: number, bugs?: BugSet): DeleteDecision {
  const meta = cur.metadata;
  // The first deletionTimestamp bumps the generation, as Kubernetes' BeforeDelete (a graceful delete) and
  // its store's markAsDeleting (finalizers) do: the object's controllers must now stop acting on its spec.
  // MUTANT kube-delete-keeps-generation: as this simulation did until the check kube-object-meta.
  const bump =
    meta.deletionTimestamp === undefined &&
    (meta.generation ?? 0) > 0 &&
    bugs?.has("kube-delete-keeps-generation") !== true;
  const generation = bump ? meta.generation! + 1 : meta.generation;
  return {
    kind: "terminate",
    object: {
      ...cur,
      metadata: {
        ...meta,
        ...(generation !== undefined ? { generation } : {}),
        deletionTimestamp,
        deletionGracePeriodSeconds: period,
      },
    },
  } as DeleteDecision;
}

/** Whether a delete's answer is of an object still stored, terminating (202 Accepted), not removed. */
export function deletePending(answer: ApiResult<KubeObject>): boolean {
  return answer.ok && answer.accepted === true;
}
