// terminating-pods: graceful deletion at work. nginx's pods get a 2 s termination grace period, so a
// delete marks a pod terminating (deletionTimestamp, deletionGracePeriodSeconds) and its kubelet stops
// the container and then removes the pod; the ReplicaSet replaces a terminating pod at once (it no
// longer counts it), while the pod keeps its place on its node until it is gone. An operator deletes
// every nginx pod with `kubectl delete pods -l app=nginx --grace-period=2`, deletes them again while
// they terminate (the same period must change nothing), then hurries them with a period of 1, on top of
// a scale up, an image rollout and a scale down, under deployment-rollout's faults: kubelets reboot with
// pods terminating on them (the new kubelet finds nothing running and removes them), apiservers pause
// mid-delete, leaders stall. The example drain controller (core/kube/examples/drain.ts) holds every nginx
// pod with a finalizer, released once the pod's kubelet is done with it and the release is on record.
// kube-graceful-delete holds every deadline to what Kubernetes' BeforeDelete
// allows (it only moves earlier, and never goes away) and every finalizer to its promise (nothing removed
// while one is on it, none added once terminating); the run converges only once no pod on a node that is
// up is still terminating.
import type { ScenarioDef } from "../types.ts";
import type { WorkloadAction } from "../../harness/kube/workload.ts";
import { deploymentManifest } from "../../harness/kube/manifests.ts";
import { deploymentRollout, FAULT_PHASE_KNOB, runKube, type KubeOptions } from "./scenarios.ts";

/** The pods' terminationGracePeriodSeconds (Kubernetes' default is 30 s; runs here last seconds). */
export const TERMINATION_GRACE_SECONDS = 2;

const FLOW: readonly WorkloadAction[] = [
  { at: 1_000_000, kind: "scale", deployment: "nginx", replicas: 5 },
  { at: 2_000_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
  { at: 3_500_000, kind: "delete-pods", selector: "app=nginx", gracePeriodSeconds: TERMINATION_GRACE_SECONDS },
  { at: 4_100_000, kind: "delete-pods", selector: "app=nginx", gracePeriodSeconds: TERMINATION_GRACE_SECONDS },
  { at: 4_700_000, kind: "delete-pods", selector: "app=nginx", gracePeriodSeconds: 1 },
  { at: 5_500_000, kind: "scale", deployment: "nginx", replicas: 3 },
];

export const terminatingPods: ScenarioDef<KubeOptions> = {
  name: "terminating-pods",
  description:
    "nginx's pods with a 2 s termination grace period, deleted by an operator, deleted again while terminating, hurried with a shorter period, through a scale up, a rollout and a scale down, under deployment-rollout's faults, each held by an example controller's finalizer until its kubelet is done; every deletion deadline only ever moves earlier, and no pod goes while a finalizer is on it",
  resolve: (rng) => ({
    ...deploymentRollout.resolve(rng),
    manifests: [deploymentManifest("default", "nginx", 3, "nginx:1.25", TERMINATION_GRACE_SECONDS)],
    actions: [...FLOW],
    drainFinalizer: true,
  }),
  schedule: deploymentRollout.schedule,
  execute: runKube,
  shrinkKnobs: [FAULT_PHASE_KNOB],
};
