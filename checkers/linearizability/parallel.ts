// Independent partitions (P-compositionality: one per key) searched on worker threads. The answer is
// the sequential one's (engine.ts assembleResult: search order, first illegal partition wins, later
// ones skipped), whatever the thread count: each partition's search is deterministic and the
// assembly ignores when a result arrived.
import { Worker } from "node:worker_threads";
import { assembleResult, budgetOf, checkOperations, planCheck } from "./engine.ts";
import { namedModel, type ModelName } from "./models/registry.ts";
import type { PartitionJob } from "./partition-worker-main.ts";
import type { SearchResult } from "./search.ts";
import type { CheckOptions, LinearizabilityResult, Operation } from "./types.ts";
import type { EtcdLimits } from "./models/etcd/limits.ts";

export interface ParallelOptions extends Omit<CheckOptions, "onProgress"> {
  threads: number;
  /** An etcd history's cluster limits (see EtcdLimits): refusals by them are then judged. */
  limits?: EtcdLimits;
  /** Int32Array over a SharedArrayBuffer; the caller sets [0] = 1 to stop (e.g. on a timeout). */
  stop?: Int32Array;
  /**
   * Also consulted on the calling thread (while parsing, or when the check falls back to one thread):
   * there the timer that sets `stop` cannot fire until the synchronous work ends.
   */
  shouldStop?: () => boolean;
}

/** Built JavaScript runs the compiled entry; the TypeScript sources need the entry that registers tsx. */
const WORKER_ENTRY = new URL(
  import.meta.url.endsWith(".js") ? "./partition-worker-main.js" : "./partition-worker.js",
  import.meta.url,
);

export async function checkOperationsParallel(
  name: ModelName,
  ops: readonly Operation<unknown, unknown>[],
  options: ParallelOptions,
): Promise<LinearizabilityResult> {
  const model = namedModel(name);
  const plan = planCheck(model, ops);
  const stop = options.stop ?? new Int32Array(new SharedArrayBuffer(4));
  const threads = Math.min(options.threads, plan.parts.length);
  if (threads <= 1) {
    return checkOperations(model, ops, {
      ...options,
      onProgress: () => Atomics.load(stop, 0) === 1,
      progressEvery: options.progressEvery ?? 4096,
    });
  }
  const { maxSteps, progressEvery } = budgetOf({ ...options, progressEvery: options.progressEvery ?? 4096 });
  const results: (SearchResult | undefined)[] = new Array(plan.parts.length);
  // Partitions go out in search order; once an illegal or stopped one is in, the first in that
  // order that is illegal decides, so nothing after it needs starting.
  let nextJob = 0;
  const rank = new Map(plan.order.map((p, i) => [p, i]));
  let cutoff = plan.order.length; // rank of the earliest illegal/stopped partition so far
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_ENTRY));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (nextJob >= plan.order.length || nextJob > cutoff) return resolve();
              const part = plan.order[nextJob++]!;
              const job: PartitionJob = {
                part,
                model: name,
                ops: plan.parts[part] as Operation<unknown, unknown>[],
                maxSteps,
                progressEvery,
                prefix: options.evidence ?? true,
                stop: stop.buffer as SharedArrayBuffer,
              };
              w.postMessage(job);
            };
            w.on("message", (m: { part: number; result: SearchResult }) => {
              results[m.part] = m.result;
              if (m.result.verdict === "illegal" || m.result.stopped) cutoff = Math.min(cutoff, rank.get(m.part)!);
              send();
            });
            w.on("error", reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return assembleResult(model, ops.length, plan, results, options.evidence ?? true, options.minimize);
}
