import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KeyValue } from "../mvcc/rpc.ts";
import {
  canonicalEqual,
  canonicalJson,
  decodeObject,
  encodeObject,
  isDecodedDeployment,
  registryKey,
  sortKeys,
} from "./resources.ts";
import type { ConfigMap, Deployment, KubeObject, Pod } from "./types.ts";

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

test("canonicalEqual says what comparing canonicalJson says, on values built to collide", () => {
  // A small deterministic generator: few distinct leaves, so equal and near-equal pairs are common.
  let x = 12345;
  const next = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const leaves: unknown[] = [
    null,
    undefined,
    0,
    -0,
    1,
    1.5,
    "1",
    "",
    "a",
    true,
    false,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    () => 1,
    new Date(0),
  ];
  const keys = ["a", "b", "c", "10", "2"];
  const gen = (depth: number): unknown => {
    const r = next(10);
    if (depth === 0 || r < 4) return leaves[next(leaves.length)];
    if (r < 7) {
      const n = next(4);
      const arr: unknown[] = [];
      for (let i = 0; i < n; i++) arr.push(gen(depth - 1));
      if (next(8) === 0) arr.length += 1; // a trailing hole
      if (next(8) === 0 && arr.length > 1) delete arr[0];
      return arr;
    }
    const o: Record<string, unknown> = {};
    const n = next(4);
    for (let i = 0; i < n; i++) o[keys[next(keys.length)]!] = gen(depth - 1);
    if (next(10) === 0) return Object.assign(Object.create(null), o);
    return o;
  };
  let equal = 0;
  for (let i = 0; i < 20_000; i++) {
    const a = gen(3);
    const b = next(3) === 0 ? structuredCloneish(a) : gen(3);
    const want = canonicalJson(a) === canonicalJson(b);
    if (want) equal++;
    assert.is(canonicalEqual(a, b), want, `${canonicalJson(a)} vs ${canonicalJson(b)}`);
    assert.is(canonicalEqual(b, a), want);
  }
  assert.ok(equal > 3000, `enough equal pairs to mean something (${equal})`);
  // The cases it is for: field order, undefined fields, undefined elements, shared subtrees.
  const shared = { containers: [{ name: "c", image: "i" }] };
  assert.ok(canonicalEqual({ a: 1, b: shared, u: undefined }, { b: shared, a: 1 }));
  assert.ok(canonicalEqual([undefined, 1], [null, 1]));
  assert.ok(!canonicalEqual({ a: 1 }, { a: 1, b: null }));
  assert.ok(!canonicalEqual({ toString: 1 }, {}), "an inherited field is not a field");
  assert.ok(!canonicalEqual({ toString: null }, { b: null }), "not even one that writes like the other's");
  // biome-ignore lint/suspicious/noSparseArray: the one hole that writes like an empty array
  assert.is(canonicalEqual([,], []), canonicalJson([,]) === canonicalJson([]));
});

/** A copy that keeps undefined fields and holes (JSON would not), so equal pairs are not all identical. */
function structuredCloneish(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) if (i in v) out[i] = structuredCloneish(v[i]);
    return out;
  }
  if (
    v !== null &&
    typeof v === "object" &&
    (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
  ) {
    const out: Record<string, unknown> = Object.getPrototypeOf(v) === null ? Object.create(null) : {};
    for (const k of Object.keys(v).reverse()) out[k] = structuredCloneish((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

const pod = (name: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: "u-" + name, labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "nginx:1.25" }] },
  status: { phase: "Pending" },
});

const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", uid: "u-" + name },
  data,
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

test("encodeObject writes canonicalJson of the object with metadata less its resourceVersion, as a copy would", () => {
  const literal = (o: KubeObject): string => {
    const { resourceVersion: _rv, ...meta } = o.metadata;
    return reference({ ...o, metadata: meta });
  };
  const base = pod("enc");
  const objects: KubeObject[] = [
    base,
    { ...base, metadata: { ...base.metadata, resourceVersion: "12" } },
    { ...base, metadata: { resourceVersion: "3", name: "x", namespace: undefined } } as unknown as KubeObject,
    // resourceVersion elsewhere than metadata stays, an undefined field goes, field order does not count
    {
      spec: { resourceVersion: "1", z: undefined, a: [1, undefined, "q"] },
      metadata: { uid: "u", name: "y", resourceVersion: "4", labels: { b: "2", a: "1" } },
      kind: "ConfigMap",
      apiVersion: "v1",
      status: undefined,
    } as unknown as KubeObject,
    { kind: "ConfigMap", metadata: {} } as unknown as KubeObject,
  ];
  for (const o of objects) assert.is(encodeObject(o), literal(o), JSON.stringify(o));
  // Shapes where the fast way would read other fields than a copy has: the literal way still runs.
  const hidden = { kind: "ConfigMap" } as unknown as KubeObject;
  Object.defineProperty(hidden, "metadata", { value: { name: "h", resourceVersion: "9" }, enumerable: false });
  assert.is(encodeObject(hidden), '{"kind":"ConfigMap","metadata":{"name":"h"}}');
  const arrayMeta = { kind: "ConfigMap", metadata: ["a"] } as unknown as KubeObject;
  assert.is(encodeObject(arrayMeta), '{"kind":"ConfigMap","metadata":{"0":"a"}}');
  assert.throws(() => encodeObject({ kind: "ConfigMap" } as unknown as KubeObject), TypeError);
});

test("sortKeys orders field names as Array.prototype.sort does, short lists and long", () => {
  const alphabet = ["a", "B", "z", "_", "0", "10", "9", "é", "\u{1F600}", "\uFFFF", "\uD800", "", "aa", "a0"];
  let x = 12345;
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  for (let round = 0; round < 500; round++) {
    const n = rand(40);
    const keys = new Set<string>();
    for (let i = 0; i < n; i++) keys.add(alphabet[rand(alphabet.length)]! + alphabet[rand(alphabet.length)]!);
    const list = [...keys];
    const want = [...list].sort();
    const got = sortKeys(list);
    assert.is(got, list, "in place");
    assert.equal(got, want);
  }
});

test("encodeObject then decodeObject: the tree JSON.parse makes of the bytes, the same at every version", () => {
  const odd = (name: string) =>
    ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default", resourceVersion: "99", labels: { "10": "a", "9": "b", z: "c", a: "d" } },
      data: {
        zero: -0,
        nan: Number.NaN,
        inf: Number.NEGATIVE_INFINITY,
        gone: undefined,
        f: () => 1,
        list: [1, undefined, -0, "é\uD800", null, [true, { b: 1, a: [] }]],
        big: 1e21,
        tiny: 5e-324,
        when: new Date(0),
      },
    }) as unknown as KubeObject;
  for (const [i, o] of [odd("rt-1"), pod("rt-2"), cm("rt-3", { k: "v" })].entries()) {
    const value = encodeObject(o);
    const kv = (rv: number): KeyValue => ({
      key: "/k",
      value,
      createRevision: 1,
      modRevision: rv,
      version: 1,
      lease: 0,
    });
    const first = decodeObject(kv(100 + i));
    const second = decodeObject(kv(200 + i)); // another version of the same bytes
    assert.is.not(first, second);
    const parsed = JSON.parse(value) as KubeObject;
    parsed.metadata.resourceVersion = String(100 + i);
    // JSON.stringify writes fields in their order: equal strings are equal trees in equal order.
    assert.is(JSON.stringify(first), JSON.stringify(parsed));
    assert.equal(first, parsed);
    if (i === 0) assert.ok(Object.is((first as ConfigMap).data!.zero, 0), "-0 reads back as 0");
    assert.is(
      JSON.stringify({ ...second, metadata: { ...second.metadata, resourceVersion: "x" } }),
      JSON.stringify({ ...first, metadata: { ...first.metadata, resourceVersion: "x" } }),
    );
    assert.is(encodeObject(first), value, "and it encodes to the same bytes");
    const frozen = (x: unknown): boolean =>
      x === null || typeof x !== "object" || (Object.isFrozen(x) && Object.values(x).every(frozen));
    assert.ok(frozen(first) && frozen(second));
  }
  // The decoded object shares nothing with what was encoded.
  const source = cm("rt-4", { k: "v" });
  const value = encodeObject(source);
  const got = decodeObject({ key: "/k", value, createRevision: 1, modRevision: 5, version: 1, lease: 0 }) as ConfigMap;
  assert.is.not(got.data, source.data);
  assert.is.not(got.metadata, source.metadata);
  assert.is(source.metadata.resourceVersion, undefined, "the source is not stamped");
});

test("decodeObject: odd bytes decode as JSON.parse has them", () => {
  const withProto = JSON.parse(
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"},"data":{"__proto__":"x"}}',
  );
  const value = encodeObject(withProto as KubeObject);
  const got = decodeObject({ key: "/k", value, createRevision: 1, modRevision: 3, version: 1, lease: 0 }) as ConfigMap;
  assert.ok(Object.hasOwn(got.data!, "__proto__"), "an own field, as JSON.parse makes it");
  assert.is(Object.getPrototypeOf(got.data), Object.prototype);
  // biome-ignore lint/suspicious/noSparseArray: a hole is the case
  const holes = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "h" }, data: { a: [1, , 2] } };
  const bad = encodeObject(holes as unknown as KubeObject);
  assert.throws(() => decodeObject({ key: "/k", value: bad, createRevision: 1, modRevision: 4, version: 1, lease: 0 }));
});

test("decodeObject freezes the whole tree and marks a decoded Deployment; nothing else is", () => {
  const p = pod("frozen");
  (p.metadata as { labels?: Record<string, string> }).labels = { app: "x" };
  const d = decodeObject(kvOf(p, 3));
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object") return;
    assert.ok(Object.isFrozen(v), JSON.stringify(v));
    for (const x of Object.values(v)) walk(x);
  };
  walk(d);
  assert.not.ok(isDecodedDeployment(d), "a decoded pod is frozen but not marked: only Deployments are");
  const dep: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "u-web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.25" }] } },
    },
  };
  const dd = decodeObject({ ...kvOf(pod("x"), 3), key: "/registry/deployments/default/web", value: encodeObject(dep) });
  walk(dd);
  assert.ok(isDecodedDeployment(dd));
  assert.not.ok(isDecodedDeployment(dep));
  assert.not.ok(isDecodedDeployment({ ...dd }), "a copy of one is not");
  assert.not.ok(isDecodedDeployment((dd as Deployment).spec), "only the object itself");
});

test.run();
