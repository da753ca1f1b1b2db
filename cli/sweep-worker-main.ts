import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import "../scenarios/all.ts";
import { loadScenario } from "../scenarios/loader.ts";
import { runScenario } from "../scenarios/runner.ts";
import type { BugName } from "../core/bugs.ts";

const { scenarioRef, bugs } = workerData as { scenarioRef: string; bugs: BugName[] };
const loaded = loadScenario(scenarioRef);
parentPort!.on("message", (seed: number | null) => {
  if (seed === null) {
    parentPort!.close();
    return;
  }
  const t0 = performance.now();
  const input: Parameters<typeof runScenario>[0] = { scenario: loaded.def, scenarioRef: loaded.ref, seed, bugs };
  if (loaded.options !== undefined) input.options = loaded.options;
  if (loaded.faults !== undefined) input.faults = loaded.faults;
  const r = runScenario(input);
  parentPort!.postMessage({ seed, verdict: r.verdict, traceHash: r.traceHash, checks: r.checks.map(({ name, verdict, message }) => ({ name, verdict, message })), repro: r.repro, wallMs: performance.now() - t0 });
});
parentPort!.postMessage("ready");
