// The ReplicaSet controller (pkg/controller/replicaset): create or delete the pods it owns until
// their number equals spec.replicas, then report replicas/readyReplicas in status. Deletes prefer
// unscheduled, then unready, then the newest pods, as Kubernetes ranks them.
import { canonicalJson } from "../resources.ts";
import { defineController, type CacheReader, type ControllerDef, type Reconciled, type Write } from "../controller.ts";
import { clone, ownerRefTo, podIsReady, type Pod, type ReplicaSet, type ReplicaSetStatus } from "../types.ts";

/** Pod creations or deletions per pass (the real controller uses slow-start batches of up to 500). */
export const BURST = 10;

export function podFor(rs: ReplicaSet): Pod {
  const spec = clone(rs.spec.template.spec);
  delete spec.nodeName;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "", generateName: `${rs.metadata.name}-`, namespace: rs.metadata.namespace!, labels: { ...rs.spec.template.metadata.labels }, ownerReferences: [ownerRefTo(rs)] },
    spec,
  };
}

/** Lower sorts first: the pods to delete first. */
function deletionRank(a: Pod, b: Pod): number {
  const unscheduled = (p: Pod) => (p.spec.nodeName ? 1 : 0);
  const readyOf = (p: Pod) => (podIsReady(p) ? 1 : 0);
  return (
    unscheduled(a) - unscheduled(b) ||
    readyOf(a) - readyOf(b) ||
    (b.metadata.creationTimestamp ?? 0) - (a.metadata.creationTimestamp ?? 0) ||
    (a.metadata.name < b.metadata.name ? -1 : 1)
  );
}

export function reconcileReplicaSet(key: string, cache: CacheReader): Reconciled {
  const rs = cache.get("ReplicaSet", key);
  if (rs === undefined) return { writes: [] };
  const pods = cache.ownedBy("Pod", rs);
  const writes: Write[] = [];
  const diff = pods.length - rs.spec.replicas;
  if (diff < 0) {
    for (let i = 0; i < Math.min(-diff, BURST); i++) writes.push({ op: "create", object: podFor(rs) });
  } else if (diff > 0) {
    for (const p of [...pods].sort(deletionRank).slice(0, Math.min(diff, BURST))) {
      writes.push({ op: "delete", kind: "Pod", namespace: p.metadata.namespace!, name: p.metadata.name, preconditions: { uid: p.metadata.uid! } });
    }
  }
  const readyCount = pods.filter(podIsReady).length;
  const status: ReplicaSetStatus = {
    observedGeneration: rs.metadata.generation ?? 1,
    replicas: pods.length,
    readyReplicas: readyCount,
    availableReplicas: readyCount,
  };
  if (canonicalJson(status) !== canonicalJson(rs.status ?? {})) writes.push({ op: "updateStatus", object: { ...rs, status } });
  return { writes };
}

export function replicaSetController(): ControllerDef {
  return defineController({ name: "replicaset", watches: ["ReplicaSet", "Pod"], reconcile: (key, cache) => reconcileReplicaSet(key, cache), resyncUs: 1_000_000 });
}
