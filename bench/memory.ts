// Memory flat in run length: kv-chaos with a fault phase of 1 simulated minute and of 1 simulated hour,
// each in a fresh process; target: the hour's peak RSS within 2x of the minute's.
import { inChild } from "./child.ts";
import type { Measurement } from "./types.ts";

interface LongRun {
  verdict: string;
  events: number;
  ops: number;
  simMs: number;
  wallMs: number;
  peakRssMB: number;
  /** Peak RSS when the checkers started (the simulation's own), and the checkers' wall time. */
  simPeakRssMB: number;
  checkersMs: number;
  heapUsedMB: number;
}

function longRun(seconds: number, seed = 1): Promise<LongRun> {
  return inChild<LongRun>("memory-child", { scenario: "kv-chaos", seed, seconds });
}

export async function memoryMeasurements(): Promise<Measurement[]> {
  const minute = await longRun(60);
  const hour = await longRun(3600);
  const row = (name: string, r: LongRun): Measurement => ({
    group: "memory",
    name,
    value: Math.round(r.peakRssMB),
    unit: "MB",
    lowerIsBetter: true,
    detail: {
      verdict: r.verdict,
      events: r.events,
      ops: r.ops,
      simSeconds: Math.round(r.simMs / 1000),
      wallMs: Math.round(r.wallMs),
      xRealTime: Number((r.simMs / r.wallMs).toFixed(1)),
      heapUsedMB: Math.round(r.heapUsedMB),
      simPeakRssMB: Math.round(r.simPeakRssMB),
      checkersMs: Math.round(r.checkersMs),
    },
  });
  return [
    row("kv-chaos, 1 simulated minute: peak RSS", minute),
    row("kv-chaos, 1 simulated hour: peak RSS", hour),
    {
      group: "memory",
      name: "peak RSS, 1 hour over 1 minute",
      value: Number((hour.peakRssMB / minute.peakRssMB).toFixed(2)),
      unit: "x",
      target: 2,
      lowerIsBetter: true,
    },
  ];
}
