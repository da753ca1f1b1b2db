import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RaftView } from "../../core/raft/view.ts";
import { type MoveLeaderCall, MoveLeaderMonitor } from "./move-leader.ts";

const VOTERS = ["n1", "n2", "n3"];

function view(id: string, role: "leader" | "follower", voters: readonly string[] = VOTERS): RaftView {
  return { id, role, voters } as unknown as RaftView;
}

/** n1 leads from 0 to 100 ms, n2 from 150 ms on; n3 never leads. */
function monitor(): MoveLeaderMonitor {
  const m = new MoveLeaderMonitor();
  for (const v of VOTERS) m.observe(view(v, "follower"), 0);
  m.observe(view("n1", "leader"), 0);
  m.observe(view("n1", "follower"), 100_000);
  m.observe(view("n2", "leader"), 150_000);
  return m;
}

const call = (c: Partial<MoveLeaderCall>): MoveLeaderCall => ({
  sentTo: "n1",
  transferee: "n2",
  call: 90_000,
  return: 160_000,
  outcome: "ok",
  ...c,
});

test("an ok whose transferee took over before the answer passes; so does a move to the leader itself", () => {
  const r = monitor().result([call({}), call({ transferee: "n1", call: 10_000, return: 12_000 })]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /2 ok/);
});

test("an ok answered before the transferee led fails", () => {
  const r = monitor().result([call({ return: 120_000 })]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /n2 did not lead at any moment in between/);
});

test("an ok for a transferee that never led fails", () => {
  const r = monitor().result([call({ transferee: "n3" })]);
  assert.is(r.verdict, "fail");
});

test("a leader that crashed stops leading at the crash", () => {
  const m = new MoveLeaderMonitor();
  m.observe(view("n3", "leader"), 0);
  m.onCrash("n3", 50_000);
  assert.is(m.result([call({ transferee: "n3", call: 60_000, return: 70_000 })]).verdict, "fail");
  assert.is(m.result([call({ transferee: "n3", call: 40_000, return: 70_000 })]).verdict, "pass");
});

test("a stranger refused as a bad transferee passes; timing out on one fails", () => {
  assert.is(monitor().result([call({ transferee: "n9", outcome: "bad-transferee" })]).verdict, "pass");
  const r = monitor().result([call({ transferee: "n9", outcome: "timed-out" })]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /never was a voter/);
});

test("a voter of every configuration refused as a bad transferee fails; a timed-out move to a voter passes", () => {
  const r = monitor().result([call({ transferee: "n3", outcome: "bad-transferee" })]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /was a voter throughout the run/);
  assert.is(monitor().result([call({ transferee: "n3", outcome: "timed-out" })]).verdict, "pass");
});

test("a member that left the configuration may be refused as a bad transferee", () => {
  const m = monitor();
  m.observe(view("n1", "follower", ["n1", "n2"]), 200_000);
  assert.is(m.result([call({ transferee: "n3", outcome: "bad-transferee" })]).verdict, "pass");
});

test("a not-leader answer passes from a member that did not lead throughout the call, and fails from one that did", () => {
  assert.is(
    monitor().result([call({ sentTo: "n2", outcome: "not-leader", call: 10_000, return: 12_000 })]).verdict,
    "pass",
  );
  assert.is(
    monitor().result([call({ sentTo: "n1", outcome: "not-leader", call: 90_000, return: 120_000 })]).verdict,
    "pass",
  );
  const r = monitor().result([call({ sentTo: "n1", outcome: "not-leader", call: 10_000, return: 12_000 })]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /refused at 12.0 ms as not leader, though n1 led throughout/);
});

test("unanswered calls are not judged", () => {
  const r = monitor().result([call({ transferee: "n3", return: null, outcome: "unknown" })]);
  assert.is(r.verdict, "pass");
  assert.match(r.message, /1 unanswered/);
});

test.run();
