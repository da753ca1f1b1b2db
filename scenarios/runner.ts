// seed → RunResult. Resolves options and the fault schedule from the seed (printed first by the CLI),
// executes, and combines the checkers' verdicts.
import { BugSet, type BugName } from "../core/bugs.ts";
import { combineVerdicts } from "../checkers/types.ts";
import { probeCounts, resetProbes } from "../core/probes.ts";
import { Rng } from "../sim/rng.ts";
import type { FaultEvent } from "../sim/nemesis.ts";
import type { Options, RunResult, ScenarioDef } from "./types.ts";

export interface RunInput {
  scenario: ScenarioDef;
  /** How the scenario was named on the command line (a name or a file), for the repro line. */
  scenarioRef?: string;
  seed: number;
  bugs?: readonly BugName[];
  keepTrace?: boolean;
  /** Replay: explicit options and schedule instead of the seed's generators. */
  options?: Options;
  faults?: FaultEvent[];
}

export function reproCommand(scenarioRef: string, seed: number, bugs: readonly string[]): string {
  return ["npx etcdsim run", `--scenario ${scenarioRef}`, `--seed ${seed}`, ...bugs.map((b) => `--bug ${b}`)].join(" ");
}

/** The seed's options (unless given) and the fault schedule drawn for them. */
export function resolveRun(
  scenario: ScenarioDef,
  seed: number,
  given?: Options,
): { options: Options; faults: FaultEvent[] } {
  const root = new Rng(seed);
  const options = given ?? scenario.resolve(root.fork("options"));
  const faults = scenario.schedule(root.fork("faults"), options);
  return { options, faults };
}

export function runScenario(input: RunInput): RunResult {
  const bugList = [...(input.bugs ?? [])].sort();
  const seeded =
    input.options === undefined || input.faults === undefined
      ? resolveRun(input.scenario, input.seed, input.options)
      : undefined;
  const resolved = { options: input.options ?? seeded!.options, faults: input.faults ?? seeded!.faults };
  // Probe counts are module state: this run's start from zero (they never enter the trace hash).
  resetProbes();
  let out: ReturnType<ScenarioDef["execute"]>;
  try {
    out = input.scenario.execute({
      seed: input.seed,
      bugs: new BugSet(bugList),
      options: resolved.options,
      faults: resolved.faults,
      keepTrace: input.keepTrace ?? false,
    });
  } catch (e) {
    // The per-run event budget (sim/scheduler.ts) bounds every run: past it the run is inconclusive,
    // never a hang. Anything else is a crash of the simulator and propagates.
    if ((e as Error).name !== "EventBudgetExceeded") throw e;
    out = {
      checks: [
        {
          name: "run-budget",
          verdict: "unknown",
          message: `stopped: ${(e as Error).message} (the per-run event budget); inconclusive — shorten faultPhaseUs or the workload`,
        },
      ],
      traceHash: "none",
      stats: { events: 0, messages: 0, ops: 0, simTimeMs: 0 },
    };
  }
  const verdict = combineVerdicts(out.checks.map((c) => c.verdict));
  const result: RunResult = {
    scenario: input.scenario.name,
    seed: input.seed,
    bugs: bugList,
    verdict,
    traceHash: out.traceHash,
    stats: { ...out.stats, wallMs: 0 },
    checks: out.checks,
    repro: reproCommand(input.scenarioRef ?? input.scenario.name, input.seed, bugList),
    options: resolved.options,
    faults: resolved.faults,
    probes: Object.fromEntries(probeCounts()),
  };
  if (out.history) result.history = out.history;
  if (out.faultLog) result.faultLog = out.faultLog;
  if (out.timeline) result.timeline = out.timeline;
  if (out.extra) result.extra = out.extra;
  if (out.traceLines) result.traceLines = out.traceLines;
  return result;
}
