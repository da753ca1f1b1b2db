// The Kubernetes control plane on (simulated) etcd: what scenarios and users call.
export { startKubeCluster, type KubeCluster, type KubeClusterOptions, type KubeHost, type KubeProcesses, type KubeTiming } from "./cluster.ts";
export { defineController, type CacheReader, type ControllerDef, type ReconcileContext, type Reconciled, type Write } from "./controller.ts";
export { parseManifests, validateManifest, ManifestError } from "./manifest.ts";
export { workloadSteps, expectedDeployments, describeStep, type WorkloadAction, type WorkloadStep, type ExpectedDeployment } from "./workload.ts";
export { KubeRecorder, type KubeObservations, type ObjectVersion, type AckedWrite, type InformerObservation, type LeaderAct, type LeaderChange } from "./observations.ts";
export { pendingOf, type ConvergenceInput } from "./pending.ts";
export { FakeEtcd, type FakeEtcdOptions } from "./testing/fake-etcd.ts";
export { startFakeKubeCluster, NGINX } from "./testing/fake-cluster.ts";
export { readyCountController } from "./examples/ready-count.ts";
export * from "./types.ts";
