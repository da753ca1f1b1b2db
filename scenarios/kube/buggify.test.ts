// BUGGIFY in the Kubernetes scenarios: each seed draws its own set of fault points, and the enabled
// points fire inside the etcd members under the control plane — while every kube check still passes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUGGIFY_SITE_NAMES } from "../../core/buggify.ts";
import { resolveRun, runScenario } from "../runner.ts";
import { controllerConflicts, deploymentRollout } from "./scenarios.ts";

for (const def of [deploymentRollout, controllerConflicts]) {
  test(`${def.name} draws a different set of BUGGIFY points per seed`, () => {
    const sets = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const b = resolveRun(def, seed).options.buggify as string[];
      for (const s of b) assert.ok((BUGGIFY_SITE_NAMES as string[]).includes(s), s);
      sets.add(b.join(","));
    }
    assert.ok(sets.size >= 5, `only ${sets.size} distinct sets over 40 seeds`);
    assert.ok(sets.has(""), "some seeds run without any");
  });
}

test("the points a deployment-rollout seed enables fire in the etcd members, and the rollout still converges", () => {
  const wanted = ["slow-apply", "force-snapshot", "drop-proposal"];
  const fired = new Set<string>();
  for (let seed = 1; seed <= 40 && fired.size < wanted.length; seed++) {
    const enabled = resolveRun(deploymentRollout, seed).options.buggify as string[];
    if (!enabled.some((s) => wanted.includes(s) && !fired.has(s))) continue;
    const r = runScenario({ scenario: deploymentRollout, seed, keepTrace: true });
    assert.is(r.verdict, "pass", `seed ${seed}: ${JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"))}`);
    for (const l of r.traceLines!) {
      if (l.k !== "buggify") continue;
      assert.ok(enabled.includes(l.m!), `seed ${seed}: ${l.m} fired but was not enabled`);
      assert.match(l.p, /^n\d$/, "they fire in the etcd members");
      fired.add(l.m!);
    }
  }
  for (const s of wanted) assert.ok(fired.has(s), `${s} never fired in 40 seeds`);
});

test.run();
