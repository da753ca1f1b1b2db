// One sweep worker: a child process that runs whole seeds for its parent. Protocol over the IPC channel:
// parent → {seed} | {done}; child → "ready" once loaded, then one SeedResult per seed.
import { performance } from "node:perf_hooks";
import "../scenarios/all.ts";
import { loadScenario } from "../scenarios/loader.ts";
import { runScenario } from "../scenarios/runner.ts";
import type { BugName } from "../core/bugs.ts";

const scenarioRef = process.env.ETCDSIM_SWEEP_SCENARIO ?? "";
const bugs = JSON.parse(process.env.ETCDSIM_SWEEP_BUGS ?? "[]") as BugName[];
const loaded = loadScenario(scenarioRef);
const send = (m: unknown) => process.send!(m);
process.on("message", (m: { seed: number } | { done: true }) => {
  if (!("seed" in m)) {
    process.disconnect();
    return;
  }
  const seed = m.seed;
  const t0 = performance.now();
  const input: Parameters<typeof runScenario>[0] = { scenario: loaded.def, scenarioRef: loaded.ref, seed, bugs };
  if (loaded.options !== undefined) input.options = loaded.options;
  if (loaded.faults !== undefined) input.faults = loaded.faults;
  const r = runScenario(input);
  send({ seed, verdict: r.verdict, traceHash: r.traceHash, checks: r.checks.map(({ name, verdict, message }) => ({ name, verdict, message })), repro: r.repro, wallMs: performance.now() - t0 });
});
send("ready");
