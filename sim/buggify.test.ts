import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Env } from "../core/env.ts";
import { World } from "./world.ts";

function run(sites: string[], seed = 1) {
  const world = new World({ seed, keepTrace: true, buggify: { sites, p: 0.1 } });
  let env: Env | undefined;
  world.spawn("p", (e) => {
    env = e;
    return { onMessage() {} };
  });
  const fired: boolean[] = [];
  for (let i = 0; i < 500; i++) fired.push(env!.buggify("drop-proposal"));
  return { world, fired };
}

test("an enabled fault point fires at about its rate, deterministically, and each firing is in the trace", () => {
  const a = run(["drop-proposal"]);
  const b = run(["drop-proposal"]);
  const n = a.fired.filter(Boolean).length;
  assert.ok(n > 25 && n < 80, `fired ${n} of 500`);
  assert.equal(a.fired, b.fired);
  assert.is(a.world.trace.lines!.filter((l) => l.k === "buggify" && l.m === "drop-proposal").length, n);
  assert.is(a.world.buggified.get("drop-proposal"), n);
});

test("a fault point the run did not enable never fires", () => {
  assert.ok(run(["starve-watch"]).fired.every((f) => !f));
  assert.ok(run([]).fired.every((f) => !f));
});

test("delay-fsync lengthens some fsyncs of an enabled run", () => {
  const world = new World({
    seed: 3,
    buggify: { sites: ["delay-fsync"], p: 0.5 },
    disk: { fsyncLatencyUs: 100, fsyncJitterUs: 0 },
  });
  const done: number[] = [];
  world.spawn("p", (env) => ({
    onMessage() {},
    start() {
      for (let i = 0; i < 20; i++) {
        env.disk.append("log", i);
        env.disk.sync(() => done.push(world.now));
      }
    },
  }));
  world.runUntil(10_000_000);
  assert.is(done.length, 20);
  assert.ok(done[done.length - 1]! > 100 * 20, `last fsync done at ${done[done.length - 1]}`);
  assert.ok((world.buggified.get("delay-fsync") ?? 0) > 0);
});

test.run();
