// §5.2 leader election, §5.4.1 the voting restriction, PreVote and CheckQuorum, message by message.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../sim/rng.ts";
import { RaftNode } from "./node.ts";
import { Cluster } from "../../testing/raft/testkit.ts";

const three = (extra: Partial<ConstructorParameters<typeof Cluster>[0]> = {}) =>
  new Cluster({ ids: ["n1", "n2", "n3"], ...extra });

test("§5.2 a follower that hears nothing for an election timeout campaigns and wins with a majority", () => {
  const t = three({ preVote: false });
  const n1 = t.node("n1");
  t.tick("n1", n1.randomizedTimeout - 1);
  assert.is(n1.roleKind, "follower");
  t.tick("n1");
  assert.is(n1.roleKind, "candidate");
  assert.is(n1.term, 1);
  assert.is(n1.vote, "n1", "a candidate votes for itself");
  assert.is(t.pending("MsgVote").length, 2);
  t.stabilize();
  assert.is(n1.roleKind, "leader");
  assert.is(t.node("n2").leader, "n1");
});

test("§5.2 a candidate loses without a majority and stays candidate", () => {
  const t = three({ preVote: false });
  t.isolate("n1");
  t.campaign("n1");
  t.stabilize();
  assert.is(t.node("n1").roleKind, "candidate");
});

test("§5.2 each server votes for at most one candidate per term", () => {
  const t = three({ preVote: false });
  t.campaign("n1");
  t.campaign("n2");
  // n3 hears n1 first, then n2, in the same term.
  t.deliverAll((e) => e.to === "n3" && e.from === "n1");
  t.deliverAll((e) => e.to === "n3" && e.from === "n2");
  const replies = t.pending("MsgVoteResp").filter((e) => e.from === "n3");
  assert.equal(
    replies.map((e) => [e.to, e.msg.reject]),
    [
      ["n1", false],
      ["n2", true],
    ],
  );
  assert.is(t.node("n3").vote, "n1");
});

test("§5.2 election timeouts are randomized in [electionTicks, 2·electionTicks)", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const n = new RaftNode({ id: "n1", peers: ["n1", "n2", "n3"], rng: new Rng(`spread/${i}`), electionTicks: 10 });
    seen.add(n.randomizedTimeout);
    assert.ok(n.randomizedTimeout >= 10 && n.randomizedTimeout < 20, `timeout ${n.randomizedTimeout}`);
  }
  assert.ok(seen.size >= 5, `only ${seen.size} distinct timeouts in 40 draws`);
});

test("§5.2 a split vote resolves in a later term", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3", "n4"], preVote: false });
  t.campaign("n1");
  t.campaign("n2");
  t.deliverAll((e) => (e.from === "n1" && e.to === "n3") || (e.from === "n2" && e.to === "n4"));
  t.stabilize();
  assert.is(t.leader(), undefined, "2 of 4 votes each: nobody wins term 1");
  assert.is(t.node("n1").term, 1);
  assert.is(t.node("n2").term, 1);
  const leader = t.elect();
  assert.ok(t.node(leader).term >= 2);
});

test("§5.2 a candidate that hears from a leader of its term becomes follower", () => {
  const t = three({ preVote: false });
  t.campaign("n1");
  t.deliverAll((e) => e.to === "n2"); // n2 grants
  t.deliverAll((e) => e.to === "n1"); // n1 wins with n2's vote
  assert.is(t.node("n1").roleKind, "leader");
  t.campaign("n3"); // n3 heard nothing yet and times out in the same term
  assert.is(t.node("n3").roleKind, "candidate");
  assert.is(t.node("n3").term, 1);
  t.stabilize();
  assert.is(t.node("n3").roleKind, "follower");
  assert.is(t.node("n3").leader, "n1");
});

test("§5.1 a leader that sees a higher term steps down", () => {
  const t = three({ preVote: false, checkQuorum: false });
  t.campaign("n1");
  t.stabilize();
  t.isolate("n1");
  t.campaign("n2");
  t.stabilize();
  assert.is(t.node("n2").roleKind, "leader");
  assert.is(t.node("n1").roleKind, "leader", "n1 has not heard yet");
  t.heal();
  t.tick("n2");
  t.stabilize();
  assert.is(t.node("n1").roleKind, "follower");
  assert.is(t.node("n1").term, 2);
});

test("§5.4.1 a voter denies a candidate whose log is less up-to-date", () => {
  const t = three({ preVote: false, checkQuorum: false });
  t.campaign("n1");
  t.stabilize();
  t.isolate("n3");
  t.propose("n1", "x");
  t.stabilize();
  t.heal();
  t.isolate("n1");
  // n3 missed "x": n2 must refuse it although it has not voted in term 2.
  t.campaign("n3");
  t.deliverAll((e) => e.msg.type === "MsgVote");
  const answer = t.pending("MsgVoteResp").find((e) => e.from === "n2");
  assert.ok(answer?.msg.reject, "n2 rejects n3");
  t.stabilize();
  assert.is.not(t.node("n3").roleKind, "leader");
  // n2, whose log has "x", wins, with n3's vote.
  t.campaign("n2");
  t.stabilize();
  assert.is(t.node("n2").roleKind, "leader");
  assert.is(t.node("n3").vote, "n2");
});

test("PreVote: a partitioned node that rejoins does not disrupt the leader", () => {
  const t = three({ preVote: true });
  const leader = t.elect();
  const other = t.ids().find((x) => x !== leader)!;
  const term = t.node(leader).term;
  t.isolate(other);
  for (let i = 0; i < 50; i++) t.tick(other);
  t.stabilize();
  assert.is(t.node(other).term, term, "pre-votes failed, so the term never rose");
  assert.is(t.node(other).roleKind, "precandidate");
  t.heal();
  t.runUntil(() => t.node(other).roleKind === "follower", 20);
  assert.is(t.node(leader).roleKind, "leader");
  assert.is(t.node(leader).term, term);
});

test("without PreVote, the same rejoining node forces a new election", () => {
  const t = three({ preVote: false, checkQuorum: false });
  const leader = t.elect();
  const other = t.ids().find((x) => x !== leader)!;
  const term = t.node(leader).term;
  t.isolate(other);
  for (let i = 0; i < 50; i++) t.tick(other);
  t.heal();
  t.tick(other, 30);
  t.stabilize();
  assert.ok(t.node(leader).term > term, "the leader was deposed by a higher term");
});

test("CheckQuorum: an isolated leader steps down within two election timeouts", () => {
  const t = three({ checkQuorum: true });
  const leader = t.elect();
  const et = t.node(leader).electionTicks;
  // Connected, it stays leader however long it runs.
  for (let i = 0; i < 3 * et; i++) {
    t.tick(leader);
    t.stabilize();
  }
  assert.is(t.node(leader).roleKind, "leader");
  t.isolate(leader);
  t.tick(leader, 2 * et);
  assert.is(t.node(leader).roleKind, "follower");
});

test("without CheckQuorum, an isolated leader stays leader", () => {
  const t = three({ checkQuorum: false });
  const leader = t.elect();
  t.isolate(leader);
  t.tick(leader, 10 * t.node(leader).electionTicks);
  assert.is(t.node(leader).roleKind, "leader");
});

test("CheckQuorum lease: a follower that hears from its leader ignores a vote request", () => {
  const t = three({ checkQuorum: true, preVote: false });
  t.campaign("n1");
  t.stabilize();
  t.cut("n1", "n3"); // n3 stops hearing from n1, n2 still does
  for (let i = 0; i < 30; i++) {
    t.tick("n3");
    t.tick("n1");
    t.stabilize();
  }
  assert.ok(t.node("n3").term > 1, "n3 campaigned");
  assert.is(t.node("n2").vote, "n1", "n2 ignored n3 while within n1's lease");
  assert.is(t.node("n2").leader, "n1");
});

test("a single-voter cluster elects itself at once", () => {
  const t = new Cluster({ ids: ["n1"] });
  t.campaign("n1");
  assert.is(t.node("n1").roleKind, "leader");
  t.propose("n1", "solo");
  t.stabilize();
  assert.equal(t.applied("n1"), ["solo"]);
});

test.run();
