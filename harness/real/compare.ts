// real-vs-sim: the same scenario and seed in the simulator and on a real cluster, and the
// distributions that should agree side by side — operations per second per kind, error kinds and
// rates, revisions per operation, watch events per revision — to keep the simulator honest. Rates are
// per second of workload (simulated seconds for the simulator, real seconds for etcd).
import type { History } from "../../checkers/history.ts";
import { runScenario } from "../../scenarios/runner.ts";
import type { ScenarioDef } from "../../scenarios/types.ts";
import type { RealRunOutput } from "./run.ts";
import { kindStats } from "./stats.ts";

export interface Distribution {
  seconds: number;
  opsPerSecond: Record<string, number>;
  /** Share of each kind's operations that ended in a definite error, or unknown. */
  errorRate: Record<string, number>;
  unknownRate: Record<string, number>;
  errorKinds: Record<string, number>;
  /** Revisions the store advanced per client operation that succeeded. */
  revisionsPerOp: number;
  /** Watch events received per revision the run produced. */
  watchEventsPerRevision: number;
}

export function distribution(h: History, seconds: number): Distribution {
  const ks = kindStats(h);
  const opsPerSecond: Record<string, number> = {};
  const errorRate: Record<string, number> = {};
  const unknownRate: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  let okOps = 0;
  for (const [k, s] of Object.entries(ks)) {
    opsPerSecond[k] = round(s.count / seconds);
    const errs = Object.values(s.errors).reduce((a, b) => a + b, 0);
    errorRate[k] = round(errs / s.count);
    unknownRate[k] = round(s.unknown / s.count);
    for (const [e, n] of Object.entries(s.errors)) errorKinds[e] = (errorKinds[e] ?? 0) + n;
    okOps += s.ok;
  }
  let minRev = Infinity,
    maxRev = 0;
  for (const op of h.operations) {
    if (op.response === null) continue;
    const r = (Object.values(op.response)[1] as { header?: { revision: number } }).header?.revision ?? 0;
    if (r > 0) {
      minRev = Math.min(minRev, r);
      maxRev = Math.max(maxRev, r);
    }
  }
  const revisions = maxRev > minRev ? maxRev - minRev : 0;
  const events = h.watches.reduce((s, w) => s + w.responses.reduce((t, r) => t + r.response.events.length, 0), 0);
  return {
    seconds: round(seconds),
    opsPerSecond,
    errorRate,
    unknownRate,
    errorKinds,
    revisionsPerOp: round(okOps ? revisions / okOps : 0),
    watchEventsPerRevision: round(revisions ? events / revisions : 0),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export interface Comparison {
  scenario: string;
  seed: number;
  sim: Distribution & { verdict: string };
  real: Distribution & { verdict: string };
}

export function compareWithSim(def: ScenarioDef, ref: string, seed: number, real: RealRunOutput): Comparison {
  const sim = runScenario({ scenario: def, scenarioRef: ref, seed });
  const simSeconds =
    (typeof sim.options.faultPhaseUs === "number" ? sim.options.faultPhaseUs : sim.stats.simTimeMs * 1000) / 1e6;
  return {
    scenario: def.name,
    seed,
    sim: { ...distribution(sim.history ?? { operations: [], watches: [] }, simSeconds), verdict: sim.verdict },
    real: { ...distribution(real.result.history!, real.durationMs / 1000), verdict: real.result.verdict },
  };
}

export function formatComparison(c: Comparison): string {
  const kinds = [...new Set([...Object.keys(c.sim.opsPerSecond), ...Object.keys(c.real.opsPerSecond)])].sort();
  const errs = [...new Set([...Object.keys(c.sim.errorKinds), ...Object.keys(c.real.errorKinds)])].sort();
  const row = (name: string, a: string, b: string) => `  ${name.padEnd(30)} ${a.padStart(12)} ${b.padStart(12)}`;
  const f = (x: number | undefined) => (x === undefined ? "-" : String(x));
  const lines = [
    `real-vs-sim  scenario=${c.scenario}  seed=${c.seed}  (sim: ${c.sim.seconds}s simulated, ${c.sim.verdict}; real: ${c.real.seconds}s, ${c.real.verdict})`,
    row("", "sim", "real"),
    ...kinds.map((k) => row(`ops/s ${k}`, f(c.sim.opsPerSecond[k]), f(c.real.opsPerSecond[k]))),
    ...kinds.map((k) => row(`error rate ${k}`, f(c.sim.errorRate[k]), f(c.real.errorRate[k]))),
    ...kinds.map((k) => row(`unknown rate ${k}`, f(c.sim.unknownRate[k]), f(c.real.unknownRate[k]))),
    ...errs.map((e) => row(`errors ${e}`, f(c.sim.errorKinds[e]), f(c.real.errorKinds[e]))),
    row("revisions per ok op", f(c.sim.revisionsPerOp), f(c.real.revisionsPerOp)),
    row("watch events per revision", f(c.sim.watchEventsPerRevision), f(c.real.watchEventsPerRevision)),
  ];
  return lines.join("\n");
}
