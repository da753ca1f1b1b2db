// tenants: controllers scoped to one namespace each, as operators are (controller-runtime's namespaced
// cache, client-go's WithNamespace), beside the built-in controllers that inform on every namespace.
// Two teams' namespaces whose names prefix one another, "shop" and "shop-canary", each run a Deployment
// "web" (same name, another object) through a rollout: the canary takes the new image first, the shop
// after it. Each namespace has its own ready-count controller (core/kube/examples/ready-count.ts) whose
// informers hold that namespace only, and each keeps a ConfigMap saying how many of its Deployment's
// pods are ready; the run is over only when both say what the pods do.
//
// The apiservers serve every list and watch from their watch caches (a namespace's request is
// answered by filtering the kind's cache, where Kubernetes has had namespace bugs: kubernetes#25342,
// #125133), with the faults of watch-cache: a member cut off from its peers (a cache reading from it
// stands still), apiservers paused and crashed, and the tenants' controllers paused, so leadership and
// informers move between caches. kube-informer-reliable holds every informer to its scope: nothing
// outside it, no change within it missed. And kubectl lists each namespace's pods every 300 ms with no
// resourceVersion: consistent reads from the caches, filtered to a namespace (kube-read-fresh).
import { generateSchedule } from "../../sim/nemesis.ts";
import type { ScenarioDef } from "../types.ts";
import type { WorkloadAction } from "../../harness/kube/workload.ts";
import { deploymentManifest } from "../../harness/kube/manifests.ts";
import { FAULT_PHASE_KNOB, runKube, type KubeOptions } from "./scenarios.ts";
import { readyCountProcesses } from "../schema/processes.ts";
import { cachedCluster, peerCuts } from "./watch-cache.ts";

const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

export const TENANT_NAMESPACES = ["shop", "shop-canary"] as const;

/** kubectl get pods -n NAMESPACE, every 300 ms from 0.5 s to 5.6 s, one namespace and then the other. */
const GETS: WorkloadAction[] = Array.from({ length: 18 }, (_, i) => ({
  at: 500_000 + 300_000 * i,
  kind: "get" as const,
  resource: "pods" as const,
  namespace: TENANT_NAMESPACES[i % 2]!,
}));

const FLOW: readonly WorkloadAction[] = [
  { at: 800_000, kind: "scale", deployment: "shop/web", replicas: 4 },
  { at: 1_500_000, kind: "image", deployment: "shop-canary/web", image: "nginx:1.26" },
  { at: 3_000_000, kind: "image", deployment: "shop/web", image: "nginx:1.26" },
  { at: 3_800_000, kind: "scale", deployment: "shop-canary/web", replicas: 2 },
  { at: 4_500_000, kind: "scale", deployment: "shop/web", replicas: 3 },
];

export const tenants: ScenarioDef<KubeOptions> = {
  name: "tenants",
  description:
    'controllers scoped to one namespace each, in namespaces whose names prefix one another ("shop", "shop-canary"), each keeping a ConfigMap of its Deployment\'s ready pods through a rollout, over apiservers serving from watch caches while a member is cut off from its peers and apiservers and controllers pause and crash; no informer may be handed anything outside its namespace or miss a change in it',
  resolve: (rng) => ({
    ...cachedCluster(),
    manifests: [deploymentManifest("shop", "web", 3), deploymentManifest("shop-canary", "web", 1)],
    actions: [...FLOW, ...GETS],
    watchCacheCapacity: rng.pick([8, 16, 32]),
    readyCountNamespaces: [...TENANT_NAMESPACES],
  }),
  schedule: (rng, o) =>
    [
      ...generateSchedule(
        rng,
        o.mix,
        [...range(o.apiservers, "apiserver-"), ...readyCountProcesses(o)],
        500_000,
        o.faultPhaseUs,
      ),
      ...peerCuts(rng.fork("peer-cuts"), o),
    ].sort((a, b) => a.at - b.at),
  execute: runKube,
  shrinkKnobs: [FAULT_PHASE_KNOB],
};
