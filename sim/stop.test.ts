// A graceful stop (the fault kind `stop`): the process winds down as its actor says, exits with every
// write durable, and comes back at the stop's end, or at the heal — even when the restart is due
// before the winding down is over.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Actor, Env } from "../core/env.ts";
import { World } from "./world.ts";
import { Nemesis } from "./nemesis.ts";

/** A process that writes a record at every start, and takes `windDownUs` to stop (no hook: exits at once). */
function spawnWriter(world: World, windDownUs: number | undefined, starts: number[]) {
  world.spawn("p", (env: Env): Actor => {
    starts.push(world.now);
    env.disk.append("log", { start: starts.length, seen: env.disk.read("log").length });
    return windDownUs === undefined
      ? { onMessage: () => {} }
      : { onMessage: () => {}, stop: (exit) => void env.setTimer(windDownUs, exit) };
  });
}

test("a stop keeps every write, even one never synced, and the process is down once its actor has wound down", () => {
  const world = new World({ seed: 1 });
  const starts: number[] = [];
  spawnWriter(world, 50_000, starts);
  world.runUntil(10_000);
  world.stop("p");
  assert.is(world.process("p").status, "up", "still winding down");
  world.runUntil(40_000);
  assert.is(world.process("p").status, "up");
  world.runUntil(100_000);
  assert.is(world.process("p").status, "crashed", "down after its 50 ms and the fsync");
  world.restart("p");
  world.runUntil(110_000);
  assert.equal(world.process("p").disk.read("log"), [
    { start: 1, seen: 0 },
    { start: 2, seen: 1 },
  ]);
});

test("a crash's unsynced write is lost where a stop's is kept (the control)", () => {
  const world = new World({ seed: 1 });
  const starts: number[] = [];
  spawnWriter(world, undefined, starts);
  world.runUntil(10_000);
  world.crash("p", "clean");
  world.restart("p");
  world.runUntil(20_000);
  assert.equal(world.process("p").disk.read("log"), [{ start: 2, seen: 0 }]);
});

test("a restart due while the process still winds down brings it back as soon as it is down", () => {
  const world = new World({ seed: 1 });
  const starts: number[] = [];
  spawnWriter(world, 300_000, starts);
  const nemesis = new Nemesis(world, () => ["p"]);
  nemesis.schedule([{ at: 100_000, until: 200_000, kind: "stop", target: "p" }]);
  world.runUntil(250_000);
  assert.is(world.process("p").status, "up", "winding down past the stop's end");
  assert.is(starts.length, 1);
  world.runUntil(1_000_000);
  assert.is(starts.length, 2, "restarted once");
  assert.ok(starts[1]! >= 400_000, `restarted after the winding down: ${starts[1]}`);
  assert.is(world.process("p").status, "up");
});

test("the heal restarts a process that is still winding down; a crash meanwhile ends the stop", () => {
  const world = new World({ seed: 1 });
  const starts: number[] = [];
  spawnWriter(world, 300_000, starts);
  const nemesis = new Nemesis(world, () => ["p"]);
  nemesis.schedule([{ at: 100_000, kind: "stop", target: "p" }]);
  world.runUntil(150_000);
  nemesis.heal();
  world.runUntil(1_000_000);
  assert.is(starts.length, 2, "back after the heal");

  world.stop("p");
  world.crash("p", "clean");
  world.runUntil(2_000_000);
  assert.is(world.process("p").status, "crashed", "the crash ended the stop: its exit restarts nothing");
  assert.is(world.process("p").stopping, false);
});

test.run();
