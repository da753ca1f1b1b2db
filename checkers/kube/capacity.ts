// kube-node-capacity — a node runs what it declares room for, no more and no less:
// - at every instant of its container runtime's log, the containers running on it number at most its
//   Node's status.capacity.pods;
// - its kubelet rejects a pod (OutOfpods) only when the pods it holds already fill that capacity: the
//   pods whose containers were created and not stopped since (a container that died and waits out its
//   restart back-off still holds its place).
//
// Kubernetes enforces the first on the node, not in the scheduler: the scheduler's view of a node's pods
// may lag (a bind it is unsure of is forgotten, a deposed leader binds on an old cache), so the kubelet
// admits a pod only if the pods it already admitted leave room, and rejects the rest (phase Failed,
// reason OutOfpods). A rejection with room to spare is the opposite failure, a pod turned away for
// nothing (kubernetes #135296 counted rejected pods as used). A count of the scheduler's binds or of the
// pods' statuses would take the system's word; the runtime's log is what the node actually ran.
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import { fmtTime, violationsResult } from "./safety.ts";

export function checkNodeCapacity(obs: KubeObservations): CheckResult {
  /** node → pods it declares room for (its Node's newest recorded capacity; a node never changes it here). */
  const capacity = new Map<string, number>();
  const podOf = new Map<string, string>();
  for (const v of obs.versions) {
    const o = v.object;
    if (o?.kind === "Node") {
      const pods = o.status?.capacity?.pods;
      if (pods !== undefined) capacity.set(o.metadata.name, pods);
    } else if (o?.kind === "Pod" && o.metadata.uid !== undefined && !podOf.has(o.metadata.uid))
      podOf.set(o.metadata.uid, `${o.metadata.namespace}/${o.metadata.name}`);
  }
  const pod = (uid: string) => podOf.get(uid) ?? uid;
  const violations: string[] = [];
  const perNode = <T>(m: Map<string, Set<T>>, node: string): Set<T> => {
    let s = m.get(node);
    if (s === undefined) m.set(node, (s = new Set()));
    return s;
  };
  /** node → uids of the containers running on it now. */
  const running = new Map<string, Set<string>>();
  /** node → uids of the pods whose containers were created and not stopped since. */
  const held = new Map<string, Set<string>>();
  /** node → the most it ran at once. */
  const peak = new Map<string, number>();
  /** Nodes already over: one violation per excursion, not one per container started during it. */
  const over = new Set<string>();
  let rejections = 0;
  for (const e of obs.nodeEvents ?? []) {
    const room = capacity.get(e.node);
    if (e.kind === "rejected") {
      rejections++;
      const holding = perNode(held, e.node);
      if (room !== undefined && holding.size < room)
        violations.push(
          `${e.node} rejected pod ${pod(e.uid)} at ${fmtTime(e.time)} holding ${holding.size} pods, with room for ${room}`,
        );
      continue;
    }
    const now = perNode(running, e.node);
    const holding = perNode(held, e.node);
    if (e.kind === "reboot") {
      now.clear();
      holding.clear();
    } else if (e.kind === "stopped") {
      now.delete(e.uid);
      holding.delete(e.uid);
    } else if (e.kind === "exited") now.delete(e.uid);
    else if (e.kind === "created") holding.add(e.uid);
    else if (e.kind === "running") {
      now.add(e.uid);
      holding.add(e.uid);
    } else continue;
    peak.set(e.node, Math.max(peak.get(e.node) ?? 0, now.size));
    if (room === undefined || now.size <= room) {
      over.delete(e.node);
      continue;
    }
    if (over.has(e.node)) continue;
    over.add(e.node);
    violations.push(
      `${e.node} ran ${now.size} pods at ${fmtTime(e.time)} (${[...now].map(pod).sort().join(", ")}), over its capacity of ${room}`,
    );
  }
  const judged = [...peak.keys()].filter((n) => capacity.has(n)).sort();
  const peaks = judged.map((n) => `${n} ${peak.get(n)}/${capacity.get(n)}`).join(", ");
  const rejected = rejections > 0 ? `; ${rejections} pods rejected, each by a full node` : "";
  return violationsResult(
    "kube-node-capacity",
    violations,
    judged.length === 0
      ? `no node that states its pod capacity ran a container${rejected}`
      : `${judged.length} nodes, each within its pod capacity (most at once: ${peaks})${rejected}`,
  );
}
