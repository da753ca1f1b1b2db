import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../bugs.ts";
import { World } from "../../sim/world.ts";
import { apiserver } from "./apiserver.ts";
import { KubeClient } from "./client.ts";
import { Informer } from "./informer.ts";
import { encodeObject, registryKey } from "./resources.ts";
import { FakeEtcd } from "../../testing/kube/fake-etcd.ts";
import { controllerOf, type ConfigMap } from "./types.ts";

function rig(bugs = BugSet.none) {
  const world = new World({ seed: 11 });
  const etcd = new FakeEtcd({ latencyUs: [100, 300], progressIntervalUs: 100_000 });
  world.spawn("apiserver-1", (env) => apiserver(env, { kv: etcd.client(env), bugs, timing: { compactIntervalUs: 0 } }));
  let inf!: Informer<"ConfigMap">;
  const events: string[] = [];
  world.spawn("ctl", (env) => {
    const client = new KubeClient(env, ["apiserver-1"]);
    inf = new Informer(env, client, "ConfigMap", { pageLimit: 2, bugs });
    inf.addHandler({
      onAdd: (o) => events.push(`add ${o.metadata.name}`),
      onUpdate: (old, o) => {
        if (old.metadata.resourceVersion !== o.metadata.resourceVersion) events.push(`update ${o.metadata.name}`);
      },
      onDelete: (o) => events.push(`delete ${o.metadata.name}`),
    });
    return { start: () => inf.start(), onMessage: (f, m) => void client.onMessage(f, m) };
  });
  const put = (name: string, v: string) => {
    const o: ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default", uid: "u-" + name },
      data: { v },
    };
    etcd.putNow({ key: registryKey("ConfigMap", "default", name), value: encodeObject(o) });
  };
  const del = (name: string) => etcd.deleteRangeNow({ key: registryKey("ConfigMap", "default", name) });
  const view = () =>
    inf
      .list()
      .map((o) => `${o.metadata.name}=${(o as ConfigMap).data?.v}`)
      .join(" ");
  return { world, etcd, inf: () => inf, events, put, del, view, run: (us: number) => world.runUntil(world.now + us) };
}

test("an informer counts as synced only once its handlers have taken in the whole first list", () => {
  const r = rig();
  for (const n of ["a", "b", "c"]) r.put(n, "1");
  const syncedAtAdd: boolean[] = [];
  r.world.runUntil(1);
  r.inf().addHandler({ onAdd: () => syncedAtAdd.push(r.inf().hasSynced()) });
  r.run(100_000);
  // A worker woken by the first add (a queue dispatches at once) must find the informer unsynced and wait,
  // as client-go's controllers wait in WaitForCacheSync: its handlers are still counting the list.
  assert.equal(syncedAtAdd, [false, false, false]);
  assert.ok(r.inf().hasSynced());
});

test("an informer lists in pages, then follows the watch from the list's revision", () => {
  const r = rig();
  for (const n of ["a", "b", "c", "d", "e"]) r.put(n, "1");
  r.run(100_000);
  assert.ok(r.inf().hasSynced());
  assert.is(r.view(), "a=1 b=1 c=1 d=1 e=1");
  r.put("b", "2");
  r.del("c");
  r.put("f", "1");
  r.run(100_000);
  assert.is(r.view(), "a=1 b=2 d=1 e=1 f=1");
  assert.equal(r.events.slice(5), ["update b", "delete c", "add f"]);
  assert.is(r.inf().lists, 1);
});

test("after a broken stream the informer re-watches from its last revision, without relisting", () => {
  const r = rig();
  r.put("a", "1");
  r.run(100_000);
  r.world.crash("apiserver-1");
  r.put("a", "2");
  r.put("b", "1");
  r.run(200_000);
  r.world.restart("apiserver-1");
  r.run(1_000_000);
  assert.is(r.view(), "a=2 b=1");
  assert.is(r.inf().lists, 1, "no relist: the changes came from the re-watch");
});

test("a paused process reads the events that queued up instead of declaring its stream silent", () => {
  const r = rig();
  r.put("a", "1");
  r.run(100_000);
  r.world.pause("ctl");
  r.put("a", "2");
  r.put("b", "1");
  r.run(1_000_000);
  r.world.resume("ctl");
  r.run(10_000);
  assert.is(r.view(), "a=2 b=1");
  assert.equal([r.inf().lists, r.inf().gone], [1, 0]);
});

test("a watch behind a compaction gets 410, the informer relists and tells its handlers what changed, deletions included", () => {
  const r = rig();
  r.put("a", "1");
  r.put("b", "1");
  r.run(100_000);
  const seen = r.events.length;
  // The stream breaks; before the informer re-watches, the store moves on and is compacted.
  r.etcd.breakWatches("apiserver-1");
  r.put("a", "2");
  r.del("b");
  r.put("c", "1");
  r.etcd.compactNow({ revision: r.etcd.revision });
  r.run(1_000_000);
  assert.ok(r.inf().gone >= 1, "the re-watch found its revision compacted");
  assert.is(r.inf().lists, 2);
  assert.is(r.view(), "a=2 c=1");
  // client-go's Replace: an object the new list lacks was deleted unseen, and its handlers get OnDelete
  // (a DeletedFinalStateUnknown); a controller that is not told keeps acting on the object.
  assert.equal(r.events.slice(seen).sort(), ["add c", "delete b", "update a"]);
});

test("with kube-informer-no-relist the informer never relists after 410: its cache stays stale", () => {
  const r = rig(new BugSet(["kube-informer-no-relist"]));
  r.put("a", "1");
  r.put("b", "1");
  r.run(100_000);
  r.etcd.breakWatches("apiserver-1");
  r.put("a", "2");
  r.del("b");
  r.etcd.compactNow({ revision: r.etcd.revision });
  r.run(1_000_000);
  r.put("c", "1");
  r.run(3_000_000);
  assert.ok(r.inf().gone >= 2, `410 again and again (${r.inf().gone})`);
  assert.is(r.inf().lists, 1);
  assert.is(r.view(), "a=1 b=1");
});

test("an assumed write shows in the cache until the watch delivers it or something newer", () => {
  const r = rig();
  r.put("a", "1");
  r.run(100_000);
  const cur = r.inf().get("default/a") as ConfigMap;
  const next = Number(cur.metadata.resourceVersion) + 1;
  r.inf().assume({ ...cur, metadata: { ...cur.metadata, resourceVersion: String(next) }, data: { v: "mine" } });
  assert.is(r.view(), "a=mine");
  r.inf().assume({ ...cur, data: { v: "older" } });
  assert.is(r.view(), "a=mine", "an assumption older than the cache is ignored");
  r.put("a", "2"); // the real write lands at `next`
  r.run(100_000);
  assert.is(r.view(), "a=2");
});

test("an acknowledged write answered after the watch delivered a later change (a delete) is not assumed: the object stays gone", () => {
  // controller-conflicts seed 902831: a ReplicaSet's status write, answered after the watch had delivered
  // the ReplicaSet's deletion, put it back in the cache for good, and the garbage collector never took its pods.
  const r = rig();
  r.put("a", "1");
  r.run(100_000);
  const written = r.inf().get("default/a") as ConfigMap;
  r.del("a");
  r.run(100_000);
  assert.is(r.view(), "");
  r.inf().assume(written);
  assert.is(r.view(), "", "the late answer of a version the watch had already passed");
  r.inf().assumeDeleted("default/a", Number(written.metadata.resourceVersion));
  r.put("a", "2");
  r.run(100_000);
  assert.is(r.view(), "a=2", "a namesake created later still shows");
});

test("list() is a new array each time and follows every change: events, assumptions, assumed deletes", () => {
  const r = rig();
  for (const n of ["a", "b", "c"]) r.put(n, "1");
  r.run(100_000);
  const inf = r.inf();
  const first = inf.list();
  first.reverse().pop();
  assert.is(r.view(), "a=1 b=1 c=1", "a caller's change to its array is its own");
  assert.is(inf.snapshot(), inf.snapshot(), "unchanged cache, one array");
  const before = inf.snapshot();
  const a = inf.get("default/a") as ConfigMap;
  inf.assume({ ...a, metadata: { ...a.metadata, resourceVersion: String(r.etcd.revision + 1) }, data: { v: "mine" } });
  assert.is.not(inf.snapshot(), before);
  assert.is(r.view(), "a=mine b=1 c=1");
  inf.assumeDeleted("default/b", r.etcd.revision + 1);
  assert.is(r.view(), "a=mine c=1");
  r.put("d", "1");
  r.run(100_000);
  assert.is(r.view(), "a=mine c=1 d=1");
  r.put("a", "2");
  r.del("b");
  r.run(100_000);
  assert.is(r.view(), "a=2 c=1 d=1");
  assert.equal(
    before.map((o) => o.metadata.name),
    ["a", "b", "c"],
    "an array handed out earlier is not changed",
  );
});

test("ownedBy answers the snapshot filtered by namespace and controller uid, through every change", () => {
  const r = rig();
  const owned = (name: string, ns: string, refs: { uid: string; controller?: boolean }[]) => {
    const o: ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        namespace: ns,
        uid: "u-" + name,
        ownerReferences: refs.map((x) => ({ apiVersion: "v1", kind: "ConfigMap", name: "o", ...x })),
      },
      data: { v: name },
    };
    r.etcd.putNow({ key: registryKey("ConfigMap", ns, name), value: encodeObject(o) });
  };
  owned("a", "default", [{ uid: "o1", controller: true }]);
  owned("b", "default", [{ uid: "o2", controller: true }]);
  owned("c", "other", [{ uid: "o1", controller: true }]);
  owned("d", "default", [{ uid: "o1" }]); // not its controller
  owned("e", "default", [{ uid: "o2" }, { uid: "o1", controller: true }]);
  r.put("f", "1"); // no owner
  r.run(100_000);
  const want = (ns: string, uid: string) =>
    r
      .inf()
      .snapshot()
      .filter((o) => o.metadata.namespace === ns && controllerOf(o)?.uid === uid)
      .map((o) => o.metadata.name);
  const got = (ns: string, uid: string) =>
    r
      .inf()
      .ownedBy(ns, uid)
      .map((o) => o.metadata.name);
  const cases: [string, string][] = [
    ["default", "o1"],
    ["default", "o2"],
    ["other", "o1"],
    ["default", "none"],
  ];
  const check = () => {
    for (const [ns, uid] of cases) assert.equal(got(ns, uid), want(ns, uid), `${ns} ${uid}`);
  };
  check();
  assert.equal(got("default", "o1"), ["a", "e"]);
  const first = r.inf().ownedBy("default", "o1");
  first.pop(); // the caller's own array: the next answer is whole
  assert.equal(got("default", "o1"), ["a", "e"]);
  // Changes by the watch, an assumed write and an assumed delete: each answer follows the cache.
  owned("b", "default", [{ uid: "o1", controller: true }]);
  r.del("a");
  r.run(100_000);
  check();
  assert.equal(got("default", "o1"), ["b", "e"]);
  const e = r.inf().get("default/e")!;
  r.inf().assume({
    ...e,
    metadata: { ...e.metadata, resourceVersion: "999", ownerReferences: [] },
  } as ConfigMap);
  check();
  assert.equal(got("default", "o1"), ["b"]);
  r.inf().assumeDeleted("default/b", 1000);
  check();
  assert.equal(got("default", "o1"), []);
});

test("snapshot() is every key's cached object in key order through keys joining and leaving (its sorted keys kept between)", () => {
  const r = rig();
  const inf = r.inf();
  let x = 99;
  const next = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const names = ["a", "b", "c", "d", "e", "f"];
  const touched = new Set<string>();
  for (let step = 0; step < 300; step++) {
    const name = names[next(names.length)]!;
    const key = `default/${name}`;
    touched.add(key);
    const what = next(6);
    if (what < 2) r.put(name, String(step));
    else if (what === 2) r.del(name);
    else if (what === 3) {
      const cur = inf.get(key) as ConfigMap | undefined;
      const base: ConfigMap = cur ?? {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace: "default", uid: `u-${name}` },
      };
      inf.assume({
        ...base,
        metadata: { ...base.metadata, resourceVersion: String(r.etcd.revision + 1) },
        data: { v: "mine" },
      });
    } else if (what === 4) inf.assumeDeleted(key, r.etcd.revision + 1);
    else r.run(next(3) * 2_000);
    // get() of every key ever touched, in key order: what snapshot() must hold.
    const want = [...touched]
      .sort()
      .map((k) => inf.get(k))
      .filter((o) => o !== undefined);
    assert.equal(inf.snapshot(), want, `step ${step}`);
  }
});

test.run();
