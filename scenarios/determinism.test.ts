import { test } from "uvu";
import * as assert from "uvu/assert";
import { runScenario, resolveRun } from "./runner.ts";
import { simSelftest } from "./sim-selftest.ts";

const selftest = simSelftest;

/** A short configuration of sim-selftest so a thousand seeds stay cheap. */
function short(seed: number) {
  const { options, faults } = resolveRun(selftest, seed);
  const o = { ...options, faultPhaseUs: 150_000, livenessBoundUs: 200_000 };
  return {
    options: o,
    faults: faults
      .filter((f) => f.at < 150_000)
      .map((f) => (f.until !== undefined && f.until > 150_000 ? { ...f, until: 150_000 } : f)),
  };
}

test("1,000 seeds each run twice in one process give the same trace hash", () => {
  const diverged: number[] = [];
  const hashes = new Set<string>();
  for (let seed = 1; seed <= 1000; seed++) {
    const { options, faults } = short(seed);
    const a = runScenario({ scenario: selftest, seed, options, faults });
    const b = runScenario({ scenario: selftest, seed, options, faults });
    if (a.traceHash !== b.traceHash) diverged.push(seed);
    hashes.add(a.traceHash);
  }
  assert.equal(diverged, []);
  assert.ok(hashes.size >= 995, `distinct hashes: ${hashes.size}`);
});

test("the seed alone determines options and the fault schedule", () => {
  assert.equal(resolveRun(selftest, 9), resolveRun(selftest, 9));
  assert.not.equal(resolveRun(selftest, 9).faults, resolveRun(selftest, 10).faults);
});

test("a replay (explicit options and schedule) gives the seed's trace hash", () => {
  const seed = 31;
  const direct = runScenario({ scenario: selftest, seed });
  const { options, faults } = resolveRun(selftest, seed);
  const replay = runScenario({
    scenario: selftest,
    seed,
    options: JSON.parse(JSON.stringify(options)),
    faults: JSON.parse(JSON.stringify(faults)),
  });
  assert.is(replay.traceHash, direct.traceHash);
});

test("sim-selftest passes on a range of seeds with every check exercised", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = runScenario({ scenario: selftest, seed });
    assert.is(r.verdict, "pass", `seed ${seed}: ${JSON.stringify(r.checks)}`);
    assert.equal(
      r.checks.map((c) => c.name),
      ["delivery-accounting", "partitions", "disk-durability", "incarnations", "liveness"],
    );
  }
});

test.run();
