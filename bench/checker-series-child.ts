// One file of the checker's scaling series, cold, in its own process (bench/checker-series.ts forks
// it): generates the history, checks it as `etcdsim check` would with a 60 s limit, and reports the
// wall time and this process's peak resident memory to the parent.
import { performance } from "node:perf_hooks";
import { checkHistoryText } from "../checkers/linearizability/check-text.ts";
import { seriesHistory, type SeriesShape } from "../checkers/linearizability/series.ts";

const shape = JSON.parse(process.argv[2]!) as SeriesShape & { limitMs: number; threads?: number };
const text = seriesHistory(shape);
const started = performance.now();
const deadline = started + shape.limitMs;
const check = checkHistoryText(text, shape.model === "kv" ? "porcupine-kv" : "porcupine-etcd", {
  evidence: false,
  onProgress: () => performance.now() > deadline,
  progressEvery: 4096,
});
const ms = performance.now() - started;
const r = check.result;
process.send!({
  verdict: r.verdict,
  operations: check.operations,
  partitions: r.partitions.length,
  steps: r.steps,
  ms,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  heapMB: process.memoryUsage().heapUsed / 1e6,
});
