// One sweep worker: a child process that runs whole seeds for its parent. Protocol over the IPC channel:
// parent → {seed} | {done}; child → "ready" once loaded, then one SeedResult (or {seed, error}) per seed.
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
  let r: ReturnType<typeof runScenario>;
  try {
    r = runScenario(input);
  } catch (e) {
    // Not a finding (those are verdicts) but a crash of the simulator itself: the parent stops the sweep.
    send({ seed, error: (e as Error).message });
    return;
  }
  send({ seed, verdict: r.verdict, traceHash: r.traceHash, checks: r.checks.map(({ name, verdict, message }) => ({ name, verdict, message })), repro: r.repro, wallMs: performance.now() - t0 });
});
send("ready");
