// The Deployment controller (pkg/controller/deployment, rolling update only): one ReplicaSet per
// pod template (named and labelled by the template's hash); scale the new one up within maxSurge,
// scale old ones down while at least replicas − maxUnavailable pods stay ready; keep status current.
import { canonicalEqual, isDecodedDeployment } from "../resources.ts";
import { defineController, type CacheReader, type ControllerDef, type Reconciled, type Write } from "../controller.ts";
import { templateHash } from "../hash.ts";
import { clone, ownerRefTo, type Deployment, type DeploymentStatus, type ReplicaSet } from "../types.ts";

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

function newReplicaSet(d: Deployment, hash: string, replicas: number): ReplicaSet {
  const labels = { ...d.spec.template.metadata.labels, [POD_TEMPLATE_HASH]: hash };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace!,
      labels,
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
const scaled = (rs: ReplicaSet, replicas: number): Write => ({
  op: "update",
  object: { ...rs, spec: { ...rs.spec, replicas } },
});

/**
 * A scale down in the middle of a rollout leaves the ReplicaSets above the new replicas + maxSurge;
 * Kubernetes then scales them proportionally (sync.go `scale`). Here the excess goes first where it
 * costs no availability — pods not ready, the new ReplicaSet's first — then from the old ReplicaSets,
 * oldest first, then from the new one. Without it the rollout stayed above the bound until the new
 * pods were ready (kube-max-surge, controller-conflicts seed 21).
 */
function trimToSurge(newRs: ReplicaSet, oldActive: readonly ReplicaSet[], excess: number): Write[] {
  if (excess <= 0) return [];
  const order = [newRs, ...oldActive];
  const target = new Map<ReplicaSet, number>(order.map((rs) => [rs, rs.spec.replicas]));
  const take = (rs: ReplicaSet, most: number) => {
    const cut = Math.min(excess, Math.max(0, most));
    target.set(rs, target.get(rs)! - cut);
    excess -= cut;
  };
  for (const rs of order) take(rs, target.get(rs)! - ready(rs));
  for (const rs of oldActive) take(rs, target.get(rs)!);
  take(newRs, target.get(newRs)!);
  return order.filter((rs) => target.get(rs) !== rs.spec.replicas).map((rs) => scaled(rs, target.get(rs)!));
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
}

export function reconcileDeployment(
  key: string,
  cache: CacheReader,
  opts: DeploymentControllerOptions = {},
): Reconciled {
  const d = cache.get("Deployment", key);
  if (d === undefined) return { writes: [] };
  const byAge = (a: ReplicaSet, b: ReplicaSet) =>
    (a.metadata.creationTimestamp ?? 0) - (b.metadata.creationTimestamp ?? 0) ||
    (a.metadata.name < b.metadata.name ? -1 : 1);
  const rss = cache.ownedBy("ReplicaSet", d).sort(byAge);
  const hash = templateHashOf(d);
  const newRs = rss.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
  const olds = rss.filter((rs) => rs !== newRs);
  const n = d.spec.replicas;
  const { maxSurge, maxUnavailable } = rollingParams(d, opts.unavailableRoundsUp === true);

  if (newRs === undefined) {
    const oldTotal = specReplicas(olds);
    const initial = oldTotal === 0 ? n : Math.max(0, Math.min(n, n + maxSurge - oldTotal));
    return { writes: [{ op: "create", object: newReplicaSet(d, hash, initial) }] };
  }

  const writes: Write[] = [];
  const total = specReplicas(rss);
  const oldActive = olds.filter((rs) => rs.spec.replicas > 0);
  let want = newRs.spec.replicas;
  if (oldActive.length === 0 || want > n) want = n;
  else if (want < n) want = Math.min(n, want + Math.max(0, n + maxSurge - total));

  const trim = oldActive.length > 0 && !opts.noSurgeTrim ? trimToSurge(newRs, oldActive, total - (n + maxSurge)) : [];
  if (trim.length > 0) writes.push(...trim);
  else if (want !== newRs.spec.replicas) writes.push(scaled(newRs, want));
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
    for (const rs of oldActive) if (target.get(rs) !== rs.spec.replicas) writes.push(scaled(rs, target.get(rs)!));
  }

  // MUTANT kube-deployment-status-counts-wanted: what the ReplicaSets want counted as what they have ready.
  const readyTotal = rss.reduce(
    (s, rs) => s + (opts.statusCountsWanted === true ? rs.spec.replicas : (rs.status?.readyReplicas ?? 0)),
    0,
  );
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: rss.reduce((s, rs) => s + (rs.status?.replicas ?? 0), 0),
    updatedReplicas: newRs.status?.replicas ?? 0,
    readyReplicas: readyTotal,
    availableReplicas: readyTotal,
    unavailableReplicas: Math.max(0, n - readyTotal),
  };
  if (!canonicalEqual(status, d.status ?? {})) writes.push({ op: "updateStatus", object: { ...d, status } });
  return { writes };
}

export function deploymentController(opts: DeploymentControllerOptions = {}): ControllerDef {
  return defineController({
    name: "deployment",
    watches: ["Deployment", "ReplicaSet"],
    reconcile: (key, cache) => reconcileDeployment(key, cache, opts),
    resyncUs: 1_000_000,
  });
}
