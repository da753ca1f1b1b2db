// Graceful deletion's decision (BeforeDelete), request by request.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../bugs.ts";
import {
  addedFinalizers,
  beforeDelete,
  deletePending,
  gracePeriodOf,
  hasFinalizers,
  removedByUpdate,
} from "./graceful.ts";
import type { ConfigMap, KubeObject, Pod } from "./types.ts";

const pod = (
  over: { nodeName?: string; grace?: number; phase?: "Running" | "Failed"; deletion?: [number, number] } = {},
): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web-1",
    namespace: "default",
    uid: "u1",
    ...(over.deletion ? { deletionTimestamp: over.deletion[0], deletionGracePeriodSeconds: over.deletion[1] } : {}),
  },
  spec: {
    containers: [{ name: "web", image: "nginx" }],
    ...(over.nodeName !== undefined ? { nodeName: over.nodeName } : {}),
    ...(over.grace !== undefined ? { terminationGracePeriodSeconds: over.grace } : {}),
  },
  status: { phase: over.phase ?? "Running" },
});

const deadline = (d: ReturnType<typeof beforeDelete>) => {
  assert.is(d.kind, "terminate");
  const m = (d as { object: KubeObject }).object.metadata;
  return [m.deletionTimestamp, m.deletionGracePeriodSeconds];
};

test("a pod a node runs is marked terminating for its grace period; one no node runs, or a finished one, goes at once", () => {
  assert.equal(deadline(beforeDelete(pod({ nodeName: "n1", grace: 2 }), undefined, 1_000_000)), [3_000_000, 2]);
  assert.equal(deadline(beforeDelete(pod({ nodeName: "n1", grace: 2 }), 5, 1_000_000)), [6_000_000, 5]);
  assert.equal(beforeDelete(pod({ grace: 2 }), undefined, 0), { kind: "remove" });
  assert.equal(beforeDelete(pod({ nodeName: "n1", grace: 2, phase: "Failed" }), undefined, 0), { kind: "remove" });
  assert.equal(beforeDelete(pod({ nodeName: "n1" }), undefined, 0), { kind: "remove" }, "no grace period: at once");
  assert.equal(beforeDelete(pod({ nodeName: "n1", grace: 2 }), 0, 0), { kind: "remove" }, "grace period 0: at once");
  const cm: ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } };
  assert.is(gracePeriodOf(cm, 30), 0, "only pods are deleted gracefully here");
});

test("a repeated delete may only shorten the grace period, moving the deadline back by the difference and never into the past", () => {
  const terminating = pod({ nodeName: "n1", grace: 3, deletion: [4_000_000, 3] });
  assert.equal(beforeDelete(terminating, 3, 2_000_000), { kind: "pending" }, "the same period changes nothing");
  assert.equal(beforeDelete(terminating, 10, 2_000_000), { kind: "pending" }, "a longer one neither");
  assert.equal(beforeDelete(terminating, undefined, 2_000_000), { kind: "pending" }, "nor none");
  assert.equal(deadline(beforeDelete(terminating, 1, 1_500_000)), [2_000_000, 1]);
  assert.equal(deadline(beforeDelete(terminating, 1, 3_000_000)), [3_000_000, 1], "clamped to now");
  assert.equal(beforeDelete(terminating, 0, 2_000_000), { kind: "remove" }, "the kubelet's grace period 0 removes it");
});

test("a propagation policy puts the garbage collector's finalizer on and keeps the object terminating; Background takes it off again", () => {
  const finalizersOf = (d: ReturnType<typeof beforeDelete>) => {
    assert.is(d.kind, "terminate");
    return (d as { object: KubeObject }).object.metadata.finalizers;
  };
  const running = pod({ nodeName: "n1" });
  assert.equal(beforeDelete(running, undefined, 0, undefined, "Background"), { kind: "remove" }, "nothing to wait for");
  const fg = beforeDelete(running, undefined, 5, undefined, "Foreground");
  assert.equal(finalizersOf(fg), ["foregroundDeletion"]);
  assert.equal(deadline(fg), [5, 0], "no grace period: terminating from now, until the finalizer comes off");
  const stored = (fg as { object: KubeObject }).object;
  assert.equal(
    beforeDelete(stored, undefined, 9, undefined, "Foreground"),
    { kind: "pending" },
    "asked again: no change",
  );
  assert.equal(finalizersOf(beforeDelete(stored, undefined, 9, undefined, "Orphan")), ["orphan"], "the policy swapped");
  assert.equal(
    beforeDelete(stored, undefined, 9, undefined, "Background"),
    { kind: "remove" },
    "Background takes it off, and nothing else holds it",
  );
  const held = { ...running, metadata: { ...running.metadata, finalizers: ["example.com/drain"] } };
  assert.equal(finalizersOf(beforeDelete(held, undefined, 0, undefined, "Orphan")), ["example.com/drain", "orphan"]);
  const graceful = beforeDelete(pod({ nodeName: "n1", grace: 2 }), undefined, 1_000_000, undefined, "Foreground");
  assert.equal(deadline(graceful), [3_000_000, 2], "a pod's grace period still runs");
  assert.equal(finalizersOf(graceful), ["foregroundDeletion"]);
});

test("kube-graceful-delete-extends-deadline: a repeated delete sets the deadline afresh from now", () => {
  const terminating = pod({ nodeName: "n1", grace: 3, deletion: [4_000_000, 3] });
  const bugs = new BugSet(["kube-graceful-delete-extends-deadline"]);
  assert.equal(deadline(beforeDelete(terminating, 3, 2_000_000, bugs)), [5_000_000, 3]);
});

test("a delete's answer tells a removal from a pending graceful delete (202 Accepted)", () => {
  const p = pod({ nodeName: "n1", deletion: [1, 2] });
  assert.ok(deletePending({ ok: true, value: p, accepted: true }));
  assert.not.ok(deletePending({ ok: true, value: p }), "removed");
  assert.not.ok(deletePending({ ok: false, status: { code: 404, reason: "NotFound", message: "", unknown: false } }));
});

test("an object with finalizers is never removed by a delete: it stays terminating with period 0 until they are off", () => {
  const cm: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "default", finalizers: ["a/x"] },
  };
  assert.equal(deadline(beforeDelete(cm, undefined, 7)), [7, 0]);
  const held = { ...pod({ nodeName: "n1", grace: 2, deletion: [4_000_000, 2] }) };
  held.metadata.finalizers = ["a/x"];
  assert.equal(deadline(beforeDelete(held, 0, 1_000_000)), [2_000_000, 0], "the kubelet's delete: period 0, kept");
  const settled = pod({ nodeName: "n1", deletion: [2_000_000, 0] });
  settled.metadata.finalizers = ["a/x"];
  assert.equal(beforeDelete(settled, 0, 3_000_000), { kind: "pending" });
  assert.equal(
    beforeDelete(held, 0, 1_000_000, new BugSet(["kube-finalizers-ignored-at-grace-zero"])),
    { kind: "remove" },
    "kube-finalizers-ignored-at-grace-zero",
  );
  assert.ok(hasFinalizers(held) && !hasFinalizers(pod()));
});

test("an update's result is removed when it is terminating, over its period and without finalizers; added finalizers are named", () => {
  const terminating = pod({ nodeName: "n1", deletion: [1, 0] });
  assert.ok(removedByUpdate(terminating));
  assert.not.ok(removedByUpdate({ ...terminating, metadata: { ...terminating.metadata, finalizers: ["a/x"] } }));
  assert.not.ok(removedByUpdate(pod({ nodeName: "n1", deletion: [1, 2] })), "its grace period still runs");
  assert.not.ok(removedByUpdate(pod({ nodeName: "n1" })));
  const withOne = { ...terminating, metadata: { ...terminating.metadata, finalizers: ["a/x"] } };
  const withTwo = { ...terminating, metadata: { ...terminating.metadata, finalizers: ["a/x", "b/y"] } };
  assert.equal(addedFinalizers(withOne, withTwo), ["b/y"]);
  assert.equal(addedFinalizers(withTwo, withOne), []);
});

test("the first deletionTimestamp bumps the generation (BeforeDelete, markAsDeleting); a shortened deadline does not", () => {
  const generationOf = (d: ReturnType<typeof beforeDelete>) =>
    (d as { object?: KubeObject }).object?.metadata.generation;
  const withGeneration = (p: Pod, generation: number): Pod => ({ ...p, metadata: { ...p.metadata, generation } });
  assert.is(generationOf(beforeDelete(withGeneration(pod({ nodeName: "node-1", grace: 30 }), 3), undefined, 0)), 4);
  // Already terminating: a shorter period moves the deadline, the generation stays.
  const terminating = withGeneration(pod({ nodeName: "node-1", grace: 30, deletion: [30e6, 30] }), 4);
  assert.is(generationOf(beforeDelete(terminating, 10, 5e6)), 4);
  // An object without a generation gets none.
  assert.is(generationOf(beforeDelete(pod({ nodeName: "node-1", grace: 30 }), undefined, 0)), undefined);
  // Finalizers hold an object a delete would remove: marked deleting, its generation bumped once.
  const held = { ...withGeneration(pod(), 2), metadata: { ...withGeneration(pod(), 2).metadata, finalizers: ["x/y"] } };
  const marked = beforeDelete(held, 0, 7e6);
  assert.equal(deadline(marked), [7e6, 0]);
  assert.is(generationOf(marked), 3);
});

test.run();
