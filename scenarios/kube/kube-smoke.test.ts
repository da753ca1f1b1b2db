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

test.run();
