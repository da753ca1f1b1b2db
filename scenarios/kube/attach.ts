// A Kubernetes control plane attached to an etcd cluster some other harness built (e.g. the kv
// scenarios): apiservers with their own etcd clients, informers, controllers and kubelets on the
// same simulated members. watch-compaction uses it so informers meet "resource version too old".
import type { BugSet } from "../../core/bugs.ts";
import { EtcdClient, type HistoryRecorder } from "../../core/etcd/client.ts";
import { startKubeCluster, type KubeCluster } from "../../harness/kube/cluster.ts";
import type { WorkloadAction } from "../../harness/kube/workload.ts";
import type { Event } from "../../core/mvcc/rpc.ts";
import { checkKube } from "../../checkers/kube/index.ts";
import type { CheckResult } from "../../checkers/types.ts";
import type { World } from "../../sim/world.ts";
import { NGINX_MANIFEST } from "./scenarios.ts";

export interface AttachedKube {
  cluster: KubeCluster;
  /** Feed every committed revision's events (from the first member to apply it). */
  onCommit(revision: number, events: readonly Event[]): void;
  checks(timing: { healedAt: number; at: number; boundUs: number }): CheckResult[];
}

export function attachKube(world: World, members: readonly string[], opts: {
  bugs: BugSet;
  recorder: HistoryRecorder;
  compactIntervalUs: number;
  actions?: WorkloadAction[];
}): AttachedKube {
  const feeds: ((revision: number, events: readonly Event[]) => void)[] = [];
  let clientId = 1000;
  const cluster = startKubeCluster(world, {
    bugs: opts.bugs,
    apiservers: 2,
    nodes: 3,
    etcdClientFor: (_id, env) => new EtcdClient(env, { clientId: clientId++, members, requestTimeoutUs: 1_000_000, streamTimeoutUs: 1_000_000, recorder: opts.recorder }),
    storeFeed: (fn) => feeds.push(fn),
    manifests: [NGINX_MANIFEST],
    actions: opts.actions ?? [
      { at: 800_000, kind: "scale", deployment: "nginx", replicas: 5 },
      { at: 1_800_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
    ],
    timing: { apiserver: { compactIntervalUs: opts.compactIntervalUs } },
  });
  return {
    cluster,
    onCommit: (revision, events) => { for (const f of feeds) f(revision, events); },
    checks: (timing) => checkKube(cluster.observations(), { input: cluster.convergence(), timing }),
  };
}
