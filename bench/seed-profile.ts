// The whole seed, warm, in one process: wall time per seed split into set-up (options, schedule, world
// and cluster), simulation, online checking (the monitors fed during the run: the Raft safety
// monitor, the cross-member oracle, the reference store, lease safety) and offline checking with result assembly (every
// checker over the recorded history after the last simulated event), plus events and simulated
// seconds per seed. Two passes over the same seeds: a plain one for the end-to-end rate (nothing
// instrumented), and an instrumented one for the split.
//
// The split is measured from outside the simulated world: the bench wraps World's run methods and the
// monitors' entry points (prototype methods) with the wall clock, so sim/ and checkers/ stay free of it,
// and removes the wrappers after that pass: the plain passes of later scenarios in the same process
// would otherwise run through them (every Raft view through a rest-argument wrapper).
import { performance } from "node:perf_hooks";
import { findScenario } from "../scenarios/registry.ts";
import { resolveRun, runScenario } from "../scenarios/runner.ts";
import { World } from "../sim/world.ts";
import { RaftSafetyMonitor } from "../checkers/raft/monitor.ts";
import { ConsistencyOracle } from "../checkers/etcd/consistency.ts";
import { StoreReference } from "../checkers/etcd/store-reference.ts";
import { LeaseSafety } from "../checkers/etcd/lease-safety.ts";

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
}

/** The phase clock of the seed being timed. */
const clock = { on: false, depth: 0, onlineDepth: 0, firstRunAt: NaN, lastRunEnd: NaN, runMs: 0, onlineMs: 0 };

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
 * Wraps the run methods and the monitors' entry points with the phase clock, for one instrumented pass;
 * returns what removes the wrappers, so that no later plain pass (of this scenario or the next) runs
 * through them.
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
  const online: [object, string[]][] = [
    [RaftSafetyMonitor.prototype, ["observe", "onCrash"]],
    [ConsistencyOracle.prototype, ["onApply", "onRestart"]],
    [StoreReference.prototype, ["onApply", "onCommit"]],
    [LeaseSafety.prototype, ["onExpire", "onDelete"]],
  ];
  for (const [proto, names] of online) {
    for (const name of names) {
      restore.push(
        wrap(
          proto,
          name,
          (orig) =>
            function (...a) {
              if (!clock.on || clock.depth === 0 || clock.onlineDepth > 0) return orig.apply(this, a);
              clock.onlineDepth++;
              const t0 = performance.now();
              try {
                return orig.apply(this, a);
              } finally {
                clock.onlineMs += performance.now() - t0;
                clock.onlineDepth--;
              }
            },
        ),
      );
    }
  }
  return () => {
    for (const r of restore) r();
  };
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
  if (opts.split !== false) {
    const uninstall = install();
    try {
      for (const seed of seeds) {
        Object.assign(clock, { on: true, firstRunAt: NaN, lastRunEnd: NaN, runMs: 0, onlineMs: 0 });
        const s0 = performance.now();
        const { options, faults } = resolveRun(def, seed);
        runScenario({ scenario: def, seed, options, faults });
        const s1 = performance.now();
        clock.on = false;
        split.setupMs += (Number.isNaN(clock.firstRunAt) ? s1 : clock.firstRunAt) - s0;
        split.onlineMs += clock.onlineMs;
        split.simulationMs += clock.runMs - clock.onlineMs;
        split.offlineMs += Number.isNaN(clock.lastRunEnd) ? 0 : s1 - clock.lastRunEnd;
      }
    } finally {
      clock.on = false;
      uninstall();
    }
  }
  return { scenario: name, seeds: count, warmup, wallMs, events, simMs, split };
}
