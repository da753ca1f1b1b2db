// The FoundationDB-style network faults and incarnations (issue 15): heavy-tail per-message delays that
// carry a message across rounds, the swizzle clog, and TCP-like streams that a crash resets.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Actor } from "../core/env.ts";
import { probeCounts, resetProbes } from "../core/probes.ts";
import { World } from "./world.ts";
import { Nemesis, generateSchedule } from "./nemesis.ts";
import { Rng } from "./rng.ts";

function setup(opts: { deliverAcrossIncarnations?: boolean; keepTrace?: boolean } = {}) {
  const world = new World({ seed: 3, link: { latencyUs: 1_000, jitterUs: 0 }, ...opts });
  const got = new Map<string, { from: string; msg: { i: number }; time: number }[]>();
  for (const id of ["a", "b", "c", "d"]) {
    got.set(id, []);
    world.spawn(
      id,
      (): Actor => ({
        onMessage: (from, msg) => got.get(id)!.push({ from, msg: msg as { i: number }, time: world.now }),
      }),
    );
  }
  const nemesis = new Nemesis(world, () => ["a", "b", "c", "d"]);
  return { world, got, nemesis };
}

const ELECTION_US = 150_000;

test("slow-messages: a message sent in one round lands after messages sent several election timeouts later", () => {
  const { world, got, nemesis } = setup();
  nemesis.apply({ at: 0, until: 10_000_000, kind: "slow-messages", p: 0.3, maxUs: 1_000_000 });
  // One message every 10 ms for 2 s, as a leader's heartbeats would go.
  for (let i = 0; i < 200; i++) world.scheduler.at(i * 10_000, () => world.network.send("a", "b", { type: "m", i }));
  world.runUntil(5_000_000);
  const sentAt = (i: number) => i * 10_000;
  const arrivals = got.get("b")!;
  assert.is(arrivals.length, 200);
  // The latest-sent message that arrived before each: how far a message was overtaken.
  let overtakenBy = 0;
  let newest = -1;
  for (const r of arrivals) {
    if (newest > r.msg.i) overtakenBy = Math.max(overtakenBy, sentAt(newest) - sentAt(r.msg.i));
    newest = Math.max(newest, r.msg.i);
  }
  assert.ok(overtakenBy >= 3 * ELECTION_US, `overtaken by messages sent ${overtakenBy}us later`);
});

test("without slow-messages the same traffic is never overtaken by a round", () => {
  const { world, got } = setup();
  for (let i = 0; i < 200; i++) world.scheduler.at(i * 10_000, () => world.network.send("a", "b", { type: "m", i }));
  world.runUntil(5_000_000);
  const order = got.get("b")!.map((r) => r.msg.i);
  assert.equal(
    order,
    [...order].sort((x, y) => x - y),
  );
});

test("swizzle: links stop one after another and are released in reverse order, the last stopped first", () => {
  resetProbes();
  const { world, got, nemesis } = setup();
  const links: [string, string][] = [
    ["a", "b"],
    ["a", "c"],
    ["a", "d"],
  ];
  nemesis.apply({ at: 0, until: 700_000, kind: "swizzle", links, stepUs: 100_000 });
  // Sent once every link is stopped (from 200 ms); released at 700 ms (a→b), 600 ms (a→c), 500 ms (a→d).
  world.scheduler.at(250_000, () => {
    for (const to of ["b", "c", "d"]) world.network.send("a", to, { type: "m", i: 0 });
  });
  world.runUntil(1_000_000);
  const when = (to: string) => got.get(to)![0]!.time;
  assert.is(when("d"), 500_000);
  assert.is(when("c"), 600_000);
  assert.is(when("b"), 700_000);
  assert.ok((probeCounts().get("sim.swizzle-released") ?? 0) >= 1);
});

test("swizzle: a link not yet stopped still delivers; heal releases everything at once", () => {
  const { world, got, nemesis } = setup();
  nemesis.apply({
    at: 0,
    until: 700_000,
    kind: "swizzle",
    links: [
      ["a", "b"],
      ["a", "c"],
    ],
    stepUs: 100_000,
  });
  world.scheduler.at(50_000, () => world.network.send("a", "c", { type: "m", i: 1 })); // a→c stops at 100 ms
  world.runUntil(60_000);
  assert.is(got.get("c")!.length, 1);
  nemesis.heal();
  world.network.send("a", "b", { type: "m", i: 2 });
  world.runUntil(100_000);
  assert.is(got.get("b")!.length, 1);
});

test("a message addressed to an earlier incarnation is dropped (a crash resets the stream) and traced", () => {
  resetProbes();
  const { world, got, nemesis } = setup({ keepTrace: true });
  nemesis.apply({ at: 0, until: 50_000, kind: "clog", from: "a", to: "b" });
  world.network.send("a", "b", { type: "m", i: 1 });
  world.runUntil(10_000);
  world.crash("b");
  world.runUntil(20_000);
  world.restart("b");
  world.network.send("a", "b", { type: "m", i: 2 }); // to the new incarnation, held by the same clog
  world.runUntil(100_000);
  assert.equal(
    got.get("b")!.map((r) => r.msg.i),
    [2],
  );
  assert.is(world.network.stats.dropped.incarnation, 1);
  assert.ok(
    world.trace.lines!.some((l) => l.k === "drop" && l.m === "incarnation:m"),
    "the drop is in the trace",
  );
  assert.is(probeCounts().get("sim.stale-incarnation-dropped"), 1);
  assert.is(world.incarnationCheck().verdict, "pass");
  const b = world.network.accountingBalance();
  assert.is(b.copies, b.accounted);
});

test("a message sent while its destination was down is not delivered to the restarted process", () => {
  const { world, got, nemesis } = setup();
  nemesis.apply({ at: 0, until: 50_000, kind: "clog", from: "a", to: "b" });
  world.crash("b");
  world.network.send("a", "b", { type: "m", i: 1 });
  world.runUntil(10_000);
  world.restart("b");
  world.runUntil(100_000);
  assert.is(got.get("b")!.length, 0);
});

test("the incarnation check fails when the world delivers across an incarnation", () => {
  const { world, got, nemesis } = setup({ deliverAcrossIncarnations: true });
  nemesis.apply({ at: 0, until: 50_000, kind: "clog", from: "a", to: "b" });
  world.network.send("a", "b", { type: "m", i: 1 });
  world.runUntil(10_000);
  world.crash("b");
  world.restart("b");
  world.runUntil(100_000);
  assert.is(got.get("b")!.length, 1);
  const c = world.incarnationCheck();
  assert.is(c.verdict, "fail");
  assert.match(c.message, "a->b m");
});

test("a message held at a paused process is dropped when the process crashes before resuming (probed)", () => {
  resetProbes();
  const { world, got } = setup();
  world.pause("b");
  world.network.send("a", "b", { type: "m", i: 1 });
  world.runUntil(10_000);
  assert.is(world.network.stats.held, 1);
  world.crash("b");
  world.restart("b");
  world.runUntil(20_000);
  assert.is(got.get("b")!.length, 0);
  assert.is(world.network.stats.dropped.crashed, 1);
  assert.is(probeCounts().get("sim.held-message-dropped-on-crash"), 1);
});

test("the swarm generator draws slow-messages and swizzle faults with bounded, valid shapes", () => {
  const rng = new Rng(9);
  const faults = generateSchedule(
    rng,
    {
      meanGapUs: 50_000,
      minDurationUs: 100_000,
      maxDurationUs: 500_000,
      weights: { "slow-messages": 1, swizzle: 1 },
      maxMessageDelayUs: 800_000,
    },
    ["n1", "n2", "n3"],
    0,
    5_000_000,
  );
  const slow = faults.filter((f) => f.kind === "slow-messages");
  const swz = faults.filter((f) => f.kind === "swizzle");
  assert.ok(slow.length > 5 && swz.length > 5);
  for (const f of slow) assert.is(f.maxUs, 800_000);
  for (const f of swz) {
    assert.ok(f.links.length >= 1 && f.links.length <= 6);
    assert.ok(
      f.at + (f.links.length - 1) * f.stepUs < f.until - (f.links.length - 1) * f.stepUs,
      "every link is stopped before the first release",
    );
  }
});

test.run();
