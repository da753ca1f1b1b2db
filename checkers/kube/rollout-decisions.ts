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
// controller knew is recorded: its informers' every LIST and event (`observed`, per informer instance)
// and its own acknowledged writes, which its cache holds ahead of the watch until the watch catches up
// (client-go's mutation cache; here Informer.assume). The view is rebuilt from those, as the informer
// built it; a decision is judged on it, so no fault excuses it.
//
// A reconcile's writes go out one after another, each carrying what was decided at the start
// (LeaderAct.decidedAt): they are judged together, on the view at that moment. What the caches took in
// at the decision's own microsecond may have come before it or after, in part (compacted-deletes seed
// 65: a Deployment's scale to 7 and then to 2 delivered together, the reconcile run between them): a
// decision is a violation only if it breaks the bounds on every view the moment allows. A decision whose view is not all recorded
// (a version no source recorded) is not judged, and counted.
import type { KubeObservations } from "../../core/kube/observations.ts";
import { controllerOf, type Deployment, type KubeObject, type ReplicaSet } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { rolloutBounds } from "./rollout.ts";
import { fmtTime, violationsResult } from "./safety.ts";

const RS_PREFIX = "/registry/replicasets/";
const DEPLOYMENT_PREFIX = "/registry/deployments/";

/** One change an informer of the controller's process took in, or one of its own writes acknowledged. */
interface ViewStep {
  time: number;
  key: string;
  rv: number;
  /** LIST marker (a new list at rv replaces everything), a listed item, a watch event, or an own write. */
  kind: "list" | "item" | "event" | "deleted" | "own";
}

/** A reconcile's ReplicaSet writes that landed: what each RS became. */
interface Decision {
  process: string;
  decidedAt: number;
  writes: { key: string; after: ReplicaSet; create: boolean }[];
}

/** key → rv of what a cache holds (null: deleted by the controller's own acknowledged delete). */
type View = Map<string, number | null>;

export function checkRolloutDecisions(obs: KubeObservations): CheckResult {
  // Each Deployment's and ReplicaSet's versions: key → rv → object (null: deleted).
  const versionsOf = new Map<string, Map<number, KubeObject | null>>();
  for (const v of obs.versions)
    if (v.key.startsWith(RS_PREFIX) || v.key.startsWith(DEPLOYMENT_PREFIX))
      (versionsOf.get(v.key) ?? versionsOf.set(v.key, new Map()).get(v.key)!).set(v.rv, v.object);
  const objectAt = (key: string, rv: number) => versionsOf.get(key)?.get(rv);

  // Each observer's steps, and the observers of each (process, kind) in the order they began.
  const stepsOf = new Map<string, ViewStep[]>();
  const observersOf = new Map<string, string[]>(); // "process/Kind" → observer names
  const ignored = new Set<string>(); // observers of other kinds
  for (const o of obs.observed) {
    let steps = stepsOf.get(o.observer);
    if (steps === undefined) {
      if (ignored.has(o.observer)) continue;
      const m = /^(.*)#[^/]*\/(ReplicaSet|Deployment)$/.exec(o.observer);
      if (m === null) {
        ignored.add(o.observer);
        continue;
      }
      stepsOf.set(o.observer, (steps = []));
      const pk = `${m[1]}/${m[2]}`;
      (observersOf.get(pk) ?? observersOf.set(pk, []).get(pk)!).push(o.observer);
    }
    const kind =
      o.event === "LIST" ? (o.key.endsWith("/") ? "list" : "item") : o.event === "DELETED" ? "deleted" : "event";
    steps.push({ time: o.time, key: o.key, rv: o.rv, kind });
  }

  // The controller process's own acknowledged writes of Deployments and ReplicaSets, by "process/Kind".
  const ownOf = new Map<string, ViewStep[]>();
  const own = (process: string, key: string, rv: number, time: number) => {
    const kind = key.startsWith(RS_PREFIX)
      ? "ReplicaSet"
      : key.startsWith(DEPLOYMENT_PREFIX)
        ? "Deployment"
        : undefined;
    if (kind === undefined) return;
    const pk = `${process}/${kind}`;
    (ownOf.get(pk) ?? ownOf.set(pk, []).get(pk)!).push({ time, key, rv, kind: "own" });
  };
  for (const w of obs.controllerWrites ?? []) own(w.process, w.key, w.rv, w.time);

  // The Deployment controller's ReplicaSet writes, by reconcile; each landed write to the act(s) that may have sent it.
  const rsAct = /^deployment: (update|create) ReplicaSet (\S+?)(?:@(\d+))?$/;
  const actsFor = new Map<string, { process: string; time: number; decidedAt: number }[]>(); // "op key[@base]"
  for (const a of obs.acts) {
    const m = rsAct.exec(a.what);
    if (m === null) continue;
    const id = m[1] === "update" ? `update ${RS_PREFIX}${m[2]}@${m[3]}` : `create ${RS_PREFIX}${m[2]}`;
    (actsFor.get(id) ?? actsFor.set(id, []).get(id)!).push({
      process: a.process,
      time: a.time,
      decidedAt: a.decidedAt ?? a.time,
    });
  }
  const decisions = new Map<string, Decision[]>(); // "process decidedAt" → candidate readings of one reconcile
  const byReconcile = new Map<string, Decision>();
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
    if (w.op === "create") for (const p of new Set(candidates.map((a) => a.process))) own(p, w.key, w.rv, w.time);
    for (const a of candidates) {
      // Two reconciles of one process may decide in the same microsecond; each is of one Deployment.
      const id = `${a.process} ${a.decidedAt} ${controllerOf(after)?.uid}`;
      let d = byReconcile.get(id);
      if (d === undefined) byReconcile.set(id, (d = { process: a.process, decidedAt: a.decidedAt, writes: [] }));
      d.writes.push({ key: w.key, after, create: w.op === "create" });
      // A write that may belong to several reconciles is judged once per reading; all must fail.
      const group = `${w.key}@${w.baseRv}@${w.rv}`;
      (decisions.get(group) ?? decisions.set(group, []).get(group)!).push(d);
    }
  }
  for (const steps of ownOf.values()) steps.sort((a, b) => a.time - b.time);

  /**
   * The cache of `kind` in `process` when it decided at `time`: one view per point among what it took in
   * at that very microsecond (before all of it, after each step), since the decision may have come at any.
   */
  const viewsOf = (process: string, kind: string, time: number): View[] => {
    const observers = observersOf.get(`${process}/${kind}`) ?? [];
    let observer: string | undefined;
    let since = -Infinity; // when the chosen informer was made (after the one before it last heard anything)
    for (let i = 0; i < observers.length; i++) {
      const first = stepsOf.get(observers[i]!)![0]!;
      if (first.time > time) break;
      observer = observers[i];
      if (i > 0) {
        const prev = stepsOf.get(observers[i - 1]!)!;
        since = prev[prev.length - 1]!.time;
      }
    }
    if (observer === undefined) return [];
    const heard = stepsOf.get(observer)!;
    const mine = (ownOf.get(`${process}/${kind}`) ?? []).filter((s) => s.time >= since);
    const items = new Map<string, number>();
    const overlay = new Map<string, { rv: number; gone: boolean }>();
    let lastSync = 0;
    const hear = (a: ViewStep) => {
      lastSync = Math.max(lastSync, a.rv);
      if (a.kind === "list") {
        items.clear();
        for (const [k, o] of overlay) if (o.rv <= a.rv) overlay.delete(k);
        return;
      }
      if (a.kind === "deleted") items.delete(a.key);
      else items.set(a.key, a.rv);
      const o = overlay.get(a.key);
      if (o !== undefined && o.rv <= a.rv) overlay.delete(a.key);
    };
    // Informer.assume / assumeDeleted: kept unless the watch has delivered it or something newer.
    const assume = (b: ViewStep) => {
      if (b.rv <= lastSync) return;
      const gone = objectAt(b.key, b.rv) === null;
      const o = overlay.get(b.key);
      const cur = gone ? items.get(b.key) : o !== undefined ? (o.gone ? undefined : o.rv) : items.get(b.key);
      if (cur !== undefined && cur >= b.rv) return;
      overlay.set(b.key, { rv: b.rv, gone });
    };
    const snapshot = (): View => {
      const view: View = new Map(items);
      for (const [k, o] of overlay) view.set(k, o.gone ? null : o.rv);
      return view;
    };
    const views: View[] = [];
    let i = 0;
    let j = 0;
    for (;;) {
      const a = heard[i];
      const b = mine[j];
      const nextHeard = a !== undefined && a.time <= time;
      const nextMine = b !== undefined && b.time <= time;
      if (!nextHeard && !nextMine) break;
      // The informer's own events first at a tie: a write's answer that comes with its watch event is
      // then dropped as delivered, as the cache drops it.
      const step = nextHeard && (!nextMine || a.time <= b!.time) ? heard[i++]! : mine[j++]!;
      if (step.time === time && views.length === 0) views.push(snapshot());
      if (step.kind === "own") assume(step);
      else hear(step);
      // A list's items come with it: the cache takes them all at once.
      if (step.time === time && !((step.kind === "list" || step.kind === "item") && heard[i]?.kind === "item"))
        views.push(snapshot());
    }
    if (views.length === 0) views.push(snapshot());
    return views;
  };

  /** The objects a view holds (undefined if one of them was never recorded). */
  const objectsOf = (view: View): Map<string, KubeObject> | undefined => {
    const out = new Map<string, KubeObject>();
    for (const [key, rv] of view) {
      if (rv === null) continue;
      const o = objectAt(key, rv);
      if (o === undefined) return undefined;
      if (o !== null) out.set(key, o);
    }
    return out;
  };

  /** Why this reconcile broke the bounds on the view at its moment (undefined: it kept them; null: the view is not all recorded). */
  const judge = (d: Decision, rsView: View, dView: View): string | undefined | null => {
    const rss = objectsOf(rsView);
    const deployments = objectsOf(dView);
    if (rss === undefined || deployments === undefined) return null;
    const ownerRef = controllerOf(d.writes[0]!.after);
    const dep = [...deployments.values()].find(
      (o): o is Deployment => o.kind === "Deployment" && o.metadata.uid === ownerRef?.uid,
    );
    if (dep === undefined) return null;
    const owned = [...rss.entries()].filter(
      (e): e is [string, ReplicaSet] => e[1].kind === "ReplicaSet" && controllerOf(e[1])?.uid === dep.metadata.uid,
    );
    const replicasBefore = new Map(owned.map(([k, rs]) => [k, rs.spec.replicas]));
    const replicasAfter = new Map(replicasBefore);
    for (const w of d.writes) replicasAfter.set(w.key, w.after.spec.replicas);
    const readyOf = new Map(owned.map(([k, rs]) => [k, rs.status?.readyReplicas ?? 0]));
    const sum = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n, 0);
    const available = (m: Map<string, number>) => [...m].reduce((s, [k, n]) => s + Math.min(n, readyOf.get(k) ?? 0), 0);
    const n = dep.spec.replicas;
    const { maxSurge, maxUnavailable } = rolloutBounds(dep);
    const name = (k: string) => k.slice(k.lastIndexOf("/") + 1);
    const scales = d.writes
      .map((w) => `${name(w.key)} ${replicasBefore.get(w.key) ?? "(new)"}→${w.after.spec.replicas}`)
      .join(", ");
    const seen = `replicas ${n}, maxSurge ${maxSurge}, maxUnavailable ${maxUnavailable}; ${owned.map(([k, rs]) => `${name(k)} ${rs.spec.replicas} (${rs.status?.readyReplicas ?? 0} ready)`).join(", ") || "no ReplicaSets"}`;
    const raised = d.writes.filter((w) => w.after.spec.replicas > (replicasBefore.get(w.key) ?? 0));
    const cut = d.writes.some((w) => w.after.spec.replicas < (replicasBefore.get(w.key) ?? 0));
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
      const rsViews = viewsOf(d.process, "ReplicaSet", d.decidedAt);
      const dViews = viewsOf(d.process, "Deployment", d.decidedAt);
      let verdict: string | undefined | null = null;
      for (const rv of rsViews)
        for (const dv of dViews) {
          const v = judge(d, rv, dv);
          if (v === undefined) verdict = undefined;
          else if (v !== null && verdict !== undefined) verdict = v;
        }
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
