// The linearizability checker on the whole Porcupine corpus, per group, beside Porcupine's own times.
import { performance } from "node:perf_hooks";
import { benchCorpusWith, corpusCases, loadCase } from "../checkers/linearizability/corpus.ts";
import { verifyMinimalSubsets } from "../checkers/linearizability/minimize-check.ts";
import { checkerSeriesMeasurements } from "./checker-series.ts";
import type { Measurement } from "./types.ts";

/** `bench --only checker`: Porcupine's corpus in this process, then the scaling series, a process per file. */
export async function checkerMeasurements(): Promise<Measurement[]> {
  return [...corpusMeasurements(), minimalSubsetMeasurement(), ...(await checkerSeriesMeasurements())];
}

/** Every non-linearizable corpus file (CI checks a sample): its minimal failing subset fails, each one-smaller subset passes. */
function minimalSubsetMeasurement(): Measurement {
  const t0 = performance.now();
  const sizes: number[] = [];
  const problems = verifyMinimalSubsets(
    corpusCases()
      .filter((c) => c.expected === "illegal")
      .map((c) => loadCase(c)),
    sizes,
  );
  return {
    group: "checker",
    name: `minimal failing subsets of all ${sizes.length} non-linearizable corpus checks: problems`,
    value: problems.length,
    unit: "files",
    target: 0,
    lowerIsBetter: true,
    detail: {
      problems,
      largestSubset: Math.max(...sizes),
      meanSubset: Number((sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(2)),
      ms: Math.round(performance.now() - t0),
    },
  };
}

function corpusMeasurements(): Measurement[] {
  const r = benchCorpusWith(() => performance.now(), { reps: 3 });
  const t = r.totals;
  const slowest = [...r.perFile].sort((a, b) => b.ms - a.ms).slice(0, 6);
  return [
    {
      group: "checker",
      name: "Porcupine jepsen logs (103), sum of medians",
      value: Number(t.jepsenMs.toFixed(1)),
      unit: "ms",
      target: t.porcupineJepsenMs * 0.5,
      lowerIsBetter: true,
      detail: { porcupineMs: t.porcupineJepsenMs },
    },
    {
      group: "checker",
      name: "Porcupine kv logs split by key (6)",
      value: Number(t.kvByKeyMs.toFixed(1)),
      unit: "ms",
      target: t.porcupineKvByKeyMs * 0.5,
      lowerIsBetter: true,
      detail: { porcupineMs: t.porcupineKvByKeyMs },
    },
    {
      group: "checker",
      name: "Porcupine kv c01+c10 unsplit (4)",
      value: Number(t.kvMapMs.toFixed(1)),
      unit: "ms",
      target: t.porcupineKvMapMs * 0.5,
      lowerIsBetter: true,
      detail: { porcupineMs: t.porcupineKvMapMs },
    },
    {
      group: "checker",
      name: "verdicts differing from the corpus README",
      value: t.mismatches,
      unit: "files",
      target: 0,
      lowerIsBetter: true,
    },
    ...slowest.map((f) => ({
      group: "checker",
      name: `slowest: ${f.file} (${f.model})`,
      value: Number(f.ms.toFixed(2)),
      unit: "ms",
      detail: { ops: f.ops, steps: f.steps, verdict: f.verdict },
    })),
    {
      group: "checker",
      name: "per-file results",
      value: r.perFile.length,
      unit: "files",
      detail: { perFile: r.perFile },
    },
  ];
}
