// Aggregates latency samples over the seeds of one explore grid point: per metric, the median and p99
// of every operation of every seed together, and how much the per-seed p99 spreads between seeds.
import { quantileSorted, sortedCopy } from "../../checkers/quantile.ts";

export interface MetricSummary {
  /** Operations (or steps, pods) measured, over all seeds. */
  n: number;
  /** Seeds that measured this metric at all. */
  seeds: number;
  median: number;
  p99: number;
  /** The per-seed p99: smallest, median and largest over the seeds. */
  seedP99: { min: number; median: number; max: number };
}

/** Metrics in the order tables show them; anything else (per-step rows) follows, sorted. */
export const METRIC_ORDER = [
  "etcd leader",
  "etcd follower",
  "api mutating",
  "api get",
  "api list",
  "informer lag",
  "workqueue wait",
  "pod startup",
  "ready (every step)",
];

export function metricOrder(names: Iterable<string>): string[] {
  const all = [...new Set(names)];
  const known = METRIC_ORDER.filter((m) => all.includes(m));
  return [
    ...known,
    ...all
      .filter((m) => !METRIC_ORDER.includes(m))
      .sort((a, b) => stepIndex(a) - stepIndex(b) || (a < b ? -1 : a > b ? 1 : 0)),
  ];
}

const stepIndex = (m: string) => {
  const r = /^ready #(\d+)/.exec(m);
  return r ? Number(r[1]) : Number.MAX_SAFE_INTEGER;
};

/** runs: one Record<metric, samples µs> per seed. */
export function summarize(runs: readonly Record<string, readonly number[]>[]): Record<string, MetricSummary> {
  const names = metricOrder(runs.flatMap((r) => Object.keys(r)));
  const out: Record<string, MetricSummary> = {};
  for (const name of names) {
    const pooled: number[] = [];
    const p99s: number[] = [];
    for (const r of runs) {
      const xs = r[name];
      if (xs === undefined || xs.length === 0) continue;
      for (const x of xs) pooled.push(x);
      p99s.push(quantileSorted(sortedCopy(xs as number[]), 0.99));
    }
    if (pooled.length === 0) continue;
    const all = sortedCopy(pooled),
      seedP = sortedCopy(p99s);
    out[name] = {
      n: pooled.length,
      seeds: p99s.length,
      median: quantileSorted(all, 0.5),
      p99: quantileSorted(all, 0.99),
      seedP99: { min: seedP[0]!, median: quantileSorted(seedP, 0.5), max: seedP[seedP.length - 1]! },
    };
  }
  return out;
}
