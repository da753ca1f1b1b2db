// control-plane-upgrade: a control plane upgraded in place while it works, as kubeadm upgrade does it: every
// control-plane node in turn has its etcd member stopped gracefully and started again (SIGTERM: etcd takes
// no new request, lets the ones it took finish, hands a leader's leadership to a peer, exits with its
// writes synced), then its apiserver, its controller manager and its scheduler (which releases its Lease
// on the way out, as kube-scheduler's ReleaseOnCancel does), one process at a time — through the
// Deployment flow of deployment-rollout (nginx ×3 → scale to 5 → image rollout → scale to 4) and a second
// image rollout, with slow messages and short pauses of the control plane besides. Half the seeds serve the informers from the
// apiservers' watch caches. Nothing is lost or cut off for good, so every Kubernetes checker holds: the
// apiservers' etcd clients go to another member at once when theirs stops taking requests, and every
// informer carries on from where its watch broke.
import type { FaultEvent, FaultKind } from "../../sim/nemesis.ts";
import { generateSchedule } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ScenarioDef } from "../types.ts";
import {
  FAULT_PHASE_KNOB,
  KUBE_LINK,
  kubeTargets,
  NGINX_MANIFEST,
  ROLLOUT_FLOW,
  runKube,
  type KubeOptions,
} from "./scenarios.ts";

const WEIGHTS: Partial<Record<FaultKind, number>> = { "slow-messages": 1, pause: 1 };

/**
 * The upgrade's stops, as kubeadm upgrades a stacked control plane: node by node (in a random order), its
 * etcd member, then its apiserver, controller manager and scheduler, one process down at a time; the
 * members beyond the control-plane nodes last. An etcd stop names whoever leads then on a third of them.
 */
function upgradeStops(rng: Rng, o: KubeOptions): FaultEvent[] {
  const nodes = Math.max(o.members, o.apiservers, 2);
  const order: string[] = [];
  for (const i of rng.shuffle(Array.from({ length: nodes }, (_, k) => k + 1))) {
    if (i <= o.members) order.push(rng.chance(1 / 3) ? "@leader" : `n${i}`);
    if (i <= o.apiservers) order.push(`apiserver-${i}`);
    if (i <= 2) order.push(`kcm-${i}`, `scheduler-${i}`);
  }
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
    "the Deployment flow and a second rollout while the control plane is upgraded in place, node by node and one process at a time as kubeadm does: the node's etcd member stopped gracefully (a leader hands over first) and restarted, then its apiserver, controller manager and scheduler (which releases its Lease); slow messages and short pauses besides, watch caches on half the seeds",
  resolve: (rng) => ({
    members: rng.pick([3, 3, 5]),
    apiservers: rng.int(2, 3),
    nodes: 3,
    faultPhaseUs: 10_000_000,
    livenessBoundUs: 15_000_000,
    manifests: [NGINX_MANIFEST],
    // deployment-rollout's flow, and a second image rollout while the last nodes are upgraded.
    actions: [...ROLLOUT_FLOW, { at: 7_000_000, kind: "image", deployment: "nginx", image: "nginx:1.27" }],
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
    // The random faults spare the etcd members: the upgrade is what happens to them.
    const controlPlane = kubeTargets(o).filter((p) => !/^n\d+$/.test(p));
    return [...generateSchedule(rng, o.mix, controlPlane, 500_000, o.faultPhaseUs), ...upgradeStops(rng, o)].sort(
      (a, b) => a.at - b.at,
    );
  },
  execute: (input) => runKube(input, [], KUBE_LINK),
  shrinkKnobs: [FAULT_PHASE_KNOB],
};
