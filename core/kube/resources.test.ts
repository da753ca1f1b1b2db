import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KeyValue } from "../mvcc/rpc.ts";
import { canonicalJson, decodeObject, encodeObject, registryKey } from "./resources.ts";
import type { ConfigMap, Pod } from "./types.ts";

/** The definition canonicalJson must keep (its first, plain form). */
function reference(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return "[" + v.map((x) => reference(x === undefined ? null : x)).join(",") + "]";
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) {
    const x = o[k];
    if (x === undefined) continue;
    parts.push(JSON.stringify(k) + ":" + reference(x));
  }
  return "{" + parts.join(",") + "}";
}

test("canonicalJson sorts keys and writes what JSON would, as its plain definition does", () => {
  // biome-ignore lint/suspicious/noSparseArray: a hole is one of the cases
  const sparse = [1, , 3];
  const values: unknown[] = [
    null,
    undefined,
    0,
    -1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    "",
    'quote " and \\ and \n and é and \u2028',
    [],
    {},
    [undefined, null, 1, "a", { b: 2, a: 1 }],
    sparse,
    { z: 1, a: { y: [3, { q: undefined, p: null }], x: "s" }, m: undefined, "10": 1, "2": 2, "": 0, é: 1, B: 2 },
    { f: () => 1, nested: [() => 2] },
    { date: new Date(0) },
  ];
  for (const v of values) assert.is(canonicalJson(v), reference(v), String(reference(v)));
  assert.is(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }), "field order does not matter");
});

const pod = (name: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: "u-" + name, labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "nginx:1.25" }] },
  status: { phase: "Pending" },
});

const kvOf = (o: Pod | ConfigMap, modRevision: number): KeyValue => ({
  key: registryKey(o.kind, o.metadata.namespace, o.metadata.name),
  // A fresh string each time, as values arriving in different messages are.
  value: (" " + encodeObject(o)).slice(1),
  createRevision: 2,
  modRevision,
  version: 1,
  lease: 0,
});

test("decodeObject: one committed value read twice is one frozen object, its resourceVersion the mod_revision", () => {
  const a = decodeObject(kvOf(pod("web-1"), 7));
  const b = decodeObject(kvOf(pod("web-1"), 7));
  assert.is(a, b, "shared");
  assert.is(a.metadata.resourceVersion, "7");
  assert.equal(a, { ...pod("web-1"), metadata: { ...pod("web-1").metadata, resourceVersion: "7" } });
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.metadata) && Object.isFrozen((a as Pod).spec.containers[0]));
  // A consumer that changes what it was handed fails loudly instead of changing another's object.
  assert.throws(() => {
    (a as Pod).status!.phase = "Running";
  }, TypeError);
  assert.throws(() => {
    (a as Pod).spec.containers.push({ name: "d", image: "x" });
  }, TypeError);
  assert.throws(() => {
    delete (a.metadata as { resourceVersion?: string }).resourceVersion;
  }, TypeError);
  assert.is((b as Pod).status!.phase, "Pending", "the other consumer sees what etcd holds");
  assert.is(b.metadata.resourceVersion, "7");
});

test("decodeObject: the same bytes at another mod_revision are another version with its own resourceVersion", () => {
  const a = decodeObject(kvOf(pod("web-2"), 7));
  const b = decodeObject(kvOf(pod("web-2"), 9));
  assert.is.not(a, b);
  assert.is(a.metadata.resourceVersion, "7");
  assert.is(b.metadata.resourceVersion, "9");
  assert.is(decodeObject(kvOf(pod("web-2"), 7)).metadata.resourceVersion, "7", "and back again");
  const c = decodeObject(kvOf(pod("web-3"), 9));
  assert.is(c.metadata.name, "web-3", "another value, another object");
});

test("decodeObject: a shared object stays right however many values pass through the memo", () => {
  const first = decodeObject(kvOf(pod("keep"), 5));
  for (let i = 0; i < 10_000; i++) decodeObject(kvOf(pod(`p-${i}`), 100 + i));
  const again = decodeObject(kvOf(pod("keep"), 5));
  assert.equal(again, first);
  assert.is(first.metadata.resourceVersion, "5");
});

test.run();
