// What a scenario is and what a run returns. A run is fully described by (scenario, resolved options,
// fault schedule, bugs); the seed only generates the options and the schedule, so a saved replay
// re-executes without the seed's generators.
import type { BugName, BugSet } from "../core/bugs.ts";
import type { History } from "../checkers/history.ts";
import type { CheckResult, Verdict } from "../checkers/types.ts";
import type { FaultEvent } from "../sim/nemesis.ts";
import type { Rng } from "../sim/rng.ts";
import type { MembershipLogEntry } from "../harness/etcd/membership.ts";
import type { KubeObjectsView } from "../harness/kube/objects.ts";
import type { RealStats } from "../harness/real/stats.ts";
import type { Comparison } from "../harness/real/compare.ts";
import type { RealFault } from "../harness/real/schedule.ts";

export type Options = Record<string, unknown>;

export interface RunStats {
  /** Scheduler events executed. */
  events: number;
  /** Messages sent over the simulated network. */
  messages: number;
  /** Client operations in the history. */
  ops: number;
  simTimeMs: number;
  /** Wall-clock time; filled in by the caller outside the simulated world (0 inside). */
  wallMs: number;
}

/** A timeline sample for reports: who leads, at which term, on which member, when. */
export interface TimelinePoint {
  time: number;
  member: string;
  role: string;
  term: number;
  commitIndex?: number;
}

export interface ScenarioOutcome {
  checks: CheckResult[];
  traceHash: string;
  stats: Omit<RunStats, "wallMs">;
  history?: History;
  /** Applied faults with their real start/end (µs). */
  faultLog?: { fault: FaultEvent; start: number; end: number | undefined }[];
  timeline?: TimelinePoint[];
  /** What else a report draws. */
  extra?: RunExtra;
  traceLines?: import("../sim/trace.ts").TraceLine[];
}

/** What a run hands reports beyond its checks and history. */
export interface RunExtra {
  /** A membership plan's run: every action of the operator and the leader's answer. */
  membership?: MembershipLogEntry[];
  /** A Kubernetes run: the objects over time. */
  kube?: KubeObjectsView;
  /** `etcdsim real`: the real cluster's schedule as applied, and what the truth watcher saw. */
  real?: RealRunExtra;
  realStats?: RealStats;
  /** `etcdsim real --compare-sim`: the real run's distributions beside the simulated seed's. */
  compareSim?: Comparison;
}

export interface RealRunExtra {
  note: string;
  schedule: (RealFault & { description: string })[];
  applied: { fault: string; target: string | undefined; start: number; end: number | undefined; outcome: string }[];
  truth: { complete: boolean; gaps: string[]; resumes: number; lastRevision: number };
}

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
