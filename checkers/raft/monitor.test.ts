// The monitor on hand-made views: each rule fails on a view that breaks it and passes on a correct one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Entry, Message } from "../../core/raft/types.ts";
import type { RaftView } from "../../core/raft/view.ts";
import { RaftSafetyMonitor } from "./monitor.ts";

/** Hand-made views show some nodes' votes only: leader-voted is judged in its own tests. */
const handMade = () => new RaftSafetyMonitor(undefined, { seesEveryVote: false });

const voters = ["n1", "n2", "n3"];
type ViewInit = Partial<Omit<RaftView, "termAt">> & { log?: readonly number[] };

function view(id: string, init: ViewInit = {}): RaftView {
  const log = init.log ?? [];
  const { log: _ignored, ...rest } = init;
  return {
    id,
    term: 1,
    vote: "",
    role: "follower",
    leader: "",
    commitIndex: 0,
    applied: 0,
    lastIndex: log.length,
    lastTerm: log[log.length - 1] ?? 0,
    compactedIndex: 0,
    voters,
    votersOutgoing: [],
    learners: [],
    logOverwrites: 0,
    termAt: (i) => (i === 0 ? 0 : log[i - 1]),
    ...rest,
    configIndex: rest.configIndex ?? rest.applied ?? 0,
  };
}

const entry = (index: number, term: number, data: unknown = `d${index}`): Entry => ({
  index,
  term,
  type: "normal",
  data,
});
const durable = (...entries: Entry[]) => ({ durable: { entries } });

function rulesOf(m: RaftSafetyMonitor): string[] {
  return m.violations.map((v) => v.rule);
}

test("a clean sequence of views passes", () => {
  const m = handMade();
  m.observe("n1", view("n1", { term: 1, role: "leader", log: [1], ...durable(entry(1, 1)) }), 1);
  m.observe("n2", view("n2", { log: [1], ...durable(entry(1, 1)) }), 2);
  m.observe(
    "n1",
    view("n1", { term: 1, role: "leader", log: [1], commitIndex: 1, applied: 1, appliedEntries: [entry(1, 1)] }),
    3,
  );
  m.observe("n2", view("n2", { log: [1], commitIndex: 1, applied: 1, appliedEntries: [entry(1, 1)] }), 4);
  const r = m.result();
  assert.is(r.verdict, "pass", r.message);
  assert.is(r.name, "raft-safety");
});

test("election safety: two leaders in one term fail, leaders of different terms do not", () => {
  const ok = handMade();
  ok.observe("n1", view("n1", { term: 2, role: "leader" }), 1);
  ok.observe("n2", view("n2", { term: 3, role: "leader" }), 2);
  assert.is(ok.result().verdict, "pass");
  const bad = handMade();
  bad.observe("n1", view("n1", { term: 2, role: "leader" }), 1);
  bad.observe("n2", view("n2", { term: 2, role: "leader" }), 7);
  const r = bad.result();
  assert.is(r.verdict, "fail");
  assert.match(r.message, /^election-safety: n1 and n2 are both leader in term 2 \(event 7\)/);
});

test("leader voted: a leader needs the votes of a quorum cast in its own term", () => {
  // Votes as "voter@term>candidate" ("n2@2>" is a view of n2 in term 2 that voted for nobody), then n1 leads term 2.
  const elect = (m: RaftSafetyMonitor, votes: string, voters3 = voters, outgoing: string[] = []) => {
    let ev = 0;
    for (const v of votes.split(" ").filter((x) => x !== "")) {
      const [, id, term, vote] = /^(\w+)@(\d+)>(\w*)$/.exec(v)!;
      m.observe(id!, view(id!, { term: Number(term), vote, voters: voters3, votersOutgoing: outgoing }), ++ev);
    }
    const leader = view("n1", { term: 2, vote: "n1", role: "leader", voters: voters3, votersOutgoing: outgoing });
    m.observe("n1", leader, ++ev);
    return m.result();
  };
  // n1 and n2 voted for n1 in term 2: a quorum of three.
  assert.is(elect(new RaftSafetyMonitor(), "n1@2>n1 n2@2>n1 n3@2>n3").verdict, "pass");
  // n2's vote for n1 was in term 1; in term 2 it voted for n3 (a candidate counting a stale grant).
  const stale = elect(new RaftSafetyMonitor(), "n2@1>n1 n1@2>n1 n2@2>n3");
  assert.is(stale.verdict, "fail");
  assert.match(
    stale.message,
    /^leader-voted: n1 became leader of term 2 with the votes of n1 of n1, n2, n3 in that term/,
  );
  // A refusal counted: nobody but n1 voted for n1.
  assert.is(elect(new RaftSafetyMonitor(), "n1@2>n1 n2@2> n3@2>n3").verdict, "fail");
  // A vote a crash lost before it was durable still counts as seen (the monitor cannot tell it was not sent).
  const lost = new RaftSafetyMonitor();
  lost.observe("n2", view("n2", { term: 2, vote: "n1" }), 1);
  lost.onCrash("n2");
  lost.observe("n2", view("n2", { term: 2, vote: "n3" }), 2);
  assert.is(elect(lost, "n1@2>n1").verdict, "pass");
  // Joint: a majority of the incoming half (n1, n2) but not of the outgoing one (n1, n4, n5).
  const joint = elect(new RaftSafetyMonitor(), "n1@2>n1 n2@2>n1 n4@2>n4", ["n1", "n2", "n3"], ["n1", "n4", "n5"]);
  assert.is(joint.verdict, "fail");
  assert.match(joint.message, /outgoing: n1 of n1, n4, n5/);
  // Hand-made views that show no votes at all are not judged when the host says it shows only some.
  assert.is(elect(handMade(), "").verdict, "pass");
});

test("leader append-only: a leader that overwrites its log fails; one that appends passes", () => {
  const ok = handMade();
  ok.observe("n1", view("n1", { role: "leader", log: [1] }), 1);
  ok.observe("n1", view("n1", { role: "leader", log: [1, 1, 1] }), 2);
  assert.is(ok.result().verdict, "pass");
  const bad = handMade();
  bad.observe("n1", view("n1", { role: "leader", log: [1, 1] }), 1);
  bad.observe("n1", view("n1", { role: "leader", log: [1, 1], logOverwrites: 1 }), 2);
  assert.equal(rulesOf(bad), ["leader-append-only"]);
  const shrink = handMade();
  shrink.observe("n1", view("n1", { role: "leader", log: [1, 1] }), 1);
  shrink.observe("n1", view("n1", { role: "leader", log: [1] }), 2);
  assert.equal(rulesOf(shrink), ["leader-append-only"]);
});

test("log matching: the same index and term with different data, or after different terms, fails", () => {
  const ok = handMade();
  ok.observe("n1", view("n1", durable(entry(1, 1), entry(2, 1, "a"))), 1);
  ok.observe("n2", view("n2", durable(entry(1, 1), entry(2, 1, "a"))), 2);
  assert.is(ok.result().verdict, "pass");
  const data = handMade();
  data.observe("n1", view("n1", durable(entry(1, 1), entry(2, 1, "a"))), 1);
  data.observe("n2", view("n2", durable(entry(1, 1), entry(2, 1, "b"))), 2);
  assert.equal(rulesOf(data), ["log-matching"]);
  assert.match(data.result().message, /n1 and n2 hold entries at index 2 of term 1 with different data/);
  const prev = handMade();
  prev.observe("n1", view("n1", durable(entry(1, 1), entry(2, 3, "x"))), 1);
  prev.observe("n2", view("n2", durable(entry(1, 2), entry(2, 3, "x"))), 2);
  assert.equal(rulesOf(prev), ["log-matching"]);
});

test("leader completeness: a new leader lacking an entry committed in an earlier term fails", () => {
  const bad = handMade();
  bad.observe("n1", view("n1", { term: 1, role: "leader", log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 1);
  bad.observe("n2", view("n2", { term: 1, log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 2);
  bad.observe("n1", view("n1", { term: 1, role: "leader", log: [1, 1], commitIndex: 2 }), 3);
  bad.observe("n3", view("n3", { term: 2, role: "leader", log: [1, 2] }), 4);
  assert.equal(rulesOf(bad), ["leader-completeness"]);
  assert.match(
    bad.result().message,
    /new leader n3 of term 2 lacks the entry at index 2 \(term 1\) that n1 committed in term 1/,
  );
  const ok = handMade();
  ok.observe("n1", view("n1", { term: 1, role: "leader", log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 1);
  ok.observe("n2", view("n2", { term: 1, log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 2);
  ok.observe("n1", view("n1", { term: 1, role: "leader", log: [1, 1], commitIndex: 2 }), 3);
  ok.observe("n2", view("n2", { term: 2, role: "leader", log: [1, 1, 2] }), 4);
  assert.is(ok.result().verdict, "pass");
});

test("leader completeness does not demand entries committed in a later term than the leader's", () => {
  const m = handMade();
  m.observe("n1", view("n1", { term: 3, role: "leader", log: [1, 3], ...durable(entry(1, 1), entry(2, 3)) }), 1);
  m.observe("n2", view("n2", { term: 3, log: [1, 3], ...durable(entry(1, 1), entry(2, 3)) }), 2);
  m.observe("n1", view("n1", { term: 3, role: "leader", log: [1, 3], commitIndex: 2 }), 3);
  // A slow vote count makes n3 leader of term 2 now: legal, it just cannot commit anything.
  m.observe("n3", view("n3", { term: 2, role: "leader", log: [1, 2] }), 4);
  assert.is(m.result().verdict, "pass", m.result().message);
});

test("state machine safety: different entries applied at one index fail, and so does applying out of order", () => {
  const bad = handMade();
  bad.observe("n1", view("n1", { log: [1], commitIndex: 1, applied: 1, appliedEntries: [entry(1, 1, "a")] }), 1);
  bad.observe("n2", view("n2", { log: [1], commitIndex: 1, applied: 1, appliedEntries: [entry(1, 1, "b")] }), 2);
  assert.equal(rulesOf(bad), ["state-machine-safety"]);
  const gap = handMade();
  gap.observe("n1", view("n1", { log: [1, 1, 1], commitIndex: 3, applied: 1, appliedEntries: [entry(1, 1)] }), 1);
  gap.observe("n1", view("n1", { log: [1, 1, 1], commitIndex: 3, applied: 3, appliedEntries: [entry(3, 1)] }), 2);
  assert.equal(rulesOf(gap), ["state-machine-safety"]);
  const committed = handMade();
  committed.observe("n1", view("n1", { log: [1, 1], commitIndex: 2 }), 1);
  committed.observe("n2", view("n2", { log: [1, 2], commitIndex: 2 }), 2);
  assert.equal(rulesOf(committed), ["state-machine-safety"]);
});

test("commit durability: a leader's commit index must be durable on a quorum of voters", () => {
  const setup = (secondDurable: boolean) => {
    const m = handMade();
    m.observe("n1", view("n1", { role: "leader", log: [1], ...durable(entry(1, 1)) }), 1);
    m.observe("n2", view("n2", { log: [1], ...(secondDurable ? durable(entry(1, 1)) : {}) }), 2);
    m.observe("n1", view("n1", { role: "leader", log: [1], commitIndex: 1 }), 3);
    return m;
  };
  assert.is(setup(true).result().verdict, "pass");
  const bad = setup(false);
  assert.equal(rulesOf(bad), ["commit-durability"]);
  assert.match(bad.result().message, /only 1 of 3 voters \[n1\] hold it durably/);
});

test("commit durability while joint: a majority of the incoming voters is not enough without one of the outgoing", () => {
  const joint = { voters: ["n1", "n4", "n5"], votersOutgoing: ["n1", "n2", "n3"] };
  const setup = (holders: string[]) => {
    const m = handMade();
    m.observe("n1", view("n1", { ...joint, role: "leader", log: [1], ...durable(entry(1, 1)) }), 1);
    let ev = 2;
    for (const id of holders) m.observe(id, view(id, { ...joint, log: [1], ...durable(entry(1, 1)) }), ev++);
    m.observe("n1", view("n1", { ...joint, role: "leader", log: [1], commitIndex: 1 }), ev);
    return m;
  };
  assert.is(setup(["n4", "n2"]).result().verdict, "pass", "n1+n4 of C_new and n1+n2 of C_old");
  const bad = setup(["n4", "n5"]);
  assert.equal(rulesOf(bad), ["commit-durability"]);
  assert.match(bad.result().message, /only 1 of 3 outgoing voters \[n1\] hold it durably/);
  assert.equal(rulesOf(setup(["n2", "n3"])), ["commit-durability"], "nor the old majority without the new");
});

test("applied never exceeds committed", () => {
  const m = handMade();
  m.observe("n1", view("n1", { log: [1, 1], commitIndex: 1, applied: 2 }), 1);
  assert.equal(rulesOf(m), ["applied-le-committed"]);
});

test("term monotonic: within a life, and across a restart for terms the node revealed", () => {
  const life = handMade();
  life.observe("n1", view("n1", { term: 3 }), 1);
  life.observe("n1", view("n1", { term: 2 }), 2);
  assert.equal(rulesOf(life), ["term-monotonic"]);
  const revealed = handMade();
  revealed.observe("n1", view("n1", { term: 3, sentTerm: 3 }), 1);
  revealed.onCrash("n1");
  revealed.observe("n1", view("n1", { term: 2 }), 2);
  assert.equal(rulesOf(revealed), ["term-monotonic"]);
  assert.match(revealed.result().message, /n1 restarted in term 2 but had already sent messages in term 3/);
  const silent = handMade();
  silent.observe("n1", view("n1", { term: 2, sentTerm: 2 }), 1);
  silent.observe("n1", view("n1", { term: 3 }), 2); // became candidate, crashed before its vote was durable
  silent.onCrash("n1");
  silent.observe("n1", view("n1", { term: 2 }), 3);
  assert.is(silent.result().verdict, "pass");
});

test("commit monotonic within a life; a restart may start lower", () => {
  const m = handMade();
  m.observe("n1", view("n1", { log: [1, 1, 1], commitIndex: 3 }), 1);
  m.onCrash("n1");
  m.observe("n1", view("n1", { log: [1, 1, 1], commitIndex: 1 }), 2);
  assert.is(m.result().verdict, "pass");
  m.observe("n1", view("n1", { log: [1, 1, 1], commitIndex: 0 }), 3);
  assert.equal(rulesOf(m), ["commit-monotonic"]);
});

test("config agreement: nodes at the same applied index agree on the configuration, whatever it is", () => {
  const ok = handMade();
  ok.observe(
    "n1",
    view("n1", { applied: 3, commitIndex: 4, voters: ["n1", "n2"], votersOutgoing: ["n1", "n2", "n3"] }),
    1,
  );
  ok.observe(
    "n2",
    view("n2", { applied: 3, commitIndex: 4, voters: ["n1", "n2"], votersOutgoing: ["n1", "n2", "n3"] }),
    2,
  );
  ok.observe("n3", view("n3", { applied: 2, commitIndex: 2 }), 3); // behind: still the old configuration
  ok.observe("n3", view("n3", { applied: 2, commitIndex: 4, configIndex: 4, voters: ["n1", "n2"] }), 4); // restored a snapshot at 4
  ok.observe("n1", view("n1", { applied: 4, commitIndex: 4, voters: ["n1", "n2"] }), 5);
  assert.is(ok.result().verdict, "pass", ok.result().message);
  const bad = handMade();
  bad.observe("n1", view("n1", { applied: 4, commitIndex: 4, voters: ["n1", "n2"] }), 1);
  bad.observe("n3", view("n3", { applied: 4, commitIndex: 4, voters: ["n1", "n2"], votersOutgoing: ["n1", "n2"] }), 9);
  const r = bad.result();
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^config-agreement: at index 4 n1 has configuration voters n1,n2, n3 has voters n1,n2 \| outgoing n1,n2 \(event 9\)/,
  );
  const learner = handMade();
  learner.observe("n1", view("n1", { applied: 5, commitIndex: 5, learners: ["n4"] }), 1);
  learner.observe("n2", view("n2", { applied: 5, commitIndex: 5 }), 2);
  assert.equal(
    learner.violations.map((v) => v.rule),
    ["config-agreement"],
    "learners are part of the configuration",
  );
});

test("config agreement: a node's configuration is judged against every node's after the same configuration change, whatever its applied index", () => {
  const cc = (index: number): Entry => ({
    index,
    term: 1,
    type: "confChange",
    data: { type: "addLearner", nodeId: "n4" },
  });
  const normal = (index: number): Entry => ({ index, term: 1, type: "normal", data: `d${index}` });
  const grown = { learners: ["n4"] };
  const ok = handMade();
  ok.observe(
    "n1",
    view("n1", { applied: 3, commitIndex: 5, appliedEntries: [normal(1), cc(2), normal(3)], ...grown }),
    1,
  );
  ok.observe("n2", view("n2", { applied: 1, commitIndex: 5, appliedEntries: [normal(1)] }), 2); // before the change
  ok.observe(
    "n2",
    view("n2", { applied: 5, commitIndex: 5, appliedEntries: [cc(2), normal(3), normal(4), normal(5)], ...grown }),
    3,
  );
  assert.is(ok.result().verdict, "pass", ok.result().message);
  // A restart that replayed the applied changes one short: at applied 5, n3 lacks the change at 2. No other
  // node was ever seen at applied 5's exact index with another configuration, but n1 was after the same change.
  const bad = handMade();
  bad.observe(
    "n1",
    view("n1", { applied: 3, commitIndex: 5, appliedEntries: [normal(1), cc(2), normal(3)], ...grown }),
    1,
  );
  bad.observe(
    "n3",
    view("n3", { applied: 5, commitIndex: 5, appliedEntries: [normal(1), cc(2), normal(3), normal(4), normal(5)] }),
    7,
  );
  const r = bad.result();
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^config-agreement: after the configuration change at index 2 n1 has configuration voters n1,n2,n3 \| learners n4, n3 has voters n1,n2,n3 \(applied to 5\) \(event 7\)/,
  );
});

test("config-one-at-a-time: a leader writing a configuration change while an earlier one is unapplied fails", () => {
  const conf = (index: number, term: number): Entry => ({
    index,
    term,
    type: "confChange",
    data: { type: "addVoter", nodeId: `n${index + 2}` },
  });
  const leader = (init: ViewInit) => view("n1", { term: 2, role: "leader", ...init });
  // Applied, then the next one: passes; so does a follower writing two pending ones a leader sent it, and
  // a new leader's log holding an earlier leader's change it has applied.
  const ok = handMade();
  ok.observe("n1", leader({ log: [2, 2], ...durable(entry(1, 2), conf(2, 2)) }), 1);
  ok.observe("n2", view("n2", { term: 2, log: [2, 2], ...durable(entry(1, 2), conf(2, 2)) }), 2);
  ok.observe("n1", leader({ log: [2, 2, 2], commitIndex: 2, applied: 2, ...durable(conf(3, 2)) }), 3);
  ok.observe("n3", view("n3", { term: 2, log: [2, 2, 2], ...durable(entry(1, 2), conf(2, 2), conf(3, 2)) }), 4);
  assert.is(ok.result().verdict, "pass", ok.result().message);
  // An earlier change overwritten by a new leader's entries no longer counts.
  const overwritten = handMade();
  overwritten.observe("n1", view("n1", { term: 1, log: [1, 1], ...durable(entry(1, 1), conf(2, 1)) }), 1);
  overwritten.observe("n1", leader({ log: [1, 2, 2], ...durable(entry(2, 2), conf(3, 2)) }), 2);
  assert.is(overwritten.result().verdict, "pass", overwritten.result().message);

  const bad = handMade();
  bad.observe("n1", leader({ log: [2, 2], ...durable(entry(1, 2), conf(2, 2)) }), 1);
  bad.observe("n1", leader({ log: [2, 2, 2], ...durable(conf(3, 2)) }), 7);
  assert.equal(rulesOf(bad), ["config-one-at-a-time"]);
  assert.match(
    bad.result().message,
    /^config-one-at-a-time: leader n1 of term 2 wrote a configuration change at 3 while the one at 2 was not yet applied \(applied 0\) \(event 7\)/,
  );
  const sameReady = handMade();
  sameReady.observe("n1", leader({ log: [2, 2], ...durable(conf(1, 2), conf(2, 2)) }), 1);
  assert.equal(rulesOf(sameReady), ["config-one-at-a-time"], "two changes written in one go");
});

test("violations keep their evidence and the verdict names the first one", () => {
  const m = handMade();
  m.observe("n1", view("n1", { term: 2, role: "leader" }), 10);
  m.observe("n2", view("n2", { term: 2, role: "leader" }), 11);
  m.observe("n3", view("n3", { log: [1], commitIndex: 0, applied: 1 }), 12);
  const r = m.result();
  assert.is(r.verdict, "fail");
  assert.match(r.message, /^election-safety: .* \(event 11\) — and 1 more$/);
  const ev = r.evidence ?? [];
  assert.equal(
    ev.map((v) => [v.rule, v.event]),
    [
      ["election-safety", 11],
      ["applied-le-committed", 12],
    ],
  );
});

// ---------------------------------------------------------------- rules on the message just stepped

const msg = (type: Message["type"], from: string, to: string, term: number, extra: Partial<Message> = {}): Message => ({
  type,
  from,
  to,
  term,
  logTerm: 0,
  index: 0,
  entries: [],
  commit: 0,
  reject: false,
  rejectHint: 0,
  ...extra,
});

test("term-adopted-first: a node that acts on a higher-term message without adopting the term fails", () => {
  const ok = handMade();
  ok.observe("n2", view("n2", { term: 1, log: [1] }), 1);
  ok.observe("n2", view("n2", { term: 3, leader: "n3", log: [1], stepped: msg("MsgHeartbeat", "n3", "n2", 3) }), 2);
  // The leader lease: a higher-term vote request ignored entirely (term, vote, log, commit unchanged).
  ok.observe("n2", view("n2", { term: 3, leader: "n3", log: [1], stepped: msg("MsgVote", "n1", "n2", 4) }), 3);
  // A pre-vote never changes the term.
  ok.observe("n2", view("n2", { term: 3, leader: "n3", log: [1], stepped: msg("MsgPreVote", "n1", "n2", 4) }), 4);
  assert.is(ok.result().verdict, "pass", ok.result().message);

  const bad = handMade();
  bad.observe("n2", view("n2", { term: 1, log: [1] }), 1);
  bad.observe(
    "n2",
    view("n2", {
      term: 1,
      log: [1, 3],
      stepped: msg("MsgApp", "n3", "n2", 3, { index: 1, logTerm: 1, entries: [entry(2, 3)] }),
    }),
    2,
  );
  assert.equal(rulesOf(bad), ["term-adopted-first"]);
  assert.match(bad.result().message, /n2 \(term 1\) acted on MsgApp of term 3 from n3 but is still in term 1/);

  const voted = handMade();
  voted.observe("n2", view("n2", { term: 1, log: [1] }), 1);
  voted.observe("n2", view("n2", { term: 1, vote: "n1", log: [1], stepped: msg("MsgVote", "n1", "n2", 2) }), 2);
  assert.equal(rulesOf(voted), ["term-adopted-first"], "voting in the new term without moving to it");
});

test("leader-term-current: a node that saw term T acting as leader of a lower term fails", () => {
  const ok = handMade();
  ok.observe("n1", view("n1", { term: 2, role: "leader" }), 1);
  ok.observe("n1", view("n1", { term: 5, stepped: msg("MsgAppResp", "n2", "n1", 5) }), 2);
  ok.observe("n1", view("n1", { term: 6, role: "leader" }), 3);
  assert.is(ok.result().verdict, "pass", ok.result().message);

  // A leader that learns of term 5 from a response and keeps leading term 2.
  const bad = handMade();
  bad.observe("n1", view("n1", { term: 2, role: "leader" }), 1);
  bad.observe("n1", view("n1", { term: 2, role: "leader", stepped: msg("MsgHeartbeatResp", "n2", "n1", 5) }), 2);
  assert.ok(rulesOf(bad).includes("leader-term-current"), rulesOf(bad).join());

  // After a restart: it had sent messages in term 4, forgot that term, and leads term 3.
  const restarted = handMade();
  restarted.observe("n1", view("n1", { term: 4, sentTerm: 4 }), 1);
  restarted.onCrash("n1");
  restarted.observe("n1", view("n1", { term: 3, role: "leader" }), 2);
  assert.ok(rulesOf(restarted).includes("leader-term-current"), rulesOf(restarted).join());
});

test("commit-covered: a follower committing past what the leader's appends covered fails", () => {
  const ok = handMade();
  ok.observe("n2", view("n2", { term: 2, log: [1, 1, 1] }), 1);
  ok.observe(
    "n2",
    view("n2", {
      term: 2,
      log: [1, 2],
      commitIndex: 2,
      stepped: msg("MsgApp", "n1", "n2", 2, { index: 1, logTerm: 1, entries: [entry(2, 2)], commit: 2 }),
    }),
    2,
  );
  ok.observe(
    "n2",
    view("n2", { term: 2, log: [1, 2], commitIndex: 2, stepped: msg("MsgHeartbeat", "n1", "n2", 2, { commit: 2 }) }),
    3,
  );
  assert.is(ok.result().verdict, "pass", ok.result().message);

  // n2 holds 1@1 2@1 3@1 of an old leader; the term-2 leader's append covers index 1 only (a probe), yet n2
  // commits 3 — entries the new leader never confirmed.
  const bad = handMade();
  bad.observe("n2", view("n2", { term: 2, log: [1, 1, 1] }), 1);
  bad.observe(
    "n2",
    view("n2", {
      term: 2,
      log: [1, 1, 1],
      commitIndex: 3,
      stepped: msg("MsgApp", "n1", "n2", 2, { index: 1, logTerm: 1, commit: 3 }),
    }),
    2,
  );
  assert.equal(rulesOf(bad), ["commit-covered"]);
  assert.match(
    bad.result().message,
    /follower n2 \(term 2\) committed up to 3 after MsgApp from n1, but the appends it accepted in this term cover only up to 1/,
  );

  // A heartbeat carrying a commit beyond anything appended in this term.
  const hb = handMade();
  hb.observe("n2", view("n2", { term: 3, log: [1, 1] }), 1);
  hb.observe(
    "n2",
    view("n2", { term: 3, log: [1, 1], commitIndex: 2, stepped: msg("MsgHeartbeat", "n1", "n2", 3, { commit: 2 }) }),
    2,
  );
  assert.equal(rulesOf(hb), ["commit-covered"]);
});

test("read-index-current: an answer below what was committed when the read was asked fails; one at or above passes", () => {
  // n1 (term 1) commits index 2 and n2 knows it; n3 restarted with commitIndex 1 and leads term 2.
  const setUp = (m: RaftSafetyMonitor) => {
    m.observe("n1", view("n1", { role: "leader", log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 1);
    m.observe("n2", view("n2", { log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 2);
    m.observe("n1", view("n1", { role: "leader", log: [1, 1], commitIndex: 2 }), 3);
    m.observe("n3", view("n3", { term: 2, role: "leader", log: [1, 1], commitIndex: 1 }), 4);
  };
  const ok = handMade();
  setUp(ok);
  ok.observe("n3", view("n3", { term: 2, role: "leader", log: [1, 1], commitIndex: 1, readRequested: "n3/a/1" }), 5);
  ok.observe(
    "n3",
    view("n3", {
      term: 2,
      role: "leader",
      log: [1, 1],
      commitIndex: 2,
      readsAnswered: [{ index: 2, context: "n3/a/1" }],
    }),
    6,
  );
  // An answer for a read the monitor never saw asked (another host, or forgotten) is not judged.
  ok.observe(
    "n3",
    view("n3", { term: 2, role: "leader", log: [1, 1], commitIndex: 2, readsAnswered: [{ index: 0, context: "x" }] }),
    7,
  );
  assert.is(ok.result().verdict, "pass", ok.result().message);

  const bad = handMade();
  setUp(bad);
  bad.observe("n3", view("n3", { term: 2, role: "leader", log: [1, 1], commitIndex: 1, readRequested: "n3/a/1" }), 5);
  bad.observe(
    "n3",
    view("n3", {
      term: 2,
      role: "leader",
      log: [1, 1],
      commitIndex: 1,
      readsAnswered: [{ index: 1, context: "n3/a/1" }],
    }),
    6,
  );
  const r = bad.result();
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^read-index-current: n3's read n3\/a\/1 was answered at index 1, but n1 had committed index 2 \(term 1\) before the read was asked \(event 6\)/,
  );
});

test("read-served-applied: a read served before its member applied up to its read index fails; at or past it, passes", () => {
  const setUp = (m: RaftSafetyMonitor) => {
    m.observe("n1", view("n1", { role: "leader", log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 1);
    m.observe("n2", view("n2", { log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 2);
  };
  const ok = handMade();
  setUp(ok);
  ok.observe(
    "n2",
    view("n2", { log: [1, 1], commitIndex: 2, applied: 2, readServed: { index: 2, context: "n2/a/1" } }),
    3,
  );
  assert.is(ok.result().verdict, "pass", ok.result().message);

  const bad = handMade();
  setUp(bad);
  bad.observe(
    "n2",
    view("n2", { log: [1, 1], commitIndex: 2, applied: 1, readServed: { index: 2, context: "n2/a/1" } }),
    3,
  );
  assert.match(
    bad.result().message,
    /^read-served-applied: n2 served read n2\/a\/1 \(read index 2\) having applied only up to 1 \(event 3\)/,
  );
});

test("read-index-current: what was committed after the read was asked does not count", () => {
  const m = handMade();
  m.observe("n1", view("n1", { role: "leader", log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 1);
  m.observe("n2", view("n2", { log: [1, 1], ...durable(entry(1, 1), entry(2, 1)) }), 2);
  m.observe("n1", view("n1", { role: "leader", log: [1, 1], commitIndex: 1, readRequested: "n1/a/1" }), 3);
  m.observe("n1", view("n1", { role: "leader", log: [1, 1], commitIndex: 2 }), 4);
  m.observe(
    "n1",
    view("n1", { role: "leader", log: [1, 1], commitIndex: 2, readsAnswered: [{ index: 1, context: "n1/a/1" }] }),
    5,
  );
  assert.is(m.result().verdict, "pass", m.result().message);
});

test("the stepped-message rules skip hosts that do not report the stepped message", () => {
  const m = handMade();
  m.observe("n2", view("n2", { term: 3, log: [1, 1] }), 1);
  m.observe("n2", view("n2", { term: 3, log: [1, 1], commitIndex: 2 }), 2);
  assert.is(m.result().verdict, "pass", m.result().message);
});

test("a view repeating the node's previous one is counted but not checked again; anything new is checked", () => {
  const none: readonly string[] = [];
  const same = { votersOutgoing: none, learners: none };
  const hb = (term: number): Message => ({ type: "MsgHeartbeat", from: "n1", to: "n2", term, commit: 0 }) as Message;
  const m = handMade();
  m.observe("n2", view("n2", { term: 2, ...same }), 1);
  m.observe("n2", view("n2", { term: 2, ...same }), 2); // a tick that changed nothing
  m.observe("n2", view("n2", { term: 2, ...same, stepped: hb(2), sentTerm: 2 }), 3); // a heartbeat, answered
  m.observe("n2", view("n2", { term: 2, ...same, sentTerm: 2 }), 4); // a term already revealed
  assert.is(m.observed, 4);
  assert.is(m.repeated, 2);
  assert.match(m.result().message, /^4 views of 1 nodes/);
  // A higher-term message the node did not adopt is no repeat: term-adopted-first still fails on it.
  m.observe("n2", view("n2", { term: 2, ...same, stepped: hb(3) }), 5);
  assert.is(m.repeated, 2);
  assert.equal(rulesOf(m), ["term-adopted-first"]);
  // After a view that raised a violation, the same view is checked again (and fails again, as before).
  m.observe("n2", view("n2", { term: 2, ...same, stepped: hb(3) }), 6);
  assert.equal(rulesOf(m), ["term-adopted-first", "term-adopted-first"]);
  // Two leaders in one term: every view of the second repeats the violation, none is skipped.
  const two = handMade();
  two.observe("n1", view("n1", { term: 2, role: "leader", ...same }), 1);
  two.observe("n1", view("n1", { term: 2, role: "leader", ...same }), 2);
  two.observe("n2", view("n2", { term: 2, role: "leader", ...same }), 3);
  two.observe("n2", view("n2", { term: 2, role: "leader", ...same }), 4);
  assert.is(two.repeated, 1);
  assert.equal(rulesOf(two), ["election-safety", "election-safety"]);
  // A view after a Ready that applied nothing (an empty list of applied entries) repeats too.
  const e = handMade();
  e.observe("n2", view("n2", { term: 2, ...same }), 1);
  e.observe("n2", { ...view("n2", { term: 2, ...same }), appliedEntries: [] }, 2);
  assert.is(e.repeated, 1);
  // A crash ends the life: the first view after it is checked even if its values are the same.
  const c = handMade();
  c.observe("n3", view("n3", { term: 2, ...same }), 1);
  c.onCrash("n3");
  c.observe("n3", view("n3", { term: 2, ...same }), 2);
  assert.is(c.repeated, 0);
});
test("a monitor that saw no view judged nothing, and fails so", () => {
  const r = new RaftSafetyMonitor().result();
  assert.is(r.verdict, "fail");
  assert.is(r.message, "no Raft view was observed: nothing was judged");
});

test.run();
