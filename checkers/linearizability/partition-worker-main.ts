// A worker thread of the parallel check (parallel.ts): searches the partitions it is sent, one at a
// time, and answers each with its SearchResult. Stopping (the CLI's --timeout) is a flag in shared
// memory the main thread sets, read at each progress call: no clock here.
import { parentPort } from "node:worker_threads";
import { namedModel, type ModelName } from "./models/registry.ts";
import { searchLinearization } from "./search.ts";
import type { Operation } from "./types.ts";

export interface PartitionJob {
  part: number;
  model: ModelName;
  ops: Operation<unknown, unknown>[];
  maxSteps: number;
  progressEvery: number;
  /** SearchBudget.prefix. */
  prefix: boolean;
  /** Int32Array over a SharedArrayBuffer: [0] = 1 asks every search to stop. */
  stop: SharedArrayBuffer;
}

parentPort!.on("message", (job: PartitionJob) => {
  const stop = new Int32Array(job.stop);
  const r = searchLinearization(namedModel(job.model), job.ops, {
    maxSteps: job.maxSteps,
    progressEvery: job.progressEvery,
    stepsBefore: 0,
    prefix: job.prefix,
    onProgress: () => Atomics.load(stop, 0) === 1,
  });
  parentPort!.postMessage({ part: job.part, result: r });
});
