// etcd's space quota on a member: past --quota-backend-bytes a write fails with "database space
// exceeded" and raises NOSPACE through Raft; reads and deletes still work; compaction alone does not
// clear it (the file does not shrink), defrag + alarm disarm does.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { World } from "../../sim/world.ts";
import { BugSet } from "../bugs.ts";
import { EtcdClient, HistoryRecorder } from "./client.ts";
import { MaintenanceClient } from "./maintenance.ts";
import { EtcdMember, type MemberOptions, type NoSpaceEvent } from "./member.ts";
import type { EtcdRequest } from "../mvcc/rpc.ts";
import type { MaintenanceRequest, MaintenanceResult } from "./protocol.ts";
import { BackendSize, BACKEND_BASE_BYTES, KV_OVERHEAD, requestCost } from "./quota.ts";
import { quotaCost } from "../../checkers/etcd/nospace.ts";

function cluster(n: number, opts: Partial<MemberOptions>) {
  const world = new World({ seed: 5 });
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const members = new Map<string, EtcdMember>();
  const events: { member: string; e: NoSpaceEvent }[] = [];
  for (const id of ids)
    world.spawn(id, (env) => {
      const m = new EtcdMember(env, {
        peers: ids,
        ...opts,
        hooks: { onNoSpace: (member, e) => events.push({ member, e }) },
      });
      members.set(id, m);
      return m;
    });
  const recorder = new HistoryRecorder(() => world.now);
  let client: EtcdClient | undefined;
  let maint: MaintenanceClient | undefined;
  world.spawn("c1", (env) => {
    client = new EtcdClient(env, {
      clientId: 1,
      members: ids,
      requestTimeoutUs: 1_000_000,
      streamTimeoutUs: 1_000_000,
      recorder,
    });
    maint = new MaintenanceClient(env);
    return { onMessage: (from, msg) => void (maint!.onMessage(from, msg) || client?.onMessage(from, msg)) };
  });
  world.runUntil(1_000_000);
  const call = (op: (done: (r: { ok: boolean; error?: string; unknown?: boolean }) => void) => void): string => {
    let out: string | undefined;
    op((r) => (out = r.ok ? "ok" : `${r.error}${r.unknown ? "?" : ""}`));
    world.runUntilPredicate(() => out !== undefined, world.now + 3_000_000);
    return out ?? "no answer";
  };
  const mcall = (member: string, req: MaintenanceRequest): MaintenanceResult => {
    let out: MaintenanceResult | undefined;
    maint!.call(member, req, (r) => (out = r));
    world.runUntilPredicate(() => out !== undefined, world.now + 3_000_000);
    world.runUntil(world.now + 100_000); // let the other members apply it too
    return out ?? { error: "timeout" };
  };
  return { world, c: client!, members, events, call, mcall, recorder };
}

const value = "v".repeat(700);

/** Writes distinct keys until one fails; returns the error. */
function fill(call: ReturnType<typeof cluster>["call"], c: EtcdClient, prefix = "/fill/"): string {
  for (let i = 0; i < 200; i++) {
    const r = call((d) => c.put({ key: `${prefix}${i}`, value }, d));
    if (r !== "ok") return r;
  }
  return "never full";
}

test("the cost of a request is etcd's: kvOverhead + key + value per put, the larger Txn branch, leaseOverhead", () => {
  assert.is(requestCost({ kind: "put", put: { key: "ab", value: "xyz" } }), KV_OVERHEAD + 5);
  assert.is(
    requestCost({
      kind: "txn",
      txn: {
        compare: [],
        success: [{ requestPut: { key: "a", value: "b" } }],
        failure: [{ requestPut: { key: "a", value: "b" } }, { requestPut: { key: "c", value: "d" } }],
      },
    }),
    2 * (KV_OVERHEAD + 2),
  );
  assert.is(
    requestCost({ kind: "txn", txn: { compare: [], success: [{ requestDeleteRange: { key: "a" } }], failure: [] } }),
    0,
  );
  assert.is(requestCost({ kind: "deleteRange", deleteRange: { key: "a" } }), 0);
  assert.is(requestCost({ kind: "leaseGrant", leaseGrant: { TTL: 5 } }), 64);
});

test("a nested Txn's puts count towards its branch (etcd #22134); before that fix they cost nothing", () => {
  const inner = { compare: [], success: [{ requestPut: { key: "a", value: "b" } }], failure: [] };
  const nested: EtcdRequest = {
    kind: "txn",
    txn: { compare: [], success: [{ requestTxn: inner }, { requestPut: { key: "c", value: "d" } }], failure: [] },
  };
  assert.is(requestCost(nested), 2 * (KV_OVERHEAD + 2));
  assert.is(requestCost(nested, false), KV_OVERHEAD + 2, "the older cost: the top-level put alone");
});

test("the backend file grows past its high-water mark only; compaction frees pages, defrag shrinks the file", () => {
  const b = new BackendSize();
  b.onWrite(1000);
  assert.is(b.size, BACKEND_BASE_BYTES + 1000);
  b.recount(BACKEND_BASE_BYTES + 200); // compaction
  assert.is(b.size, BACKEND_BASE_BYTES + 1000);
  b.onWrite(500); // reuses freed pages
  assert.is(b.size, BACKEND_BASE_BYTES + 1000);
  b.defragment();
  assert.is(b.size, BACKEND_BASE_BYTES + 700);
});

test("without a quota a member never refuses a write for space", () => {
  const { c, call } = cluster(1, {});
  assert.is(fill(call, c), "never full");
});

test("a member refuses a put past the space quota; NOSPACE is raised on every member; reads and deletes still work", () => {
  const { c, call, mcall, members } = cluster(3, { quotaBackendBytes: 40_000 });
  assert.is(fill(call, c).replace("?", ""), "no-space");
  const alarms = mcall("n2", { op: "alarmList" });
  assert.ok((alarms.alarms ?? []).length >= 1, "AlarmList shows NOSPACE");
  for (const m of members.values()) assert.ok(m.alarms.noSpace, "every member applied the alarm");
  assert.is(
    call((d) => c.put({ key: "/small", value: "x" }, d)),
    "no-space",
  );
  assert.is(
    call((d) => c.leaseGrant({ TTL: 10 }, d)),
    "no-space",
  );
  assert.is(
    call((d) => c.range({ key: "/fill/", rangeEnd: "/fill0" }, d)),
    "ok",
  );
  assert.is(
    call((d) => c.deleteRange({ key: "/fill/0" }, d)),
    "ok",
  );
  assert.is(
    call((d) => c.txn({ compare: [], success: [{ requestDeleteRange: { key: "/fill/1" } }], failure: [] }, d)),
    "ok",
  );
});

test("a put inside a nested Txn is refused during NOSPACE too, and reported as a write when applied (etcd #22134)", () => {
  const nestedPut = (key: string) => ({
    compare: [],
    success: [{ requestTxn: { compare: [], success: [{ requestPut: { key, value: "x" } }], failure: [] } }],
    failure: [],
  });
  const { c, call, mcall, members, events } = cluster(3, { quotaBackendBytes: 40_000 });
  assert.is(
    call((d) => c.txn(nestedPut("/before"), d)),
    "ok",
  );
  assert.ok(
    events.some(({ e }) => e.kind === "write"),
    "the nested put was reported as a write",
  );
  assert.is(fill(call, c).replace("?", ""), "no-space");
  assert.ok((mcall("n2", { op: "alarmList" }).alarms ?? []).length >= 1);
  for (const m of members.values()) assert.ok(m.alarms.noSpace);
  assert.is(
    call((d) => c.txn(nestedPut("/during"), d)),
    "no-space",
  );
  // The mutant's older cost lets it through.
  const old = cluster(3, { quotaBackendBytes: 40_000, bugs: new BugSet(["etcd-quota-nested-txn-free"]) });
  assert.is(fill(old.call, old.c).replace("?", ""), "no-space");
  assert.ok((old.mcall("n2", { op: "alarmList" }).alarms ?? []).length >= 1);
  assert.is(
    old.call((d) => old.c.txn(nestedPut("/during"), d)),
    "ok",
  );
});

test("compaction alone does not clear NOSPACE; defrag alone does not either; defrag + disarm does", () => {
  const { c, call, mcall, members, events } = cluster(3, { quotaBackendBytes: 40_000 });
  fill(call, c);
  call((d) => c.deleteRange({ key: "/fill/", rangeEnd: "/fill0" }, d));
  const rev = members.get("n1")!.store.revision;
  assert.is(
    call((d) => c.compact({ revision: rev }, d)),
    "ok",
  );
  const before = mcall("n1", { op: "status" });
  assert.ok(before.dbSize! > before.dbSizeInUse!, "the file keeps its size after compaction");
  assert.is(
    call((d) => c.put({ key: "/after-compact", value: "x" }, d)),
    "no-space",
  );
  for (const id of members.keys()) mcall(id, { op: "defragment" });
  const after = mcall("n1", { op: "status" });
  assert.is(after.dbSize, after.dbSizeInUse);
  // The size is fine now, but the alarm is still active: the capped applier refuses the write.
  assert.is(
    call((d) => c.put({ key: "/after-defrag", value: "x" }, d)),
    "no-space",
  );
  for (const a of mcall("n1", { op: "alarmList" }).alarms ?? [])
    mcall("n1", { op: "alarmDisarm", member: a.member, alarm: "NOSPACE" });
  assert.equal(mcall("n1", { op: "alarmList" }).alarms, []);
  assert.is(
    call((d) => c.put({ key: "/recovered", value: "x" }, d)),
    "ok",
  );
  // No member applied a write while its view had the alarm.
  for (const id of members.keys()) {
    let active = new Set<string>();
    for (const { member, e } of events) {
      if (member !== id) continue;
      if (e.kind === "alarm") active.add(e.raisedBy);
      else if (e.kind === "disarm") active.delete(e.raisedBy);
      // Every applied request is reported; a compaction or a read costs nothing and passes the capped applier.
      else if (e.kind === "write" && quotaCost(e.request) > 0)
        assert.is(active.size, 0, `${id} applied a write at ${e.revision} during NOSPACE`);
    }
    active = new Set();
  }
});

test("etcd-write-during-nospace: after defrag, a write is applied while the alarm is still active", () => {
  const { c, call, mcall, members } = cluster(1, {
    quotaBackendBytes: 40_000,
    bugs: new BugSet(["etcd-write-during-nospace"]),
  });
  fill(call, c);
  call((d) => c.deleteRange({ key: "/fill/", rangeEnd: "/fill0" }, d));
  call((d) => c.compact({ revision: members.get("n1")!.store.revision }, d));
  mcall("n1", { op: "defragment" });
  assert.ok(members.get("n1")!.alarms.noSpace);
  assert.is(
    call((d) => c.put({ key: "/sneaked", value: "x" }, d)),
    "ok",
  );
});

test("the write that crosses the quota at apply is applied anyway and answered no-space of unknown outcome (etcd's quota applier)", () => {
  const { world, c, call, members } = cluster(1, { quotaBackendBytes: 40_000 });
  const m = members.get("n1")!;
  const room = 40_000 - m.backend.size;
  // Each put fits on its own when checked before proposing; the second no longer does when it applies.
  const v = "w".repeat(Math.floor(room / 2) + 100 - KV_OVERHEAD);
  const out: string[] = [];
  c.put({ key: "/p1", value: v }, (r) => out.push(r.ok ? "ok" : `${r.error}${r.unknown ? "?" : ""}`));
  c.put({ key: "/p2", value: v }, (r) => out.push(r.ok ? "ok" : `${r.error}${r.unknown ? "?" : ""}`));
  world.runUntilPredicate(() => out.length === 2, world.now + 3_000_000);
  world.runUntil(world.now + 200_000);
  assert.equal(out, ["ok", "no-space?"]);
  assert.ok(
    call((d) => c.range({ key: "/p2" }, d)) === "ok" && m.store.kvAt("/p2", m.store.revision) !== undefined,
    "the second put was applied",
  );
  assert.ok(m.alarms.noSpace, "and it raised NOSPACE");
});

test("a restarted member's backend file is as long as before the crash: only a defrag shrinks it", () => {
  for (const lost of [false, true]) {
    const { world, c, call, members } = cluster(1, {
      quotaBackendBytes: 200_000,
      // A snapshot after the compaction: the restart restores it and replays only what follows.
      snapshotEvery: 5,
      ...(lost ? { bugs: new BugSet(["etcd-backend-size-lost-on-restart"]) } : {}),
    });
    for (let i = 0; i < 40; i++) call((d) => c.put({ key: "/same", value: `${i}${value}` }, d));
    call((d) => c.compact({ revision: members.get("n1")!.store.revision }, d));
    for (let i = 0; i < 6; i++) call((d) => c.put({ key: `/small${i}`, value: "x" }, d));
    const { size, live } = members.get("n1")!.backend;
    assert.ok(size > live + 20_000, "compaction left free pages in the file");
    world.crash("n1");
    world.restart("n1");
    world.runUntil(world.now + 1_000_000);
    const after = members.get("n1")!.backend;
    if (lost) assert.ok(after.size < size, "the mutant counts a fresh file");
    else assert.is(after.size, size, "the file kept its length");
  }
});

test("the quota counts the file's size, not the size in use: after a compaction alone, a put the freed pages could hold is refused", () => {
  for (const inUse of [false, true]) {
    const { c, call, members } = cluster(1, {
      quotaBackendBytes: 40_000,
      ...(inUse ? { bugs: new BugSet(["etcd-quota-counts-size-in-use"]) } : {}),
    });
    const m = members.get("n1")!;
    for (let i = 0; m.backend.size < 34_000; i++) call((d) => c.put({ key: "/k", value: `${i}${value}` }, d));
    call((d) => c.compact({ revision: m.store.revision }, d));
    assert.ok(m.backend.live < 25_000, "the compaction freed most of the file");
    const r = call((d) => c.put({ key: "/big", value: "b".repeat(8_000) }, d));
    assert.is(r, inUse ? "ok" : "no-space", inUse ? "the mutant admits it" : "the file has no room for it");
  }
});

test("an alarm survives a restart (replayed from the log)", () => {
  const { world, c, call, members } = cluster(1, { quotaBackendBytes: 40_000 });
  fill(call, c);
  assert.ok(members.get("n1")!.alarms.noSpace);
  world.crash("n1");
  world.restart("n1");
  world.runUntil(world.now + 1_000_000);
  assert.ok(members.get("n1")!.alarms.noSpace, "NOSPACE is still active after the restart");
});

test.run();
