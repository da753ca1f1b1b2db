// watch-cache: the apiservers' watch caches, which Kubernetes runs by default and the other Kubernetes
// scenarios leave out (their lists and watches read etcd). Three apiservers, each with a cache per
// resource and a small window, on three etcd members; the Deployment flow of deployment-rollout.
//
// What makes a cache lag is what does in a real cluster: the etcd member its watch reads from is cut off
// from its peers but not from the apiserver. It answers the apiserver's keep-alives and sends no events
// (it commits nothing new), so the cache stands still while the other apiservers move on (an apiserver
// watches with WithRequireLeader, which only ends such a watch some election timeouts later; here it
// lasts the cut). Controllers and kubelets move between apiservers when a request times out (apiserver
// pauses and crashes, lost messages), so an informer that has seen the present re-watches, or relists,
// through an apiserver that shows the past. A window of 8–32 changes, with etcd compacted every 0.5 s,
// makes "too old resource version" and relists common.
//
// And kubectl lists pods and ReplicaSets every 300 ms with no resourceVersion: the most recent state,
// which a cache serves as a consistent read (etcd's current revision first, then the cache once it has
// reached it; kube-read-fresh holds every such list to the writes acknowledged before it began).
//
// The informers must never go back in time (kube-informer-reliable) nor miss a change; the controllers
// must converge as in deployment-rollout.
import { generateSchedule, type FaultEvent } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ScenarioDef } from "../types.ts";
import type { WorkloadAction } from "../../harness/kube/workload.ts";
import { FAULT_PHASE_KNOB, NGINX_MANIFEST, ROLLOUT_FLOW, runKube, type KubeOptions } from "./scenarios.ts";

const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** Cuts of one member from its peers (only), one after another through the fault phase. */
export function peerCuts(rng: Rng, o: KubeOptions): FaultEvent[] {
  const members = range(o.members, "n");
  const out: FaultEvent[] = [];
  for (let at = rng.int(200_000, 800_000); at < o.faultPhaseUs - 300_000; ) {
    const target = rng.pick(members);
    const until = Math.min(at + rng.int(300_000, 1_500_000), o.faultPhaseUs);
    out.push({ at, until, kind: "isolate", target, among: members.filter((m) => m !== target) });
    at = until + rng.int(100_000, 600_000);
  }
  return out;
}

/**
 * The cluster and faults of a run over watch caches (watch-cache's, which tenants shares): three of each,
 * apiservers paused, crashed and cut off, etcd compacted every 0.5 s; the workload and cache size are the
 * scenario's.
 */
export function cachedCluster(): Pick<
  KubeOptions,
  | "members"
  | "apiservers"
  | "nodes"
  | "faultPhaseUs"
  | "livenessBoundUs"
  | "mix"
  | "pauseSchedulerLeader"
  | "compactIntervalUs"
  | "conflictWriters"
  | "buggify"
> {
  return {
    members: 3,
    apiservers: 3,
    nodes: 3,
    faultPhaseUs: 6_000_000,
    livenessBoundUs: 15_000_000,
    mix: {
      meanGapUs: 500_000,
      minDurationUs: 100_000,
      maxDurationUs: 1_000_000,
      weights: { pause: 4, crash: 1, loss: 1 },
    },
    pauseSchedulerLeader: false,
    compactIntervalUs: 500_000,
    conflictWriters: 0,
    buggify: [],
  };
}

/** kubectl get pods / replicasets, every 300 ms from 0.4 s to 5.8 s. */
const GETS: WorkloadAction[] = Array.from({ length: 19 }, (_, i) => ({
  at: 400_000 + 300_000 * i,
  kind: "get" as const,
  resource: i % 2 === 0 ? ("pods" as const) : ("replicasets" as const),
}));

export const watchCache: ScenarioDef<KubeOptions> = {
  name: "watch-cache",
  description:
    "the Deployment flow through three apiservers that serve watches and lists from watch caches with small windows, while an etcd member is cut off from its peers (not from the apiservers: a cache reading from it stands still) and apiservers pause and crash; no informer may go back in time or miss a change",
  resolve: (rng) => ({
    ...cachedCluster(),
    manifests: [NGINX_MANIFEST],
    actions: [...ROLLOUT_FLOW, ...GETS],
    watchCacheCapacity: rng.pick([4, 8, 16]),
  }),
  schedule: (rng, o) =>
    [
      ...generateSchedule(rng, o.mix, range(o.apiservers, "apiserver-"), 500_000, o.faultPhaseUs),
      ...peerCuts(rng.fork("peer-cuts"), o),
    ].sort((a, b) => a.at - b.at),
  execute: runKube,
  shrinkKnobs: [FAULT_PHASE_KNOB],
};
