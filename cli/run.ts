// etcdsim run: one seeded scenario → verdict, traceHash, repro.
import { performance } from "node:perf_hooks";
import { runScenario } from "../scenarios/runner.ts";
import { loadScenario } from "../scenarios/loader.ts";
import type { RunResult } from "../scenarios/types.ts";
import { ansi, header, plain, runJson, summary } from "../reports/text.ts";
import { jsonl, writeFileAtomic } from "../reports/files.ts";
import { bugArgs, interactive, parse, seedArg, UsageError } from "./args.ts";
import { probeTable } from "../scenarios/probes.ts";
import { probeTableJson, probeTableText } from "../reports/probes.ts";

export const RUN_HELP = `etcdsim run [--scenario NAME|FILE.json] [--seed N] [--bug NAME]... [--report DIR] [--json]
            [--replay FILE.json] [--trace FILE.jsonl] [--save-replay FILE.json] [--verify-determinism]

Runs one scenario under one seed and checks its history.
  --scenario NAME|FILE  a scenario name (see \`etcdsim scenarios\`) or a scenario JSON file (default: smoke)
  --seed N              unsigned 32-bit seed, decimal or 0x-hex (default: a random one, printed)
  --bug NAME            switch on a mutant from the catalog (repeatable; see \`etcdsim bugs\`)
  --report DIR          write the self-contained HTML report and the run's JSON/JSONL files to DIR
  --json                print one JSON object (DESIGN.md) instead of the text summary
  --replay FILE         re-execute a saved replay (explicit options and fault schedule)
  --save-replay FILE    save this run as a replay file
  --trace FILE          write the event trace, one JSON line per event (columns: i t k p to m h)
  --verify-determinism  run twice; if the trace hashes differ, name the first differing event
Exit: 0 pass, 1 a check failed, 2 bad input, 3 inconclusive.`;

export function exitFor(verdict: string): number {
  return verdict === "pass" ? 0 : verdict === "fail" ? 1 : 3;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parse("run", argv, {
    scenario: { type: "string" },
    seed: { type: "string" },
    bug: { type: "string", multiple: true },
    report: { type: "string" },
    json: { type: "boolean" },
    replay: { type: "string" },
    trace: { type: "string" },
    "save-replay": { type: "string" },
    "verify-determinism": { type: "boolean" },
  });
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (values.replay !== undefined && values.scenario !== undefined) throw new UsageError("run: give either --scenario or --replay, not both");
  const givenSeed = seedArg(values.seed);
  const ref = values.replay ?? values.scenario ?? "smoke";
  const loaded = loadScenario(values.replay !== undefined && !values.replay.endsWith(".json") ? values.replay + ".json" : ref);
  if (values.replay !== undefined && (loaded.options === undefined || loaded.faults === undefined)) throw new UsageError(`run: replay file ${values.replay} needs both "options" and "faults"`);
  const seed = givenSeed ?? loaded.seed ?? (Math.random() * 0x100000000) >>> 0;
  const bugs = bugArgs(values.bug).length ? bugArgs(values.bug) : (loaded.bugs ?? []);
  const json = values.json === true;
  const tty = interactive(json);
  const paint = tty ? ansi : plain;
  const keepTrace = values.trace !== undefined || values["verify-determinism"] === true;

  const exec = (): RunResult => {
    const t0 = performance.now();
    const input: Parameters<typeof runScenario>[0] = { scenario: loaded.def, scenarioRef: loaded.ref, seed, bugs, keepTrace };
    if (loaded.options !== undefined) input.options = loaded.options;
    if (loaded.faults !== undefined) input.faults = loaded.faults;
    const r = runScenario(input);
    r.stats.wallMs = Math.round(performance.now() - t0);
    return r;
  };

  const result = exec();
  if (!json) {
    console.log(header(result, paint));
  }
  let determinism: string | undefined;
  if (values["verify-determinism"]) {
    const again = exec();
    if (again.traceHash === result.traceHash) determinism = `deterministic: both runs ${result.traceHash} (${result.stats.events} events)`;
    else {
      const a = result.traceLines ?? [], b = again.traceLines ?? [];
      let i = 0;
      while (i < a.length && i < b.length && JSON.stringify(a[i]) === JSON.stringify(b[i])) i++;
      determinism = `NOT deterministic: ${result.traceHash} vs ${again.traceHash}; first differing event #${i + 1}: ${JSON.stringify(a[i] ?? null)} vs ${JSON.stringify(b[i] ?? null)}`;
      result.checks.push({ name: "determinism", verdict: "fail", message: determinism });
      result.verdict = "fail";
    }
  }
  if (values.trace !== undefined) writeFileAtomic(values.trace, jsonl(result.traceLines ?? []));
  if (values["save-replay"] !== undefined) {
    writeFileAtomic(values["save-replay"], JSON.stringify({ scenario: result.scenario, seed, bugs, options: result.options, faults: result.faults }, null, 1) + "\n");
  }
  if (values.report !== undefined) {
    const { writeRunReport } = await import("../reports/report.ts");
    writeRunReport(values.report, result);
  }
  if (json) {
    console.log(JSON.stringify({ ...runJson(result), probes: probeTableJson(probeTable([result.probes ?? {}])) }));
  } else {
    console.log(paint.dim(probeTableText(probeTable([result.probes ?? {}]))));
    console.log(summary(result, paint));
    if (determinism) console.log(determinism);
    if (values.report !== undefined) console.log(`report: ${values.report}/index.html`);
  }
  return exitFor(result.verdict);
}
