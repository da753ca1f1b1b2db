// §8 linearizable reads through ReadIndex.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../bugs.ts";
import { type Cluster, clusterWithCommittedWrite } from "../../testing/raft/testkit.ts";

function cluster(extra: { bugs?: BugSet } = {}): Cluster {
  return clusterWithCommittedWrite(extra);
}

test("§8 a leader answers a read only after a heartbeat round confirms it still leads", () => {
  const t = cluster();
  t.readIndex("n1", "r1");
  assert.equal(t.readStates("n1"), [], "no answer before the quorum round");
  assert.is(t.pending("MsgHeartbeat").length, 2);
  assert.ok(t.pending("MsgHeartbeat").every((e) => e.msg.context === "r1"));
  t.stabilize();
  assert.equal(t.readStates("n1"), [{ index: t.node("n1").commitIndex, context: "r1" }]);
});

test("§8 a deposed leader cannot serve a read", () => {
  const t = cluster();
  t.isolate("n1");
  t.campaign("n2");
  t.stabilize();
  t.propose("n2", "w2");
  t.stabilize();
  assert.is(t.node("n1").roleKind, "leader", "n1 does not know it was deposed");
  t.readIndex("n1", "stale");
  for (let i = 0; i < 30; i++) {
    t.tick("n1");
    t.stabilize();
  }
  assert.equal(t.readStates("n1"), [], "without a quorum the read never completes");
  t.heal();
  t.tick("n2");
  t.stabilize();
  assert.equal(t.readStates("n1"), [], "it stepped down; the read is dropped, never answered stale");
  assert.is(t.node("n1").roleKind, "follower");
});

test("§8 a new leader answers reads only after an entry of its own term commits", () => {
  const t = cluster();
  t.isolate("n1");
  t.campaign("n2");
  // n2 wins, but its empty term-2 entry is not yet replicated.
  t.deliverAll((e) => e.msg.type === "MsgVote");
  t.deliverAll((e) => e.msg.type === "MsgVoteResp");
  assert.is(t.node("n2").roleKind, "leader");
  assert.is(t.node("n2").commitIndex, 2, "still the old term's commit index");
  t.readIndex("n2", "early");
  t.deliverAll((e) => e.msg.type === "MsgHeartbeat");
  t.deliverAll((e) => e.msg.type === "MsgHeartbeatResp");
  assert.equal(t.readStates("n2"), [], "held back: the commit index may be stale");
  t.stabilize();
  const [rs] = t.readStates("n2");
  assert.ok(rs !== undefined && rs.context === "early");
  assert.is(rs.index, 3, "answered at the index of its own term's entry");
});

test("§8 a follower's read is forwarded to the leader and answered to the follower", () => {
  const t = cluster();
  t.readIndex("n3", "from-follower");
  assert.is(t.pending("MsgReadIndex").length, 1);
  t.stabilize();
  assert.equal(t.readStates("n3"), [{ index: t.node("n1").commitIndex, context: "from-follower" }]);
  assert.equal(t.readStates("n1"), []);
});

test("§8 one heartbeat round confirms every read queued before it", () => {
  const t = cluster();
  t.readIndex("n1", "a");
  t.readIndex("n1", "b");
  t.deliverAll((e) => e.msg.context === "a"); // heartbeats of the first round are lost or slow
  t.drop((e) => e.msg.context === "a");
  t.stabilize();
  assert.equal(
    t.readStates("n1").map((r) => r.context),
    ["a", "b"],
  );
});

test("raft-stale-read: the mutant leader answers at once, even when deposed", () => {
  const t = cluster({ bugs: new BugSet(["raft-stale-read"]) });
  t.isolate("n1");
  t.campaign("n2");
  t.stabilize();
  t.propose("n2", "w2");
  t.stabilize();
  t.readIndex("n1", "stale");
  assert.equal(t.readStates("n1"), [{ index: 2, context: "stale" }]);
  assert.ok(t.node("n2").commitIndex > 2, "while the real leader has committed more");
});

test.run();
