// Code probes: the table a run or sweep reports, per-run counts, and the CI sweep that must reach
// every probe marked required.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "./registry.ts";
import { runScenario } from "./runner.ts";
import { allProbes, CI_PROBE_SWEEP, probeTable } from "./probes.ts";

test("the table counts hits and seeds, lists probes never hit, and flags the required ones", () => {
  const t = probeTable([{ "sim.swizzle-released": 2, "mvcc.range-limit-more": 1 }, { "sim.swizzle-released": 1 }]);
  const row = (n: string) => t.rows.find((r) => r.name === n)!;
  assert.is(t.runs, 2);
  assert.equal([row("sim.swizzle-released").hits, row("sim.swizzle-released").runs], [3, 2]);
  assert.equal([row("mvcc.range-limit-more").hits, row("mvcc.range-limit-more").runs], [1, 1]);
  assert.ok(t.neverHit.includes("etcd.request-too-large"));
  assert.ok(t.requiredNeverHit.includes("etcd.request-too-large"), "a required probe never hit is flagged");
  assert.not.ok(t.requiredNeverHit.includes("sim.swizzle-released"));
  assert.not.ok(
    t.neverHit.includes("sim.torn-write-on-crash") && t.requiredNeverHit.includes("sim.torn-write-on-crash"),
    "not required: listed, not flagged",
  );
});

test("a fired probe no catalog declares still gets a row", () => {
  const t = probeTable([{ "raft.something-new": 4 }]);
  assert.is(t.rows.find((r) => r.name === "raft.something-new")?.hits, 4);
});

test("probe names are unique and each is prefixed with its layer", () => {
  const all = allProbes();
  assert.is(new Set(all.map((p) => p.name)).size, all.length);
  for (const p of all) assert.ok(p.name.startsWith(p.layer + "."), p.name);
});

test("each run counts its own probes: the same seed twice gives the same counts", () => {
  const s = findScenario("kv-chaos")!;
  const a = runScenario({ scenario: s, seed: 2 });
  const b = runScenario({ scenario: s, seed: 2 });
  assert.equal(a.probes, b.probes);
  assert.ok(Object.keys(a.probes ?? {}).length > 0);
});

test("the CI probe sweep reaches every required probe", () => {
  const perRun: Record<string, number>[] = [];
  for (const { scenario, seeds } of CI_PROBE_SWEEP) {
    const def = findScenario(scenario);
    assert.ok(def !== undefined, scenario);
    for (let seed = 1; seed <= seeds; seed++) perRun.push(runScenario({ scenario: def, seed }).probes ?? {});
  }
  const t = probeTable(perRun);
  assert.equal(
    t.requiredNeverHit,
    [],
    `required probes never hit by ${CI_PROBE_SWEEP.map((s) => `${s.scenario} 1..${s.seeds}`).join(", ")}`,
  );
});

test.run();
