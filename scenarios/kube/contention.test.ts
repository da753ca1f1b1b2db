// Scheduler contention: controller-conflicts' bind storm makes a bind without its resourceVersion
// precondition move a bound pod to another node (kube-binding), not only break the protocol rule
// (kube-bind-precondition). Measured over seeds 1..30 with every issue-15 fault: a rebind at seed 26 (none in 30 seeds
// before the storm), at seed 6 once the ReplicaSet controller kept no mutation cache (6, 20, 30, 34 and 68 of 1..68), at seed 34 once the Deployment controller scaled down mid-rollout in proportion (the first of 1..40), at seed 59 since it keeps no mutation cache (59 and 113 of 1..113); the protocol rule flags all 30; the clean build passes those seeds.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveRun, runScenario } from "../runner.ts";
import { controllerConflicts, type KubeOptions } from "./scenarios.ts";

test("kube-bind-no-precondition: a stale bind moves a bound pod at controller-conflicts seed 59 (bind storm); the clean build keeps every binding", () => {
  const bad = runScenario({ scenario: controllerConflicts, seed: 59, bugs: ["kube-bind-no-precondition"] });
  assert.ok(
    (bad.options as { bindStormReplicas?: number }).bindStormReplicas !== undefined,
    "seed 59 draws a bind storm",
  );
  const failed = new Map(bad.checks.filter((c) => c.verdict === "fail").map((c) => [c.name, c.message]));
  assert.match(failed.get("kube-bind-precondition") ?? "", "carried no resourceVersion precondition");
  assert.match(failed.get("kube-binding") ?? "", /bound to node-\d at rv \d+, then to node-\d at rv \d+/);
  const clean = runScenario({ scenario: controllerConflicts, seed: 59 });
  assert.is(clean.verdict, "pass", JSON.stringify(clean.checks.filter((c) => c.verdict !== "pass")));
});

test("kube-max-surge: a ReplicaSet scale sent on the old replicas and held by a paused apiserver lands late (controller-conflicts seed 1050): Kubernetes allows it, the clean build passes", () => {
  // The scale to 12 (sent at 1.7 s) landed at 2.19 s, after the scale to 7 was observed; the controller's
  // correction waited on another paused apiserver for 0.75 s.
  const r = runScenario({ scenario: controllerConflicts, seed: 1050 });
  const surge = r.checks.find((c) => c.name === "kube-max-surge");
  assert.is(surge?.verdict, "pass", surge?.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("a Deployment deleted and created again (controller-conflicts seed 360): the old one's ReplicaSets and pods are collected, and a delete held by a paused apiserver cannot take the new one", () => {
  // Found by the first sweep with re-creation: kubectl's delete, sent without preconditions and held by
  // a paused apiserver, landed after the re-create and deleted the new Deployment. It now names the uid.
  // The seed now draws --cascade=orphan for that delete; the regression is the background delete's, run
  // with the seed's options and faults otherwise as they are.
  const { options } = resolveRun(controllerConflicts, 360);
  const drawn = options as KubeOptions;
  assert.ok(drawn.actions.some((a) => a.kind === "delete" && a.cascade === "orphan"));
  const background = {
    ...drawn,
    actions: drawn.actions.map((a) => (a.kind === "delete" ? { at: a.at, kind: a.kind, deployment: a.deployment } : a)),
  };
  const r = runScenario({ scenario: controllerConflicts, seed: 360, options: background });
  const actions = (r.options as { actions: { kind: string }[] }).actions.map((a) => a.kind);
  assert.ok(actions.includes("delete") && actions.at(-1) === "apply", "seed 360 deletes and re-applies nginx");
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  assert.match(
    r.checks.find((c) => c.name === "kube-gc-owner-gone")!.message,
    /^[1-9]\d* deletions by the garbage collector/,
  );
});

test("controller-conflicts seed 901175 (regression): a pod create held behind a paused etcd member lands 1.3 s after the ReplicaSet's controller decided it, and kube-replica-creations judges it from when its apiserver began it", () => {
  // Found by a sweep of seeds 900751..901350: the create's etcd Txn waited on a paused member, and the
  // ReplicaSet had been scaled to 0 for more than the 1 s the check allowed before its landing.
  const r = runScenario({ scenario: controllerConflicts, seed: 901175 });
  const creations = r.checks.find((c) => c.name === "kube-replica-creations")!;
  assert.is(creations.verdict, "pass", creations.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("controller-conflicts seed 7120 (regression): a Deployment deleted and re-applied makes a ReplicaSet under its old one's name, and the old one's late pods do not satisfy the new one's expectations", () => {
  // Found by a sweep of seeds 7001..7150: the ReplicaSet controller resolved a pod's owner by name, so three
  // pods it had made for the deleted ReplicaSet counted as the new one's, which then made its three again
  // (kube-replica-creations). Kubernetes' resolveControllerRef checks the UID; so does the controller now.
  const clean = runScenario({ scenario: controllerConflicts, seed: 7120 });
  const creations = clean.checks.find((c) => c.name === "kube-replica-creations")!;
  assert.is(creations.verdict, "pass", creations.message);
  assert.is(clean.verdict, "pass", JSON.stringify(clean.checks.filter((c) => c.verdict !== "pass")));
  const byName = runScenario({ scenario: controllerConflicts, seed: 7120, bugs: ["kube-rs-expectations-by-name"] });
  assert.is(byName.checks.find((c) => c.name === "kube-replica-creations")!.verdict, "fail");
});

test("controller-conflicts seed 902831 (regression): a ReplicaSet's status write answered after the watch delivered its deletion does not bring it back, and its pods are collected", () => {
  // Found by a sweep of seeds 902351..903350: the answer came late, the controller-manager's informer took
  // it as the newest version of a ReplicaSet it had already seen deleted, and the garbage collector, which
  // looks owners up in that cache, never collected the three pods its ReplicaSet controller had made.
  const r = runScenario({ scenario: controllerConflicts, seed: 902831 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("kube-max-surge: a new ReplicaSet made on a view that had not seen the controller's own scale is followed, not counted (controller-conflicts seed 207)", () => {
  // The Deployment controller (no mutation cache, as client-go's) scaled a ReplicaSet from 2 to 3 and, before
  // its watch delivered that, made the new ReplicaSet of a template change with 1 on a view that still had
  // 2: 5 pods for 3 + maxSurge 1, which maxUnavailable 0 keeps until new pods are ready.
  const r = runScenario({ scenario: controllerConflicts, seed: 207 });
  const surge = r.checks.find((c) => c.name === "kube-max-surge")!;
  assert.is(surge.verdict, "pass", surge.message);
  assert.match(surge.message, "raises decided on a view that lagged");
  const decisions = r.checks.find((c) => c.name === "kube-rollout-decisions")!;
  assert.is(decisions.verdict, "pass", decisions.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("kube-max-surge: a scale down observed on a view without the new ReplicaSet the controller had just made arms no bound (controller-conflicts seed 693)", () => {
  const r = runScenario({ scenario: controllerConflicts, seed: 693 });
  const surge = r.checks.find((c) => c.name === "kube-max-surge")!;
  assert.is(surge.verdict, "pass", surge.message);
  assert.match(surge.message, "observations made on a view that lagged did not arm the bound");
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("controller-conflicts seed 2223 (regression): a Deployment scaled 7 → 6 → 7 mid-rollout, then given a new image, rolls out; Kubernetes' early return in scale() deadlocks it (kubernetes #138036, #138840)", () => {
  // Found by a sweep of seeds 2201..2400: after the scale back to 7, the only active ReplicaSet was at 7 but
  // annotated for 6; scale() left it so, every sync was a scaling event, and the image change never ran.
  const r = runScenario({ scenario: controllerConflicts, seed: 2223 });
  const live = r.checks.find((c) => c.name === "kube-liveness")!;
  assert.is(live.verdict, "pass", live.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const stuck = runScenario({
    scenario: controllerConflicts,
    seed: 2223,
    bugs: ["kube-deployment-scale-skips-stale-annotation"],
  });
  const c = stuck.checks.find((x) => x.name === "kube-liveness")!;
  assert.is(c.verdict, "fail");
  assert.match(c.message, /deployment default\/nginx: 0\/7 ready, 7 pods not created/);
});

test.run();
