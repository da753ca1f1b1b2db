// kube-ready-truthful on hand-made node logs: a Ready report sent while the pod's container runs passes;
// one sent while it still starts, after it stopped, or after the node rebooted fails; reports of not
// ready are never judged, and at one instant the log's order decides.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import type { NodeEvent } from "../../core/kube/observations.ts";
import { checkReadyTruthful } from "./ready.ts";
import type { FaultWindow } from "./rollout.ts";
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
const exited = (time: number, uid = "p1"): NodeEvent => ({ time, node: N, kind: "exited", uid });
const done = (time: number, ok = true, uid = "p1"): NodeEvent => ({ time, node: N, kind: "report-done", uid, ok });
const check = (nodeEvents: NodeEvent[], faults: FaultWindow[] = []) =>
  checkReadyTruthful(kubeLog({ versions, nodeEvents }), { faults });
const S = 1_000_000;

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
  assert.match(
    afterStop.message,
    "its container had stopped at 0.000s (a stop, a death or a reboot) and not run since",
  );

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

test("kube-ready-truthful: a dead container's pod last reported Ready is reported not ready within a second", () => {
  const ready = [running(100), report(200), done(300)];
  const prompt = check([...ready, exited(1 * S), report(1 * S + 5, false), done(1 * S + 9)]);
  assert.is(prompt.verdict, "pass", prompt.message);
  assert.match(
    prompt.message,
    "1 Ready pods lost their container (a death or a reboot): 1 reported not ready within 1.000s",
  );

  const never = check([...ready, exited(1 * S), running(2.5 * S), report(2.5 * S)]);
  assert.is(never.verdict, "fail");
  assert.is(
    never.message,
    "node-1 did not report pod default/web-a (uid p1) not ready within 1.000s of its container's death at 1.000s (it had last reported it Ready), and no fault but container kills in the 3.000s before",
  );
  const late = check([...ready, exited(1 * S), report(2.2 * S, false)]);
  assert.is(late.verdict, "fail");
});

test("kube-ready-truthful: the second counts from the answer to a Ready write in flight; a failed one owes nothing", () => {
  // The Ready write answered 0.8 s after the death: not ready is owed by 1.8 s after it.
  const inFlight = [running(100), report(200), exited(1 * S), done(1.8 * S)];
  assert.is(check([...inFlight, report(2.5 * S, false)]).verdict, "pass");
  assert.is(check([...inFlight, report(2.9 * S, false)]).verdict, "fail");
  // The Ready write failed (its outcome unknown): the pod may never have been Ready, nothing is owed.
  const failed = check([running(100), report(200), exited(1 * S), done(1.1 * S, false)]);
  assert.is(failed.verdict, "pass", failed.message);
  assert.not.match(failed.message, "lost");
});

test("kube-ready-truthful: a reboot owes its own report; a deletion or another fault excuses a late one, a container kill does not", () => {
  const ready = [running(100), report(200), done(300)];
  // The death's report is owed by the new incarnation after a reboot: within a second of the reboot.
  assert.is(check([...ready, exited(1 * S), reboot(1.5 * S), report(1.6 * S, false)]).verdict, "pass");
  const rebootUnpaid = check([...ready, exited(1 * S), reboot(1.5 * S), running(1.7 * S), report(1.7 * S)]);
  assert.is(rebootUnpaid.verdict, "fail");
  assert.match(rebootUnpaid.message, "not ready within 1.000s of the node's reboot at 1.500s");
  // The node's own crash does not excuse its reboot's debt; another process's crash does.
  const ownCrash = [{ start: 1 * S, end: 1.5 * S, kind: "crash", target: "node-1" }];
  assert.is(check([...ready, reboot(1.5 * S)], ownCrash).verdict, "fail");
  assert.is(
    check([...ready, reboot(1.5 * S)], [{ start: 1 * S, end: 1.5 * S, kind: "crash", target: "node-12" }]).verdict,
    "pass",
  );
  // A Ready write still unanswered at the reboot may or may not have landed: nothing is owed.
  assert.is(check([running(100), report(200), reboot(1.5 * S)]).verdict, "pass");
  const deleted = checkReadyTruthful(
    kubeLog({
      versions: [
        ...versions,
        { time: 1.5 * S, key: "/registry/pods/default/web-a", rv: 9, object: null, source: "store" },
      ],
      nodeEvents: [...ready, exited(1 * S)],
    }),
  );
  assert.is(deleted.verdict, "pass", deleted.message);
  const paused = check([...ready, exited(1 * S)], [{ start: 1.2 * S, end: 1.4 * S, kind: "pause", target: "node-1" }]);
  assert.is(paused.verdict, "pass", paused.message);
  assert.match(paused.message, "0 reported not ready within 1.000s, 1 while another fault could delay the report");
  const kills = check(
    [...ready, exited(1 * S)],
    [{ start: 1 * S, end: 1 * S, kind: "container-kill", target: "node-1" }],
  );
  assert.is(kills.verdict, "fail");
});

test("kube-ready-truthful: a pod stored Running only after a container of it ran, with no more restarts than containers made less one", () => {
  const created = (time: number): NodeEvent => ({ time, node: N, kind: "created", uid: "p1" });
  const stored = (time: number, rv: number, phase: "Pending" | "Running", restartCount: number) => ({
    time,
    key: "/registry/pods/default/web-a",
    rv,
    source: "store" as const,
    object: {
      ...pod,
      status: { phase, containerStatuses: [{ name: "nginx", image: "nginx:1", ready: false, restartCount }] },
    } as unknown as KubeObject,
  });
  const run = (vs: ReturnType<typeof stored>[], nodeEvents: NodeEvent[]) =>
    checkReadyTruthful(kubeLog({ versions: vs, nodeEvents }));
  // Created, Pending; it runs; Running; the node reboots and makes a second container: restart count 1.
  const fine = run(
    [stored(150, 5, "Pending", 0), stored(250, 6, "Running", 0), stored(450, 7, "Running", 1)],
    [created(100), running(200), reboot(300), created(400), running(500)],
  );
  assert.is(fine.verdict, "pass", fine.message);
  const early = run([stored(150, 5, "Running", 0)], [created(100), running(200)]);
  assert.is(early.verdict, "fail");
  assert.match(
    early.message,
    "pod default/web-a (uid p1) stored Running at rv 5 (0.000s), but no container of it had run yet",
  );
  const counted = run([stored(250, 6, "Running", 1)], [created(100), running(200)]);
  assert.is(counted.verdict, "fail");
  assert.match(
    counted.message,
    "stored with restartCount 1 at rv 6 (0.000s), but only 1 of its containers had been created",
  );
});

test.run();
