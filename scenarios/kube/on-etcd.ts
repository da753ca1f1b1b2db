// What every Kubernetes scenario runs on its etcd side, whatever its workload: the online etcd checkers
// (Raft safety, the cross-member oracle, the committed-event log the apiservers' traffic is judged
// against), the control plane's symbolic fault targets, and the checks a Kubernetes run declares.
import type { ControllerProcess } from "../../core/kube/controller-manager.ts";
import { changeEvent } from "../../core/mvcc/key-history.ts";
import { DEFAULT_MAX_TXN_OPS } from "../../core/mvcc/index.ts";
import type { Event } from "../../core/mvcc/rpc.ts";
import { ConsistencyOracle } from "../../checkers/etcd/consistency.ts";
import { StoreReference } from "../../checkers/etcd/store-reference.ts";
import { WriteOnce } from "../../checkers/etcd/write-once.ts";
import { DEFAULT_EXPLAIN_US, checkKube } from "../../checkers/kube/index.ts";
import { DEFAULT_KUBELET_TIMING } from "../../core/kube/kubelet.ts";
import { RaftSafetyMonitor } from "../../checkers/raft/monitor.ts";
import { GracefulStopMonitor } from "../../checkers/etcd/graceful-stop.ts";
import { CheckQuorumMonitor } from "../../checkers/raft/check-quorum.ts";
import type { CheckResult } from "../../checkers/types.ts";
import type { EtcdTopology } from "../../harness/etcd/cluster.ts";
import type { startKubeCluster } from "../../harness/kube/cluster.ts";
import type { SimRun } from "../../harness/run/run.ts";
import { AppliedLog, checkApiserverEtcdTraffic } from "./etcd-checks.ts";
import { checkCompaction, type CompactionCheckInput } from "../../checkers/kube/compaction.ts";
import { checkContainerKills, type KillDelivered } from "../../checkers/kube/container-kills.ts";
import { checkGracePeriod } from "../../checkers/kube/grace-period.ts";

type KubeCluster = ReturnType<typeof startKubeCluster>;
type StoreFeed = (revision: number, events: readonly Event[]) => void;

export interface EtcdObservers {
  monitor: RaftSafetyMonitor;
  checkQuorum: CheckQuorumMonitor;
  gracefulStop: GracefulStopMonitor;
  oracle: ConsistencyOracle;
  reference: StoreReference;
  writeOnce: WriteOnce;
  applied: AppliedLog;
  /** Every process's crashes, restarts, pauses and resumes, in order. */
  lifecycle: CompactionCheckInput["lifecycle"][number][];
  /** The etcd client each apiserver incarnation made, in order (scenarios add them as they make them). */
  apiserverClients: { apiserver: string; client: number }[];
  /** Notes that `apiserver`'s new incarnation talks to etcd as `client`; answers `client`. */
  apiserverClient(apiserver: string, client: number): number;
  /** Adds a reader of every committed revision's events (the apiservers' watch cache is fed from here). */
  storeFeed(fn: StoreFeed): void;
}

/** Subscribes the online etcd checkers to the run's observer registry. */
export function observeEtcd(
  run: SimRun,
  opts: { quota?: boolean; tickUs?: number; electionTicks?: number; maxDriftPpm?: number } = {},
): EtcdObservers {
  const world = run.world;
  const monitor = new RaftSafetyMonitor();
  // The members' Raft timing (a member's defaults unless the scenario sets them).
  const tickUs = opts.tickUs ?? 10_000;
  const checkQuorum = new CheckQuorumMonitor({
    electionTimeoutUs: tickUs * (opts.electionTicks ?? 10),
    tickUs,
    ...(opts.maxDriftPpm !== undefined ? { maxDriftPpm: opts.maxDriftPpm } : {}),
  });
  const oracle = new ConsistencyOracle();
  const reference = new StoreReference({ maxTxnOps: DEFAULT_MAX_TXN_OPS, refusalsPossible: opts.quota === true });
  const writeOnce = new WriteOnce();
  const applied = new AppliedLog();
  const feeds: StoreFeed[] = [(revision, events) => applied.onCommit(revision, events)];
  run.observe.raftViews.on((view) => {
    monitor.observe(view.id, view, world.trace.count);
    checkQuorum.observe(view, world.now);
  });
  run.observe.applies.on((e) => {
    oracle.onApply(e);
    reference.onApply(e);
    writeOnce.onApply(e);
  });
  run.observe.recoveries.on((r) => oracle.onRestart(r.member, { index: r.index, revision: r.revision }));
  run.observe.commits.on((c) => {
    reference.onCommit(c.revision, c.keys, c.changes);
    const events = c.changes.map((ch, i) => changeEvent(c.keys[i]!, ch));
    for (const f of feeds) f(c.revision, events);
  });
  const lifecycle: EtcdObservers["lifecycle"] = [];
  const apiserverClients: EtcdObservers["apiserverClients"] = [];
  // Members are n1, n2, …: their graceful stops must end in an exit within etcd's bound.
  const gracefulStop = new GracefulStopMonitor((p) => /^n\d+$/.test(p), {
    // The members' default request timeout (1 s) and two election timeouts.
    requestTimeoutUs: 1_000_000 + 2 * tickUs * (opts.electionTicks ?? 10),
  });
  // Roles matter only while a member is stopping: the Raft views are followed from the first stop on.
  let followingRoles = false;
  run.observe.stops.on((ev) => {
    if (!followingRoles) {
      followingRoles = true;
      run.observe.raftViews.on((view) => gracefulStop.onRole(view.id, view.role === "leader"));
    }
    gracefulStop.onStop(ev);
  });
  run.observe.lifecycle.on((ev) => {
    if (ev.kind === "crash") monitor.onCrash(ev.process);
    checkQuorum.onLifecycle(ev.process, ev.kind, ev.time);
    gracefulStop.onLifecycle(ev.process, ev.kind, ev.time);
    lifecycle.push({ time: ev.time, process: ev.process, kind: ev.kind });
  });
  return {
    monitor,
    checkQuorum,
    gracefulStop,
    oracle,
    reference,
    writeOnce,
    applied,
    lifecycle,
    apiserverClients,
    apiserverClient: (apiserver, client) => {
      apiserverClients.push({ apiserver, client });
      return client;
    },
    storeFeed: (fn) => feeds.push(fn),
  };
}

/** "@scheduler-leader", "@scheduler-apiserver" (the apiserver it talks to), "@kcm-leader" and "@leader" (etcd's). */
export function controlPlaneTargets(
  run: SimRun,
  etcd: EtcdTopology,
  cluster: KubeCluster,
): (name: string) => string | undefined {
  return (name) => {
    if (name === "@scheduler-leader") return cluster.leaderOf("kube-system/kube-scheduler");
    if (name === "@kcm-leader") return cluster.leaderOf("kube-system/kube-controller-manager");
    if (name === "@scheduler-apiserver") {
      const leader = cluster.leaderOf("kube-system/kube-scheduler");
      return leader === undefined
        ? undefined
        : (run.world.process(leader).actor as ControllerProcess | undefined)?.client.apiserver;
    }
    if (name === "@leader") return etcd.members.find((m) => etcd.member(m)?.driver.status().role === "leader");
    return undefined;
  };
}

/**
 * The checks of a Kubernetes run, in report order: assertions, Raft safety, CheckQuorum, cross-member, store-reference,
 * write-once, incarnations,
 * the apiservers' etcd traffic, the kube-* checkers; and kube-liveness failed with `pending()` when the
 * run did not converge and no checker already said so.
 */
export function controlPlaneChecks(
  run: SimRun,
  observers: EtcdObservers,
  cluster: KubeCluster,
  o: {
    livenessBoundUs: number;
    explainUs?: number;
    /** The apiservers' compaction period (0: none), and the run's fastest and slowest clock drift. */
    compactIntervalUs: number;
    drift: { maxPpm: number; minPpm: number };
  },
  outcome: { converged: () => boolean; pending: () => string[] },
): (() => CheckResult | readonly CheckResult[] | undefined)[] {
  const kills: KillDelivered[] = [];
  run.observe.signals.on((ev) => {
    if (ev.signal === "container-kill")
      kills.push({ time: ev.time, node: ev.process, at: cluster.observations().nodeEvents?.length ?? 0 });
  });
  return [
    () => run.assertions(),
    () => observers.monitor.result(),
    () => observers.checkQuorum.result(),
    () => observers.gracefulStop.result(run.world.now),
    () => observers.oracle.result(),
    () => observers.reference.result(),
    () => observers.writeOnce.result(run.recorder.operations),
    () => run.incarnations(),
    () => checkApiserverEtcdTraffic(run.recorder, observers.applied),
    () => (kills.length > 0 ? checkContainerKills(cluster.observations().nodeEvents ?? [], kills) : undefined),
    () =>
      checkGracePeriod({
        observations: cluster.observations(),
        lifecycle: observers.lifecycle,
        end: run.world.now,
        minDriftPpm: o.drift.minPpm,
      }),
    () =>
      o.compactIntervalUs > 0
        ? checkCompaction({
            events: cluster.observations().compactor ?? [],
            operations: run.recorder.operations,
            clients: observers.apiserverClients,
            lifecycle: observers.lifecycle,
            intervalUs: o.compactIntervalUs,
            end: run.world.now,
            maxDriftPpm: o.drift.maxPpm,
            minDriftPpm: o.drift.minPpm,
          })
        : undefined,
    () => {
      const faults = run.faultWindows();
      const timing = { healedAt: run.healedAt, at: run.world.now, boundUs: o.livenessBoundUs };
      const kube = checkKube(
        cluster.observations(),
        { input: cluster.convergence(), timing },
        {
          faults,
          ...(o.explainUs !== undefined ? { explainUs: o.explainUs } : {}),
          // A killed container's pod is unready through the kubelet's back-off and the container's start.
          explainKillUs:
            (o.explainUs ?? DEFAULT_EXPLAIN_US) +
            DEFAULT_KUBELET_TIMING.restartBackoffUs[1] +
            DEFAULT_KUBELET_TIMING.startDelayUs[1],
        },
      );
      if (!outcome.converged() && !kube.some((c) => c.name === "kube-liveness" && c.verdict === "fail")) {
        const pending = outcome.pending();
        kube.push({
          name: "kube-liveness",
          verdict: "fail",
          message: `pending ${o.livenessBoundUs / 1000}ms after heal: ${pending.join("; ")}`,
          evidence: { pending },
        });
      }
      return kube;
    },
  ];
}
