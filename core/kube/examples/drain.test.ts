// The drain example: a finalizer put on while a pod lives, taken off only once its release is on record.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CacheReader } from "../controller.ts";
import type { ConfigMap, Kind, KubeObject, Pod } from "../types.ts";
import { DRAIN_FINALIZER, drainPending, reconcileDrain } from "./drain.ts";

const pod = (meta: Partial<Pod["metadata"]> = {}): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "nginx-1",
    namespace: "default",
    uid: "u1",
    resourceVersion: "7",
    labels: { app: "nginx" },
    ...meta,
  },
  spec: { containers: [{ name: "nginx", image: "nginx" }], nodeName: "node-1" },
});

function cache(objects: KubeObject[]): CacheReader {
  const key = (o: KubeObject) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
  const byKey = new Map(objects.map((o) => [key(o), o]));
  return { get: (kind: Kind, k: string) => byKey.get(`${kind} ${k}`) } as unknown as CacheReader;
}

const run = (objects: KubeObject[]) => reconcileDrain("default/nginx-1", cache(objects), "app", "nginx").writes;

test("a live pod gets the finalizer once; a terminating one never does", () => {
  assert.equal(run([pod()]), [
    {
      op: "patch",
      kind: "Pod",
      namespace: "default",
      name: "nginx-1",
      patch: { metadata: { finalizers: [DRAIN_FINALIZER] } },
    },
  ]);
  assert.equal(run([pod({ finalizers: [DRAIN_FINALIZER] })]), []);
  assert.equal(run([pod({ deletionTimestamp: 5, deletionGracePeriodSeconds: 2 })]), []);
  assert.equal(run([pod({ labels: { app: "other" } })]), [], "not its selector");
});

test("a terminating pod is released only once its kubelet is done (a terminal phase): recorded, then the finalizer off", () => {
  const terminating = (period: number, phase?: "Running" | "Failed" | "Succeeded", nodeName = "node-1"): Pod => {
    const p = pod({
      deletionTimestamp: 5,
      deletionGracePeriodSeconds: period,
      finalizers: ["other/x", DRAIN_FINALIZER],
    });
    return { ...p, spec: { ...p.spec, nodeName }, ...(phase ? { status: { phase } } : {}) };
  };
  assert.equal(run([terminating(2, "Running")]), [], "its containers may still run");
  assert.equal(run([terminating(0, "Running")]), [], "deleted with period 0: its kubelet has yet to stop them");
  assert.is(run([terminating(0, "Running", "")]).length, 2, "no node runs it: nothing to wait for");
  assert.is(run([terminating(2, "Succeeded")]).length, 2, "stopped within its grace period");
  const writes = run([terminating(0, "Failed")]);
  assert.is(writes.length, 2);
  assert.equal((writes[0] as { object: ConfigMap }).object.data, { "nginx-1": "u1" });
  assert.equal(writes[1], {
    op: "patch",
    kind: "Pod",
    namespace: "default",
    name: "nginx-1",
    // Conditional on the version read: a merge patch replaces the whole list.
    patch: { metadata: { resourceVersion: "7", finalizers: ["other/x"] } },
  });
  const recorded: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "nginx-drained", namespace: "default" },
    data: { "nginx-1": "u1" },
  };
  assert.is(run([terminating(0, "Failed"), recorded]).length, 1, "already on record: only the finalizer comes off");
  assert.equal(drainPending([terminating(0, "Failed"), pod()]), ["pod default/nginx-1 terminating, not yet drained"]);
});

test.run();
