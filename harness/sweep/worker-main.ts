// One sweep worker: a child process that runs whole seeds for its parent. Protocol over the IPC channel:
// parent → {seed} | {done}; child → "ready" once loaded, then one SeedResult (or {seed, error}) per seed.
// The parent decides about signals: a terminal's Ctrl-C reaches the whole process group, so the worker
// ignores SIGINT and SIGTERM, and leaves when the parent stops it (SIGKILL) or goes away (no EPIPE from
// a closed channel).
import { loadScenario } from "../../scenarios/loader.ts";
import type { BugName } from "../../core/bugs.ts";
import { runSeed } from "./seed.ts";

process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
process.on("disconnect", () => process.exit(0));
const bugs = JSON.parse(process.env.ETCDSIM_SWEEP_BUGS ?? "[]") as BugName[];
const loaded = loadScenario(process.env.ETCDSIM_SWEEP_SCENARIO ?? "");
const send = (m: unknown) => {
  if (process.connected) process.send!(m, undefined, undefined, () => {});
};
process.on("message", (m: { seed: number } | { done: true }) => {
  if (!("seed" in m)) {
    process.disconnect();
    return;
  }
  try {
    send(runSeed(loaded, m.seed, bugs));
  } catch (e) {
    send({ seed: m.seed, error: (e as Error).message });
  }
});
send("ready");
