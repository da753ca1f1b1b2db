// One seed of a sweep, the same whether it runs in this process or in a worker process.
import { performance } from "node:perf_hooks";
import type { LoadedScenario } from "../../scenarios/loader.ts";
import { reproCommand, runScenario } from "../../scenarios/runner.ts";
import type { JunitCase } from "../../reports/junit.ts";
import type { BugName } from "../../core/bugs.ts";

export type SeedResult = JunitCase & { probes?: Record<string, number> };

/**
 * Runs one seed to its verdict. A throw here is not a finding (those are verdicts) but a crash of the
 * simulator itself: the error names the seed and its repro, and the sweep stops.
 */
export function runSeed(loaded: LoadedScenario, seed: number, bugs: BugName[]): SeedResult {
  const t0 = performance.now();
  const input: Parameters<typeof runScenario>[0] = { scenario: loaded.def, scenarioRef: loaded.ref, seed, bugs };
  if (loaded.options !== undefined) input.options = loaded.options;
  if (loaded.faults !== undefined) input.faults = loaded.faults;
  let r: ReturnType<typeof runScenario>;
  try {
    r = runScenario(input);
  } catch (e) {
    throw new Error(
      `seed ${seed} crashed the simulator: ${(e as Error).message} (repro: ${reproCommand(loaded.ref, seed, bugs)})`,
    );
  }
  return {
    seed,
    verdict: r.verdict,
    traceHash: r.traceHash,
    checks: r.checks.map(({ name, verdict, message }) => ({ name, verdict, message })),
    repro: r.repro,
    wallMs: performance.now() - t0,
    probes: r.probes ?? {},
  };
}
