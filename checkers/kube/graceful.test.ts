// kube-graceful-delete on hand-made store histories.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { KubeRecorder } from "../../core/kube/observations.ts";
import type { Pod } from "../../core/kube/types.ts";
import { checkGracefulDeletion } from "./graceful.ts";

const KEY = "/registry/pods/default/web-1";
const pod = (deletion?: [number, number], uid = "u1", phase?: "Running" | "Succeeded" | "Failed"): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web-1",
    namespace: "default",
    uid,
    ...(deletion ? { deletionTimestamp: deletion[0], deletionGracePeriodSeconds: deletion[1] } : {}),
  },
  spec: { containers: [{ name: "web", image: "nginx" }], nodeName: "node-1" },
  ...(phase ? { status: { phase } } : {}),
});

/** The store's history of one key: [rv, object or null]. */
function verdict(history: [number, Pod | null][]): { verdict: string; message: string } {
  const rec = new KubeRecorder(() => 0);
  for (const [rv, obj] of history) rec.version(KEY, rv, obj === null ? undefined : 2, obj, "store");
  return checkGracefulDeletion(rec.snapshot());
}

test("a deadline set once, shortened by the difference, and the pod removed, passes", () => {
  const r = verdict([
    [2, pod()],
    [3, pod([5_000_000, 3])],
    [4, pod([5_000_000, 3])],
    [5, pod([3_000_000, 1])],
    [6, pod([3_000_000, 1], "u1", "Succeeded")],
    [7, null],
    [8, pod(undefined, "u2")],
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /1 objects marked terminating; 1 later changes/);
});

test("a deadline moved later with the same grace period fails (kubernetes PR #27539)", () => {
  const r = verdict([
    [2, pod()],
    [3, pod([5_000_000, 3])],
    [4, pod([6_000_000, 3])],
  ]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /moved from 5\.000s to 6\.000s with the same grace period \(3s\)/);
});

test("a grace period that grows, a deadline moved back too far, or one that goes away, fails", () => {
  assert.match(
    verdict([
      [3, pod([5_000_000, 3])],
      [4, pod([5_000_000, 5])],
    ]).message,
    /grew from 3s to 5s/,
  );
  assert.match(
    verdict([
      [3, pod([5_000_000, 3])],
      [4, pod([2_000_000, 2])],
    ]).message,
    /by more than that/,
  );
  assert.match(
    verdict([
      [3, pod([5_000_000, 3])],
      [4, pod()],
    ]).message,
    /now is not/,
  );
});

test("a shorter period on a deadline already passed may set it to the apiserver's now, later than it was", () => {
  assert.is(
    verdict([
      [3, pod([5_000_000, 3])],
      [4, pod([7_000_000, 1])],
    ]).verdict,
    "pass",
  );
});

test("an object removed with a finalizer on fails, unless an update sent to take off its last one removed it", () => {
  const held = (deletion?: [number, number]) => ({
    ...pod(deletion, "u1", deletion ? "Failed" : "Running"),
    metadata: { ...pod(deletion).metadata, finalizers: ["a/x"] },
  });
  const history: [number, Pod | null][] = [
    [2, held()],
    [3, held([5_000_000, 0])],
    [4, null],
  ];
  assert.match(verdict(history).message, /removed at revision 4 \(0\.000s\) with finalizers \["a\/x"\] still on it/);
  const rec = new KubeRecorder(() => 0);
  rec.finalizingUpdate(KEY, 3);
  for (const [rv, obj] of history) rec.version(KEY, rv, obj === null ? undefined : 2, obj, "store");
  assert.is(checkGracefulDeletion(rec.snapshot()).verdict, "pass");
});

test("a finalizer added to a terminating object fails; one taken off passes", () => {
  const withFinalizers = (f: string[]): Pod => ({
    ...pod([5_000_000, 3]),
    metadata: { ...pod([5_000_000, 3]).metadata, finalizers: f },
  });
  assert.match(
    verdict([
      [3, withFinalizers(["a/x"])],
      [4, withFinalizers(["a/x", "b/y"])],
    ]).message,
    /finalizers \["b\/y"\] added while it was terminating/,
  );
  assert.is(
    verdict([
      [3, withFinalizers(["a/x", "b/y"])],
      [4, withFinalizers(["a/x"])],
    ]).verdict,
    "pass",
  );
});

test("a pod with a grace period removed while its container still ran fails, unless it was stopped first or force-deleted", () => {
  const graced = (): Pod => ({ ...pod(), spec: { ...pod().spec, terminationGracePeriodSeconds: 2 } });
  const judge = (events: { time: number; kind: "created" | "running" | "stopped" | "reboot" }[], force?: number) => {
    let t = 0;
    const rec = new KubeRecorder(() => t);
    for (const e of events) {
      t = e.time;
      if (e.kind === "reboot") rec.nodeEvent({ node: "node-1", kind: "reboot" });
      else rec.nodeEvent({ node: "node-1", kind: e.kind, uid: "u1" });
    }
    t = 1_000;
    rec.version(KEY, 2, 2, graced(), "store");
    if (force !== undefined) {
      t = force;
      rec.forceDelete(KEY, "kubectl");
    }
    t = 5_000;
    rec.version(KEY, 3, undefined, null, "store");
    return checkGracefulDeletion(rec.snapshot());
  };
  const ran = [
    { time: 100, kind: "created" as const },
    { time: 200, kind: "running" as const },
  ];
  assert.match(
    judge(ran).message,
    /removed at revision 3 \(0\.005s\) while its container still ran on node-1, and no one force-deleted it/,
  );
  assert.is(judge([...ran, { time: 4_000, kind: "stopped" }]).verdict, "pass", "stopped first");
  assert.is(judge([...ran, { time: 4_000, kind: "reboot" }]).verdict, "pass", "gone with its node's reboot");
  assert.is(judge(ran, 4_500).verdict, "pass", "force-deleted");
});

test("a terminating pod removed from its node before its phase is terminal fails (Kubernetes 1.27 on), unless force-deleted", () => {
  const history = (last: "Running" | "Failed" | "Succeeded", nodeName = "node-1"): [number, Pod | null][] => {
    const terminating = (phase: "Running" | "Failed" | "Succeeded"): Pod => {
      const p = pod([5_000_000, 2], "u1", phase);
      return { ...p, spec: { ...p.spec, nodeName } };
    };
    return [
      [2, pod(undefined, "u1", "Running")],
      [3, terminating("Running")],
      [4, terminating(last)],
      [5, null],
    ];
  };
  assert.match(
    verdict(history("Running")).message,
    /removed at revision 5 \(0\.000s\) from node node-1 while terminating, its phase still Running/,
  );
  assert.is(verdict(history("Failed")).verdict, "pass", "Failed first");
  assert.is(verdict(history("Succeeded")).verdict, "pass", "Succeeded first");
  assert.is(verdict(history("Running", "")).verdict, "pass", "no node ran it");
  const rec = new KubeRecorder(() => 0);
  for (const [rv, obj] of history("Running")) {
    if (obj === null) rec.forceDelete(KEY, "kubectl");
    rec.version(KEY, rv, obj === null ? undefined : 2, obj, "store");
  }
  assert.is(checkGracefulDeletion(rec.snapshot()).verdict, "pass", "force-deleted");
});

test.run();
