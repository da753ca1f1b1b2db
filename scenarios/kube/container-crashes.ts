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
import { FAULT_PHASE_KNOB, runKube, smokeFlow, type KubeOptions } from "./scenarios.ts";

const nodes = (o: KubeOptions) => Array.from({ length: o.nodes }, (_, i) => `node-${i + 1}`);

export const containerCrashes: ScenarioDef<KubeOptions> = {
  name: "container-crashes",
  description:
    "the pods' containers die again and again (a container kill on a random node every half second or so, one in seven a reboot of the node) through kube-smoke's rollouts and scales, and nothing else fails: each kubelet reports a dead container's pod not ready at once and restarts it after its back-off",
  resolve: (rng) => ({
    ...smokeFlow(rng),
    // Now and then a whole node reboots (a crash of its kubelet: its containers die with it).
    mix: {
      meanGapUs: rng.int(300_000, 800_000),
      minDurationUs: 200_000,
      maxDurationUs: 1_000_000,
      weights: { "container-kill": 6, crash: 1 },
    },
  }),
  schedule: (rng: Rng, o) => generateSchedule(rng, o.mix, nodes(o), 1_000_000, o.faultPhaseUs),
  execute: runKube,
  shrinkKnobs: [FAULT_PHASE_KNOB],
};
