// container-crashes: the pods' containers die again and again — the most common failure a Kubernetes
// cluster sees — and nothing else goes wrong but a node's reboot now and then. The Deployment flow of
// kube-smoke (nginx ×3, an image rollout, a scale to 5, another rollout, a scale to 4) while the nemesis
// kills a running container on a random node every half second or so, and one kill in seven is a reboot
// of the node instead (its kubelet crashes for 0.2–1 s; every container on it dies). Each kubelet must
// report a pod whose container died not ready at once — a rebooted one as soon as it is back — and start
// the container again after its back-off (1 s, doubling to 8 s); kube-ready-truthful holds every
// readiness report to the node's container runtime, with no other fault to excuse a late one, and
// kube-min-available forgives a dip only within 3 s of a kill or reboot.
import { generateSchedule } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ScenarioDef } from "../types.ts";
import { NGINX_MANIFEST, runKube, type KubeOptions } from "./scenarios.ts";

const nodes = (o: KubeOptions) => Array.from({ length: o.nodes }, (_, i) => `node-${i + 1}`);

export const containerCrashes: ScenarioDef<KubeOptions> = {
  name: "container-crashes",
  description:
    "the pods' containers die again and again (a container kill on a random node every half second or so, one in seven a reboot of the node) through kube-smoke's rollouts and scales, and nothing else fails: each kubelet reports a dead container's pod not ready at once and restarts it after its back-off",
  resolve: (rng) => ({
    members: 3,
    apiservers: rng.int(1, 3),
    nodes: 3,
    faultPhaseUs: 6_500_000,
    livenessBoundUs: 15_000_000,
    manifests: [NGINX_MANIFEST],
    actions: [
      { at: 2_000_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
      { at: 3_500_000, kind: "scale", deployment: "nginx", replicas: 5 },
      { at: 4_500_000, kind: "image", deployment: "nginx", image: "nginx:1.27" },
      { at: 5_500_000, kind: "scale", deployment: "nginx", replicas: 4 },
    ],
    // Now and then a whole node reboots (a crash of its kubelet: its containers die with it).
    mix: {
      meanGapUs: rng.int(300_000, 800_000),
      minDurationUs: 200_000,
      maxDurationUs: 1_000_000,
      weights: { "container-kill": 6, crash: 1 },
    },
    pauseSchedulerLeader: false,
    compactIntervalUs: 500_000,
    conflictWriters: 0,
    buggify: [],
  }),
  schedule: (rng: Rng, o) => generateSchedule(rng, o.mix, nodes(o), 1_000_000, o.faultPhaseUs),
  execute: runKube,
  shrinkKnobs: [
    {
      name: "faultPhaseMs",
      min: 2_000,
      get: (o) => Math.round(o.faultPhaseUs / 1000),
      set: (o, v) => ({ ...o, faultPhaseUs: v * 1000 }),
    },
  ],
};
