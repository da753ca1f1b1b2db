import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkMembership, type MemberEnd, type MembershipOutcome } from "./membership.ts";

const plan = [{ add: "n4" }, { remove: "@leader" }] as const;
const done: MembershipOutcome = {
  plan,
  stepsDone: 2,
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
      { ...done, stepsDone: 1, lastAction: "remove n2: unhealthy" },
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

test.run();
