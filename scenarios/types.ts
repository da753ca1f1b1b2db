// What a scenario is and what a run returns. A run is fully described by (scenario, resolved options,
// fault schedule, bugs); the seed only generates the options and the schedule, so a saved replay
// re-executes without the seed's generators.
import type { BugName, BugSet } from "../core/bugs.ts";
import type { History } from "../checkers/history.ts";
import type { CheckResult, Verdict } from "../checkers/types.ts";
import type { FaultEvent } from "../sim/nemesis.ts";
import type { RunExtra, RunStats, ScenarioOutcome, TimelinePoint } from "../harness/run/types.ts";
import type { Rng } from "../sim/rng.ts";

export type Options = Record<string, unknown>;

export type { RunStats, TimelinePoint, ScenarioOutcome, RunExtra, RealRunExtra } from "../harness/run/types.ts";

export interface ExecuteInput<O extends Options = Options> {
  seed: number;
  bugs: BugSet;
  options: O;
  faults: FaultEvent[];
  keepTrace: boolean;
}

export interface ScenarioDef<O extends Options = Options> {
  name: string;
  description: string;
  /** The options for this seed (swarm testing draws a different mix per seed). */
  resolve(rng: Rng): O;
  /** The explicit fault schedule for these options. */
  schedule(rng: Rng, options: O): FaultEvent[];
  execute(input: ExecuteInput<O>): ScenarioOutcome;
  /** Integer size knobs the shrinker may lower (clients, operations, cluster size…). */
  shrinkKnobs?: ShrinkKnob<O>[];
}

export interface ShrinkKnob<O extends Options = Options> {
  name: string;
  min: number;
  get(o: O): number;
  set(o: O, v: number): O;
}

export interface RunResult {
  scenario: string;
  seed: number;
  bugs: BugName[];
  verdict: Verdict;
  traceHash: string;
  stats: RunStats;
  checks: CheckResult[];
  repro: string;
  options: Options;
  faults: FaultEvent[];
  /** How often each code probe fired in this run (core/probes.ts; catalogs in scenarios/probes.ts). */
  probes?: Record<string, number>;
  history?: History;
  faultLog?: ScenarioOutcome["faultLog"];
  timeline?: TimelinePoint[];
  extra?: RunExtra;
  traceLines?: import("../sim/trace.ts").TraceLine[];
}

/** Raised for bad user input (unknown scenario, malformed file): the CLI prints the message, exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
