// Rolling-update safety, judged at every revision of the store (the recorded object versions replayed
// in revision order): the Deployment controller's two promises.
//
// kube-max-surge — a Deployment never has more live pods than replicas + maxSurge. A pod counts while
// its ReplicaSet still wants it: per ReplicaSet, min(live pods, spec.replicas). Pods beyond their
// ReplicaSet's replicas are being removed (Kubernetes marks them terminating and reckons surge on the
// ReplicaSets' replicas, as its e2e tests do). A change of the Deployment's replicas starts over: the
// new bound holds from the first revision at which the Deployment controller has observed it
// (status.observedGeneration ≥ generation: until then it may still act on the old count, read from
// its cache) and the pods are within it (a scale down is followed, not obeyed at once) — observed on a
// view that had kept up with the store for the Deployment's ReplicaSets (a controller with no mutation
// cache sees its own scales only through the watch). A template
// change (a rollout) does not start over: the whole rollout is held to the bound. An excursion above
// it counts once it has lasted surgeGraceUs (250 ms): a decision made on a view that had not caught up
// lands and is undone within moments. A ReplicaSet update the Deployment controller sent before the
// bound held (its leader act is older) also starts over: Kubernetes bounds only the controller's own
// decisions, and one made on the old replicas may land late — an apiserver paused mid-request applies
// it when it resumes, the ReplicaSet's resourceVersion unchanged (controller-conflicts seed 1050: a
// scale to 12 sent at 1.7 s landed at 2.19 s, after the scale to 7 was observed).
//
// kube-min-available — once a Deployment has had at least replicas − maxUnavailable ready pods under
// its current replica count, continuously for settleUs (it was available: the controllers have seen
// those pods ready — a pod deleted by a scale down moments after it turned ready was unready in the
// deleting controller's view), it never has fewer, unless a fault explains it: a fault (of any kind, on
// any process or link) was active at some time in [t − explainUs, t], where t is when the revision was
// recorded. A crashed kubelet's pods restart unready, a partitioned one's status goes stale, a paused
// controller acts late on what it saw: the window covers the controllers' reaction after the fault.
// A scale down (fewer replicas, one ReplicaSet with pods or replicas: no rollout under way) does not
// start over when at least replicas − maxUnavailable of the pods have been ready for settleUs: the
// ReplicaSet controller deletes unready pods before ready ones (Kubernetes' ActivePodsWithRanks), so
// those stay, and the Deployment is available under the new count at once. Otherwise the count holds from
// when the Deployment controller has acted on it (status.observedGeneration ≥ generation, written at the
// end of that sync) and the floor then held for settleUs: a scale down mid-rollout is taken off every
// ReplicaSet in proportion to its size, whatever its pods' readiness (Kubernetes' sync.go scale), so the
// sync that acts on it may leave fewer ready pods than the new floor (quota-pressure seed 296: 3 ready old
// pods cut to 2 beside a new ReplicaSet its quota kept empty, under maxUnavailable 0).
import type { CheckResult } from "../types.ts";
import type { KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import {
  controllerOf,
  podIsActive,
  podIsReady,
  type Deployment,
  type KubeObject,
  type Pod,
  type ReplicaSet,
} from "../../core/kube/types.ts";
import { canonicalEqual } from "../../core/kube/resources.ts";
import { CACHE_PREFIX, CacheViews } from "./cache-view.ts";
import { fmtTime, violationsResult } from "./safety.ts";

/**
 * A Deployment's rolling-update bounds as the Kubernetes API defines them, worked out here rather than
 * asked of the Deployment controller under test (a checker that shares the code it judges agrees with
 * its bugs): intstr.GetScaledValueFromIntOrPercent rounds maxSurge's percentage up and maxUnavailable's
 * down, both default to 25%, and when both come to 0 maxUnavailable is 1 (deployment util
 * ResolveFenceposts).
 */
export function rolloutBounds(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec.replicas;
  const ru = d.spec.strategy?.rollingUpdate;
  const scaled = (v: number | string | undefined, roundUp: boolean): number => {
    if (typeof v === "number") return v;
    const s = v ?? "25%";
    const percent = Number.parseInt(s.slice(0, -1), 10);
    return roundUp ? Math.ceil((percent * replicas) / 100) : Math.floor((percent * replicas) / 100);
  };
  const maxSurge = scaled(ru?.maxSurge, true);
  const maxUnavailable = scaled(ru?.maxUnavailable, false);
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}

/** A fault as the nemesis logged it (end undefined: never ended before the heal). */
export interface FaultWindow {
  start: number;
  end?: number | undefined;
  what?: string;
  /** The fault's kind and the process it targets, if one (absent in hand-made logs: any fault). */
  kind?: string;
  target?: string;
}

export interface RolloutCheckOptions {
  faults?: readonly FaultWindow[];
  /** How long after a fault a shortfall of ready pods is still explained by it. */
  explainUs?: number;
  /**
   * The same after a container kill (default explainUs): its pod stays unready through the kubelet's
   * restart back-off, which grows with each kill of the container (up to 8 s here, as CrashLoopBackOff
   * grows to 5 min), so the window is that longest back-off and a start more than explainUs.
   */
  explainKillUs?: number;
  /** How long the ready pods must stay at the floor before the Deployment counts as available. */
  settleUs?: number;
  /** How long pods must stay above replicas + maxSurge to count. */
  surgeGraceUs?: number;
  /** The controllers' caches (checkKubeSafety builds them once); made here if absent. */
  caches?: CacheViews;
}

/** Longer than the controllers' view lag without faults, shorter than a rollout step (a pod's start). */
export const DEFAULT_SURGE_GRACE_US = 250_000;

export const DEFAULT_EXPLAIN_US = 3_000_000;
/** Well above the controllers' view lag of pod readiness without faults (tens of ms). */
export const DEFAULT_SETTLE_US = 500_000;

interface DeploymentView {
  d: Deployment;
  replicas: number;
  /** Pods were within replicas + maxSurge at some revision since replicas last changed. */
  withinSurge: boolean;
  /** When withinSurge became true (writes the Deployment controller sent before it may be stale). */
  armedAt?: number | undefined;
  /** A stale decision raised a ReplicaSet: armed again once the ReplicaSets' replicas are within the bound. */
  staleRaise?: boolean;
  /** Above the surge bound since `since` (a violation once it lasts surgeGraceUs). */
  excursion?: { since: number; what: string } | undefined;
  /** Ready pods stayed at or above replicas − maxUnavailable for settleUs since replicas last changed. */
  available: boolean;
  /** Since when ready pods have been at or above the floor (undefined: below it now). */
  aboveSince: number | undefined;
}

/** A Deployment, ReplicaSet or pod: what the rules read (Leases, Nodes and ConfigMaps they do not). */
const isWorkload = (o: KubeObject | null | undefined): boolean =>
  o != null && (o.kind === "Deployment" || o.kind === "ReplicaSet" || o.kind === "Pod");

/** Both rules over one replay; [surge, minAvailable]. */
export function checkRollout(obs: KubeObservations, opts: RolloutCheckOptions = {}): [CheckResult, CheckResult] {
  const explainUs = opts.explainUs ?? DEFAULT_EXPLAIN_US;
  const settleUs = opts.settleUs ?? DEFAULT_SETTLE_US;
  const surgeGraceUs = opts.surgeGraceUs ?? DEFAULT_SURGE_GRACE_US;
  // An operator's deliberate disruption (kubectl delete pods) explains a shortfall as a fault does.
  const faults: readonly FaultWindow[] = [
    ...(opts.faults ?? []),
    ...obs.actions
      .filter((a) => a.disruptive === true)
      .map((a) => ({ start: a.startedAt ?? a.time, end: a.time, what: a.description })),
  ];
  const explainKillUs = opts.explainKillUs ?? explainUs;
  const explaining = (t: number): FaultWindow | undefined =>
    faults.find(
      (f) =>
        f.start <= t && (f.end === undefined || f.end + (f.kind === "container-kill" ? explainKillUs : explainUs) >= t),
    );

  // The Deployment controller's writes as its leader acts name them ("create ReplicaSet ns/name", "update
  // ReplicaSet ns/name@base", "updateStatus Deployment ns/name@base"): who decided each, and when.
  const acted = new Map<string, { process: string; time: number; decidedAt: number }[]>();
  for (const a of obs.acts) {
    if (!a.what.startsWith("deployment: ")) continue;
    const id = a.what.slice("deployment: ".length);
    (acted.get(id) ?? acted.set(id, []).get(id)!).push({
      process: a.process,
      time: a.time,
      decidedAt: a.decidedAt ?? a.time,
    });
  }
  // The ReplicaSet keys each revision's acknowledged updates wrote, with when the update was first sent (a
  // retry reuses its base).
  const rsWrites = new Map<number, Map<string, number>>(); // rv → RS key → when its update was sent
  for (const w of obs.writes) {
    if (w.op !== "update" || !w.key.startsWith(CACHE_PREFIX.ReplicaSet)) continue;
    const sends = acted.get(`update ReplicaSet ${w.key.slice(CACHE_PREFIX.ReplicaSet.length)}@${w.baseRv}`);
    if (sends !== undefined)
      (rsWrites.get(w.rv) ?? rsWrites.set(w.rv, new Map()).get(w.rv)!).set(
        w.key,
        Math.min(...sends.map((d) => d.time)),
      );
  }
  /** The act that sent a landed write (the last one with its id sent before it landed). */
  const decisionOf = (id: string, w: { time: number }) => (acted.get(id) ?? []).filter((d) => d.time <= w.time).at(-1);
  const DEPLOYMENT_PREFIX = "/registry/deployments/";
  // ReplicaSet creates and updates by the revision they landed at (see laggingRaise), status writes likewise.
  const decidedWrites = new Map<number, { key: string; process: string; decidedAt: number }[]>();
  const statusWrites = new Map<number, { key: string; process: string; decidedAt: number }>();
  for (const w of obs.writes) {
    if (w.op === "delete") continue;
    if (w.key.startsWith(CACHE_PREFIX.ReplicaSet)) {
      const name = w.key.slice(CACHE_PREFIX.ReplicaSet.length);
      const sent = decisionOf(
        w.op === "create" ? `create ReplicaSet ${name}` : `update ReplicaSet ${name}@${w.baseRv}`,
        w,
      );
      if (sent !== undefined)
        (decidedWrites.get(w.rv) ?? decidedWrites.set(w.rv, []).get(w.rv)!).push({ key: w.key, ...sent });
    } else if (w.op === "update" && w.key.startsWith(DEPLOYMENT_PREFIX)) {
      const sent = decisionOf(`updateStatus Deployment ${w.key.slice(DEPLOYMENT_PREFIX.length)}@${w.baseRv}`, w);
      if (sent !== undefined) statusWrites.set(w.rv, { key: w.key, ...sent });
    }
  }
  // Each ReplicaSet key's revisions in the store, by when they were first recorded.
  const storeRvs = new Map<string, [number, number][]>();
  for (const v of obs.versions)
    if (v.key.startsWith(CACHE_PREFIX.ReplicaSet))
      (storeRvs.get(v.key) ?? storeRvs.set(v.key, []).get(v.key)!).push([v.time, v.rv]);
  const storeRvAt = (key: string, time: number): number | undefined => {
    let rv: number | undefined;
    for (const [t, r] of storeRvs.get(key) ?? []) if (t <= time) rv = Math.max(rv ?? 0, r);
    return rv;
  };
  let caches = opts.caches;
  /** Every view `process`'s ReplicaSet cache gave it at `decidedAt` is older than the store for one of `rsKeys`. */
  const viewLagged = (process: string, decidedAt: number, rsKeys: readonly string[], own?: string): boolean => {
    caches ??= new CacheViews(obs);
    const views = caches.viewsAt(process, "ReplicaSet", decidedAt);
    if (views.length === 0) return false;
    return rsKeys.some((key) => {
      if (key === own) return false;
      const inStore = storeRvAt(key, decidedAt);
      return inStore !== undefined && views.every((view) => (view.get(key) ?? 0) < inStore);
    });
  };
  /**
   * Kubernetes bounds a Deployment controller's decisions on its informers' view, and client-go's keeps no
   * mutation cache: a ReplicaSet it just scaled shows its old size until the watch delivers the update. A
   * raise decided on such a view (one of the Deployment's ReplicaSets older in every view the controller
   * had at that moment than in the store) can take the ReplicaSets above replicas + maxSurge, and with
   * maxUnavailable 0 nothing takes them back before new pods are ready (controller-conflicts seed 207: a new
   * ReplicaSet of 1 made on a view that still had its predecessor at 2, not the 3 it had just set).
   * kube-rollout-decisions holds such a raise to the bound on that view.
   */
  const laggingRaise = (rv: number, rsKeys: readonly string[]): boolean =>
    (decidedWrites.get(rv) ?? []).some((w) => viewLagged(w.process, w.decidedAt, rsKeys, w.key));
  let laggingRaises = 0;
  // A status that says the controller observed a generation (observedGeneration) proves it acted on the
  // Deployment as its view then showed it: with no mutation cache, that view may lack the controller's own
  // latest ReplicaSet writes (kube-smoke seed 686: a scale down to 4 observed on a view that still had the
  // ReplicaSet at 4, not at the 8 it had just set; controller-conflicts seed 693: a scale down observed on
  // a view without the new ReplicaSet it had just made). The surge bound is armed only by an observation
  // made on a view the store had not moved past.
  /** Each Deployment key's last status write: whether its view had kept up with the store (default: yes). */
  const observedFresh = new Map<string, boolean>();
  let laggingObservations = 0;

  const versions = [...obs.versions].sort((a, b) => a.rv - b.rv || (a.key < b.key ? -1 : 1));
  const objects = new Map<string, KubeObject>();
  const views = new Map<string, DeploymentView>(); // by Deployment key
  const surge: string[] = [];
  const minAvail: string[] = [];
  let revisions = 0;
  let excused = 0;
  let rolloutRevisions = 0;

  // What each revision's Deployments, ReplicaSets and pods amount to: computed again only at a revision
  // that changed one of them (most revisions are Lease renewals), the rules below run at every revision.
  let podsByRs = new Map<string, Pod[]>();
  let deploymentsNow: {
    key: string;
    d: Deployment;
    maxSurge: number;
    maxUnavailable: number;
    rss: ReplicaSet[];
    wanted: number;
    ready: number;
  }[] = [];
  // rolloutBounds of each Deployment version object, computed once per check (nothing changes them meanwhile).
  const paramsOf = new Map<Deployment, { maxSurge: number; maxUnavailable: number }>();
  const index = () => {
    // ReplicaSets by owner uid and pods by ReplicaSet uid.
    const rsByOwner = new Map<string, ReplicaSet[]>();
    podsByRs = new Map<string, Pod[]>();
    for (const o of objects.values()) {
      const ref = controllerOf(o);
      if (ref === undefined) continue;
      if (o.kind === "ReplicaSet") (rsByOwner.get(ref.uid) ?? rsByOwner.set(ref.uid, []).get(ref.uid)!).push(o);
      // A failed pod (a kubelet rejected it) is not live: its ReplicaSet no longer counts it either.
      else if (o.kind === "Pod" && podIsActive(o))
        (podsByRs.get(ref.uid) ?? podsByRs.set(ref.uid, []).get(ref.uid)!).push(o);
    }
    deploymentsNow = [];
    for (const [key, o] of objects) {
      if (o.kind !== "Deployment") continue;
      let params = paramsOf.get(o);
      if (params === undefined) paramsOf.set(o, (params = rolloutBounds(o)));
      const { maxSurge, maxUnavailable } = params;
      const rss = rsByOwner.get(o.metadata.uid ?? "") ?? [];
      let wanted = 0;
      let ready = 0;
      for (const rs of rss) {
        const pods = podsByRs.get(rs.metadata.uid ?? "") ?? [];
        wanted += Math.min(pods.length, rs.spec.replicas);
        // Ready pods count as wanted ones do: a ready pod its ReplicaSet no longer wants is on its way
        // out, and a Deployment it seemed to keep available was not (kube-smoke seed 164: a scale up
        // moments after a rollout ended counted the last old pod, and then its deletion as a dip).
        let readyHere = 0;
        for (const p of pods) if (podIsReady(p)) readyHere++;
        ready += Math.min(readyHere, rs.spec.replicas);
      }
      deploymentsNow.push({ key, d: o, maxSurge, maxUnavailable, rss, wanted, ready });
    }
  };

  // When each live pod last turned ready (by key; absent: not ready now).
  const readySince = new Map<string, number>();
  let keptAvailable = 0;
  /** Pods of these ReplicaSets ready for settleUs at `time`, each ReplicaSet's counted up to its replicas. */
  const settledReady = (rss: readonly ReplicaSet[], time: number): number => {
    let n = 0;
    for (const rs of rss) {
      let here = 0;
      for (const p of podsByRs.get(rs.metadata.uid ?? "") ?? []) {
        const since = readySince.get(`/registry/pods/${p.metadata.namespace}/${p.metadata.name}`);
        if (since !== undefined && time - since >= settleUs) here++;
      }
      n += Math.min(here, rs.spec.replicas);
    }
    return n;
  };

  const evaluate = (rv: number, time: number) => {
    revisions++;
    for (const { key, d, maxSurge, maxUnavailable, rss, wanted, ready } of deploymentsNow) {
      let v = views.get(key);
      if (v === undefined || v.d.metadata.uid !== d.metadata.uid || v.replicas !== d.spec.replicas) {
        const before = v;
        v = { d, replicas: d.spec.replicas, withinSurge: false, available: false, aboveSince: undefined };
        views.set(key, v);
        // A scale down with no rollout under way leaves the Deployment available at once if enough of its
        // pods have been ready for settleUs (the controllers have seen them ready): the ReplicaSet
        // controller deletes unready pods first, so those stay.
        const live = rss.filter((rs) => rs.spec.replicas > 0 || (podsByRs.get(rs.metadata.uid ?? "")?.length ?? 0) > 0);
        if (
          before !== undefined &&
          before.d.metadata.uid === d.metadata.uid &&
          d.spec.replicas < before.replicas &&
          live.length === 1 &&
          // No rollout pending either: the one ReplicaSet runs the Deployment's template. A template change
          // the controller had not yet acted on makes a new ReplicaSet next, and the scale down is then
          // proportional, whatever its pods' readiness (quota-pressure seed 2260: 9 → 3 with a new image
          // pending; the old ReplicaSet cut from 7 to 2 while the quota kept the new one empty).
          canonicalEqual(live[0]!.spec.template.spec, d.spec.template.spec) &&
          Math.min(settledReady(rss, time), d.spec.replicas) >= d.spec.replicas - maxUnavailable
        ) {
          v.available = true;
          v.aboveSince = time - settleUs;
          keptAvailable++;
        }
      }
      v.d = d;
      if (rss.length > 1) rolloutRevisions++;
      const maxPods = d.spec.replicas + maxSurge;
      const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
      const rsKeys = rss.map((rs) => `${CACHE_PREFIX.ReplicaSet}${rs.metadata.namespace}/${rs.metadata.name}`);
      const status = statusWrites.get(rv);
      if (status !== undefined && status.key === key) {
        const fresh = !viewLagged(status.process, status.decidedAt, rsKeys);
        if (!fresh && observed) laggingObservations++;
        observedFresh.set(key, fresh);
      }
      // An excursion counts once it has lasted surgeGraceUs: a decision made on a view that had not yet
      // caught up (a ReplicaSet a previous leader created, an update in flight) lands and is undone
      // within moments; a controller that leaves the ReplicaSets above the bound does not.
      const report = (until: number) => {
        const e = v!.excursion!;
        if (until - e.since >= surgeGraceUs) surge.push(e.what);
        v!.withinSurge = false; // one report per excursion
        v!.excursion = undefined;
      };
      const written = rsWrites.get(rv);
      if (
        v.withinSurge &&
        written !== undefined &&
        rss.some(
          (rs) =>
            (written.get(`/registry/replicasets/${rs.metadata.namespace}/${rs.metadata.name}`) ?? Infinity) <
            v!.armedAt!,
        )
      ) {
        // A decision from before the bound held landed now: followed from here, like a scale down.
        if (v.excursion !== undefined) report(time);
        v.withinSurge = false;
        v.staleRaise = true;
      }
      const specified = rss.reduce((s, rs) => s + rs.spec.replicas, 0);
      if (specified > maxPods && laggingRaise(rv, rsKeys)) {
        // A raise decided on a view that had not seen the Deployment's ReplicaSets as they were: followed from
        // here, and the bound armed only once the ReplicaSets are back within it. Before the bound held too:
        // a new ReplicaSet made whole on a view without its predecessor (watch-compaction seed 503270: the
        // informer, relisting, had not yet shown the first ReplicaSet of a Deployment whose image changed
        // before its pods were made), and a later observation on a view that had caught up armed the bound
        // over the excess.
        if (v.withinSurge) {
          if (v.excursion !== undefined) report(time);
          v.withinSurge = false;
        }
        if (!v.staleRaise) laggingRaises++;
        v.staleRaise = true;
      }
      // Its pods come later (the ReplicaSet controller obeys it): wait until the Deployment controller cut it back.
      if (v.staleRaise && specified <= maxPods) v.staleRaise = false;
      if (wanted <= maxPods) {
        if (v.excursion !== undefined) report(time);
        if (observed && observedFresh.get(key) !== false && !v.withinSurge && !v.staleRaise) {
          v.withinSurge = true;
          v.armedAt = time;
        }
      } else if (v.withinSurge) {
        v.excursion ??= {
          since: time,
          what: `${key}: ${wanted} pods wanted by its ReplicaSets at rv ${rv} (${fmtTime(time)}), more than replicas ${d.spec.replicas} + maxSurge ${maxSurge} (${rss.map((rs) => `${rs.metadata.name} ${Math.min((podsByRs.get(rs.metadata.uid ?? "") ?? []).length, rs.spec.replicas)}/${rs.spec.replicas}`).join(", ")}), for at least ${fmtTime(surgeGraceUs)}`,
        };
        if (time - v.excursion.since >= surgeGraceUs) report(time);
      }
      const minAvailable = d.spec.replicas - maxUnavailable;
      if (ready >= minAvailable) {
        // Under a new replica count, only once the Deployment controller has acted on it (see the header).
        if (observed) v.aboveSince ??= time;
        else if (v.aboveSince === undefined) continue;
        if (time - v.aboveSince >= settleUs) v.available = true;
        continue;
      }
      if (v.aboveSince !== undefined && time - v.aboveSince >= settleUs) v.available = true;
      v.aboveSince = undefined;
      if (v.available) {
        const f = explaining(time);
        if (f !== undefined) excused++;
        else {
          minAvail.push(
            `${key}: ${ready} ready pods at rv ${rv} (${fmtTime(time)}), fewer than replicas ${d.spec.replicas} − maxUnavailable ${maxUnavailable}, after it was available, and no fault in the ${fmtTime(explainUs)} before`,
          );
          v.available = false; // one report per excursion
        }
      }
    }
  };

  let i = 0;
  let lastTime = 0;
  while (i < versions.length) {
    const rv = versions[i]!.rv;
    let time = versions[i]!.time;
    let workload = false;
    for (; i < versions.length && versions[i]!.rv === rv; i++) {
      const v: ObjectVersion = versions[i]!;
      time = Math.min(time, v.time);
      const was = objects.get(v.key);
      if (v.object === null) objects.delete(v.key);
      else objects.set(v.key, v.object);
      if (v.object?.kind === "Pod" && podIsReady(v.object)) {
        if (!readySince.has(v.key)) readySince.set(v.key, v.time);
      } else if (v.object === null || v.object.kind === "Pod") readySince.delete(v.key);
      workload ||= isWorkload(was) || isWorkload(v.object);
    }
    if (workload) index();
    evaluate(rv, time);
    lastTime = time;
  }
  // An excursion still open when the log ends counts by how long it had lasted.
  for (const v of views.values())
    if (v.excursion !== undefined && lastTime - v.excursion.since >= surgeGraceUs) surge.push(v.excursion.what);
  return [
    violationsResult(
      "kube-max-surge",
      surge,
      `${revisions} revisions (${rolloutRevisions} mid-rollout): live pods never above replicas + maxSurge${laggingRaises ? ` (${laggingRaises} raises decided on a view that lagged followed until back within it)` : ""}${laggingObservations ? ` (${laggingObservations} observations made on a view that lagged did not arm the bound)` : ""}`,
    ),
    violationsResult(
      "kube-min-available",
      minAvail,
      `${revisions} revisions: ready pods never below replicas − maxUnavailable once available${keptAvailable ? ` (${keptAvailable} scale downs kept available)` : ""}${excused ? ` (${excused} revisions below it while a fault explained it)` : ""}`,
    ),
  ];
}
