// kube-deployment-status — a Deployment's status counts only what its ReplicaSets reported: replayed
// revision by revision, no version of a Deployment claims more replicas, ready, available or updated
// replicas than its ReplicaSets' statuses had claimed before it — each count at most the sum, over the
// ReplicaSets it controls (updated: those with the pod template of the generation the status observed),
// of the most each one's status had said. Kubernetes' Deployment controller sums its ReplicaSets'
// statuses (calculateStatus), and
// `kubectl rollout status`, the Available condition and autoscalers read the sum: a Deployment that
// counts what its ReplicaSets want rather than what they have reports a rollout done before its pods
// serve.
//
// Why the most each one had said, not the sum at one revision: the controller reads the ReplicaSets from
// a cache that lags, each possibly at another revision. The ReplicaSets' own counts are judged against
// their pods by kube-replicaset-status (ready) — a chain of bounds, each on what its author could read.
// No other check reads a Deployment's status: a controller that reported the ReplicaSets' replicas as
// ready passed every seed of deployment-rollout and kube-smoke before this one.
//
// And its unavailable count is calculateStatus': the desired replicas less the available ones, never below
// 0 (kubernetes #21900 and PR #38299: a negative count the apiserver's validation refused, so the status was
// never written), judged where the status observed the very generation it is stored with (else it was
// computed from an older spec). No count is negative.
import type { KubeObservations } from "../../core/kube/observations.ts";
import { canonicalJson } from "../../core/kube/resources.ts";
import { controllerOf, type KubeObject, type ReplicaSet } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { fmtTime, violationsResult } from "./safety.ts";

/** The most a ReplicaSet's status has claimed so far. */
interface Claimed {
  rs: ReplicaSet;
  template: string;
  replicas: number;
  ready: number;
  available: number;
}

export function checkDeploymentStatus(obs: KubeObservations): CheckResult {
  const versions = [...obs.versions]
    .filter((v) => v.object?.kind === "Deployment" || v.object?.kind === "ReplicaSet")
    .sort((a, b) => a.rv - b.rv || (a.key < b.key ? -1 : 1));
  /** Deployment uid → its ReplicaSets (by uid) and what each has claimed. */
  const claimedBy = new Map<string, Map<string, Claimed>>();
  const templateOf = new WeakMap<object, string>();
  const template = (o: { spec: { template: { spec: unknown } } }): string => {
    let t = templateOf.get(o);
    if (t === undefined) templateOf.set(o, (t = canonicalJson(o.spec.template.spec)));
    return t;
  };
  /** Deployment uid → generation → its pod template. */
  const templatesOf = new Map<string, Map<number, string>>();
  const violations: string[] = [];
  const judged = new Set<string>();

  for (const v of versions) {
    const o = v.object as KubeObject;
    if (o.kind === "ReplicaSet") {
      const owner = controllerOf(o);
      if (owner?.kind !== "Deployment" || o.metadata.uid === undefined) continue;
      let mine = claimedBy.get(owner.uid);
      if (mine === undefined) claimedBy.set(owner.uid, (mine = new Map()));
      const c = mine.get(o.metadata.uid);
      const s = o.status;
      mine.set(o.metadata.uid, {
        rs: o,
        template: template(o),
        replicas: Math.max(c?.replicas ?? 0, s?.replicas ?? 0),
        ready: Math.max(c?.ready ?? 0, s?.readyReplicas ?? 0),
        available: Math.max(c?.available ?? 0, s?.availableReplicas ?? 0),
      });
      continue;
    }
    if (o.kind !== "Deployment") continue;
    // Each generation's pod template: a status speaks of the generation it observed, whose template may
    // be older than the version it is stored in (the status is written beside a newer spec).
    let generations = templatesOf.get(o.metadata.uid ?? "");
    if (generations === undefined) templatesOf.set(o.metadata.uid ?? "", (generations = new Map()));
    if (!generations.has(o.metadata.generation ?? 1)) generations.set(o.metadata.generation ?? 1, template(o));
    if (o.status === undefined) continue;
    const id = `${v.rv} ${v.key}`;
    if (judged.has(id)) continue;
    judged.add(id);
    const rss = [...(claimedBy.get(o.metadata.uid ?? "")?.values() ?? [])];
    const observed = generations.get(o.status.observedGeneration ?? o.metadata.generation ?? 1);
    const sum = (f: (c: Claimed) => number, of = rss) => of.reduce((n, c) => n + f(c), 0);
    const bounds: [string, number | undefined, number][] = [
      ["", o.status.replicas, sum((c) => c.replicas)],
      ["ready ", o.status.readyReplicas, sum((c) => c.ready)],
      ["available ", o.status.availableReplicas, sum((c) => c.available)],
    ];
    if (observed !== undefined)
      bounds.push([
        "updated ",
        o.status.updatedReplicas,
        sum(
          (c) => c.replicas,
          rss.filter((c) => c.template === observed),
        ),
      ]);
    const over = bounds.filter(([, claim, most]) => (claim ?? 0) > most);
    const name = `Deployment ${o.metadata.namespace}/${o.metadata.name} at revision ${v.rv} (${fmtTime(v.time)})`;
    if (over.length > 0)
      violations.push(
        `${name} claims ${over.map(([what, claim, most]) => `${claim} ${what}replicas (its ReplicaSets had claimed at most ${most})`).join(", ")}`,
      );
    const st = o.status;
    const counts = { ...st, observedGeneration: undefined } as Record<string, unknown>;
    const negative = Object.entries(counts).filter(([, n]) => typeof n === "number" && n < 0);
    if (negative.length > 0)
      violations.push(`${name} claims a negative count (${negative.map(([k, n]) => `${k} ${n}`).join(", ")})`);
    else if (st.unavailableReplicas !== undefined && st.observedGeneration === (o.metadata.generation ?? 1)) {
      const want = Math.max(0, o.spec.replicas - (st.availableReplicas ?? 0));
      if (st.unavailableReplicas !== want)
        violations.push(
          `${name} claims ${st.unavailableReplicas} unavailable replicas, but its spec wants ${o.spec.replicas} and its status has ${st.availableReplicas ?? 0} available: ${want} are unavailable`,
        );
    }
  }
  return violationsResult(
    "kube-deployment-status",
    violations,
    `${judged.size} Deployment versions, each counting no more replicas, ready, available or updated replicas than its ReplicaSets had reported by then, and its unavailable ones as the desired less the available`,
  );
}
