// The controller API's defaults.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultKeysFor, defineController, type ControllerDef } from "./controller.ts";
import { nsName, type KubeObject, type OwnerReference } from "./types.ts";

const def: ControllerDef = defineController({ name: "rs", watches: ["ReplicaSet", "Pod"], reconcile: () => [] });

const podOwnedBy = (refs: OwnerReference[] | undefined, namespace?: string): KubeObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", ...(namespace ? { namespace } : {}), ...(refs ? { ownerReferences: refs } : {}) },
    spec: { containers: [] },
  }) as KubeObject;

const ref = (kind: string, name: string): OwnerReference =>
  ({ apiVersion: "apps/v1", kind, name, uid: "u-" + name, controller: true }) as OwnerReference;

test("defaultKeysFor: the primary kind's own key; a secondary kind's owners of the primary kind, in order", () => {
  const rs = { ...podOwnedBy(undefined, "default"), kind: "ReplicaSet" } as KubeObject;
  assert.equal(defaultKeysFor(def, "ReplicaSet", rs), ["default/p"]);
  const cases: (OwnerReference[] | undefined)[] = [
    undefined,
    [],
    [ref("ReplicaSet", "a")],
    [ref("Deployment", "d"), ref("ReplicaSet", "b"), ref("ReplicaSet", "c")],
    [ref("Job", "j")],
    // A sparse array: filter skips the hole.
    Object.assign(new Array<OwnerReference>(3), { 0: ref("ReplicaSet", "x"), 2: ref("ReplicaSet", "z") }),
  ];
  for (const ns of ["default", undefined]) {
    for (const refs of cases) {
      const pod = podOwnedBy(refs, ns);
      const want = (refs ?? []).filter((r) => r.kind === "ReplicaSet").map((r) => nsName(ns, r.name));
      assert.equal(defaultKeysFor(def, "Pod", pod), want);
    }
  }
  assert.equal(defaultKeysFor(def, "Pod", podOwnedBy([ref("ReplicaSet", "a"), ref("ReplicaSet", "b")], "ns")), [
    "ns/a",
    "ns/b",
  ]);
});

test("defineController refuses a namespace that is no DNS label and a pending that is no function", () => {
  const base = { name: "t", watches: ["Pod"] as const, reconcile: () => [] };
  assert.throws(
    () => defineController({ ...base, watches: [...base.watches], namespace: "Shop" }),
    /namespace: expected a lowercase DNS label, got "Shop"/,
  );
  assert.throws(() => defineController({ ...base, watches: [...base.watches], namespace: "" }), /namespace/);
  assert.throws(
    () => defineController({ ...base, watches: [...base.watches], pending: "no" as unknown as () => string[] }),
    /pending: expected a function/,
  );
  assert.is(
    defineController({ ...base, watches: [...base.watches], namespace: "shop-canary" }).namespace,
    "shop-canary",
  );
});

test.run();
