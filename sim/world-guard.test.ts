// An assertion that fails inside a process is a finding of that process, wherever the process was
// running: a message, a timer, or an fsync's completion (where Raft persists, then applies). The world
// stops with the finding instead of the run crashing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assert as invariant } from "../core/assert.ts";
import { World } from "./world.ts";

test("an assertion failing in an fsync completion stops the world with a finding of that process", () => {
  const world = new World({ seed: 1 });
  world.spawn("n1", (env) => ({
    onMessage: () => {},
    start: () => {
      env.disk.append("log", { index: 1 });
      env.disk.sync(() => invariant(false, "applied past the commit index"));
    },
  }));
  world.runUntil(1_000_000);
  assert.ok(world.failure !== undefined, "the failure is recorded");
  assert.is(world.failure.process, "n1");
  assert.is(world.failure.message, "applied past the commit index");
});

test("any other error in an fsync completion is a bug of the simulator and still throws", () => {
  const world = new World({ seed: 1 });
  world.spawn("n1", (env) => ({
    onMessage: () => {},
    start: () => env.disk.sync(() => JSON.parse("{")),
  }));
  assert.throws(
    () => world.runUntil(1_000_000),
    (e: unknown) => e instanceof SyntaxError,
  );
});

test.run();
