// §5.3 log replication and §5.4.2 the commit rule, message by message.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster, figure8, logOfTerms } from "../../testing/raft/testkit.ts";

const termsOf = (t: Cluster, id: string) => {
  const n = t.node(id);
  return Array.from({ length: n.lastIndex }, (_, i) => n.termAt(i + 1));
};

test("§5.3 an entry is committed once a majority stores it, and every follower learns the commit", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  t.campaign("n1");
  t.stabilize();
  t.isolate("n3");
  const out = t.propose("n1", "x");
  assert.equal(out, { kind: "appended", index: 2, term: 1 });
  t.stabilize();
  assert.is(t.node("n1").commitIndex, 2, "n1 + n2 are a majority");
  assert.equal(t.applied("n1"), ["x"]);
  assert.equal(t.applied("n3"), []);
  t.heal();
  t.tick("n1");
  t.stabilize();
  assert.equal(t.applied("n3"), ["x"], "the lagging follower catches up and applies");
});

test("§5.3 a follower without the previous entry rejects, and the leader backs up", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  t.campaign("n1");
  t.stabilize();
  t.isolate("n3");
  for (let i = 0; i < 5; i++) t.propose("n1", `v${i}`);
  t.stabilize();
  t.heal();
  t.propose("n1", "v5");
  t.deliverAll((e) => e.to === "n3");
  const answer = t.pending("MsgAppResp").find((e) => e.from === "n3");
  assert.ok(answer?.msg.reject, "n3 lacks the previous entry");
  t.stabilize();
  assert.equal(t.applied("n3"), ["v0", "v1", "v2", "v3", "v4", "v5"]);
});

test("§5.3 figure 7: followers with missing, extra and conflicting entries converge on the leader's log", () => {
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const logs: Record<string, number[]> = {
    leader: leaderLog,
    a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
    b: [1, 1, 1, 4],
    c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [1, 1, 1, 4, 4, 4, 4],
    f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  };
  const storage = Object.fromEntries(
    Object.entries(logs).map(([id, terms]) => [
      id,
      { hardState: { term: 7, vote: "", commit: 0 }, entries: logOfTerms(terms) },
    ]),
  );
  const t = new Cluster({ ids: Object.keys(logs), storage, preVote: false, checkQuorum: false });
  t.campaign("leader");
  t.stabilize();
  assert.is(t.node("leader").roleKind, "leader");
  assert.is(t.node("leader").term, 8);
  const want = [...leaderLog, 8];
  for (const id of Object.keys(logs)) assert.equal(termsOf(t, id), want, `log of ${id}`);
  assert.is(t.node("leader").commitIndex, 11);
  assert.equal(t.node("f").entryAt(4)?.data, "4@4", "f's conflicting entries were replaced by the leader's");
});

test("§5.3 fast backtracking: a follower far behind with conflicting terms costs a few round trips, not one per entry", () => {
  const storage = {
    n1: { hardState: { term: 5, vote: "", commit: 0 }, entries: logOfTerms([1, ...Array<number>(40).fill(4)]) },
    n2: { hardState: { term: 5, vote: "", commit: 0 }, entries: logOfTerms([1, ...Array<number>(40).fill(4)]) },
    n3: {
      hardState: { term: 5, vote: "", commit: 0 },
      entries: logOfTerms([1, ...Array<number>(30).fill(2), ...Array<number>(30).fill(3)]),
    },
  };
  const t = new Cluster({
    ids: ["n1", "n2", "n3"],
    storage,
    preVote: false,
    checkQuorum: false,
    maxEntriesPerMsg: 100,
  });
  t.campaign("n1");
  t.stabilize();
  const rejections = t.delivered.get("MsgAppResp") ?? 0;
  assert.equal(termsOf(t, "n3"), termsOf(t, "n1"));
  assert.ok(rejections <= 8, `${rejections} MsgAppResp for 60 conflicting entries`);
});

test("§5.3 duplicated and reordered MsgApps are harmless", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"], maxEntriesPerMsg: 1 });
  t.campaign("n1");
  t.stabilize();
  for (let i = 0; i < 4; i++) t.propose("n1", `v${i}`);
  // Deliver the queue backwards, twice over.
  const batch = [...t.queue];
  t.queue.length = 0;
  t.queue.push(...batch.reverse(), ...batch);
  t.stabilize();
  t.tick("n1");
  t.stabilize();
  for (const id of ["n1", "n2", "n3"]) assert.equal(t.applied(id), ["v0", "v1", "v2", "v3"]);
});

test("§5.3 a leader in replicate state keeps at most maxInflight MsgApps unacknowledged", () => {
  const t = new Cluster({ ids: ["n1", "n2"], maxInflight: 2, maxEntriesPerMsg: 1 });
  t.campaign("n1");
  t.stabilize();
  t.propose("n1", "warm-up");
  t.stabilize();
  for (let i = 0; i < 6; i++) t.propose("n1", `v${i}`);
  assert.is(t.pending("MsgApp").filter((e) => e.msg.entries.length > 0).length, 2);
  t.stabilize();
  assert.is(t.applied("n2").length, 7);
});

test("§5.4.2 figure 8: a leader does not commit an entry of an earlier term by counting replicas", () => {
  const { t, committedOldTerm } = figure8({});
  assert.not.ok(committedOldTerm, "s1 must not commit index 2 (term 1) although a majority stores it");
  assert.equal(t.applied("s2"), [], 'nobody applied "A"');
  t.tick("s5");
  t.stabilize();
  // s5 (term 4) overwrites the uncommitted entry everywhere it can reach; nothing committed is lost.
  for (const id of ["s2", "s3", "s4"]) assert.is(t.node(id).termAt(2), 2, `${id} index 2`);
  t.restart("s1");
  t.tick("s5");
  t.stabilize();
  assert.is(t.node("s1").termAt(2), 2);
  assert.equal(t.applied("s1"), []);
});

test("§5.4.2 an older entry commits together with an entry of the current term", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"], preVote: false, checkQuorum: false });
  t.campaign("n1");
  t.stabilize();
  t.isolate("n1");
  t.propose("n1", "old"); // term 1, never replicated
  t.stabilize();
  // n1 restarts, wins term 2 (its log is the longest) and its empty term-2 entry carries "old" along.
  t.heal();
  t.crash("n1");
  t.restart("n1");
  t.campaign("n1");
  t.stabilize();
  assert.is(t.node("n1").term, 2);
  assert.equal(t.applied("n2"), ["old"]);
  assert.is(t.node("n2").termAt(2), 1, "the entry keeps its original term");
});

test("§5.3 a batch of proposals is appended at once and travels as one MsgApp per follower", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  t.campaign("n1");
  t.stabilize();
  const before = t.delivered.get("MsgApp") ?? 0;
  const out = t.proposeBatch("n1", ["a", "b", "c", "d"]);
  assert.equal(out, { kind: "appended", index: 2, term: 1 }, "the outcome names the first index");
  const apps = t.pending("MsgApp");
  assert.is(apps.length, 2, "one MsgApp per follower, not one per entry");
  for (const e of apps)
    assert.equal(
      e.msg.entries.map((x) => x.data),
      ["a", "b", "c", "d"],
    );
  t.stabilize();
  assert.is(t.node("n1").commitIndex, 5);
  for (const id of ["n1", "n2", "n3"]) assert.equal(t.applied(id), ["a", "b", "c", "d"]);
  // The same four entries one by one cost one MsgApp per entry per follower.
  const batched = (t.delivered.get("MsgApp") ?? 0) - before;
  const s = new Cluster({ ids: ["n1", "n2", "n3"] });
  s.campaign("n1");
  s.stabilize();
  const before1 = s.delivered.get("MsgApp") ?? 0;
  for (const x of ["a", "b", "c", "d"]) s.propose("n1", x);
  s.stabilize();
  assert.ok((s.delivered.get("MsgApp") ?? 0) - before1 > batched, "batching sends fewer MsgApps");
});

test("§5.3 a follower forwards a batch as one MsgProp and the leader appends it in order", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  t.campaign("n1");
  t.stabilize();
  const out = t.node("n2").proposeBatch(["x", "y"]);
  assert.equal(out, { kind: "forwarded", leader: "n1" });
  t.tick("n2", 0);
  t.stabilize();
  for (const id of ["n1", "n2", "n3"]) assert.equal(t.applied(id), ["x", "y"]);
});

test("§5.3 a batch is refused whole while leadership is being transferred", () => {
  const t = new Cluster({ ids: ["n1", "n2", "n3"] });
  t.campaign("n1");
  t.stabilize();
  t.isolate("n3");
  t.transferLeadership("n1", "n3");
  const last = t.node("n1").lastIndex;
  assert.equal(t.proposeBatch("n1", ["p", "q"]), { kind: "dropped", reason: "leadership-transfer" });
  assert.is(t.node("n1").lastIndex, last, "nothing of the batch was appended");
});
test.run();
