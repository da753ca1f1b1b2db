// node-failures: the node lifecycle controller at work. Four nodes run nginx while kubelets are cut off
// from the control plane for longer than the node grace period and the pods' toleration (their node is
// marked Unknown, tainted unreachable, and its pods are deleted and made again elsewhere), while
// kubelets' wall clocks step back and forward by more than the grace period (a node whose kubelet
// never stopped renewing must stay Ready), kubelets reboot, and the leading controller-manager is
// paused past its lease (a new leader knows nothing of the renewals the old one saw). Then heal: every
// node is Ready and untainted again, and the Deployment converges. kube-node-health holds each Unknown
// to a grace period of silence the controller itself saw, and each eviction to a toleration it waited.
import type { Rng } from "../../sim/rng.ts";
import type { FaultEvent } from "../../sim/nemesis.ts";
import type { ScenarioDef } from "../types.ts";
import { FAULT_PHASE_KNOB, NGINX_MANIFEST, runKube, type KubeOptions } from "./scenarios.ts";

/** Kubernetes' 40 s node-monitor-grace-period scaled tenfold (the scheduler's node grace too). */
export const NODE_GRACE_US = 4_000_000;
/** DefaultTolerationSeconds' 300 s, scaled down to fit a run: pods leave an unreachable node 6 s after its taint. */
export const NODE_TOLERATION_US = 6_000_000;

const nodes = (o: KubeOptions) => Array.from({ length: o.nodes }, (_, i) => `node-${i + 1}`);

function scheduleNodeFailures(rng: Rng, o: KubeOptions): FaultEvent[] {
  const faults: FaultEvent[] = [];
  const end = o.faultPhaseUs;
  // Kubelets cut off from everything for long enough to be marked Unknown, and mostly to lose their pods.
  for (let at = rng.int(3_000_000, 6_000_000); at < end - 2_000_000; at += rng.int(4_000_000, 9_000_000)) {
    const until = Math.min(at + rng.int(5_000_000, 16_000_000), end);
    faults.push({ at, until, kind: "isolate", target: rng.pick(nodes(o)) });
  }
  // Kubelets' wall clocks stepped by more than the grace period, mostly back: renewals go on all along.
  const clocks = rng.fork("kubelet-clocks");
  for (let at = clocks.int(500_000, 2_000_000); at < end - 1_000_000; at += clocks.int(2_000_000, 5_000_000)) {
    const until = Math.min(at + clocks.int(3_000_000, 9_000_000), end);
    const sign = clocks.chance(0.75) ? -1 : 1;
    faults.push({
      at,
      until,
      kind: "skew",
      target: clocks.pick(nodes(o)),
      byUs: sign * clocks.int(5_000_000, 20_000_000),
    });
  }
  // Now and then a node reboots, and the leading controller-manager stalls past its lease.
  const others = rng.fork("reboots-and-stalls");
  for (let at = others.int(2_000_000, 6_000_000); at < end - 1_000_000; at += others.int(3_000_000, 7_000_000)) {
    if (others.chance(0.5))
      faults.push({
        at,
        until: Math.min(at + others.int(200_000, 1_000_000), end),
        kind: "crash",
        target: others.pick(nodes(o)),
      });
    else
      faults.push({
        at,
        until: Math.min(at + others.int(1_500_000, 3_000_000), end),
        kind: "pause",
        target: "@kcm-leader",
      });
  }
  return faults.sort((a, b) => a.at - b.at);
}

export const nodeFailures: ScenarioDef<KubeOptions> = {
  name: "node-failures",
  description:
    "kubelets cut off past the node grace period and the pods' toleration (marked Unknown, tainted, their pods evicted and made again elsewhere), kubelets' clocks stepped back and forward by more than the grace period, node reboots and a stalled controller-manager leader; heal; every node Ready and untainted, the Deployment converged",
  resolve: (rng) => ({
    members: 3,
    apiservers: rng.int(1, 3),
    nodes: 4,
    faultPhaseUs: 20_000_000,
    livenessBoundUs: 20_000_000,
    manifests: [NGINX_MANIFEST],
    actions: [
      { at: 1_000_000, kind: "scale", deployment: "nginx", replicas: 5 },
      { at: 2_500_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
      { at: 15_000_000, kind: "scale", deployment: "nginx", replicas: 4 },
    ],
    mix: { meanGapUs: 1_000_000, minDurationUs: 100_000, maxDurationUs: 1_000_000, weights: {} },
    pauseSchedulerLeader: false,
    compactIntervalUs: 500_000,
    conflictWriters: 0,
    buggify: [],
    nodeLifecycle: { graceUs: NODE_GRACE_US, tolerationUs: NODE_TOLERATION_US },
  }),
  schedule: scheduleNodeFailures,
  execute: runKube,
  shrinkKnobs: [FAULT_PHASE_KNOB],
};
