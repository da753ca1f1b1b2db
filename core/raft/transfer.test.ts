// Leadership transfer (thesis §3.10, etcd's MsgTransferLeader / MsgTimeoutNow).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../testing/raft/testkit.ts";

function cluster(): Cluster {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  t.campaign("n1");
  t.stabilize();
  return t;
}

test("transfer to an up-to-date follower: TimeoutNow makes it campaign at once and win", () => {
  const t = cluster();
  t.transferLeadership("n1", "n2");
  assert.is(t.pending("MsgTimeoutNow").length, 1);
  t.stabilize();
  assert.is(t.node("n2").roleKind, "leader");
  assert.is(t.node("n2").term, 2);
  assert.is(t.node("n1").roleKind, "follower");
});

test("transfer to a lagging follower first catches it up", () => {
  const t = cluster();
  t.isolate("n3");
  t.propose("n1", "x");
  t.stabilize();
  t.heal();
  t.transferLeadership("n1", "n3");
  assert.is(t.pending("MsgTimeoutNow").length, 0, "not before n3 has the whole log");
  t.stabilize();
  assert.is(t.node("n3").roleKind, "leader");
  assert.ok(t.node("n3").termAt(2) === 1, "it holds the entry it was missing");
});

test("a leader refuses proposals while a transfer is in progress", () => {
  const t = cluster();
  t.isolate("n3");
  t.transferLeadership("n1", "n3");
  assert.equal(t.propose("n1", "during"), { kind: "dropped", reason: "leadership-transfer" });
});

test("a transfer that does not finish within an election timeout is abandoned", () => {
  const t = cluster();
  t.isolate("n3");
  t.transferLeadership("n1", "n3");
  for (let i = 0; i < t.node("n1").electionTicks; i++) {
    t.tick("n1");
    t.stabilize();
  }
  assert.is(t.node("n1").leadTransferee, "");
  assert.is(t.propose("n1", "after").kind, "appended");
});

test("a follower forwards a transfer request to the leader", () => {
  const t = cluster();
  t.transferLeadership("n3", "n3");
  t.stabilize();
  assert.is(t.node("n3").roleKind, "leader");
});

test.run();
