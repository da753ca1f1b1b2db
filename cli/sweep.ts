// etcdsim sweep: many seeds of one scenario, in worker processes; each seed's traceHash is the same
// whatever the worker count.
//
// Why processes started with V8's --single-threaded, not worker threads: one V8 isolate keeps ~1.3 cores
// busy (TurboFan compiles and GC run on helper threads), so on a 2-core machine two default workers fight
// over the cores and scale ~1.4x. A single-threaded worker uses exactly one core, so N workers scale with
// N cores (measured in `etcdsim bench --only sweep`).
import "../scenarios/all.ts";
import { fork, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { checkLoadedFor, loadScenario } from "../scenarios/loader.ts";
import { parseSeedRange, parseShard, shardSeeds } from "../scenarios/sweep.ts";
import { junitXml } from "../reports/junit.ts";
import { checkOutputFile, writeFileAtomic } from "../reports/files.ts";
import { SWEEP_HELP } from "./help.ts";
import { deferSignals } from "./signals.ts";
import type { BugName } from "../core/bugs.ts";
import { bugArgs, interactive, intArg, parse, UsageError } from "./args.ts";
import { runSeed, type SeedResult } from "./sweep-seed.ts";
import { probeTable } from "../scenarios/probes.ts";
import { probeTableJson, probeTableText } from "../reports/probes.ts";

export { SWEEP_HELP };

export type { SeedResult };

/** Built (dist/cli/sweep.js): the worker's built module directly; from sources: the tsx launcher. */
const WORKER_ENTRY = new URL(import.meta.url.endsWith(".js") ? "./sweep-worker-main.js" : "./sweep-worker.js", import.meta.url);

export interface SweepControl {
  /** Set to stop: no new seed starts; running workers are killed; the seeds done so far are returned. */
  interrupted: boolean;
  /** Kills the worker processes now (set by sweepSeeds while they run). */
  kill?: () => void;
  /** The signal that interrupted the sweep, if a worker saw it first. */
  signal?: string;
}

export async function sweepSeeds(scenarioRef: string, bugs: BugName[], seeds: number[], workers: number, opts: { stopOnFailure?: boolean; onResult?: (r: SeedResult, done: number) => void; pool?: boolean; control?: SweepControl } = {}): Promise<SeedResult[]> {
  const results = new Map<number, SeedResult>();
  let stop = false;
  const control = opts.control;
  const record = (r: SeedResult) => {
    results.set(r.seed, r);
    if (r.verdict === "fail" && opts.stopOnFailure) stop = true;
    opts.onResult?.(r, results.size);
  };
  if (workers <= 1 && !opts.pool) {
    const loaded = loadScenario(scenarioRef);
    for (const seed of seeds) {
      if (stop || control?.interrupted) break;
      record(runSeed(loaded, seed, bugs));
      // Let a progress bar repaint, and a Ctrl-C be seen, between seeds.
      if (opts.onResult || control) await new Promise((res) => setImmediate(res));
    }
  } else {
    const queue = [...seeds];
    const children: ChildProcess[] = [];
    const stopAll = () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL"); };
    if (control) control.kill = stopAll;
    try {
      await Promise.all(Array.from({ length: Math.min(workers, seeds.length) }, (_, i) => new Promise<void>((resolve, reject) => {
        const child = fork(WORKER_ENTRY, [], {
          execArgv: ["--single-threaded"],
          env: { ...process.env, ETCDSIM_SWEEP_SCENARIO: scenarioRef, ETCDSIM_SWEEP_BUGS: JSON.stringify(bugs) },
          stdio: ["ignore", "ignore", "inherit", "ipc"],
        });
        children.push(child);
        let running: number | undefined;
        let finished = false;
        const next = () => {
          running = stop || control?.interrupted ? undefined : queue.shift();
          if (running === undefined) {
            finished = true;
            child.send({ done: true }, (e) => void e);
            return;
          }
          child.send({ seed: running }, (e) => void e);
        };
        child.on("message", (m: SeedResult | "ready" | { seed: number; error: string }) => {
          if (m !== "ready" && "error" in m) {
            finished = true;
            reject(new Error(m.error));
            return;
          }
          if (m !== "ready") record(m);
          next();
        });
        child.on("error", reject);
        child.on("exit", (code, signal) => {
          // A worker killed by a signal of its own (sent to the whole group) is an interruption too.
          if (control && !finished && (signal === "SIGINT" || signal === "SIGTERM" || signal === "SIGHUP")) {
            control.interrupted = true;
            control.signal ??= signal;
            stopAll();
          }
          if (finished || control?.interrupted) resolve();
          else reject(new Error(`sweep worker ${i + 1} exited (${signal ?? `code ${code}`})${running !== undefined ? ` while running seed ${running}` : ""}`));
        });
      })));
    } finally {
      stopAll();
    }
  }
  return seeds.filter((s) => results.has(s)).map((s) => results.get(s)!);
}

/** I/N with 1 <= I <= N <= 1,000,000 (a larger N is a typo: most shards would be empty). */
function shardArg(text: string) {
  const m = /^\s*(\d{1,7})\s*\/\s*(\d{1,7})\s*$/.exec(text);
  if (m === null || Number(m[2]) > 1_000_000) throw new UsageError(`bad shard "${text}": expected I/N with 1 <= I <= N <= 1000000`);
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
  if (values.seeds !== undefined && values.count !== undefined) throw new UsageError("sweep: give either --seeds or --count, not both");
  const ref = values.scenario ?? "smoke";
  const loaded = loadScenario(ref);
  const bugs = bugArgs(values.bug);
  const count = intArg(values.count, "--count", 1, 10_000_000);
  const range = values.seeds !== undefined ? parseSeedRange(values.seeds) : { from: 1, to: count ?? 100 };
  const shard = values.shard !== undefined ? shardArg(values.shard) : undefined;
  const workers = intArg(values.workers, "--workers", 1, 64) ?? 1;
  const seeds = shardSeeds(range.from, range.to, shard);
  if (seeds.length === 0) throw new UsageError(`sweep: shard ${values.shard} of seeds ${range.from}..${range.to} holds no seed (a shard's first seed is the I-th of the range)`);
  if (loaded.faults !== undefined && loaded.options === undefined && loaded.seed === undefined) for (const s of seeds) checkLoadedFor(loaded, s);
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
          console.log(`seed ${r.seed}: ${r.verdict.toUpperCase()} ${r.checks.filter((c) => c.verdict !== "pass").map((c) => `${c.name}: ${c.message}`).join("; ")}\n  repro: ${r.repro}`);
        }
        if (tty) {
          const width = 30, filled = Math.round((done / seeds.length) * width);
          process.stdout.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${seeds.length} seeds, ${failedSoFar} failed, ${((performance.now() - t0) / 1000).toFixed(1)}s`);
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
  const interrupted = control.interrupted ? { signal: signal ?? control.signal ?? "SIGINT", planned: seeds.length } : undefined;
  if (values.junit !== undefined) writeFileAtomic(values.junit, junitXml(loaded.def.name, results, interrupted));
  if (json) {
    console.log(JSON.stringify({
      scenario: loaded.def.name,
      bugs,
      seeds: seeds.length === 0 ? [] : [seeds[0], seeds[seeds.length - 1]],
      passed, failed, unknown,
      ...(interrupted ? { interrupted: true, planned: seeds.length } : {}),
      results: results.map(({ seed, verdict, traceHash }) => ({ seed, verdict, traceHash })),
      failures: results.filter((r) => r.verdict !== "pass").map(({ seed, traceHash, checks, repro }) => ({ seed, traceHash, checks, repro })),
      wallMs,
      probes: probeTableJson(probeTable(results.map((r) => r.probes ?? {}))),
    }));
  } else {
    console.log(probeTableText(probeTable(results.map((r) => r.probes ?? {})), { perSeed: true }));
    console.log(`sweep ${loaded.def.name}${bugs.length ? ` bugs=${bugs.join(",")}` : ""}: ${results.length} seeds, ${passed} passed, ${failed} failed, ${unknown} unknown in ${(wallMs / 1000).toFixed(1)}s with ${workers} worker(s)${interrupted ? ` — INTERRUPTED (${interrupted.signal}) after ${results.length} of ${seeds.length} seeds` : ""}`);
  }
  if (await signals.caught() || interrupted) return 130;
  return failed > 0 ? 1 : unknown > 0 ? 3 : 0;
}
