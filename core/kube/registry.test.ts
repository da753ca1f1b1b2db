import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../bugs.ts";
import type { Env } from "../env.ts";
import { World } from "../../sim/world.ts";
import type { ApiResult, ListResult, WatchEvent } from "./api.ts";
import { Registry, stampRv } from "./registry.ts";
import type { KV } from "../etcd/kv.ts";
import type { WatchResponse } from "../mvcc/rpc.ts";
import { encodeObject, registryKey, registryPrefix } from "./resources.ts";
import { FakeEtcd } from "../../testing/kube/fake-etcd.ts";
import { settle } from "../../testing/kube/sync.ts";
import { probeCounts, resetProbes } from "../probes.ts";

/** The named kube probe fired (counts are reset by `hits` itself before fn runs). */
function hits(probe: string, fn: () => void): void {
  resetProbes();
  fn();
  assert.ok((probeCounts().get(probe) ?? 0) > 0, `probe ${probe} not hit`);
}
import type { ConfigMap, KubeObject } from "./types.ts";

function rig(bugs = BugSet.none) {
  const world = new World({ seed: 7 });
  const etcd = new FakeEtcd({ latencyUs: [100, 300] });
  let env!: Env;
  world.spawn("apiserver", (e) => ((env = e), { onMessage() {} }));
  const writes: { key: string; op: string; baseRv: number; rv: number }[] = [];
  const reg = new Registry(etcd.client(env), {
    bugs,
    observer: { write: (w) => writes.push(w), version() {}, listed() {} },
  });
  return { world, etcd, reg, writes };
}

const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", uid: "u-" + name },
  data,
});
const key = (name: string) => registryKey("ConfigMap", "default", name);

function ok<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${r.status.reason}: ${r.status.message}`);
  return r.value;
}

test("create is a Txn on mod_revision == 0: a second create answers AlreadyExists and writes nothing", () =>
  hits("kube.create-already-exists", () => {
    const { world, etcd, reg } = rig();
    const first = ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("a"), cb)));
    assert.is(first.metadata.resourceVersion, "2", "resourceVersion is the key's mod_revision");
    const again = settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("a", { x: "1" }), cb));
    assert.ok(!again.ok && again.status.reason === "AlreadyExists" && again.status.code === 409);
    assert.is(etcd.revision, 2);
  }));

test("GuaranteedUpdate re-applies the update to the fresh object when a write lands between its read and its Txn", () =>
  hits("kube.guaranteed-update-cas-retry", () => {
    const { world, etcd, reg, writes } = rig();
    ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("a", { n: "0" }), cb)));
    let calls = 0;
    const out = ok(
      settle<ApiResult<KubeObject>>(world, (cb) =>
        reg.guaranteedUpdate(
          key("a"),
          (cur) => {
            calls++;
            // A concurrent writer gets in after the first read.
            if (calls === 1) etcd.putNow({ key: key("a"), value: encodeObject(cm("a", { n: "0", other: "yes" })) });
            const c = cur as ConfigMap;
            return { ok: true, value: { ...c, data: { ...c.data, mine: "yes" } } };
          },
          cb,
        ),
      ),
    );
    assert.is(calls, 2, "the Txn failed once, the update ran again on the fresh object");
    assert.equal((out as ConfigMap).data, { n: "0", other: "yes", mine: "yes" });
    const last = writes[writes.length - 1]!;
    assert.is(last.baseRv, 3, "the write is based on the concurrent writer's revision");
  }));

test("GuaranteedUpdate does not write an object whose bytes did not change", () => {
  const { world, etcd, reg, writes } = rig();
  ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("a", { n: "1" }), cb)));
  const rev = etcd.revision;
  const out = ok(
    settle<ApiResult<KubeObject>>(world, (cb) =>
      reg.guaranteedUpdate(key("a"), (cur) => ({ ok: true, value: JSON.parse(JSON.stringify(cur)) as KubeObject }), cb),
    ),
  );
  assert.is(etcd.revision, rev);
  assert.is(out.metadata.resourceVersion, String(rev));
  assert.is(writes.filter((w) => w.op === "update").length, 0);
});

test("GuaranteedUpdate hands the update function the stored object itself, frozen: the next one is built beside it", () => {
  const { world, reg } = rig();
  ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("a", { n: "1" }), cb)));
  const seen: KubeObject[] = [];
  const out = ok(
    settle<ApiResult<KubeObject>>(world, (cb) =>
      reg.guaranteedUpdate(
        key("a"),
        (cur) => {
          seen.push(cur);
          assert.throws(() => {
            (cur as ConfigMap).data!.n = "2";
          }, TypeError);
          const c = cur as ConfigMap;
          return { ok: true, value: { ...c, data: { ...c.data, n: "2" } } };
        },
        cb,
      ),
    ),
  );
  assert.ok(Object.isFrozen(seen[0]) && Object.isFrozen((seen[0] as ConfigMap).data));
  assert.equal((seen[0] as ConfigMap).data, { n: "1" }, "the stored version is unchanged");
  assert.equal((out as ConfigMap).data, { n: "2" });
  const read = ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.get(key("a"), cb)));
  assert.equal((read as ConfigMap).data, { n: "2" });
});

test("without the precondition (kube-update-no-precondition) the concurrent write is lost", () => {
  const { world, etcd, reg, writes } = rig(new BugSet(["kube-update-no-precondition"]));
  ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("a", { n: "0" }), cb)));
  let calls = 0;
  const out = ok(
    settle<ApiResult<KubeObject>>(world, (cb) =>
      reg.guaranteedUpdate(
        key("a"),
        (cur) => {
          if (++calls === 1) etcd.putNow({ key: key("a"), value: encodeObject(cm("a", { n: "0", other: "yes" })) });
          const c = cur as ConfigMap;
          return { ok: true, value: { ...c, data: { ...c.data, mine: "yes" } } };
        },
        cb,
      ),
    ),
  );
  assert.is(calls, 1);
  assert.equal((out as ConfigMap).data, { n: "0", mine: "yes" }, "the other writer's change is gone");
  assert.is(writes[writes.length - 1]!.baseRv, 2, "written over rv 3 while based on rv 2");
});

test("a paged list reads every page at the first page's revision", () => {
  const { world, etcd, reg } = rig();
  for (const n of ["a", "b", "c", "d", "e"])
    ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm(n, { v: "old" }), cb)));
  const prefix = registryPrefix("ConfigMap", "default");
  const p1 = ok(settle<ApiResult<ListResult>>(world, (cb) => reg.list(prefix, { limit: 2 }, cb)));
  assert.equal(
    p1.items.map((o) => o.metadata.name),
    ["a", "b"],
  );
  // Changes after the first page: none of them may show in later pages.
  etcd.putNow({ key: key("d"), value: encodeObject(cm("d", { v: "new" })) });
  etcd.deleteRangeNow({ key: key("e") });
  etcd.putNow({ key: key("f"), value: encodeObject(cm("f")) });
  const items = [...p1.items];
  let cont = p1.continue;
  while (cont !== undefined) {
    const c = cont;
    const page = ok(settle<ApiResult<ListResult>>(world, (cb) => reg.list(prefix, { limit: 2, continue: c }, cb)));
    assert.is(page.resourceVersion, p1.resourceVersion);
    items.push(...page.items);
    cont = page.continue;
  }
  assert.equal(
    items.map((o) => `${o.metadata.name}=${(o as ConfigMap).data?.v ?? ""}`),
    ["a=old", "b=old", "c=old", "d=old", "e=old"],
  );
});

test("a continue token older than the compaction answers 410 Gone", () =>
  hits("kube.list-continue-expired", () => {
    const { world, etcd, reg } = rig();
    for (const n of ["a", "b", "c"]) ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm(n), cb)));
    const prefix = registryPrefix("ConfigMap", "default");
    const p1 = ok(settle<ApiResult<ListResult>>(world, (cb) => reg.list(prefix, { limit: 1 }, cb)));
    etcd.putNow({ key: key("a"), value: encodeObject(cm("a", { x: "1" })) });
    etcd.compactNow({ revision: etcd.revision });
    const p2 = settle<ApiResult<ListResult>>(world, (cb) => reg.list(prefix, { limit: 1, continue: p1.continue! }, cb));
    assert.ok(!p2.ok && p2.status.code === 410);
  }));

test("a watch from the list revision delivers later changes; from a compacted revision it ends with 410 Gone", () => {
  const { world, etcd, reg } = rig();
  ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("a"), cb)));
  const listRv = etcd.revision;
  ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("b"), cb)));
  const events: WatchEvent[] = [];
  const w = reg.watch(registryPrefix("ConfigMap"), listRv, (e) => events.push(e));
  world.runUntil(world.now + 10_000);
  etcd.deleteRangeNow({ key: key("a") });
  world.runUntil(world.now + 10_000);
  w.cancel();
  assert.equal(
    events
      .filter((e) => e.type !== "BOOKMARK")
      .map((e) =>
        e.type === "ERROR" ? "ERROR" : `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`,
      ),
    ["ADDED b@3", "DELETED a@4"],
  );

  etcd.compactNow({ revision: etcd.revision });
  const gone = settle<WatchEvent>(world, (cb) =>
    reg.watch(registryPrefix("ConfigMap"), listRv, (e) => {
      if (e.type === "ERROR") cb(e);
    }),
  );
  assert.ok(gone.type === "ERROR" && gone.status.reason === "Gone" && gone.status.code === 410);
});

test("a watched delete whose prev_kv was compacted ends the watch with 410 (the informer relists) instead of vanishing", () => {
  // etcd omits prev_kv when revision − 1 is compacted; a stub etcd delivers such a delete.
  const run = (bugs: BugSet) => {
    let deliver!: (r: WatchResponse) => void;
    let cancelled = false;
    const kv = {
      watch: (_req: unknown, cb: (r: WatchResponse) => void) => (
        (deliver = cb),
        {
          cancel: () => {
            cancelled = true;
          },
        }
      ),
    } as unknown as KV;
    const events: WatchEvent[] = [];
    new Registry(kv, { bugs }).watch(registryPrefix("ConfigMap"), 3, (e) => events.push(e));
    deliver({
      header: { revision: 9, raftTerm: 1 },
      watchId: 1,
      events: [
        { type: "DELETE", kv: { key: key("a"), createRevision: 0, modRevision: 9, version: 0, value: "", lease: 0 } },
      ],
    });
    return { events, cancelled };
  };
  let fixed!: ReturnType<typeof run>;
  hits("kube.watch-delete-without-prev-kv", () => (fixed = run(BugSet.none)));
  assert.equal(
    fixed.events.map((e) => (e.type === "ERROR" ? `${e.type} ${e.status.code}` : e.type)),
    ["ERROR 410"],
  );
  assert.ok(fixed.cancelled, "the etcd watch is cancelled");
  const mutant = run(new BugSet(["kube-watch-drop-unknown-delete"]));
  assert.equal(mutant.events, [], "kube-watch-drop-unknown-delete: the delete is silently lost");
});

test("delete checks its preconditions against the stored object", () =>
  hits("kube.delete-precondition-failed", () => {
    const { world, etcd, reg } = rig();
    ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.create(cm("a"), cb)));
    const wrong = settle<ApiResult<KubeObject>>(world, (cb) => reg.delete(key("a"), { uid: "someone-else" }, cb));
    assert.ok(!wrong.ok && wrong.status.reason === "Conflict");
    const right = ok(settle<ApiResult<KubeObject>>(world, (cb) => reg.delete(key("a"), { uid: "u-a" }, cb)));
    assert.is(
      right.metadata.resourceVersion,
      String(etcd.revision),
      "the deleted object carries the deletion's revision",
    );
    const missing = settle<ApiResult<KubeObject>>(world, (cb) => reg.delete(key("a"), {}, cb));
    assert.ok(!missing.ok && missing.status.reason === "NotFound");
  }));

test("stampRv: the object withRv would copy, stamped in place when its metadata has no resourceVersion", () => {
  const withRv = (o: KubeObject, rv: number) => ({ ...o, metadata: { ...o.metadata, resourceVersion: String(rv) } });
  const fresh = (): ConfigMap => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "a", namespace: "default", uid: "u", generation: 2 },
    data: { k: "v" },
  });
  const o = fresh();
  const meta = o.metadata;
  const got = stampRv(o, 12);
  const want = withRv(fresh(), 12);
  assert.is(got, o, "stamped in place");
  assert.is(got.metadata, meta);
  assert.equal(got, want);
  assert.equal(Object.keys(got), Object.keys(want));
  assert.equal(Object.keys(got.metadata), Object.keys(want.metadata));
  // A metadata with a resourceVersion field (its place in the order would differ) or a frozen one is copied.
  const stale = fresh();
  stale.metadata = { resourceVersion: "3", ...stale.metadata };
  const before = JSON.stringify(stale);
  const copied = stampRv(stale, 14);
  assert.is.not(copied, stale);
  assert.is(JSON.stringify(stale), before, "the given object is untouched");
  assert.equal(Object.keys(copied.metadata), Object.keys(withRv(stale, 14).metadata));
  assert.is(copied.metadata.resourceVersion, "14");
  const frozen = fresh();
  frozen.metadata = Object.freeze({ ...frozen.metadata });
  const c = stampRv(frozen, 15);
  assert.is.not(c, frozen);
  assert.is(c.metadata.resourceVersion, "15");
  assert.is(frozen.metadata.resourceVersion, undefined);
});

test.run();
