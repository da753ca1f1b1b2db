// The etcd cluster harness: members n1..nN and workload clients c1..cK as simulated processes, the
// Raft safety monitor and the cross-member oracle fed online, a nemesis over the members, then a heal
// and a liveness phase, and every checker over what was recorded.
import type { BugSet } from "../../core/bugs.ts";
import { DEFAULT_MAX_REQUEST_BYTES, EtcdMember, type MemberHooks } from "../../core/etcd/member.ts";
import { DEFAULT_MAX_TXN_OPS } from "../../core/mvcc/index.ts";
import { EtcdClient, HistoryRecorder } from "../../core/etcd/client.ts";
import { workloadClient, DEFAULT_WORKLOAD, type TrafficMix } from "../../harness/etcd/workload.ts";
import { membershipOperator, type MembershipStep, type OperatorState } from "../../harness/etcd/membership.ts";
import type { CheckResult } from "../../checkers/types.ts";
import { RaftSafetyMonitor } from "../../checkers/raft/monitor.ts";
import { ConsistencyOracle } from "../../checkers/etcd/consistency.ts";
import { checkEtcdHistory } from "../../checkers/linearizability/check-etcd.ts";
import { checkWatches, changesFromApplied, type AppliedChange } from "../../checkers/watch/index.ts";
import { Nemesis, type FaultEvent, type FaultMix } from "../../sim/nemesis.ts";
import { World } from "../../sim/world.ts";
import type { ScenarioOutcome, TimelinePoint } from "../types.ts";
import { LeaseSafety } from "../../checkers/etcd/lease-safety.ts";
import { checkMembership } from "../../checkers/etcd/membership.ts";
import { attachKube, type AttachedKube } from "../kube/attach.ts";
import { changeEvent } from "../../core/mvcc/key-history.ts";

export interface KvOptions extends Record<string, unknown> {
  members: number;
  clients: number;
  keys: number;
  /** Virtual µs of workload + faults before heal. */
  faultPhaseUs: number;
  /** After heal: the bound within which the cluster must converge and serve a probe. */
  livenessBoundUs: number;
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
  snapshotEvery: number;
  requestTimeoutUs: number;
  leaseTtlSec: number;
  /** The chance that a client holding leases grants another rather than reusing one (workload). */
  leaseGrantP: number;
  mix: FaultMix;
  /** Network base latency and jitter between all processes. */
  latencyUs: number;
  jitterUs: number;
  lossP: number;
  compactLag: number;
  watchLifeUs: [number, number];
  watchBacklog: number;
  /**
   * Also run a Kubernetes control plane (apiservers, informers, controllers, kubelets) on the same
   * members, sharing the client history, so informers meet compaction ("resource version too old").
   */
  kube: boolean;
  /** BUGGIFY fault points enabled for this run (core/buggify.ts). */
  buggify: string[];
  /** Linearizability search budget (deterministic steps). */
  maxCheckSteps: number;
  /**
   * Members started outside the initial configuration (n(members+1)…), waiting to be added; with a
   * membership plan, an operator process walks it through etcd's Cluster service during the run.
   */
  spares: number;
  membership: MembershipStep[];
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

export const KV_DEFAULTS: KvOptions = {
  members: 3, clients: 4, keys: 6, faultPhaseUs: 3_000_000, livenessBoundUs: 10_000_000, thinkUs: 30_000,
  traffic: DEFAULT_WORKLOAD.mix, compaction: true, compactEveryUs: 400_000, tickUs: 10_000, electionTicks: 10,
  maxInflight: 256, maxEntriesPerMsg: 64, leaderSendsBeforeSync: true, snapshotEvery: 100, requestTimeoutUs: 1_000_000, leaseTtlSec: 2, leaseGrantP: 0.3,
  latencyUs: 1_000, jitterUs: 1_000, lossP: 0,
  mix: { meanGapUs: 400_000, minDurationUs: 100_000, maxDurationUs: 800_000, weights: {} },
  kube: false, buggify: [],
  compactLag: 20, watchLifeUs: [100_000, 600_000], watchBacklog: 5,
  maxCheckSteps: 5_000_000,
  spares: 0, membership: [],
  watchBatchMaxRevs: 1000, maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES, maxTxnOps: DEFAULT_MAX_TXN_OPS, listLimit: 3, txnMaxOps: 2, bigValueP: 0, bigValueBytes: 0,
};

export function memberNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

/**
 * Symbolic fault targets, resolved when a fault starts (so a schedule can name roles, not members):
 * - "@leader": the running member that leads in the highest term;
 * - "@stale-leader": a member (running or paused) that still believes it leads although another
 *   member is in a higher term — a deposed leader that has not noticed yet;
 * - "@follower": the running member, other than the leader, furthest behind (the shortest log);
 * - "@leader=X", "@follower=X": as above, and the member is remembered as X for the rest of the run;
 * - "@X": the member remembered as X.
 * A target that resolves to nothing turns the fault into a no-op (see Nemesis).
 */
export function symbolicTargets(world: World, members: readonly string[]): (name: string) => string | undefined {
  const bound = new Map<string, string>();
  const raftStatus = (m: string) => {
    const p = world.process(m);
    const a = p.actor as EtcdMember | undefined;
    return p.status === "crashed" || a === undefined ? undefined : { up: p.status === "up", ...a.driver.status() };
  };
  const leader = (): string | undefined => {
    let best: { id: string; term: number } | undefined;
    for (const m of members) {
      const st = raftStatus(m);
      if (st?.up === true && st.role === "leader" && (best === undefined || st.term > best.term)) best = { id: m, term: st.term };
    }
    return best?.id;
  };
  const staleLeader = (): string | undefined => {
    const terms = members.map((m) => raftStatus(m)?.term ?? 0);
    const maxTerm = Math.max(...terms);
    return members.find((m, i) => raftStatus(m)?.role === "leader" && terms[i]! < maxTerm);
  };
  const follower = (): string | undefined => {
    const l = leader();
    let best: { id: string; lastIndex: number } | undefined;
    for (const m of members) {
      const st = raftStatus(m);
      if (m === l || st?.up !== true) continue;
      if (best === undefined || st.lastIndex < best.lastIndex) best = { id: m, lastIndex: st.lastIndex };
    }
    return best?.id;
  };
  return (name) => {
    const [role, label] = name.slice(1).split("=") as [string, string | undefined];
    let m: string | undefined;
    if (role === "leader") m = leader();
    else if (role === "stale-leader") m = staleLeader();
    else if (role === "follower") m = follower();
    else m = bound.get(role);
    if (label !== undefined && m !== undefined) bound.set(label, m);
    return m;
  };
}

/** worldOpts: tests only (e.g. a world that delivers across incarnations, to show the check catches it). */
export function runKvCluster(input: { seed: number; bugs: BugSet; options: KvOptions; faults: FaultEvent[]; keepTrace: boolean }, worldOpts: { deliverAcrossIncarnations?: boolean } = {}): ScenarioOutcome {
  const o = input.options;
  const world = new World({
    ...worldOpts,
    seed: input.seed, keepTrace: input.keepTrace, link: { latencyUs: o.latencyUs, jitterUs: o.jitterUs, lossP: o.lossP },
    ...(o.buggify.length ? { buggify: { sites: o.buggify, p: 0.02 } } : {}),
  });
  let kube: AttachedKube | undefined;
  const members = memberNames(o.members);
  /** Every member process: the initial configuration, then the spares (which start outside it). */
  const processes = memberNames(o.members + o.spares);
  const monitor = new RaftSafetyMonitor();
  const oracle = new ConsistencyOracle();
  const recorder = new HistoryRecorder(() => world.now);
  const leaseSafety = new LeaseSafety();
  const applied: AppliedChange[] = [];
  let lastRevision = 1;
  const timeline: TimelinePoint[] = [];
  const compactions: { revision: number; time: number }[] = [];

  const hooks: MemberHooks = {
    observer: (view) => monitor.observe(view.id, view, world.trace.count),
    onApply: (e) => oracle.onApply({ ...e, time: world.now }),
    onRecover: (m, r) => oracle.onRestart(m, r),
    onCommit: (_m, revision, keys, changes) => {
      if (revision <= lastRevision) return; // already recorded by the first member to apply it
      lastRevision = revision;
      changes.forEach((c, i) => {
        const key = keys[i]!;
        applied.push(c.version === 0 ? { revision, type: "DELETE", key } : { revision, type: "PUT", key, value: c.value, lease: c.lease });
        if (c.version === 0) leaseSafety.onDelete(key, revision, world.now);
      });
      if (kube !== undefined) {
        kube.onCommit(revision, changes.map((c, i) => changeEvent(keys[i]!, c)));
      }
    },
    onSoftState: (member, s, term) => timeline.push({ time: world.now, member, role: s.role, term }),
    onLeaseExpire: (member, ids) => leaseSafety.onExpire(member, ids, world.now),
  };
  world.lifecycle.push((ev) => {
    if (ev.kind === "crash") {
      monitor.onCrash(ev.process);
      if (processes.includes(ev.process)) timeline.push({ time: ev.time, member: ev.process, role: "crashed", term: 0 });
    }
  });

  for (const id of processes) {
    world.spawn(id, (env) => new EtcdMember(env, {
      peers: members, bugs: input.bugs, tickUs: o.tickUs, electionTicks: o.electionTicks, snapshotEvery: o.snapshotEvery,
      maxInflight: o.maxInflight, maxEntriesPerMsg: o.maxEntriesPerMsg, leaderSendsBeforeSync: o.leaderSendsBeforeSync,
      proposalTimeoutUs: o.requestTimeoutUs, hooks,
      watchBatchMaxRevs: o.watchBatchMaxRevs, maxRequestBytes: o.maxRequestBytes, maxTxnOps: o.maxTxnOps,
    }));
  }
  const member = (id: string) => world.process(id).actor as EtcdMember | undefined;
  kube = o.kube ? attachKube(world, members, { bugs: input.bugs, recorder, compactIntervalUs: o.compactEveryUs }) : undefined;
  const nemesis = new Nemesis(world, () => processes, symbolicTargets(world, processes));
  nemesis.schedule(input.faults, o.faultPhaseUs);
  // The workload starts once the members have elected a first leader (bounded): requests sent before
  // that only fail over from member to member and time out, and would open every history with
  // writes of unknown outcome.
  world.runUntilPredicate(() => members.some((m) => member(m)?.driver.status().role === "leader"), Math.min(o.faultPhaseUs, 1_000_000));
  let operator: OperatorState | undefined;
  if (o.membership.length > 0) {
    world.spawn("operator", (env) => {
      const a = membershipOperator(env, { members: processes, plan: o.membership, requestTimeoutUs: o.requestTimeoutUs, stepGapUs: 300_000, trueNow: () => world.now });
      operator = a.state;
      return a;
    });
  }
  // With members coming and going, clients know every member process (an admin lists them all, spares
  // included): a removed one refuses at once and one not yet added has no leader, so they move on.
  const endpoints = o.membership.length > 0 ? processes : members;
  const clients: string[] = [];
  for (let i = 1; i <= o.clients; i++) {
    const cid = `c${i}`;
    clients.push(cid);
    world.spawn(cid, (env) => workloadClient(env, {
      clientId: i, members: endpoints, requestTimeoutUs: o.requestTimeoutUs, streamTimeoutUs: 1_000_000, recorder,
    }, {
      ...DEFAULT_WORKLOAD, keys: o.keys, thinkUs: o.thinkUs, mix: o.traffic, stopAt: o.faultPhaseUs,
      compactor: o.compaction && i === 1, compactEveryUs: o.compactEveryUs, leaseTtlSec: o.leaseTtlSec, leaseGrantP: o.leaseGrantP,
      compactLag: o.compactLag, watchLifeUs: o.watchLifeUs, watchBacklog: o.watchBacklog,
      listLimit: o.listLimit, txnMaxOps: o.txnMaxOps, bigValueP: o.bigValueP, bigValueBytes: o.bigValueBytes,
    }, () => world.now));
  }

  world.runUntil(o.faultPhaseUs);
  nemesis.heal();
  const healedAt = world.now;

  // Liveness: a leader every member agrees on, every member applied up to its commit index, and a
  // probe write + linearizable read through every member succeeds.
  let probeDone = false;
  let probeState = "probe not started";
  /** The members of the configuration the cluster ends in (the initial one without an operator). */
  const current = (): string[] => {
    if (o.membership.length === 0) return members;
    const leader = processes.map((m) => member(m)).find((a) => a !== undefined && !a.isRemoved && a.driver.status().role === "leader");
    if (leader === undefined) return members;
    const st = leader.driver.status();
    return [...st.voters, ...st.learners];
  };
  const converged = () => {
    if (operator !== undefined && operator.step < o.membership.length) return `membership step ${operator.step + 1} of ${o.membership.length} not done`;
    const st = current().map((m) => member(m)?.driver.status());
    if (st.some((s) => s === undefined)) return "a member is down";
    const leaders = st.filter((s) => s!.role === "leader");
    if (leaders.length !== 1) return `no leader (${leaders.length} leaders)`;
    const leader = leaders[0]!;
    const behind = st.filter((s) => s!.leader !== leader.id || s!.applied < leader.commitIndex);
    if (behind.length) return `apply index behind on ${behind.map((s) => `${s!.id} (${s!.applied}/${leader.commitIndex})`).join(", ")}`;
    return undefined;
  };
  world.spawn("probe", (env) => {
    const c = new EtcdClient(env, { clientId: 0, members: endpoints, requestTimeoutUs: o.requestTimeoutUs, streamTimeoutUs: 1_000_000, recorder });
    const tryProbe = (n: number) => {
      if (n > 50) { probeState = "probe gave up after 50 attempts"; return; }
      c.put({ key: "/probe", value: `probe-${n}` }, (r) => {
        if (!r.ok) { probeState = `probe put failed: ${r.error}`; env.setTimer(100_000, () => tryProbe(n + 1)); return; }
        c.range({ key: "/probe" }, (rr) => {
          if (rr.ok && rr.value.kvs[0]?.value === `probe-${n}`) probeDone = true;
          else { probeState = `probe read ${rr.ok ? "stale" : rr.error}`; env.setTimer(100_000, () => tryProbe(n + 1)); }
        });
      });
    };
    return { start: () => tryProbe(1), onMessage: (from, msg) => void c.onMessage(from, msg) };
  });
  const kubeConverged = () => kube === undefined || kube.cluster.pending().length === 0;
  const live = world.runUntilPredicate(() => probeDone && converged() === undefined && kubeConverged(), healedAt + o.livenessBoundUs);
  world.runUntil(world.now + 200_000);

  const checks: CheckResult[] = [];
  if (world.failure) checks.push({ name: "assertions", verdict: "fail", message: `assertion failed on ${world.failure.process} at ${world.failure.time}us (event ${world.failure.event}): ${world.failure.message}` });
  checks.push(monitor.result());
  // A restart resets every stream: no message may reach a later incarnation than it was sent to.
  checks.push(world.incarnationCheck());

  // Cross-member: store hashes at the common revision once converged.
  const stores = current().map((m) => ({ m, a: member(m) })).filter((x) => x.a !== undefined);
  const revs = stores.map((x) => x.a!.store.revision);
  if (converged() === undefined && revs.every((r) => r === revs[0])) {
    oracle.compareHashes(stores.map((x) => {
      const h = x.a!.store.hashKV(0);
      return { member: x.m, revision: x.a!.store.revision, hash: "hash" in h ? String(h.hash) : h.error };
    }));
  }
  checks.push(oracle.result());

  const history = { operations: recorder.operations, watches: recorder.watches };
  const lin = checkEtcdHistory(history, { maxSteps: o.maxCheckSteps });
  checks.push({ name: lin.name, verdict: lin.verdict, message: lin.message, ...(lin.evidence !== undefined ? { evidence: lin.evidence } : {}) });

  for (const op of recorder.operations) {
    if (op.request.kind === "compact" && op.return !== null && op.response !== null) compactions.push({ revision: op.request.compact.revision, time: op.call });
    if (op.request.kind === "compact" && op.return === null) compactions.push({ revision: op.request.compact.revision, time: op.call });
    leaseSafety.onOperation(op);
  }
  const watch = checkWatches({ watches: recorder.watches, changes: changesFromApplied(applied), compactions: compactions.sort((a, b) => a.time - b.time) });
  checks.push({ name: watch.name, verdict: watch.verdict, message: watch.message });
  checks.push(leaseSafety.result());
  if (kube !== undefined) checks.push(...kube.checks({ healedAt, at: world.now, boundUs: o.livenessBoundUs }));
  if (operator !== undefined) {
    checks.push(checkMembership(members, { plan: o.membership, stepsDone: operator.step, resolved: operator.resolved, lastAction: operator.log.at(-1)?.what, refusals: operator.refusals },
      processes.map((id) => {
        const a = member(id);
        return { id, status: a === undefined ? undefined : { removed: a.isRemoved, voters: a.driver.status().voters, learners: a.driver.status().learners } };
      })));
  }

  const pending = converged() ?? (kube !== undefined && kube.cluster.pending().length ? kube.cluster.pending().join("; ") : undefined);
  checks.push({
    name: "liveness",
    verdict: live ? "pass" : "fail",
    message: live ? `converged and served a probe write and read ${((world.now - healedAt) / 1000).toFixed(0)}ms after heal` : `pending ${o.livenessBoundUs / 1000}ms after heal: ${pending ?? (probeDone ? "?" : probeState)}`,
  });

  const out: ScenarioOutcome = {
    ...(operator !== undefined ? { extra: { membership: operator.log } } : {}),
    checks,
    traceHash: world.trace.hash(),
    stats: { events: world.scheduler.executed, messages: world.network.stats.sent, ops: recorder.operations.length, simTimeMs: world.now / 1000 },
    history,
    faultLog: nemesis.log.map((a) => ({ fault: a.fault, start: a.start, end: a.end })),
    timeline,
  };
  if (world.trace.lines) out.traceLines = world.trace.lines;
  return out;
}
