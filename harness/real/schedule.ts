// The fault schedule of a real run: an explicit, serializable list of timed faults drawn from the seed
// (stream "real/faults"), printed before the run and savable as a replay. The scenario's simulated
// fault mix says which kinds to draw: each simulated kind maps to the real fault that comes closest
// (below); clock skew and drift have no counterpart without root and are left out.
// Faults come one after another (the next starts after the previous ended plus a gap), so a majority
// of a 3-member cluster is up outside the fault itself, as in etcd's robustness tests.
import type { Rng } from "../../sim/rng.ts";
import type { FaultEvent, FaultKind } from "../../sim/nemesis.ts";

/** Times are ms from the start of the workload. Targets are member names, or "@leader" (resolved when the fault starts). */
export type RealFault =
  /** SIGKILL, restarted from its data dir at `until`. */
  | { at: number; until: number; kind: "kill"; target: string }
  /** SIGTERM (etcd stops gracefully: a leader hands leadership to a peer first), restarted at `until`. */
  | { at: number; until: number; kind: "stop"; target: string }
  /** SIGSTOP, SIGCONT at `until`. */
  | { at: number; until: number; kind: "pause"; target: string }
  /** Every peer link of the member blackholed both ways (through the proxies); clients still reach it. */
  | { at: number; until: number; kind: "isolate"; target: string }
  /** Peer messages from `from` to `to` vanish; the other direction works. */
  | { at: number; until: number; kind: "oneway"; from: string; to: string }
  /** Extra latency on every byte to and from the member (peer and client ports). */
  | { at: number; until: number; kind: "delay"; target: string; ms: number }
  /** Connections to and from the member break with probability p per chunk (peer and client ports). */
  | { at: number; until: number; kind: "drop"; target: string; p: number }
  /** Maintenance Defragment on the member (it stalls while the backend is rewritten). */
  | { at: number; until: number; kind: "defrag"; target: string }
  /** MemberRemove, wipe, MemberAdd, start empty: the member is replaced (the leader too, at times). */
  | { at: number; until: number; kind: "replace"; target: string };

export type RealFaultKind = RealFault["kind"];
export const REAL_FAULT_KINDS: readonly RealFaultKind[] = [
  "kill",
  "pause",
  "isolate",
  "oneway",
  "delay",
  "drop",
  "defrag",
  "replace",
  "stop",
];

/** Which real fault stands for a simulated one (undefined: none without root). */
export const SIM_TO_REAL: Record<FaultKind, RealFaultKind | undefined> = {
  crash: "kill",
  pause: "pause",
  partition: "isolate",
  isolate: "isolate",
  bridge: "isolate",
  "partition-oneway": "oneway",
  clog: "oneway",
  delay: "delay",
  "disk-slow": "defrag",
  loss: "drop",
  duplicate: "drop",
  skew: undefined,
  drift: undefined,
  "slow-messages": "delay",
  swizzle: "oneway",
  // A real etcd cluster runs no pods.
  "container-kill": undefined,
  stop: "stop",
};

export function describeRealFault(f: RealFault): string {
  switch (f.kind) {
    case "kill":
      return `SIGKILL ${f.target}, restart`;
    case "stop":
      return `SIGTERM ${f.target}, restart`;
    case "pause":
      return `SIGSTOP ${f.target}, SIGCONT`;
    case "isolate":
      return `isolate ${f.target} from its peers`;
    case "oneway":
      return `one-way cut ${f.from} -/-> ${f.to}`;
    case "delay":
      return `delay ${f.target} +${f.ms}ms`;
    case "drop":
      return `drop ${f.target} connections p=${f.p}`;
    case "defrag":
      return `defragment ${f.target}`;
    case "replace":
      return `replace ${f.target} (remove, wipe, add)`;
  }
}

/** The closest simulated fault, for the report's fault chart (which draws simulated kinds). */
export function asSimFault(f: RealFault, resolvedTarget?: string): FaultEvent {
  const at = f.at * 1000,
    until = f.until * 1000;
  const t = resolvedTarget ?? ("target" in f ? f.target : "");
  switch (f.kind) {
    case "kill":
    case "replace":
      return { at, until, kind: "crash", target: t };
    case "pause":
      return { at, until, kind: "pause", target: t };
    case "stop":
      return { at, until, kind: "stop", target: t };
    case "isolate":
      return { at, until, kind: "isolate", target: t };
    case "oneway":
      return { at, until, kind: "partition-oneway", from: [f.from], to: [f.to] };
    case "delay":
      return { at, until, kind: "delay", extraUs: f.ms * 1000 };
    case "drop":
      return { at, until, kind: "loss", p: f.p };
    case "defrag":
      return { at, until, kind: "disk-slow", target: t, extraUs: 0 };
  }
}

export interface RealScheduleOptions {
  members: string[];
  durationMs: number;
  /** Relative weights of the kinds to draw (0 or absent: never). */
  weights: Partial<Record<RealFaultKind, number>>;
  /** Mean quiet time between faults (ms). */
  meanGapMs: number;
  minDurationMs: number;
  maxDurationMs: number;
}

/**
 * Weights from a simulated scenario's fault mix (plus defrag when it compacts, replace when it changes
 * membership, stop when it restarts members one by one).
 */
export function weightsFromScenario(
  simWeights: Partial<Record<FaultKind, number>>,
  extra: { compaction: boolean; membership: boolean; rollingRestart?: boolean },
): Partial<Record<RealFaultKind, number>> {
  const w: Partial<Record<RealFaultKind, number>> = {};
  for (const k of Object.keys(simWeights).sort() as FaultKind[]) {
    const real = SIM_TO_REAL[k];
    const n = simWeights[k] ?? 0;
    if (real !== undefined && n > 0) w[real] = (w[real] ?? 0) + n;
  }
  if (Object.keys(w).length > 0 && extra.compaction) w.defrag = Math.max(1, w.defrag ?? 0);
  if (extra.membership) w.replace = Math.max(2, w.replace ?? 0);
  if (extra.rollingRestart === true) w.stop = Math.max(2, w.stop ?? 0);
  return w;
}

export function generateRealSchedule(rng: Rng, o: RealScheduleOptions): RealFault[] {
  const kinds = REAL_FAULT_KINDS.filter((k) => (o.weights[k] ?? 0) > 0);
  const out: RealFault[] = [];
  if (kinds.length === 0 || o.members.length === 0) return out;
  const total = kinds.reduce((s, k) => s + o.weights[k]!, 0);
  // The first second is quiet (the workload settles), and the last one too (the run ends in heal).
  let t = 1000 + rng.int(0, o.meanGapMs);
  const last = o.durationMs - 1000;
  while (t < last) {
    let x = rng.next() * total;
    let kind = kinds[0]!;
    for (const k of kinds) {
      x -= o.weights[k]!;
      if (x < 0) {
        kind = k;
        break;
      }
    }
    const until = Math.min(last, t + rng.int(o.minDurationMs, o.maxDurationMs));
    if (until <= t) break;
    // Half of the process faults hit whoever leads when they start.
    const target =
      (kind === "kill" || kind === "pause" || kind === "isolate" || kind === "replace" || kind === "stop") &&
      rng.chance(0.5)
        ? "@leader"
        : rng.pick(o.members);
    switch (kind) {
      case "oneway": {
        const from = rng.pick(o.members);
        const to = rng.pick(
          o.members.filter((m) => m !== from).length ? o.members.filter((m) => m !== from) : o.members,
        );
        out.push({ at: t, until, kind, from, to });
        break;
      }
      case "delay":
        out.push({ at: t, until, kind, target, ms: rng.pick([20, 50, 150]) });
        break;
      case "drop":
        out.push({ at: t, until, kind, target, p: rng.pick([0.01, 0.05, 0.2]) });
        break;
      default:
        out.push({ at: t, until, kind, target } as RealFault);
    }
    t = until + rng.int(o.meanGapMs / 2, (o.meanGapMs * 3) / 2);
  }
  return out;
}
