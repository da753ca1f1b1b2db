// control-plane-upgrade: a control plane upgraded in place while it works, as kubeadm upgrade does it: every
// etcd member stopped gracefully and started again in turn (SIGTERM: etcd takes no new request, lets the
// ones it took finish, hands a leader's leadership to a peer, exits with its writes synced), then every
// apiserver, then the controller managers and the schedulers, one process at a time — through the
// Deployment flow of deployment-rollout (nginx ×3 → scale to 5 → image rollout → scale to 4), with slow
// messages and short pauses of the control plane besides. Half the seeds serve the informers from the
// apiservers' watch caches. Nothing is lost or cut off for good, so every Kubernetes checker holds: the
// apiservers' etcd clients go to another member at once when theirs stops taking requests, and every
// informer carries on from where its watch broke.
import type { FaultEvent, FaultKind } from "../../sim/nemesis.ts";
import { generateSchedule } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ScenarioDef } from "../types.ts";
import { FAULT_PHASE_KNOB, KUBE_LINK, NGINX_MANIFEST, ROLLOUT_FLOW, runKube, type KubeOptions } from "./scenarios.ts";

const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

const WEIGHTS: Partial<Record<FaultKind, number>> = { "slow-messages": 1, pause: 1 };

/**
 * The upgrade's stops, in kubeadm's order (etcd, then the apiservers, then the controller managers and the
 * schedulers), one process down at a time; an etcd stop names whoever leads then on a third of them.
 */
function upgradeStops(rng: Rng, o: KubeOptions): FaultEvent[] {
  const order = [
    ...rng.shuffle(range(o.members, "n")).map((m) => (rng.chance(1 / 3) ? "@leader" : m)),
    ...rng.shuffle(range(o.apiservers, "apiserver-")),
    ...rng.shuffle(["kcm-1", "kcm-2", "scheduler-1", "scheduler-2"]),
  ];
  const out: FaultEvent[] = [];
  let t = rng.int(500_000, 1_000_000);
  for (const target of order) {
    const until = t + rng.int(200_000, 600_000);
    if (until >= o.faultPhaseUs - 300_000) break;
    out.push({ at: t, until, kind: "stop", target });
    t = until + rng.int(200_000, 500_000);
  }
  return out;
}

export const controlPlaneUpgrade: ScenarioDef<KubeOptions> = {
  name: "control-plane-upgrade",
  description:
    "the Deployment flow while the control plane is upgraded in place, one process at a time: every etcd member stopped gracefully (a leader hands over first) and restarted, then every apiserver, controller manager and scheduler; slow messages and short pauses besides, watch caches on half the seeds",
  resolve: (rng) => ({
    members: rng.pick([3, 3, 5]),
    apiservers: rng.int(2, 3),
    nodes: 3,
    faultPhaseUs: 10_000_000,
    livenessBoundUs: 15_000_000,
    manifests: [NGINX_MANIFEST],
    actions: [...ROLLOUT_FLOW],
    mix: {
      meanGapUs: 800_000,
      minDurationUs: 100_000,
      maxDurationUs: 400_000,
      weights: { ...WEIGHTS },
      maxMessageDelayUs: 200_000,
    },
    pauseSchedulerLeader: false,
    compactIntervalUs: 500_000,
    conflictWriters: 0,
    buggify: [],
    ...(rng.chance(0.5) ? { watchCacheCapacity: rng.pick([20, 50]) } : {}),
  }),
  schedule: (rng, o) => {
    const controlPlane = [
      ...range(o.apiservers, "apiserver-"),
      "kcm-1",
      "kcm-2",
      "scheduler-1",
      "scheduler-2",
      ...range(o.nodes, "node-"),
    ];
    return [...generateSchedule(rng, o.mix, controlPlane, 500_000, o.faultPhaseUs), ...upgradeStops(rng, o)].sort(
      (a, b) => a.at - b.at,
    );
  },
  execute: (input) => runKube(input, [], KUBE_LINK),
  shrinkKnobs: [FAULT_PHASE_KNOB],
};
