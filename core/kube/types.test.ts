import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  clone,
  controllerOf,
  nodeIsReady,
  podIsReady,
  type Condition,
  type OwnerReference,
  type Pod,
} from "./types.ts";

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

test("clone copies what the JSON round trip copies, field order, dropped fields and errors included", () => {
  // biome-ignore lint/suspicious/noSparseArray: a hole is one of the cases
  const sparse = [1, , 3];
  const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [2] });
  const getter = { x: 1 };
  Object.defineProperty(getter, "g", { get: () => "got", enumerable: true });
  Object.defineProperty(getter, "hidden", { value: 5, enumerable: false });
  const values: unknown[] = [
    null,
    0,
    -0,
    -1.5,
    Number.NaN,
    Number.NEGATIVE_INFINITY,
    true,
    "",
    'quote " \\ \n \u2028 \uD800 é',
    [],
    {},
    [undefined, null, () => 1, Symbol("s"), { b: 2, a: 1 }, -0, Number.NaN],
    sparse,
    { z: 1, a: { y: [3, { q: undefined, p: null }], x: "s" }, m: undefined, "10": 1, "2": 2, "": 0, f: () => 1 },
    { date: new Date(0), map: new Map([[1, 2]]), boxed: new String("s") },
    { withToJSON: { toJSON: () => "replaced" } },
    JSON.parse('{"__proto__": {"a": 1}, "b": 2}'),
    nullProto,
    getter,
    Object.freeze({ frozen: Object.freeze([1, { deep: true }]) }),
  ];
  for (const v of values) {
    const want: unknown = JSON.parse(JSON.stringify(v));
    const got = clone(v);
    assert.equal(got, want, JSON.stringify(v));
    assert.is(JSON.stringify(got), JSON.stringify(want), "same fields in the same order");
    if (v !== null && typeof v === "object") assert.is.not(got, v, "a copy");
  }
  const parsed = clone(JSON.parse('{"__proto__": {"a": 1}}') as object);
  assert.ok(Object.hasOwn(parsed, "__proto__"), "a __proto__ field stays a field");
  assert.is(Object.getPrototypeOf(parsed), Object.prototype);
  assert.not.ok(Object.is(clone({ z: -0 }).z, -0), "-0 becomes 0");
  const shared = { s: 1 };
  const two = clone({ a: shared, b: shared });
  assert.is.not(two.a, two.b, "shared objects are copied apart, as the text would");
  // What the round trip throws, clone throws.
  const cyclic: Record<string, unknown> = {};
  cyclic.self = { back: cyclic };
  assert.throws(() => clone(cyclic), TypeError);
  assert.throws(() => clone({ n: 1n }), TypeError);
  assert.throws(() => clone(undefined), SyntaxError);
  // Deeper than the walk goes: the round trip answers.
  let deep: unknown = "leaf";
  for (let i = 0; i < 300; i++) deep = { d: [deep] };
  assert.equal(clone(deep), JSON.parse(JSON.stringify(deep)));
});

test.run();
