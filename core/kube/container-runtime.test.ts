import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Env } from "../env.ts";
import { World } from "../../sim/world.ts";
import { ContainerRuntime } from "./container-runtime.ts";

/** A node process whose runtime each incarnation rebuilds, as the kubelet does. */
function node() {
  const world = new World({ seed: 3 });
  const runtimes: ContainerRuntime[] = [];
  world.spawn("node-1", (env: Env) => {
    runtimes.push(new ContainerRuntime(env));
    return { onMessage() {} };
  });
  return { world, runtime: () => runtimes[runtimes.length - 1]! };
}

test("a container that ran is remembered across a reboot; one that only started is not", () => {
  const { world, runtime } = node();
  runtime().start("ran", "nginx", 1_000, () => {});
  runtime().start("starting", "nginx", 50_000, () => {});
  world.runUntil(10_000);
  assert.ok(runtime().isRunning("ran"));
  assert.ok(!runtime().isRunning("starting"));
  world.crash("node-1", "torn");
  world.restart("node-1");
  assert.is(runtime().has("ran"), false, "a reboot ends every container");
  assert.is(runtime().ranBefore("ran"), true, "the runtime still lists it, exited");
  assert.is(runtime().ranBefore("starting"), false);
  assert.is(runtime().ranBefore("never"), false);
});

test.run();
