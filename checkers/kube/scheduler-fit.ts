// kube-scheduler-fit — every bind the scheduler sends puts its pod on a node that, on the view its
// caches gave it when it decided (cache-view.ts), was Ready, schedulable (not cordoned), without a
// NoSchedule taint, and had room: the pods bound there that hold room (not Failed, not Succeeded)
// numbered fewer than its status.capacity.pods. Kubernetes' scheduler filters nodes the same way
// (NodeUnschedulable, TaintToleration, NodeResourcesFit on its cache, its own binds assumed in it).
//
// Why decisions: kube-node-capacity judges what the nodes ran, and a node's kubelet keeps it within its
// capacity whatever the scheduler does, turning the rest away (OutOfpods); the ReplicaSet controller
// makes them again. A scheduler that ignored capacity altogether passed 100 tight-nodes seeds on it:
// the cost was only pods failed and made again. A bind on a cache that lagged is the scheduler's to
// make (its view is what it is judged on); a bind its view does not justify is its own bug.
import type { KubeObservations } from "../../core/kube/observations.ts";
import { nodeIsReady, podHoldsRoom, type KubeObject } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { CACHE_PREFIX, CacheViews, type CacheView, verdictOnEveryView } from "./cache-view.ts";
import { fmtTime, violationsResult } from "./safety.ts";

interface Bind {
  process: string;
  decidedAt: number;
  pod: string;
  node: string;
}

export function checkSchedulerFit(obs: KubeObservations, caches = new CacheViews(obs)): CheckResult {
  // The scheduler's binds: its updates of a pod that landed with a node set where its base had none.
  const sent = new Map<string, { process: string; decidedAt: number; time: number }[]>(); // "key@baseRv"
  for (const a of obs.acts) {
    const m = /^scheduler: update Pod (\S+@\d+)$/.exec(a.what);
    if (m === null) continue;
    const id = `${CACHE_PREFIX.Pod}${m[1]}`;
    (sent.get(id) ?? sent.set(id, []).get(id)!).push({
      process: a.process,
      decidedAt: a.decidedAt ?? a.time,
      time: a.time,
    });
  }
  /** Each bind that landed, with every reconcile that may have sent it (a retry reuses the base). */
  const binds: Bind[][] = [];
  for (const w of obs.writes) {
    if (w.op !== "update" || !w.key.startsWith(CACHE_PREFIX.Pod)) continue;
    const acts = (sent.get(`${w.key}@${w.baseRv}`) ?? []).filter((a) => a.time <= w.time);
    const after = caches.objectAt(w.key, w.rv);
    const before = caches.objectAt(w.key, w.baseRv);
    if (acts.length === 0 || after?.kind !== "Pod" || !after.spec.nodeName) continue;
    if (before?.kind === "Pod" && before.spec.nodeName) continue;
    binds.push(
      acts.map((a) => ({ process: a.process, decidedAt: a.decidedAt, pod: w.key, node: after.spec.nodeName! })),
    );
  }

  /** Why the node did not fit on this view (undefined: it did; null: the view is not all recorded). */
  const judge = (b: Bind, podView: CacheView, nodeView: CacheView): string | undefined | null => {
    const nodes = caches.objectsOf(nodeView);
    const pods = caches.objectsOf(podView);
    if (nodes === undefined || pods === undefined) return null;
    const node: KubeObject | undefined = nodes.get(`${CACHE_PREFIX.Node}${b.node}`);
    if (node?.kind !== "Node")
      return `bound ${b.pod.slice(CACHE_PREFIX.Pod.length)} to ${b.node}, a node not in its cache`;
    const why: string[] = [];
    if (!nodeIsReady(node)) why.push("not Ready");
    if (node.spec?.unschedulable === true) why.push("cordoned");
    const taint = node.spec?.taints?.find((t) => t.effect === "NoSchedule");
    if (taint !== undefined) why.push(`tainted ${taint.key}:NoSchedule`);
    const capacity = node.status?.capacity?.pods;
    let load = 0;
    for (const [key, p] of pods)
      if (key !== b.pod && p.kind === "Pod" && p.spec.nodeName === b.node && podHoldsRoom(p)) load++;
    if (capacity !== undefined && load >= capacity) why.push(`full (${load} pods hold room, capacity ${capacity})`);
    if (why.length === 0) return undefined;
    return `bound ${b.pod.slice(CACHE_PREFIX.Pod.length)} to ${b.node}, which its cache showed ${why.join(", ")}`;
  };

  const violations: string[] = [];
  let judged = 0;
  let unjudged = 0;
  for (const readings of binds) {
    // Broken only if broken for every reconcile that may have sent it, on every view of its moment.
    let verdict: string | undefined | null = null;
    for (const b of readings) {
      const v = verdictOnEveryView(caches, b.process, ["Pod", "Node"], b.decidedAt, (pv, nv) => judge(b, pv, nv));
      if (v === undefined) {
        verdict = undefined;
        break;
      }
      if (v !== null) verdict = `${b.process} at ${fmtTime(b.decidedAt)} ${v}`;
    }
    if (verdict === null) {
      unjudged++;
      continue;
    }
    judged++;
    if (verdict !== undefined) violations.push(verdict);
  }
  return violationsResult(
    "kube-scheduler-fit",
    violations,
    `${judged} binds by the scheduler, each to a node Ready, schedulable, untainted and with room on its caches' view${unjudged > 0 ? ` (${unjudged} not judged: their view was not all recorded)` : ""}`,
  );
}
