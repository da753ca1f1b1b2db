// terminating-pods: pods deleted gracefully, deleted again while terminating, and hurried.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { runScenario } from "../runner.ts";
import { terminatingPods } from "./terminating-pods.ts";

test("pods go through terminating to gone: repeated deletes change nothing, a shorter period hurries them", () => {
  resetProbes();
  const r = runScenario({ scenario: terminatingPods, seed: 1 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const counts = probeCounts();
  for (const p of [
    "kube.delete-graceful",
    "kube.delete-already-terminating",
    "kube.kubelet-pod-terminating",
    "kube.kubelet-pod-terminal-phase",
  ])
    assert.ok((counts.get(p) ?? 0) > 0, `${p} reached`);
  const graceful = r.checks.find((c) => c.name === "kube-graceful-delete")!;
  const [, marked, moved] = /^(\d+) objects marked terminating; (\d+) later changes/.exec(graceful.message) ?? [];
  assert.ok(Number(marked) > 5, graceful.message);
  assert.ok(Number(moved) > 0, `a shorter grace period moved some deadline: ${graceful.message}`);
  assert.match(r.checks.find((c) => c.name === "kube-liveness")!.message, /default\/nginx 3\/3/);
});

test("terminating-pods seed 3 (regression): a pod deleted before it had a node, held by its finalizer, is never bound", () => {
  resetProbes();
  const r = runScenario({ scenario: terminatingPods, seed: 3 });
  const bind = r.checks.find((c) => c.name === "kube-bind-precondition")!;
  assert.is(bind.verdict, "pass", bind.message);
  const [, held] = /; (\d+) pods deleted before they had a node, none bound after$/.exec(bind.message) ?? [];
  assert.ok(Number(held) >= 3, bind.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  // Before the fix (the mutant) the scheduler bound them and the apiserver let the binds land.
  const old = runScenario({ scenario: terminatingPods, seed: 3, bugs: ["kube-bind-deleting-pod"] });
  const oldBind = old.checks.find((c) => c.name === "kube-bind-precondition")!;
  assert.is(oldBind.verdict, "fail");
  assert.match(
    oldBind.message,
    /was bound to node-\d at rv \d+ \(.*\), though rv \d+ had it being deleted without a node/,
  );
});

test("terminating-pods seed 8 (regression): a shorter grace period reaching a pod being stopped brings its kill sooner (kubernetes #83916)", () => {
  resetProbes();
  const r = runScenario({ scenario: terminatingPods, seed: 8 });
  assert.ok((probeCounts().get("kube.kubelet-grace-shortened") ?? 0) > 0, "a kubelet shortened a kill");
  const grace = r.checks.find((c) => c.name === "kube-grace-period")!;
  assert.is(grace.verdict, "pass", grace.message);
  const [, shortened] = /\((\d+) shortened by a later delete\)$/.exec(grace.message) ?? [];
  assert.ok(Number(shortened) > 0, grace.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const kept = runScenario({ scenario: terminatingPods, seed: 8, bugs: ["kube-kubelet-ignores-shortened-grace"] });
  const late = kept.checks.find((c) => c.name === "kube-grace-period")!;
  assert.is(late.verdict, "fail");
  assert.match(
    late.message,
    /ran until .* past its kill: its kubelet saw it terminating at .*, and the earliest period it saw \(1 s\)/,
  );
});

test("kube-graceful-delete-extends-deadline: the deadline of a pod deleted again moves later", () => {
  const r = runScenario({ scenario: terminatingPods, seed: 1, bugs: ["kube-graceful-delete-extends-deadline"] });
  const graceful = r.checks.find((c) => c.name === "kube-graceful-delete")!;
  assert.is(graceful.verdict, "fail");
  assert.match(graceful.message, /with the same grace period \(2s\): only a shorter period may move it/);
});

test("kube-kubelet-terminating-without-container: pods with nothing running on their node stay terminating", () => {
  const r = runScenario({ scenario: terminatingPods, seed: 1, bugs: ["kube-kubelet-terminating-without-container"] });
  const liveness = r.checks.find((c) => c.name === "kube-liveness")!;
  assert.is(liveness.verdict, "fail");
  assert.match(liveness.message, /terminating: \d+ pods not yet removed by node-/);
});

test("kube-kubelet-removes-without-terminal-phase: pods leave their nodes Running, and the drain controller waits for good", () => {
  const bug = ["kube-kubelet-removes-without-terminal-phase" as const];
  const r = runScenario({ scenario: terminatingPods, seed: 1, bugs: bug });
  const liveness = r.checks.find((c) => c.name === "kube-liveness")!;
  assert.is(liveness.verdict, "fail");
  assert.match(liveness.message, /terminating: \d+ pods not yet removed by node-/);
  // Without the drain controller's finalizer the pods do go, and kube-graceful-delete sees them go Running.
  const undrained = {
    ...terminatingPods,
    resolve: (rng: Parameters<typeof terminatingPods.resolve>[0]) => ({
      ...terminatingPods.resolve(rng),
      drainFinalizer: false,
    }),
  };
  const graceful = runScenario({ scenario: undrained, seed: 1, bugs: bug }).checks.find(
    (c) => c.name === "kube-graceful-delete",
  )!;
  assert.is(graceful.verdict, "fail");
  assert.match(
    graceful.message,
    /while terminating, its phase still Running: its kubelet writes Failed or Succeeded first/,
  );
  assert.is(runScenario({ scenario: undrained, seed: 1 }).verdict, "pass", "the clean kubelet, undrained");
});

test("kubectl's force delete (grace period 0) takes running pods away at once, and pod safety excuses it", () => {
  const forced = {
    ...terminatingPods,
    resolve: (rng: Parameters<typeof terminatingPods.resolve>[0]) => ({
      ...terminatingPods.resolve(rng),
      drainFinalizer: false,
      actions: [{ at: 3_500_000, kind: "delete-pods" as const, selector: "app=nginx", gracePeriodSeconds: 0 }],
    }),
  };
  const r = runScenario({ scenario: forced, seed: 1 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("terminating-pods seed 900338 (regression): a kubelet's Running report that lands after its Succeeded is refused", () => {
  // Found by a sweep of seeds 900151..900750: a status write sent just before the pod was deleted timed
  // out at the client, the kubelet wrote the pod's terminal phase, and the late write, applied after it,
  // took the pod back to Running (kube-binding: a terminal phase is final). Since the ReplicaSet controller
  // keeps no mutation cache the timing differs and no seed swept (1..300, 900151..901500, and 1..150 of four
  // other Kubernetes scenarios) sends such a late write; the apiserver's refusal is held by the unit test "a
  // pod's terminal phase is final" (core/kube/apiserver.test.ts), and the seed by its verdict.
  const r = runScenario({ scenario: terminatingPods, seed: 900338 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("seed 89: a new leader's first list does not lower the ReplicaSet controller's expectations under its first sync", () => {
  // The ReplicaSet controller keeps no mutation cache: kcm-2, leading again at 5.5 s, made four pods while
  // its new informers' first list was still being handed to its handlers, whose adds of pods it had never
  // made took its expectations to -3; its next sync, on a cache without its four, made them again.
  const r = runScenario({ scenario: terminatingPods, seed: 89 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("seed 155 (regression): pods made for a ReplicaSet count its controller's stalled watch still showed are no overshoot", () => {
  // kcm-1's ReplicaSet watch lost an event at about 3 s and showed a scale down to 1 only 1.3 s later; the
  // ReplicaSet controller (client-go's keeps no mutation cache, nor does the Deployment controller) made
  // two pods for the count of before meanwhile, past the view lag the store's counts allow.
  const r = runScenario({ scenario: terminatingPods, seed: 155 });
  const creations = r.checks.find((c) => c.name === "kube-replica-creations")!;
  assert.is(creations.verdict, "pass", creations.message);
  assert.match(creations.message, "more for a count the creating controller's cache still held");
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test.run();
