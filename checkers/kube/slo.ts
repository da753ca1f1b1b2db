// kube-slo: Kubernetes' published scalability SLOs, measured on a run's recorded latencies.
//  - Mutating API call latency: for every (resource, verb) pair of single-object mutating calls
//    (create, update, patch, delete; never watch, get or list), p99 ≤ 1 s.
//  - Pod startup latency: creation to Running observed, excluding image pulls (our kubelet pulls
//    nothing), p99 ≤ 5 s.
// Upstream measures over 5-minute windows of a large, steady cluster; a run here is seconds long, so the
// p99 is taken over the whole run, and a pair with few calls is judged by its slowest. A scenario reports
// the check by default (verdict pass, the message says whether the SLO held); option `slo: "require"`
// makes a miss fail the run.
import type { CheckResult } from "../types.ts";
import type { LatencyOp } from "../../core/metrics/latency.ts";
import { fmtUs, quantile } from "../quantile.ts";

/** The verbs Kubernetes' API-call SLO counts as mutating (watch excluded). */
export const MUTATING_VERBS = new Set(["create", "update", "patch", "delete"]);

/** A pod from creation (its first version in etcd) to Running observed (the first version saying so). */
export interface PodStartup {
  key: string;
  created: number;
  running: number | undefined;
  /** Deleted before it was seen Running (not measured). */
  deleted?: boolean;
}

export const KUBE_SLO = { mutatingP99Us: 1_000_000, podStartupP99Us: 5_000_000 } as const;

export interface SloMeasure {
  /** p99 per "verb resource", e.g. "create pods". */
  mutating: Record<string, { n: number; p99: number }>;
  /** The slowest pair's p99 (NaN without any call). */
  worstMutatingP99: number;
  worstPair: string | undefined;
  podStartup: { n: number; p99: number; neverRunning: number };
}

/**
 * `at`: when the run ended. A pod still not Running then (and not deleted) counts with the lower bound
 * `at - created` of its startup, so a control plane that never starts its pods cannot hold the SLO over
 * the few it did start; the p99 stays a lower bound of the true one, so a miss is a real miss.
 */
export function measureSlo(ops: readonly LatencyOp[], pods: readonly PodStartup[], at?: number): SloMeasure {
  const by = new Map<string, number[]>();
  for (const op of ops) {
    if (op.layer !== "apiserver" || !MUTATING_VERBS.has(firstWord(op.what))) continue;
    let xs = by.get(op.what);
    if (xs === undefined) by.set(op.what, (xs = []));
    xs.push(op.end - op.start);
  }
  const mutating: SloMeasure["mutating"] = {};
  let worstMutatingP99 = NaN,
    worstPair: string | undefined;
  for (const pair of [...by.keys()].sort()) {
    const xs = by.get(pair)!;
    const p99 = quantile(xs, 0.99);
    mutating[pair] = { n: xs.length, p99 };
    if (!(p99 <= worstMutatingP99)) {
      worstMutatingP99 = p99;
      worstPair = pair;
    }
  }
  const started = pods.filter((p) => p.running !== undefined).map((p) => p.running! - p.created);
  const waiting = pods.filter((p) => p.running === undefined && p.deleted !== true);
  const measured = at === undefined ? started : [...started, ...waiting.map((p) => Math.max(0, at - p.created))];
  return {
    mutating,
    worstMutatingP99,
    worstPair,
    podStartup: { n: measured.length, p99: quantile(measured, 0.99), neverRunning: waiting.length },
  };
}

/** s.split(" ")[0] without the array: the text before the first space (all of it when there is none). */
export function firstWord(s: string): string {
  const i = s.indexOf(" ");
  return i < 0 ? s : s.slice(0, i);
}

export function checkKubeSlo(
  ops: readonly LatencyOp[],
  pods: readonly PodStartup[],
  mode: "report" | "require" = "report",
  at?: number,
): CheckResult {
  const m = measureSlo(ops, pods, at);
  const misses: string[] = [];
  if (m.worstMutatingP99 > KUBE_SLO.mutatingP99Us)
    misses.push(`mutating API p99 ${fmtUs(m.worstMutatingP99)} (${m.worstPair}) > 1s`);
  if (m.podStartup.p99 > KUBE_SLO.podStartupP99Us) misses.push(`pod startup p99 ${fmtUs(m.podStartup.p99)} > 5s`);
  const measured = `mutating API p99 ${fmtUs(m.worstMutatingP99)}${m.worstPair ? ` (worst: ${m.worstPair})` : ""}, pod startup p99 ${fmtUs(m.podStartup.p99)} over ${m.podStartup.n} pods${m.podStartup.neverRunning ? ` (${m.podStartup.neverRunning} never Running, counted until the end)` : ""}`;
  const held = misses.length === 0;
  const message = held ? `SLOs held: ${measured}` : `SLO missed: ${misses.join("; ")}`;
  if (mode === "require") return { name: "kube-slo", verdict: held ? "pass" : "fail", message, evidence: m };
  return { name: "kube-slo", verdict: "pass", message: `report only — ${message}`, evidence: m };
}
