// One run against a real etcd cluster: the scenario's resolved options and a seeded real fault
// schedule (printed first), a cluster behind proxies, the scenario's clients, the faults, then heal, a
// liveness probe, HashKV across members, and the same checkers as a simulated run, into a RunResult
// the same reports render. The seed reproduces the schedule and the clients' choices, not the
// interleaving: that is the real cluster's.
import { checkEtcdHistory } from "../../checkers/linearizability/check-etcd.ts";
import { ConsistencyOracle } from "../../checkers/etcd/consistency.ts";
import { LeaseSafety } from "../../checkers/etcd/lease-safety.ts";
import { compactionsFromClientHistory } from "../../checkers/watch/index.ts";
import { combineVerdicts, type CheckResult } from "../../checkers/types.ts";
import { HistoryRecorder } from "../../core/etcd/client.ts";
import type { EtcdOperation } from "../../checkers/history.ts";
import { writeRevision, type EtcdRequest, type EtcdResponse } from "../../core/mvcc/rpc.ts";
import { fnv1a } from "../../core/fnv.ts";
import type { TrafficMix } from "../etcd/workload.ts";
import { resolveRun } from "../../scenarios/runner.ts";
import {
  UsageError,
  type Options,
  type RunResult,
  type ScenarioDef,
  type TimelinePoint,
} from "../../scenarios/types.ts";
import { Rng } from "../../sim/rng.ts";
import type { FaultEvent, FaultKind } from "../../sim/nemesis.ts";
import { CLUSTER_DEFAULTS, EtcdCluster } from "./cluster.ts";
import { EtcdEndpoint } from "./grpc.ts";
import { applyFault, healAll, type Applied } from "./faults.ts";
import {
  asSimFault,
  describeRealFault,
  generateRealSchedule,
  weightsFromScenario,
  type RealFault,
  type RealFaultKind,
} from "./schedule.ts";
import { TruthWatch } from "./truth.ts";
import { realWatchCheck } from "./watch-check.ts";
import { RealClient, type RealWorkloadOptions, type UnknownReasons } from "./workload.ts";
import { DEFAULT_LIMITS } from "../../core/etcd/member.ts";

export interface RealRunInput {
  scenario: ScenarioDef;
  /** How the scenario was named (for the repro line). */
  scenarioRef: string;
  seed: number;
  members: number;
  binary: string;
  durationS: number;
  /** Only these fault kinds (default: the scenario's mix mapped to real faults). */
  faultKinds?: RealFaultKind[];
  /** A replayed schedule instead of the seed's. */
  schedule?: RealFault[];
  baseDir?: string;
  log?: (line: string) => void;
}

export interface RealRunOutput {
  result: RunResult;
  schedule: RealFault[];
  applied: Applied[];
  unknownReasons: UnknownReasons;
  durationMs: number;
  etcdVersion: string;
}

/** The resolved options of a KV scenario, checked: real runs need its clients and traffic mix. */
export function kvOptions(
  def: ScenarioDef,
  seed: number,
): Options & { clients: number; keys: number; traffic: TrafficMix; thinkUs: number } {
  const o = resolveRun(def, seed).options;
  if (typeof o.clients !== "number" || typeof o.traffic !== "object" || typeof o.keys !== "number") {
    throw new UsageError(
      `real: scenario "${def.name}" has no etcd client workload (use an etcd KV scenario such as smoke or kv-chaos)`,
    );
  }
  return o as ReturnType<typeof kvOptions>;
}

export function workloadOptions(o: Options): RealWorkloadOptions {
  const n = (k: string, d: number) => (typeof o[k] === "number" ? (o[k] as number) : d);
  const watchLife = Array.isArray(o.watchLifeUs) ? (o.watchLifeUs as number[]) : [100_000, 600_000];
  return {
    keys: n("keys", 6),
    keyPrefix: "/k/",
    thinkMs: Math.max(5, Math.round(n("thinkUs", 30_000) / 1000)),
    mix: o.traffic as TrafficMix,
    leaseTtlSec: n("leaseTtlSec", 2),
    leaseGrantP: n("leaseGrantP", 0.3),
    watchLifeMs: [Math.round(watchLife[0]! / 1000), Math.round(watchLife[1]! / 1000)],
    watchBacklog: n("watchBacklog", 5),
    requestTimeoutMs: 3000,
    compactor: o.compaction === true,
    compactEveryMs: Math.max(100, Math.round(n("compactEveryUs", 400_000) / 1000)),
    compactLag: n("compactLag", 20),
  };
}

export function realSchedule(
  def: ScenarioDef,
  seed: number,
  members: number,
  durationS: number,
  kinds?: RealFaultKind[],
): RealFault[] {
  const o = resolveRun(def, seed).options;
  const mix = (o.mix ?? {}) as { weights?: Partial<Record<FaultKind, number>> };
  let weights = weightsFromScenario(mix.weights ?? {}, {
    compaction: o.compaction === true,
    membership: Array.isArray(o.membership) && o.membership.length > 0,
    rollingRestart: o.leaderMoves !== undefined,
  });
  if (kinds !== undefined) weights = Object.fromEntries(kinds.map((k) => [k, weights[k] ?? 1]));
  const names = Array.from({ length: members }, (_, i) => `n${i + 1}`);
  // One member cannot lose a peer link or be replaced; it still can be killed, paused, delayed.
  if (members === 1) for (const k of ["isolate", "oneway", "replace"] as const) delete weights[k];
  return generateRealSchedule(new Rng(seed).fork("real").fork("faults"), {
    members: names,
    durationMs: durationS * 1000,
    weights,
    meanGapMs: 1500,
    minDurationMs: 800,
    maxDurationMs: 3000,
  });
}

export function realRepro(
  ref: string,
  seed: number,
  members: number,
  durationS: number,
  binary: string,
  kinds?: RealFaultKind[],
): string {
  return [
    "npx etcdsim real",
    `--scenario ${ref}`,
    `--seed ${seed}`,
    `--members ${members}`,
    `--duration ${durationS}`,
    ...(binary !== "/usr/bin/etcd" ? [`--etcd-binary ${binary}`] : []),
    ...(kinds ? [`--faults ${kinds.length ? kinds.join(",") : "none"}`] : []),
  ].join(" ");
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runReal(input: RealRunInput): Promise<RealRunOutput> {
  const log = input.log ?? (() => {});
  const o = kvOptions(input.scenario, input.seed);
  const w = workloadOptions(o);
  const schedule =
    input.schedule ?? realSchedule(input.scenario, input.seed, input.members, input.durationS, input.faultKinds);
  const durationMs = input.durationS * 1000;

  const cluster = new EtcdCluster({
    binary: input.binary,
    members: input.members,
    ...CLUSTER_DEFAULTS,
    ...(input.baseDir ? { baseDir: input.baseDir } : {}),
    log,
  });
  const clientEndpoints: EtcdEndpoint[][] = [];
  let truth: TruthWatch | undefined;
  try {
    await cluster.start();
    const version = await cluster.endpoint("n1").status(2000);
    const etcdVersion = version.ok ? version.value.version : cluster.version;
    log(`etcd ${etcdVersion} at ${input.binary}: ${input.members} members, data under ${cluster.runDir}`);

    const t0 = performance.now();
    const now = () => Math.round((performance.now() - t0) * 1000);
    const recorder = new HistoryRecorder(now);
    const unknownReasons: UnknownReasons = new Map();
    const names = cluster.members.map((m) => m.name);
    truth = new TruthWatch(() => names.map((n) => cluster.endpoint(n)), now);
    truth.start();
    const t = truth;

    const root = new Rng(input.seed).fork("real").fork("clients");
    const clients: RealClient[] = [];
    for (let i = 1; i <= o.clients; i++) {
      const eps = cluster.members.map((m) => new EtcdEndpoint(m.name, cluster.clientAddress(m), cluster.leases));
      clientEndpoints.push(eps);
      clients.push(
        new RealClient(
          i,
          eps,
          root.fork(`c${i}`),
          recorder,
          { ...w, compactor: w.compactor && i === 1 },
          unknownReasons,
          () => t.last,
        ),
      );
    }
    for (const c of clients) c.start();

    // Who leads, in which term, as the members report it (maintenance Status), for the report's member rows.
    const timeline: TimelinePoint[] = [];
    const lastRole = new Map<string, string>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await Promise.all(
          cluster.members.map(async (m) => {
            let role: string,
              term = 0;
            if (!m.inCluster) role = "removed";
            else if (m.proc === undefined) role = "crashed";
            else if (m.paused) role = "paused";
            else {
              const st = await cluster.endpoint(m.name).status(250);
              if (!st.ok) role = "unreachable";
              else {
                term = st.value.raftTerm;
                role = st.value.leader === st.value.memberId ? "leader" : "follower";
              }
            }
            const key = `${role}/${term}`;
            if (lastRole.get(m.name) !== key) {
              lastRole.set(m.name, key);
              timeline.push({ time: now(), member: m.name, role, term });
            }
          }),
        );
        await sleep(250);
      }
    })();

    // The fault schedule, in order, each fault reverted at its `until`.
    const applied: Applied[] = [];
    let stopFaults = false;
    const faultRunner = (async () => {
      for (const f of schedule) {
        const wait = f.at - (performance.now() - t0);
        if (wait > 0) await sleep(wait);
        if (stopFaults) break;
        const a = await applyFault(cluster, f, now, log);
        applied.push(a);
        const left = f.until - (performance.now() - t0);
        if (left > 0) await sleep(left);
        await a.revert();
        a.end = now();
      }
    })();
    await sleep(durationMs);
    stopFaults = true;
    await Promise.all(clients.map((c) => c.stop()));
    await faultRunner;
    await healAll(cluster);
    const healedAt = now();
    polling = false;
    await poller;
    log(
      `heal at ${(healedAt / 1e6).toFixed(1)}s: ${recorder.operations.length} operations, ${applied.length} faults applied`,
    );

    // Liveness: every member back, one leader, a probe write and read through every member.
    const checks: CheckResult[] = [];
    const record = async (ep: EtcdEndpoint, request: EtcdRequest) => {
      const op = recorder.invoke(0, request);
      const r = await ep.request(request, 3000);
      if (r.ok) {
        op.return = now();
        op.response = r.value;
      } else if (!r.unknown) {
        op.return = now();
        op.error = r.error;
      } else {
        op.error = "timeout";
        unknownReasons.set(op.id, r.reason);
      }
      return r;
    };
    let liveMsg = "";
    let live = false;
    try {
      await cluster.waitHealthy(20_000);
      for (let attempt = 0; attempt < 20 && !live; attempt++) {
        live = true;
        for (const m of cluster.members) {
          const ep = cluster.endpoint(m.name);
          const value = `probe-${m.name}-${attempt}`;
          await record(ep, { kind: "put", put: { key: "/probe", value } });
          const get = await record(ep, { kind: "range", range: { key: "/probe" } });
          if (!(get.ok && get.value.kind === "range" && get.value.range.kvs[0]?.value === value)) {
            live = false;
            liveMsg = `probe through ${m.name} failed`;
            await sleep(250);
            break;
          }
        }
      }
      if (live)
        liveMsg = `every member back and serving a probe write and read ${((now() - healedAt) / 1000).toFixed(0)}ms after heal`;
    } catch (e) {
      liveMsg = (e as Error).message.split("\n")[0]!;
    }

    // Cross-member: HashKV at one revision once every member applied it.
    const oracle = new ConsistencyOracle();
    let hashNote = "";
    const leaderName = await cluster.leader().catch(() => undefined);
    const top = leaderName ? await cluster.endpoint(leaderName).status(2000) : undefined;
    if (top?.ok) {
      const rev = top.value.revision;
      await t.waitFor(rev, 10_000);
      const deadline = performance.now() + 10_000;
      let hashes: { member: string; revision: number; hash: string }[] = [];
      while (performance.now() < deadline) {
        const st = await Promise.all(cluster.members.map((m) => cluster.endpoint(m.name).status(2000)));
        if (st.every((s) => s.ok && s.value.revision >= rev)) {
          hashes = [];
          for (const m of cluster.members) {
            const h = await cluster.endpoint(m.name).hashKV(rev, 5000);
            if (h.ok)
              hashes.push({
                member: m.name,
                revision: rev,
                hash: `${h.value.hash} (compact ${h.value.compactRevision})`,
              });
          }
          break;
        }
        await sleep(100);
      }
      oracle.compareHashes(hashes);
      hashNote =
        hashes.length === cluster.members.length
          ? `HashKV at revision ${rev} on ${hashes.length} members: ${[...new Set(hashes.map((h) => h.hash))].length === 1 ? "equal" : "DIFFERENT"}`
          : `HashKV: only ${hashes.length} of ${cluster.members.length} members answered at revision ${rev}`;
    } else hashNote = "HashKV skipped: no leader after heal";
    t.stop();
    // The cluster's part is done: stop it before the (possibly long) checks.
    for (const eps of clientEndpoints) for (const e of eps) e.close();
    clientEndpoints.length = 0;
    await cluster.stop();

    const history = { operations: recorder.operations, watches: recorder.watches };
    const lin = checkEtcdHistory(history, {
      maxSteps: typeof o.maxCheckSteps === "number" ? Math.max(o.maxCheckSteps, 20_000_000) : 20_000_000,
      // The harness starts etcd without --max-txn-ops or --max-request-bytes: its defaults.
      limits: DEFAULT_LIMITS,
    });
    checks.push({
      name: lin.name,
      verdict: lin.verdict,
      message: lin.message,
      ...(lin.evidence !== undefined ? { evidence: lin.evidence } : {}),
    });

    const compactions = compactionsFromClientHistory(recorder.operations).sort((a, b) => a.time - b.time);
    const watch = realWatchCheck({ watches: recorder.watches, truth: t, operations: recorder.operations, compactions });
    checks.push({ name: watch.name, verdict: watch.verdict, message: watch.message });

    const leaseSafety = new LeaseSafety();
    for (const op of recorder.operations) leaseSafety.onOperation(op);
    for (const d of expiries(t.deletes, recorder.operations)) leaseSafety.onExpire("cluster", [d.lease], d.time);
    checks.push(leaseSafety.result());

    const cross = oracle.result();
    checks.push({
      name: "cross-member",
      verdict: cross.verdict,
      message: cross.verdict === "pass" ? hashNote : cross.message,
      ...(cross.evidence !== undefined ? { evidence: cross.evidence } : {}),
    });
    if (hashNote.startsWith("HashKV: only") || hashNote.startsWith("HashKV skipped"))
      checks[checks.length - 1]!.verdict = "fail";
    checks.push({ name: "liveness", verdict: live ? "pass" : "fail", message: liveMsg });

    const verdict = combineVerdicts(checks.map((c) => c.verdict));
    const scheduleHash = fnv1a(JSON.stringify(schedule)).toString(16).padStart(8, "0");
    const faultLog = applied.map((a) => ({
      fault: asSimFault(a.fault, a.target) as FaultEvent,
      start: a.start,
      end: a.end,
    }));
    const result: RunResult = {
      scenario: input.scenario.name,
      seed: input.seed,
      bugs: [],
      verdict,
      // No trace hash on a real cluster: this names the schedule the seed drew.
      traceHash: `schedule-${scheduleHash}`,
      // events: what the clients observed (operations and watch responses); no messages are counted on a real network.
      stats: {
        events: recorder.operations.length + recorder.watches.reduce((n, x) => n + x.responses.length, 0),
        messages: 0,
        ops: recorder.operations.length,
        simTimeMs: now() / 1000,
        wallMs: 0,
      },
      checks,
      repro: realRepro(input.scenarioRef, input.seed, input.members, input.durationS, input.binary, input.faultKinds),
      options: {
        ...o,
        real: {
          members: input.members,
          durationS: input.durationS,
          binary: input.binary,
          etcdVersion,
          cluster: CLUSTER_DEFAULTS,
          workload: w,
        },
      },
      faults: schedule.map((f) => asSimFault(f)),
      history,
      faultLog,
      timeline: timeline.sort((a, b) => a.time - b.time),
      extra: {
        real: {
          note: "the seed reproduces the fault schedule and the clients' choices, not the interleaving",
          schedule: schedule.map((f) => ({ ...f, description: describeRealFault(f) })),
          applied: applied.map((a) => ({
            fault: describeRealFault(a.fault),
            target: a.target,
            start: a.start,
            end: a.end,
            outcome: a.outcome,
          })),
          truth: { complete: t.complete, gaps: t.gaps, resumes: t.resumes, lastRevision: t.last },
        },
      },
    };
    return { result, schedule, applied, unknownReasons, durationMs, etcdVersion };
  } finally {
    truth?.stop();
    for (const eps of clientEndpoints) for (const e of eps) e.close();
    await cluster.stop();
  }
}

/**
 * Lease expiries as the truth watch saw them: deletes of keys with a lease at revisions no client
 * write claims, when no client request of unknown outcome could have deleted that key or revoked that
 * lease. The time is when the truth watch received it: never earlier than the expiry itself, so an
 * early expiry it reports is real (some may be missed).
 */
export function expiries(
  deletes: readonly { revision: number; key: string; lease: number; time: number }[],
  ops: readonly EtcdOperation[],
): { lease: number; time: number }[] {
  const claimed = new Set<number>();
  const unknownKeys = new Set<string>();
  const unknownLeases = new Set<number>();
  for (const op of ops) {
    if (op.response !== null) {
      const rev = writeRevision(op.response as EtcdResponse);
      if (rev !== undefined) claimed.add(rev);
      if (op.response.kind === "leaseRevoke") claimed.add(op.response.leaseRevoke.header.revision);
    }
    if (op.return === null || (op.response !== null && op.request.kind === "leaseRevoke")) {
      const q = op.request;
      if (q.kind === "deleteRange") unknownKeys.add(q.deleteRange.key);
      if (q.kind === "txn")
        for (const x of [...q.txn.success, ...q.txn.failure])
          if ("requestDeleteRange" in x) unknownKeys.add(x.requestDeleteRange.key);
      if (q.kind === "leaseRevoke") unknownLeases.add(q.leaseRevoke.ID);
    }
  }
  return deletes
    .filter((d) => d.lease !== 0 && !claimed.has(d.revision) && !unknownKeys.has(d.key) && !unknownLeases.has(d.lease))
    .map((d) => ({ lease: d.lease, time: d.time }));
}
