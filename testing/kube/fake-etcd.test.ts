import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Env } from "../../core/env.ts";
import type { WatchResponse } from "../../core/mvcc/rpc.ts";
import { World } from "../../sim/world.ts";
import { FakeEtcd } from "./fake-etcd.ts";
import { settle } from "./sync.ts";

function rig() {
  const world = new World({ seed: 3 });
  const etcd = new FakeEtcd({ latencyUs: [100, 300], progressIntervalUs: 50_000 });
  let env!: Env;
  world.spawn("p", (e) => ((env = e), { onMessage() {} }));
  return { world, etcd, kv: etcd.client(env) };
}

test("every write raises the revision by one; a key's version counts puts since creation", () => {
  const { etcd } = rig();
  assert.is(etcd.revision, 1);
  etcd.putNow({ key: "a", value: "1" });
  etcd.putNow({ key: "a", value: "2" });
  const r = etcd.rangeNow({ key: "a" });
  assert.ok(!("error" in r));
  if ("error" in r) return;
  assert.equal([r.kvs[0]!.createRevision, r.kvs[0]!.modRevision, r.kvs[0]!.version, r.header.revision], [2, 3, 2, 3]);
  etcd.deleteRangeNow({ key: "a" });
  etcd.putNow({ key: "a", value: "3" });
  const r2 = etcd.rangeNow({ key: "a" });
  if ("error" in r2) return assert.unreachable();
  assert.equal([r2.kvs[0]!.createRevision, r2.kvs[0]!.version], [5, 1], "a delete ends the generation");
});

test("a Txn runs the branch its compares choose; a missing key compares as mod_revision 0", () => {
  const { etcd } = rig();
  const create = () =>
    etcd.txnNow({
      compare: [{ key: "k", target: "MOD", result: "EQUAL", modRevision: 0 }],
      success: [{ requestPut: { key: "k", value: "v" } }],
      failure: [],
    });
  const first = create();
  const second = create();
  assert.ok(!("error" in first) && first.succeeded);
  assert.ok(!("error" in second) && !second.succeeded);
  assert.is(etcd.revision, 2, "a failed compare writes nothing");
});

test("reads below the compact revision fail; reading at it is allowed", () => {
  const { etcd } = rig();
  for (let i = 0; i < 5; i++) etcd.putNow({ key: "k", value: String(i) });
  assert.ok(!("error" in etcd.compactNow({ revision: 4 })));
  assert.equal(etcd.rangeNow({ key: "k", revision: 3 }), { error: "compacted" });
  const at = etcd.rangeNow({ key: "k", revision: 4 });
  assert.ok(!("error" in at) && at.kvs[0]!.value === "2");
  assert.equal(etcd.compactNow({ revision: 4 }), { error: "compacted" });
});

test("a watch replays history from its start revision, then follows, with prev_kv", () => {
  const { world, etcd, kv } = rig();
  etcd.putNow({ key: "/a", value: "1" }); // rev 2
  etcd.putNow({ key: "/a", value: "2" }); // rev 3
  const got: WatchResponse[] = [];
  kv.watch({ key: "/", rangeEnd: "0", startRevision: 3, prevKv: true }, (r) => got.push(r));
  world.runUntil(world.now + 10_000);
  etcd.deleteRangeNow({ key: "/a" }); // rev 4
  world.runUntil(world.now + 10_000);
  const events = got.flatMap((r) => r.events);
  assert.equal(
    events.map((e) => [e.type, e.kv.modRevision]),
    [
      ["PUT", 3],
      ["DELETE", 4],
    ],
  );
  assert.is(events[1]!.prevKv?.value, "2");
});

test("a watch from a compacted revision is cancelled with compact_revision", () => {
  const { world, etcd, kv } = rig();
  for (let i = 0; i < 4; i++) etcd.putNow({ key: "/k", value: String(i) });
  etcd.compactNow({ revision: 4 });
  const got = settle<WatchResponse>(world, (cb) =>
    kv.watch({ key: "/k", startRevision: 2 }, (r) => {
      if (r.canceled) cb(r);
    }),
  );
  assert.is(got.compactRevision, 4);
});

test("progress notifications come only to watches that asked for them, once the store reached their start", () => {
  const { world, etcd, kv } = rig();
  let withProgress = 0;
  let without = 0;
  kv.watch({ key: "/x", progressNotify: true }, (r) => {
    if (!r.created && r.events.length === 0) withProgress++;
  });
  kv.watch({ key: "/y" }, (r) => {
    if (!r.created && r.events.length === 0) without++;
  });
  world.runUntil(world.now + 200_000);
  assert.is(withProgress, 0, "a watch from now starts at revision + 1: no progress at a revision below it");
  etcd.putNow({ key: "/other", value: "x" });
  world.runUntil(world.now + 200_000);
  assert.ok(withProgress >= 3, `got ${withProgress}`);
  assert.is(without, 0);
});

test("a request from a crashed process never answers, and may never arrive", () => {
  const { world, kv } = rig();
  let answered = false;
  kv.put({ key: "k", value: "v" }, () => (answered = true));
  world.crash("p");
  world.runUntil(world.now + 100_000);
  assert.not.ok(answered);
});

test.run();
