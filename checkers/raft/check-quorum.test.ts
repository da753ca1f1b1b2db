import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Message } from "../../core/raft/types.ts";
import type { RaftView } from "../../core/raft/view.ts";
import { CheckQuorumMonitor } from "./check-quorum.ts";

// Election timeout 100 ms, ticks of 10 ms: the bound is 350 ms of the leader's running time.
const monitor = () => new CheckQuorumMonitor({ electionTimeoutUs: 100_000, tickUs: 10_000 });
const MS = 1000;

function view(id: string, role: RaftView["role"], term: number, stepped?: Partial<Message>): RaftView {
  return {
    id,
    term,
    vote: "",
    role,
    leader: role === "leader" ? id : "",
    commitIndex: 0,
    applied: 0,
    lastIndex: 0,
    lastTerm: 0,
    compactedIndex: 0,
    voters: ["n1", "n2", "n3"],
    votersOutgoing: [],
    learners: [],
    configIndex: 0,
    logOverwrites: 0,
    termAt: () => undefined,
    ...(stepped ? { stepped: { type: "MsgHeartbeatResp", to: id, term, ...stepped } as Message } : {}),
  };
}

/** The leader n1 ticks every 10 ms from `from` to `to` (ms), hearing from `answering` on each tick. */
function lead(m: CheckQuorumMonitor, from: number, to: number, answering: string[], term = 1): void {
  for (let t = from; t <= to; t += 10) {
    m.observe(view("n1", "leader", term), t * MS);
    for (const f of answering) m.observe(view("n1", "leader", term, { from: f }), t * MS);
  }
}

test("a leader that hears from a quorum leads on; one cut off that steps down within the bound passes", () => {
  const m = monitor();
  lead(m, 0, 1000, ["n2"]); // n2 and itself: a quorum of three
  lead(m, 1010, 1300, []); // cut off for 300 ms of running time (a transfer may have restarted its timer)
  m.observe(view("n1", "follower", 1), 1310 * MS);
  const r = m.result();
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "1 leader tenures");
});

test("a leader that keeps leading past three election timeouts without a quorum fails, naming whom it last heard", () => {
  const m = monitor();
  lead(m, 0, 500, ["n2", "n3"]);
  lead(m, 510, 900, []);
  const r = m.result();
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^n1 still leads term 1 at 860\.0 ms, .*over 350 ms of its running time \(last heard: n2 360 ms ago, n3 360 ms ago\)/,
  );
});

test("answers of an earlier term, or from one voter of three, are no quorum", () => {
  const m = monitor();
  lead(m, 0, 100, ["n2"], 2);
  for (let t = 110; t <= 600; t += 10) {
    m.observe(view("n1", "leader", 2, { from: "n3", term: 1 }), t * MS);
  }
  assert.is(m.result().verdict, "fail", "n2 went silent at 100 ms and n3's answers are of term 1");
  const one = monitor();
  lead(one, 0, 600, ["n3"]);
  assert.is(one.result().verdict, "pass", "itself and n3: two of three");
});

test("a pause is not running time: a leader resumed after a long pause gets its two election timeouts", () => {
  const m = monitor();
  lead(m, 0, 100, ["n2", "n3"]);
  m.onLifecycle("n1", "pause", 100 * MS);
  m.onLifecycle("n1", "resume", 2000 * MS);
  lead(m, 2000, 2140, []); // 140 ms of running time since it last heard
  m.observe(view("n1", "follower", 1), 2150 * MS);
  assert.is(m.result().verdict, "pass", m.result().message);
  const stays = monitor();
  lead(stays, 0, 100, ["n2", "n3"]);
  stays.onLifecycle("n1", "pause", 100 * MS);
  stays.onLifecycle("n1", "resume", 2000 * MS);
  lead(stays, 2000, 2500, []);
  assert.is(stays.result().verdict, "fail");
});

test("a voter that joins the configuration counts as heard when it joins", () => {
  const m = monitor();
  const joined = (t: number, from?: string) => {
    const v = view("n1", "leader", 1, from ? { from } : undefined);
    m.observe({ ...v, voters: ["n1", "n2", "n3", "n4", "n5"] }, t * MS);
  };
  lead(m, 0, 400, ["n2", "n3"]);
  // n4 and n5 join at 400 ms; n3 goes silent, n2 answers on: n1, n2 and the two new voters are a quorum of five.
  for (let t = 410; t <= 700; t += 10) joined(t, "n2");
  assert.is(m.result().verdict, "pass", m.result().message);
  // Neither new voter ever answers: at 760 ms, 360 ms after they joined, only n1 and n2 of five are active.
  for (let t = 710; t <= 800; t += 10) joined(t, "n2");
  assert.is(m.result().verdict, "fail");
  assert.match(m.result().message, "n4 360 ms ago, n5 360 ms ago");
});

test("a new term starts a new tenure; a crash ends one", () => {
  const m = monitor();
  lead(m, 0, 200, []);
  m.onLifecycle("n1", "crash", 210 * MS);
  lead(m, 300, 500, [], 3);
  const r = m.result();
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "2 leader tenures");
});

test("a leader that steps down in its own term while a quorum answered within the last election timeout fails; one whose quorum went quiet passes", () => {
  const needless = monitor();
  lead(needless, 0, 500, ["n2"]); // n2 answers every tick; n3 is down
  needless.observe(view("n1", "follower", 1), 505 * MS);
  const r = needless.result();
  assert.is(r.verdict, "fail");
  assert.match(r.message, /^n1 stepped down from term 1 at 505\.0 ms, though a quorum .* \(n2 5 ms ago, n3 never\)/);

  const quiet = monitor();
  lead(quiet, 0, 500, ["n2"]);
  lead(quiet, 510, 620, []); // n2 silent for 120 ms
  quiet.observe(view("n1", "follower", 1), 625 * MS);
  assert.is(quiet.result().verdict, "pass", quiet.result().message);

  // A clock twice as fast checks twice as often: an answer 40 ms old may predate its last check.
  const fast = new CheckQuorumMonitor({ electionTimeoutUs: 100_000, tickUs: 10_000, maxDriftPpm: 1_000_000 });
  lead(fast, 0, 500, ["n2"]);
  lead(fast, 510, 540, []);
  fast.observe(view("n1", "follower", 1), 540 * MS);
  assert.is(fast.result().verdict, "pass", fast.result().message);
  const slowClock = monitor();
  lead(slowClock, 0, 500, ["n2"]);
  lead(slowClock, 510, 540, []);
  slowClock.observe(view("n1", "follower", 1), 540 * MS);
  assert.is(slowClock.result().verdict, "fail", "without drift, 40 ms is within the last check");

  // A step-down for a higher term, or a leader that is no longer a voter, is not CheckQuorum's.
  const higher = monitor();
  lead(higher, 0, 500, ["n2", "n3"]);
  higher.observe(view("n1", "follower", 2), 505 * MS);
  assert.is(higher.result().verdict, "pass");
  const removed = monitor();
  lead(removed, 0, 500, ["n2", "n3"]);
  removed.observe({ ...view("n1", "follower", 1), voters: ["n2", "n3"] }, 505 * MS);
  assert.is(removed.result().verdict, "pass");
});

test.run();
