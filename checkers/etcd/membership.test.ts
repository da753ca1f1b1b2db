import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkMembership, type MemberEnd, type MembershipOutcome } from "./membership.ts";

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

test.run();
