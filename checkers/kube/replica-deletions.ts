// kube-replica-deletions — the ReplicaSet controller deletes a pod only for a ReplicaSet that has too
// many: judged on the view its caches gave it when it decided (cache-view.ts), the pods one reconcile
// deleted for a ReplicaSet number at most its active pods (not terminating, not failed) less its
// replicas, and each was one of those active pods. Kubernetes' manageReplicas deletes
// len(filteredPods) − replicas (its filtered pods are the active ones).
//
// Why decisions and not outcomes: a pod deleted too many shows only as a dip in ready pods, and
// kube-min-available forgives any dip with a fault near; a controller that deleted one pod too many
// each time passed 100 deployment-rollout and 60 controller-conflicts seeds on it, caught only where
// nothing fails (kube-smoke). kube-replica-creations holds the other direction.
import type { KubeObservations } from "../../core/kube/observations.ts";
import { controllerOf, podIsActive, type Pod } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { CacheViews, type CacheView, verdictOnEveryView } from "./cache-view.ts";
import { fmtTime, violationsResult } from "./safety.ts";

/** One reconcile's pod deletions. */
interface Reconcile {
  process: string;
  decidedAt: number;
  pods: string[];
}

export function checkReplicaDeletions(obs: KubeObservations, caches = new CacheViews(obs)): CheckResult {
  const reconciles = new Map<string, Reconcile>();
  for (const a of obs.acts) {
    if (a.deletes === undefined || !a.what.startsWith("replicaset: delete Pod ")) continue;
    const decidedAt = a.decidedAt ?? a.time;
    const id = `${a.process} ${decidedAt}`;
    let r = reconciles.get(id);
    if (r === undefined) reconciles.set(id, (r = { process: a.process, decidedAt, pods: [] }));
    r.pods.push(a.deletes);
  }
  /** Why the reconcile deleted too many on this view (undefined: it did not; null: the view is not all recorded). */
  const judge = (r: Reconcile, rsView: CacheView, podView: CacheView): string | undefined | null => {
    const rss = caches.objectsOf(rsView);
    const pods = caches.objectsOf(podView);
    if (rss === undefined || pods === undefined) return null;
    const deletedOf = new Map<string, string[]>(); // RS uid → pods deleted
    for (const key of r.pods) {
      const p = pods.get(key);
      if (p === undefined) return null; // gone from its cache: it cannot have chosen it there
      const uid = controllerOf(p)?.uid ?? "";
      (deletedOf.get(uid) ?? deletedOf.set(uid, []).get(uid)!).push(key);
    }
    for (const [uid, deleted] of deletedOf) {
      const rs = [...rss.values()].find((o) => o.kind === "ReplicaSet" && o.metadata.uid === uid);
      if (rs?.kind !== "ReplicaSet") return null;
      const active = [...pods].filter(
        ([, o]) => o.kind === "Pod" && controllerOf(o)?.uid === uid && podIsActive(o as Pod),
      );
      const name = (k: string) => k.slice(k.lastIndexOf("/") + 1);
      const seen = `replicas ${rs.spec.replicas}, ${active.length} active pods`;
      const notActive = deleted.filter((k) => !active.some(([a]) => a === k));
      if (notActive.length > 0)
        return `deleted ${notActive.map(name).join(", ")} of ReplicaSet ${rs.metadata.name}, not among its active pods (its view: ${seen})`;
      if (deleted.length > active.length - rs.spec.replicas)
        return `deleted ${deleted.length} pods of ReplicaSet ${rs.metadata.name} (${deleted.map(name).join(", ")}), more than its ${active.length} active pods less replicas ${rs.spec.replicas}`;
    }
    return undefined;
  };

  const violations: string[] = [];
  let judged = 0;
  let unjudged = 0;
  let deletions = 0;
  for (const r of reconciles.values()) {
    const verdict = verdictOnEveryView(caches, r.process, ["ReplicaSet", "Pod"], r.decidedAt, (rv, pv) =>
      judge(r, rv, pv),
    );
    if (verdict === null) {
      unjudged++;
      continue;
    }
    judged++;
    deletions += r.pods.length;
    if (verdict !== undefined) violations.push(`${r.process} at ${fmtTime(r.decidedAt)} ${verdict}`);
  }
  return violationsResult(
    "kube-replica-deletions",
    violations,
    `${deletions} pod deletions by the ReplicaSet controller in ${judged} reconciles, each of an active pod beyond its ReplicaSet's replicas on its caches' view${unjudged > 0 ? ` (${unjudged} reconciles not judged: their view was not all recorded)` : ""}`,
  );
}
