// tight-nodes: deployment-rollout's flow and faults on nodes with room for two pods each. Three nodes
// hold six pods, and the rollout at five replicas wants seven at its peak (a surge of two), so pods wait
// unscheduled for room, and every scheduling choice is made against full nodes. Under faults the
// scheduler's view of a node lags — a bind whose answer was lost is forgotten, a deposed leader binds on
// an old cache — and it binds a pod to a node that is already full. Kubernetes leaves the last word to
// the node: the kubelet admits a pod only while the pods it admitted leave room, and rejects the rest
// (phase Failed, reason OutOfpods), whose ReplicaSet then makes another. kube-node-capacity holds every
// node to its capacity in the container runtime's log.
import type { WorkloadAction } from "../../harness/kube/workload.ts";
import type { ScenarioDef } from "../types.ts";
import { deploymentRollout, type KubeOptions } from "./scenarios.ts";

/** Pods each node has room for: three nodes hold six, one short of the rollout's peak. */
export const TIGHT_NODE_CAPACITY = 2;

/**
 * nginx ×3 scaled to 6 (every slot taken) under a bind storm — the scheduler's apiserver paused again and
 * again past the client's timeout, so binds of unknown outcome are forgotten and land late — then an image
 * rollout at 6 once the storm is over (a surge of 2 that finds no room: it proceeds one unavailable pod at
 * a time), then a scale to 4.
 */
const TIGHT_FLOW: WorkloadAction[] = [
  { at: 1_000_000, kind: "scale", deployment: "nginx", replicas: 6 },
  { at: 4_000_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
  { at: 5_500_000, kind: "scale", deployment: "nginx", replicas: 4 },
];

export const tightNodes: ScenarioDef<KubeOptions> = {
  ...deploymentRollout,
  name: "tight-nodes",
  description:
    "deployment-rollout's flow and faults on three nodes with room for two pods each: the rollout's surge waits for room, a scheduler that binds on a stale view overfills a node, and each kubelet must reject (OutOfpods) what its node has no room for",
  // deployment-rollout's draws, in its order: seed N has deployment-rollout's seed N's cluster and fault mix.
  resolve: (rng) => ({
    ...deploymentRollout.resolve(rng),
    nodeCapacity: TIGHT_NODE_CAPACITY,
    actions: TIGHT_FLOW,
    bindStormReplicas: 6,
    bindStormAtUs: 1_000_000,
  }),
};
