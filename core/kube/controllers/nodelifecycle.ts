// kube-controller-manager's node lifecycle controller with its taint-based eviction, reduced to the
// heartbeat path. A node is healthy while its kubelet renews the node's Lease: each renewal this
// controller sees restarts the node's grace period, timed on this process's own monotonic clock (the
// kubelet's renewTime is a wall-clock reading of another machine, compared only with itself). Past the
// grace period the controller marks the node's Ready condition Unknown, marks its pods not ready (their
// kubelet is not there to say otherwise; it says Ready again when it is back), and taints the node
// node.kubernetes.io/unreachable (NoSchedule: no new pods; NoExecute: its pods go after their
// toleration, DefaultTolerationSeconds' 300 s); a node Ready again loses the taint. When every node
// looks unhealthy at once the controller trusts its own view less than the nodes (a "full disruption":
// its watch stalled, or the control plane was cut off) and neither taints nor evicts.
import type { BugSet } from "../../bugs.ts";
import {
  defineController,
  deleteExactly,
  type CacheReader,
  type ControllerDef,
  type ReconcileContext,
  type Reconciled,
  type Write,
} from "../controller.ts";
import { kubeProbe } from "../probes.ts";
import {
  isTerminating,
  podIsReady,
  type Condition,
  type Kind,
  type KubeObject,
  type Node,
  type Taint,
} from "../types.ts";
import { NODE_LEASE_NAMESPACE } from "./scheduler.ts";

export const UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period (Kubernetes' 40 s, scaled tenfold as the scheduler's node grace is). */
  graceUs: number;
  /** How long a pod tolerates unreachable:NoExecute (DefaultTolerationSeconds' 300 s, scaled down). */
  tolerationUs: number;
  /** --node-monitor-period: how often every node is looked at (Kubernetes' 5 s, scaled tenfold). */
  monitorUs: number;
}

export const DEFAULT_NODE_LIFECYCLE: NodeLifecycleOptions = {
  graceUs: 4_000_000,
  tolerationUs: 6_000_000,
  monitorUs: 500_000,
};

/** What the controller saw of one node: nodeHealthData's probeTimestamp and saved lease. */
interface NodeHealth {
  /** The saved Lease's renewTime (the kubelet's clock). */
  renewTime: number | undefined;
  /** When (this process's monotonic clock) the node last showed a sign of life. */
  probeUs: number;
  /** The Ready status last seen on the Node. */
  ready: string | undefined;
}

export function readyStatus(n: Node): Condition["status"] | undefined {
  return n.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

export function hasUnreachableTaint(n: Node, effect?: Taint["effect"]): boolean {
  return (
    n.spec.taints?.some((t) => t.key === UNREACHABLE_TAINT && (effect === undefined || t.effect === effect)) === true
  );
}

export function nodeLifecycleController(options: Partial<NodeLifecycleOptions> = {}, bugs?: BugSet): ControllerDef {
  const opts = { ...DEFAULT_NODE_LIFECYCLE, ...options };
  // MUTANT kube-node-lease-renew-time-before: a renewal counts only if its renewTime is later than the
  // saved one's, so a kubelet whose clock stepped back renews unseen (kubernetes #113081).
  const onlyLater = bugs?.has("kube-node-lease-renew-time-before") === true;
  const deaf = bugs?.has("kube-taint-manager-deaf") === true;
  // MUTANT kube-node-never-tainted: an Unknown node gets no unreachable taint (kubernetes #101674, #77981).
  const neverTaints = bugs?.has("kube-node-never-tainted") === true;
  const health = new Map<string, NodeHealth>();
  /** When (monotonic) this controller first saw each node's NoExecute taint: its pods' tolerations run from then. */
  const taintSeen = new Map<string, number>();
  /**
   * Nodes whose Ready left True: their pods are still to be marked not ready (MarkPodsNotReady, on the
   * transition only; a failed write puts the node back, as nodesToRetry does).
   */
  const markPods = new Set<string>();

  const touch = (name: string, now: number): NodeHealth => {
    let h = health.get(name);
    if (h === undefined) {
      // A node first seen is given a whole grace period (a new leader knows nothing of earlier renewals).
      h = { renewTime: undefined, probeUs: now, ready: undefined };
      health.set(name, h);
    }
    return h;
  };

  function observe(event: "add" | "update" | "delete", kind: Kind, obj: KubeObject, ctx: ReconcileContext): void {
    const now = ctx.monotonic();
    if (kind === "Lease") {
      if (obj.kind !== "Lease" || obj.metadata.namespace !== NODE_LEASE_NAMESPACE || event === "delete") return;
      const h = touch(obj.metadata.name, now);
      const renewTime = obj.spec.renewTime;
      const renewed = onlyLater
        ? renewTime !== undefined && (h.renewTime === undefined || h.renewTime < renewTime)
        : renewTime !== h.renewTime;
      if (renewed) {
        h.renewTime = renewTime;
        h.probeUs = now;
      }
    } else if (kind === "Node" && obj.kind === "Node") {
      const name = obj.metadata.name;
      if (event === "delete") {
        health.delete(name);
        taintSeen.delete(name);
        markPods.delete(name);
        return;
      }
      const h = touch(name, now);
      const ready = readyStatus(obj);
      // The kubelet posting Ready again is a sign of life too.
      if (ready === "True" && h.ready !== "True") h.probeUs = now;
      if (ready !== "True" && h.ready === "True") markPods.add(name);
      if (ready === "True") markPods.delete(name);
      h.ready = ready;
      if (!hasUnreachableTaint(obj, "NoExecute")) taintSeen.delete(name);
      // MUTANT kube-taint-manager-deaf: the taint manager never hears of a node's taints (kubernetes #42733).
      else if (!taintSeen.has(name) && !deaf) taintSeen.set(name, now);
    }
  }

  function reconcile(name: string, cache: CacheReader, ctx: ReconcileContext): Reconciled {
    const node = cache.get("Node", name);
    if (node === undefined) return { writes: [] };
    const now = ctx.monotonic();
    const stale = (n: string) => now - touch(n, now).probeUs > opts.graceUs;
    const ready = readyStatus(node);
    if (stale(name) && ready !== "Unknown") {
      kubeProbe("kube.node-marked-unknown");
      const conditions = (node.status?.conditions ?? []).filter((c) => c.type !== "Ready");
      conditions.push({ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" });
      return { writes: [{ op: "updateStatus", object: { ...node, status: { ...node.status, conditions } } }] };
    }
    if (ready !== "True" && markPods.delete(name)) {
      const writes: Write[] = [];
      for (const p of cache.list("Pod")) {
        if (p.spec.nodeName !== name || !podIsReady(p)) continue;
        const conditions = (p.status?.conditions ?? []).map((c) =>
          c.type === "Ready" ? { ...c, status: "False" as const, reason: "NodeNotReady" } : c,
        );
        writes.push({ op: "updateStatus", object: { ...p, status: { ...p.status, conditions } } });
      }
      if (writes.length > 0) {
        kubeProbe("kube.node-pods-marked-not-ready");
        return { writes, requeueAfterUs: 0 };
      }
    }
    const fullDisruption = cache.list("Node").every((n) => readyStatus(n) !== "True" || stale(n.metadata.name));
    const tainted = hasUnreachableTaint(node);
    const retaint = (taints: Taint[]): Write => ({
      op: "update",
      object: { ...node, spec: { ...node.spec, taints } },
    });
    const others = (node.spec.taints ?? []).filter((t) => t.key !== UNREACHABLE_TAINT);
    if (tainted && (ready === "True" || fullDisruption)) {
      kubeProbe(ready === "True" ? "kube.node-untainted" : "kube.node-untainted-full-disruption");
      return { writes: [retaint(others)] };
    }
    if (fullDisruption) return { writes: [] };
    if (!tainted && ready === "Unknown" && !neverTaints) {
      kubeProbe("kube.node-tainted");
      const timeAdded = ctx.now();
      return {
        writes: [
          retaint([
            ...others,
            { key: UNREACHABLE_TAINT, effect: "NoSchedule" },
            { key: UNREACHABLE_TAINT, effect: "NoExecute", timeAdded },
          ]),
        ],
      };
    }
    if (!hasUnreachableTaint(node, "NoExecute")) return { writes: [] };
    // The tolerations run from when the informer delivered the taint (the taint manager's node update),
    // not from this controller's own write of it: timing from the write evicted up to a watch delay early
    // (node-failures seed 901392: 116 ms, when this controller's cache still held its own writes).
    const since = taintSeen.get(name);
    if (since === undefined || now - since < opts.tolerationUs) return { writes: [] };
    const writes: Write[] = [];
    for (const p of cache.list("Pod")) {
      // A pod already terminating is not deleted again (DeletePods skips one with a grace period set).
      if (p.spec.nodeName !== name || isTerminating(p)) continue;
      kubeProbe("kube.node-pod-evicted");
      writes.push(deleteExactly(p));
    }
    return { writes };
  }

  return defineController({
    name: "node-lifecycle",
    watches: ["Node", "Lease", "Pod"],
    // Nodes are looked at every monitor period (and when they change); renewals only move the probe.
    keysFor: (kind, obj) => (kind === "Node" ? [obj.metadata.name] : []),
    // As Kubernetes' node lifecycle controller, which reads its listers: its own taint, condition and
    // eviction show when the watch brings them, and a write decided before that fails its precondition.
    mutationCache: false,
    observe,
    reconcile,
    written: (key, write, outcome) => {
      // A pod left Ready: mark the node's pods again on the next look.
      if (write.op === "updateStatus" && write.object.kind === "Pod" && outcome !== "ok") markPods.add(key);
    },
    onStart: () => {
      health.clear();
      taintSeen.clear();
      markPods.clear();
    },
    resyncUs: opts.monitorUs,
  });
}
