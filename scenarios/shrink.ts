// Shrinking a failing run to a minimal replay with fast-check: the original run (every fault kept,
// full windows, full size knobs) is given as an example, and fast-check's shrinker drops faults,
// shortens windows and lowers size knobs while the same checker still fails. A fixed evaluation
// budget (not a clock) bounds the work, so shrinking is itself deterministic.
import fc from "fast-check";
import type { BugName } from "../core/bugs.ts";
import type { FaultEvent } from "../sim/nemesis.ts";
import { resolveRun, runScenario } from "./runner.ts";
import type { Options, RunResult, ScenarioDef } from "./types.ts";

export interface Replay {
  scenario: string;
  seed: number;
  bugs: BugName[];
  options: Options;
  faults: FaultEvent[];
}

export interface ShrinkSizes {
  faults: number;
  faultTimeMs: number;
  knobs: Record<string, number>;
}

export interface ShrinkResult {
  checker: string;
  before: ShrinkSizes;
  after: ShrinkSizes;
  replay: Replay;
  evaluations: number;
  final: RunResult;
}

function sizes(def: ScenarioDef, options: Options, faults: readonly FaultEvent[]): ShrinkSizes {
  const knobs: Record<string, number> = {};
  for (const k of def.shrinkKnobs ?? []) knobs[k.name] = k.get(options);
  const faultTimeMs = Math.round(faults.reduce((s, f) => s + ((f.until ?? f.at) - f.at), 0) / 1000);
  return { faults: faults.length, faultTimeMs, knobs };
}

interface Candidate {
  keep: boolean[];
  /** Percent of each fault's window kept (1..100). */
  window: number[];
  knobs: number[];
}

function apply(
  def: ScenarioDef,
  options: Options,
  faults: readonly FaultEvent[],
  c: Candidate,
): { options: Options; faults: FaultEvent[] } {
  let o = options;
  (def.shrinkKnobs ?? []).forEach((k, i) => {
    o = k.set(o, c.knobs[i]!);
  });
  const fs: FaultEvent[] = [];
  faults.forEach((f, i) => {
    if (!c.keep[i]) return;
    if (f.until === undefined) return void fs.push(f);
    const until = f.at + Math.max(1, Math.round(((f.until - f.at) * c.window[i]!) / 100));
    fs.push({ ...f, until } as FaultEvent);
  });
  return { options: o, faults: fs };
}

export function shrinkFailure(input: {
  scenario: ScenarioDef;
  seed: number;
  bugs: BugName[];
  options?: Options;
  faults?: FaultEvent[];
  maxEvaluations?: number;
  onProgress?: (evals: number, best: ShrinkSizes) => void;
}): ShrinkResult | { notFailing: RunResult } {
  const def = input.scenario;
  const base =
    input.options && input.faults ? { options: input.options, faults: input.faults } : resolveRun(def, input.seed);
  const first = runScenario({
    scenario: def,
    seed: input.seed,
    bugs: input.bugs,
    options: base.options,
    faults: base.faults,
  });
  const failing = first.checks.find((c) => c.verdict === "fail");
  if (failing === undefined) return { notFailing: first };
  const checker = failing.name;
  const knobs = def.shrinkKnobs ?? [];
  const n = base.faults.length;
  const arb = fc.record({
    keep: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    window: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: n, maxLength: n }),
    knobs: fc.tuple(...knobs.map((k) => fc.integer({ min: k.min, max: Math.max(k.min, k.get(base.options)) }))),
  });
  const original: Candidate = {
    keep: base.faults.map(() => true),
    window: base.faults.map(() => 100),
    knobs: knobs.map((k) => Math.max(k.min, k.get(base.options))),
  };
  const budget = input.maxEvaluations ?? 300;
  let evaluations = 0;
  let best = { ...base, result: first };
  const stillFails = (c: Candidate): boolean => {
    if (evaluations >= budget) return false;
    evaluations++;
    const cand = apply(def, base.options, base.faults, c);
    const r = runScenario({
      scenario: def,
      seed: input.seed,
      bugs: input.bugs,
      options: cand.options,
      faults: cand.faults,
    });
    const fails = r.checks.some((k) => k.name === checker && k.verdict === "fail");
    if (fails) {
      best = { ...cand, result: r };
      input.onProgress?.(evaluations, sizes(def, cand.options, cand.faults));
    }
    return fails;
  };
  fc.check(
    fc.property(arb, (c) => !stillFails(c as Candidate)),
    { examples: [[original]], numRuns: 1, seed: input.seed | 0 },
  );
  return {
    checker,
    before: sizes(def, base.options, base.faults),
    after: sizes(def, best.options, best.faults),
    replay: { scenario: def.name, seed: input.seed, bugs: input.bugs, options: best.options, faults: best.faults },
    evaluations,
    final: best.result,
  };
}
