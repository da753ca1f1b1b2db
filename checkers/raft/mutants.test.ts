// Each raft-* mutant (core/bugs.ts), scripted deterministically on pure nodes with the safety monitor
// watching: the mutant build is caught, and the clean build passes the very same script.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AssertionFailure } from "../../core/assert.ts";
import { BugSet, type BugName } from "../../core/bugs.ts";
import { Cluster, clusterWithCommittedWrite, figure8, type ClusterOptions } from "../../testing/raft/testkit.ts";
import { RaftSafetyMonitor } from "./monitor.ts";

type Watch = Pick<ClusterOptions, "bugs" | "observer" | "onCrash">;
type Outcome = { verdict: "pass" } | { verdict: "fail"; rule: string; message: string; rules: string[] };

/** Runs a script with (or without) the bug and the monitor attached; an assertion inside Raft counts as caught. */
function check(bug: BugName | undefined, script: (watch: Watch) => void): Outcome {
  const monitor = new RaftSafetyMonitor();
  const watch: Watch = {
    bugs: new BugSet(bug === undefined ? [] : [bug]),
    observer: (v, ev) => monitor.observe(v.id, v, ev),
    onCrash: (id) => monitor.onCrash(id),
  };
  try {
    script(watch);
  } catch (e) {
    if (!(e instanceof AssertionFailure)) throw e;
    if (monitor.violations.length === 0)
      return { verdict: "fail", rule: "assertion", message: e.message, rules: ["assertion"] };
  }
  const first = monitor.violations[0];
  const rules = monitor.violations.map((v) => v.rule);
  return first === undefined
    ? { verdict: "pass" }
    : { verdict: "fail", rule: first.rule, message: first.message, rules };
}

function expectCaught(bug: BugName, rules: readonly string[], script: (watch: Watch) => void): Outcome {
  const clean = check(undefined, script);
  assert.equal(clean, { verdict: "pass" }, `the clean build fails the script: ${JSON.stringify(clean)}`);
  const mutant = check(bug, script);
  assert.is(mutant.verdict, "fail", `${bug} went unnoticed`);
  if (mutant.verdict === "fail")
    assert.ok(rules.includes(mutant.rule), `${bug} caught by ${mutant.rule}: ${mutant.message}`);
  return mutant;
}

test("raft-commit-old-term: figure 8 — the entry committed by counting is missing from the next leader", () => {
  expectCaught("raft-commit-old-term", ["leader-completeness"], (watch) => {
    const { t } = figure8(watch);
    t.tick("s5");
    t.stabilize();
  });
});

test("raft-forget-vote: a voter that crashes forgets its vote and elects a second leader in the same term", () => {
  const out = expectCaught("raft-forget-vote", ["term-monotonic", "election-safety"], (watch) => {
    const t = new Cluster({ ids: ["n1", "n2", "n3"], preVote: false, checkQuorum: false, sync: "manual", ...watch });
    t.partition(["n1"], ["n3"]);
    t.campaign("n1");
    t.sync("n1");
    t.deliverAll((e) => e.to === "n2");
    t.sync("n2"); // a correct n2 makes its vote durable before answering
    t.deliverAll((e) => e.to === "n1" && e.msg.type === "MsgVoteResp");
    if (t.node("n1").roleKind !== "leader") throw new Error("n1 should have won term 1");
    t.drop(() => true);
    t.crash("n2");
    t.restart("n2");
    t.campaign("n3"); // also term 1
    t.sync("n3");
    t.deliverAll((e) => e.to === "n2");
    t.sync("n2");
    t.deliverAll((e) => e.to === "n3");
    t.sync("n3");
  });
  assert.ok(out.verdict === "fail" && out.rules.includes("election-safety"), "n1 and n3 both lead term 1");
});

test("raft-vote-ignores-log: a voter elects a candidate that lacks a committed entry", () => {
  expectCaught("raft-vote-ignores-log", ["leader-completeness"], (watch) => {
    const t = new Cluster({ ids: ["n1", "n2", "n3"], preVote: false, checkQuorum: false, ...watch });
    t.campaign("n1");
    t.stabilize();
    t.isolate("n3");
    t.propose("n1", "x");
    t.stabilize(); // committed by n1 + n2
    t.heal();
    t.isolate("n1");
    t.campaign("n3");
    t.stabilize();
  });
});

test("raft-skip-term-check: followers of a new leader accept a deposed leader's entries, which it then commits", () => {
  expectCaught("raft-skip-term-check", ["state-machine-safety", "commit-durability", "assertion"], (watch) => {
    const t = new Cluster({ ids: ["n1", "n2", "n3", "n4", "n5"], preVote: false, checkQuorum: false, ...watch });
    t.campaign("n1");
    t.stabilize();
    t.propose("n1", "stale"); // index 2, term 1: the MsgApps are delayed in the network
    const delayed = t.queue.splice(0, t.queue.length);
    t.isolate("n1");
    t.campaign("n2");
    t.stabilize(); // n2 leads term 2; its empty entry (index 2, term 2) is committed
    // Hold back n2's messages so n3 and n4 have not learned the new commit index yet.
    t.heal();
    t.queue.push(...delayed.filter((e) => e.to === "n3" || e.to === "n4"));
    t.deliverAll();
    t.deliverAll((e) => e.to === "n1");
    t.stabilize();
  });
});

test("raft-ack-before-fsync: a follower acknowledges before its fsync and the leader commits what no quorum holds", () => {
  expectCaught("raft-ack-before-fsync", ["commit-durability"], (watch) => {
    const t = new Cluster({ ids: ["n1", "n2", "n3"], sync: "manual", ...watch });
    t.campaign("n1");
    t.stabilize();
    t.isolate("n3");
    t.propose("n1", "x");
    t.sync("n1");
    t.deliverAll((e) => e.to === "n2"); // n2 writes "x"; its fsync has not completed
    t.deliverAll((e) => e.to === "n1");
    t.crash("n2"); // "x" was never durable on n2
    t.restart("n2");
    t.stabilize();
  });
});

test("raft-stale-read: a deposed leader answers a read below what the new leader had committed", () => {
  expectCaught("raft-stale-read", ["read-index-current"], (watch) => {
    const t = clusterWithCommittedWrite(watch);
    t.isolate("n1");
    t.campaign("n2");
    t.stabilize();
    t.propose("n2", "w2");
    t.stabilize();
    t.readIndex("n1", "stale");
    t.stabilize();
  });
});

test("raft-read-index-before-term-commit: a new leader answers a read below its predecessor's commit index", () => {
  expectCaught("raft-read-index-before-term-commit", ["read-index-current"], (watch) => {
    const t = clusterWithCommittedWrite(watch);
    // n1 commits w2 at index 3 on its followers' acknowledgements, and is cut off before telling them.
    t.propose("n1", "w2");
    t.deliverAll((e) => e.msg.type === "MsgApp");
    t.deliverAll((e) => e.msg.type === "MsgAppResp");
    assert.is(t.node("n1").commitIndex, 3);
    t.isolate("n1");
    t.campaign("n2");
    t.deliverAll((e) => e.msg.type === "MsgVote");
    t.deliverAll((e) => e.msg.type === "MsgVoteResp");
    assert.is(t.node("n2").commitIndex, 2, "the new leader does not know index 3 committed");
    t.readIndex("n2", "early");
    t.stabilize();
  });
});

test("raft-stale-append-ack-counted: a re-elected leader counts an ack of its earlier term and commits what no quorum holds", () => {
  const out = expectCaught("raft-stale-append-ack-counted", ["commit-durability", "state-machine-safety"], (watch) => {
    const five = ["n1", "n2", "n3", "n4", "n5"];
    const t = new Cluster({ ids: five, preVote: false, checkQuorum: false, ...watch });
    t.campaign("n1");
    t.stabilize(); // n1 leads term 1; everyone holds index 1
    for (const x of ["x", "y", "z"]) t.propose("n1", x); // indices 2..4 of term 1
    t.deliverAll((e) => e.to === "n2");
    const delayed = t.queue.filter((e) => e.from === "n2" && e.msg.type === "MsgAppResp");
    assert.ok(
      delayed.some((e) => e.msg.index === 4),
      "n2 acknowledged index 4 in term 1",
    );
    t.drop(() => true); // n2's acknowledgements are held in the network; the rest is lost
    t.partition(["n1", "n2"], ["n3", "n4", "n5"]);
    t.campaign("n3");
    t.stabilize(); // n3 leads term 2 with n4 and n5: index 2 is its empty entry
    t.heal();
    t.isolate("n2");
    t.tick("n3", 1);
    t.stabilize(); // n1 follows n3: its x, y, z at 2..4 are cut back to index 2 of term 2
    assert.is(t.node("n1").lastIndex, 2);
    t.campaign("n1"); // term 3: n3, n4 and n5 vote for it
    t.deliverAll((e) => e.msg.type === "MsgVote");
    t.deliverAll((e) => e.msg.type === "MsgVoteResp");
    assert.is(t.node("n1").roleKind, "leader");
    t.propose("n1", "w"); // index 4 of term 3 (3 is its empty entry)
    t.heal();
    t.queue.unshift(...delayed); // term 1's acknowledgements arrive at last
    t.deliverAll((e) => e.from === "n2");
    t.deliverAll((e) => e.to === "n4" && e.msg.type === "MsgApp");
    t.deliverAll((e) => e.from === "n4" && e.msg.type === "MsgAppResp"); // with n2's old ack: 3 of 5 at index 4
    t.stabilize();
  });
  assert.ok(out.verdict === "fail" && out.rule === "commit-durability", JSON.stringify(out));
});

test("raft-conf-change-while-pending: two removals in flight let majorities of two configurations miss each other", () => {
  const out = expectCaught("raft-conf-change-while-pending", ["config-one-at-a-time"], (watch) => {
    const five = ["n1", "n2", "n3", "n4", "n5"];
    const t = new Cluster({ ids: five, preVote: false, checkQuorum: false, ...watch });
    t.campaign("n1");
    t.stabilize();
    t.partition(["n1", "n2", "n3"], ["n4", "n5"]);
    t.proposeConfChange("n1", { type: "removeVoter", nodeId: "n4" }); // index 2
    t.proposeConfChange("n1", { type: "removeVoter", nodeId: "n5" }); // index 3: a correct leader drops it
    // n2 and n3 take the entries and acknowledge them; n1 commits and applies, n3 never hears of the commit.
    t.deliverAll((e) => e.to === "n2" || e.to === "n3");
    for (const id of five) t.processReady(id);
    t.deliverAll((e) => e.to === "n1");
    for (const id of five) t.processReady(id);
    t.drop(() => true);
    assert.is(t.node("n3").commitIndex, 1);
    t.heal();
    t.partition(["n1", "n2"], ["n3", "n4", "n5"]);
    // The mutant's n1 is down to voters n1,n2,n3: n1 and n2 commit x. A correct n1 (n1,n2,n3,n5) cannot.
    t.propose("n1", "x");
    t.stabilize();
    // n3 still counts five voters: with n4 and n5 it is a majority, and it leads term 2.
    t.campaign("n3");
    t.stabilize();
  });
  assert.ok(
    out.verdict === "fail" && out.rules.includes("leader-completeness") && out.rules.includes("state-machine-safety"),
    `two leaders commit different entries at one index: ${out.verdict === "fail" ? out.rules.join(", ") : ""}`,
  );
});

test("raft-stale-vote-counted: a grant of the candidate's earlier term elects it in a later one", () => {
  expectCaught("raft-stale-vote-counted", ["leader-voted"], (watch) => {
    const t = new Cluster({ ids: ["n1", "n2", "n3"], preVote: false, checkQuorum: false, ...watch });
    t.campaign("n1"); // term 1
    t.deliverAll((e) => e.to === "n2" && e.msg.type === "MsgVote");
    t.drop((e) => e.to === "n3");
    const held = t.pending("MsgVoteResp");
    assert.ok(held.length === 1 && held[0]!.msg.term === 1 && !held[0]!.msg.reject, "n2 granted term 1");
    // n2's grant is held in the network past n1's election timeout: n1 campaigns again, unheard.
    t.campaign("n1"); // term 2
    t.drop((e) => e.from === "n1");
    t.deliverAll((e) => e.msg.type === "MsgVoteResp");
    assert.is(t.node("n2").term, 1, "n2 never voted in term 2");
  });
});

test.run();
