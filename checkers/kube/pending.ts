// What liveness still waits for, named the way an operator would say it:
//   "deployment default/nginx: 2/3 ready, 1 pod unscheduled"
// A pure function of the newest known objects, the expected workload and which nodes are up; the
// harness polls it to stop a run early, checkers/kube judges with it after heal.
import { canonicalEqual, canonicalJson } from "../../core/kube/resources.ts";
import {
  controllerOf,
  podIsActive,
  podIsReady,
  type Deployment,
  type KubeObject,
  type Pod,
  type ReplicaSet,
} from "../../core/kube/types.ts";

/** A Deployment as the workload leaves it (deleted, or with these replicas and images). */
export interface ExpectedDeployment {
  namespace: string;
  name: string;
  deleted: boolean;
  replicas: number;
  /** The containers' images, in template order. */
  containers: { name: string; image: string }[];
}

export interface ConvergenceInput {
  /** Live objects (the newest known version of each). */
  objects: readonly KubeObject[];
  expected: readonly ExpectedDeployment[];
  /** Nodes whose kubelet process is up. */
  liveNodes: readonly string[];
  /** Workload steps in order, and how many the API accepted. */
  steps: readonly string[];
  stepsDone: number;
  /** Scales that timed out: each may have landed after every later step, so its replicas may be the final ones. */
  ambiguousScales?: readonly { namespace: string; name: string; replicas: number }[];
  /**
   * Pods (by uid) whose container runs now, as the nodes' container runtimes logged it: a pod counts as
   * ready only if its status says so and its container runs (absent: the status alone, as in older logs).
   */
  running?: ReadonlySet<string>;
}

const plural = (n: number, one: string, many = one + "s") => `${n} ${n === 1 ? one : many}`;

export function pendingOf(input: ConvergenceInput): string[] {
  const out: string[] = [];
  walkPending(input, (what) => {
    out.push(what());
    return false;
  });
  return out;
}

/**
 * pendingOf(input).length === 0, computed the way pendingOf is but stopping at the first thing still
 * pending, its words never written (the harness asks after nearly every event of the liveness phase).
 */
export function isConverged(input: ConvergenceInput): boolean {
  return !walkPending(input, () => true);
}

/**
 * What is still pending, in pendingOf's order, each told to `say` as the way to write it; `say`
 * answers whether to stop there. Whether anything was.
 */
function walkPending(input: ConvergenceInput, say: (what: () => string) => boolean): boolean {
  let any = false;
  const pend = (what: () => string): boolean => {
    any = true;
    return say(what);
  };
  if (input.stepsDone < input.steps.length) {
    if (pend(() => `workload: step ${input.stepsDone + 1} (${input.steps[input.stepsDone]}) not yet accepted`))
      return true;
  }
  const live = new Set(input.liveNodes);
  const deployments = input.objects.filter((o): o is Deployment => o.kind === "Deployment");
  const rss = input.objects.filter((o): o is ReplicaSet => o.kind === "ReplicaSet");
  const pods = input.objects.filter((o): o is Pod => o.kind === "Pod");
  const uids = new Set(input.objects.map((o) => o.metadata.uid));

  for (const e of input.expected) {
    const id = `deployment ${e.namespace}/${e.name}`;
    const d = deployments.find((x) => x.metadata.namespace === e.namespace && x.metadata.name === e.name);
    if (e.deleted) {
      if (d !== undefined && pend(() => `${id}: deleted but still present`)) return true;
      continue;
    }
    if (d === undefined) {
      if (pend(() => `${id}: not found`)) return true;
      continue;
    }
    const haveContainers = d.spec.template.spec.containers.map((c) => ({ name: c.name, image: c.image }));
    // canonicalJson of both equal: compared without writing either (canonicalEqual).
    const imagesOk = canonicalEqual(e.containers, haveContainers);
    const late = [
      ...new Set(
        (input.ambiguousScales ?? [])
          .filter((s) => s.namespace === e.namespace && s.name === e.name && s.replicas !== e.replicas)
          .map((s) => s.replicas),
      ),
    ];
    if ((d.spec.replicas !== e.replicas && !late.includes(d.spec.replicas)) || !imagesOk) {
      const specIs = () => {
        const or = late.length > 0 ? ` (or ${late.join(" or ")}, from a scale that timed out)` : "";
        return `${id}: spec is ${d.spec.replicas} × ${canonicalJson(haveContainers)}, expected ${e.replicas}${or} × ${canonicalJson(e.containers)}`;
      };
      if (pend(specIs)) return true;
      continue;
    }
    // The controllers converge to the spec as it is: the steps' last value, or a timed-out scale that landed late.
    const n = d.spec.replicas;
    const mine = rss.filter((rs) => controllerOf(rs)?.uid === d.metadata.uid);
    const template = d.spec.template.spec.containers;
    const current = new Set(
      mine.filter((rs) => canonicalEqual(rs.spec.template.spec.containers, template)).map((rs) => rs.metadata.uid),
    );
    const all = new Set(mine.map((rs) => rs.metadata.uid));
    // Failed pods (rejected by a kubelet) stay until their ReplicaSet goes, as in Kubernetes: not counted.
    const cur = pods.filter((p) => podIsActive(p) && current.has(controllerOf(p)?.uid));
    const old = pods.filter(
      (p) => podIsActive(p) && all.has(controllerOf(p)?.uid) && !current.has(controllerOf(p)?.uid),
    );
    const runs = (p: Pod) => input.running === undefined || input.running.has(p.metadata.uid ?? "");
    const ready = cur.filter((p) => podIsReady(p) && live.has(p.spec.nodeName ?? "") && runs(p));
    const st = d.status ?? {};
    const statusOk =
      (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
      st.readyReplicas === n &&
      st.updatedReplicas === n &&
      st.replicas === n;
    if (ready.length === n && cur.length === n && old.length === 0 && statusOk) continue;
    const rolloutIs = () => {
      const unscheduled = cur.filter((p) => !p.spec.nodeName);
      const onDead = cur.filter((p) => p.spec.nodeName && !live.has(p.spec.nodeName));
      const starting = cur.filter((p) => p.spec.nodeName && live.has(p.spec.nodeName) && !podIsReady(p));
      const notRunning = cur.filter((p) => p.spec.nodeName && live.has(p.spec.nodeName) && podIsReady(p) && !runs(p));
      const parts = [`${ready.length}/${n} ready`];
      if (unscheduled.length > 0) parts.push(`${plural(unscheduled.length, "pod")} unscheduled`);
      if (starting.length > 0)
        parts.push(
          `${plural(starting.length, "pod")} not ready on ${[...new Set(starting.map((p) => p.spec.nodeName))].sort().join(",")}`,
        );
      if (notRunning.length > 0)
        parts.push(
          `${plural(notRunning.length, "pod")} reported ready whose container is not running on ${[...new Set(notRunning.map((p) => p.spec.nodeName))].sort().join(",")}`,
        );
      if (onDead.length > 0)
        parts.push(
          `${plural(onDead.length, "pod")} on down nodes ${[...new Set(onDead.map((p) => p.spec.nodeName))].sort().join(",")}`,
        );
      if (cur.length > n) parts.push(`${plural(cur.length - n, "extra pod")}`);
      if (cur.length < n) parts.push(`${plural(n - cur.length, "pod")} not created`);
      if (old.length > 0) parts.push(`${plural(old.length, "old pod")} remaining`);
      if (!statusOk) {
        parts.push(
          `status ${st.readyReplicas ?? 0} ready/${st.updatedReplicas ?? 0} updated/${st.replicas ?? 0} total at generation ${st.observedGeneration ?? 0} of ${d.metadata.generation ?? 1}`,
        );
      }
      return `${id}: ${parts.join(", ")}`;
    };
    if (pend(rolloutIs)) return true;
  }

  // Garbage: dependents whose controller owner is gone.
  const garbage = (dependents: readonly KubeObject[], kind: string, owner: string): boolean => {
    const orphans = dependents.filter((o) => {
      const r = controllerOf(o);
      return r !== undefined && !uids.has(r.uid);
    });
    return (
      orphans.length > 0 &&
      pend(
        () =>
          `garbage: ${plural(orphans.length, kind)} whose ${owner} is gone (${orphans
            .map((o) => o.metadata.name)
            .slice(0, 3)
            .join(", ")})`,
      )
    );
  };
  if (garbage(rss, "replicaset", "deployment") || garbage(pods, "pod", "replicaset")) return true;

  // Terminating pods on nodes that are up: their kubelets stop the containers within the grace period
  // and remove them (one on a node that is down waits for it, as in Kubernetes).
  const stuck = pods.filter((p) => p.metadata.deletionTimestamp !== undefined && live.has(p.spec.nodeName ?? ""));
  if (
    stuck.length > 0 &&
    pend(
      () =>
        `terminating: ${plural(stuck.length, "pod")} not yet removed by ${[...new Set(stuck.map((p) => p.spec.nodeName))].sort().join(",")} (${stuck
          .map((p) => `${p.metadata.name}, due ${(p.metadata.deletionTimestamp! / 1e6).toFixed(3)}s`)
          .slice(0, 3)
          .join("; ")})`,
    )
  )
    return true;

  // Containers whose pod is gone, as the nodes' runtimes logged them: a kubelet stops the containers of a
  // deleted pod (Kubernetes' HandlePodRemoves, and its housekeeping for any it missed). The pod's status
  // is gone with it, so nothing else tells: an old version's pod deleted by a rollout would serve on.
  if (input.running !== undefined && input.running.size > 0) {
    const podUids = new Set(pods.map((p) => p.metadata.uid));
    const orphans = [...input.running].filter((uid) => !podUids.has(uid));
    if (
      orphans.length > 0 &&
      pend(
        () =>
          `containers: ${plural(orphans.length, "container")} of deleted pods still running (pod uids ${orphans
            .sort()
            .slice(0, 3)
            .join(", ")})`,
      )
    )
      return true;
  }
  return any;
}
