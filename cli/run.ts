// etcdsim run: one seeded scenario → verdict, traceHash, repro.
import { performance } from "node:perf_hooks";
import { runScenario } from "../scenarios/runner.ts";
import { checkLoadedFor, loadScenario } from "../scenarios/loader.ts";
import type { RunResult } from "../scenarios/types.ts";
import { ansi, header, plain, runJson, summary } from "../reports/text.ts";
import { checkOutputDir, checkOutputFile, jsonl, writeDirAtomic, writeFileAtomic } from "../reports/files.ts";
import { bugArgs, interactive, parse, seedArg, UsageError } from "./args.ts";
import { probeTable } from "../scenarios/probes.ts";
import { probeTableJson, probeTableText } from "../reports/probes.ts";
import { deferSignals } from "./signals.ts";
import { RUN_HELP } from "./help.ts";

export { RUN_HELP };

/** The files `--report DIR` may write; those this run does not write are removed from a reused DIR. */
export const REPORT_FILES = ["result.json", "history.jsonl", "watches.jsonl", "trace.jsonl", "index.html"];

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
  if (values.replay !== undefined && values.scenario !== undefined)
    throw new UsageError("run: give either --scenario or --replay, not both");
  if (values.replay !== undefined && values.seed !== undefined)
    throw new UsageError(
      `run: --replay runs the seed saved in ${values.replay}; drop --seed (or edit the file's "seed")`,
    );
  const givenSeed = seedArg(values.seed);
  const ref = values.replay ?? values.scenario ?? "smoke";
  const loaded = loadScenario(
    values.replay !== undefined && !values.replay.endsWith(".json") ? values.replay + ".json" : ref,
  );
  if (values.replay !== undefined && (loaded.options === undefined || loaded.faults === undefined))
    throw new UsageError(`run: replay file ${values.replay} needs both "options" and "faults"`);
  const seed = givenSeed ?? loaded.seed ?? (Math.random() * 0x100000000) >>> 0;
  const bugs = bugArgs(values.bug).length ? bugArgs(values.bug) : (loaded.bugs ?? []);
  checkLoadedFor(loaded, seed);
  // Every output path is checked before the run: a bad one costs nothing.
  if (values.trace !== undefined) checkOutputFile(values.trace, "--trace");
  if (values["save-replay"] !== undefined) checkOutputFile(values["save-replay"], "--save-replay");
  if (values.report !== undefined) checkOutputDir(values.report, "--report", REPORT_FILES);
  const json = values.json === true;
  const tty = interactive(json);
  const paint = tty ? ansi : plain;
  const keepTrace = values.trace !== undefined || values["verify-determinism"] === true;

  const exec = (): RunResult => {
    const t0 = performance.now();
    const input: Parameters<typeof runScenario>[0] = {
      scenario: loaded.def,
      scenarioRef: loaded.ref,
      seed,
      bugs,
      keepTrace,
    };
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
    if (again.traceHash === result.traceHash)
      determinism = `deterministic: both runs ${result.traceHash} (${result.stats.events} events)`;
    else {
      const a = result.traceLines ?? [],
        b = again.traceLines ?? [];
      let i = 0;
      while (i < a.length && i < b.length && JSON.stringify(a[i]) === JSON.stringify(b[i])) i++;
      determinism = `NOT deterministic: ${result.traceHash} vs ${again.traceHash}; first differing event #${i + 1}: ${JSON.stringify(a[i] ?? null)} vs ${JSON.stringify(b[i] ?? null)}`;
      result.checks.push({ name: "determinism", verdict: "fail", message: determinism });
      result.verdict = "fail";
    }
  }
  // Known now: if stdout closes early (`| head -1`), the exit code still tells the verdict.
  process.exitCode = exitFor(result.verdict);
  // Writing: a Ctrl-C now waits until every file is whole (then exits 130), so nothing is half-written.
  const signals = deferSignals();
  const notes: string[] = [];
  let savedReplay: string | undefined;
  try {
    if (values.trace !== undefined) {
      writeFileAtomic(values.trace, jsonl(result.traceLines ?? []));
      notes.push(`trace: ${values.trace} (${(result.traceLines ?? []).length} events)`);
    }
    if (values["save-replay"] !== undefined) {
      savedReplay = values["save-replay"];
      writeFileAtomic(
        savedReplay,
        JSON.stringify(
          { scenario: result.scenario, seed, bugs, options: result.options, faults: result.faults },
          null,
          1,
        ) + "\n",
      );
      notes.push(
        `saved replay: ${savedReplay} (${result.faults.length} faults; re-run: npx etcdsim run --replay ${savedReplay})`,
      );
    }
    if (values.report !== undefined) {
      const { writeRunReport } = await import("../reports/report.ts");
      writeDirAtomic(values.report, (staging) => writeRunReport(staging, result), REPORT_FILES);
      notes.push(`report: ${values.report}/index.html`);
    }
  } catch (e) {
    signals.release();
    throw e;
  }
  if (json) {
    const base = { ...runJson(result), probes: probeTableJson(probeTable([result.probes ?? {}])) };
    console.log(JSON.stringify(savedReplay !== undefined ? { ...base, savedReplay } : base));
  } else {
    console.log(paint.dim(probeTableText(probeTable([result.probes ?? {}]))));
    console.log(summary(result, paint));
    if (determinism) console.log(determinism);
    for (const n of notes) console.log(n);
  }
  if (await signals.caught()) return 130;
  return exitFor(result.verdict);
}
