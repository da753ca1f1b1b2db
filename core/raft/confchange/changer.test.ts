// The configuration-change rules on their own (etcd-io/raft confchange/ has its own tests the same way): what
// a leader may append, and which configuration an applied change yields — no node, no log.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AssertionFailure } from "../../assert.ts";
import { Progress } from "../progress.ts";
import {
  allVoters,
  applyConfChange,
  configOf,
  confStateOf,
  isJoint,
  isVoter,
  members,
  validConfChange,
  type Config,
} from "./changer.ts";
import { mostCaughtUpVoter, reconcileProgress } from "./progress.ts";

const three = configOf({ voters: ["n3", "n1", "n2"], learners: ["n4"] });
const swap = {
  type: "enterJoint",
  changes: [
    { type: "addVoter", nodeId: "n5" },
    { type: "removeVoter", nodeId: "n1" },
  ],
} as const;

test("configOf sorts, removes duplicates, and never lists a voter as a learner too", () => {
  const c = configOf({ voters: ["n2", "n1", "n2"], learners: ["n1", "n3"], votersOutgoing: ["n3", "n1"] });
  assert.equal(c.voters, ["n1", "n2"]);
  assert.equal(c.outgoing, ["n1", "n3"]);
  assert.equal(c.learners, [], "n1 and n3 vote in one half or the other");
  assert.ok(c.autoLeave, "autoLeave defaults on while joint");
  assert.not.ok(
    configOf({ voters: ["n1"], learners: [], autoLeave: true }).autoLeave,
    "and is off outside a joint configuration",
  );
});

test("§6 one server at a time: add, promote, demote, remove; each step yields a fresh configuration", () => {
  let c: Config = three;
  c = applyConfChange(c, { type: "addVoter", nodeId: "n4" }, "t");
  assert.equal([c.voters, c.learners], [["n1", "n2", "n3", "n4"], []], "promoting learner n4");
  c = applyConfChange(c, { type: "addLearner", nodeId: "n1" }, "t");
  assert.equal([c.voters, c.learners], [["n2", "n3", "n4"], ["n1"]], "demoting voter n1");
  c = applyConfChange(c, { type: "removeVoter", nodeId: "n1" }, "t");
  assert.equal(members(c), ["n2", "n3", "n4"], "a removed learner is gone");
  assert.is.not(c.voters, three.voters, "arrays are replaced, never mutated (the monitor compares them by identity)");
  assert.equal(three.voters, ["n1", "n2", "n3"]);
});

test("validation refuses what would leave no voter, repeat an existing state, or change anything while joint", () => {
  const one = configOf({ voters: ["n1"], learners: [] });
  assert.not.ok(validConfChange(one, { type: "removeVoter", nodeId: "n1" }), "the last voter cannot go");
  assert.not.ok(validConfChange(one, { type: "addLearner", nodeId: "n1" }), "nor be demoted");
  assert.not.ok(validConfChange(three, { type: "addVoter", nodeId: "n1" }), "already a voter");
  assert.not.ok(validConfChange(three, { type: "removeVoter", nodeId: "n9" }), "not a member");
  assert.not.ok(validConfChange(three, { type: "addVoter", nodeId: "" }), "no id");
  assert.not.ok(validConfChange(three, null));
  assert.not.ok(validConfChange(three, { type: "leaveJoint" }), "not joint");
  assert.ok(validConfChange(three, { type: "removeVoter", nodeId: "n4" }), "removing a learner");
  const joint = applyConfChange(three, swap, "t");
  assert.not.ok(validConfChange(joint, { type: "addVoter", nodeId: "n6" }), "a joint configuration must be left first");
  assert.not.ok(validConfChange(joint, swap), "no joint change while joint");
  assert.ok(validConfChange(joint, { type: "leaveJoint" }));
});

test("§6 joint consensus: enterJoint makes C_old,new (old voters outgoing), leaveJoint makes C_new", () => {
  const joint = applyConfChange(three, swap, "t");
  assert.ok(isJoint(joint));
  assert.equal(joint.voters, ["n2", "n3", "n5"]);
  assert.equal(joint.outgoing, ["n1", "n2", "n3"]);
  assert.ok(isVoter(joint, "n1") && isVoter(joint, "n5"), "both halves vote");
  assert.equal(allVoters(joint), ["n1", "n2", "n3", "n5"]);
  assert.equal(confStateOf(joint), {
    voters: ["n2", "n3", "n5"],
    learners: ["n4"],
    votersOutgoing: ["n1", "n2", "n3"],
    autoLeave: true,
  });
  const left = applyConfChange(joint, { type: "leaveJoint" }, "t");
  assert.not.ok(isJoint(left));
  assert.equal(confStateOf(left), { voters: ["n2", "n3", "n5"], learners: ["n4"] });
  assert.not.ok(applyConfChange(three, { ...swap, autoLeave: false }, "t").autoLeave);
});

test("a joint change names each server once, never demotes a voter to learner in one step, and keeps a voter", () => {
  const bad = (changes: unknown) => validConfChange(three, { type: "enterJoint", changes });
  assert.not.ok(bad([]), "empty");
  assert.not.ok(
    bad([
      { type: "addVoter", nodeId: "n5" },
      { type: "removeVoter", nodeId: "n5" },
    ]),
    "n5 twice",
  );
  assert.not.ok(bad([{ type: "addLearner", nodeId: "n1" }]), "demotion needs two steps");
  assert.not.ok(
    bad([
      { type: "removeVoter", nodeId: "n1" },
      { type: "removeVoter", nodeId: "n2" },
      { type: "removeVoter", nodeId: "n3" },
    ]),
    "no voter left",
  );
  assert.not.ok(bad([{ type: "promote", nodeId: "n4" }]), "unknown type");
  assert.ok(
    bad([
      { type: "addVoter", nodeId: "n4" },
      { type: "addLearner", nodeId: "n6" },
    ]),
  );
});

test("applying a change that validation would refuse is an assertion, not a silent no-op", () => {
  assert.throws(
    () => applyConfChange(three, { type: "leaveJoint" }, "n1"),
    (e: unknown) => e instanceof AssertionFailure && /not joint/.test(e.message),
  );
  const joint = applyConfChange(three, swap, "t");
  assert.throws(
    () => applyConfChange(joint, swap, "n1"),
    (e: unknown) => e instanceof AssertionFailure && /already joint/.test(e.message),
  );
});

test("a leader's progress follows the configuration: newcomers probe from the end and count as active, leavers go", () => {
  const progress = new Map<string, Progress>([
    ["n1", new Progress(5, 4, false)],
    ["n2", new Progress(5, 4, false)],
    ["n3", new Progress(5, 4, false)],
  ]);
  progress.get("n2")!.match = 3;
  const next = applyConfChange(three, swap, "t");
  reconcileProgress(progress, applyConfChange(next, { type: "leaveJoint" }, "t"), 9, 4);
  assert.equal([...progress.keys()], ["n2", "n3", "n5", "n4"], "n1 gone; order of arrival kept");
  const n5 = progress.get("n5")!;
  assert.equal([n5.next, n5.recentActive, n5.isLearner], [10, true, false]);
  assert.ok(progress.get("n4")!.isLearner);
  assert.is(
    mostCaughtUpVoter(next, progress),
    "n2",
    "the removed leader's successor is the voter with the highest match",
  );
});

test.run();
