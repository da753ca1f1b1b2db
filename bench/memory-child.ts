// One long kv-chaos run in its own process (bench/memory.ts forks it): the fault phase stretched to the
// given simulated seconds, the faults drawn for that length; reports its wall time, verdict and this
// process's peak resident memory to the parent.
import { performance } from "node:perf_hooks";
import { findScenario } from "../scenarios/registry.ts";
import { resolveRun, runScenario } from "../scenarios/runner.ts";
import { SimRun } from "../harness/run/run.ts";

const { scenario, seed, seconds } = JSON.parse(process.argv[2]!) as { scenario: string; seed: number; seconds: number };
const def = findScenario(scenario)!;
const { options, faults } = resolveRun(def, seed, {
  ...resolveRun(def, seed).options,
  faultPhaseUs: seconds * 1_000_000,
});
// Measurement only: the peak resident memory of the simulation (when the run hands over to its checkers)
// apart from the whole seed's, and the checkers' wall time, so the row shows which side grows.
let simPeakRssMB = 0;
let checkersMs = 0;
const finish = SimRun.prototype.finish;
SimRun.prototype.finish = function (this: SimRun, ...args: Parameters<SimRun["finish"]>) {
  simPeakRssMB = process.resourceUsage().maxRSS / 1024;
  const c0 = performance.now();
  const out = finish.apply(this, args);
  checkersMs = performance.now() - c0;
  return out;
};
const t0 = performance.now();
const r = runScenario({ scenario: def, seed, options, faults });
const wallMs = performance.now() - t0;
process.send!({
  verdict: r.verdict,
  events: r.stats.events,
  ops: r.stats.ops,
  simMs: r.stats.simTimeMs,
  wallMs,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  simPeakRssMB,
  checkersMs,
  heapUsedMB: process.memoryUsage().heapUsed / 1e6,
});
