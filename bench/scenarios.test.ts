import { test } from "uvu";
import * as assert from "uvu/assert";
import { profileInChild, profileRows } from "./scenarios.ts";

test("a scenario is profiled in a process of its own, and its rows carry the split and the speed", async () => {
  const p = await profileInChild("smoke", 2, 1, 0);
  assert.is(p.scenario, "smoke");
  assert.is(p.seeds, 2);
  assert.is(p.warmup, 1);
  assert.ok(p.events > 0 && p.simMs > 0 && p.wallMs > 0, JSON.stringify(p));
  const [speed, share] = profileRows(p);
  assert.ok(speed!.value > 0);
  assert.is((speed!.detail as { warmupSeeds: number }).warmupSeeds, 1);
  assert.ok(share!.value > 0 && share!.value < 100, String(share!.value));
});

test("an unknown scenario fails its child, not the bench's process", async () => {
  try {
    await profileInChild("no-such-scenario", 1, 0, 0);
    assert.unreachable("an unknown scenario gave a profile");
  } catch (e) {
    assert.match((e as Error).message, /no-such-scenario/);
  }
});

test.run();
