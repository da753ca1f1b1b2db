import { test } from "uvu";
import * as assert from "uvu/assert";
import { defineController } from "../controller.ts";
import type { CacheReader } from "../controller.ts";
import {
  controllerOf,
  objectKey,
  type ConfigMap,
  type Deployment,
  type Kind,
  type KubeObject,
  type ObjectOf,
  type Pod,
  type ReplicaSet,
} from "../types.ts";
import { readyCountController, reconcileReadyCount } from "./ready-count.ts";

function cache(objs: KubeObject[]): CacheReader {
  const list = <K extends Kind>(kind: K, ns?: string) =>
    objs.filter((o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns)) as ObjectOf<K>[];
  return {
    get: (kind, key) => list(kind).find((o) => objectKey(o) === key),
    list,
    ownedBy: (kind, owner) => list(kind).filter((o) => controllerOf(o)?.uid === owner.metadata.uid),
    syncedRevision: () => 100,
    observedAt: () => undefined,
  };
}

const owner = (kind: string, name: string, uid: string) => ({
  ownerReferences: [{ apiVersion: "apps/v1", kind, name, uid, controller: true }],
});
const d: Deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "d1" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { a: "b" } },
    template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
  },
};
const rs: ReplicaSet = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web-x", namespace: "default", uid: "r1", ...owner("Deployment", "web", "d1") },
  spec: { replicas: 2, selector: { matchLabels: {} }, template: d.spec.template },
};
const pod = (name: string, ready: boolean): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: name, ...owner("ReplicaSet", "web-x", "r1") },
  spec: { containers: [] },
  ...(ready ? { status: { conditions: [{ type: "Ready", status: "True" as const }] } } : {}),
});

test("the example controller creates the ConfigMap, then updates it only when the count changes", () => {
  const first = reconcileReadyCount("default/web", cache([d, rs, pod("a", true), pod("b", false)])).writes;
  assert.is(first.length, 1);
  const w = first[0]!;
  if (w.op !== "create") throw new Error(`expected a create, got ${w.op}`);
  const created = w.object as ConfigMap;
  assert.equal([created.metadata.name, created.data], ["web-ready", { ready: "1", replicas: "2" }]);
  const cm: ConfigMap = { ...created, metadata: { ...created.metadata, uid: "c1", resourceVersion: "9" } };
  assert.equal(
    reconcileReadyCount("default/web", cache([d, rs, pod("a", true), pod("b", false), cm])).writes,
    [],
    "unchanged",
  );
  const upd = reconcileReadyCount("default/web", cache([d, rs, pod("a", true), pod("b", true), cm])).writes[0];
  assert.ok(upd?.op === "update" && (upd.object as ConfigMap).data?.ready === "2");
  const gone = reconcileReadyCount("default/web", cache([rs, cm])).writes[0];
  assert.ok(gone?.op === "delete" && gone.name === "web-ready", "the Deployment is gone: so is its ConfigMap");
});

test("a pod event maps to its Deployment through its ReplicaSet", () => {
  const def = readyCountController();
  assert.equal(def.keysFor!("Pod", pod("a", true), cache([d, rs])), ["default/web"]);
  assert.equal(def.keysFor!("Pod", pod("a", true), cache([d])), [], "ReplicaSet not known yet");
});

test("defineController refuses a bad definition, naming the field", () => {
  const ok = { name: "x", watches: ["Pod"] as Kind[], reconcile: () => [] };
  assert.throws(() => defineController({ ...ok, name: "Bad_Name" }), /controller name: expected a lowercase DNS label/);
  assert.throws(() => defineController({ ...ok, watches: [] }), /watches: expected at least one kind/);
  assert.throws(() => defineController({ ...ok, watches: ["Service" as Kind] }), /watches: unknown kind "Service"/);
  assert.throws(() => defineController({ ...ok, resyncUs: -5 }), /resyncUs: expected a non-negative integer/);
  const cacheFlag = { ...ok, mutationCache: "no" as unknown as boolean };
  assert.throws(() => defineController(cacheFlag), /mutationCache: expected true or false/);
});

test.run();
