// etcdsim sweep: many seeds of one scenario, in worker processes; each seed's traceHash is the same
// whatever the worker count.
//
// Why processes started with V8's --single-threaded, not worker threads: one V8 isolate keeps ~1.3 cores
// busy (TurboFan compiles and GC run on helper threads), so on a 2-core machine two default workers fight
// over the cores and scale ~1.4x. A single-threaded worker uses exactly one core, so N workers scale with
// N cores (measured in `etcdsim bench --only sweep`).
import { fork, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { loadScenario } from "../scenarios/loader.ts";
import { parseSeedRange, parseShard, shardSeeds } from "../scenarios/sweep.ts";
import { junitXml } from "../reports/junit.ts";
import { writeFileAtomic } from "../reports/files.ts";
import type { BugName } from "../core/bugs.ts";
import { bugArgs, interactive, intArg, parse, UsageError } from "./args.ts";
import { runSeed, type SeedResult } from "./sweep-seed.ts";
import { probeTable } from "../scenarios/probes.ts";
import { probeTableJson, probeTableText } from "../reports/probes.ts";

export const SWEEP_HELP = `etcdsim sweep [--scenario NAME|FILE.json] [--seeds A..B | --count N] [--workers N] [--shard I/N]
              [--bug NAME]... [--stop-on-failure] [--json] [--junit FILE]

Runs a scenario over many seeds.
  --seeds A..B       an inclusive seed range (default 1..100)
  --count N          seeds 1..N
  --workers N        worker processes, one core each (default 1: in this process); results do not
                     depend on it
  --shard I/N        run only shard I of N (1-based; every N-th seed), for many machines
  --stop-on-failure  stop at the first failing seed
  --junit FILE       write JUnit XML, one testcase per seed
Exit: 0 all passed, 1 a seed failed, 2 bad input, 3 inconclusive.`;

export type { SeedResult };

export async function sweepSeeds(scenarioRef: string, bugs: BugName[], seeds: number[], workers: number, opts: { stopOnFailure?: boolean; onResult?: (r: SeedResult, done: number) => void; pool?: boolean } = {}): Promise<SeedResult[]> {
  const results = new Map<number, SeedResult>();
  let stop = false;
  const record = (r: SeedResult) => {
    results.set(r.seed, r);
    if (r.verdict === "fail" && opts.stopOnFailure) stop = true;
    opts.onResult?.(r, results.size);
  };
  if (workers <= 1 && !opts.pool) {
    const loaded = loadScenario(scenarioRef);
    for (const seed of seeds) {
      if (stop) break;
      record(runSeed(loaded, seed, bugs));
      // Let a progress bar repaint between seeds.
      if (opts.onResult) await new Promise((res) => setImmediate(res));
    }
  } else {
    const queue = [...seeds];
    const children: ChildProcess[] = [];
    const stopAll = () => { for (const c of children) if (c.exitCode === null) c.kill(); };
    try {
      await Promise.all(Array.from({ length: Math.min(workers, seeds.length) }, (_, i) => new Promise<void>((resolve, reject) => {
        const child = fork(new URL("./sweep-worker.js", import.meta.url), [], {
          execArgv: ["--single-threaded"],
          env: { ...process.env, ETCDSIM_SWEEP_SCENARIO: scenarioRef, ETCDSIM_SWEEP_BUGS: JSON.stringify(bugs) },
          stdio: ["ignore", "ignore", "inherit", "ipc"],
        });
        children.push(child);
        let running: number | undefined;
        let finished = false;
        const next = () => {
          running = stop ? undefined : queue.shift();
          if (running === undefined) {
            finished = true;
            child.send({ done: true });
            return;
          }
          child.send({ seed: running });
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
          if (finished) resolve();
          else reject(new Error(`sweep worker ${i + 1} exited (${signal ?? `code ${code}`})${running !== undefined ? ` while running seed ${running}` : ""}`));
        });
      })));
    } finally {
      stopAll();
    }
  }
  return seeds.filter((s) => results.has(s)).map((s) => results.get(s)!);
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
  const shard = values.shard !== undefined ? parseShard(values.shard) : undefined;
  const workers = intArg(values.workers, "--workers", 1, 64) ?? 1;
  const seeds = shardSeeds(range.from, range.to, shard);
  const json = values.json === true;
  const tty = interactive(json);
  const t0 = performance.now();
  let failedSoFar = 0;
  const results = await sweepSeeds(loaded.ref, bugs, seeds, workers, {
    stopOnFailure: values["stop-on-failure"] === true,
    onResult: (r, done) => {
      if (r.verdict !== "pass") failedSoFar++;
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
  if (tty) process.stdout.write("\r\x1b[K");
  const wallMs = Math.round(performance.now() - t0);
  const passed = results.filter((r) => r.verdict === "pass").length;
  const failed = results.filter((r) => r.verdict === "fail").length;
  const unknown = results.filter((r) => r.verdict === "unknown").length;
  if (values.junit !== undefined) writeFileAtomic(values.junit, junitXml(loaded.def.name, results));
  if (json) {
    console.log(JSON.stringify({
      scenario: loaded.def.name,
      bugs,
      seeds: seeds.length === 0 ? [] : [seeds[0], seeds[seeds.length - 1]],
      passed, failed, unknown,
      results: results.map(({ seed, verdict, traceHash }) => ({ seed, verdict, traceHash })),
      failures: results.filter((r) => r.verdict !== "pass").map(({ seed, traceHash, checks, repro }) => ({ seed, traceHash, checks, repro })),
      wallMs,
      probes: probeTableJson(probeTable(results.map((r) => r.probes ?? {}))),
    }));
  } else {
    console.log(probeTableText(probeTable(results.map((r) => r.probes ?? {})), { perSeed: true }));
    console.log(`sweep ${loaded.def.name}${bugs.length ? ` bugs=${bugs.join(",")}` : ""}: ${results.length} seeds, ${passed} passed, ${failed} failed, ${unknown} unknown in ${(wallMs / 1000).toFixed(1)}s with ${workers} worker(s)`);
  }
  return failed > 0 ? 1 : unknown > 0 ? 3 : 0;
}
