// The sweep process pool: many seeds of one scenario, in this process or in worker processes; each
// seed's result is the same whatever the worker count (`etcdsim sweep`, `hunt`, `bench` use it).
//
// Why processes started with V8's --single-threaded, not worker threads: one V8 isolate keeps ~1.3 cores
// busy (TurboFan compiles and GC run on helper threads), so on a 2-core machine two default workers fight
// over the cores and scale ~1.4x. A single-threaded worker uses exactly one core, so N workers scale with
// N cores (measured in `etcdsim bench --only sweep`). Real processes and real time live here, outside the
// simulated world (the determinism guard exempts this folder).
import { fork, type ChildProcess } from "node:child_process";
import { loadScenario } from "../../scenarios/loader.ts";
import type { BugName } from "../../core/bugs.ts";
import { runSeed, type SeedResult } from "./seed.ts";

export type { SeedResult };

/** Seeds sent ahead to each worker. */
const PIPELINE = 2;

/** A worker's V8 flags (see above); bench/sweep.ts starts its plain reference processes with the same. */
export const WORKER_EXEC_ARGV: readonly string[] = ["--single-threaded"];

/** Built (dist/harness/sweep/pool.js): the worker's built module directly; from sources: the tsx launcher. */
export const WORKER_ENTRY = new URL(
  import.meta.url.endsWith(".js") ? "./worker-main.js" : "./worker.js",
  import.meta.url,
);

export interface SweepControl {
  /** Set to stop: no new seed starts; running workers are killed; the seeds done so far are returned. */
  interrupted: boolean;
  /** Kills the worker processes now (set by sweepSeeds while they run). */
  kill?: () => void;
  /** The signal that interrupted the sweep, if a worker saw it first. */
  signal?: string;
}

export async function sweepSeeds(
  scenarioRef: string,
  bugs: BugName[],
  seeds: number[],
  workers: number,
  opts: {
    stopOnFailure?: boolean;
    onResult?: (r: SeedResult, done: number) => void;
    pool?: boolean;
    control?: SweepControl;
  } = {},
): Promise<SeedResult[]> {
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
    const stopAll = () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    };
    if (control) control.kill = stopAll;
    try {
      await Promise.all(
        Array.from(
          { length: Math.min(workers, seeds.length) },
          (_, i) =>
            new Promise<void>((resolve, reject) => {
              const child = fork(WORKER_ENTRY, [], {
                execArgv: [...WORKER_EXEC_ARGV],
                env: { ...process.env, ETCDSIM_SWEEP_SCENARIO: scenarioRef, ETCDSIM_SWEEP_BUGS: JSON.stringify(bugs) },
                stdio: ["ignore", "ignore", "inherit", "ipc"],
              });
              children.push(child);
              // Two seeds in flight per worker: the next one waits in the worker's queue while this one
              // runs, so a worker never idles through the round trip to the parent (results still come
              // back in the order sent, and the sweep's result does not depend on it).
              const inFlight: number[] = [];
              let finished = false;
              const send = () => {
                const seed = stop || control?.interrupted ? undefined : queue.shift();
                if (seed === undefined) return false;
                inFlight.push(seed);
                child.send({ seed }, (e) => void e);
                return true;
              };
              const fill = () => {
                while (inFlight.length < PIPELINE && send());
                if (inFlight.length === 0 && !finished) {
                  finished = true;
                  child.send({ done: true }, (e) => void e);
                }
              };
              child.on("message", (m: SeedResult | "ready" | { seed: number; error: string }) => {
                if (m !== "ready" && "error" in m) {
                  finished = true;
                  reject(new Error(m.error));
                  return;
                }
                if (m !== "ready") {
                  inFlight.splice(inFlight.indexOf(m.seed), 1);
                  record(m);
                }
                fill();
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
                else
                  reject(
                    new Error(
                      `sweep worker ${i + 1} exited (${signal ?? `code ${code}`})${inFlight.length > 0 ? ` while running seed ${inFlight[0]}` : ""}`,
                    ),
                  );
              });
            }),
        ),
      );
    } finally {
      stopAll();
    }
  }
  return seeds.filter((s) => results.has(s)).map((s) => results.get(s)!);
}
