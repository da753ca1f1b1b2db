// Seeds of one scenario in a plain process, no pool and no IPC per seed (bench/sweep.ts forks one alone, then
// two at once, for the machine's own ceiling on two cores): warm up (or not), run the given seeds, report
// their wall time; with `again`, run the same seeds once more and report that time too (the difference is
// what the first pass paid to warm the JIT).
import { performance } from "node:perf_hooks";
import { findScenario } from "../scenarios/registry.ts";
import { runScenario } from "../scenarios/runner.ts";

const { scenario, from, count, warmup, again } = JSON.parse(process.argv[2]!) as {
  scenario: string;
  from: number;
  count: number;
  warmup: number;
  again?: boolean;
};
const def = findScenario(scenario);
if (def === undefined) {
  console.error(`sweep child: unknown scenario ${scenario}`);
  process.exit(2);
}
for (let i = 0; i < warmup; i++) runScenario({ scenario: def, seed: 1_000_000 + i });
const timed = (): number => {
  const t0 = performance.now();
  for (let seed = from; seed < from + count; seed++) runScenario({ scenario: def, seed });
  return performance.now() - t0;
};
const wallMs = timed();
process.send!(again === true ? { wallMs, againMs: timed() } : { wallMs });
