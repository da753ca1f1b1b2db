import { test } from "uvu";
import * as assert from "uvu/assert";
import { World } from "../sim/world.ts";
import { RaftSafetyMonitor } from "../checkers/raft/monitor.ts";
import { profileScenario } from "./seed-profile.ts";

test("the instrumented pass splits a seed into phases and leaves no wrapper behind for the next plain pass", () => {
  const before = [World.prototype.runUntil, World.prototype.runUntilPredicate, RaftSafetyMonitor.prototype.observe];
  const p = profileScenario("smoke", 2, { warmup: 0 })!;
  assert.ok(p.split.simulationMs > 0 && p.split.onlineMs > 0 && p.split.offlineMs > 0, JSON.stringify(p.split));
  assert.ok(p.events > 0 && p.simMs > 0);
  const after = [World.prototype.runUntil, World.prototype.runUntilPredicate, RaftSafetyMonitor.prototype.observe];
  assert.ok(
    after.every((f, i) => f === before[i]),
    "a run method or a monitor entry point is still wrapped",
  );
});

test("the warm-up runs its seeds and then more until its wall time is spent", () => {
  const bySeeds = profileScenario("smoke", 1, { warmup: 2, split: false })!;
  assert.is(bySeeds.warmup, 2);
  const byTime = profileScenario("smoke", 1, { warmup: 1, warmupMs: 400, split: false })!;
  assert.ok(byTime.warmup > 1, `only ${byTime.warmup} warm-up seeds in 400 ms`);
});

test("an unknown scenario gives no profile", () => {
  assert.is(profileScenario("no-such-scenario", 1), undefined);
});

test.run();
