// A Kubernetes observation log for checker tests: empty but for what a test gives (nodes default to
// two), so each test writes only the observations its rule reads.
import type { KubeObservations } from "../../core/kube/observations.ts";

export const kubeLog = (o: Partial<KubeObservations> = {}): KubeObservations => ({
  nodes: ["node-1", "node-2"],
  versions: [],
  writes: [],
  observed: [],
  acts: [],
  leaders: [],
  actions: [],
  ...o,
});
