// The ReplicaSet controller (pkg/controller/replicaset): create or delete the pods it owns until
// their number equals spec.replicas, then report replicas/readyReplicas in status. Deletes prefer
// unscheduled, then unready, then the newest pods, as Kubernetes ranks them. Like the real one it
// records expectations (expectations.ts) before creating or deleting, and does not manage the pods
// of a ReplicaSet again until the informer has observed them (or they failed, or expired).
import { canonicalEqual } from "../resources.ts";
import {
  defineController,
  deleteExactly,
  type CacheReader,
  type ControllerDef,
  type Reconciled,
  type Write,
} from "../controller.ts";
import { kubeProbe } from "../probes.ts";
import {
  clone,
  controllerOf,
  nsName,
  objectKey,
  ownerRefTo,
  isTerminating,
  podIsActive,
  podIsReady,
  type KubeObject,
  type Pod,
  type ReplicaSet,
  type ReplicaSetStatus,
} from "../types.ts";
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_US } from "./expectations.ts";

/** Pod creations or deletions per pass (the real controller uses slow-start batches of up to 500). */
export const BURST = 10;

export function podFor(rs: ReplicaSet): Pod {
  const spec = clone(rs.spec.template.spec);
  delete spec.nodeName;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "",
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace!,
      labels: { ...rs.spec.template.metadata.labels },
      ownerReferences: [ownerRefTo(rs)],
    },
    spec,
  };
}

/**
 * Lower sorts first: the pods to delete first — unscheduled, then unready (ready ones first when
 * `readyLast` is -1: the mutant kube-rs-deletes-ready-first), then the newest.
 */
function rankBy(readyLast: 1 | -1): (a: Pod, b: Pod) => number {
  const unscheduled = (p: Pod) => (p.spec.nodeName ? 1 : 0);
  const readyOf = (p: Pod) => (podIsReady(p) ? readyLast : 0);
  return (a, b) =>
    unscheduled(a) - unscheduled(b) ||
    readyOf(a) - readyOf(b) ||
    (b.metadata.creationTimestamp ?? 0) - (a.metadata.creationTimestamp ?? 0) ||
    (a.metadata.name < b.metadata.name ? -1 : 1);
}
const deletionRank = rankBy(1);
const readyFirstRank = rankBy(-1);

/**
 * One sync of a ReplicaSet. With expectations (the controller always passes them; tests may not),
 * pods are managed only when the last creations/deletions were observed, and the new ones are
 * expected before the writes go out.
 */
export function reconcileReplicaSet(
  key: string,
  cache: CacheReader,
  expectations?: ControllerExpectations,
  mutants: Pick<
    ReplicaSetControllerOptions,
    "readyFirst" | "statusCountsUnready" | "deletesOneTooMany" | "ignoresExpectations" | "managesDeleting"
  > = {},
): Reconciled {
  const rs = cache.get("ReplicaSet", key);
  if (rs === undefined) {
    expectations?.delete(key);
    return { writes: [] };
  }
  // A failed pod (one a kubelet rejected) is neither counted nor deleted: it stays, as in Kubernetes, until its owner goes.
  const pods = cache.ownedBy("Pod", rs).filter(podIsActive);
  const writes: Write[] = [];
  const diff = pods.length - rs.spec.replicas;
  // MUTANT kube-rs-ignores-expectations: every sync acts, whatever the cache has yet to see of its own writes.
  const needsSync =
    (expectations === undefined || mutants.ignoresExpectations === true || expectations.satisfied(key)) &&
    // A ReplicaSet being deleted makes and deletes no pods (syncReplicaSet's rs.DeletionTimestamp == nil):
    // in the foreground, the garbage collector is taking them and waits for the last to go.
    // MUTANT kube-rs-manages-deleting: it keeps making what the collector takes.
    (!isTerminating(rs) || mutants.managesDeleting === true);
  if (needsSync && diff < 0) {
    const n = Math.min(-diff, BURST);
    expectations?.expectCreations(key, n);
    for (let i = 0; i < n; i++) writes.push({ op: "create", object: podFor(rs) });
  } else if (needsSync && diff > 0) {
    const doomed = [...pods]
      .sort(mutants.readyFirst === true ? readyFirstRank : deletionRank)
      // MUTANT kube-rs-deletes-one-too-many: one pod more than the ReplicaSet has too many.
      .slice(0, Math.min(diff + (mutants.deletesOneTooMany === true ? 1 : 0), BURST));
    expectations?.expectDeletions(key, doomed.map(objectKey));
    for (const p of doomed) writes.push(deleteExactly(p));
  }
  // MUTANT kube-rs-status-counts-unready: every active pod counted as ready.
  const readyCount = mutants.statusCountsUnready === true ? pods.length : pods.filter(podIsReady).length;
  const status: ReplicaSetStatus = {
    observedGeneration: rs.metadata.generation ?? 1,
    replicas: pods.length,
    readyReplicas: readyCount,
    availableReplicas: readyCount,
  };
  if (!canonicalEqual(status, rs.status ?? {})) writes.push({ op: "updateStatus", object: { ...rs, status } });
  return { writes };
}

/**
 * The ReplicaSet a pod's controller reference names, as a queue key: Kubernetes' resolveControllerRef,
 * which looks the ReplicaSet up by name and gives up unless its UID is the reference's. A ReplicaSet
 * deleted and made again under the same name (a Deployment deleted and re-applied) is another object: the
 * pods of the old one must not satisfy the new one's expectations (controller-conflicts seed 7120: they
 * did, and the new one made its pods twice). `byName`: the mutant, which trusts the name alone.
 */
function ownerKey(pod: KubeObject, cache: CacheReader, byName: boolean): string | undefined {
  const ref = controllerOf(pod);
  if (ref?.kind !== "ReplicaSet") return undefined;
  const key = nsName(pod.metadata.namespace, ref.name);
  if (byName) return key;
  return cache.get("ReplicaSet", key)?.metadata.uid === ref.uid ? key : undefined;
}

export interface ReplicaSetControllerOptions {
  /** How long expectations stay unsatisfied at most (client-go's ExpectationsTimeout). */
  expectationsTimeoutUs?: number;
  /** Mutant kube-rs-deletes-ready-first: a scale down deletes ready pods before unready ones. */
  readyFirst?: boolean;
  /** Mutant kube-rs-status-counts-unready: the status counts every active pod as ready. */
  statusCountsUnready?: boolean;
  /** Mutant kube-rs-deletes-one-too-many: a scale down deletes one pod more than it has too many. */
  deletesOneTooMany?: boolean;
  /** Mutant kube-rs-ignores-expectations: a sync acts while its expectations are unsatisfied. */
  ignoresExpectations?: boolean;
  /** Mutant kube-rs-manages-deleting: a ReplicaSet being deleted still makes and deletes pods. */
  managesDeleting?: boolean;
  /** Mutant kube-rs-expectations-by-name: a pod's owner is resolved by name alone, not by UID. */
  expectationsByName?: boolean;
}

export function replicaSetController(options: ReplicaSetControllerOptions = {}): ControllerDef {
  const timeoutUs = options.expectationsTimeoutUs ?? EXPECTATIONS_TIMEOUT_US;
  // One record per tenure: a new runtime starts with none, as a restarted controller-manager does.
  let expectations = new ControllerExpectations(() => 0, timeoutUs);
  return defineController({
    name: "replicaset",
    watches: ["ReplicaSet", "Pod"],
    // client-go's ReplicaSet controller keeps no mutation cache: until the watch delivers its own creations
    // and deletions, its expectations hold the ReplicaSet back.
    mutationCache: false,
    onStart: (ctx) => {
      expectations = new ControllerExpectations(() => ctx.monotonic(), timeoutUs);
    },
    // addPod / updatePod / deletePod / deleteRS of the real controller: a pod seen terminating counts as
    // deleted (updatePod hands it to deletePod), so the replacement is made before the old one is gone.
    observe: (event, kind, obj, _ctx, cache) => {
      if (kind === "ReplicaSet") {
        if (event === "delete") expectations.delete(objectKey(obj));
        return;
      }
      const rsKey = ownerKey(obj, cache, options.expectationsByName === true);
      if (rsKey === undefined) return;
      if (event === "add") expectations.creationObserved(rsKey);
      else if (event === "delete" || isTerminating(obj)) expectations.deletionObserved(rsKey, objectKey(obj));
    },
    // A creation or deletion that failed, timed out or was never sent will not be observed (or, if it
    // did land, is observed later and only lowers the count further): lower it now, as slowStartBatch's
    // callers do for the skipped and failed ones.
    written: (key, w, outcome) => {
      if (outcome === "ok") return;
      if (w.op === "create") {
        kubeProbe("kube.expectations-write-failed");
        expectations.creationObserved(key);
      } else if (w.op === "delete") {
        kubeProbe("kube.expectations-write-failed");
        expectations.deletionObserved(key, nsName(w.namespace, w.name));
      }
    },
    reconcile: (key, cache) => reconcileReplicaSet(key, cache, expectations, options),
    resyncUs: 1_000_000,
  });
}
