// deployment-rollout seed 1134: apiserver-1 restarted twice, and its new etcd client numbered its
// requests from 1 again; the etcd members took them for duplicates of the previous incarnation's and
// dropped them. A kubelet rebooted during the faults could not list its pods until 3.4 s after the
// heal, then reported a pod unready that the Deployment controller had counted as ready:
// kube-min-available failed with no fault in the 3 s before. Request ids are now per incarnation.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../registry.ts";
import { runScenario } from "../runner.ts";

test("deployment-rollout seed 1134: a restarted apiserver's etcd requests are served; ready pods stay at the floor and every check passes", () => {
  const r = runScenario({ scenario: findScenario("deployment-rollout")!, seed: 1134 });
  const minAvailable = r.checks.find((c) => c.name === "kube-min-available")!;
  assert.is(minAvailable.verdict, "pass", minAvailable.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("the mutant etcd-client-reuses-request-ids re-creates it: on the same seed a member meets a second, different request under a taken id", () => {
  const r = runScenario({
    scenario: findScenario("deployment-rollout")!,
    seed: 1134,
    bugs: ["etcd-client-reuses-request-ids"],
  });
  const assertions = r.checks.find((c) => c.name === "assertions")!;
  assert.is(assertions.verdict, "fail");
  assert.match(assertions.message, /got a second, different kv request numbered \d+ from apiserver-1/);
});

// deployment-rollout seed 15: apiserver-1 crashed at 2.47 s and restarted at 2.90 s; its new etcd client
// numbered its watch streams from 1 again, and member n2, still serving the old incarnation's stream 3,
// took the new stream 3's create for a copy of that one and ignored it: the new stream got the old
// one's responses until it broke. Watch stream ids are now per incarnation, like request ids.
test("deployment-rollout seed 15: a restarted apiserver's etcd watches are served, not taken for its predecessor's", () => {
  const r = runScenario({ scenario: findScenario("deployment-rollout")!, seed: 15 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("the mutant etcd-client-reuses-watch-ids re-creates it: a member meets a second, different watch create under a taken id (seed 142; 15 until the ReplicaSet controller kept no mutation cache)", () => {
  const r = runScenario({
    scenario: findScenario("deployment-rollout")!,
    seed: 142,
    bugs: ["etcd-client-reuses-watch-ids"],
  });
  const assertions = r.checks.find((c) => c.name === "assertions");
  assert.is(assertions?.verdict, "fail");
  assert.match(assertions!.message, /n\d got a second, different watch create numbered \d+ from apiserver-\d/);
});

test.run();
