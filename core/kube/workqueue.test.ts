import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Env } from "../env.ts";
import { World } from "../../sim/world.ts";
import { WorkQueue, type Worker } from "./workqueue.ts";

function rig(worker: (w: World) => Worker, opts: ConstructorParameters<typeof WorkQueue>[2] = {}) {
  const world = new World({ seed: 1 });
  let env!: Env;
  world.spawn("p", (e) => ((env = e), { onMessage() {} }));
  const q = new WorkQueue(env, worker(world), opts);
  return { world, q, env };
}

test("a key added many times while it waits in the queue is processed once", () => {
  const seen: string[] = [];
  const hold: (() => void)[] = [];
  const { q } = rig(() => (k, done) => {
    seen.push(k);
    hold.push(done);
  });
  q.add("busy"); // the one worker is busy: everything else waits
  for (let i = 0; i < 5; i++) {
    q.add("a");
    q.add("b");
  }
  assert.is(q.length, 2);
  while (hold.length > 0) hold.shift()!();
  assert.equal(seen, ["busy", "a", "b"]);
});

test("a key added while it is being processed runs again after, never twice at once", () => {
  const log: string[] = [];
  let release: (() => void) | undefined;
  const { world, q } = rig(
    () => (k, done) => {
      log.push("start " + k);
      release = () => {
        log.push("end " + k);
        done();
      };
    },
    { concurrency: 4 },
  );
  q.add("a");
  world.runUntil(1);
  q.add("a");
  q.add("a");
  world.runUntil(2);
  assert.equal(log, ["start a"], "not handed out while processing");
  release!();
  world.runUntil(3);
  assert.equal(log, ["start a", "end a", "start a"]);
});

test("failures back off exponentially per key, and forget resets the backoff", () => {
  const times: number[] = [];
  const { world, q } = rig(
    (w) => (_k, done) => {
      times.push(w.now);
      done();
    },
    { baseDelayUs: 1_000, maxDelayUs: 8_000 },
  );
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const added = world.now;
    q.addRateLimited("k");
    world.runUntil(world.now + 20_000);
    delays.push(times[times.length - 1]! - added);
  }
  assert.equal(delays, [1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  assert.is(q.numRequeues("k"), 6);
  q.forget("k");
  const before = world.now;
  q.addRateLimited("k");
  world.runUntil(world.now + 20_000);
  assert.is(times[times.length - 1]! - before, 1_000, "back to the base delay");
});

test("of two delayed adds of one key the earlier wins", () => {
  const times: number[] = [];
  const { world, q } = rig((w) => (_k, done) => {
    times.push(w.now);
    done();
  });
  q.addAfter("k", 50_000);
  q.addAfter("k", 10_000);
  q.addAfter("k", 30_000);
  world.runUntil(100_000);
  assert.equal(times, [10_000]);
});

test("at most `concurrency` keys are processed at once", () => {
  let running = 0;
  let peak = 0;
  const { world, q, env } = rig(
    () => (_k, done) => {
      running++;
      peak = Math.max(peak, running);
      env.setTimer(1_000, () => {
        running--;
        done();
      });
    },
    { concurrency: 3 },
  );
  for (let i = 0; i < 10; i++) q.add("k" + i);
  world.runUntil(100_000);
  assert.is(peak, 3);
  assert.is(q.handedOut, 10);
});

test("a shut-down queue hands out nothing more", () => {
  let n = 0;
  const { world, q } = rig(() => (_k, done) => {
    n++;
    done();
  });
  q.addAfter("a", 1_000);
  q.shutDown();
  q.add("c");
  q.addRateLimited("d");
  world.runUntil(10_000);
  assert.is(n, 0);
});

test.run();
