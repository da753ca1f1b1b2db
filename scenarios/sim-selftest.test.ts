// sim-selftest's incarnation check (issue 15): its oracle knows which boot of a process each message
// was sent to, so a world that delivered across a restart fails it. Its durability check holds the disk
// to both halves of the crash model: what was synced survives, what was not is lost (a clean crash loses
// all of it), so a disk too kind to test fails it.
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

test("a disk whose crashes keep writes not yet durable fails disk-durability; the real disk loses them", () => {
  const durability = (seed: number, crashKeepsUnsynced: boolean) => {
    const { options, faults } = resolveRun(simSelftest, seed);
    const out = executeSelftest(
      { seed, options: options as SelftestOptions, faults, keepTrace: false },
      { crashKeepsUnsynced },
    );
    return out.checks.find((c) => c.name === "disk-durability")!;
  };
  const kind = SEEDS.filter((seed) => durability(seed, true).verdict === "fail");
  assert.ok(kind.length > 0, "no seed noticed a crash that kept everything");
  assert.match(durability(kind[0]!, true).message, "written but never synced");
  let lost = 0;
  for (const seed of SEEDS) {
    const real = durability(seed, false);
    assert.is(real.verdict, "pass", `seed ${seed}: ${real.message}`);
    lost += Number(/(\d+) clean crashes lost the records not yet synced/.exec(real.message)![1]);
  }
  assert.ok(lost > 0, "no clean crash had anything to lose: the check is vacuous on these seeds");
});

test.run();
