// sim-selftest: the kernel alone. Pinger processes exchange numbered messages and keep a synced log on
// their disks while the nemesis partitions, clogs, loses, duplicates, crashes (with torn and corrupt
// disk writes), pauses and skews them. Independent checks that can fail: delivery accounting, no
// delivery across a cut link, durability of synced records across crashes, corruption detected, and
// liveness after heal (every pair completes a round trip).
import type { Actor, Env } from "../core/env.ts";
import type { CheckResult } from "../checkers/types.ts";
import { generateSchedule, Nemesis, type FaultEvent, type FaultMix } from "../sim/nemesis.ts";
import type { Rng } from "../sim/rng.ts";
import { World } from "../sim/world.ts";
import type { ScenarioDef, ScenarioOutcome } from "./types.ts";

export interface SelftestOptions extends Record<string, unknown> {
  processes: number;
  tickUs: number;
  faultPhaseUs: number;
  livenessBoundUs: number;
  mix: FaultMix;
}

/** toBoot: how many times the destination had booted when this was sent (0: it was down). */
type Msg = { type: "ping" | "pong"; id: number; from: string; to: string; toBoot: number };

interface Oracle {
  nextId: number;
  sent: Map<number, { from: string; to: string }>;
  received: Map<number, number>;
  receives: { id: number; from: string; to: string; time: number }[];
  /** Highest sequence number each process saw durable (its fsync completed). */
  synced: Map<string, number>;
  /** Highest sequence number each process appended (durable or not). */
  written: Map<string, number>;
  /** Each process's last crash: its disk fault, and what was synced and written at that instant. */
  lastCrash: Map<string, { mode: string; synced: number; written: number }>;
  /** Clean crashes that had writes not yet durable, all of which were lost as they must be. */
  cleanLosses: number;
  durabilityViolations: string[];
  corruptDetected: number;
  /** Round trips completed per ordered pair after heal. */
  roundTrips: Set<string>;
  healed: boolean;
  /** Boots of each process so far (start and restarts), and which are down: the oracle's own view. */
  boots: Map<string, number>;
  down: Set<string>;
  /** Messages received by a later incarnation than the one they were sent to. */
  crossings: string[];
}

/** The incarnation a message sent now is addressed to (0 while the destination is down). */
function addressOf(oracle: Oracle, to: string): number {
  return oracle.down.has(to) ? 0 : (oracle.boots.get(to) ?? 1);
}

function pinger(env: Env, peers: readonly string[], oracle: Oracle, tickUs: number, now: () => number): Actor {
  oracle.boots.set(env.id, (oracle.boots.get(env.id) ?? 0) + 1);
  oracle.down.delete(env.id);
  // Recovery: trust the log up to the first record whose checksum fails.
  const corruptAt = env.disk.firstCorrupt("log");
  if (corruptAt !== undefined) {
    oracle.corruptDetected++;
    env.disk.truncate("log", corruptAt);
  }
  const log = env.disk.read("log") as readonly number[];
  const durable = oracle.synced.get(env.id) ?? 0;
  const recovered = log.length === 0 ? 0 : log[log.length - 1]!;
  if (recovered < durable)
    oracle.durabilityViolations.push(`${env.id}: recovered seq ${recovered} < synced ${durable}`);
  // The crash must also have taken what was not durable: a clean crash all of it, a torn or corrupt one
  // a suffix. A disk that kept it would hide every bug of a process that answers before its fsync.
  const crash = oracle.lastCrash.get(env.id);
  oracle.lastCrash.delete(env.id);
  if (crash !== undefined) {
    if (recovered > crash.written)
      oracle.durabilityViolations.push(
        `${env.id}: recovered seq ${recovered}, but only ${crash.written} was ever written`,
      );
    else if (crash.mode === "clean" && recovered > crash.synced)
      oracle.durabilityViolations.push(
        `${env.id}: a clean crash kept records ${crash.synced + 1}..${recovered}, written but never synced`,
      );
    else if (crash.mode === "clean" && crash.written > crash.synced) oracle.cleanLosses++;
  }
  for (let i = 0; i < log.length; i++) {
    if (log[i] !== i + 1) {
      oracle.durabilityViolations.push(`${env.id}: log record ${i} is ${String(log[i])}, expected ${i + 1}`);
      break;
    }
  }
  let seq = recovered;
  let syncing = false;
  const others = peers.filter((p) => p !== env.id);
  const tick = () => {
    const to = env.rng.pick(others);
    const id = oracle.nextId++;
    oracle.sent.set(id, { from: env.id, to });
    env.send(to, { type: "ping", id, from: env.id, to, toBoot: addressOf(oracle, to) } satisfies Msg);
    if (oracle.healed) {
      for (const o of others) {
        const rid = oracle.nextId++;
        oracle.sent.set(rid, { from: env.id, to: o });
        env.send(o, { type: "ping", id: rid, from: env.id, to: o, toBoot: addressOf(oracle, o) } satisfies Msg);
      }
    }
    env.disk.append("log", ++seq);
    oracle.written.set(env.id, seq);
    if (!syncing) {
      syncing = true;
      const upTo = seq;
      env.disk.sync(() => {
        syncing = false;
        if (upTo > (oracle.synced.get(env.id) ?? 0)) oracle.synced.set(env.id, upTo);
      });
    }
    env.setTimer(tickUs, tick);
  };
  return {
    start() {
      env.setTimer(env.rng.int(1, tickUs), tick);
    },
    onMessage(from, raw) {
      const m = raw as Msg;
      oracle.receives.push({ id: m.id, from, to: env.id, time: now() });
      if (m.toBoot !== oracle.boots.get(env.id))
        oracle.crossings.push(
          `message ${m.id} ${from}->${env.id} sent to boot ${m.toBoot === 0 ? "(down)" : m.toBoot} received by boot ${oracle.boots.get(env.id)}`,
        );
      oracle.received.set(m.id, (oracle.received.get(m.id) ?? 0) + 1);
      if (m.type === "ping") {
        const id = oracle.nextId++;
        oracle.sent.set(id, { from: env.id, to: from });
        env.send(from, { type: "pong", id, from: env.id, to: from, toBoot: addressOf(oracle, from) } satisfies Msg);
      } else if (oracle.healed) oracle.roundTrips.add(`${env.id}>${from}`);
    },
  };
}

function resolve(rng: Rng): SelftestOptions {
  const weights: FaultMix["weights"] = {};
  for (const k of [
    "partition",
    "partition-oneway",
    "isolate",
    "bridge",
    "loss",
    "delay",
    "duplicate",
    "clog",
    "crash",
    "pause",
    "skew",
    "drift",
    "disk-slow",
    "slow-messages",
    "swizzle",
  ] as const) {
    if (rng.chance(0.7)) weights[k] = rng.int(1, 4);
  }
  weights.crash = Math.max(weights.crash ?? 0, 1);
  return {
    processes: rng.int(3, 5),
    tickUs: 2_000,
    faultPhaseUs: 2_000_000,
    livenessBoundUs: 1_000_000,
    mix: {
      meanGapUs: 60_000,
      minDurationUs: 10_000,
      maxDurationUs: 300_000,
      weights,
      diskFaults: true,
      maxSkewUs: 1_000_000,
      maxMessageDelayUs: 400_000,
    },
  };
}

function names(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `p${i + 1}`);
}

export function executeSelftest(
  input: { seed: number; options: SelftestOptions; faults: FaultEvent[]; keepTrace: boolean },
  worldOpts: { deliverAcrossIncarnations?: boolean; crashKeepsUnsynced?: boolean } = {},
): ScenarioOutcome {
  const o = input.options;
  const world = new World({
    seed: input.seed,
    keepTrace: input.keepTrace,
    link: { lossP: 0.01, dupP: 0.01, jitterUs: 2_000 },
    ...worldOpts,
  });
  const procs = names(o.processes);
  const oracle: Oracle = {
    nextId: 1,
    sent: new Map(),
    received: new Map(),
    receives: [],
    synced: new Map(),
    durabilityViolations: [],
    written: new Map(),
    lastCrash: new Map(),
    cleanLosses: 0,
    corruptDetected: 0,
    roundTrips: new Set(),
    healed: false,
    boots: new Map(),
    down: new Set(),
    crossings: [],
  };
  world.lifecycle.push((ev) => {
    if (ev.kind !== "crash") return;
    oracle.down.add(ev.process);
    oracle.lastCrash.set(ev.process, {
      mode: ev.mode ?? "clean",
      synced: oracle.synced.get(ev.process) ?? 0,
      written: oracle.written.get(ev.process) ?? 0,
    });
  });
  for (const id of procs) world.spawn(id, (env) => pinger(env, procs, oracle, o.tickUs, () => world.now));
  const nemesis = new Nemesis(world, () => procs);
  nemesis.schedule(input.faults);
  world.runUntil(o.faultPhaseUs);
  nemesis.heal();
  const healedAt = world.now;
  oracle.healed = true;
  const allPairs = procs.length * (procs.length - 1);
  const live = world.runUntilPredicate(() => oracle.roundTrips.size >= allPairs, healedAt + o.livenessBoundUs);
  // Let messages in flight settle a little, then stop ticking so the accounting is exact.
  world.runUntil(world.now + 5_000);

  const checks: CheckResult[] = [];
  if (world.failure)
    checks.push({
      name: "assertions",
      verdict: "fail",
      message: `assertion failed on ${world.failure.process} at event ${world.failure.event}: ${world.failure.message}`,
    });

  // 1. Delivery accounting.
  const bal = world.network.accountingBalance();
  const acc: string[] = [];
  if (bal.copies !== bal.accounted)
    acc.push(`copies sent ${bal.copies} != delivered+dropped+held+in-flight ${bal.accounted}`);
  let extra = 0;
  for (const r of oracle.receives) {
    const s = oracle.sent.get(r.id);
    if (s === undefined) {
      acc.push(`message ${r.id} received by ${r.to} was never sent`);
      break;
    }
    if (s.from !== r.from || s.to !== r.to) {
      acc.push(`message ${r.id} sent ${s.from}->${s.to} arrived ${r.from}->${r.to}`);
      break;
    }
  }
  for (const n of oracle.received.values()) if (n > 1) extra += n - 1;
  if (extra > world.network.stats.duplicated)
    acc.push(`${extra} duplicate receipts but only ${world.network.stats.duplicated} duplicated copies`);
  checks.push({
    name: "delivery-accounting",
    verdict: acc.length ? "fail" : "pass",
    message:
      acc[0] ??
      `${bal.copies} copies: ${world.network.stats.delivered} delivered, ${bal.copies - world.network.stats.delivered - world.network.stats.inFlight} dropped or held, ${world.network.stats.inFlight} in flight`,
  });

  // 2. No delivery across a cut link (messages held at a paused process arrive at its resume instant).
  const resumes = new Set(
    nemesis.log
      .filter((a) => a.fault.kind === "pause" && a.end !== undefined)
      .map((a) => `${(a.fault as { target: string }).target}@${a.end}`),
  );
  const cuts = nemesis.log.filter((a) => ["partition", "partition-oneway", "isolate", "bridge"].includes(a.fault.kind));
  const crossing: string[] = [];
  for (const r of oracle.receives) {
    if (resumes.has(`${r.to}@${r.time}`)) continue;
    for (const a of cuts) {
      if (r.time < a.start || (a.end !== undefined && r.time >= a.end)) continue;
      if (cutsLink(a.fault, r.from, r.to, procs)) {
        crossing.push(`message ${r.id} ${r.from}->${r.to} delivered at ${r.time}us during "${a.fault.kind}"`);
        break;
      }
    }
    if (crossing.length) break;
  }
  checks.push({
    name: "partitions",
    verdict: crossing.length ? "fail" : "pass",
    message: crossing[0] ?? `${cuts.length} network faults, no delivery across a cut link`,
  });

  // 3. Durability across crashes.
  const crashes = nemesis.log.filter((a) => a.fault.kind === "crash").length;
  checks.push({
    name: "disk-durability",
    verdict: oracle.durabilityViolations.length ? "fail" : "pass",
    message:
      oracle.durabilityViolations[0] ??
      `${crashes} crashes, every synced record survived; ${oracle.cleanLosses} clean crashes lost the records not yet synced; ${oracle.corruptDetected} corrupt tails detected`,
  });

  // 4. No message crosses an incarnation (a restart resets every stream): the oracle's view, then the world's.
  checks.push({
    name: "incarnations",
    verdict: oracle.crossings.length ? "fail" : "pass",
    message: oracle.crossings.length
      ? `${oracle.crossings.length} messages received by a later incarnation, first: ${oracle.crossings[0]}`
      : `${crashes} crashes, ${world.network.stats.dropped.incarnation} messages to a dead incarnation dropped, none received by a later one`,
  });
  const w = world.incarnationCheck();
  if (w.verdict === "fail") checks.push({ ...w, name: "incarnations-world" });

  // 5. Liveness after heal.
  const missing = live
    ? []
    : procs.flatMap((a) => procs.filter((b) => b !== a && !oracle.roundTrips.has(`${a}>${b}`)).map((b) => `${a}>${b}`));
  checks.push({
    name: "liveness",
    verdict: live ? "pass" : "fail",
    message: live
      ? `all ${allPairs} round trips within ${(world.now - healedAt) / 1000}ms of heal`
      : `pending after heal: no round trip ${missing.slice(0, 5).join(", ")}`,
  });

  const out: ScenarioOutcome = {
    checks,
    traceHash: world.trace.hash(),
    stats: {
      events: world.scheduler.executed,
      messages: world.network.stats.sent,
      ops: oracle.receives.length,
      simTimeMs: world.now / 1000,
    },
    faultLog: nemesis.log.map((a) => ({ fault: a.fault, start: a.start, end: a.end })),
  };
  if (world.trace.lines) out.traceLines = world.trace.lines;
  return out;
}

function cutsLink(f: FaultEvent, from: string, to: string, all: readonly string[]): boolean {
  switch (f.kind) {
    case "partition": {
      const gf = f.groups.findIndex((g) => g.includes(from));
      const gt = f.groups.findIndex((g) => g.includes(to));
      return gf >= 0 && gt >= 0 && gf !== gt;
    }
    case "partition-oneway":
      return f.from.includes(from) && f.to.includes(to);
    case "isolate": {
      const among = f.among ?? all;
      return (f.target === from && among.includes(to)) || (f.target === to && among.includes(from));
    }
    case "bridge": {
      if (from === f.bridge || to === f.bridge) return false;
      return (
        (f.sides[0].includes(from) && f.sides[1].includes(to)) || (f.sides[1].includes(from) && f.sides[0].includes(to))
      );
    }
    default:
      return false;
  }
}

export const simSelftest: ScenarioDef<SelftestOptions> = {
  name: "sim-selftest",
  description:
    "the kernel alone: pingers over a faulty network and disks; delivery accounting, partitions, durability, liveness",
  resolve,
  schedule: (rng, o) => generateSchedule(rng, o.mix, names(o.processes), 50_000, o.faultPhaseUs),
  execute: (input) => executeSelftest(input),
};
