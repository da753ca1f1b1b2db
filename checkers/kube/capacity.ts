// kube-node-capacity — a node never runs more pods than it declares room for: at every instant of its
// container runtime's log, the containers running on it number at most its Node's status.capacity.pods.
//
// Kubernetes enforces this on the node, not in the scheduler: the scheduler's view of a node's pods may
// lag (a bind it is unsure of is forgotten, a deposed leader binds on an old cache), so the kubelet admits
// a pod only if the pods it already admitted leave room, and rejects the rest (phase Failed, reason
// OutOfpods). A count of the scheduler's binds or of the pods' statuses would take the system's word;
// the runtime's log is what the node actually ran.
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
  const violations: string[] = [];
  /** node → uids of the containers running on it now. */
  const running = new Map<string, Set<string>>();
  /** node → the most it ran at once. */
  const peak = new Map<string, number>();
  /** Nodes already over: one violation per excursion, not one per container started during it. */
  const over = new Set<string>();
  for (const e of obs.nodeEvents ?? []) {
    let now = running.get(e.node);
    if (now === undefined) running.set(e.node, (now = new Set()));
    if (e.kind === "reboot") now.clear();
    else if (e.kind === "stopped" || e.kind === "exited") now.delete(e.uid);
    else if (e.kind === "running") now.add(e.uid);
    else continue;
    peak.set(e.node, Math.max(peak.get(e.node) ?? 0, now.size));
    const room = capacity.get(e.node);
    if (room === undefined || now.size <= room) {
      over.delete(e.node);
      continue;
    }
    if (over.has(e.node)) continue;
    over.add(e.node);
    const pods = [...now].map((uid) => podOf.get(uid) ?? uid).sort();
    violations.push(
      `${e.node} ran ${now.size} pods at ${fmtTime(e.time)} (${pods.join(", ")}), over its capacity of ${room}`,
    );
  }
  const judged = [...peak.keys()].filter((n) => capacity.has(n)).sort();
  const peaks = judged.map((n) => `${n} ${peak.get(n)}/${capacity.get(n)}`).join(", ");
  return violationsResult(
    "kube-node-capacity",
    violations,
    judged.length === 0
      ? "no node that states its pod capacity ran a container"
      : `${judged.length} nodes, each within its pod capacity (most at once: ${peaks})`,
  );
}
