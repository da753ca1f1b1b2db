// Whole runs: simulated events per wall second and speed-up over real time per scenario, and the
// 5-node Raft cluster under load. Wall time is measured here, outside the simulated world.
import { performance } from "node:perf_hooks";
import { findScenario } from "../scenarios/registry.ts";
import { resolveRun, runScenario } from "../scenarios/runner.ts";
import type { Measurement } from "./types.ts";

function measureScenario(name: string, seeds: number[], patch?: (o: Record<string, unknown>) => Record<string, unknown>): Measurement[] {
  const def = findScenario(name);
  if (def === undefined) return [];
  let events = 0, simMs = 0, wall = 0;
  // One unmeasured run first, so the JIT has compiled the hot paths.
  runScenario({ scenario: def, seed: 1_000_000 });
  for (const seed of seeds) {
    const { options, faults } = resolveRun(def, seed);
    const t0 = performance.now();
    const r = runScenario({ scenario: def, seed, options: patch ? patch(options) : options, faults });
    wall += performance.now() - t0;
    events += r.stats.events;
    simMs += r.stats.simTimeMs;
  }
  return [
    { group: "scenario", name: `${name}: simulated events per wall second`, value: Math.round((events / wall) * 1000), unit: "events/s", detail: { seeds: seeds.length, events, wallMs: Math.round(wall) } },
    { group: "scenario", name: `${name}: speed-up over real time`, value: Number((simMs / wall).toFixed(1)), unit: "x", detail: { simMs: Math.round(simMs), wallMs: Math.round(wall) } },
  ];
}

export function scenarioMeasurements(): Measurement[] {
  return [
    ...measureScenario("sim-selftest", [1, 2, 3]),
    ...measureScenario("smoke", [1, 2]),
    ...measureScenario("kv-chaos", [1, 2, 3]),
    ...measureScenario("membership-change", [1, 2, 3]),
    ...measureScenario("deployment-rollout", [1]),
  ];
}
