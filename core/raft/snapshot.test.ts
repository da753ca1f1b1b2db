// §7 log compaction and InstallSnapshot.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../testing/raft/testkit.ts";

/** n3 cut off while n1 and n2 commit 20 entries. */
function isolatedBehind(): Cluster {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  t.campaign("n1");
  t.stabilize();
  t.isolate("n3");
  for (let i = 0; i < 20; i++) t.propose("n1", `v${i}`);
  t.stabilize();
  return t;
}

/** isolatedBehind, then n1 and n2 compact their logs to their snapshots. */
function lagging(): Cluster {
  const t = isolatedBehind();
  t.compact("n1");
  t.compact("n2");
  return t;
}

test("§7 compaction drops the log up to the applied index and keeps the snapshot", () => {
  const t = lagging();
  const n1 = t.node("n1");
  assert.is(n1.firstIndex, n1.applied + 1);
  assert.is(n1.termAt(n1.applied), 1, "the term of the last compacted entry is kept");
  assert.is(n1.entryAt(5), undefined);
  assert.is(t.durable("n1").snapshot?.metadata.index, n1.applied);
});

test("§7 a follower that lags behind the compaction point is sent a snapshot and catches up", () => {
  const t = lagging();
  t.heal();
  t.tick("n1");
  t.stabilize();
  assert.ok((t.delivered.get("MsgSnap") ?? 0) >= 1, "a MsgSnap was sent");
  assert.equal(t.applied("n3"), t.applied("n1"));
  assert.is(t.node("n3").commitIndex, t.node("n1").commitIndex);
  assert.is(t.node("n1").progressOf("n3")?.state, "replicate");
  t.propose("n1", "after");
  t.stabilize();
  assert.equal(t.applied("n3").at(-1), "after");
});

test("§7 with catch-up entries kept (etcd's SnapshotCatchUpEntries), a follower less far behind is sent entries", () => {
  const t = isolatedBehind();
  const behind = t.node("n1").applied - t.node("n3").lastIndex;
  assert.ok(behind >= 20, `n3 is ${behind} entries behind`);
  t.compact("n1", behind);
  assert.is(t.durable("n1").snapshot?.metadata.index, t.node("n1").applied, "the snapshot is still taken");
  assert.is(t.node("n1").firstIndex, t.node("n3").lastIndex + 1, "the entries n3 lacks stay in memory");
  t.heal();
  t.tick("n1");
  t.stabilize();
  assert.is(t.delivered.get("MsgSnap") ?? 0, 0, "no snapshot sent");
  assert.equal(t.applied("n3"), t.applied("n1"));
  // With none kept, the same lag needs the snapshot.
  const u = lagging();
  assert.is(u.node("n1").firstIndex, u.node("n1").applied + 1);
  u.heal();
  u.tick("n1");
  u.stabilize();
  assert.ok((u.delivered.get("MsgSnap") ?? 0) >= 1);
});

test("§7 a lost snapshot is sent again", () => {
  const t = lagging();
  t.heal();
  t.tick("n1");
  let lost = 0;
  for (let i = 0; i < 20 && lost === 0; i++) {
    lost += t.drop((e) => e.msg.type === "MsgSnap");
    t.deliverAll();
  }
  assert.is(lost, 1);
  t.stabilize();
  assert.is(t.node("n1").progressOf("n3")?.state, "snapshot", "waiting for a snapshot that was lost");
  for (let i = 0; i < 3 * t.node("n1").electionTicks; i++) {
    t.tick("n1");
    t.stabilize();
  }
  assert.equal(t.applied("n3"), t.applied("n1"));
});

test("§7 a snapshot the follower already covers only advances its commit", () => {
  const t = new Cluster({ ids: ["n1", "n2"] });
  t.campaign("n1");
  t.stabilize();
  t.propose("n1", "a");
  t.stabilize();
  const s = t.compact("n1");
  const before = t.node("n2").lastIndex;
  t.node("n2").step({
    type: "MsgSnap",
    from: "n1",
    to: "n2",
    term: 1,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    snapshot: s,
  });
  t.processReady("n2");
  assert.is(t.node("n2").lastIndex, before, "the log was not replaced");
  assert.equal(t.applied("n2"), ["a"]);
});

test("§7 a node restarts from its snapshot plus the log after it", () => {
  const t = lagging();
  t.propose("n1", "tail");
  t.stabilize();
  const applied = t.applied("n1");
  t.crash("n1");
  t.restart("n1");
  assert.is(t.node("n1").firstIndex, (t.durable("n1").snapshot?.metadata.index ?? 0) + 1);
  t.stabilize();
  assert.equal(t.applied("n1"), applied, "state machine = snapshot + re-applied tail");
});

test.run();
