// The whole seed, warm, in one process: wall time per seed split into set-up (options, schedule, world
// and cluster), simulation, online checking (the monitors fed during the run: the Raft safety
// monitor, CheckQuorum's step-down rule, the cross-member oracle, the reference store, lease safety)
// and offline checking with result assembly (every checker over the recorded history after the last
// simulated event), plus events and simulated seconds per seed. Two passes over the same seeds: a plain one for the end-to-end rate (nothing
// instrumented), and an instrumented one for the split.
//
// The split is measured from outside the simulated world, so sim/ and checkers/ stay free of the wall
// clock. The phases' edges are timed by wrapping World's run methods (a few calls a seed), and removed
// after that pass: the plain passes of later scenarios in the same process would otherwise run through
// them. Within the runs, the share of online checking is sampled (V8's CPU profiler, every
// SAMPLE_INTERVAL_US): the monitors are entered once per Raft step, and a clock read around each entry put
// the wall clock and a rest-argument wrapper on that hot path (smoke's instrumented pass ran a fifth longer
// than its plain one; sampled, a tenth). A sampler's cost falls on every phase alike and leaves the
// monitored code as a plain pass runs it. The two gave the same shares within this machine's noise
// (2026-12-07, kv-chaos: the monitors 17.8 % of the runs' time wrapped, 18.6 % sampled).
import { Session } from "node:inspector";
import { performance } from "node:perf_hooks";
import { findScenario } from "../scenarios/registry.ts";
import { resolveRun, runScenario } from "../scenarios/runner.ts";
import { World } from "../sim/world.ts";

export interface SeedSplit {
  setupMs: number;
  simulationMs: number;
  onlineMs: number;
  offlineMs: number;
}

export interface SeedProfile {
  scenario: string;
  seeds: number;
  /** Seeds run before the timed ones (far from them), for the JIT. */
  warmup: number;
  /** Plain pass: wall ms for all seeds, end to end (runScenario, checkers included). */
  wallMs: number;
  events: number;
  simMs: number;
  /** Instrumented pass over the same seeds: wall ms by phase (sums). */
  split: SeedSplit;
  /** The CPU profiler's samples of the instrumented pass taken in a run, and of those in a monitor. */
  samples: { inRun: number; online: number };
}

/** The phase clock of the seed being timed. */
const clock = { on: false, depth: 0, firstRunAt: NaN, lastRunEnd: NaN, runMs: 0 };

type Method = (this: unknown, ...a: unknown[]) => unknown;

/** Wraps proto[name]; returns what puts the original back. */
function wrap(proto: object, name: string, make: (orig: Method) => Method): () => void {
  const p = proto as Record<string, Method>;
  const orig = p[name]!;
  p[name] = make(orig);
  return () => {
    p[name] = orig;
  };
}

/**
 * Wraps the run methods with the phase clock, for one instrumented pass; returns what removes the
 * wrappers, so that no later plain pass (of this scenario or the next) runs through them.
 */
function install(): () => void {
  const restore: (() => void)[] = [];
  for (const name of ["runUntil", "runUntilPredicate"]) {
    restore.push(
      wrap(
        World.prototype,
        name,
        (orig) =>
          function (...a) {
            if (!clock.on || clock.depth > 0) return orig.apply(this, a);
            clock.depth++;
            const t0 = performance.now();
            if (Number.isNaN(clock.firstRunAt)) clock.firstRunAt = t0;
            try {
              return orig.apply(this, a);
            } finally {
              const t1 = performance.now();
              clock.runMs += t1 - t0;
              clock.lastRunEnd = t1;
              clock.depth--;
            }
          },
      ),
    );
  }
  return () => {
    for (const r of restore) r();
  };
}

/** How often the CPU profiler samples the instrumented pass (µs): thousands of samples a scenario, at a quarter more wall time (every 100 µs: two fifths more). */
export const SAMPLE_INTERVAL_US = 250;

/** A V8 CPU profile, as much of it as the split reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
}

/** Functions by the file that defines them (a built .js or a source .ts) and their names. */
type Entries = readonly [file: RegExp, names: readonly string[]][];

/** The simulation's runs: World's run methods. */
const RUN_ENTRIES: Entries = [[/\/sim\/world\.[jt]s$/, ["runUntil", "runUntilPredicate"]]];
/** The online monitors' entry points: time under them is online checking. */
export const ONLINE_ENTRIES: Entries = [
  [/\/checkers\/raft\/monitor\.[jt]s$/, ["observe", "onCrash"]],
  [/\/checkers\/raft\/check-quorum\.[jt]s$/, ["observe", "onLifecycle"]],
  [/\/checkers\/etcd\/consistency\.[jt]s$/, ["onApply", "onRestart"]],
  [/\/checkers\/etcd\/store-reference\.[jt]s$/, ["onApply", "onCommit"]],
  [/\/checkers\/etcd\/lease-safety\.[jt]s$/, ["onExpire", "onDelete"]],
];

const matches = (entries: Entries, f: { functionName: string; url: string }) =>
  entries.some(([file, names]) => names.includes(f.functionName) && file.test(f.url));

/** The samples taken inside a run, and those of them inside an online monitor (its entry on the stack). */
export function sampleShares(profile: CpuProfile): { inRun: number; online: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Per node: 0 outside any run, 1 in a run, 2 in a monitor within a run (memoized up the tree).
  const kind = new Map<number, number>();
  const kindOf = (id: number): number => {
    const known = kind.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id)!;
    const up = parent.get(id);
    let k: number;
    if (matches(RUN_ENTRIES, n.callFrame)) k = 1;
    else if (up === undefined) k = 0;
    else {
      k = kindOf(up);
      if (k === 1 && matches(ONLINE_ENTRIES, n.callFrame)) k = 2;
    }
    kind.set(id, k);
    return k;
  };
  let inRun = 0;
  let online = 0;
  for (const id of profile.samples) {
    const k = kindOf(id);
    if (k > 0) inRun++;
    if (k === 2) online++;
  }
  return { inRun, online };
}

/** Runs fn under V8's CPU profiler (an in-process inspector session answers synchronously). */
function profiled(fn: () => void): CpuProfile {
  const session = new Session();
  session.connect();
  let profile: CpuProfile | undefined;
  try {
    session.post("Profiler.enable");
    session.post("Profiler.setSamplingInterval", { interval: SAMPLE_INTERVAL_US });
    session.post("Profiler.start");
    try {
      fn();
    } finally {
      session.post("Profiler.stop", (err, r) => {
        if (err === null) profile = r.profile as CpuProfile;
      });
    }
  } finally {
    session.disconnect();
  }
  if (profile === undefined) throw new Error("seed profile: the CPU profiler gave no profile");
  return profile;
}

/** `count` seeds from `first` on, after `warmup` seeds far from them (the JIT compiles on those). */
export function profileScenario(
  name: string,
  count: number,
  opts: { first?: number; warmup?: number; warmupMs?: number; split?: boolean } = {},
): SeedProfile | undefined {
  const def = findScenario(name);
  if (def === undefined) return undefined;
  const first = opts.first ?? 1;
  const seeds = Array.from({ length: count }, (_, i) => first + i);
  // `warmup` seeds at least, and more until `warmupMs` of wall time went into them: cheap seeds need many
  // more runs than costly ones before the optimizing compiler is done with the code they share.
  const w0 = performance.now();
  let warmup = 0;
  while (warmup < (opts.warmup ?? 20) || performance.now() - w0 < (opts.warmupMs ?? 0))
    runScenario({ scenario: def, seed: 1_000_000 + warmup++ });
  let events = 0,
    simMs = 0;
  const t0 = performance.now();
  for (const seed of seeds) {
    const r = runScenario({ scenario: def, seed });
    events += r.stats.events;
    simMs += r.stats.simTimeMs;
  }
  const wallMs = performance.now() - t0;
  const split: SeedSplit = { setupMs: 0, simulationMs: 0, onlineMs: 0, offlineMs: 0 };
  let shares = { inRun: 0, online: 0 };
  if (opts.split !== false) {
    let runMs = 0;
    const uninstall = install();
    try {
      const profile = profiled(() => {
        for (const seed of seeds) {
          Object.assign(clock, { on: true, firstRunAt: NaN, lastRunEnd: NaN, runMs: 0 });
          const s0 = performance.now();
          const { options, faults } = resolveRun(def, seed);
          runScenario({ scenario: def, seed, options, faults });
          const s1 = performance.now();
          clock.on = false;
          split.setupMs += (Number.isNaN(clock.firstRunAt) ? s1 : clock.firstRunAt) - s0;
          runMs += clock.runMs;
          split.offlineMs += Number.isNaN(clock.lastRunEnd) ? 0 : s1 - clock.lastRunEnd;
        }
      });
      shares = sampleShares(profile);
    } finally {
      clock.on = false;
      uninstall();
    }
    const onlineFraction = shares.inRun > 0 ? shares.online / shares.inRun : 0;
    split.onlineMs = runMs * onlineFraction;
    split.simulationMs = runMs - split.onlineMs;
  }
  return { scenario: name, seeds: count, warmup, wallMs, events, simMs, split, samples: shares };
}
