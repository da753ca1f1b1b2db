// kube-scheduler reduced to its contract: bind each pod without a node to a ready node with room
// (the fewest pods first, then by name; a failed pod takes no room) by a CAS update of the pod. A pod
// being deleted is not scheduled: the apiserver refuses to bind it (kubernetes PR #39081). Its
// view of a node's pods may lag (a bind of unknown outcome is not in it): the kubelet's admission, not
// the scheduler, keeps a node within its capacity. A node is ready when its Node
// says so and its heartbeat Lease changed recently on the scheduler's own monotonic clock (kube-scheduler
// itself reads only the taints the node lifecycle controller sets; without that controller, this
// freshness rule stands in for them).
import {
  defineController,
  type CacheReader,
  type ControllerDef,
  type ReconcileContext,
  type Reconciled,
} from "../controller.ts";
import {
  isTerminating,
  nodeIsReady,
  objectKey,
  podHoldsRoom,
  type Kind,
  type KubeObject,
  type Node,
  type Pod,
} from "../types.ts";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";

export interface SchedulerOptions {
  /** A node whose heartbeat Lease has not changed for this long is not ready (k8s node-monitor-grace-period, 40 s, scaled tenfold). */
  nodeGraceUs?: number;
  /** Pods per node when the Node states no capacity. */
  defaultCapacity?: number;
  /** The kube-bind-no-precondition mutant: binds carry no resourceVersion, so a stale bind overwrites a newer one. */
  bindWithoutPrecondition?: boolean;
  /** The kube-scheduler-ignores-capacity mutant: a node's room is not checked (its kubelet turns the rest away). */
  ignoreCapacity?: boolean;
  /** The kube-bind-deleting-pod mutant: a pod being deleted is scheduled like any other. */
  bindsDeleting?: boolean;
}

export function readyNodes(cache: CacheReader, now: number, graceUs: number): Node[] {
  return cache.list("Node").filter((n) => {
    if (!nodeIsReady(n) || n.spec.unschedulable === true) return false;
    // The pods here tolerate no NoSchedule taint (the node lifecycle controller's unreachable one among them).
    if (n.spec.taints?.some((t) => t.effect === "NoSchedule") === true) return false;
    const seen = cache.observedAt("Lease", `${NODE_LEASE_NAMESPACE}/${n.metadata.name}`);
    return seen !== undefined && now - seen < graceUs;
  });
}

export function reconcilePod(
  key: string,
  cache: CacheReader,
  ctx: ReconcileContext,
  opts: Required<SchedulerOptions>,
): Reconciled {
  const pod = cache.get("Pod", key);
  if (pod === undefined || pod.spec.nodeName) return { writes: [] };
  if (!opts.bindsDeleting && isTerminating(pod)) return { writes: [] };
  const load = new Map<string, number>();
  for (const p of cache.list("Pod"))
    if (p.spec.nodeName && podHoldsRoom(p)) load.set(p.spec.nodeName, (load.get(p.spec.nodeName) ?? 0) + 1);
  const fits = readyNodes(cache, ctx.monotonic(), opts.nodeGraceUs)
    .filter(
      (n) =>
        opts.ignoreCapacity || (load.get(n.metadata.name) ?? 0) < (n.status?.capacity?.pods ?? opts.defaultCapacity),
    )
    .sort(
      (a, b) =>
        (load.get(a.metadata.name) ?? 0) - (load.get(b.metadata.name) ?? 0) ||
        (a.metadata.name < b.metadata.name ? -1 : 1),
    );
  const node = fits[0];
  if (node === undefined) return { writes: [], requeueAfterUs: 200_000 };
  const bind: Pod = { ...pod, spec: { ...pod.spec, nodeName: node.metadata.name } };
  if (opts.bindWithoutPrecondition) {
    bind.metadata = { ...pod.metadata };
    delete bind.metadata.resourceVersion;
  }
  return { writes: [{ op: "update", object: bind }] };
}

export function schedulerController(options: SchedulerOptions = {}): ControllerDef {
  const opts: Required<SchedulerOptions> = {
    nodeGraceUs: 4_000_000,
    defaultCapacity: 10,
    bindWithoutPrecondition: false,
    ignoreCapacity: false,
    bindsDeleting: false,
    ...options,
  };
  // kube-scheduler's queue takes no pod being deleted (skipPodSchedule).
  const schedulable = (p: Pod) => !p.spec.nodeName && (opts.bindsDeleting || !isTerminating(p));
  const unscheduled = (cache: CacheReader) => cache.list("Pod").filter(schedulable).map(objectKey);
  return defineController({
    name: "scheduler",
    watches: ["Pod", "Node", "Lease"],
    keysFor: (kind: Kind, obj: KubeObject, cache: CacheReader) => {
      if (kind === "Pod") return obj.kind === "Pod" && schedulable(obj) ? [objectKey(obj)] : [];
      if (kind === "Lease" && obj.metadata.namespace !== NODE_LEASE_NAMESPACE) return [];
      return unscheduled(cache);
    },
    reconcile: (key, cache, ctx) => reconcilePod(key, cache, ctx, opts),
    resyncUs: 500_000,
    // One bind at a time: the next pod's choice sees the last bind's load.
    concurrency: 1,
  });
}
