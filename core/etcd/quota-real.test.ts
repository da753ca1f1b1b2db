// The space quota and the request limits, differentially against a real etcd 3.4 started with a small
// --quota-backend-bytes, --max-request-bytes and --max-txn-ops: the same sequence of requests on both
// sides must get the same kinds of answers — writes refused past the quota with "database space
// exceeded", NOSPACE listed by AlarmList, reads and deletes still served, compaction alone (and defrag
// alone) not enough, defrag + disarm bringing writes back. Byte counts differ (bbolt's pages are not
// modelled), so the fill phase compares that both end in no-space, not after how many puts.
// Without etcd this file fails with an install hint, unless ETCDSIM_SKIP_REAL_ETCD=1 skips it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdGatewayClient } from "../../scripts/real-etcd-client.ts";
import { realEtcdAvailability, startRealEtcd, type RealEtcd } from "../../scripts/real-etcd.ts";
import { World } from "../../sim/world.ts";
import { isEtcdError } from "../mvcc/store.ts";
import type { EtcdRequest, EtcdResponse } from "../mvcc/rpc.ts";
import { EtcdClient, HistoryRecorder } from "./client.ts";
import { MaintenanceClient } from "./maintenance.ts";
import { EtcdMember } from "./member.ts";
import type { MaintenanceRequest, MaintenanceResult } from "./protocol.ts";

const QUOTA = 2 * 1024 * 1024;
const MAX_REQUEST = 64 * 1024;
const MAX_TXN_OPS = 8;
const availability = realEtcdAvailability();
let server: RealEtcd | undefined;

/** One side of the comparison: requests → "ok" or the error code; maintenance calls. */
interface Side {
  kv(req: EtcdRequest): Promise<{ outcome: string; response?: EtcdResponse }>;
  alarms(): Promise<string[]>;
  disarmAll(): Promise<void>;
  defrag(): Promise<void>;
}

function simSide(): Side {
  const world = new World({ seed: 11 });
  let member!: EtcdMember;
  world.spawn(
    "n1",
    (env) =>
      (member = new EtcdMember(env, {
        peers: ["n1"],
        quotaBackendBytes: QUOTA,
        maxRequestBytes: MAX_REQUEST,
        maxTxnOps: MAX_TXN_OPS,
      })),
  );
  let client!: EtcdClient;
  let maint!: MaintenanceClient;
  world.spawn("c1", (env) => {
    client = new EtcdClient(env, {
      clientId: 1,
      members: ["n1"],
      requestTimeoutUs: 2_000_000,
      streamTimeoutUs: 2_000_000,
      recorder: new HistoryRecorder(() => world.now),
    });
    maint = new MaintenanceClient(env);
    return { onMessage: (f, m) => void (maint.onMessage(f, m) || client.onMessage(f, m)) };
  });
  world.runUntil(1_000_000);
  const call = (req: EtcdRequest): { outcome: string; response?: EtcdResponse } => {
    let out: { outcome: string; response?: EtcdResponse } | undefined;
    const cb = (r: { ok: boolean; error?: string; value?: unknown }) =>
      (out = r.ok
        ? { outcome: "ok", response: { kind: req.kind, [req.kind]: r.value } as unknown as EtcdResponse }
        : { outcome: String(r.error) });
    const c = client as unknown as Record<string, (body: unknown, cb: unknown) => void>;
    c[req.kind]!((req as unknown as Record<string, unknown>)[req.kind], cb);
    world.runUntilPredicate(() => out !== undefined, world.now + 3_000_000);
    world.runUntil(world.now + 50_000); // let a raised alarm apply
    return out ?? { outcome: "no answer" };
  };
  const m = (req: MaintenanceRequest): MaintenanceResult => {
    let out: MaintenanceResult | undefined;
    maint.call("n1", req, (r) => (out = r));
    world.runUntilPredicate(() => out !== undefined, world.now + 3_000_000);
    return out ?? { error: "timeout" };
  };
  void member;
  return {
    kv: async (req) => call(req),
    alarms: async () => (m({ op: "alarmList" }).alarms ?? []).map((a) => a.alarm),
    disarmAll: async () => {
      for (const a of m({ op: "alarmList" }).alarms ?? []) m({ op: "alarmDisarm", member: a.member, alarm: "NOSPACE" });
    },
    defrag: async () => void m({ op: "defragment" }),
  };
}

function realSide(url: string): Side {
  const c = new EtcdGatewayClient(url, undefined, 10_000);
  const alarmList = async () => {
    const r = await c.post("/v3/maintenance/alarm", { action: "GET" });
    if (isEtcdError(r)) throw new Error(`alarm list: ${r.error}`);
    return (r.body.alarms as { memberID?: string; alarm?: string }[] | undefined) ?? [];
  };
  return {
    kv: async (req) => {
      const r = await c.apply(req);
      return isEtcdError(r) ? { outcome: r.error } : { outcome: "ok", response: r };
    },
    alarms: async () => (await alarmList()).map((a) => a.alarm ?? "NONE"),
    disarmAll: async () => {
      for (const a of await alarmList()) {
        const r = await c.post("/v3/maintenance/alarm", { action: "DEACTIVATE", memberID: a.memberID, alarm: a.alarm });
        if (isEtcdError(r)) throw new Error(`disarm: ${r.error}`);
      }
    },
    defrag: async () => {
      const r = await c.post("/v3/maintenance/defragment", {});
      if (isEtcdError(r)) throw new Error(`defragment: ${r.error}`);
    },
  };
}

const put = (key: string, value = "v"): EtcdRequest => ({ kind: "put", put: { key, value } });
const puts = (n: number) => Array.from({ length: n }, (_, i) => ({ requestPut: { key: `/txn/${i}`, value: "v" } }));

test.before(async () => {
  if (availability.kind !== "available") return;
  server = await startRealEtcd({
    extraArgs: [`--quota-backend-bytes=${QUOTA}`, `--max-request-bytes=${MAX_REQUEST}`, `--max-txn-ops=${MAX_TXN_OPS}`],
  });
});
test.after(async () => {
  await server?.stop();
});

test("the request limits and the space quota behave as in etcd 3.4", async () => {
  if (availability.kind === "skipped") return console.log(availability.message);
  if (availability.kind === "missing") assert.unreachable(availability.message);
  const sides: [string, Side][] = [
    ["sim", simSide()],
    ["etcd", realSide(server!.clientUrl)],
  ];
  /** Runs one step on both sides and requires the same outcome. */
  const both = async (what: string, req: EtcdRequest, want: string) => {
    for (const [name, s] of sides) assert.is((await s.kv(req)).outcome, want, `${name}: ${what}`);
  };
  await both("a small put", put("/a"), "ok");
  await both(
    "a Txn at --max-txn-ops",
    { kind: "txn", txn: { compare: [], success: puts(MAX_TXN_OPS), failure: [] } },
    "ok",
  );
  await both(
    "a Txn over --max-txn-ops",
    { kind: "txn", txn: { compare: [], success: puts(MAX_TXN_OPS + 1), failure: [] } },
    "too-many-ops",
  );
  await both("a put over --max-request-bytes", put("/big", "x".repeat(MAX_REQUEST + 1000)), "request-too-large");
  await both("a put well under --max-request-bytes", put("/fits", "x".repeat(MAX_REQUEST / 2)), "ok");
  for (const [name, s] of sides) assert.equal(await s.alarms(), [], `${name}: no alarm yet`);

  // Fill with distinct keys until a write is refused: both must end in "database space exceeded".
  const value = "f".repeat(30_000);
  for (const [name, s] of sides) {
    let last = "ok";
    for (let i = 0; i < 400 && last === "ok"; i++)
      last = (await s.kv(put(`/fill/${String(i).padStart(4, "0")}`, value))).outcome;
    assert.is(last, "no-space", `${name}: the fill ends in no-space`);
    assert.equal(await s.alarms(), ["NOSPACE"], `${name}: AlarmList shows NOSPACE`);
  }
  await both("a small put during NOSPACE", put("/b"), "no-space");
  await both(
    "a Txn with a put during NOSPACE",
    { kind: "txn", txn: { compare: [], success: [{ requestPut: { key: "/c", value: "v" } }], failure: [] } },
    "no-space",
  );
  await both("a LeaseGrant during NOSPACE", { kind: "leaseGrant", leaseGrant: { TTL: 30 } }, "no-space");
  await both("a range during NOSPACE", { kind: "range", range: { key: "/a" } }, "ok");
  await both(
    "a read-only Txn during NOSPACE",
    { kind: "txn", txn: { compare: [], success: [{ requestRange: { key: "/a" } }], failure: [] } },
    "ok",
  );
  await both(
    "a delete-only Txn during NOSPACE",
    { kind: "txn", txn: { compare: [], success: [{ requestDeleteRange: { key: "/fits" } }], failure: [] } },
    "ok",
  );
  await both(
    "a delete of the fill during NOSPACE",
    { kind: "deleteRange", deleteRange: { key: "/fill/", rangeEnd: "/fill0" } },
    "ok",
  );
  for (const [name, s] of sides) {
    const rev = (await s.kv({ kind: "range", range: { key: "/a" } })).response;
    assert.ok(rev?.kind === "range", name);
    assert.is(
      (await s.kv({ kind: "compact", compact: { revision: rev.kind === "range" ? rev.range.header.revision : 0 } }))
        .outcome,
      "ok",
      `${name}: compaction during NOSPACE`,
    );
    assert.is(
      (await s.kv(put("/after-compact"))).outcome,
      "no-space",
      `${name}: compaction alone does not clear NOSPACE`,
    );
    await s.defrag();
    assert.is(
      (await s.kv(put("/after-defrag"))).outcome,
      "no-space",
      `${name}: defrag alone does not clear NOSPACE (the alarm stays until disarm)`,
    );
    assert.equal(await s.alarms(), ["NOSPACE"], `${name}: still listed after defrag`);
    await s.disarmAll();
    assert.equal(await s.alarms(), [], `${name}: disarmed`);
    assert.is(
      (await s.kv(put("/recovered"))).outcome,
      "ok",
      `${name}: writes succeed after compaction + defrag + disarm`,
    );
  }
});

test.run();
