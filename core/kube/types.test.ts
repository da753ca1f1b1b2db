import { test } from "uvu";
import * as assert from "uvu/assert";
import { controllerOf, nodeIsReady, podIsReady, type Condition, type OwnerReference, type Pod } from "./types.ts";

const ref = (name: string, controller?: boolean): OwnerReference =>
  ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name,
    uid: "u-" + name,
    ...(controller === undefined ? {} : { controller }),
  }) as OwnerReference;

const podWith = (conditions: Condition[] | undefined, ownerReferences?: OwnerReference[]): Pod =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", ...(ownerReferences ? { ownerReferences } : {}) },
    spec: { containers: [] },
    status: conditions === undefined ? { phase: "Pending" } : { phase: "Running", conditions },
  }) as Pod;

test("controllerOf answers what ownerReferences.find(controller === true) does", () => {
  const lists: (OwnerReference[] | undefined)[] = [
    undefined,
    [],
    [ref("a")],
    [ref("a", false), ref("b", true), ref("c", true)],
    [ref("a", true)],
  ];
  for (const refs of lists) {
    const p = podWith(undefined, refs);
    assert.is(
      controllerOf(p),
      refs?.find((r) => r.controller === true),
    );
  }
});

test("podIsReady and nodeIsReady answer what conditions.some(Ready and True) does, holes skipped", () => {
  const ready: Condition = { type: "Ready", status: "True" };
  const notReady: Condition = { type: "Ready", status: "False" };
  const other: Condition = { type: "ContainersReady", status: "True" };
  // biome-ignore lint/suspicious/noSparseArray: a hole is one of the cases
  const holes = [, other, ready] as Condition[];
  for (const conditions of [undefined, [], [notReady], [other, ready], [ready, notReady], [other], holes]) {
    const want = conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
    assert.is(podIsReady(podWith(conditions)), want);
    assert.is(
      nodeIsReady({ apiVersion: "v1", kind: "Node", metadata: { name: "n" }, status: { conditions } } as never),
      want,
    );
  }
});

test.run();
