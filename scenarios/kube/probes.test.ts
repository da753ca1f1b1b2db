// The Kubernetes code probes (core/kube/probes.ts) are reached by the kube scenarios: each probe
// below is hit by the named seed. The rest are hit by unit tests beside the code: the registry's
// (create-already-exists, guaranteed-update-cas-retry, list-continue-expired,
// delete-precondition-failed, watch-delete-without-prev-kv) and the controllers'
// (expectations-unsatisfied, expectations-expired, gc-orphan-deleted). adoption-recheck-refused, an
// adoption whose live read finds its Deployment gone or terminating, was reached by no seed of 61..200:
// in controller-conflicts a ReplicaSet is orphaned only once its Deployment is terminating, and no
// Deployment controller's cache showed the orphan before that (an adoption without the recheck passed
// seeds 1..1500).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { KUBE_PROBES } from "../../core/kube/probes.ts";
import { runScenario } from "../runner.ts";
import type { ScenarioDef } from "../types.ts";
import { controllerConflicts, deploymentRollout, type KubeOptions } from "./scenarios.ts";

type KubeProbe = keyof typeof KUBE_PROBES;

function reached(scenario: ScenarioDef<KubeOptions>, seed: number): ReadonlyMap<string, number> {
  resetProbes();
  const r = runScenario({ scenario: scenario, seed });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  return new Map(probeCounts());
}

function expectHits(counts: ReadonlyMap<string, number>, probes: KubeProbe[]): void {
  const missed = probes.filter((p) => !((counts.get(p) ?? 0) > 0));
  assert.equal(missed, [], `not reached: ${missed.join(", ")}`);
}

test("controller-conflicts seed 2 (a bind storm) reaches the informer, apiserver, client, controller and kubelet probes", () => {
  expectHits(reached(controllerConflicts, 2), [
    "kube.informer-relist-after-410",
    "kube.informer-rewatch-after-broken-stream",
    "kube.guaranteed-update-cas-retry",
    "kube.update-conflict",
    "kube.client-request-timeout",
    "kube.watch-stream-gap",
    "kube.expectations-write-failed",
    "kube.workqueue-backoff",
    "kube.kubelet-pod-deleted",
    "kube.compactor-lost-election",
  ]);
});

test("controller-conflicts seed 59 (a bind storm whose scheduler binds with a stale version) reaches the bind conflict", () => {
  expectHits(reached(controllerConflicts, 59), ["kube.bind-conflict"]);
});

test("deployment-rollout seed 12 (the scheduler leader paused) reaches the lease gate and the ReplicaSet expectations", () => {
  expectHits(reached(deploymentRollout, 12), ["kube.gate-refused", "kube.expectations-unsatisfied"]);
});

test("controller-conflicts seeds 18 and 11 (the Deployment deleted with --cascade=foreground, then =orphan) reach the garbage collector's foreground and orphan paths and the adoption of the orphans", () => {
  expectHits(reached(controllerConflicts, 18), [
    "kube.gc-foreground-dependent-deleted",
    "kube.gc-foreground-finalizer-removed",
  ]);
  expectHits(reached(controllerConflicts, 11), [
    "kube.gc-dependent-orphaned",
    "kube.gc-orphan-finalizer-removed",
    "kube.deployment-adopts-replicaset",
  ]);
});

test("every kube probe has a description, and at least ten exist", () => {
  const names = Object.keys(KUBE_PROBES);
  assert.ok(names.length >= 10, `${names.length} probes`);
  for (const n of names) assert.ok(n.startsWith("kube.") && KUBE_PROBES[n as KubeProbe].what.length > 20, n);
});

test.run();
