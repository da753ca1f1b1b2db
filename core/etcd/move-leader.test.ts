// etcd's MoveLeader (etcdctl move-leader) and its graceful Stop (a leader hands leadership over before it
// exits), on three members over the simulated network.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../bugs.ts";
import { probeCounts, resetProbes } from "../probes.ts";
import { World } from "../../sim/world.ts";
import { EtcdMember } from "./member.ts";
import type { MaintenanceResult, MemberMessage } from "./protocol.ts";

const VOTERS = ["n1", "n2", "n3"];

function cluster(opts: { seed?: number; bugs?: BugSet } = {}) {
  const world = new World({ seed: opts.seed ?? 5 });
  for (const id of VOTERS)
    world.spawn(id, (env) => new EtcdMember(env, { peers: VOTERS, ...(opts.bugs ? { bugs: opts.bugs } : {}) }));
  const answers = new Map<number, { result: MaintenanceResult; at: number }>();
  const kvAnswers = new Map<number, Extract<MemberMessage, { type: "KvResponse" }>>();
  world.spawn("admin", () => ({
    onMessage: (_from, m) => {
      const r = m as MemberMessage;
      if (r.type === "KvResponse") kvAnswers.set(r.reqId, r);
      if (r.type === "MaintenanceResponse") answers.set(r.reqId, { result: r.result, at: world.now });
    },
  }));
  const member = (id: string) => world.process(id).actor as EtcdMember;
  const leaderNow = () =>
    VOTERS.find((v) => world.process(v).status === "up" && member(v).driver.status().role === "leader");
  const leader = () => {
    assert.ok(
      world.runUntilPredicate(() => leaderNow() !== undefined, world.now + 3_000_000),
      "a leader",
    );
    return leaderNow()!;
  };
  let reqId = 0;
  const moveLeader = (to: string, transferee: string) => {
    const id = ++reqId;
    const sent = world.now;
    world.process("admin").env!.send(to, { type: "Maintenance", reqId: id, request: { op: "moveLeader", transferee } });
    assert.ok(
      world.runUntilPredicate(() => answers.has(id), world.now + 3_000_000),
      "an answer",
    );
    return { ...answers.get(id)!, sent };
  };
  /** Sends a put to one member and returns its request id (the answer lands in kvAnswers). */
  const put = (to: string, key: string) => {
    const id = ++reqId;
    world.process("admin").env!.send(to, {
      type: "KvRequest",
      reqId: id,
      request: { kind: "put", put: { key, value: "v" } },
    });
    return id;
  };
  return { world, member, leader, leaderNow, moveLeader, put, kvAnswers };
}

test("move-leader: the leader answers once the transferee leads, and the transferee does lead", () => {
  const c = cluster();
  const from = c.leader();
  const to = VOTERS.find((v) => v !== from)!;
  const r = c.moveLeader(from, to);
  assert.equal(r.result, {});
  assert.is(c.member(to).driver.status().role, "leader");
  assert.is(c.member(from).driver.status().leader, to, "the old leader follows the transferee");
});

test("move-leader: a member that does not lead refuses (not-leader), and nothing moves", () => {
  const c = cluster();
  const lead = c.leader();
  const follower = VOTERS.find((v) => v !== lead)!;
  const other = VOTERS.find((v) => v !== lead && v !== follower)!;
  assert.equal(c.moveLeader(follower, other).result, { error: "not-leader" });
  assert.is(c.leaderNow(), lead);
});

test("move-leader: a transferee that is no member is refused at once as a bad leader transferee", () => {
  const c = cluster();
  const lead = c.leader();
  const r = c.moveLeader(lead, "n9");
  assert.equal(r.result, { error: "bad-leader-transferee" });
  assert.ok(r.at - r.sent < 20_000, `answered at once: ${r.at - r.sent} µs`);
  assert.is(c.leaderNow(), lead);
});

test("move-leader to the leader itself: ok at once (it already follows itself)", () => {
  const c = cluster();
  const lead = c.leader();
  assert.equal(c.moveLeader(lead, lead).result, {});
  assert.is(c.leaderNow(), lead);
});

test("move-leader to a transferee cut off from the leader times out (leader-transfer-timeout)", () => {
  const c = cluster();
  const lead = c.leader();
  const to = VOTERS.find((v) => v !== lead)!;
  c.world.network.faults.cut(lead, to);
  c.world.network.faults.cut(to, lead);
  const r = c.moveLeader(lead, to);
  assert.equal(r.result, { error: "leader-transfer-timeout" });
  assert.ok(r.at - r.sent >= 1_000_000, "after the member's request timeout");
});

test("the mutant that answers early says ok before the transferee leads", () => {
  const c = cluster({ bugs: new BugSet(["etcd-move-leader-answers-early"]) });
  const from = c.leader();
  const to = VOTERS.find((v) => v !== from)!;
  c.world.network.faults.cut(from, to);
  c.world.network.faults.cut(to, from);
  assert.equal(c.moveLeader(from, to).result, {});
  assert.is.not(c.leaderNow(), to);
});

test("the mutant without the membership check lets a move to no member time out", () => {
  const c = cluster({ bugs: new BugSet(["etcd-move-leader-unchecked-transferee"]) });
  assert.equal(c.moveLeader(c.leader(), "n9").result, { error: "leader-transfer-timeout" });
});

test("a leader stopped gracefully hands leadership to a peer before it exits; a follower just exits", () => {
  const c = cluster();
  const lead = c.leader();
  c.world.stop(lead);
  assert.ok(
    c.world.runUntilPredicate(() => c.world.process(lead).status === "crashed", c.world.now + 3_000_000),
    "the old leader exits",
  );
  const next = VOTERS.find((v) => v !== lead && c.member(v).driver.status().role === "leader");
  assert.ok(next !== undefined, "a peer leads when the old leader exits: no election timeout without a leader");
  const follower = VOTERS.find((v) => v !== lead && v !== next)!;
  const before = c.world.now;
  c.world.stop(follower);
  assert.ok(c.world.runUntilPredicate(() => c.world.process(follower).status === "crashed", c.world.now + 3_000_000));
  assert.ok(c.world.now - before < 20_000, "a follower exits after its fsync, no transfer");
  assert.is(c.leaderNow(), next);
});

test("a leader with no connected peer stops without a transfer", () => {
  // Cut off past an election timeout unheard but before CheckQuorum steps it down: that window opens only
  // when the cut comes just after a quorum check, so the cut is tried at each tick of one timeout.
  for (let tick = 0; tick < 10; tick++) {
    const c = cluster();
    const lead = c.leader();
    c.world.runUntil(c.world.now + tick * 10_000);
    if (c.leaderNow() !== lead) continue;
    for (const v of VOTERS)
      if (v !== lead) {
        c.world.network.faults.cut(lead, v);
        c.world.network.faults.cut(v, lead);
      }
    c.world.runUntil(c.world.now + 105_000);
    if (c.member(lead).driver.status().role !== "leader") continue;
    resetProbes();
    const before = c.world.now;
    c.world.stop(lead);
    assert.ok(c.world.runUntilPredicate(() => c.world.process(lead).status === "crashed", c.world.now + 3_000_000));
    assert.ok(c.world.now - before < 20_000, `no transfer waited for: ${c.world.now - before} µs`);
    assert.is(probeCounts().get("etcd.stop-without-transfer"), 1);
    return;
  }
  assert.unreachable("no cut left the leader leading past an election timeout unheard");
});

test("a stopping member takes no new request (refused: the client goes elsewhere) but finishes the ones it took", () => {
  // A follower: it forwards the write and would have nothing left to do but for the answer.
  const c = cluster();
  const lead = c.leader();
  const f = VOTERS.find((v) => v !== lead)!;
  assert.ok(c.world.runUntilPredicate(() => c.member(f).driver.status().leader === lead, c.world.now + 1_000_000));
  const taken = c.put(f, "a");
  c.world.runUntil(c.world.now + 1_500); // delivered and forwarded, not yet committed
  c.world.stop(f);
  const late = c.put(f, "b");
  assert.ok(c.world.runUntilPredicate(() => c.world.process(f).status === "crashed", c.world.now + 3_000_000));
  assert.is(c.kvAnswers.get(taken)?.error, undefined, "the request taken before the stop was answered");
  assert.ok(c.kvAnswers.get(taken)?.response !== undefined);
  assert.is(c.kvAnswers.get(late)?.error, "not-leader", "the one after it was refused, definitely");
});

test.run();
