// kube-rollout-decisions — every ReplicaSet scale the Deployment controller sends keeps the rolling
// update's bounds on what its caches showed when it decided:
//   - a raise (a new ReplicaSet, or more replicas) leaves the Deployment's ReplicaSets' replicas summing
//     to at most replicas + maxSurge, or the raised one alone at no more than replicas (no old ones left)
//     — Kubernetes' NewRSNewReplicas;
//   - a cut, unless the ReplicaSets were above replicas + maxSurge (a scale down mid-rollout, taken off
//     proportionally), keeps the available replicas — per ReplicaSet min(replicas, status.readyReplicas)
//     — at or above replicas − maxUnavailable (or where they were, if below) — Kubernetes'
//     scaleDownOldReplicaSetsForRollingUpdate and cleanupUnhealthyReplicas.
//
// Why judge decisions and not only outcomes: kube-max-surge and kube-min-available judge the pods, and
// must forgive what faults explain (a controller acting on a view that lagged, a kubelet whose pod
// turned unready). A rolling update under faults always has a fault near, so a controller that takes
// one pod too many below maxUnavailable passed 99 of 100 deployment-rollout seeds on them. What the
// controller knew is recorded, and its cache is rebuilt from it (cache-view.ts); a decision is judged
// on that view, so no fault excuses it.
//
// A reconcile's writes go out one after another, each carrying what was decided at the start
// (LeaderAct.decidedAt): they are judged together, on the view at that moment. A decision whose view is
// not all recorded (a version no source recorded) is not judged, and counted.
import type { KubeObservations } from "../../core/kube/observations.ts";
import { controllerOf, type Deployment, type ReplicaSet } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { CACHE_PREFIX, CacheViews, type CacheView, verdictOnEveryView } from "./cache-view.ts";
import { rolloutBounds } from "./rollout.ts";
import { fmtTime, violationsResult } from "./safety.ts";

const RS_PREFIX = CACHE_PREFIX.ReplicaSet;

/** A reconcile's ReplicaSet writes that landed: what each RS became. */
interface Decision {
  process: string;
  decidedAt: number;
  writes: DecisionWrite[];
}

interface DecisionWrite {
  key: string;
  after: ReplicaSet;
  /**
   * Another reconcile may have sent it instead (both sent an update of its key from one base version, and
   * only one landed): this reconcile is judged with and without it (controller-conflicts seed 3157).
   */
  shared: boolean;
}

/** Ambiguous writes of one reconcile beyond which it is judged with all of them only. */
const MAX_SHARED = 4;

export function checkRolloutDecisions(obs: KubeObservations, caches = new CacheViews(obs)): CheckResult {
  const objectAt = (key: string, rv: number) => caches.objectAt(key, rv);

  // The Deployment controller's ReplicaSet writes, by reconcile; each landed write to the act(s) that may have sent it.
  const rsAct = /^deployment: (update|create) ReplicaSet (\S+?)(?:@(\d+))?$/;
  const actsFor = new Map<string, { process: string; time: number; decidedAt: number }[]>(); // "op key[@base]"
  for (const a of obs.acts) {
    const m = a.what.startsWith("deployment: ") ? rsAct.exec(a.what) : null;
    if (m === null) continue;
    const id = m[1] === "update" ? `update ${RS_PREFIX}${m[2]}@${m[3]}` : `create ${RS_PREFIX}${m[2]}`;
    (actsFor.get(id) ?? actsFor.set(id, []).get(id)!).push({
      process: a.process,
      time: a.time,
      decidedAt: a.decidedAt ?? a.time,
    });
  }
  const decisions = new Map<string, Decision[]>(); // each landed write ("key@baseRv@rv") → the reconciles that may have sent it
  const byReconcile = new Map<string, Decision>(); // "process decidedAt Deployment-uid" → its writes
  let unjudged = 0;
  const createdAt = new Map<string, number>(); // when each ReplicaSet key was last created
  for (const w of obs.writes) {
    if (!w.key.startsWith(RS_PREFIX) || (w.op !== "update" && w.op !== "create")) continue;
    const after = objectAt(w.key, w.rv);
    // An update from a base, or a create of a name, may have been sent more than once (a retry after no
    // answer, while the first request still hung in a paused apiserver: controller-conflicts seed 674):
    // any of those reconciles may be the one that landed.
    const since = w.op === "create" ? (createdAt.get(w.key) ?? -Infinity) : -Infinity;
    if (w.op === "create") createdAt.set(w.key, w.time);
    const candidates = (
      actsFor.get(w.op === "update" ? `update ${w.key}@${w.baseRv}` : `create ${w.key}`) ?? []
    ).filter((a) => a.time <= w.time && a.time > since);
    if (candidates.length === 0) continue; // not the Deployment controller's (a status write, a user's)
    if (after?.kind !== "ReplicaSet") {
      unjudged++;
      continue;
    }
    const write: DecisionWrite = { key: w.key, after, shared: candidates.length > 1 };
    for (const a of candidates) {
      // Two reconciles of one process may decide in the same microsecond; each is of one Deployment.
      const id = `${a.process} ${a.decidedAt} ${controllerOf(after)?.uid}`;
      let d = byReconcile.get(id);
      if (d === undefined) byReconcile.set(id, (d = { process: a.process, decidedAt: a.decidedAt, writes: [] }));
      d.writes.push(write);
      // A write that may belong to several reconciles is judged once per reading; all must fail.
      const group = `${w.key}@${w.baseRv}@${w.rv}`;
      (decisions.get(group) ?? decisions.set(group, []).get(group)!).push(d);
    }
  }
  /** Why this reconcile broke the bounds on the view at its moment (undefined: it kept them; null: the view is not all recorded). */
  const judge = (d: Decision, rsView: CacheView, dView: CacheView): string | undefined | null => {
    const shared = d.writes.filter((w) => w.shared);
    if (shared.length === 0 || shared.length > MAX_SHARED) return judgeWrites(d.writes, rsView, dView);
    // Broken only if broken with every subset of the writes it may not have sent (the full set's reason).
    let verdict: string | undefined | null = null;
    for (let mask = (1 << shared.length) - 1; mask >= 0; mask--) {
      const writes = d.writes.filter((w) => !w.shared || (mask & (1 << shared.indexOf(w))) !== 0);
      if (writes.length === 0) return undefined;
      const v = judgeWrites(writes, rsView, dView);
      if (v === undefined || v === null) return v;
      verdict ??= v;
    }
    return verdict;
  };
  const judgeWrites = (
    writes: readonly DecisionWrite[],
    rsView: CacheView,
    dView: CacheView,
  ): string | undefined | null => {
    const rss = caches.objectsOf(rsView);
    const deployments = caches.objectsOf(dView);
    if (rss === undefined || deployments === undefined) return null;
    const ownerRef = controllerOf(writes[0]!.after);
    const dep = [...deployments.values()].find(
      (o): o is Deployment => o.kind === "Deployment" && o.metadata.uid === ownerRef?.uid,
    );
    if (dep === undefined) return null;
    const owned = [...rss.entries()].filter(
      (e): e is [string, ReplicaSet] => e[1].kind === "ReplicaSet" && controllerOf(e[1])?.uid === dep.metadata.uid,
    );
    const replicasBefore = new Map(owned.map(([k, rs]) => [k, rs.spec.replicas]));
    const replicasAfter = new Map(replicasBefore);
    for (const w of writes) replicasAfter.set(w.key, w.after.spec.replicas);
    const readyOf = new Map(owned.map(([k, rs]) => [k, rs.status?.readyReplicas ?? 0]));
    const sum = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n, 0);
    const available = (m: Map<string, number>) => [...m].reduce((s, [k, n]) => s + Math.min(n, readyOf.get(k) ?? 0), 0);
    const n = dep.spec.replicas;
    const { maxSurge, maxUnavailable } = rolloutBounds(dep);
    const name = (k: string) => k.slice(k.lastIndexOf("/") + 1);
    const scales = writes
      .map((w) => `${name(w.key)} ${replicasBefore.get(w.key) ?? "(new)"}→${w.after.spec.replicas}`)
      .join(", ");
    const seen = `replicas ${n}, maxSurge ${maxSurge}, maxUnavailable ${maxUnavailable}; ${owned.map(([k, rs]) => `${name(k)} ${rs.spec.replicas} (${rs.status?.readyReplicas ?? 0} ready)`).join(", ") || "no ReplicaSets"}`;
    const raised = writes.filter((w) => w.after.spec.replicas > (replicasBefore.get(w.key) ?? 0));
    const cut = writes.some((w) => w.after.spec.replicas < (replicasBefore.get(w.key) ?? 0));
    const total = sum(replicasAfter);
    if (raised.length > 0 && total > n + maxSurge) {
      const others = [...replicasAfter].filter(([k]) => !raised.some((w) => w.key === k));
      const alone = others.every(([, r]) => r === 0) && raised.every((w) => w.after.spec.replicas <= n);
      if (!alone)
        return `scaled ${scales}: ${total} replicas in all, more than replicas ${n} + maxSurge ${maxSurge} (its view: ${seen})`;
    }
    if (cut && sum(replicasBefore) <= n + maxSurge) {
      const floor = Math.min(available(replicasBefore), n - maxUnavailable);
      if (available(replicasAfter) < floor)
        return `scaled ${scales}: ${available(replicasAfter)} available replicas left, fewer than ${floor} (replicas ${n} − maxUnavailable ${maxUnavailable}, or as many as were) (its view: ${seen})`;
    }
    return undefined;
  };

  const violations: string[] = [];
  const verdicts = new Map<Decision, string | undefined | null>();
  const verdictOf = (d: Decision) => {
    if (!verdicts.has(d)) {
      // Broken only if broken on every reading of the moment.
      const verdict = verdictOnEveryView(caches, d.process, ["ReplicaSet", "Deployment"], d.decidedAt, (rv, dv) =>
        judge(d, rv, dv),
      );
      verdicts.set(d, verdict);
    }
    return verdicts.get(d);
  };
  const reported = new Set<Decision>();
  let judged = 0;
  for (const readings of decisions.values()) {
    const vs = readings.map(verdictOf);
    if (vs.every((v) => v === null)) {
      unjudged++;
      continue;
    }
    judged++;
    if (vs.some((v) => v === undefined || v === null)) continue;
    const d = readings[0]!;
    if (reported.has(d)) continue;
    reported.add(d);
    const dep = controllerOf(d.writes[0]!.after)?.name ?? "?";
    violations.push(
      `Deployment ${d.writes[0]!.after.metadata.namespace}/${dep}: ${d.process} at ${fmtTime(d.decidedAt)} ${vs[0]}`,
    );
  }
  return violationsResult(
    "kube-rollout-decisions",
    violations,
    `${judged} ReplicaSet scales by the Deployment controller, each within replicas + maxSurge and above replicas − maxUnavailable on its caches' view${unjudged > 0 ? ` (${unjudged} not judged: their view was not all recorded)` : ""}`,
  );
}
