// The bug hunt: each mutant's scenario over seeds until a checker fails, then the clean build over
// the same seeds, which must pass. The testbed's own quality measure.
import { BUG_CATALOG, type BugName } from "../core/bugs.ts";
import { findScenario } from "./registry.ts";
import { runScenario } from "./runner.ts";

export interface HuntRow {
  bug: BugName;
  scenario: string;
  caught: boolean;
  /** Seeds run until the first failure (or all of them). */
  seedsRun: number;
  seed?: number;
  checker?: string;
  message?: string;
  wallMs: number;
  /** The clean build over seeds 1..seedsRun: every one must pass. */
  cleanPassed: boolean;
  cleanFailures: number[];
  repro?: string;
  skipped?: string;
}

export interface HuntOptions {
  seeds: number;
  /** Wall-clock budget per mutant (checked between seeds by the caller's clock). */
  budgetMs: number;
  /** Wall clock, measured outside the simulated world. */
  clock: () => number;
  only?: readonly BugName[];
  onProgress?: (label: string) => void;
}

export function huntBug(bug: BugName, opts: HuntOptions): HuntRow {
  const info = BUG_CATALOG.find((b) => b.name === bug)!;
  const def = findScenario(info.scenario);
  const t0 = opts.clock();
  if (def === undefined)
    return {
      bug,
      scenario: info.scenario,
      caught: false,
      seedsRun: 0,
      wallMs: 0,
      cleanPassed: false,
      cleanFailures: [],
      skipped: `scenario ${info.scenario} is not in this build`,
    };
  let seedsRun = 0;
  let found: ReturnType<typeof runScenario> | undefined;
  for (let seed = 1; seed <= opts.seeds; seed++) {
    if (opts.clock() - t0 > opts.budgetMs) break;
    opts.onProgress?.(`${bug}: seed ${seed}`);
    seedsRun = seed;
    const r = runScenario({ scenario: def, seed, bugs: [bug] });
    if (r.verdict === "fail") {
      found = r;
      break;
    }
  }
  const wallMs = Math.round(opts.clock() - t0);
  const cleanFailures: number[] = [];
  for (let seed = 1; seed <= seedsRun; seed++) {
    opts.onProgress?.(`${bug}: clean build, seed ${seed}`);
    if (runScenario({ scenario: def, seed }).verdict !== "pass") cleanFailures.push(seed);
  }
  const row: HuntRow = {
    bug,
    scenario: def.name,
    caught: found !== undefined,
    seedsRun,
    wallMs,
    cleanPassed: cleanFailures.length === 0,
    cleanFailures,
  };
  if (found) {
    const c = found.checks.find((k) => k.verdict === "fail")!;
    row.seed = found.seed;
    row.checker = c.name;
    row.message = c.message;
    row.repro = found.repro;
  }
  return row;
}

export function hunt(opts: HuntOptions): HuntRow[] {
  const bugs = opts.only ?? BUG_CATALOG.map((b) => b.name);
  return bugs.map((b) => huntBug(b, opts));
}
