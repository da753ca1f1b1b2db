// Regression (issue 15, item 3): skew beyond client-go's leader-election margin (leaseDuration −
// renewDeadline). With the lease timed on the wall clock, deployment-rollout at seed 269 with these
// options had two schedulers act as leader at once; elapsed time is now monotonic.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { loadScenario } from "../loader.ts";
import { runScenario } from "../runner.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/leader-wall-clock-269.json", import.meta.url));

function run(bugs: "kube-leader-wall-clock"[] = []) {
  const l = loadScenario(FIXTURE);
  return runScenario({ scenario: l.def, seed: l.seed!, ...(l.options ? { options: l.options } : {}), bugs });
}

test("skew past the leader-election margin: one scheduler leads at a time (the fixed build)", () => {
  const r = run();
  const leader = r.checks.find((c) => c.name === "kube-leader")!;
  assert.is(leader.verdict, "pass", leader.message);
});

test("the same run with kube-leader-wall-clock has two schedulers act as leader at once", () => {
  const r = run(["kube-leader-wall-clock"]);
  const leader = r.checks.find((c) => c.name === "kube-leader")!;
  assert.is(leader.verdict, "fail");
  assert.match(leader.message, "two leaders of kube-system/kube-scheduler");
});

test.run();
