// A long kv-chaos run (bench/memory.ts measures one of an hour): its linearizability check must be
// decided, and by the fast path (models/etcd/witness.ts), whose work grows with the history, not by
// the search, whose budget a long chaotic history exhausts ("unknown").
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../scenarios/registry.ts";
import { resolveRun, runScenario } from "../scenarios/runner.ts";

for (const [seconds, least] of [
  [300, 15_000],
  // The memory benchmark's run: its guess gave up (and the search stopped at its budget, "unknown")
  // on a compaction placed to help that refused a later known one, and on reads and compactions
  // answered in one revision (models/etcd/witness.test.ts has each alone). Seed 1 stops members
  // gracefully too (196,118 operations since: a stopping member takes no new request).
  [3600, 150_000],
] as const)
  test(`kv-chaos with ${seconds / 60} simulated minutes of faults: linearizable, guessed in about a step per operation`, () => {
    const def = findScenario("kv-chaos")!;
    const seed = 1;
    const { options, faults } = resolveRun(def, seed, {
      ...resolveRun(def, seed).options,
      faultPhaseUs: seconds * 1_000_000,
    });
    const r = runScenario({ scenario: def, seed, options, faults });
    const lin = r.checks.find((c) => c.name === "linearizability")!;
    assert.is(lin.verdict, "pass", lin.message);
    const m = /linearizable \((\d+) operations checked, \d+ dropped, (\d+) steps\)/.exec(lin.message)!;
    assert.ok(m, lin.message);
    const [operations, steps] = [Number(m[1]), Number(m[2])];
    assert.ok(operations > least, lin.message);
    assert.ok(steps < 2 * operations, `the guess took ${steps} steps for ${operations} operations`);
  });

test.run();
