// Hand-written scenarios that read as prose, on pure nodes and the in-test network.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../testing/raft/testkit.ts";

test("golden transcript: an election and one write in a quiet three-node cluster", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"], preVote: false, transcript: true });
  t.campaign("n1");
  t.stabilize();
  t.propose("n1", "x");
  t.stabilize();
  assert.fixture(
    t.transcript.join("\n"),
    [
      "n1->n2 MsgVote term=1 last=0/0",
      "n1->n3 MsgVote term=1 last=0/0",
      "n2->n1 MsgVoteResp term=1 grant",
      "n3->n1 MsgVoteResp term=1 grant",
      "n1->n2 MsgApp term=1 prev=0/0 entries=[1/1] commit=0",
      "n1->n3 MsgApp term=1 prev=0/0 entries=[1/1] commit=0",
      "n2->n1 MsgAppResp term=1 index=1",
      "n3->n1 MsgAppResp term=1 index=1",
      "n1->n2 MsgApp term=1 prev=1/1 entries=[] commit=1",
      "n1->n3 MsgApp term=1 prev=1/1 entries=[] commit=1",
      "n2->n1 MsgAppResp term=1 index=1",
      "n3->n1 MsgAppResp term=1 index=1",
      "n1->n2 MsgApp term=1 prev=1/1 entries=[2/1] commit=1",
      "n1->n3 MsgApp term=1 prev=1/1 entries=[2/1] commit=1",
      "n2->n1 MsgAppResp term=1 index=2",
      "n3->n1 MsgAppResp term=1 index=2",
      "n1->n2 MsgApp term=1 prev=2/1 entries=[] commit=2",
      "n1->n3 MsgApp term=1 prev=2/1 entries=[] commit=2",
      "n2->n1 MsgAppResp term=1 index=2",
      "n3->n1 MsgAppResp term=1 index=2",
    ].join("\n"),
  );
});

test("a minority partition cannot commit, and its entries give way to the majority's after heal", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3", "n4", "n5"] });
  const old = t.elect();
  const others = t.ids().filter((x) => x !== old);
  const [buddy, ...majority] = others as [string, ...string[]];
  t.partition([old, buddy], majority);
  t.propose(old, "lost");
  t.stabilize();
  assert.not.ok(t.applied(old).includes("lost"), "two of five cannot commit");
  const leader = t.runUntil(() => majority.some((x) => t.node(x).roleKind === "leader"), 200);
  assert.ok(leader);
  const next = majority.find((x) => t.node(x).roleKind === "leader")!;
  t.propose(next, "kept");
  t.stabilize();
  t.heal();
  t.runUntil(() => t.ids().every((x) => t.applied(x).includes("kept")), 200);
  for (const id of t.ids()) {
    assert.ok(t.applied(id).includes("kept"), `${id} applied "kept"`);
    assert.not.ok(t.applied(id).includes("lost"), `${id} never applied "lost"`);
  }
});

test("the leader crashes: the others elect a new leader that keeps every committed write", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  const first = t.elect();
  for (let i = 0; i < 5; i++) t.propose(first, `w${i}`);
  t.stabilize();
  t.crash(first);
  const second = t.elect();
  assert.is.not(second, first);
  t.propose(second, "w5");
  t.stabilize();
  t.restart(first);
  t.runUntil(() => t.applied(first).length === 6, 100);
  for (const id of t.ids()) assert.equal(t.applied(id), ["w0", "w1", "w2", "w3", "w4", "w5"], id);
});

test("rolling restarts of every node, one at a time, lose no committed write", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"], sync: "manual" });
  let written = 0;
  for (const id of ["n1", "n2", "n3", "n1", "n2", "n3"]) {
    const leader = t.elect();
    t.propose(leader, `w${written++}`);
    t.stabilize();
    t.crash(id);
    t.restart(id);
  }
  const leader = t.elect();
  t.runUntil(() => t.ids().every((x) => t.applied(x).length === written), 100);
  for (const id of t.ids()) assert.is(t.applied(id).length, written, `${id} (leader ${leader})`);
});

test("an asymmetric partition: a leader that can send but not hear steps down, and a new leader takes over", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  const old = t.elect();
  for (const x of t.ids()) if (x !== old) t.cut(x, old);
  const ok = t.runUntil(() => t.node(old).roleKind !== "leader", 100);
  assert.ok(ok, "CheckQuorum notices that nobody answers");
  // The followers still hear its heartbeats only until it steps down; then they elect one of themselves.
  const next = t.elect();
  assert.is.not(next, old);
});

test("a node that flaps in and out of a partition does not inflate terms (PreVote)", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  const leader = t.elect();
  const term = t.node(leader).term;
  const flapper = t.ids().find((x) => x !== leader)!;
  for (let round = 0; round < 5; round++) {
    t.isolate(flapper);
    for (let i = 0; i < 40; i++) t.tick(flapper);
    t.heal();
    t.runUntil(() => t.node(flapper).leader === leader, 30);
  }
  assert.is(t.node(leader).term, term);
  assert.is(t.leader(), leader);
});

test.run();
