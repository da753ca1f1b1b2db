// Restart from durable state only: what was fsynced survives, nothing else.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../sim/rng.ts";
import { RaftNode } from "./node.ts";
import type { Message } from "./types.ts";
import { Cluster } from "../../testing/raft/testkit.ts";

test("a restarted node recovers term, vote, log and commit from its disk and re-applies committed entries", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  t.campaign("n1");
  t.stabilize();
  t.propose("n1", "a");
  t.propose("n1", "b");
  t.stabilize();
  const n2 = t.node("n2");
  const before = { term: n2.term, vote: n2.vote, last: n2.lastIndex, commit: n2.commitIndex };
  t.crash("n2");
  t.restart("n2");
  const after = t.node("n2");
  assert.equal({ term: after.term, vote: after.vote, last: after.lastIndex, commit: after.commitIndex }, before);
  assert.is(after.roleKind, "follower");
  assert.equal(t.applied("n2"), [], "the state machine starts empty (no snapshot yet)");
  t.stabilize();
  assert.equal(t.applied("n2"), ["a", "b"]);
});

test("§5.2 a vote survives a crash: the voter refuses a second candidate in the same term", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"], preVote: false, sync: "manual" });
  t.campaign("n1");
  t.sync("n1"); // the candidate's own term and vote are durable before it asks
  t.deliverAll((e) => e.to === "n2");
  assert.ok(t.syncing("n2"), "the vote waits for its fsync");
  assert.is(t.pending("MsgVoteResp").length, 0, "no reply before the vote is durable");
  t.sync("n2");
  t.crash("n2");
  t.restart("n2");
  assert.is(t.node("n2").vote, "n1");
  t.node("n3").campaign(); // n3 also in term 1
  t.processReady("n3");
  t.sync("n3");
  t.deliverAll((e) => e.from === "n3" && e.to === "n2");
  t.sync("n2");
  const answer = t.pending("MsgVoteResp").find((e) => e.from === "n2" && e.to === "n3");
  assert.ok(answer?.msg.reject, "n2 already voted for n1 in term 1");
});

// A vote in a term the node already had changes only votedFor: the hard state must still be synced
// before the grant goes out, or a crash forgets the vote and the node may grant another in that term.
// A slip that synced only when both term and vote changed got past a mutation campaign's scenarios.
test("§5.2 a vote granted in a term the node already had is synced before the grant is sent", () => {
  const n = new RaftNode({
    id: "n2",
    peers: ["n1", "n2", "n3"],
    rng: new Rng("restart/vote"),
    storage: { hardState: { term: 2, vote: "", commit: 0 } },
  });
  const vote: Message = {
    type: "MsgVote",
    from: "n3",
    to: "n2",
    term: 2,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
  };
  n.step(vote);
  const rd = n.ready();
  const grant = rd.messages.find((m) => m.type === "MsgVoteResp");
  assert.ok(grant !== undefined && !grant.reject, "the vote is granted");
  assert.is(rd.hardState?.vote, "n3");
  assert.ok(rd.mustSync, "the vote is made durable before the grant goes out");
});

test("entries not yet fsynced are lost in a crash, and were never acknowledged", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"], sync: "manual" });
  t.campaign("n1");
  t.stabilize();
  t.propose("n1", "x");
  t.sync("n1");
  t.deliverAll((e) => e.to === "n2" && e.msg.type === "MsgApp");
  assert.ok(t.syncing("n2"));
  assert.is(t.pending("MsgAppResp").length, 0, "no acknowledgement before the fsync");
  t.crash("n2");
  t.restart("n2");
  assert.is(t.node("n2").lastIndex, 1, "the un-synced entry is gone");
  assert.is(t.node("n1").commitIndex, 1, "and nobody counted it");
  t.tick("n1");
  t.stabilize();
  assert.equal(t.applied("n2"), ["x"], "the leader sends it again");
});

test("a torn write keeps a prefix of what was not yet synced", () => {
  const lastIndexAfterCrash = (keep: number) => {
    const t = new Cluster({ ids: ["n1", "n2"], sync: "manual" });
    t.campaign("n1");
    t.stabilize();
    t.propose("n1", "x");
    t.sync("n1");
    t.deliverAll((e) => e.msg.type === "MsgApp");
    t.crash("n2", keep);
    t.restart("n2");
    return t.node("n2").lastIndex;
  };
  // n2's pending writes: a commit-only hard state from earlier, then the new entry.
  assert.is(lastIndexAfterCrash(0), 1);
  assert.is(lastIndexAfterCrash(1), 1);
  assert.is(lastIndexAfterCrash(2), 2);
});

test.run();
