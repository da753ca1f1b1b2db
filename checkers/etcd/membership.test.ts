import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  type AppliedChange,
  checkMembership,
  configChanges,
  type MemberEnd,
  type MembershipOutcome,
  type MembershipRequest,
} from "./membership.ts";

const plan = [{ add: "n4" }, { remove: "@leader" }] as const;
const done: MembershipOutcome = {
  plan,
  done: new Set([0, 1]),
  resolved: new Map([[1, "n2"]]),
  refusals: new Map([["learner-not-ready", 3]]),
};
const member = (id: string, voters: string[], extra: Partial<NonNullable<MemberEnd["status"]>> = {}): MemberEnd => ({
  id,
  status: { removed: false, voters, learners: [], ...extra },
});
const agreed = ["n1", "n3", "n4"];

test("a completed plan whose members agree on the voters it leads to passes", () => {
  const r = checkMembership(["n1", "n2", "n3"], done, [
    member("n1", agreed),
    member("n2", ["n1", "n2", "n3", "n4"], { removed: true }),
    member("n3", agreed),
    member("n4", agreed),
    member("n5", ["n1", "n2", "n3"]), // a spare the plan never used
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.is(r.message, "2 steps done (voters now n1,n3,n4; removed n2); refused on the way: learner-not-ready ×3");
});

test("a stuck plan, a member that disagrees, a leftover learner, a removed member still voting, or one down: each fails", () => {
  const initial = ["n1", "n2", "n3"];
  const ok = [member("n1", agreed), member("n2", [], { removed: true }), member("n3", agreed), member("n4", agreed)];
  const cases: [string, MembershipOutcome, MemberEnd[], RegExp][] = [
    [
      "stuck",
      { ...done, done: new Set([0]), lastAction: "remove n2: unhealthy" },
      ok,
      /stuck at step 2 of 2: remove n2: unhealthy/,
    ],
    [
      "disagrees",
      done,
      [...ok.slice(0, 3), member("n4", ["n1", "n2", "n3", "n4"])],
      /n4 ends with voters n1,n2,n3,n4, expected n1,n3,n4/,
    ],
    [
      "learner left",
      done,
      [member("n1", agreed, { learners: ["n5"] }), ...ok.slice(1)],
      /n1 ends with voters n1,n3,n4 and learners n5/,
    ],
    [
      "removed still votes",
      done,
      [ok[0]!, member("n2", ["n1", "n2", "n3"]), ...ok.slice(2)],
      /n2 was removed but still counts itself a voter/,
    ],
    ["down", done, [ok[0]!, ok[1]!, { id: "n3", status: undefined }, ok[3]!], /n3 is down at the end/],
  ];
  for (const [what, out, members, re] of cases) {
    const r = checkMembership(initial, out, members);
    assert.is(r.verdict, "fail", what);
    assert.match(r.message, re, what);
  }
});

test("with lanes, the first step not done is named even when a later step of another lane is done", () => {
  const lanes: MembershipOutcome = {
    plan: [{ add: "n4" }, { add: "n5", lane: 1 }, { remove: "n1" }],
    done: new Set([0, 2]),
    resolved: new Map(),
    lastAction: "promote n5: learner-not-ready",
    refusals: new Map(),
  };
  const r = checkMembership(["n1", "n2", "n3"], lanes, []);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /stuck at step 2 of 3: promote n5: learner-not-ready/);
});

test("with lanes, an @leader removal may take a member another lane added later in the plan", () => {
  const lanes: MembershipOutcome = {
    plan: [{ add: "n4" }, { remove: "@leader" }, { add: "n5", lane: 1 }, { remove: "n3", lane: 1 }],
    done: new Set([0, 1, 2, 3]),
    resolved: new Map([[1, "n5"]]),
    refusals: new Map(),
  };
  const end = ["n1", "n2", "n4"];
  const r = checkMembership(["n1", "n2", "n3"], lanes, [
    member("n1", end),
    member("n2", end),
    member("n3", [], { removed: true }),
    member("n4", end),
    member("n5", [], { removed: true }),
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /voters now n1,n2,n4; removed n5, n3/);
});

const final = [member("n1", agreed), member("n2", [], { removed: true }), member("n3", agreed), member("n4", agreed)];
const applied: AppliedChange[] = [
  { op: "addLearner", id: "n4", time: 100, index: 5 },
  { op: "promote", id: "n4", time: 300, index: 9 },
  { op: "remove", id: "n2", time: 600, index: 14 },
];
const asked = (op: MembershipRequest["op"], id: string, call: number, ret: number | null, error?: string) =>
  ({ op, id, call, return: ret, ...(error ? { error } : {}) }) as MembershipRequest;

test("every applied change asked for by a request that succeeded, timed out or got no answer passes", () => {
  const requests = [
    asked("addLearner", "n4", 50, 120),
    asked("promote", "n4", 150, 160, "learner-not-ready"),
    asked("promote", "n4", 200, 1_200, "timeout"),
    asked("remove", "n2", 500, null),
  ];
  const r = checkMembership(["n1", "n2", "n3"], { ...done, requests, applied }, final);
  assert.is(r.verdict, "pass", r.message);
  assert.match(
    r.message,
    /; 3 changes applied, each asked for by a request that succeeded or may have, and every request answered ok applied$/,
  );
});

test("a request answered ok must have taken effect between its call and its answer", () => {
  const ok = [asked("addLearner", "n4", 50, 120), asked("promote", "n4", 200, 300), asked("remove", "n2", 500, 650)];
  const pass = checkMembership(["n1", "n2", "n3"], { ...done, requests: ok, applied }, final);
  assert.is(pass.verdict, "pass", pass.message);
  // Answered before the change applied (acknowledged at its proposal).
  const early = [asked("addLearner", "n4", 50, 90), ...ok.slice(1)];
  assert.is(
    checkMembership(["n1", "n2", "n3"], { ...done, requests: early, applied }, final).message,
    "addLearner n4 was answered ok at 0.1ms (called at 0.1ms), but it took effect only at 0.1ms (configuration at index 5)",
  );
  // Answered ok though nothing applied it (the proposal was lost with its leader).
  const lost = [...ok, asked("remove", "n3", 700, 800)];
  assert.is(
    checkMembership(["n1", "n2", "n3"], { ...done, requests: lost, applied }, final).message,
    "remove n3 was answered ok at 0.8ms (called at 0.7ms), but no member ever applied it",
  );
});

test("a change that took effect though every request for it was refused, or that no one asked for, fails", () => {
  const refused = [
    asked("addLearner", "n4", 50, 120),
    asked("promote", "n4", 150, 160, "learner-not-ready"),
    asked("promote", "n4", 200, 250, "not-leader"),
    asked("remove", "n2", 500, 650),
  ];
  const r = checkMembership(["n1", "n2", "n3"], { ...done, requests: refused, applied }, final);
  assert.is(r.verdict, "fail");
  assert.is(
    r.message,
    "promote n4 took effect at 0.3ms (configuration at index 9), but every request for it was refused: learner-not-ready at 0.2ms, not-leader at 0.3ms",
  );
  // A request called only after the change took effect cannot have made it.
  const late = [asked("addLearner", "n4", 150, 170), ...refused.slice(1)];
  assert.match(
    checkMembership(["n1", "n2", "n3"], { ...done, requests: late, applied }, final).message,
    /^addLearner n4 took effect at 0\.1ms .*but no request asked for it$/,
  );
});

test("configuration changes: a learner added, promoted, a member removed, and steps a skipped view hides", () => {
  const base = { voters: ["n1", "n2", "n3"], learners: [] };
  assert.equal(configChanges(base, { voters: ["n1", "n2", "n3"], learners: ["n4"] }), [{ op: "addLearner", id: "n4" }]);
  assert.equal(
    configChanges({ voters: ["n1", "n2", "n3"], learners: ["n4"] }, { voters: ["n1", "n2", "n3", "n4"], learners: [] }),
    [{ op: "promote", id: "n4" }],
  );
  assert.equal(configChanges(base, { voters: ["n1", "n3", "n4"], learners: [] }), [
    { op: "addLearner", id: "n4" },
    { op: "promote", id: "n4" },
    { op: "remove", id: "n2" },
  ]);
  assert.equal(configChanges(base, base), []);
});

test.run();
