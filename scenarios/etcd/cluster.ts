// The etcd scenarios' run, declared on the harness (harness/run): the topology (members n1..nN and
// spares, optionally a Kubernetes control plane on them), the workload (clients c1..cK, a membership
// operator), the checkers subscribed to the run's observers, the phases (faults → heal → liveness
// with a probe) and the checks over what was recorded.
import type { BugSet } from "../../core/bugs.ts";
import type { BuggifySite } from "../../core/buggify.ts";
import { DEFAULT_LEASE_CHECK_US, DEFAULT_MAX_REQUEST_BYTES } from "../../core/etcd/member.ts";
import { DEFAULT_MAX_TXN_OPS } from "../../core/mvcc/index.ts";
import { workloadClient, DEFAULT_WORKLOAD, type TrafficMix } from "../../harness/etcd/workload.ts";
import { membershipOperator, type MembershipStep, type OperatorState } from "../../harness/etcd/membership.ts";
import { memberNames, startEtcdCluster, storeHash, symbolicTargets } from "../../harness/etcd/cluster.ts";
import { spawnProbe, type Probe } from "../../harness/etcd/probe.ts";
import { attachKube } from "../../harness/kube/attach.ts";
import { SimRun } from "../../harness/run/run.ts";
import { RaftSafetyMonitor } from "../../checkers/raft/monitor.ts";
import { CheckQuorumMonitor } from "../../checkers/raft/check-quorum.ts";
import { ReconfigHealthMonitor } from "../../checkers/etcd/reconfig-health.ts";
import { WriteOnce } from "../../checkers/etcd/write-once.ts";
import { StoreReference } from "../../checkers/etcd/store-reference.ts";
import { ConsistencyOracle } from "../../checkers/etcd/consistency.ts";
import { checkEtcdHistory } from "../../checkers/linearizability/check-etcd.ts";
import { judgedAsSystemOutput, OnlineWatchChecker } from "../../checkers/watch/index.ts";
import { type FaultEvent, type FaultMix, maxDriftPpm, minDriftPpm } from "../../sim/nemesis.ts";
import type { ScenarioOutcome } from "../types.ts";
import { LeaseExpiry } from "../../checkers/etcd/lease-expiry.ts";
import { checkResponsive } from "../../checkers/etcd/responsive.ts";
import { LeaseSafety } from "../../checkers/etcd/lease-safety.ts";
import { LeaseKeys } from "../../checkers/etcd/lease-keys.ts";
import { type AppliedChange, type Config, checkMembership, configChanges } from "../../checkers/etcd/membership.ts";
import { startLatencyLog, stopLatencyLog } from "../../core/metrics/latency.ts";
import { MoveLeaderMonitor, type MoveLeaderCall } from "../../checkers/etcd/move-leader.ts";
import { GracefulStopMonitor } from "../../checkers/etcd/graceful-stop.ts";
import { leaderMover } from "../../harness/etcd/leader-mover.ts";
import { kvLatencyReport } from "../../harness/metrics/kv.ts";
import { applyLatencyOptions, type LatencyOptions } from "../../sim/latency-options.ts";

export { memberNames, symbolicTargets };

export interface KvOptions extends Record<string, unknown> {
  members: number;
  clients: number;
  keys: number;
  /** Virtual µs of workload + faults before heal. */
  faultPhaseUs: number;
  /** After heal: the bound within which the cluster must converge and serve a probe. */
  livenessBoundUs: number;
  /**
   * The liveness probe also grants a lease and keeps it alive (answered with its full TTL), and watches its
   * write from the write's revision until the write and then a progress notification arrive: what a healed
   * cluster must serve that no safety check can miss when it does not.
   */
  probeLeaseAndWatch: boolean;
  /** With no faults and no BUGGIFY points: every client operation is answered within this long of its call (absent: not judged). */
  responsiveUs?: number;
  thinkUs: number;
  traffic: TrafficMix;
  compaction: boolean;
  compactEveryUs: number;
  tickUs: number;
  electionTicks: number;
  /** Raft: MsgApps in flight per follower, and entries per MsgApp (small values stretch replication out). */
  maxInflight: number;
  maxEntriesPerMsg: number;
  /** The leader sends while its own fsync is in flight (etcd's behaviour); false: it syncs first. */
  leaderSendsBeforeSync: boolean;
  /** Raft's pre-vote (etcd's --pre-vote; 3.5's default, false in 3.4). */
  preVote: boolean;
  snapshotEvery: number;
  requestTimeoutUs: number;
  leaseTtlSec: number;
  /** etcd's lease checkpoints every this many µs (absent or 0: off, etcd's default). */
  leaseCheckpointIntervalUs?: number;
  /** The chance that a client holding leases grants another rather than reusing one (workload). */
  leaseGrantP: number;
  /** The chance a lease grant names its own ID (workload; absent: never). */
  explicitLeaseIdP?: number;
  mix: FaultMix;
  /** Network base latency and jitter between all processes. */
  latencyUs: number;
  jitterUs: number;
  lossP: number;
  compactLag: number;
  watchLifeUs: [number, number];
  watchBacklog: number;
  /** The chance a client's watch filters out puts or deletes (NOPUT / NODELETE). */
  watchFilterP: number;
  /** The chance a client's watch covers a single key, a key range or every key from one on, not the prefix (absent: 0). */
  watchRangeP?: number;
  /**
   * Also run a Kubernetes control plane (apiservers, informers, controllers, kubelets) on the same
   * members, sharing the client history, so informers meet compaction ("resource version too old").
   */
  kube: boolean;
  /** BUGGIFY fault points enabled for this run (core/buggify.ts). */
  buggify: BuggifySite[];
  /** Linearizability search budget (deterministic steps). */
  maxCheckSteps: number;
  /**
   * Members started outside the initial configuration (n(members+1)…), waiting to be added; with a
   * membership plan, an operator process walks it through etcd's Cluster service during the run.
   */
  spares: number;
  membership: MembershipStep[];
  /**
   * An operator runs `etcdctl move-leader` every `everyUs` (jittered) of the fault phase, naming a voter,
   * or with `strangerP` a name that is no member; the check etcd-move-leader judges the answers.
   */
  leaderMoves?: { everyUs: number; strangerP: number };
  /**
   * etcd's limits (etcd's defaults unless a scenario draws small ones, so sweeps cross them): revisions
   * per catch-up watch response, --max-request-bytes, --max-txn-ops; and the workload's side: the
   * `limit` of listings, the most operations per Txn, how often a put carries a value of bigValueBytes.
   */
  watchBatchMaxRevs: number;
  maxRequestBytes: number;
  maxTxnOps: number;
  listLimit: number;
  txnMaxOps: number;
  bigValueP: number;
  bigValueBytes: number;
}

/**
 * `responsive`'s bound holds for the Raft tuning, network and disks it was set for (the defaults), so it is
 * judged only there. Otherwise a correct cluster may answer late or never: a BUGGIFY point delays answers,
 * background loss leaves a request to its timeout, a disk profile's fsyncs take what its law draws (a
 * noisy neighbour's stall outlasts the request timeout), a slower network or smaller Raft batches stretch
 * every round trip, and frequent snapshots reach a follower that lags by a few entries: the write it
 * forwarded, covered by the snapshot, is never applied there one by one, and its waiter (as etcd's) waits
 * out the request timeout.
 */
const RESPONSIVE_AS_SET = [
  "tickUs",
  "electionTicks",
  "maxInflight",
  "maxEntriesPerMsg",
  "leaderSendsBeforeSync",
  "preVote",
  "snapshotEvery",
  "lossP",
] as const;

function responsiveAsSet(o: KvOptions): boolean {
  return (
    RESPONSIVE_AS_SET.every((k) => o[k] === KV_DEFAULTS[k]) &&
    o.buggify.length === 0 &&
    o.latencyUs + o.jitterUs <= KV_DEFAULTS.latencyUs + KV_DEFAULTS.jitterUs &&
    (o as LatencyOptions).disk === undefined
  );
}

export const KV_DEFAULTS: KvOptions = {
  members: 3,
  clients: 4,
  keys: 6,
  faultPhaseUs: 3_000_000,
  livenessBoundUs: 10_000_000,
  probeLeaseAndWatch: false,
  thinkUs: 30_000,
  traffic: DEFAULT_WORKLOAD.mix,
  compaction: true,
  compactEveryUs: 400_000,
  tickUs: 10_000,
  electionTicks: 10,
  maxInflight: 256,
  maxEntriesPerMsg: 64,
  leaderSendsBeforeSync: true,
  preVote: true,
  snapshotEvery: 100,
  requestTimeoutUs: 1_000_000,
  leaseTtlSec: 2,
  leaseGrantP: 0.3,
  latencyUs: 1_000,
  jitterUs: 1_000,
  lossP: 0,
  mix: { meanGapUs: 400_000, minDurationUs: 100_000, maxDurationUs: 800_000, weights: {} },
  kube: false,
  buggify: [],
  compactLag: 20,
  watchLifeUs: [100_000, 600_000],
  watchBacklog: 5,
  watchFilterP: 0,
  maxCheckSteps: 5_000_000,
  spares: 0,
  membership: [],
  watchBatchMaxRevs: 1000,
  maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
  maxTxnOps: DEFAULT_MAX_TXN_OPS,
  listLimit: 3,
  txnMaxOps: 2,
  bigValueP: 0,
  bigValueBytes: 0,
};

/** worldOpts: tests only (e.g. a world that delivers across incarnations, to show the check catches it). */
export function runKvCluster(
  input: { seed: number; bugs: BugSet; options: KvOptions; faults: FaultEvent[]; keepTrace: boolean },
  worldOpts: { deliverAcrossIncarnations?: boolean } = {},
): ScenarioOutcome {
  const o = input.options;
  const run = new SimRun({
    ...worldOpts,
    seed: input.seed,
    keepTrace: input.keepTrace,
    link: { latencyUs: o.latencyUs, jitterUs: o.jitterUs, lossP: o.lossP },
    ...(o.buggify.length ? { buggify: { sites: o.buggify, p: 0.02 } } : {}),
  });
  const world = run.world;
  const latency = startLatencyLog(() => world.now, run.columnStore); // latency: a side channel (core/metrics/latency.ts)

  // The checkers, subscribed to what they observe online.
  const monitor = new RaftSafetyMonitor(run.columnStore);
  const checkQuorum = new CheckQuorumMonitor({
    electionTimeoutUs: o.tickUs * o.electionTicks,
    tickUs: o.tickUs,
    maxDriftPpm: maxDriftPpm(input.faults),
  });
  const oracle = new ConsistencyOracle(run.columnStore);
  const leaseSafety = new LeaseSafety();
  const leaseKeys = new LeaseKeys();
  const leaseExpiry = new LeaseExpiry({
    extendUs: o.tickUs * o.electionTicks,
    checkUs: DEFAULT_LEASE_CHECK_US,
    checkpointIntervalUs: o.leaseCheckpointIntervalUs ?? 0,
  });
  // The watch streams are judged as they end, against the changes committed so far (memory flat in
  // run length). With Kubernetes attached its etcd checks read every record, so all are kept.
  const watches = new OnlineWatchChecker(run.recorder.watches, o.kube ? { keepResponses: Infinity } : {});
  run.recorder.watchSink = watches;
  run.observe.raftViews.on((view) => {
    monitor.observe(view.id, view, world.trace.count);
    checkQuorum.observe(view, world.now);
    leaseExpiry.onRole(view.id, view.term, view.role === "leader");
  });
  // With an operator: the strict reconfiguration check on every change a leader proposes.
  const reconfigHealth =
    o.membership.length > 0
      ? new ReconfigHealthMonitor({
          electionTimeoutUs: o.tickUs * o.electionTicks,
          tickUs: o.tickUs,
          maxDriftPpm: maxDriftPpm(input.faults),
        })
      : undefined;
  if (reconfigHealth !== undefined) {
    run.observe.raftViews.on((view) => reconfigHealth.observe(view, world.now));
    run.observe.memberChanges.on((e) =>
      e.refused === true
        ? reconfigHealth.onRefused(e.member, e.op, e.id, e.time)
        : reconfigHealth.onProposed(e.member, e.op, e.id, e.time),
    );
  }
  // With an operator: every configuration change some member applied first, for the membership check.
  const applied: AppliedChange[] = [];
  if (o.membership.length > 0) {
    let config: Config | undefined;
    let configIndex = -1;
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
    run.observe.raftViews.on((view) => {
      // configIndex moves with every apply; the configuration itself seldom.
      if (view.configIndex <= configIndex) return;
      configIndex = view.configIndex;
      if (config !== undefined && same(config.voters, view.voters) && same(config.learners, view.learners)) return;
      const next: Config = { voters: [...view.voters], learners: [...view.learners] };
      if (config !== undefined)
        for (const c of configChanges(config, next)) applied.push({ ...c, time: world.now, index: view.configIndex });
      config = next;
    });
  }
  const reference = new StoreReference({ maxTxnOps: o.maxTxnOps });
  const writeOnce = new WriteOnce();
  run.observe.applies.on((e) => {
    oracle.onApply(e);
    reference.onApply(e);
    writeOnce.onApply(e);
    leaseExpiry.onApply(e.member, e.index, e.term, e.payload, e.time);
  });
  run.observe.recoveries.on((r) => oracle.onRestart(r.member, { index: r.index, revision: r.revision }));
  run.observe.commits.on(({ revision, keys, changes }) => {
    reference.onCommit(revision, keys, changes);
    leaseKeys.onCommit(revision, keys, changes);
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      const key = keys[i]!;
      if (c.version === 0) watches.onAppliedChange(revision, "DELETE", key, undefined, undefined);
      else watches.onAppliedChange(revision, "PUT", key, c.value, c.lease);
      if (c.version === 0) leaseSafety.onDelete(key, revision, world.now);
    }
    watches.endRevision();
  });
  run.observe.leaseExpiries.on((e) => {
    leaseSafety.onExpire(e.member, e.ids, e.time);
    leaseExpiry.onExpire(e.ids, e.time);
  });
  run.observe.lifecycle.on((ev) => {
    if (ev.kind === "crash") monitor.onCrash(ev.process);
    checkQuorum.onLifecycle(ev.process, ev.kind, ev.time);
  });
  // Graceful stops of members: each must end in an exit within etcd's bound.
  const gracefulStop = new GracefulStopMonitor((p) => /^n\d+$/.test(p), {
    requestTimeoutUs: o.requestTimeoutUs + 2 * o.tickUs * o.electionTicks,
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
  run.observe.lifecycle.on((ev) => gracefulStop.onLifecycle(ev.process, ev.kind, ev.time));
  // With a leader-moving operator: who led when, for the move-leader check.
  const moveLeader = o.leaderMoves !== undefined ? new MoveLeaderMonitor() : undefined;
  const moveCalls: MoveLeaderCall[] = [];
  if (moveLeader !== undefined) {
    run.observe.raftViews.on((view) => moveLeader.observe(view, world.now));
    run.observe.lifecycle.on((ev) => {
      if (ev.kind === "crash") moveLeader.onCrash(ev.process, ev.time);
    });
  }

  // The topology: the members (spares start outside the configuration), and Kubernetes on them.
  const etcd = startEtcdCluster(run, {
    members: o.members,
    spares: o.spares,
    options: {
      bugs: input.bugs,
      tickUs: o.tickUs,
      electionTicks: o.electionTicks,
      snapshotEvery: o.snapshotEvery,
      maxInflight: o.maxInflight,
      maxEntriesPerMsg: o.maxEntriesPerMsg,
      leaderSendsBeforeSync: o.leaderSendsBeforeSync,
      preVote: o.preVote,
      proposalTimeoutUs: o.requestTimeoutUs,
      watchBatchMaxRevs: o.watchBatchMaxRevs,
      maxRequestBytes: o.maxRequestBytes,
      maxTxnOps: o.maxTxnOps,
      ...(o.leaseCheckpointIntervalUs ? { leaseCheckpointIntervalUs: o.leaseCheckpointIntervalUs } : {}),
    },
  });
  const { members, processes, member } = etcd;
  run.keepTimeline(processes);
  // latency: the disk latency option (absent: nothing changes).
  applyLatencyOptions(world, processes, o as LatencyOptions, () =>
    processes.find((m) => member(m)?.driver.status().role === "leader"),
  );
  const kube = o.kube
    ? attachKube(run, members, {
        bugs: input.bugs,
        compactIntervalUs: o.compactEveryUs,
        drift: { maxPpm: maxDriftPpm(input.faults), minPpm: minDriftPpm(input.faults) },
      })
    : undefined;
  run.scheduleFaults(input.faults, o, () => processes, symbolicTargets(world, processes));

  // The workload starts once the members have elected a first leader (bounded): requests sent before
  // that only fail over from member to member and time out, and would open every history with
  // writes of unknown outcome.
  world.runUntilPredicate(etcd.hasLeader, Math.min(o.faultPhaseUs, 1_000_000));
  let operator: OperatorState | undefined;
  if (o.membership.length > 0) {
    world.spawn("operator", (env) => {
      const a = membershipOperator(env, {
        members: processes,
        plan: o.membership,
        requestTimeoutUs: o.requestTimeoutUs,
        stepGapUs: 300_000,
        trueNow: () => world.now,
      });
      operator = a.state;
      return a;
    });
  }
  if (o.leaderMoves !== undefined) {
    const moves = o.leaderMoves;
    world.spawn("mover", (env) =>
      leaderMover(env, {
        members,
        strangers: [`n${processes.length + 1}`, `n${processes.length + 7}`],
        strangerP: moves.strangerP,
        everyUs: moves.everyUs,
        stopAt: o.faultPhaseUs,
        // etcdctl's command timeout outlasts the member's own deadline (the request timeout).
        timeoutUs: o.requestTimeoutUs + 500_000,
        calls: moveCalls,
        trueNow: () => world.now,
      }),
    );
  }
  // With members coming and going, clients know every member process (an admin lists them all, spares
  // included): a removed one refuses at once and one not yet added has no leader, so they move on.
  const endpoints = o.membership.length > 0 ? processes : members;
  for (let i = 1; i <= o.clients; i++) {
    world.spawn(`c${i}`, (env) =>
      workloadClient(
        env,
        {
          clientId: i,
          members: endpoints,
          requestTimeoutUs: o.requestTimeoutUs,
          streamTimeoutUs: 1_000_000,
          recorder: run.recorder,
          bugs: input.bugs,
        },
        {
          ...DEFAULT_WORKLOAD,
          keys: o.keys,
          thinkUs: o.thinkUs,
          mix: o.traffic,
          stopAt: o.faultPhaseUs,
          compactor: o.compaction && i === 1,
          compactEveryUs: o.compactEveryUs,
          leaseTtlSec: o.leaseTtlSec,
          leaseGrantP: o.leaseGrantP,
          ...(o.explicitLeaseIdP !== undefined ? { explicitLeaseIdP: o.explicitLeaseIdP } : {}),
          compactLag: o.compactLag,
          watchLifeUs: o.watchLifeUs,
          watchBacklog: o.watchBacklog,
          watchFilterP: o.watchFilterP,
          ...(o.watchRangeP !== undefined ? { watchRangeP: o.watchRangeP } : {}),
          listLimit: o.listLimit,
          txnMaxOps: o.txnMaxOps,
          bigValueP: o.bigValueP,
          bigValueBytes: o.bigValueBytes,
        },
        () => world.now,
      ),
    );
  }

  // Liveness: a leader every member agrees on, every member applied up to its commit index, and a
  // probe write + linearizable read through every member succeeds.
  /** The members of the configuration the cluster ends in (the initial one without an operator). */
  const current = (): string[] => {
    if (o.membership.length === 0) return members;
    const leader = processes
      .map((m) => member(m))
      .find((a) => a !== undefined && !a.isRemoved && a.driver.status().role === "leader");
    if (leader === undefined) return members;
    const st = leader.driver.status();
    return [...st.voters, ...st.learners];
  };
  /**
   * Whether converged() finds nothing pending, decided without building its lists: the liveness
   * predicate asks after every event once the probe is done (and, with Kubernetes, until it settles).
   */
  const isConverged = (): boolean => {
    if (operator !== undefined && operator.done.size < o.membership.length) return false;
    const ids = current();
    let leader: { id: string; commitIndex: number } | undefined;
    let leaders = 0;
    for (const m of ids) {
      const s = member(m)?.driver.status();
      if (s === undefined) return false;
      if (s.role === "leader") {
        leaders++;
        leader = s;
      }
    }
    if (leaders !== 1) return false;
    for (const m of ids) {
      const s = member(m)!.driver.status();
      if (s.leader !== leader!.id || s.applied < leader!.commitIndex) return false;
    }
    return true;
  };
  const converged = () => {
    if (isConverged()) return undefined;
    if (operator !== undefined && operator.done.size < o.membership.length) {
      const step = o.membership.findIndex((_, i) => !operator!.done.has(i));
      return `membership step ${step + 1} of ${o.membership.length} not done`;
    }
    const st = current().map((m) => member(m)?.driver.status());
    if (st.some((s) => s === undefined)) return "a member is down";
    const leaders = st.filter((s) => s!.role === "leader");
    if (leaders.length !== 1) return `no leader (${leaders.length} leaders)`;
    const leader = leaders[0]!;
    const behind = st.filter((s) => s!.leader !== leader.id || s!.applied < leader.commitIndex);
    if (behind.length)
      return `apply index behind on ${behind.map((s) => `${s!.id} (${s!.applied}/${leader.commitIndex})`).join(", ")}`;
    return undefined;
  };
  const kubeConverged = () => kube === undefined || kube.cluster.pending().length === 0;
  let probe: Probe | undefined;
  let live = false;
  const pendingNow = (): string =>
    converged() ??
    (kube?.cluster.pending().length ? kube.cluster.pending().join("; ") : undefined) ??
    (probe?.done === true ? "converged just after the bound" : (probe?.state ?? "the probe has not started"));
  let pendingAtBound: string | undefined;

  // The checkers it runs, in the order reports list them; each result is kept whole (evidence included).
  const recorder = run.recorder;
  run.check(
    () => run.assertions(),
    () => monitor.result(),
    () => checkQuorum.result(),
    ...(reconfigHealth !== undefined ? [() => reconfigHealth.result()] : []),
    ...(moveLeader !== undefined ? [() => moveLeader.result(moveCalls)] : []),
    () => gracefulStop.result(world.now),
    () => run.incarnations(),
    () => {
      // Cross-member: store hashes at the common revision once converged.
      const stores = current()
        .map((m) => ({ m, a: member(m) }))
        .filter((x) => x.a !== undefined);
      const revs = stores.map((x) => x.a!.store.revision);
      if (converged() === undefined && revs.every((r) => r === revs[0])) {
        oracle.compareHashes(stores.map((x) => storeHash(x.m, x.a!.store)));
      }
      return oracle.result();
    },
    () => reference.result(),
    () => writeOnce.result(recorder.operations),
    () => {
      const lin = checkEtcdHistory(
        { operations: recorder.operations, watches: recorder.watches },
        { maxSteps: o.maxCheckSteps, limits: { maxTxnOps: o.maxTxnOps, maxRequestBytes: o.maxRequestBytes } },
      );
      return {
        name: lin.name,
        verdict: lin.verdict,
        message: lin.message,
        ...(lin.evidence !== undefined ? { evidence: lin.evidence } : {}),
      };
    },
    () => {
      const compactions: { revision: number; time: number }[] = [];
      for (const op of recorder.operations) {
        if (op.request.kind === "compact" && op.return !== null && op.response !== null)
          compactions.push({ revision: op.request.compact.revision, time: op.call });
        if (op.request.kind === "compact" && op.return === null)
          compactions.push({ revision: op.request.compact.revision, time: op.call });
        leaseSafety.onOperation(op);
        leaseExpiry.onOperation(op);
      }
      return judgedAsSystemOutput(() => watches.finish(compactions.sort((a, b) => a.time - b.time)));
    },
    () => leaseSafety.result(),
    () => leaseExpiry.result(),
    () => leaseKeys.result(recorder.operations),
    // Judged only where nothing was made to fail or slow (see RESPONSIVE_AS_SET), and with no fault.
    () =>
      o.responsiveUs === undefined || input.faults.length > 0 || !responsiveAsSet(o)
        ? undefined
        : checkResponsive(run.recorder.operations, o.responsiveUs, world.now),
    () => kube?.checks({ healedAt: run.healedAt, at: world.now, boundUs: o.livenessBoundUs }),
    () =>
      operator === undefined
        ? undefined
        : checkMembership(
            members,
            {
              plan: o.membership,
              done: operator.done,
              resolved: operator.resolved,
              lastAction: operator.log.at(-1)?.what,
              refusals: operator.refusals,
              requests: operator.requests,
              applied,
            },
            processes.map((id) => {
              const a = member(id);
              return {
                id,
                status:
                  a === undefined
                    ? undefined
                    : { removed: a.isRemoved, voters: a.driver.status().voters, learners: a.driver.status().learners },
              };
            }),
          ),
    () => ({
      name: "liveness",
      verdict: live ? "pass" : "fail",
      message: live
        ? `converged and served a probe write and read${o.probeLeaseAndWatch ? ", keep-alive and watch" : ""} ${((world.now - run.healedAt) / 1000).toFixed(0)}ms after heal`
        : `pending ${o.livenessBoundUs / 1000}ms after heal: ${pendingAtBound ?? pendingNow()}`,
    }),
  );

  // The phases: faults to faultPhaseUs, heal, then a probe and liveness within the bound (and 200 ms more).
  run.faultPhase(o);
  run.heal();
  const p = spawnProbe(run, {
    endpoints,
    requestTimeoutUs: o.requestTimeoutUs,
    leaseAndWatch: o.probeLeaseAndWatch,
    // Past a checkpoint interval and the checkpoint's commit: the probe's lease has a remainder to clear.
    ...(o.leaseCheckpointIntervalUs ? { keepAliveAgainAfterUs: o.leaseCheckpointIntervalUs + 500_000 } : {}),
  });
  probe = p;
  live = run.liveness(o, () => p.done && converged() === undefined && kubeConverged());
  // What was still pending at the bound, not after the 200 ms more (by then it may have converged).
  if (!live) pendingAtBound = pendingNow();
  world.runUntil(world.now + 200_000);

  stopLatencyLog(); // latency
  const history = { operations: run.recorder.operations, watches: run.recorder.watches };
  return run.finish({
    ...(operator !== undefined ? { membership: operator.log } : {}),
    latency: kvLatencyReport(latency, history),
  });
}
