// What one run hands back (ScenarioOutcome) and what reports draw from it beyond the checks and the
// history (RunExtra): typed, so no reader guesses a shape.
import type { History } from "../../checkers/history.ts";
import type { LatencyReport } from "../metrics/kube.ts";
import type { CheckResult } from "../../checkers/types.ts";
import type { FaultEvent } from "../../sim/nemesis.ts";
import type { TraceLine } from "../../sim/trace.ts";
import type { MembershipLogEntry } from "../etcd/membership.ts";
import type { KubeObjectsView } from "../kube/objects.ts";
import type { Comparison } from "../real/compare.ts";
import type { RealFault } from "../real/schedule.ts";
import type { RealStats } from "../real/stats.ts";

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
  traceLines?: TraceLine[];
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
  /** Per-operation latencies on every layer (core/metrics): etcd scenarios' client ops, Kubernetes' API calls and steps. */
  latency?: LatencyReport;
  /** auth-revoke: the operator's auth changes and the auth revisions as the members applied them. */
  auth?: {
    operator: { time: number; what: string; result: string }[];
    changes: { time: number; kvRevision: number; authRevision: number }[];
  };
  /** quota-pressure: the etcd operator's steps (alarm seen, compaction, defrag, disarm) and the quota recounts. */
  operator?: { time: number; what: string; result?: string }[];
  quotaRecounts?: string[];
}

export interface RealRunExtra {
  note: string;
  schedule: (RealFault & { description: string })[];
  applied: { fault: string; target: string | undefined; start: number; end: number | undefined; outcome: string }[];
  truth: { complete: boolean; gaps: string[]; resumes: number; lastRevision: number };
}
