// kube-ready-truthful on hand-made node logs: a Ready report sent while the pod's container runs passes;
// one sent while it still starts, after it stopped, or after the node rebooted fails; reports of not
// ready are never judged, and at one instant the log's order decides.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import type { NodeEvent } from "../../core/kube/observations.ts";
import { checkReadyTruthful } from "./ready.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const pod = { kind: "Pod", metadata: { name: "web-a", namespace: "default", uid: "p1" } } as unknown as KubeObject;
const versions = [{ time: 10, key: "/registry/pods/default/web-a", rv: 5, object: pod, source: "store" }];
const N = "node-1";
const running = (time: number, uid = "p1"): NodeEvent => ({ time, node: N, kind: "running", uid });
const stopped = (time: number, uid = "p1"): NodeEvent => ({ time, node: N, kind: "stopped", uid });
const reboot = (time: number, node = N): NodeEvent => ({ time, node, kind: "reboot" });
const report = (time: number, ready = true, node = N, uid = "p1"): NodeEvent => ({
  time,
  node,
  kind: "report",
  uid,
  ready,
});
const check = (nodeEvents: NodeEvent[]) => checkReadyTruthful(kubeLog({ versions, nodeEvents }));

test("kube-ready-truthful: Ready reported while the container runs passes; not ready is never judged", () => {
  const r = check([report(100, false), running(200), report(200), report(300)]);
  assert.is(r.verdict, "pass", r.message);
  assert.is(r.message, "2 Ready reports by kubelets, each sent while its pod's container ran (1 containers started)");
});

test("kube-ready-truthful: Ready reported before the container ran fails, naming the pod", () => {
  const r = check([report(150), running(200)]);
  assert.is(r.verdict, "fail");
  assert.is(r.message, "node-1 reported pod default/web-a (uid p1) Ready at 0.000s, but its container had not run yet");
});

test("kube-ready-truthful: Ready after a stop or a reboot fails until the container runs again", () => {
  const afterStop = check([running(100), stopped(200), report(300)]);
  assert.is(afterStop.verdict, "fail");
  assert.match(afterStop.message, "its container had stopped at 0.000s (a stop or a reboot) and not run since");

  const afterReboot = check([running(100), reboot(200), report(300)]);
  assert.is(afterReboot.verdict, "fail");
  assert.match(afterReboot.message, "had stopped");

  const runsAgain = check([running(100), reboot(200), running(300), report(400)]);
  assert.is(runsAgain.verdict, "pass", runsAgain.message);
});

test("kube-ready-truthful: containers are per node, and at one instant the log's order decides", () => {
  // Another node's reboot or container says nothing of this one.
  const otherNode = check([running(100), reboot(150, "node-2"), report(200)]);
  assert.is(otherNode.verdict, "pass", otherNode.message);
  const elsewhere = check([{ time: 100, node: "node-2", kind: "running", uid: "p1" }, report(200)]);
  assert.is(elsewhere.verdict, "fail");
  // A report sent just before the container stops, at the same instant, was true when sent.
  const sameInstant = check([running(100), report(200), stopped(200)]);
  assert.is(sameInstant.verdict, "pass", sameInstant.message);
  const stoppedFirst = check([running(100), stopped(200), report(200)]);
  assert.is(stoppedFirst.verdict, "fail");
});

test.run();
