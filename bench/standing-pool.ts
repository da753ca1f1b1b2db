// Sweep workers that stay up between batches of seeds, for the bench's ratio of 2 workers over 1: a pool
// of one and a pool of two take turns over the same sweep, batch by batch, so a change in the host's
// speed during the measurement falls on both alike (one sweep timed after the other samples the host
// as much as the pool). The workers are the sweep pool's own (same entry, V8 flags and protocol, two seeds
// in flight each); each pool pays its start-up and its JIT's warm-up once, as one long sweep does.
import { type ChildProcess, fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { WORKER_ENTRY, WORKER_EXEC_ARGV } from "../harness/sweep/pool.ts";

const PIPELINE = 2;

export class StandingPool {
  private constructor(private readonly children: ChildProcess[]) {}

  /** Forks the workers and waits until each is ready; `ms` is what that took. */
  static async open(scenario: string, workers: number): Promise<{ pool: StandingPool; ms: number }> {
    const t0 = performance.now();
    const children = await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<ChildProcess>((resolve, reject) => {
            const child = fork(WORKER_ENTRY, [], {
              execArgv: [...WORKER_EXEC_ARGV],
              env: { ...process.env, ETCDSIM_SWEEP_SCENARIO: scenario, ETCDSIM_SWEEP_BUGS: "[]" },
              stdio: ["ignore", "ignore", "inherit", "ipc"],
            });
            const onExit = (code: number | null) =>
              reject(new Error(`sweep worker exited (${code}) before it was ready`));
            const onMessage = (m: unknown) => {
              if (m !== "ready") return;
              child.off("message", onMessage);
              child.off("exit", onExit);
              resolve(child);
            };
            child.on("message", onMessage);
            child.on("exit", onExit);
            child.on("error", reject);
          }),
      ),
    );
    return { pool: new StandingPool(children), ms: performance.now() - t0 };
  }

  /** Runs the seeds over the workers; resolves with the batch's wall time once every seed answered. */
  run(seeds: readonly number[]): Promise<number> {
    const t0 = performance.now();
    const queue = [...seeds];
    let left = seeds.length;
    if (left === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      const detach: (() => void)[] = [];
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        for (const d of detach) d();
        if (error) reject(error);
        else resolve(performance.now() - t0);
      };
      for (const child of this.children) {
        let inFlight = 0;
        const fill = () => {
          while (inFlight < PIPELINE && queue.length > 0) {
            child.send({ seed: queue.shift() });
            inFlight++;
          }
        };
        const onMessage = (m: unknown) => {
          if (typeof m === "object" && m !== null && "error" in m) {
            finish(new Error(String((m as { error: unknown }).error)));
            return;
          }
          inFlight--;
          if (--left === 0) finish();
          else fill();
        };
        const onExit = (code: number | null) => finish(new Error(`sweep worker exited (${code}) during a batch`));
        child.on("message", onMessage);
        child.on("exit", onExit);
        detach.push(() => {
          child.off("message", onMessage);
          child.off("exit", onExit);
        });
        fill();
      }
    });
  }

  /** Stops the workers. */
  close(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
}

/**
 * Seeds per second of a pool of 1 and of 2 workers over seeds 1..count, in `rounds` batches taken in
 * turn (1 then 2, 2 then 1, …, so a steady drift of the host's speed cancels), each pool's start-up
 * counted in its time.
 */
export async function interleavedSweeps(
  scenario: string,
  count: number,
  rounds: number,
): Promise<{ one: number; two: number }> {
  const a = await StandingPool.open(scenario, 1);
  const b = await StandingPool.open(scenario, 2);
  let oneMs = a.ms;
  let twoMs = b.ms;
  try {
    const size = Math.ceil(count / rounds);
    for (let r = 0; r * size < count; r++) {
      const seeds: number[] = [];
      for (let s = r * size + 1; s <= Math.min(count, (r + 1) * size); s++) seeds.push(s);
      if (r % 2 === 0) {
        oneMs += await a.pool.run(seeds);
        twoMs += await b.pool.run(seeds);
      } else {
        twoMs += await b.pool.run(seeds);
        oneMs += await a.pool.run(seeds);
      }
    }
  } finally {
    a.pool.close();
    b.pool.close();
  }
  return { one: (count / oneMs) * 1000, two: (count / twoMs) * 1000 };
}
