// kube-replicaset-status — a ReplicaSet's status counts only the Ready pods it has: replayed revision by
// revision, no version of a ReplicaSet claims more ready or available replicas than the most active pods
// (not failed, not terminating) with a Ready condition it owned at any one revision before it. Kubernetes
// defines readyReplicas as "the number of non-terminating pods targeted by this ReplicaSet with a Ready
// Condition", and the Deployment controller trusts it: a rolling update scales the old ReplicaSet down
// by what the new one reports, so a status that counts pods still starting takes the old pods away
// before the new ones serve.
//
// Why a bound over the past, not the count at the status's own revision: the ReplicaSet controller
// counts from its pod informer, the store as of some earlier revision, so its count is the count at
// that revision — at most the most there ever were. Its cache also holds its own acknowledged writes
// ahead of the watch (creates and deletes of pods), so its count of *all* pods mixes revisions (a pod
// someone else deleted, still in the cache, beside one it just created: terminating-pods seed 38) and
// status.replicas is not judged; the pods it creates start unready, so they add nothing to the Ready
// count. A stale status copied into a later version is bounded the same way. kube-min-available sees
// the harm only when no fault is near, and a rolling update under faults always has one near
// (deployment-rollout let such a controller through).
import type { KubeObservations } from "../../core/kube/observations.ts";
import { controllerOf, podIsActive, podIsReady, type KubeObject } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { fmtTime, violationsResult } from "./safety.ts";

interface Owned {
  /** Keys of the active pods with a Ready condition the ReplicaSet owns now. */
  ready: Set<string>;
  /** The most at any revision so far. */
  mostReady: number;
}

export function checkReplicaSetStatus(obs: KubeObservations): CheckResult {
  const versions = [...obs.versions].sort((a, b) => a.rv - b.rv || (a.key < b.key ? -1 : 1));
  const current = new Map<string, KubeObject>();
  const owned = new Map<string, Owned>();
  const ownedBy = (uid: string): Owned => {
    let o = owned.get(uid);
    if (o === undefined) owned.set(uid, (o = { ready: new Set(), mostReady: 0 }));
    return o;
  };
  const ownerUid = (o: KubeObject | undefined): string | undefined => {
    if (o?.kind !== "Pod") return undefined;
    const ref = controllerOf(o);
    return ref?.kind === "ReplicaSet" ? ref.uid : undefined;
  };
  const violations: string[] = [];
  // Each (revision, key) is judged once: several sources may have recorded the same version.
  const judgedAt = new Set<string>();

  for (const v of versions) {
    const o = v.object;
    if (o?.kind === "ReplicaSet") {
      const claim = o.status;
      const id = `${v.rv} ${v.key}`;
      if (claim !== undefined && !judgedAt.has(id)) {
        judgedAt.add(id);
        const mostReady = owned.get(o.metadata.uid ?? "")?.mostReady ?? 0;
        const over: string[] = [];
        if ((claim.readyReplicas ?? 0) > mostReady) over.push(`${claim.readyReplicas} ready`);
        if ((claim.availableReplicas ?? 0) > mostReady) over.push(`${claim.availableReplicas} available`);
        if (over.length > 0)
          violations.push(
            `ReplicaSet ${o.metadata.namespace}/${o.metadata.name} at revision ${v.rv} (${fmtTime(v.time)}) claims ${over.join(" and ")} replicas, but it never had more than ${mostReady} active Ready pods before that revision`,
          );
      }
    }
    // The pod's change, after the ReplicaSets at its revision were judged (a revision writes one object).
    const before = current.get(v.key);
    const was = ownerUid(before);
    if (was !== undefined) ownedBy(was).ready.delete(v.key);
    if (o === null) current.delete(v.key);
    else current.set(v.key, o);
    const now = ownerUid(o ?? undefined);
    if (now !== undefined && o?.kind === "Pod" && podIsActive(o) && podIsReady(o)) {
      const w = ownedBy(now);
      w.ready.add(v.key);
      w.mostReady = Math.max(w.mostReady, w.ready.size);
    }
  }
  return violationsResult(
    "kube-replicaset-status",
    violations,
    `${judgedAt.size} ReplicaSet versions, each counting no more ready replicas than its ReplicaSet had owned active Ready pods by then`,
  );
}
