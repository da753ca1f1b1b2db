// Where each kind lives in etcd and how objects are serialized, as the apiserver's storage layer does:
// keys `/registry/<resource>/<namespace>/<name>` (cluster-scoped: `/registry/<resource>/<name>`),
// values the object as JSON without its resourceVersion (that is the key's mod_revision).
import { assert } from "../assert.ts";
import type { KeyValue } from "../mvcc/rpc.ts";
import type { Kind, KubeObject, ObjectOf } from "./types.ts";

export interface ResourceInfo {
  kind: Kind;
  resource: string;
  namespaced: boolean;
  /** Whether spec and status are written through separate endpoints (the status subresource). */
  hasStatus: boolean;
  apiVersion: KubeObject["apiVersion"];
}

// Nodes are stored under "minions", the name Kubernetes has kept for them in etcd since 2014.
export const RESOURCES: Record<Kind, ResourceInfo> = {
  Deployment: { kind: "Deployment", resource: "deployments", namespaced: true, hasStatus: true, apiVersion: "apps/v1" },
  ReplicaSet: { kind: "ReplicaSet", resource: "replicasets", namespaced: true, hasStatus: true, apiVersion: "apps/v1" },
  Pod: { kind: "Pod", resource: "pods", namespaced: true, hasStatus: true, apiVersion: "v1" },
  Node: { kind: "Node", resource: "minions", namespaced: false, hasStatus: true, apiVersion: "v1" },
  Lease: {
    kind: "Lease",
    resource: "leases",
    namespaced: true,
    hasStatus: false,
    apiVersion: "coordination.k8s.io/v1",
  },
  ConfigMap: { kind: "ConfigMap", resource: "configmaps", namespaced: true, hasStatus: false, apiVersion: "v1" },
  ResourceQuota: {
    kind: "ResourceQuota",
    resource: "resourcequotas",
    namespaced: true,
    hasStatus: true,
    apiVersion: "v1",
  },
  LimitRange: { kind: "LimitRange", resource: "limitranges", namespaced: true, hasStatus: false, apiVersion: "v1" },
};

export const REGISTRY_PREFIX = "/registry/";

/** The etcd key of one object. */
export function registryKey(kind: Kind, namespace: string | undefined, name: string): string {
  const r = RESOURCES[kind];
  assert(name !== "", "object name must not be empty");
  if (r.namespaced) {
    assert(namespace !== undefined && namespace !== "", () => `${kind} ${name} needs a namespace`);
    return `${REGISTRY_PREFIX}${r.resource}/${namespace}/${name}`;
  }
  return `${REGISTRY_PREFIX}${r.resource}/${name}`;
}

/** The prefix of every object of a kind, or of one namespace's objects. Ends with "/". */
export function registryPrefix(kind: Kind, namespace?: string): string {
  const r = RESOURCES[kind];
  if (r.namespaced && namespace !== undefined && namespace !== "")
    return `${REGISTRY_PREFIX}${r.resource}/${namespace}/`;
  return `${REGISTRY_PREFIX}${r.resource}/`;
}

export function keyOfObject(obj: KubeObject): string {
  return registryKey(obj.kind, obj.metadata.namespace, obj.metadata.name);
}

/** kind, namespace and name of a registry key, or undefined for keys outside the registry. */
export function parseRegistryKey(key: string): { kind: Kind; namespace: string | undefined; name: string } | undefined {
  if (!key.startsWith(REGISTRY_PREFIX)) return undefined;
  const parts = key.slice(REGISTRY_PREFIX.length).split("/");
  const info = Object.values(RESOURCES).find((r) => r.resource === parts[0]);
  if (info === undefined) return undefined;
  if (info.namespaced && parts.length === 3) return { kind: info.kind, namespace: parts[1], name: parts[2]! };
  if (!info.namespaced && parts.length === 2) return { kind: info.kind, namespace: undefined, name: parts[1]! };
  return undefined;
}

/**
 * JSON with object keys sorted, so equal objects serialize to equal bytes whatever order their fields
 * were set in (GuaranteedUpdate skips a write whose bytes did not change). Undefined fields are left
 * out, undefined array elements (and anything else JSON.stringify cannot say) are null.
 */
export function canonicalJson(v: unknown): string {
  return writeCanonical(v);
}

// The writers return their piece and the caller appends it with +=: V8 joins strings lazily (a rope,
// made flat once when first read as a whole), which measured faster than collecting pieces in an
// array and joining it. Strings and numbers are written without JSON.stringify when that is the same.

function writeCanonical(v: unknown): string {
  if (typeof v === "string") return quote(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null"; // String(-0) is "0", as JSON says
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ",";
      const x: unknown = v[i];
      // A hole in a sparse array is nothing between the commas, as Array.prototype.map + join leave it.
      if (x !== undefined) out += writeCanonical(x);
      else if (i in v) out += "null";
    }
    return out + "]";
  }
  const o = v as Record<string, unknown>;
  return writeFields(o, Object.keys(o), undefined);
}

/** An object's canonical JSON (its fields sorted), leaving out the field named `skip` too; `keys` are o's own keys, sorted here in place. */
function writeFields(o: Record<string, unknown>, keys: string[], skip: string | undefined): string {
  sortKeys(keys);
  let out = "{";
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined || k === skip) continue;
    if (first) first = false;
    else out += ",";
    out += fieldPrefix(k);
    out += writeCanonical(x);
  }
  return out + "}";
}

/**
 * JSON.stringify(s): the string in quotes when nothing in it needs an escape (no quote, backslash,
 * control character or surrogate — JSON.stringify writes pairs as they are and escapes lone ones; it
 * is asked whenever one is there), which is what JSON.stringify writes then.
 */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/**
 * The keys in Array.prototype.sort's order (UTF-16 code units, which is what < compares on strings),
 * in place. A field list is short: an insertion sort orders it without the scratch arrays the built-in
 * sort allocates on every call (most of what encoding an object allocated); long lists use the built-in.
 */
export function sortKeys(keys: string[]): string[] {
  const n = keys.length;
  if (n > 24) return keys.sort();
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * canonicalJson(a) === canonicalJson(b), without building either string: a walk that stops at the
 * first difference and skips shared subtrees (a status write keeps the stored spec object). Plain
 * JSON data — strings, finite numbers, booleans, null, arrays without holes, plain objects — is
 * compared field by field, which is the same thing: canonical JSON of such data parses back to one
 * tree, undefined fields left out, an undefined array element or top-level value being null. Any
 * other value (NaN, a function, a Date, a sparse array...) is compared by its canonical JSON.
 */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = shapeOf(a);
  const kb = shapeOf(b);
  if (ka === "other" || kb === "other") return canonicalJson(a) === canonicalJson(b);
  if (ka !== kb) return false;
  switch (ka) {
    case "null":
      return true; // null and undefined both write null
    case "scalar":
      return false; // distinct strings, booleans or finite numbers (0 === -0 above) write distinct JSON
    case "array": {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return canonicalJson(x) === canonicalJson(y);
      for (let i = 0; i < x.length; i++) {
        const u = x[i];
        const v = y[i];
        if ((u === undefined && !(i in x)) || (v === undefined && !(i in y)))
          return canonicalJson(x) === canonicalJson(y);
        if (!canonicalEqual(u, v)) return false;
      }
      return true;
    }
    case "object": {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      let defined = 0;
      for (const k of Object.keys(x)) {
        const u = x[k];
        if (u === undefined) continue;
        defined++;
        if (!Object.hasOwn(y, k)) return false;
        const v = y[k];
        if (v === undefined || !canonicalEqual(u, v)) return false;
      }
      for (const k of Object.keys(y)) if (y[k] !== undefined) defined--;
      return defined === 0;
    }
  }
}

/** Which way canonicalEqual compares a value (scalars of different types never write equal JSON). */
function shapeOf(v: unknown): "null" | "scalar" | "array" | "object" | "other" {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
    case "boolean":
      return "scalar";
    case "number":
      return Number.isFinite(v) ? "scalar" : "other";
    case "object": {
      if (Array.isArray(v)) return "array";
      const proto = Object.getPrototypeOf(v);
      return proto === Object.prototype || proto === null ? "object" : "other";
    }
    default:
      return "other";
  }
}

/** Field names recur in every object: each is quoted once, with its colon (a bounded table; JSON.stringify is the truth). */
const fieldPrefixes = new Map<string, string>();
function fieldPrefix(k: string): string {
  let q = fieldPrefixes.get(k);
  if (q === undefined) {
    q = JSON.stringify(k) + ":";
    if (fieldPrefixes.size < 10_000) fieldPrefixes.set(k, q);
  }
  return q;
}

/** The stored bytes of an object: canonical JSON without resourceVersion. */
export function encodeObject(obj: KubeObject): string {
  const meta: unknown = obj.metadata;
  const keys = Object.keys(obj);
  // The same bytes as canonicalJson({ ...obj, metadata: <metadata without resourceVersion> }), without
  // building either copy (object rest and spread cost more than the encoding itself): canonicalJson
  // reads an object's own enumerable string-keyed fields, which is what a spread copies. Only when
  // metadata is one of those fields and an object (not an array); anything else takes the literal way.
  if (typeof meta === "object" && meta !== null && !Array.isArray(meta) && keys.includes("metadata")) {
    sortKeys(keys);
    let out = "{";
    let first = true;
    for (const k of keys) {
      const x = (obj as unknown as Record<string, unknown>)[k];
      if (x === undefined) continue;
      if (first) first = false;
      else out += ",";
      out += fieldPrefix(k);
      if (k === "metadata") {
        const m = meta as Record<string, unknown>;
        out += writeFields(m, Object.keys(m), "resourceVersion");
      } else out += writeCanonical(x);
    }
    return out + "}";
  }
  const { resourceVersion: _rv, ...rest } = obj.metadata;
  return canonicalJson({ ...obj, metadata: rest });
}

/**
 * The object a key-value holds, with resourceVersion = mod_revision. The object is deep-frozen and
 * shared: every watch of a prefix, every read and the recorder decode the same committed value, and
 * they get the same object (a frozen one, so no consumer can change what another sees; whoever needs
 * a changed object builds a new one, as client-go's callers must copy what an informer hands them).
 * A stored value names its object (kind, namespace and name are in it), so equal bytes at one
 * mod_revision are one version of one key: the memo is invisible but for the work it saves.
 */
export function decodeObject(kv: KeyValue): KubeObject {
  const rv = String(kv.modRevision);
  const hit = decoded.get(kv.value);
  if (hit !== undefined && hit.metadata.resourceVersion === rv) return hit;
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata.resourceVersion = rv;
  deepFreeze(obj);
  // Only Deployments are asked about (their template hash is kept per decoded version): marking every
  // object cost a weak-set entry per decode.
  if (obj.kind === "Deployment") decodedDeployments.add(obj);
  // Bounded: dropping every entry at once is as correct as keeping them (the memo only saves work).
  if (decoded.size >= DECODED_MAX) decoded.clear();
  decoded.set(kv.value, obj);
  return obj;
}

/** Every Deployment decodeObject made: deep-frozen, so anything derived from one alone may be kept with it. */
const decodedDeployments = new WeakSet<object>();

/** Whether obj is a Deployment decodeObject made (deep-frozen: none of it ever changes); false for every other object. */
export function isDecodedDeployment(obj: object): boolean {
  return decodedDeployments.has(obj);
}

/** Decoded objects by stored value (the newest mod_revision asked for). */
const decoded = new Map<string, KubeObject>();
const DECODED_MAX = 4096;

/**
 * Freezes a tree JSON.parse just built: nothing in it is shared or frozen yet, and its objects are
 * plain (no inherited enumerable fields), so it needs neither the isFrozen test nor a key array per
 * object that a general deep freeze uses.
 */
function deepFreeze(v: object): void {
  Object.freeze(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x !== null && typeof x === "object") deepFreeze(x);
    }
    return;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (x !== null && typeof x === "object") deepFreeze(x);
  }
}

/** The same object typed by its kind, after checking it really is one. */
export function asKind<K extends Kind>(kind: K, obj: KubeObject): ObjectOf<K> {
  assert(obj.kind === kind, () => `expected a ${kind}, got a ${obj.kind}`);
  return obj as ObjectOf<K>;
}

/** The range end that selects every key with this prefix (etcd's GetPrefixRangeEnd). */
export function prefixEndOf(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return "\0";
}
