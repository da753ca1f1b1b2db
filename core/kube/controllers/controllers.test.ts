// The built-in reconcile functions are pure: these tests drive them on hand-made caches.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../../sim/rng.ts";
import type { CacheReader, ReconcileContext, Write } from "../controller.ts";
import { parseManifests } from "../manifest.ts";
import { NGINX } from "../../../testing/kube/fake-cluster.ts";
import {
  controllerOf,
  nsName,
  objectKey,
  type Deployment,
  type Kind,
  type KubeObject,
  type Lease,
  type Node,
  type ObjectOf,
  type Pod,
  type PropagationPolicy,
  type ReplicaSet,
} from "../types.ts";
import { DESIRED_REPLICAS, MAX_REPLICAS, POD_TEMPLATE_HASH, reconcileDeployment, rollingParams } from "./deployment.ts";
import { reconcileGarbage } from "./garbagecollector.ts";
import { reconcileReplicaSet, replicaSetController } from "./replicaset.ts";
import { ControllerExpectations } from "./expectations.ts";
import { probeCounts, resetProbes } from "../../probes.ts";
import { beforeDelete, removedByUpdate } from "../graceful.ts";
import { applyMergePatch } from "../merge-patch.ts";
import { reconcilePod } from "./scheduler.ts";

class MapCache implements CacheReader {
  objs = new Map<string, KubeObject>();
  synced = new Map<Kind, number>();
  seen = new Map<string, number>();
  rv = 10;
  put(o: KubeObject): KubeObject {
    if (o.metadata.uid === undefined) o.metadata.uid = `uid-${o.metadata.name}`;
    o.metadata.resourceVersion = String(++this.rv);
    this.objs.set(`${o.kind}|${objectKey(o)}`, o);
    return o;
  }
  get<K extends Kind>(kind: K, key: string): ObjectOf<K> | undefined {
    return this.objs.get(`${kind}|${key}`) as ObjectOf<K> | undefined;
  }
  list<K extends Kind>(kind: K, namespace?: string): ObjectOf<K>[] {
    return [...this.objs.values()]
      .filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace))
      .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1)) as ObjectOf<K>[];
  }
  ownedBy<K extends Kind>(kind: K, owner: KubeObject): ObjectOf<K>[] {
    return this.list(kind, owner.metadata.namespace).filter((o) => controllerOf(o)?.uid === owner.metadata.uid);
  }
  syncedRevision(kind: Kind): number {
    return this.synced.get(kind) ?? this.rv;
  }
  observedAt(kind: Kind, key: string): number | undefined {
    return this.seen.get(`${kind}|${key}`);
  }
  /** Applies writes the way the apiserver would (creates get a name from generateName). */
  apply(ws: Write[]): void {
    for (const w of ws) {
      if (w.op === "create" || w.op === "update" || w.op === "updateStatus") {
        const o = JSON.parse(JSON.stringify(w.object)) as KubeObject;
        if (!o.metadata.name) o.metadata.name = `${o.metadata.generateName}${this.rv}`;
        this.put(o);
      } else if (w.op === "delete") this.objs.delete(`${w.kind}|${nsName(w.namespace, w.name)}`);
      else if (w.op === "patch") {
        const k = `${w.kind}|${nsName(w.namespace, w.name)}`;
        const next = applyMergePatch(JSON.parse(JSON.stringify(this.objs.get(k))), w.patch) as KubeObject;
        if (removedByUpdate(next)) this.objs.delete(k);
        else this.put(next);
      }
    }
  }
  /** Stores obj as a delete with this policy leaves it (or removes it). */
  deleteWith(obj: KubeObject, policy: PropagationPolicy): void {
    const d = beforeDelete(obj, undefined, 1_000_000, undefined, policy);
    if (d.kind === "terminate") this.put(JSON.parse(JSON.stringify(d.object)) as KubeObject);
    else if (d.kind === "remove") this.objs.delete(`${obj.kind}|${objectKey(obj)}`);
  }
}

const deployment = (replicas: number): Deployment => {
  const d = parseManifests(NGINX)[0] as Deployment;
  d.spec.replicas = replicas;
  d.metadata.generation = 1;
  return d;
};

test("a rolling update stays within maxSurge and maxUnavailable and ends with only the new ReplicaSet", () => {
  const cache = new MapCache();
  const d = cache.put(deployment(10)) as Deployment;
  const { maxSurge, maxUnavailable } = rollingParams(d);
  assert.equal([maxSurge, maxUnavailable], [3, 2], "25% of 10: surge rounds up, unavailable down");
  // Pods become ready one reconcile after their ReplicaSet asks for them.
  const settleReplicaSets = () => {
    for (const rs of cache.list("ReplicaSet"))
      rs.status = { replicas: rs.spec.replicas, readyReplicas: rs.spec.replicas, observedGeneration: 1 };
  };
  for (let i = 0; i < 5; i++) {
    cache.apply(reconcileDeployment("default/nginx", cache).writes);
    settleReplicaSets();
  }
  assert.equal(
    cache.list("ReplicaSet").map((rs) => rs.spec.replicas),
    [10],
  );

  cache.get("Deployment", "default/nginx")!.spec.template.spec.containers[0]!.image = "nginx:1.26";
  let steps = 0;
  for (; steps < 100; steps++) {
    cache.apply(reconcileDeployment("default/nginx", cache).writes);
    const rss = cache.list("ReplicaSet");
    const total = rss.reduce((s, rs) => s + rs.spec.replicas, 0);
    const ready = rss.reduce((s, rs) => s + Math.min(rs.spec.replicas, rs.status?.readyReplicas ?? 0), 0);
    assert.ok(total <= 10 + maxSurge, `step ${steps}: ${total} pods wanted`);
    assert.ok(ready >= 10 - maxUnavailable, `step ${steps}: ${ready} ready`);
    settleReplicaSets();
    if (
      rss.length === 2 &&
      rss.every((rs) => rs.spec.replicas === (rs.spec.template.spec.containers[0]!.image === "nginx:1.26" ? 10 : 0))
    )
      break;
  }
  assert.ok(steps < 100, "the rollout finished");
  assert.is(
    cache.list("ReplicaSet").find((rs) => rs.spec.replicas === 10)!.metadata.labels?.[POD_TEMPLATE_HASH]?.length,
    10,
  );
});

/** A Deployment mid-rollout: the old ReplicaSet at `replicas`, the new one at maxSurge (7: 7 and 2, both sized for 7 + 2). */
function midRollout(replicas = 7): { cache: MapCache; sizes: () => number[] } {
  const cache = new MapCache();
  cache.put(deployment(replicas));
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  cache.list("ReplicaSet")[0]!.status = { replicas, readyReplicas: replicas };
  cache.get("Deployment", "default/nginx")!.spec.template.spec.containers[0]!.image = "nginx:1.26";
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const byImage = (img: string) =>
    cache.list("ReplicaSet").find((rs) => rs.spec.template.spec.containers[0]!.image === img)!;
  return { cache, sizes: () => [byImage("nginx:1.25").spec.replicas, byImage("nginx:1.26").spec.replicas] };
}

test("a scale down in the middle of a rollout takes every ReplicaSet to its share of replicas + maxSurge at once (sync.go scale)", () => {
  const { cache, sizes } = midRollout();
  assert.equal(sizes(), [7, 2]);
  for (const rs of cache.list("ReplicaSet"))
    assert.equal(
      [rs.metadata.annotations?.[DESIRED_REPLICAS], rs.metadata.annotations?.[MAX_REPLICAS]],
      ["7", "9"],
      "each ReplicaSet records the Deployment it was sized for",
    );
  cache.get("Deployment", "default/nginx")!.spec.replicas = 2; // maxSurge 1: 3 pods at most
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  // 7 × 3/9 rounds to 2, 2 × 3/9 to 1: the largest first, and nothing left over.
  assert.equal(sizes(), [2, 1]);
  for (const rs of cache.list("ReplicaSet"))
    assert.equal([rs.metadata.annotations?.[DESIRED_REPLICAS], rs.metadata.annotations?.[MAX_REPLICAS]], ["2", "3"]);
});

test("a proportional scale down does not weigh readiness: a status that lags cannot make it cut the ready pods", () => {
  // kube-smoke seed 424: a trim that cut the pods statuses called unready first, on a ReplicaSet status a
  // stalled watch had left at 0 ready, removed ready pods and led to a shortfall below maxUnavailable.
  const ready = midRollout();
  const unready = midRollout();
  for (const rs of ready.cache.list("ReplicaSet"))
    rs.status = { replicas: rs.spec.replicas, readyReplicas: rs.spec.replicas };
  for (const rs of unready.cache.list("ReplicaSet")) rs.status = { replicas: rs.spec.replicas, readyReplicas: 0 };
  for (const { cache } of [ready, unready]) {
    cache.get("Deployment", "default/nginx")!.spec.replicas = 4; // maxSurge 1: 5 at most
    cache.apply(reconcileDeployment("default/nginx", cache).writes);
  }
  // 7 × 5/9 rounds to 4, 2 × 5/9 to 1.
  assert.equal(ready.sizes(), [4, 1]);
  assert.equal(unready.sizes(), [4, 1]);
});

test("a ReplicaSet without the max-replicas annotation is scaled against the Deployment's status.replicas, and rounding leftovers go to the largest", () => {
  const { cache, sizes } = midRollout();
  // desired-replicas still says 7 (a scaling event); max-replicas is gone.
  for (const rs of cache.list("ReplicaSet")) delete rs.metadata.annotations?.[MAX_REPLICAS];
  const d = cache.get("Deployment", "default/nginx")!;
  d.status = { replicas: 9 };
  d.spec.replicas = 5; // maxSurge 2: 7 at most
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  // 7 × 7/9 rounds to 5 (−2), 2 × 7/9 to 2 (0): exactly the 2 too many.
  assert.equal(sizes(), [5, 2]);
  const three = midRollout(3); // 3 and 1, sized for 3 + 1
  assert.equal(three.sizes(), [3, 1]);
  three.cache.get("Deployment", "default/nginx")!.spec.replicas = 1; // maxSurge 1: 2 at most
  three.cache.apply(reconcileDeployment("default/nginx", three.cache).writes);
  // 3 × 2/4 rounds to 2 (−1), 1 × 2/4 to 1 (0): one still too many, taken from the largest.
  assert.equal(three.sizes(), [1, 1]);
});

test("a proportional scale down never grows a ReplicaSet last sized for a smaller Deployment", () => {
  // A scaling event re-annotates every active ReplicaSet, but its writes go one at a time and may stop part
  // way: one left with an earlier, smaller max-replicas would grow by its fraction alone.
  const { cache, sizes } = midRollout();
  const newRs = cache.list("ReplicaSet").find((rs) => rs.spec.template.spec.containers[0]!.image === "nginx:1.26")!;
  newRs.metadata.annotations = { ...newRs.metadata.annotations, [MAX_REPLICAS]: "1" };
  cache.get("Deployment", "default/nginx")!.spec.replicas = 4; // maxSurge 1: 5 at most
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  // 7 × 5/9 rounds to 4 (−3); 2 × 5/1 would be 10, held at 2; the one left over comes off the largest.
  assert.equal(sizes(), [3, 2]);
});

test("a scale up mid-rollout grows every ReplicaSet in proportion, newer first on a tie, and re-annotates them all", () => {
  const { cache, sizes } = midRollout();
  cache.get("Deployment", "default/nginx")!.spec.replicas = 10; // maxSurge 3: 13 at most
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  // 7 × 13/9 rounds to 10 (+3), 2 × 13/9 to 3 (+1): the 4 the Deployment may add.
  assert.equal(sizes(), [10, 3]);
  for (const rs of cache.list("ReplicaSet"))
    assert.equal([rs.metadata.annotations?.[DESIRED_REPLICAS], rs.metadata.annotations?.[MAX_REPLICAS]], ["10", "13"]);
});

test("a scaling event: one active ReplicaSet takes the new count whole; a saturated new one leaves the old ones at 0", () => {
  const single = new MapCache();
  single.put(deployment(4));
  single.apply(reconcileDeployment("default/nginx", single).writes);
  single.get("Deployment", "default/nginx")!.spec.replicas = 6;
  single.apply(reconcileDeployment("default/nginx", single).writes);
  assert.equal(
    single.list("ReplicaSet").map((rs) => rs.spec.replicas),
    [6],
  );
  const { cache, sizes } = midRollout();
  const newRs = cache.list("ReplicaSet").find((rs) => rs.spec.template.spec.containers[0]!.image === "nginx:1.26")!;
  newRs.spec.replicas = 7;
  newRs.status = { replicas: 7, readyReplicas: 7, availableReplicas: 7 };
  const old = cache.list("ReplicaSet").find((rs) => rs !== newRs)!;
  old.metadata.annotations = { ...old.metadata.annotations, [DESIRED_REPLICAS]: "5" }; // sized for another count
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  assert.equal(sizes(), [0, 7]);
});

test("a scaling event holds the rollout back until every active ReplicaSet is annotated for the current count", () => {
  const rollsOut = (opts: { scaleKeepsAnnotations?: boolean }) => {
    const cache = new MapCache();
    cache.put(deployment(4));
    cache.apply(reconcileDeployment("default/nginx", cache, opts).writes);
    cache.get("Deployment", "default/nginx")!.spec.replicas = 6; // one active ReplicaSet: it takes 6 whole
    cache.apply(reconcileDeployment("default/nginx", cache, opts).writes);
    cache.get("Deployment", "default/nginx")!.spec.template.spec.containers[0]!.image = "nginx:1.26";
    cache.apply(reconcileDeployment("default/nginx", cache, opts).writes);
    return cache.list("ReplicaSet").length === 2;
  };
  assert.ok(rollsOut({}), "the scale re-annotated the ReplicaSet: the new template gets its ReplicaSet");
  // The mutant kube-deployment-scale-keeps-annotations: desired-replicas still says 4, a scaling event for ever.
  assert.not.ok(rollsOut({ scaleKeepsAnnotations: true }));
});

test("a scaling event re-annotates a lone active ReplicaSet already of the Deployment's size, or the next rollout never runs (kubernetes #138036, #138840)", () => {
  const rollsOut = (opts: { scaleSkipsStaleAnnotation?: boolean }) => {
    const cache = new MapCache();
    cache.put(deployment(4));
    cache.apply(reconcileDeployment("default/nginx", cache, opts).writes);
    const rs = cache.list("ReplicaSet")[0]!;
    // Sized for 3 (a scale down that the rolling update overtook), yet at 4: the Deployment's size again.
    rs.metadata.annotations = { ...rs.metadata.annotations, [DESIRED_REPLICAS]: "3" };
    cache.apply(reconcileDeployment("default/nginx", cache, opts).writes);
    cache.get("Deployment", "default/nginx")!.spec.template.spec.containers[0]!.image = "nginx:1.26";
    cache.apply(reconcileDeployment("default/nginx", cache, opts).writes);
    return cache.list("ReplicaSet").length === 2;
  };
  assert.ok(rollsOut({}), "re-annotated at 4: the image change gets its ReplicaSet");
  // Kubernetes' scale() returns early on a lone active ReplicaSet of the right size: a scaling event for good.
  assert.not.ok(rollsOut({ scaleSkipsStaleAnnotation: true }));
});

test("the Deployment status sums its ReplicaSets and records the generation it saw", () => {
  const cache = new MapCache();
  cache.put(deployment(2));
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const rs = cache.list("ReplicaSet")[0]!;
  rs.status = { replicas: 2, readyReplicas: 1 };
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const st = cache.get("Deployment", "default/nginx")!.status!;
  assert.equal(
    [st.replicas, st.updatedReplicas, st.readyReplicas, st.unavailableReplicas, st.observedGeneration],
    [2, 2, 1, 1, 1],
  );
});

test("a ReplicaSet creates missing pods and deletes unscheduled, then unready pods first", () => {
  const cache = new MapCache();
  cache.put(deployment(3));
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const rsKey = objectKey(cache.list("ReplicaSet")[0]!);
  cache.apply(reconcileReplicaSet(rsKey, cache).writes);
  const pods = cache.list("Pod");
  assert.is(pods.length, 3);
  assert.ok(pods.every((p) => p.spec.nodeName === undefined && p.metadata.generateName !== undefined));
  pods[0]!.spec.nodeName = "node-1";
  pods[0]!.status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
  pods[1]!.spec.nodeName = "node-2";
  const rs = cache.get("ReplicaSet", rsKey)!;
  rs.spec.replicas = 1;
  const ws = reconcileReplicaSet(rsKey, cache).writes.filter((w) => w.op === "delete");
  assert.equal(
    ws.map((w) => (w.op === "delete" ? w.name : "")),
    [pods[2]!.metadata.name, pods[1]!.metadata.name],
    "the ready, scheduled pod stays",
  );
});

test("expectations (client-go ControllerExpectations): counted down by observations, deletions tracked by pod key, expired after the TTL", () => {
  let clock = 0;
  const e = new ControllerExpectations(() => clock, 5_000_000);
  assert.ok(e.satisfied("default/rs"), "no record: satisfied");
  e.expectCreations("default/rs", 2);
  assert.not.ok(e.satisfied("default/rs"));
  e.creationObserved("default/rs");
  assert.not.ok(e.satisfied("default/rs"), "one of two creations seen");
  e.creationObserved("default/rs");
  assert.ok(e.satisfied("default/rs"));
  e.expectDeletions("default/rs", ["default/a", "default/b"]);
  e.deletionObserved("default/rs", "default/zzz");
  e.deletionObserved("default/rs", "default/a");
  e.deletionObserved("default/rs", "default/a");
  assert.equal(e.pending("default/rs"), { add: 0, del: 1 }, "an unexpected or repeated deletion does not count");
  resetProbes();
  clock = 5_000_000;
  assert.not.ok(e.satisfied("default/rs"), "at the TTL: still waiting");
  clock = 5_000_001;
  assert.ok(e.satisfied("default/rs"), "past the TTL: satisfied");
  assert.ok(
    (probeCounts().get("kube.expectations-expired") ?? 0) > 0 &&
      (probeCounts().get("kube.expectations-unsatisfied") ?? 0) > 0,
  );
});

test("a ReplicaSet whose creations are not yet observed is not synced again: no second batch of pods from a stale cache", () => {
  const cache = new MapCache();
  cache.put(deployment(3));
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const rsKey = objectKey(cache.list("ReplicaSet")[0]!);
  let clock = 0;
  const def = replicaSetController({ expectationsTimeoutUs: 5_000_000 });
  const ctx: ReconcileContext = { now: () => clock, monotonic: () => clock, rng: new Rng(1), process: "kcm-1" };
  def.onStart!(ctx);
  const creates = (ws: Write[] | { writes: Write[] }) =>
    (Array.isArray(ws) ? ws : ws.writes).filter((w) => w.op === "create");
  const first = creates(def.reconcile(rsKey, cache, ctx));
  assert.is(first.length, 3);
  // The writes were acknowledged but the informer has not delivered the pods: the cache still shows none.
  for (const w of first) def.written!(rsKey, w, "ok", ctx);
  assert.is(creates(def.reconcile(rsKey, cache, ctx)).length, 0, "expectations unsatisfied: sync skipped");
  assert.is(
    creates(reconcileReplicaSet(rsKey, cache)).length,
    3,
    "without expectations the stale cache creates a second batch",
  );
  // Two adds observed, one create timed out (lowered as failed): satisfied, and the cache's two pods leave one to create.
  cache.apply(first.slice(0, 2));
  for (const p of cache.list("Pod")) def.observe!("add", "Pod", p, ctx, cache);
  def.written!(rsKey, first[2]!, "failed", ctx);
  assert.is(creates(def.reconcile(rsKey, cache, ctx)).length, 1);
  // That one is never observed (lost to a relist): after the TTL the controller acts again.
  assert.is(creates(def.reconcile(rsKey, cache, ctx)).length, 0);
  clock = 5_000_001;
  assert.is(creates(def.reconcile(rsKey, cache, ctx)).length, 1);
});

test("the pods of a deleted ReplicaSet's namesake do not satisfy the new one's expectations: the owner is resolved by UID (resolveControllerRef)", () => {
  for (const byName of [false, true]) {
    const cache = new MapCache();
    cache.put(deployment(3));
    cache.apply(reconcileDeployment("default/nginx", cache).writes);
    const rs = cache.list("ReplicaSet")[0]!;
    const rsKey = objectKey(rs);
    rs.metadata.uid = "new-uid";
    const def = replicaSetController(byName ? { expectationsByName: true } : {});
    const ctx: ReconcileContext = { now: () => 0, monotonic: () => 0, rng: new Rng(1), process: "kcm-1" };
    def.onStart!(ctx);
    const creates = (ws: Write[] | { writes: Write[] }) =>
      (Array.isArray(ws) ? ws : ws.writes).filter((w) => w.op === "create");
    const first = creates(def.reconcile(rsKey, cache, ctx));
    assert.is(first.length, 3);
    for (const w of first) def.written!(rsKey, w, "ok", ctx);
    // Three pods of the ReplicaSet deleted before this one was made under its name arrive late.
    for (const [i, w] of first.entries()) {
      if (w.op !== "create") continue;
      const stale = structuredClone(w.object) as KubeObject;
      stale.metadata.name = `old-${i}`;
      stale.metadata.ownerReferences = stale.metadata.ownerReferences!.map((r) => ({ ...r, uid: "old-uid" }));
      def.observe!("add", "Pod", stale, ctx, cache);
    }
    assert.is(
      creates(def.reconcile(rsKey, cache, ctx)).length,
      byName ? 3 : 0,
      byName ? "the mutant counts them as its own and makes its pods again" : "its own creations are still unseen",
    );
  }
});

test("expected deletions: only the pods chosen count, and the ReplicaSet's deletion drops its record", () => {
  const cache = new MapCache();
  cache.put(deployment(3));
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const rsKey = objectKey(cache.list("ReplicaSet")[0]!);
  const def = replicaSetController();
  const ctx: ReconcileContext = { now: () => 0, monotonic: () => 0, rng: new Rng(1), process: "kcm-1" };
  def.onStart!(ctx);
  cache.apply(reconcileReplicaSet(rsKey, cache).writes);
  const rs = cache.get("ReplicaSet", rsKey)!;
  rs.spec.replicas = 1;
  const r = def.reconcile(rsKey, cache, ctx);
  const dels = (Array.isArray(r) ? r : r.writes).filter((w) => w.op === "delete");
  assert.is(dels.length, 2);
  const chosen = dels.map((w) => (w.op === "delete" ? nsName(w.namespace, w.name) : ""));
  const kept = cache.list("Pod").find((p) => !chosen.includes(objectKey(p)))!;
  def.observe!("delete", "Pod", kept, ctx, cache);
  def.observe!("delete", "Pod", cache.get("Pod", chosen[0]!)!, ctx, cache);
  const again = def.reconcile(rsKey, cache, ctx);
  assert.is(
    (Array.isArray(again) ? again : again.writes).filter((w) => w.op === "delete").length,
    0,
    "one chosen deletion still unseen",
  );
  def.observe!("delete", "ReplicaSet", rs, ctx, cache);
  const after = def.reconcile(rsKey, cache, ctx);
  assert.is(
    (Array.isArray(after) ? after : after.writes).filter((w) => w.op === "delete").length,
    2,
    "record dropped with the ReplicaSet",
  );
});

test("the garbage collector deletes a dependent only when its owner's absence is certain", () => {
  const cache = new MapCache();
  const d = cache.put(deployment(1)) as Deployment;
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const rs = cache.list("ReplicaSet")[0]! as ReplicaSet;
  const key = `ReplicaSet:${objectKey(rs)}`;
  assert.equal(reconcileGarbage(key, cache).writes, [], "owner present");
  cache.objs.delete(`Deployment|${objectKey(d)}`);
  cache.synced.set("Deployment", Number(rs.metadata.resourceVersion) - 1);
  const early = reconcileGarbage(key, cache);
  assert.equal(
    early.writes,
    [],
    "the Deployment cache is older than the ReplicaSet: the owner may just not be there yet",
  );
  assert.ok(early.requeueAfterUs !== undefined);
  cache.synced.set("Deployment", Number(rs.metadata.resourceVersion));
  resetProbes();
  assert.equal(
    reconcileGarbage(key, cache).writes.map((w) => w.op),
    ["delete"],
  );
  assert.is(probeCounts().get("kube.gc-orphan-deleted"), 1);
});

/** A Deployment of `replicas` with its ReplicaSet and pods, as the controllers leave it. */
function workload(replicas: number): { cache: MapCache; d: Deployment; rs: ReplicaSet } {
  const cache = new MapCache();
  const d = cache.put(deployment(replicas)) as Deployment;
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const rs = cache.list("ReplicaSet")[0]! as ReplicaSet;
  cache.apply(reconcileReplicaSet(objectKey(rs), cache).writes);
  return { cache, d, rs };
}

test("a Deployment deleted in the foreground goes after its ReplicaSet, and the ReplicaSet after its pods", () => {
  const { cache, d, rs } = workload(2);
  cache.deleteWith(d, "Foreground");
  const dKey = "Deployment:default/nginx";
  const rsKey = `ReplicaSet:${objectKey(rs)}`;
  cache.synced.set("ReplicaSet", cache.rv - 1);
  assert.equal(
    reconcileGarbage(dKey, cache).writes,
    [],
    "the ReplicaSet cache is older than the Deployment's deletion",
  );
  cache.synced.delete("ReplicaSet");
  assert.equal(reconcileGarbage(dKey, cache).writes, [], "its ReplicaSet is still there: it waits");
  const rsDelete = reconcileGarbage(rsKey, cache).writes;
  assert.equal(
    rsDelete.map((w) => (w.op === "delete" ? w.propagationPolicy : w.op)),
    ["Foreground"],
    "a dependent with dependents of its own goes in the foreground too",
  );
  cache.deleteWith(cache.get("ReplicaSet", objectKey(rs))!, "Foreground");
  assert.equal(reconcileGarbage(rsKey, cache).writes, [], "the ReplicaSet waits for its pods");
  const pods = cache.list("Pod");
  assert.is(pods.length, 2);
  for (const p of pods) {
    const ws = reconcileGarbage(`Pod:${objectKey(p)}`, cache).writes;
    assert.equal(
      ws.map((w) => w.op === "delete" && w.propagationPolicy === undefined),
      [true],
    );
    cache.apply(ws);
  }
  cache.apply(reconcileGarbage(rsKey, cache).writes);
  assert.is(cache.get("ReplicaSet", objectKey(rs)), undefined, "no pod left: its finalizer came off, and it went");
  cache.apply(reconcileGarbage(dKey, cache).writes);
  assert.is(cache.get("Deployment", "default/nginx"), undefined);
});

test("kube-gc-foreground-skips-dependents: the owner loses foregroundDeletion with its dependents still there", () => {
  const { cache, d } = workload(1);
  cache.deleteWith(d, "Foreground");
  cache.apply(reconcileGarbage("Deployment:default/nginx", cache, { foregroundSkipsDependents: true }).writes);
  assert.is(cache.get("Deployment", "default/nginx"), undefined);
  assert.is(cache.list("ReplicaSet").length, 1);
});

test("a Deployment deleted with Orphan takes its reference off its ReplicaSets, then goes; they stay and are not collected", () => {
  const { cache, d, rs } = workload(2);
  cache.deleteWith(d, "Orphan");
  const writes = reconcileGarbage("Deployment:default/nginx", cache).writes;
  assert.equal(
    writes.map((w) => (w.op === "patch" ? `${w.kind} ${w.name}` : w.op)),
    [`ReplicaSet ${rs.metadata.name}`, "Deployment nginx"],
    "every dependent first, the finalizer last (a failed write ends the pass before it)",
  );
  cache.apply(writes);
  assert.is(cache.get("Deployment", "default/nginx"), undefined);
  const left = cache.get("ReplicaSet", objectKey(rs))!;
  assert.is(controllerOf(left), undefined);
  assert.equal(reconcileGarbage(`ReplicaSet:${objectKey(rs)}`, cache).writes, [], "an orphan is not garbage");
  assert.is(cache.list("Pod").length, 2, "its pods keep it as their owner");
  const { cache: c2, d: d2 } = workload(1);
  c2.deleteWith(d2, "Orphan");
  c2.apply(reconcileGarbage("Deployment:default/nginx", c2, { orphanKeepsReferences: true }).writes);
  assert.ok(controllerOf(c2.list("ReplicaSet")[0]!) !== undefined, "the mutant leaves the reference for the collector");
});

test("a ReplicaSet or a Deployment being deleted makes and scales nothing, and keeps its status", () => {
  const { cache, d, rs } = workload(2);
  for (const p of cache.list("Pod")) cache.objs.delete(`Pod|${objectKey(p)}`);
  cache.deleteWith(cache.get("ReplicaSet", objectKey(rs))!, "Foreground");
  const rsWrites = reconcileReplicaSet(objectKey(rs), cache).writes;
  assert.equal(
    rsWrites.filter((w) => w.op === "create"),
    [],
    "no pod made for it",
  );
  assert.equal(
    reconcileReplicaSet(objectKey(rs), cache, undefined, { managesDeleting: true })
      .writes.map((w) => w.op)
      .filter((op) => op === "create").length,
    2,
    "the mutant makes them again",
  );
  cache.objs.delete(`ReplicaSet|${objectKey(rs)}`);
  cache.deleteWith(d, "Foreground");
  assert.equal(
    reconcileDeployment("default/nginx", cache).writes.map((w) => w.op),
    ["updateStatus"],
    "no ReplicaSet made",
  );
  assert.equal(
    reconcileDeployment("default/nginx", cache, { syncsDeleting: true }).writes.map((w) => w.op),
    ["create"],
  );
});

test("a Deployment adopts a ReplicaSet no controller owns and its selector matches, if a live read still finds it under its uid", () => {
  const { cache, rs } = workload(2);
  const orphan = cache.get("ReplicaSet", objectKey(rs))!;
  delete orphan.metadata.ownerReferences;
  cache.objs.delete("Deployment|default/nginx");
  const d = cache.put({ ...deployment(3), metadata: { ...deployment(3).metadata, uid: "uid-second" } }) as Deployment;
  const writes = reconcileDeployment("default/nginx", cache).writes;
  assert.is(writes.length, 1);
  const w = writes[0]!;
  assert.ok(w.op === "patch");
  assert.equal(w.recheck, { kind: "Deployment", namespace: "default", name: "nginx", uid: "uid-second" });
  assert.equal(
    (w.patch as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
    orphan.metadata.resourceVersion,
  );
  cache.apply(writes);
  assert.is(controllerOf(cache.get("ReplicaSet", objectKey(rs))!)?.uid, d.metadata.uid, "adopted");
  assert.equal(
    reconcileDeployment("default/nginx", cache).writes.map((w) => w.op),
    ["update", "updateStatus"],
    "then sized for the new Deployment",
  );
  const other = cache.get("ReplicaSet", objectKey(rs))!;
  delete other.metadata.ownerReferences;
  other.metadata.labels = { app: "other" };
  assert.ok(
    reconcileDeployment("default/nginx", cache).writes.every((w) => w.op !== "patch"),
    "a ReplicaSet outside the selector is not adopted",
  );
});

/** A Ready node and its heartbeat Lease (when the scheduler saw the Lease is up to each test). */
function putReadyNode(cache: MapCache, name: string): void {
  cache.put({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    spec: {},
    status: { conditions: [{ type: "Ready", status: "True" }] },
  } satisfies Node);
  cache.put({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "kube-node-lease" },
    spec: {},
  } satisfies Lease);
}

/** The scheduler's options with every mutant off: two pods a node, a node silent for 4 s not ready. */
const SCHEDULER_OPTS = {
  nodeGraceUs: 4_000_000,
  defaultCapacity: 2,
  bindWithoutPrecondition: false,
  ignoreCapacity: false,
  bindsDeleting: false,
};

test("the scheduler binds to the least loaded ready node with room, and waits when none fits", () => {
  const cache = new MapCache();
  const ctx: ReconcileContext = {
    now: () => 10_000_000,
    monotonic: () => 10_000_000,
    rng: new Rng(1),
    process: "scheduler-1",
  };
  const opts = SCHEDULER_OPTS;
  for (const name of ["node-1", "node-2"]) putReadyNode(cache, name);
  cache.seen.set("Lease|kube-node-lease/node-1", 9_000_000);
  cache.seen.set("Lease|kube-node-lease/node-2", 1_000_000); // silent for 9 s: not ready
  const pod = (name: string, nodeName?: string): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { containers: [{ name: "c", image: "i" }], ...(nodeName ? { nodeName } : {}) },
  });
  cache.put(pod("p1"));
  const w = reconcilePod("default/p1", cache, ctx, opts).writes[0];
  assert.ok(w?.op === "update" && (w.object as Pod).spec.nodeName === "node-1");
  assert.is(
    w.object.metadata.resourceVersion,
    cache.get("Pod", "default/p1")!.metadata.resourceVersion,
    "the bind is conditional on the pod's resourceVersion",
  );
  const bare = reconcilePod("default/p1", cache, ctx, { ...opts, bindWithoutPrecondition: true }).writes[0];
  assert.ok(
    bare?.op === "update" && bare.object.metadata.resourceVersion === undefined,
    "kube-bind-no-precondition drops it",
  );
  cache.put(pod("b1", "node-1"));
  cache.put(pod("b2", "node-1"));
  const full = reconcilePod("default/p1", cache, ctx, opts);
  assert.equal(full.writes, [], "node-1 is full, node-2 is not ready");
  assert.ok(full.requeueAfterUs !== undefined);
  // A pod its kubelet rejected (phase Failed) takes no room: node-1 has one again.
  const b2 = cache.get("Pod", "default/b2")!;
  cache.put({ ...b2, status: { phase: "Failed", reason: "OutOfpods" } });
  const room = reconcilePod("default/p1", cache, ctx, opts).writes[0];
  assert.ok(room?.op === "update" && (room.object as Pod).spec.nodeName === "node-1", "a failed pod frees its place"); // A pod being deleted before it had a node is left alone (the apiserver would refuse its bind).
  const p1 = cache.get("Pod", "default/p1")!;
  cache.put({ ...p1, metadata: { ...p1.metadata, deletionTimestamp: 9_000_000, deletionGracePeriodSeconds: 0 } });
  assert.equal(reconcilePod("default/p1", cache, ctx, opts).writes, [], "a pod being deleted is not scheduled");
  assert.is(
    reconcilePod("default/p1", cache, ctx, { ...opts, bindsDeleting: true }).writes.length,
    1,
    "the mutant binds it",
  );
});

test("the scheduler ages node heartbeats on its monotonic clock: a wall clock stepped back revives no silent node", () => {
  const cache = new MapCache();
  putReadyNode(cache, "node-1");
  cache.seen.set("Lease|kube-node-lease/node-1", 1_000_000); // heard 9 s ago on the monotonic clock
  cache.put({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p1", namespace: "default" },
    spec: { containers: [{ name: "c", image: "i" }] },
  } satisfies Pod);
  const opts = SCHEDULER_OPTS;
  // The wall clock was stepped back 8 s: on it the heartbeat is only 1 s old.
  const ctx: ReconcileContext = { now: () => 2_000_000, monotonic: () => 10_000_000, rng: new Rng(1), process: "s" };
  assert.equal(reconcilePod("default/p1", cache, ctx, opts).writes, []);
  const fresh: ReconcileContext = { ...ctx, monotonic: () => 3_000_000 };
  assert.is(reconcilePod("default/p1", cache, fresh, opts).writes.length, 1);
});

test("a ReplicaSet makes another pod for one a kubelet rejected, and leaves the failed one (FilterActivePods)", () => {
  const cache = new MapCache();
  cache.put(deployment(2));
  cache.apply(reconcileDeployment("default/nginx", cache).writes);
  const rsKey = objectKey(cache.list("ReplicaSet")[0]!);
  cache.apply(reconcileReplicaSet(rsKey, cache).writes);
  const [rejected] = cache.list("Pod");
  cache.put({
    ...rejected!,
    spec: { ...rejected!.spec, nodeName: "node-1" },
    status: { phase: "Failed", reason: "OutOfpods" },
  });
  const ws = reconcileReplicaSet(rsKey, cache).writes;
  assert.equal(
    ws.filter((w) => w.op !== "updateStatus").map((w) => w.op),
    ["create"],
    "one pod in its place, and the failed one not deleted",
  );
  const status = ws.find((w) => w.op === "updateStatus");
  assert.is(
    status?.op === "updateStatus" ? (status.object as ReplicaSet).status?.replicas : undefined,
    1,
    "only the active pod counts",
  );
  cache.apply(ws);
  assert.is(cache.list("Pod").length, 3, "the failed pod stays beside the two active ones");
});

test.run();
