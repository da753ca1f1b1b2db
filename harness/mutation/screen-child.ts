// One mutant's screen, in a process of its own: runs the screen's scenarios over their seeds against a
// copy of the built code (argv[2], a dist/ directory, possibly with one slip planted) and prints one JSON
// line: the first seed a check failed on (or the simulator crashed, which also catches the mutant).
// Usage: node screen-child.js DIST SCENARIO:SEEDS[,SCENARIO:SEEDS...]
import { pathToFileURL } from "node:url";
import type { ScreenOutcome } from "./campaign.ts";

const [dist, spec] = process.argv.slice(2) as [string, string];
const registry = (await import(
  pathToFileURL(`${dist}/scenarios/registry.js`).href
)) as typeof import("../../scenarios/registry.ts");
const runner = (await import(
  pathToFileURL(`${dist}/scenarios/runner.js`).href
)) as typeof import("../../scenarios/runner.ts");
let outcome: ScreenOutcome = { caught: false, seedsRun: 0 };
screen: for (const part of spec.split(",")) {
  const [name, count] = part.split(":") as [string, string];
  const scenario = registry.findScenario(name)!;
  for (let seed = 1; seed <= Number(count); seed++) {
    outcome.seedsRun++;
    try {
      const r = runner.runScenario({ scenario, seed });
      if (r.verdict !== "fail") continue;
      const failed = r.checks.filter((c) => c.verdict === "fail");
      outcome = { ...outcome, caught: true, scenario: name, seed, by: failed.map((c) => c.name).join(", ") };
    } catch (e) {
      outcome = {
        ...outcome,
        caught: true,
        scenario: name,
        seed,
        by: `crash: ${String((e as Error).message).slice(0, 120)}`,
      };
    }
    break screen;
  }
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
