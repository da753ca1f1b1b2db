// Sweep throughput with 1 and 2 worker threads (target: 2 workers >= 1.8x), and seeds per hour.
import { performance } from "node:perf_hooks";
import { sweepSeeds } from "../cli/sweep.ts";
import type { Measurement } from "./types.ts";

export async function sweepMeasurements(): Promise<Measurement[]> {
  // Enough seeds that worker start-up (a tsx loader per thread) does not dominate.
  const seeds = Array.from({ length: 120 }, (_, i) => i + 1);
  const rate = async (workers: number) => {
    const t0 = performance.now();
    // Both through worker threads, so each pays the same start-up (a tsx loader per thread).
    await sweepSeeds("kv-chaos", [], seeds, workers, { threads: true });
    return (seeds.length / (performance.now() - t0)) * 1000;
  };
  const one = await rate(1);
  const two = await rate(2);
  return [
    { group: "sweep", name: "kv-chaos seeds/s, 1 worker", value: Number(one.toFixed(2)), unit: "seeds/s", detail: { seedsPerHour: Math.round(one * 3600) } },
    { group: "sweep", name: "kv-chaos seeds/s, 2 workers", value: Number(two.toFixed(2)), unit: "seeds/s", detail: { seedsPerHour: Math.round(two * 3600) } },
    { group: "sweep", name: "speed-up of 2 workers over 1", value: Number((two / one).toFixed(2)), unit: "x", target: 1.8 },
  ];
}
