import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Message } from "../../core/raft/types.ts";
import type { RaftView } from "../../core/raft/view.ts";
import { ReconfigHealthMonitor } from "./reconfig-health.ts";

// Election timeout 100 ms, ticks of 10 ms: a peer is active if heard within 110 ms.
const monitor = () => new ReconfigHealthMonitor({ electionTimeoutUs: 100_000, tickUs: 10_000 });
const MS = 1000;

function view(id: string, voters: string[], from?: string): RaftView {
  return {
    id,
    term: 2,
    vote: "",
    role: "leader",
    leader: id,
    commitIndex: 0,
    applied: 0,
    lastIndex: 0,
    lastTerm: 0,
    compactedIndex: 0,
    voters,
    votersOutgoing: [],
    learners: [],
    configIndex: 0,
    logOverwrites: 0,
    termAt: () => undefined,
    ...(from ? { stepped: { type: "MsgAppResp", to: id, from, term: 2 } as Message } : {}),
  };
}

const THREE = ["n1", "n2", "n3"];

test("removing a healthy member while the others answer leaves an active quorum", () => {
  const m = monitor();
  m.observe(view("n1", THREE, "n2"), 950 * MS);
  m.observe(view("n1", THREE, "n3"), 980 * MS);
  m.onProposed("n1", "remove", "n2", 1000 * MS);
  const r = m.result();
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "1 voter removals and promotions");
});

test("removing a down member is safe: the voters left are the active ones", () => {
  const m = monitor();
  m.observe(view("n1", THREE, "n2"), 990 * MS);
  m.observe(view("n1", THREE, "n3"), 200 * MS); // n3 went quiet 800 ms ago
  m.onProposed("n1", "remove", "n3", 1000 * MS);
  assert.is(m.result().verdict, "pass");
});

test("removing a healthy member while another is down leaves no active quorum, and fails", () => {
  const m = monitor();
  m.observe(view("n1", THREE, "n2"), 990 * MS);
  m.observe(view("n1", THREE, "n3"), 200 * MS);
  m.onProposed("n1", "remove", "n2", 1000 * MS);
  const r = m.result();
  assert.is(r.verdict, "fail");
  assert.match(r.message, "n1 proposed removing n2 at 1000.0 ms, leading to voters [n1, n3] of which 1 were active");
  assert.match(r.message, "n3 800 ms ago");
});

test("a peer heard exactly an election timeout and a tick ago is active; a millisecond later it is not", () => {
  for (const [heardMs, verdict] of [
    [890, "pass"],
    [889, "fail"],
  ] as const) {
    const m = monitor();
    m.observe(view("n1", THREE, "n2"), 990 * MS);
    m.observe(view("n1", THREE, "n3"), heardMs * MS);
    m.onProposed("n1", "remove", "n2", 1000 * MS);
    assert.is(m.result().verdict, verdict, `n3 heard at ${heardMs} ms`);
  }
});

test("a promotion counts the learner among the voters it leads to: one never heard from does not help", () => {
  const two = ["n1", "n2"];
  const ok = monitor();
  ok.observe(view("n1", two, "n2"), 990 * MS);
  ok.observe(view("n1", two, "n4"), 995 * MS);
  ok.onProposed("n1", "promote", "n4", 1000 * MS);
  assert.is(ok.result().verdict, "pass");
  // n2 quiet: of [n1, n2, n4] only n1 and n4 answer, still a quorum of three.
  const quiet = monitor();
  quiet.observe(view("n1", two, "n2"), 500 * MS);
  quiet.observe(view("n1", two, "n4"), 995 * MS);
  quiet.onProposed("n1", "promote", "n4", 1000 * MS);
  assert.is(quiet.result().verdict, "pass");
  // Neither answers: one of three.
  const bad = monitor();
  bad.observe(view("n1", two, "n2"), 500 * MS);
  bad.onProposed("n1", "promote", "n4", 1000 * MS);
  const r = bad.result();
  assert.is(r.verdict, "fail");
  assert.match(r.message, "n4 never");
});

test("adding a learner or removing one changes no quorum and is not judged", () => {
  const m = monitor();
  m.observe(view("n1", THREE), 1000 * MS); // heard from no one
  m.onProposed("n1", "addLearner", "n4", 1000 * MS);
  m.onProposed("n1", "remove", "n4", 1000 * MS); // n4 is no voter
  const r = m.result();
  assert.is(r.verdict, "pass");
  assert.match(r.message, "0 voter removals");
});

test("what the leader heard is judged on its own record, not on another node's", () => {
  const m = monitor();
  m.observe(view("n2", THREE, "n3"), 995 * MS); // n2 hears n3; the leader n1 does not
  m.observe(view("n1", THREE, "n3"), 100 * MS);
  m.observe(view("n1", THREE, "n2"), 995 * MS);
  m.onProposed("n1", "remove", "n2", 1000 * MS);
  assert.is(m.result().verdict, "fail");
});

test("a refusal as unhealthy is judged too: refusing while a quorum was surely active fails, refusing without one passes", () => {
  // Removing n3 from five leaves [n1, n2, n4, n5], quorum 3; n1 leads and counts itself.
  const FIVE = ["n1", "n2", "n3", "n4", "n5"];
  const refused = (heard: [string, number][], driftPpm = 0) => {
    const m = new ReconfigHealthMonitor({ electionTimeoutUs: 100_000, tickUs: 10_000, maxDriftPpm: driftPpm });
    for (const [from, at] of heard) m.observe(view("n1", FIVE, from), at * MS);
    m.onRefused("n1", "remove", "n3", 1000 * MS);
    return m.result();
  };
  const wrong = refused([
    ["n2", 950],
    ["n4", 960],
  ]);
  assert.is(wrong.verdict, "fail");
  assert.match(wrong.message, "n1 refused removing n3 as unhealthy at 1000.0 ms, though 3 of the voters it leads to");
  // n4 last heard 95 ms ago: within the election timeout, but not surely (a tick of its detection) — not judged.
  assert.is(
    refused([
      ["n2", 950],
      ["n4", 905],
    ]).verdict,
    "pass",
  );
  // n4 long silent: only n1 and n2 are active, no quorum, so the refusal is etcd's.
  const right = refused([
    ["n2", 950],
    ["n4", 500],
  ]);
  assert.is(right.verdict, "pass", right.message);
  assert.match(right.message, "1 refused as unhealthy, each without one");
  // A leader whose clock runs 50 % fast counts 60 ms as 90: heard 61 ms ago is not surely active then.
  assert.is(
    refused(
      [
        ["n2", 950],
        ["n4", 939],
      ],
      500_000,
    ).verdict,
    "pass",
  );
});

test.run();
