// Sweep throughput: a pool of 1 worker process against a pool of 2 (target: 2 workers >= 1.8x), the
// in-process sweep (`--workers 1`) for reference, and seeds per hour for kv-chaos and deployment-rollout.
import { performance } from "node:perf_hooks";
import { sweepSeeds } from "../harness/sweep/pool.ts";
import type { Measurement } from "./types.ts";

async function seedsPerSecond(scenario: string, count: number, workers: number, pool: boolean): Promise<number> {
  const seeds = Array.from({ length: count }, (_, i) => i + 1);
  const t0 = performance.now();
  await sweepSeeds(scenario, [], seeds, workers, { pool });
  return (seeds.length / (performance.now() - t0)) * 1000;
}

export async function sweepMeasurements(): Promise<Measurement[]> {
  // A CI-sized sweep (~40 s for one worker). Every worker pays a fixed ~2.5 s (0.5 s loading, ~2 s of
  // TurboFan warm-up on its own core), so a short sweep measures compilation, not simulation: two workers
  // give ~1.65x at 600 seeds, ~1.8x at 1,500 (within noise of the target) and tend to ~1.95x.
  const count = 3000;
  const one = await seedsPerSecond("kv-chaos", count, 1, true);
  const two = await seedsPerSecond("kv-chaos", count, 2, true);
  const inProcess = await seedsPerSecond("kv-chaos", count, 1, false);
  const rollout = await seedsPerSecond("deployment-rollout", 20, 2, true);
  const row = (name: string, v: number, extra: Record<string, unknown> = {}): Measurement =>
    ({ group: "sweep", name, value: Number(v.toFixed(2)), unit: "seeds/s", detail: { seeds: count, seedsPerHour: Math.round(v * 3600), ...extra } });
  return [
    row("kv-chaos, 1 worker process", one),
    row("kv-chaos, 2 worker processes", two),
    row("kv-chaos, in-process (--workers 1, V8 helper threads on)", inProcess),
    { group: "sweep", name: "speed-up of 2 worker processes over 1", value: Number((two / one).toFixed(2)), unit: "x", target: 1.8, detail: { overInProcess: Number((two / inProcess).toFixed(2)) } },
    { ...row("deployment-rollout, 2 worker processes", rollout), detail: { seeds: 20, seedsPerHour: Math.round(rollout * 3600) } },
  ];
}
