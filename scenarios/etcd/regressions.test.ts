// Seeds that once failed a clean build, kept so the fix stays.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../registry.ts";
import { runScenario } from "../runner.ts";

test("kv-chaos seed 62312: a follower back in a term it left only in memory (a campaign a torn crash forgot) still counts what it had covered in that term (commit-covered)", () => {
  const r = runScenario({ scenario: findScenario("kv-chaos")!, seed: 62312 });
  const raft = r.checks.find((c) => c.name === "raft-safety")!;
  assert.is(raft.verdict, "pass", raft.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test.run();
