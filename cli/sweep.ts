// etcdsim sweep: many seeds of one scenario, in worker processes (the pool: harness/sweep/pool.ts);
// each seed's traceHash is the same whatever the worker count.
import { performance } from "node:perf_hooks";
import { checkLoadedFor, loadScenario } from "../scenarios/loader.ts";
import { parseSeedRange, parseShard, shardSeeds } from "../scenarios/sweep.ts";
import { junitXml } from "../reports/junit.ts";
import { checkOutputFile, writeFileAtomic } from "../reports/files.ts";
import { SWEEP_HELP } from "./help.ts";
import { deferSignals } from "./signals.ts";
import { bugArgs, interactive, intArg, parse, UsageError } from "./args.ts";
import { sweepSeeds, type SeedResult, type SweepControl } from "../harness/sweep/pool.ts";
import { probeTable } from "../scenarios/probes.ts";
import { probeTableJson, probeTableText } from "../reports/probes.ts";

export { SWEEP_HELP };

export { sweepSeeds };
export type { SeedResult, SweepControl };

/** I/N with 1 <= I <= N <= 1,000,000 (a larger N is a typo: most shards would be empty). */
function shardArg(text: string) {
  const m = /^\s*(\d{1,7})\s*\/\s*(\d{1,7})\s*$/.exec(text);
  if (m === null || Number(m[2]) > 1_000_000)
    throw new UsageError(`bad shard "${text}": expected I/N with 1 <= I <= N <= 1000000`);
  return parseShard(text);
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values } = parse("sweep", argv, {
    scenario: { type: "string" },
    seeds: { type: "string" },
    count: { type: "string" },
    workers: { type: "string" },
    shard: { type: "string" },
    bug: { type: "string", multiple: true },
    "stop-on-failure": { type: "boolean" },
    json: { type: "boolean" },
    junit: { type: "string" },
  });
  if (values.help) {
    console.log(SWEEP_HELP);
    return 0;
  }
  if (values.seeds !== undefined && values.count !== undefined)
    throw new UsageError("sweep: give either --seeds or --count, not both");
  const ref = values.scenario ?? "smoke";
  const loaded = loadScenario(ref);
  const bugs = bugArgs(values.bug);
  const count = intArg(values.count, "--count", 1, 10_000_000);
  const range = values.seeds !== undefined ? parseSeedRange(values.seeds) : { from: 1, to: count ?? 100 };
  const shard = values.shard !== undefined ? shardArg(values.shard) : undefined;
  const workers = intArg(values.workers, "--workers", 1, 64) ?? 1;
  const seeds = shardSeeds(range.from, range.to, shard);
  if (seeds.length === 0)
    throw new UsageError(
      `sweep: shard ${values.shard} of seeds ${range.from}..${range.to} holds no seed (a shard's first seed is the I-th of the range)`,
    );
  if (loaded.faults !== undefined && loaded.options === undefined && loaded.seed === undefined)
    for (const s of seeds) checkLoadedFor(loaded, s);
  if (values.junit !== undefined) checkOutputFile(values.junit, "--junit");
  const json = values.json === true;
  const tty = interactive(json);
  const t0 = performance.now();
  let failedSoFar = 0;
  // Until the sweep ends, a closed stdout (`| head -1`) exits 3, "inconclusive" — or 1 once a seed failed.
  process.exitCode = 3;
  // Ctrl-C / SIGTERM: no new seed starts, workers are stopped, the partial summary and JUnit are written.
  const control: SweepControl = { interrupted: false };
  let signal: string | undefined;
  const signals = deferSignals((sig) => {
    if (control.interrupted) return;
    signal = sig;
    control.interrupted = true;
    control.kill?.();
  });
  let results: SeedResult[];
  try {
    results = await sweepSeeds(loaded.ref, bugs, seeds, workers, {
      stopOnFailure: values["stop-on-failure"] === true,
      control,
      onResult: (r, done) => {
        if (r.verdict !== "pass") failedSoFar++;
        // Known before the end: if stdout closes early (`| head -1`), the exit code still says a seed failed.
        if (r.verdict === "fail") process.exitCode = 1;
        if (!json && r.verdict !== "pass") {
          if (tty) process.stdout.write("\r\x1b[K");
          console.log(
            `seed ${r.seed}: ${r.verdict.toUpperCase()} ${r.checks
              .filter((c) => c.verdict !== "pass")
              .map((c) => `${c.name}: ${c.message}`)
              .join("; ")}\n  repro: ${r.repro}`,
          );
        }
        if (tty) {
          const width = 30,
            filled = Math.round((done / seeds.length) * width);
          process.stdout.write(
            `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${seeds.length} seeds, ${failedSoFar} failed, ${((performance.now() - t0) / 1000).toFixed(1)}s`,
          );
        }
      },
    });
  } catch (e) {
    signals.release();
    throw e;
  }
  if (tty) process.stdout.write("\r\x1b[K");
  const wallMs = Math.round(performance.now() - t0);
  const passed = results.filter((r) => r.verdict === "pass").length;
  const failed = results.filter((r) => r.verdict === "fail").length;
  const unknown = results.filter((r) => r.verdict === "unknown").length;
  const interrupted = control.interrupted
    ? { signal: signal ?? control.signal ?? "SIGINT", planned: seeds.length }
    : undefined;
  if (values.junit !== undefined) writeFileAtomic(values.junit, junitXml(loaded.def.name, results, interrupted));
  if (json) {
    console.log(
      JSON.stringify({
        scenario: loaded.def.name,
        bugs,
        seeds: seeds.length === 0 ? [] : [seeds[0], seeds[seeds.length - 1]],
        passed,
        failed,
        unknown,
        ...(interrupted ? { interrupted: true, planned: seeds.length } : {}),
        results: results.map(({ seed, verdict, traceHash }) => ({ seed, verdict, traceHash })),
        failures: results
          .filter((r) => r.verdict !== "pass")
          .map(({ seed, traceHash, checks, repro }) => ({ seed, traceHash, checks, repro })),
        wallMs,
        probes: probeTableJson(probeTable(results.map((r) => r.probes ?? {}))),
      }),
    );
  } else {
    console.log(probeTableText(probeTable(results.map((r) => r.probes ?? {})), { perSeed: true }));
    console.log(
      `sweep ${loaded.def.name}${bugs.length ? ` bugs=${bugs.join(",")}` : ""}: ${results.length} seeds, ${passed} passed, ${failed} failed, ${unknown} unknown in ${(wallMs / 1000).toFixed(1)}s with ${workers} worker(s)${interrupted ? ` — INTERRUPTED (${interrupted.signal}) after ${results.length} of ${seeds.length} seeds` : ""}`,
    );
  }
  if ((await signals.caught()) || interrupted) return 130;
  return failed > 0 ? 1 : unknown > 0 ? 3 : 0;
}
