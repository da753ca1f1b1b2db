// compacted-deletes: pods deleted while the apiservers' etcd watches fall behind an aggressive compactor.
// The nginx Deployment is scaled up and down to 0–2 replicas every 300 ms (each scale-down deletes most
// of its pods) through three apiservers that compact every 50 ms, while one etcd member at a time is
// paused for 0.3–0.9 s — under the etcd client's 1 s stream timeout, so the watch streams it serves
// survive the pause. On resume the member applies its backlog in a few large batches, and its watch send
// loop runs after each batch (MemberOptions.watchSendLoop), as etcd's sendLoop lags an apply loop that
// catches up: it reads prev_kv at revision − 1 when the response leaves, and a compaction applied later
// in the same batch has removed it. A delete without prev_kv must end the apiserver's watch with 410 Gone
// (Kubernetes' etcd3 watcher errors on it; the informer relists): kube-informer-reliable catches an
// apiserver that drops it instead (kube-watch-drop-unknown-delete) on about a fifth of the seeds (19 of 1..100).
import { NGINX_MANIFEST } from "../../harness/kube/manifests.ts";
import type { WorkloadAction } from "../../harness/kube/workload.ts";
import type { FaultEvent } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ScenarioDef } from "../types.ts";
import { runKube, type KubeOptions } from "./scenarios.ts";

/** Pauses one etcd member at a time, each shorter than the etcd client's stream timeout (1 s). */
function pauseMembers(rng: Rng, o: KubeOptions): FaultEvent[] {
  const faults: FaultEvent[] = [];
  for (let t = rng.int(200_000, 500_000); t < o.faultPhaseUs; ) {
    const until = Math.min(t + rng.int(300_000, 900_000), o.faultPhaseUs);
    faults.push({ at: t, until, kind: "pause", target: `n${rng.int(1, o.members)}` });
    t = until + rng.int(100_000, 400_000);
  }
  return faults;
}

export const compactedDeletes: ScenarioDef<KubeOptions> = {
  name: "compacted-deletes",
  description:
    "pods deleted while etcd members, paused one at a time, catch up with compaction every 50 ms: a watched delete whose prev_kv was compacted before it was sent must end the apiserver's watch with 410",
  resolve: (rng) => ({
    members: 3,
    apiservers: 3,
    nodes: 3,
    faultPhaseUs: 2_000_000,
    livenessBoundUs: 15_000_000,
    manifests: [NGINX_MANIFEST],
    actions: Array.from(
      { length: 6 },
      (_, i): WorkloadAction => ({
        at: 300_000 * (i + 1),
        kind: "scale",
        deployment: "nginx",
        replicas: i % 2 === 0 ? rng.int(6, 10) : rng.int(0, 2),
      }),
    ),
    mix: { meanGapUs: 300_000, minDurationUs: 300_000, maxDurationUs: 900_000, weights: { pause: 1 } },
    pauseSchedulerLeader: false,
    compactIntervalUs: 50_000,
    conflictWriters: 0,
    etcdWatchSendLoop: true,
    // Lists of a few objects a page: a relist of the pods spans pages, and a compaction between two pages
    // expires the continue token (410, the informer lists again from the start).
    informerPageLimit: 2,
    buggify: [],
  }),
  schedule: pauseMembers,
  execute: runKube,
  shrinkKnobs: [
    {
      name: "faultPhaseMs",
      min: 500,
      get: (o) => Math.round(o.faultPhaseUs / 1000),
      set: (o, v) => ({ ...o, faultPhaseUs: v * 1000 }),
    },
  ],
};
