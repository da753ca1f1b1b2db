// compacted-deletes: PROTOTYPE
import { BUGGIFY_SITE_NAMES } from "../../core/buggify.ts";
import type { FaultEvent, FaultKind } from "../../sim/nemesis.ts";
import type { WorkloadAction } from "../../harness/kube/workload.ts";
import type { ScenarioDef } from "../types.ts";
import { controllerConflicts, NGINX_MANIFEST, runKube, type KubeOptions } from "./scenarios.ts";

const E = (k: string, d: string) => process.env[k] ?? d;

export const compactedDeletes: ScenarioDef<KubeOptions> = {
  name: "compacted-deletes",
  description: "prototype",
  resolve: (rng) => {
    const n = Number(E("CD_ACTIONS", "12"));
    const gap = Number(E("CD_GAP", "300000"));
    const actions: WorkloadAction[] = Array.from({ length: n }, (_, i) => ({
      at: 300_000 + gap * i,
      kind: "scale",
      deployment: "nginx",
      replicas: i % 2 === 0 ? rng.int(6, 10) : rng.int(0, 2),
    }));
    const weights: Partial<Record<FaultKind, number>> = JSON.parse(E("CD_W", '{"pause":2,"crash":1,"partition":1}'));
    return {
      members: 3,
      apiservers: Number(E("CD_API", "3")),
      nodes: 3,
      faultPhaseUs: Number(E("CD_PHASE", "4000000")),
      livenessBoundUs: 15_000_000,
      manifests: [NGINX_MANIFEST],
      actions,
      mix: { meanGapUs: Number(E("CD_MG", "300000")), minDurationUs: 100_000, maxDurationUs: 800_000, weights },
      pauseSchedulerLeader: false,
      compactIntervalUs: Number(E("CD_CI", "100000")),
      conflictWriters: 0,
      etcdWatchSendLoop: E("CD_SL", "1") === "1",
      buggify: E("CD_BUGGIFY", "0") === "1" ? BUGGIFY_SITE_NAMES.filter(() => rng.chance(0.3)) : [],
    };
  },
  schedule: (rng, o) => {
    if (E("CD_SCHED", "pauses") !== "pauses") return controllerConflicts.schedule(rng, o);
    const faults: FaultEvent[] = [];
    const lo = Number(E("CD_PLO", "300000"));
    const hi = Number(E("CD_PHI", "900000"));
    for (let t = rng.int(200_000, 500_000); t < o.faultPhaseUs; ) {
      const until = Math.min(t + rng.int(lo, hi), o.faultPhaseUs);
      faults.push({ at: t, until, kind: "pause", target: `n${rng.int(1, o.members)}` });
      t = until + rng.int(Number(E("CD_GLO", "100000")), Number(E("CD_GHI", "400000")));
    }
    return faults;
  },
  execute: runKube,
};
