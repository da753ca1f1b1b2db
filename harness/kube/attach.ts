// A Kubernetes control plane attached to an etcd cluster some other topology built (e.g. the kv
// scenarios): apiservers with their own etcd clients, informers, controllers and kubelets on the
// same simulated members, sharing the run's client history. watch-compaction uses it so informers
// meet "resource version too old".
import type { BugSet } from "../../core/bugs.ts";
import { EtcdClient } from "../../core/etcd/client.ts";
import { changeEvent } from "../../core/mvcc/key-history.ts";
import type { Event } from "../../core/mvcc/rpc.ts";
import { checkKube } from "../../checkers/kube/index.ts";
import { checkCompaction, type CompactionCheckInput } from "../../checkers/kube/compaction.ts";
import { checkGracePeriod } from "../../checkers/kube/grace-period.ts";
import type { CheckResult } from "../../checkers/types.ts";
import type { SimRun } from "../run/run.ts";
import { startKubeCluster, type KubeCluster } from "./cluster.ts";
import { NGINX_MANIFEST } from "./manifests.ts";
import type { WorkloadAction } from "./workload.ts";

export interface AttachedKube {
  cluster: KubeCluster;
  checks(timing: { healedAt: number; at: number; boundUs: number }): CheckResult[];
}

export function attachKube(
  run: SimRun,
  members: readonly string[],
  opts: {
    bugs: BugSet;
    compactIntervalUs: number;
    actions?: WorkloadAction[];
    /** The run's fastest and slowest clock drift (ppm), for kube-compaction and kube-grace-period. */
    drift?: { maxPpm: number; minPpm: number };
  },
): AttachedKube {
  const lifecycle: CompactionCheckInput["lifecycle"][number][] = [];
  run.observe.lifecycle.on((ev) => lifecycle.push({ time: ev.time, process: ev.process, kind: ev.kind }));
  const clients: CompactionCheckInput["clients"][number][] = [];
  const feeds: ((revision: number, events: readonly Event[]) => void)[] = [];
  // Every committed revision's events, from the first member to apply it.
  run.observe.commits.on((c) => {
    const events = c.changes.map((ch, i) => changeEvent(c.keys[i]!, ch));
    for (const f of feeds) f(c.revision, events);
  });
  let clientId = 1000;
  const cluster = startKubeCluster(run.world, {
    bugs: opts.bugs,
    apiservers: 2,
    nodes: 3,
    etcdClientFor: (id, env) => {
      clients.push({ apiserver: id, client: clientId });
      return new EtcdClient(env, {
        clientId: clientId++,
        members,
        requestTimeoutUs: 1_000_000,
        streamTimeoutUs: 1_000_000,
        recorder: run.recorder,
      });
    },
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
    // The run's faults excuse a shortfall of ready pods right after them, as in the Kubernetes scenarios:
    // without them every fault-made shortfall was a kube-min-available failure (watch-compaction seed 4431).
    checks: (timing) => [
      ...checkKube(cluster.observations(), { input: cluster.convergence(), timing }, { faults: run.faultWindows() }),
      ...(opts.compactIntervalUs > 0
        ? [
            checkCompaction({
              events: cluster.observations().compactor ?? [],
              operations: run.recorder.operations,
              clients,
              lifecycle,
              intervalUs: opts.compactIntervalUs,
              end: timing.at,
              maxDriftPpm: opts.drift?.maxPpm ?? 0,
              minDriftPpm: opts.drift?.minPpm ?? 0,
            }),
          ]
        : []),
      checkGracePeriod({
        observations: cluster.observations(),
        lifecycle,
        end: timing.at,
        minDriftPpm: opts.drift?.minPpm ?? 0,
      }),
    ],
  };
}
