// The Deployment controller (pkg/controller/deployment, rolling update only): one ReplicaSet per
// pod template (named and labelled by the template's hash); scale the new one up within maxSurge,
// scale old ones down while at least replicas − maxUnavailable pods stay ready; keep status current.
import { canonicalEqual, isDecodedDeployment } from "../resources.ts";
import { defineController, type CacheReader, type ControllerDef, type Reconciled, type Write } from "../controller.ts";
import { templateHash } from "../hash.ts";
import { kubeProbe } from "../probes.ts";
import {
  clone,
  controllerOf,
  isTerminating,
  matchesLabels,
  ownerRefTo,
  type Deployment,
  type DeploymentStatus,
  type ReplicaSet,
} from "../types.ts";

export const POD_TEMPLATE_HASH = "pod-template-hash";

/**
 * templateHash(d.spec.template), kept per decoded Deployment: one is deep-frozen (resources.ts
 * decodeObject, isDecodedDeployment), so its template never changes, and the controller reconciles one version many times.
 */
const hashOfDecoded = new WeakMap<Deployment, string>();
function templateHashOf(d: Deployment): string {
  if (!isDecodedDeployment(d)) return templateHash(d.spec.template);
  let h = hashOfDecoded.get(d);
  if (h === undefined) hashOfDecoded.set(d, (h = templateHash(d.spec.template)));
  return h;
}

/**
 * maxSurge and maxUnavailable resolved against the replica count (percentages: surge rounds up, unavailable
 * down). `unavailableRoundsUp` is the kube-rollout-unavailable-rounded-up mutant.
 */
export function rollingParams(
  d: Deployment,
  unavailableRoundsUp = false,
): { maxSurge: number; maxUnavailable: number } {
  const n = d.spec.replicas;
  const ru = d.spec.strategy?.rollingUpdate;
  const resolve = (v: number | string | undefined, dflt: string, roundUp: boolean) => {
    const x = v ?? dflt;
    if (typeof x === "number") return x;
    const pct = Number(x.replace(/%$/, ""));
    const raw = (n * pct) / 100;
    return roundUp ? Math.ceil(raw) : Math.floor(raw);
  };
  const maxSurge = resolve(ru?.maxSurge, "25%", true);
  let maxUnavailable = resolve(ru?.maxUnavailable, "25%", unavailableRoundsUp);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

function newReplicaSet(d: Deployment, hash: string, replicas: number, maxSurge: number): ReplicaSet {
  const labels = { ...d.spec.template.metadata.labels, [POD_TEMPLATE_HASH]: hash };
  const n = d.spec.replicas;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace!,
      labels,
      annotations: sizedFor(n, maxSurge),
      ownerReferences: [ownerRefTo(d)],
    },
    spec: {
      replicas,
      selector: { matchLabels: { ...d.spec.selector.matchLabels, [POD_TEMPLATE_HASH]: hash } },
      template: { metadata: { labels }, spec: clone(d.spec.template.spec) },
    },
  };
}

const specReplicas = (rss: readonly ReplicaSet[]) => rss.reduce((s, rs) => s + rs.spec.replicas, 0);
// Ready pods the ReplicaSet still wants: its status lags a scale-down, and counting pods about to go
// would let two passes scale down on the same availability.
const ready = (rs: ReplicaSet) => Math.min(rs.spec.replicas, rs.status?.readyReplicas ?? 0);

/** The Deployment's replicas, and replicas + maxSurge, when the controller last sized a ReplicaSet. */
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

/** Kubernetes' SetReplicasAnnotations: what the Deployment looked like when a ReplicaSet was sized. */
function sizedFor(n: number, maxSurge: number): Record<string, string> {
  return { [DESIRED_REPLICAS]: String(n), [MAX_REPLICAS]: String(n + maxSurge) };
}

/** One of those annotations as a number (undefined: absent or not a number). */
function annotatedCount(rs: ReplicaSet, key: typeof DESIRED_REPLICAS | typeof MAX_REPLICAS): number | undefined {
  const v = Number.parseInt(rs.metadata.annotations?.[key] ?? "", 10);
  return Number.isInteger(v) ? v : undefined;
}

function annotationsCurrent(rs: ReplicaSet, n: number, maxSurge: number): boolean {
  const a = rs.metadata.annotations;
  return a?.[DESIRED_REPLICAS] === String(n) && a[MAX_REPLICAS] === String(n + maxSurge);
}

/** scaleReplicaSet: the new size, and the annotations that record the Deployment it was sized for. */
function scaled(
  rs: ReplicaSet,
  replicas: number,
  n: number,
  maxSurge: number,
  opts: DeploymentControllerOptions,
): Write {
  // MUTANT kube-deployment-scale-keeps-annotations: the size changes, the annotations stay what they were.
  const metadata =
    opts.scaleKeepsAnnotations === true
      ? rs.metadata
      : { ...rs.metadata, annotations: { ...rs.metadata.annotations, ...sizedFor(n, maxSurge) } };
  return { op: "update", object: { ...rs, metadata, spec: { ...rs.spec, replicas } } };
}

/** Older first, then by name (creation timestamps may tie). */
const byAge = (a: ReplicaSet, b: ReplicaSet) =>
  (a.metadata.creationTimestamp ?? 0) - (b.metadata.creationTimestamp ?? 0) ||
  (a.metadata.name < b.metadata.name ? -1 : 1);

/** The desired-replicas annotation: the Deployment's replicas when the ReplicaSet was last sized. */
const desiredOf = (rs: ReplicaSet) => annotatedCount(rs, DESIRED_REPLICAS);

/**
 * isScalingEvent: an active ReplicaSet was sized for another replica count than the Deployment has now
 * (one without the annotation says nothing). Kubernetes then scales (sync.go `scale`) instead of rolling.
 */
function isScalingEvent(d: Deployment, rss: readonly ReplicaSet[]): boolean {
  return rss.some((rs) => {
    const desired = rs.spec.replicas > 0 ? desiredOf(rs) : undefined;
    return desired !== undefined && desired !== d.spec.replicas;
  });
}

/**
 * getReplicaSetFraction: how many replicas this ReplicaSet gains (negative: loses) when the Deployment's
 * replicas + maxSurge changes from what the ReplicaSet was last sized for (its max-replicas annotation,
 * else the Deployment's status.replicas) to `allowed`.
 */
function fractionOf(rs: ReplicaSet, d: Deployment, allowed: number): number {
  if (d.spec.replicas === 0) return -rs.spec.replicas;
  const annotated = annotatedCount(rs, MAX_REPLICAS) ?? 0;
  const before = annotated > 0 ? annotated : (d.status?.replicas ?? 0);
  if (before === 0) return 0;
  return Math.round((rs.spec.replicas * allowed) / before) - rs.spec.replicas;
}

/**
 * A scaling event's sizes (sync.go `scale`): one active ReplicaSet (or none: the newest) takes the new
 * count whole; a saturated new one leaves the old ones at 0; otherwise every active ReplicaSet gains or
 * loses in proportion to its size, whatever its pods' readiness (GetProportion) — the largest first (on a
 * tie the newer when growing, the older when shrinking), each by its fraction but never beyond what is
 * left, what rounding leaves over going to the largest, and every one re-annotated. An earlier trim took
 * a scale down from the pods its ReplicaSets' statuses called unready first: on a status that lagged
 * (kube-smoke seed 424, a ReplicaSet watch stalled by a lost event) it cut two ready pods of the new
 * ReplicaSet, and Kubernetes does not weigh readiness here.
 */
function scaleForEvent(
  d: Deployment,
  newRs: ReplicaSet | undefined,
  olds: readonly ReplicaSet[],
  maxSurge: number,
  opts: DeploymentControllerOptions,
): Write[] {
  const n = d.spec.replicas;
  const active = [...olds, ...(newRs !== undefined ? [newRs] : [])].filter((rs) => rs.spec.replicas > 0);
  if (active.length <= 1) {
    const target = active[0] ?? newRs ?? olds[olds.length - 1];
    if (target === undefined) return [];
    // Of the right size, it is still re-annotated if its annotations name another count, or isScalingEvent
    // holds for good and the rollout never runs again. Kubernetes' scale() returns early on the size alone,
    // and a Deployment scaled back to the size of its only active ReplicaSet mid-rollout deadlocks
    // (kubernetes PRs #138036 and #138840, open; controller-conflicts seed 2223: 7 → 6 → 7, then an image
    // change that never rolled out).
    // MUTANT kube-deployment-scale-skips-stale-annotation: Kubernetes' early return.
    const done =
      target.spec.replicas === n &&
      (opts.scaleSkipsStaleAnnotation === true || annotationsCurrent(target, n, maxSurge));
    return done ? [] : [scaled(target, n, n, maxSurge, opts)];
  }
  if (
    newRs !== undefined &&
    newRs.spec.replicas === n &&
    desiredOf(newRs) === n &&
    (newRs.status?.availableReplicas ?? 0) === n
  )
    return active.filter((rs) => rs !== newRs).map((rs) => scaled(rs, 0, n, maxSurge, opts));
  const allowed = n === 0 ? 0 : n + maxSurge;
  let toAdd = allowed - specReplicas(active);
  // MUTANT kube-deployment-no-surge-trim: a scale down mid-rollout keeps every size (the rollout goes on above replicas + maxSurge).
  if (toAdd < 0 && opts.noSurgeTrim === true) toAdd = 0;
  const order =
    toAdd === 0
      ? active
      : [...active].sort((a, b) => b.spec.replicas - a.spec.replicas || (toAdd > 0 ? byAge(b, a) : byAge(a, b)));
  let added = 0;
  const size = new Map<ReplicaSet, number>();
  for (const rs of order) {
    let proportion = 0;
    if (toAdd !== 0 && toAdd !== added) {
      // Never against the direction of the event: Kubernetes re-annotates every active ReplicaSet at each
      // one, so none was sized for a Deployment the other way; a write of those that failed part way may
      // leave one that was (controller-conflicts seed 68, before scale ups re-annotated: an old ReplicaSet
      // taken from 2 to 7 on a scale down).
      const fraction = fractionOf(rs, d, allowed);
      proportion =
        toAdd > 0 ? Math.min(Math.max(0, fraction), toAdd - added) : Math.max(Math.min(0, fraction), toAdd - added);
    }
    size.set(rs, rs.spec.replicas + proportion);
    added += proportion;
  }
  const largest = order[0]!;
  size.set(largest, Math.max(0, size.get(largest)! + toAdd - added));
  return order
    .filter((rs) => size.get(rs) !== rs.spec.replicas || !annotationsCurrent(rs, n, maxSurge))
    .map((rs) => scaled(rs, size.get(rs)!, n, maxSurge, opts));
}

export interface DeploymentControllerOptions {
  /** The kube-deployment-no-surge-trim mutant: a scale down mid-rollout is not trimmed to replicas + maxSurge. */
  noSurgeTrim?: boolean;
  /** The kube-rollout-unavailable-rounded-up mutant: a percentage maxUnavailable is rounded up. */
  unavailableRoundsUp?: boolean;
  /** The kube-rollout-scale-down-one-too-many mutant: old ReplicaSets go one ready replica below the floor. */
  scaleDownOneTooMany?: boolean;
  /** The kube-deployment-status-counts-wanted mutant: the status counts the ReplicaSets' replicas as ready. */
  statusCountsWanted?: boolean;
  /** Mutant kube-deployment-unavailable-unclamped: the unavailable count goes negative when more are ready than wanted. */
  unavailableUnclamped?: boolean;
  /** The kube-deployment-scale-keeps-annotations mutant: a ReplicaSet's new size leaves its replicas annotations as they were. */
  scaleKeepsAnnotations?: boolean;
  /** The kube-deployment-scale-skips-stale-annotation mutant: a lone active ReplicaSet of the right size keeps stale annotations. */
  scaleSkipsStaleAnnotation?: boolean;
  /** The kube-deployment-syncs-deleting mutant: a Deployment being deleted still rolls out. */
  syncsDeleting?: boolean;
}

export function reconcileDeployment(
  key: string,
  cache: CacheReader,
  opts: DeploymentControllerOptions = {},
): Reconciled {
  const d = cache.get("Deployment", key);
  if (d === undefined) return { writes: [] };
  const rss = cache.ownedBy("ReplicaSet", d).sort(byAge);
  const hash = templateHashOf(d);
  const newRs = rss.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
  // A Deployment being deleted only keeps its status (syncDeployment's syncStatusOnly): it makes, scales and
  // adopts no ReplicaSet while the garbage collector takes them (Foreground) or sets them free (Orphan).
  // MUTANT kube-deployment-syncs-deleting: it goes on rolling out.
  if (isTerminating(d) && opts.syncsDeleting !== true) return { writes: statusWrite(d, rss, newRs, opts) };
  const adoptions = adopt(d, cache);
  if (adoptions.length > 0) return { writes: adoptions };
  const olds = rss.filter((rs) => rs !== newRs);
  const n = d.spec.replicas;
  const { maxSurge, maxUnavailable } = rollingParams(d, opts.unavailableRoundsUp === true);

  const writes: Write[] = [];
  if (isScalingEvent(d, rss)) writes.push(...scaleForEvent(d, newRs, olds, maxSurge, opts));
  else if (newRs === undefined) {
    const oldTotal = specReplicas(olds);
    const initial = oldTotal === 0 ? n : Math.max(0, Math.min(n, n + maxSurge - oldTotal));
    return { writes: [{ op: "create", object: newReplicaSet(d, hash, initial, maxSurge) }] };
  } else writes.push(...rollingUpdate(d, newRs, olds, maxSurge, maxUnavailable, opts));
  return { writes: [...writes, ...statusWrite(d, rss, newRs, opts)] };
}

/**
 * ClaimReplicaSets' adoption: a ReplicaSet in d's namespace that no controller owns (a Deployment deleted
 * with propagationPolicy Orphan left it), matching d's selector and not terminating, gets d as its
 * controller — by a patch conditional on the version read, and only if a live GET still finds d under its
 * uid and not terminating (RecheckDeletionTimestamp, kubernetes PR #42938): the cache may show a Deployment already deleted, and
 * a ReplicaSet adopted by it would be collected with its pods.
 */
function adopt(d: Deployment, cache: CacheReader): Write[] {
  const writes: Write[] = [];
  const uid = d.metadata.uid ?? "";
  for (const rs of cache.list("ReplicaSet", d.metadata.namespace)) {
    if (controllerOf(rs) !== undefined || isTerminating(rs)) continue;
    if (!matchesLabels(rs.metadata.labels, d.spec.selector.matchLabels)) continue;
    kubeProbe("kube.deployment-adopts-replicaset");
    writes.push({
      op: "patch",
      kind: "ReplicaSet",
      namespace: rs.metadata.namespace!,
      name: rs.metadata.name,
      patch: {
        metadata: {
          resourceVersion: rs.metadata.resourceVersion,
          ownerReferences: [...(rs.metadata.ownerReferences ?? []), ownerRefTo(d)],
        },
      },
      recheck: { kind: "Deployment", namespace: d.metadata.namespace!, name: d.metadata.name, uid },
    });
  }
  return writes;
}

/** rolloutRolling: the new ReplicaSet up within maxSurge, else the old ones down while minAvailable holds. */
function rollingUpdate(
  d: Deployment,
  newRs: ReplicaSet,
  olds: readonly ReplicaSet[],
  maxSurge: number,
  maxUnavailable: number,
  opts: DeploymentControllerOptions,
): Write[] {
  const n = d.spec.replicas;
  const writes: Write[] = [];
  const rss = [...olds, newRs];
  const total = specReplicas(rss);
  const oldActive = olds.filter((rs) => rs.spec.replicas > 0);
  let want = newRs.spec.replicas;
  if (oldActive.length === 0 || want > n) want = n;
  else if (want < n) want = Math.min(n, want + Math.max(0, n + maxSurge - total));

  if (want !== newRs.spec.replicas) writes.push(scaled(newRs, want, n, maxSurge, opts));
  else if (oldActive.length > 0) {
    // Scale old ReplicaSets down: first their unready pods, then ready ones while minAvailable holds.
    const minAvailable = n - maxUnavailable;
    const newUnavailable = Math.max(0, newRs.spec.replicas - ready(newRs));
    let cleanup = Math.max(0, total - minAvailable - newUnavailable);
    const target = new Map<ReplicaSet, number>();
    for (const rs of oldActive) {
      const down = Math.min(cleanup, Math.max(0, rs.spec.replicas - ready(rs)));
      cleanup -= down;
      target.set(rs, rs.spec.replicas - down);
    }
    const available = rss.reduce((s, rs) => s + ready(rs), 0);
    // MUTANT kube-rollout-scale-down-one-too-many: one ready replica more than minAvailable allows.
    let budget = Math.max(0, available - minAvailable + (opts.scaleDownOneTooMany === true ? 1 : 0));
    for (const rs of oldActive) {
      const cur = target.get(rs)!;
      const down = Math.min(cur, budget);
      budget -= down;
      target.set(rs, cur - down);
    }
    for (const rs of oldActive)
      if (target.get(rs) !== rs.spec.replicas) writes.push(scaled(rs, target.get(rs)!, n, maxSurge, opts));
  }
  return writes;
}

/** syncDeploymentStatus: the status the ReplicaSets add up to, when it differs from the stored one. */
function statusWrite(
  d: Deployment,
  rss: readonly ReplicaSet[],
  newRs: ReplicaSet | undefined,
  opts: DeploymentControllerOptions,
): Write[] {
  const n = d.spec.replicas;
  // MUTANT kube-deployment-status-counts-wanted: what the ReplicaSets want counted as what they have ready.
  const readyTotal = rss.reduce(
    (s, rs) => s + (opts.statusCountsWanted === true ? rs.spec.replicas : (rs.status?.readyReplicas ?? 0)),
    0,
  );
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: rss.reduce((s, rs) => s + (rs.status?.replicas ?? 0), 0),
    updatedReplicas: newRs?.status?.replicas ?? 0,
    readyReplicas: readyTotal,
    availableReplicas: readyTotal,
    unavailableReplicas: opts.unavailableUnclamped === true ? n - readyTotal : Math.max(0, n - readyTotal),
  };
  return canonicalEqual(status, d.status ?? {}) ? [] : [{ op: "updateStatus", object: { ...d, status } }];
}

export function deploymentController(opts: DeploymentControllerOptions = {}): ControllerDef {
  return defineController({
    name: "deployment",
    watches: ["Deployment", "ReplicaSet"],
    // client-go's Deployment controller keeps no mutation cache: a ReplicaSet it just sized shows its old size
    // until the watch delivers the update, and a decision made on that size fails on its resourceVersion.
    mutationCache: false,
    reconcile: (key, cache) => reconcileDeployment(key, cache, opts),
    resyncUs: 1_000_000,
  });
}
