// sim-selftest's incarnation check (issue 15): its oracle knows which boot of a process each message
// was sent to, so a world that delivered across a restart fails it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { executeSelftest, simSelftest, type SelftestOptions } from "./sim-selftest.ts";
import { resolveRun } from "./runner.ts";

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);

test("a world that delivers messages to a later incarnation fails sim-selftest's incarnations check", () => {
  const failed = SEEDS.filter((seed) => {
    const { options, faults } = resolveRun(simSelftest, seed);
    const out = executeSelftest(
      { seed, options: options as SelftestOptions, faults, keepTrace: false },
      { deliverAcrossIncarnations: true },
    );
    return out.checks.some((c) => c.name === "incarnations" && c.verdict === "fail");
  });
  assert.ok(failed.length > 0, "no seed noticed");
});

test("the real world passes the same seeds: stale messages are dropped, none crosses", () => {
  let dropped = 0;
  for (const seed of SEEDS) {
    const { options, faults } = resolveRun(simSelftest, seed);
    const out = executeSelftest({ seed, options: options as SelftestOptions, faults, keepTrace: false });
    const bad = out.checks.filter((c) => c.verdict !== "pass");
    assert.equal(bad, [], `seed ${seed}`);
    dropped += Number(
      /(\d+) messages to a dead incarnation dropped/.exec(
        out.checks.find((c) => c.name === "incarnations")!.message,
      )?.[1] ?? 0,
    );
  }
  assert.ok(dropped > 0, "some message was addressed to a dead incarnation");
});

test.run();
