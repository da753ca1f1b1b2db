// kube-smoke: the Deployment flow with no faults, where nothing excuses a dip below replicas − maxUnavailable.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runScenario } from "../runner.ts";
import { kubeSmoke } from "./scenarios.ts";

test("kube-smoke schedules no fault, and its two rollouts are held to the floor", () => {
  const r = runScenario({ scenario: kubeSmoke, seed: 1 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  assert.equal(r.faults, []);
  const floor = r.checks.find((c) => c.name === "kube-min-available")!;
  assert.not.match(floor.message, "explained", "no fault to explain anything");
});

test("kube-smoke seed 164: a scale up moments after a rollout ended is no dip (the rollout checker once counted the last old pod)", () => {
  const r = runScenario({ scenario: kubeSmoke, seed: 164 });
  const floor = r.checks.find((c) => c.name === "kube-min-available")!;
  assert.is(floor.verdict, "pass", floor.message);
  assert.is(r.verdict, "pass");
});

test("kube-smoke seed 424: a scale down mid-rollout on a ReplicaSet status a lost watch event left stale keeps the floor (the Deployment controller once cut the pods that status called unready)", () => {
  // A WatchEvent lost at 4.9 s stalled the controller manager's ReplicaSet informer until a relist at
  // 5.95 s; the new ReplicaSet's status still said 0 ready of its 3 ready pods. The old trim took the
  // scale to 4 off those first, and the statuses of the syncs that deleted them (counting the pods they
  // listed before) let the next rollout step go one pod below the floor. Kubernetes scales in proportion.
  const r = runScenario({ scenario: kubeSmoke, seed: 424 });
  assert.equal(r.faults, []);
  for (const name of ["kube-min-available", "kube-rollout-decisions", "kube-max-surge"]) {
    const c = r.checks.find((c) => c.name === name)!;
    assert.is(c.verdict, "pass", c.message);
  }
  assert.is(r.verdict, "pass");
});

test("kube-smoke seed 1: the nginx Deployment applied from an exported manifest starts with an empty status (the apiserver once kept the one sent)", () => {
  const clean = runScenario({ scenario: kubeSmoke, seed: 1 });
  const created = clean.checks.find((c) => c.name === "kube-create-status")!;
  assert.is(created.verdict, "pass", created.message);
  const kept = runScenario({ scenario: kubeSmoke, seed: 1, bugs: ["kube-create-keeps-status"] });
  const failed = kept.checks.find((c) => c.name === "kube-create-status")!;
  assert.is(failed.verdict, "fail");
  assert.match(
    failed.message,
    /deployments\/default\/nginx was created at revision \d+ with status \{"availableReplicas":3/,
  );
});

test("kube-smoke seed 686 (regression): a scale down observed on a view without the controller's own scale up arms the surge bound only once its view caught up", () => {
  // Scaled 4 → 8 → 4: the Deployment controller (no mutation cache) set its ReplicaSet to 8, then observed
  // the scale to 4 on a view that still had 4; the ReplicaSet made its 8 pods before the controller cut it.
  const r = runScenario({ scenario: kubeSmoke, seed: 686 });
  const surge = r.checks.find((c) => c.name === "kube-max-surge")!;
  assert.is(surge.verdict, "pass", surge.message);
  assert.match(surge.message, "observations made on a view that lagged did not arm the bound");
  assert.is(r.verdict, "pass");
});

test.run();
