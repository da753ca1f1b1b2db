import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Actor } from "../core/env.ts";
import { World } from "./world.ts";
import { Nemesis } from "./nemesis.ts";
import { Trace } from "./trace.ts";

/** A world of sinks that count what they receive; the test drives sends directly. */
function setup(link: Parameters<typeof World.prototype.network.configureLink>[2] = {}, seed = 1) {
  const world = new World({ seed, link: { latencyUs: 1_000, jitterUs: 0, ...link } });
  const got = new Map<string, { from: string; msg: unknown; time: number }[]>();
  for (const id of ["a", "b", "c"]) {
    got.set(id, []);
    world.spawn(id, (): Actor => ({ onMessage: (from, msg) => got.get(id)!.push({ from, msg, time: world.now }) }));
  }
  const nemesis = new Nemesis(world, () => ["a", "b", "c"]);
  const send = (from: string, to: string, n = 1) => {
    for (let i = 0; i < n; i++) world.network.send(from, to, { type: "m", i });
  };
  return { world, got, nemesis, send };
}

const balanced = (w: World) => {
  const b = w.network.accountingBalance();
  assert.is(b.copies, b.accounted, "every copy delivered, dropped, held or in flight");
};

test("a healthy link delivers everything after its latency", () => {
  const { world, got, send } = setup();
  send("a", "b", 10);
  world.runUntil(999);
  assert.is(got.get("b")!.length, 0);
  world.runUntil(1_000);
  assert.is(got.get("b")!.length, 10);
  balanced(world);
});

test("loss drops about the configured fraction (fixed seed, bounds)", () => {
  const { world, got, send } = setup({ lossP: 0.2 });
  send("a", "b", 5_000);
  world.runUntil(10_000);
  const n = got.get("b")!.length;
  assert.ok(n > 3_800 && n < 4_200, `delivered ${n}`);
  assert.is(world.network.stats.dropped.loss, 5_000 - n);
  balanced(world);
});

test("duplication delivers extra copies, all accounted", () => {
  const { world, got, send } = setup({ dupP: 0.1 });
  send("a", "b", 5_000);
  world.runUntil(10_000);
  const n = got.get("b")!.length;
  assert.ok(n > 5_350 && n < 5_650, `delivered ${n}`);
  assert.is(n - 5_000, world.network.stats.duplicated);
  balanced(world);
});

test("latency variance reorders messages", () => {
  const { world, got, send } = setup({ jitterUs: 5_000 });
  send("a", "b", 200);
  world.runUntil(100_000);
  const order = got.get("b")!.map((r) => (r.msg as { i: number }).i);
  assert.is(order.length, 200);
  assert.ok(
    order.some((x, k) => k > 0 && x < order[k - 1]!),
    "some message overtook another",
  );
});

test("a symmetric partition cuts both ways; heal restores the links exactly", () => {
  const { world, got, nemesis, send } = setup();
  nemesis.apply({ at: 0, kind: "partition", groups: [["a"], ["b", "c"]] });
  send("a", "b");
  send("b", "a");
  send("b", "c");
  world.runUntil(5_000);
  assert.is(got.get("b")!.length, 0);
  assert.is(got.get("a")!.length, 0);
  assert.is(got.get("c")!.length, 1);
  nemesis.heal();
  send("a", "b");
  send("b", "a");
  world.runUntil(10_000);
  assert.is(got.get("b")!.length, 1);
  assert.is(got.get("a")!.length, 1);
  assert.equal(world.network.link("a", "b"), world.network.defaultLink);
  balanced(world);
});

test("a link configured after messages crossed it takes effect for the next ones (the route's cached config)", () => {
  const { world, got, send } = setup();
  send("a", "b");
  world.runUntil(1_000);
  world.network.configureLink("a", "c", { latencyUs: 5_000 });
  send("a", "b");
  world.network.configureLink("a", "b", { latencyUs: 3_000 });
  send("a", "b");
  world.network.defaultLink = { ...world.network.defaultLink, latencyUs: 2_000 };
  send("b", "a");
  world.runUntil(10_000);
  assert.equal(
    got.get("b")!.map((g) => g.time),
    [1_000, 2_000, 4_000],
  );
  assert.equal(
    got.get("a")!.map((g) => g.time),
    [3_000],
  );
});

test("a route's cached cut follows every cut, uncut and heal", () => {
  const { world, got, nemesis, send } = setup();
  const n = () => got.get("b")!.length;
  send("a", "b");
  world.runUntil(2_000);
  assert.is(n(), 1);
  // Another link stays cut throughout, so "no cuts at all" never answers for this one.
  world.network.faults.cut("c", "a");
  world.network.faults.cut("a", "b");
  send("a", "b");
  world.network.faults.cut("a", "b");
  world.network.faults.uncut("a", "b");
  send("a", "b");
  world.network.faults.uncut("a", "b");
  send("a", "b");
  world.runUntil(4_000);
  assert.is(n(), 2, "dropped while cut (twice over), delivered once the last cut is undone");
  nemesis.apply({ at: 0, kind: "isolate", target: "b" });
  send("a", "b");
  nemesis.heal();
  send("a", "b");
  world.runUntil(6_000);
  assert.is(n(), 3);
  balanced(world);
});

test("the trace folds each delivery's label as event() would, however the labels on a link alternate", () => {
  const world = new World({ seed: 3, keepTrace: true, link: { latencyUs: 1_000, jitterUs: 900 } });
  for (const id of ["a", "b"]) world.spawn(id, (): Actor => ({ onMessage: () => {} }));
  const types = ["MsgApp", "MsgHeartbeat", "MsgApp", "KvRequest", "MsgHeartbeat", "MsgHeartbeat", "MsgVote"];
  for (let i = 0; i < 70; i++)
    world.network.send(i % 3 === 0 ? "b" : "a", i % 3 === 0 ? "a" : "b", { type: types[i % 7] });
  world.runUntil(10_000);
  const replay = new Trace();
  for (const l of world.trace.lines!) replay.event(l.t, l.k, l.p, l.to, l.m);
  assert.is(world.trace.lines!.filter((l) => l.k === "deliver").length, 70);
  assert.is(replay.hash(), world.trace.hash());
});

test("a one-way partition drops only one direction", () => {
  const { world, got, nemesis, send } = setup();
  nemesis.apply({ at: 0, kind: "partition-oneway", from: ["a"], to: ["b"] });
  send("a", "b");
  send("b", "a");
  world.runUntil(5_000);
  assert.is(got.get("b")!.length, 0);
  assert.is(got.get("a")!.length, 1);
});

test("a bridge node reaches both sides, the sides do not reach each other", () => {
  const { world, got, nemesis, send } = setup();
  nemesis.apply({
    at: 0,
    kind: "bridge",
    sides: [
      ["a", "b"],
      ["b", "c"],
    ],
    bridge: "b",
  });
  send("a", "c");
  send("a", "b");
  send("c", "b");
  send("b", "c");
  world.runUntil(5_000);
  assert.is(got.get("c")!.filter((r) => r.from === "a").length, 0);
  assert.is(got.get("b")!.length, 2);
  assert.is(got.get("c")!.length, 1);
});

test("a message on the wire when a partition starts is dropped", () => {
  const { world, got, nemesis, send } = setup();
  send("a", "b");
  world.runUntil(500);
  nemesis.apply({ at: 500, kind: "isolate", target: "b" });
  world.runUntil(5_000);
  assert.is(got.get("b")!.length, 0);
  assert.is(world.network.stats.dropped.partition, 1);
});

test("a clogged link holds everything until the clog ends, then delivers", () => {
  const { world, got, nemesis, send } = setup();
  nemesis.apply({ at: 0, until: 50_000, kind: "clog", from: "a", to: "b" });
  send("a", "b", 3);
  world.runUntil(49_999);
  assert.is(got.get("b")!.length, 0);
  world.runUntil(50_000);
  assert.is(got.get("b")!.length, 3);
  assert.ok(got.get("b")!.every((r) => r.time === 50_000));
});

test("messages to a crashed process are dropped; to a paused one held until resume", () => {
  const { world, got, send } = setup();
  world.crash("b");
  world.pause("c");
  send("a", "b", 2);
  send("a", "c", 3);
  world.runUntil(5_000);
  assert.is(world.network.stats.dropped.crashed, 2);
  assert.is(got.get("c")!.length, 0);
  assert.is(world.network.stats.held, 3);
  balanced(world);
  world.resume("c");
  assert.is(got.get("c")!.length, 3);
  balanced(world);
});

test("a bounded link queue drops what overflows", () => {
  const { world, got, send } = setup({ capacity: 10 });
  send("a", "b", 25);
  world.runUntil(5_000);
  assert.is(got.get("b")!.length, 10);
  assert.is(world.network.stats.dropped.overflow, 15);
  balanced(world);
});

test("timers of a paused process are deferred; a crash cancels them", () => {
  const world = new World({ seed: 1 });
  const fired: number[] = [];
  world.spawn("p", (env) => ({
    onMessage() {},
    start() {
      env.setTimer(1_000, () => fired.push(world.now));
    },
  }));
  world.spawn("q", (env) => ({
    onMessage() {},
    start() {
      env.setTimer(1_000, () => fired.push(-1));
    },
  }));
  world.pause("p");
  world.crash("q");
  world.runUntil(5_000);
  assert.equal(fired, []);
  world.resume("p");
  assert.equal(fired, [5_000]);
});

test("a skewed, drifting clock is what the process sees", () => {
  const { world, nemesis } = setup();
  const env = world.process("a").env!;
  nemesis.apply({ at: 0, kind: "skew", target: "a", byUs: 500_000 });
  assert.is(env.now(), 500_000);
  nemesis.apply({ at: 0, kind: "drift", target: "a", ppm: 100_000 });
  world.runUntil(1_000_000);
  assert.is(env.now(), 1_000_000 + 500_000 + 100_000);
  nemesis.heal();
  assert.is(env.now(), world.now);
});

test.run();
