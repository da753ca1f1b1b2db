// Testing your own controller against etcd faults: withControllers() runs it beside the built-in
// controllers under a kube scenario's schedule and checkers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { deploymentRollout, withControllers } from "./scenarios.ts";
import { readyCountController } from "../../core/kube/examples/ready-count.ts";
import { defineController } from "../../core/kube/controller.ts";
import { runScenario } from "../runner.ts";

test("the example ready-count controller runs under deployment-rollout's faults and every check passes", () => {
  const s = withControllers(deploymentRollout, [readyCountController()]);
  const r = runScenario({ scenario: s, seed: 1 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const objects = (r.extra!.kube as { objects: { kind: string; name: string }[] }).objects;
  assert.ok(
    objects.some((o) => o.kind === "configmaps" && o.name === "nginx-ready"),
    "the controller's ConfigMap was written",
  );
});

test("a controller whose reconcile throws is a finding, reported with the seed", () => {
  const broken = defineController({
    name: "broken",
    watches: ["Deployment"],
    reconcile: () => {
      throw new Error("boom");
    },
  });
  const r = runScenario({ scenario: withControllers(deploymentRollout, [broken]), seed: 1 });
  assert.is(r.verdict, "fail");
  assert.match(JSON.stringify(r.checks), /boom/);
  assert.match(r.repro, /--seed 1/);
});

test.run();
