// The watch cache against a registry the test drives: what it lists and from which revision, which
// changes a watch gets, when it answers 410, and what a lagging cache may and may not answer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet, type BugName } from "../bugs.ts";
import type { Env } from "../env.ts";
import { World } from "../../sim/world.ts";
import { status, type ApiResult, type ListResult, type WatchEvent } from "./api.ts";
import type { Registry } from "./registry.ts";
import type { ConfigMap } from "./types.ts";
import { WatchCache } from "./watch-cache.ts";

const cm = (name: string, rv: number, namespace = "default"): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, resourceVersion: String(rv) },
  data: { v: String(rv) },
});

/** A registry whose one list answers `initial` at `listRv` and whose watch the test feeds by hand. */
function rig(opts: { listRv?: number; initial?: ConfigMap[]; capacity?: number; bugs?: BugName[] } = {}) {
  const world = new World({ seed: 3 });
  let env!: Env;
  world.spawn("apiserver-1", (e) => {
    env = e;
    return { onMessage() {} };
  });
  world.runUntil(1);
  const lists: string[] = [];
  let feed: ((e: WatchEvent) => void) | undefined;
  let watchedFrom = -1;
  let listRv = opts.listRv ?? 10;
  let initial = opts.initial ?? [cm("a", 3), cm("b", 7)];
  const etcd = { revision: listRv, progressRequests: 0 };
  const registry: Pick<Registry, "list" | "watch" | "currentRevision"> = {
    currentRevision(_prefix, cb) {
      env.setTimer(1_000, () => cb({ ok: true, value: etcd.revision }));
    },
    list(prefix, _o, cb) {
      lists.push(prefix);
      env.setTimer(1_000, () => cb({ ok: true, value: { items: initial, resourceVersion: String(listRv) } }));
    },
    watch(_prefix, rv, onEvent) {
      watchedFrom = rv;
      feed = onEvent;
      return {
        etcdWatchId: 1,
        cancel() {},
        requestProgress() {
          etcd.progressRequests++;
        },
      };
    },
  };
  const cache = new WatchCache(env, registry, "ConfigMap", {
    capacity: opts.capacity ?? 3,
    blockTimeoutUs: 250_000,
    consistentReads: true,
    bugs: new BugSet(opts.bugs ?? []),
  });
  cache.start();
  world.runUntil(world.now + 10_000);
  const run = (us: number) => world.runUntil(world.now + us);
  const put = (name: string, rv: number, type: "ADDED" | "MODIFIED" = "MODIFIED", namespace?: string) =>
    feed!({ type, object: cm(name, rv, namespace) });
  const list = (minRv: number, namespace?: string) => {
    let out: ApiResult<ListResult> | undefined;
    cache.list(namespace, minRv, (r) => (out = r));
    return () => out;
  };
  const watch = (fromRv: number, namespace?: string) => {
    const got: WatchEvent[] = [];
    const w = cache.watch(namespace, fromRv, (e) => got.push(e));
    return { got, w };
  };
  const relistAt = (rv: number, items: ConfigMap[]) => {
    listRv = rv;
    initial = items;
  };
  const consistentList = () => {
    let out: ApiResult<ListResult> | "etcd" | undefined;
    cache.consistentList(
      undefined,
      (r) => (out = r),
      () => (out = "etcd"),
    );
    return () => out;
  };
  return {
    cache,
    etcd,
    consistentList,
    lists,
    run,
    put,
    list,
    watch,
    relistAt,
    feed: (e: WatchEvent) => feed!(e),
    watchedFrom: () => watchedFrom,
  };
}

const names = (r: ApiResult<ListResult> | undefined) =>
  r?.ok ? r.value.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`) : r?.status.reason;
const rvs = (es: WatchEvent[]) =>
  es.map((e) =>
    e.type === "ERROR"
      ? `${e.status.reason}`
      : e.type === "BOOKMARK"
        ? `bookmark ${e.resourceVersion}`
        : `${e.type} ${e.object.metadata.resourceVersion}`,
  );

test("the cache lists its kind from etcd once, then watches from the list's revision", () => {
  const r = rig();
  assert.equal(r.lists, ["/registry/configmaps/"]);
  assert.is(r.watchedFrom(), 10);
  assert.is(r.cache.rv, 10);
});

test('a list at resourceVersion "0" answers the cache as it is, sorted by key, however far behind etcd it is', () => {
  const r = rig();
  r.put("b", 11);
  assert.equal(names(r.list(0)()), ["a@3", "b@11"]);
  assert.equal((r.list(0)() as { value: ListResult }).value.resourceVersion, "11");
});

test("a list not older than N waits until the cache reaches N, then answers at the cache's revision", () => {
  const r = rig();
  const answer = r.list(12);
  r.run(50_000);
  assert.is(answer(), undefined, "a cache at 10 cannot answer a list not older than 12");
  r.put("a", 12);
  assert.equal(names(answer()), ["a@12", "b@7"]);
});

test("a list not older than a revision the cache does not reach in time fails: Too large resource version", () => {
  const r = rig();
  const answer = r.list(12);
  r.run(300_000);
  const a = answer();
  assert.ok(a !== undefined && !a.ok && a.status.reason === "Timeout", String(names(a)));
  assert.match(
    (a as { ok: false; status: { message: string } }).status.message,
    "Too large resource version: 12, current: 10",
  );
});

test("the list-unblocked mutant answers a list not older than N from a cache that has not reached it", () => {
  const r = rig({ bugs: ["kube-watch-cache-list-unblocked"] });
  assert.equal((r.list(12)() as { value: ListResult }).value.resourceVersion, "10");
});

test("a watch from a revision the window holds replays the changes after it, then streams", () => {
  const r = rig();
  r.put("a", 11);
  r.put("b", 12);
  const { got } = r.watch(11);
  assert.equal(rvs(got), ["MODIFIED 12"]);
  r.put("a", 13);
  assert.equal(rvs(got), ["MODIFIED 12", "MODIFIED 13"]);
});

test("a watch from the list's revision is served before any change (the window starts there), not answered 410", () => {
  const r = rig();
  const { got } = r.watch(10);
  r.put("a", 11);
  assert.equal(rvs(got), ["MODIFIED 11"]);
});

test("a watch from before the window's oldest change is answered 410 Gone; the expired-window mutant serves what it holds", () => {
  for (const bugs of [[], ["kube-watch-cache-expired-window"]] as BugName[][]) {
    const r = rig({ capacity: 2, bugs });
    r.put("a", 11);
    r.put("b", 12);
    r.put("a", 13); // the window holds 12 and 13: a watch from 11 or later is served, one from 10 is not
    assert.is(r.cache.windowStart, 11);
    assert.equal(rvs(r.watch(11).got), ["MODIFIED 12", "MODIFIED 13"]);
    const old = r.watch(10).got;
    if (bugs.length === 0) {
      assert.equal(rvs(old), ["Gone"]);
      assert.match((old[0] as { status: { message: string } }).status.message, "too old resource version: 10 (11)");
    } else assert.equal(rvs(old), ["MODIFIED 12", "MODIFIED 13"], "the change at 11 is never sent");
  }
});

test("a watch from ahead of the cache waits for it; one the cache does not reach in time ends with Timeout", () => {
  const r = rig();
  const caught = r.watch(11);
  const lost = r.watch(14);
  r.put("a", 11);
  r.put("b", 12);
  assert.equal(rvs(caught.got), ["MODIFIED 12"], "from 11: the change at 11 is not sent, the one at 12 is");
  r.run(300_000);
  assert.equal(rvs(lost.got), ["Timeout"]);
});

test("a progress notification moves the cache's revision and reaches its watches as a bookmark", () => {
  const r = rig();
  const { got } = r.watch(10);
  r.feed({ type: "BOOKMARK", resourceVersion: "15" });
  assert.is(r.cache.rv, 15);
  assert.equal(rvs(got), ["bookmark 15"]);
  assert.equal((r.list(15)() as { value: ListResult }).value.resourceVersion, "15");
});

test("when its etcd watch ends, the cache ends every watch it serves and relists from etcd into a new window", () => {
  const r = rig();
  r.put("a", 11);
  const { got } = r.watch(10);
  r.relistAt(20, [cm("a", 18)]);
  r.feed({ type: "ERROR", status: status("Gone", "too old resource version") });
  assert.equal(rvs(got), ["MODIFIED 11", "StreamBroken"]);
  const waiting = r.list(0);
  assert.is(waiting(), undefined, "not ready while it relists");
  r.run(100_000);
  assert.equal(r.lists.length, 2);
  assert.equal(names(waiting()), ["a@18"]);
  assert.is(r.watchedFrom(), 20);
  assert.equal(rvs(r.watch(11).got), ["Gone"], "the new window starts at the new list");
});

test("a list with no resourceVersion waits for the cache to reach etcd's current revision, asking etcd for a progress notification", () => {
  const r = rig();
  r.etcd.revision = 14; // writes of other kinds moved etcd on; none of this kind
  const answer = r.consistentList();
  r.run(5_000);
  assert.is(answer(), undefined, "the cache at 10 has not reached 14");
  assert.is(r.etcd.progressRequests, 1);
  r.feed({ type: "BOOKMARK", resourceVersion: "14" });
  const a = answer();
  assert.ok(a !== undefined && a !== "etcd" && a.ok && a.value.resourceVersion === "14", JSON.stringify(a));
});

test("a consistent read the cache does not reach in time goes to etcd; the unblocked mutant answers the cache as it is", () => {
  const r = rig();
  r.etcd.revision = 14;
  const answer = r.consistentList();
  r.run(300_000);
  assert.is(answer(), "etcd");
  const m = rig({ bugs: ["kube-watch-cache-consistent-read-unblocked"] });
  m.etcd.revision = 14;
  const stale = m.consistentList();
  m.run(5_000);
  const s = stale();
  assert.ok(s !== undefined && s !== "etcd" && s.ok && s.value.resourceVersion === "10", JSON.stringify(s));
});

test("a watch that comes while the cache relists waits for the new list; the mutant starts it on the old window and misses the gap (kubernetes#116122)", () => {
  for (const bugs of [[], ["kube-watch-cache-watch-during-reinit"]] as BugName[][]) {
    const r = rig({ bugs });
    r.put("a", 11);
    r.relistAt(20, [cm("a", 18), cm("b", 19)]);
    r.feed({ type: "ERROR", status: status("StreamBroken", "member gone") });
    const { got } = r.watch(11); // the informer re-watches from what it saw, while the cache relists
    r.run(100_000); // the new list, at 20: a at 18 and b at 19 happened in between
    r.put("a", 21);
    if (bugs.length === 0) assert.equal(rvs(got), ["Gone"], "from 11: before the new window, which starts at 20");
    else assert.equal(rvs(got), ["MODIFIED 21"], "the changes at 18 and 19 are never sent");
  }
});

test("a list in a namespace answers only that namespace's objects", () => {
  const r = rig({ initial: [cm("a", 3), cm("b", 4, "kube-system")] });
  assert.equal(names(r.list(0, "kube-system")()), ["b@4"]);
});

test("a list and a watch of one namespace get none of a namespace its name prefixes; the mutant's do (kubernetes#25342)", () => {
  for (const bugs of [[], ["kube-watch-cache-namespace-prefix"]] as BugName[][]) {
    const r = rig({ bugs, initial: [cm("a", 3, "shop"), cm("b", 4, "shop-canary")] });
    const { got } = r.watch(10, "shop");
    r.put("a", 11, "MODIFIED", "shop");
    r.put("b", 12, "MODIFIED", "shop-canary");
    const clean = bugs.length === 0;
    // Sorted by key: "/registry/configmaps/shop-canary/b" comes before "/registry/configmaps/shop/a".
    assert.equal(names(r.list(0, "shop")()), clean ? ["a@11"] : ["b@12", "a@11"], `${bugs}: list`);
    assert.equal(rvs(got), clean ? ["MODIFIED 11"] : ["MODIFIED 11", "MODIFIED 12"], `${bugs}: watch`);
  }
});

test("a watch of one namespace hears its namespace's changes as they come; the silent mutant's only the window's replay (kubernetes#125133)", () => {
  for (const bugs of [[], ["kube-watch-cache-namespace-watch-silent"]] as BugName[][]) {
    const r = rig({ bugs, initial: [cm("a", 3, "shop")] });
    r.put("a", 11, "MODIFIED", "shop");
    const ns = r.watch(10, "shop");
    const all = r.watch(10);
    r.put("a", 12, "MODIFIED", "shop");
    assert.equal(rvs(all.got), ["MODIFIED 11", "MODIFIED 12"], `${bugs}: a watch of every namespace`);
    assert.equal(rvs(ns.got), bugs.length === 0 ? ["MODIFIED 11", "MODIFIED 12"] : ["MODIFIED 11"], `${bugs}`);
  }
});

test.run();
