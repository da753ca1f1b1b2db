// deployment-rollout seed 25: the network duplicated (5 %) a ReplicaSet controller's create of a pod named
// by generateName, and the apiserver served both copies: two pods under two names for one missing
// replica. Found by kube-replica-creations; an HTTP request over TCP is never delivered twice, so
// apiservers now drop a copy of a request they took.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts } from "../../core/probes.ts";
import { findScenario } from "../registry.ts";
import { runScenario } from "../runner.ts";

const creations = (r: ReturnType<typeof runScenario>) => r.checks.find((c) => c.name === "kube-replica-creations")!;

test("deployment-rollout seed 25: a duplicated create is served once, and every check passes", () => {
  const r = runScenario({ scenario: findScenario("deployment-rollout")!, seed: 25 });
  assert.ok((probeCounts().get("kube.duplicate-request-dropped") ?? 0) >= 1, "no request was duplicated");
  assert.is(creations(r).verdict, "pass", creations(r).message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("the mutant kube-apiserver-serves-duplicates re-creates it: a pod created for a ReplicaSet that had its replicas", () => {
  // Seed 5, the first that catches it since the Deployment controller keeps no mutation cache (10 before, 25 before that).
  const r = runScenario({
    scenario: findScenario("deployment-rollout")!,
    seed: 5,
    bugs: ["kube-apiserver-serves-duplicates"],
  });
  assert.is(creations(r).verdict, "fail");
  assert.match(
    creations(r).message,
    /^pod nginx-\S+ was created at revision \d+ .* which already had 3 active pods for at most 3 replicas/,
  );
});

test.run();
