// A Kubernetes control plane on the fake etcd: what unit tests (and quick experiments) use instead
// of the Raft cluster. The store feed is wired, so checkers see every committed object version.
import {
  startKubeCluster,
  type KubeCluster,
  type KubeClusterOptions,
  type KubeHost,
} from "../../harness/kube/cluster.ts";
import { FakeEtcd, type FakeEtcdOptions } from "./fake-etcd.ts";

export interface FakeKubeCluster {
  etcd: FakeEtcd;
  cluster: KubeCluster;
}

export function startFakeKubeCluster(
  host: KubeHost,
  opts: Omit<KubeClusterOptions, "etcdClientFor" | "storeFeed"> & { etcd?: FakeEtcdOptions } = {},
): FakeKubeCluster {
  const { etcd: etcdOpts, ...rest } = opts;
  const etcd = new FakeEtcd(etcdOpts);
  const cluster = startKubeCluster(host, {
    ...rest,
    etcdClientFor: (_id, env) => etcd.client(env),
    storeFeed: (fn) => etcd.onCommit(fn),
  });
  return { etcd, cluster };
}

export const NGINX = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
`;
