// node-failures: nodes marked Unknown, tainted and emptied when their kubelets go silent, and never
// when a kubelet only stepped its clock.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { runScenario } from "../runner.ts";
import { nodeFailures } from "./node-failures.ts";

const check = (r: ReturnType<typeof runScenario>, name: string) => r.checks.find((c) => c.name === name)!;
const failing = (r: ReturnType<typeof runScenario>) => JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"));

test("node-failures seed 1: a cut-off node is marked Unknown, tainted and emptied, then Ready and untainted again, and kube-node-health judges it", () => {
  resetProbes();
  const r = runScenario({ scenario: nodeFailures, seed: 1 });
  assert.is(r.verdict, "pass", failing(r));
  const hits = probeCounts();
  for (const p of [
    "kube.node-marked-unknown",
    "kube.node-pods-marked-not-ready",
    "kube.node-tainted",
    "kube.node-pod-evicted",
    "kube.kubelet-node-ready-again",
    "kube.node-untainted",
  ])
    assert.ok((hits.get(p) ?? 0) > 0, `${p} not reached`);
  assert.match(check(r, "kube-node-health").message, /^2 nodes marked Unknown, .*; 1 pods evicted/);
});

test("node-failures seed 1: a controller that counts a renewal only when its renewTime goes up marks a node Unknown whose kubelet stepped its clock back (kubernetes #113081)", () => {
  const r = runScenario({ scenario: nodeFailures, seed: 1, bugs: ["kube-node-lease-renew-time-before"] });
  const c = check(r, "kube-node-health");
  assert.is(c.verdict, "fail");
  assert.match(c.message, /^kcm-\d marked node-\d Unknown at .* though its informer had delivered a renewal/);
});

test("node-failures seed 31 (regression): a kubelet whose clock stepped back notices its dead watch once the partition heals, and stops the containers of the pods evicted meanwhile", () => {
  const r = runScenario({ scenario: nodeFailures, seed: 31 });
  assert.is(r.verdict, "pass", failing(r));
  // Timed on the wall clock, the watch's silence hid behind the clock's step, and liveness names the container.
  const wall = runScenario({ scenario: nodeFailures, seed: 31, bugs: ["kube-client-watch-wall-clock"] });
  const liveness = check(wall, "kube-liveness");
  assert.is(liveness.verdict, "fail");
  assert.match(liveness.message, /containers of deleted pods still running \(pod uids 683124ec-/);
});

test("node-failures seed 4: the pods marked not ready on an unreachable node are Ready again once it is back; a kubelet that trusts its status cache leaves them not ready (kubernetes #80968)", () => {
  resetProbes();
  const r = runScenario({ scenario: nodeFailures, seed: 4 });
  assert.is(r.verdict, "pass", failing(r));
  assert.ok((probeCounts().get("kube.node-pods-marked-not-ready") ?? 0) > 0);
  const cached = runScenario({ scenario: nodeFailures, seed: 4, bugs: ["kube-kubelet-trusts-status-cache"] });
  const liveness = check(cached, "kube-liveness");
  assert.is(liveness.verdict, "fail");
  assert.match(liveness.message, /pod not ready on node-\d/);
});

test("node-failures seed 900128 (regression): a kubelet cut off for 10 s finds its pods again through a relist that one lost packet delays past 3 s, and kube-min-available forgives that (5 s)", () => {
  // Found by a sweep of seeds 900001..900150: node-2's pods, marked not ready while it was cut off, were
  // Ready again 3.2 s after the heal (a watch retry, 410 Gone, a list lost to the link's 0.2% loss, its
  // timeout and another backoff), and the 3 s window every other scenario uses failed the run.
  const r = runScenario({ scenario: nodeFailures, seed: 900128 });
  assert.is(check(r, "kube-min-available").verdict, "pass", check(r, "kube-min-available").message);
  assert.is(r.verdict, "pass", failing(r));
});

test("node-failures seed 901392 (regression): pods are evicted a toleration after the informer delivered the taint, not after the controller's own write of it", () => {
  // Found by a sweep of seeds 901351..902350: the controller's cache held its own taint write 116 ms before
  // its informer delivered it, and the tolerations ran from the earlier moment (kube-node-health).
  const r = runScenario({ scenario: nodeFailures, seed: 901392 });
  assert.is(check(r, "kube-node-health").verdict, "pass", check(r, "kube-node-health").message);
  assert.is(r.verdict, "pass", failing(r));
});

test.run();
