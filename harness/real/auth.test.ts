// Differential test of etcd auth: one script of Auth service calls and KV requests, by several
// principals (no token, root, a user with a role, a user without one), against a real etcd 3.4 and
// against a simulated member; every answer — result or error — must be the same. Covers the root
// requirement of AuthEnable, permission denied on key ranges (points, prefixes, Txn branches, prev_kv,
// LeaseRevoke on attached keys, watches), "user name is empty" without a token, invalid tokens after a
// password change, role revoke and re-grant on a live token, admin-only calls, and auth disable.
// Without etcd this file fails with an install hint, unless ETCDSIM_SKIP_REAL_ETCD=1 skips it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { realEtcdAvailability, startRealEtcd } from "../../scripts/real-etcd.ts";
import { EtcdEndpoint, LeaseIds } from "./grpc.ts";
import { AuthSim } from "../../testing/etcd/auth-sim.ts";
import type { AuthRequest, AuthResponse } from "../../core/etcd/auth.ts";
import type { EtcdClient } from "../../core/etcd/client.ts";
import type { EtcdRequest, EtcdResponse, WatchCreateRequest, WatchResponse } from "../../core/mvcc/rpc.ts";

type Who = "anon" | "root" | "u" | "nobody";
/** `lease: -1` in a request stands for the last lease this side granted. */
type Step =
  | { who: Who; auth: AuthRequest }
  | { who: Who; kv: EtcdRequest }
  | { who: Who; login: { name: string; password: string } }
  | { who: Who; token: string }
  | { who: Who; watch: WatchCreateRequest };

const put = (key: string, value = "v", extra: Record<string, unknown> = {}): EtcdRequest => ({
  kind: "put",
  put: { key, value, ...extra },
});
const get = (key: string, rangeEnd?: string): EtcdRequest => ({
  kind: "range",
  range: { key, ...(rangeEnd !== undefined ? { rangeEnd } : {}) },
});

const SCRIPT: Step[] = [
  { who: "anon", auth: { op: "authEnable" } }, // no root user
  { who: "anon", auth: { op: "userAdd", name: "root", password: "rootpw" } },
  { who: "anon", auth: { op: "authEnable" } }, // root lacks the root role
  { who: "anon", auth: { op: "userGrantRole", user: "root", role: "root" } },
  { who: "anon", auth: { op: "userAdd", name: "root", password: "again" } },
  { who: "anon", auth: { op: "roleAdd", name: "r" } },
  { who: "anon", auth: { op: "userGrantRole", user: "u", role: "r" } }, // no such user yet
  { who: "anon", auth: { op: "userAdd", name: "u", password: "upw" } },
  { who: "anon", auth: { op: "userAdd", name: "nobody", password: "npw" } },
  { who: "anon", auth: { op: "userGrantRole", user: "u", role: "ghost" } },
  {
    who: "anon",
    auth: { op: "roleGrantPermission", name: "r", perm: { key: "/cfg/", rangeEnd: "/cfg0", permType: "READ" } },
  },
  {
    who: "anon",
    auth: { op: "roleGrantPermission", name: "r", perm: { key: "/u/", rangeEnd: "/u0", permType: "READWRITE" } },
  },
  { who: "anon", auth: { op: "roleGrantPermission", name: "r", perm: { key: "/pt", permType: "READ" } } },
  {
    who: "anon",
    auth: { op: "roleGrantPermission", name: "r", perm: { key: "/w/", rangeEnd: "/w0", permType: "WRITE" } },
  },
  { who: "anon", auth: { op: "userGrantRole", user: "u", role: "r" } },
  { who: "anon", kv: put("/cfg/a", "1") }, // auth is still off
  { who: "anon", kv: put("/pt/x", "1") },
  { who: "anon", kv: put("/pt", "p") },
  { who: "anon", auth: { op: "authenticate", name: "root", password: "rootpw" } }, // auth is off
  { who: "anon", auth: { op: "authEnable" } },
  { who: "anon", kv: put("/u/a") },
  { who: "anon", kv: get("/cfg/a") },
  { who: "anon", auth: { op: "userAdd", name: "x", password: "x" } },
  { who: "u", login: { name: "u", password: "wrong" } },
  { who: "u", login: { name: "ghost", password: "x" } },
  { who: "root", login: { name: "root", password: "rootpw" } },
  { who: "u", login: { name: "u", password: "upw" } },
  { who: "nobody", login: { name: "nobody", password: "npw" } },
  { who: "u", kv: put("/u/a", "1") },
  { who: "u", kv: put("/cfg/a", "2") },
  { who: "u", kv: get("/cfg/", "/cfg0") },
  { who: "u", kv: get("/cfg/a") },
  { who: "u", kv: get("/pt") },
  { who: "u", kv: get("/pt", "/pu") }, // a prefix read over a point grant
  { who: "u", kv: get("/pt/x") },
  { who: "u", kv: put("/w/a", "1") },
  { who: "u", kv: get("/w/a") }, // write-only
  { who: "u", kv: put("/w/a", "2", { prevKv: true }) }, // prev_kv needs read
  { who: "u", kv: { kind: "deleteRange", deleteRange: { key: "/w/", rangeEnd: "/w0" } } },
  {
    who: "u",
    kv: {
      kind: "txn",
      txn: {
        compare: [{ key: "/u/a", target: "VERSION", result: "GREATER", version: 0 }],
        success: [{ requestPut: { key: "/u/b", value: "t" } }],
        failure: [{ requestPut: { key: "/cfg/b", value: "t" } }],
      },
    },
  },
  {
    who: "u",
    kv: {
      kind: "txn",
      txn: { compare: [{ key: "/root/x", target: "VERSION", result: "EQUAL", version: 0 }], success: [], failure: [] },
    },
  },
  {
    who: "u",
    kv: {
      kind: "txn",
      txn: {
        compare: [{ key: "/u/a", target: "VERSION", result: "GREATER", version: 0 }],
        success: [{ requestPut: { key: "/u/b", value: "t2" } }, { requestRange: { key: "/cfg/a" } }],
        failure: [],
      },
    },
  },
  { who: "nobody", kv: get("/cfg/a") },
  { who: "nobody", kv: put("/u/z") },
  { who: "root", kv: { kind: "leaseGrant", leaseGrant: { TTL: 60 } } },
  { who: "root", kv: put("/root/k", "v", { lease: -1 }) },
  { who: "u", kv: { kind: "leaseRevoke", leaseRevoke: { ID: -1 } } },
  { who: "u", kv: put("/u/l", "v", { lease: -1 }) }, // the lease holds a key u may not write
  { who: "u", kv: { kind: "leaseGrant", leaseGrant: { TTL: 60 } } }, // not checked
  { who: "u", kv: put("/u/l", "v", { lease: -1 }) },
  { who: "u", kv: { kind: "leaseRevoke", leaseRevoke: { ID: -1 } } },
  { who: "u", watch: { key: "/root/", rangeEnd: "/root0" } },
  { who: "u", watch: { key: "/cfg/", rangeEnd: "/cfg0" } },
  { who: "u", auth: { op: "userAdd", name: "x", password: "x" } }, // not root
  { who: "u", auth: { op: "userGet", name: "u" } },
  { who: "u", auth: { op: "userGet", name: "root" } },
  { who: "u", auth: { op: "roleGet", role: "r" } },
  { who: "u", auth: { op: "roleGet", role: "root" } },
  { who: "root", auth: { op: "userRevokeRole", name: "u", role: "r" } },
  { who: "u", kv: get("/cfg/a") }, // the same token, no role now
  { who: "root", auth: { op: "userRevokeRole", name: "u", role: "r" } },
  { who: "root", auth: { op: "roleRevokePermission", role: "r", key: "/nope" } },
  { who: "root", auth: { op: "userGrantRole", user: "u", role: "r" } },
  { who: "u", kv: get("/cfg/a") },
  { who: "root", auth: { op: "roleRevokePermission", role: "r", key: "/cfg/", rangeEnd: "/cfg0" } },
  { who: "u", kv: get("/cfg/a") },
  { who: "root", auth: { op: "roleGet", role: "r" } },
  { who: "root", auth: { op: "userDelete", name: "root" } },
  { who: "root", auth: { op: "userRevokeRole", name: "root", role: "root" } },
  { who: "root", auth: { op: "roleDelete", role: "root" } },
  { who: "root", auth: { op: "userChangePassword", name: "u", password: "upw2" } },
  { who: "u", kv: get("/u/a") }, // its token was revoked with the password
  { who: "u", login: { name: "u", password: "upw2" } },
  { who: "u", kv: get("/u/a") },
  { who: "root", auth: { op: "roleDelete", role: "r" } },
  { who: "u", kv: get("/u/a") },
  { who: "u", token: "garbage" },
  { who: "u", kv: get("/u/a") },
  { who: "root", auth: { op: "authDisable" } },
  { who: "anon", kv: put("/u/a", "free") },
  { who: "u", kv: get("/u/a") }, // a bad token is ignored with auth off
  { who: "anon", auth: { op: "authEnable" } },
  { who: "root", kv: get("/u/a") }, // root's token died with auth disable
];

/** What both sides must agree on: ok with the parts of the answer that do not depend on ids, or the error. */
type Outcome = string;

function kvOutcome(r: { ok: true; value: EtcdResponse } | { ok: false; error?: string; reason?: string }): Outcome {
  if (!r.ok) return `error ${r.error ?? r.reason}`;
  const v = r.value;
  switch (v.kind) {
    case "range":
      return `ok ${v.range.kvs.map((k) => `${k.key}=${k.value}`).join(",")}`;
    case "txn":
      return `ok succeeded=${v.txn.succeeded}`;
    case "deleteRange":
      return `ok deleted=${v.deleteRange.deleted}`;
    case "put":
      return `ok${v.put.prevKv ? ` prev=${v.put.prevKv.value}` : ""}`;
    default:
      return "ok";
  }
}

function authOutcome(r: { ok: true; value: AuthResponse } | { ok: false; error?: string; reason?: string }): Outcome {
  if (!r.ok) return `error ${r.error ?? r.reason}`;
  const v = r.value;
  return `ok${v.token !== undefined ? " token" : ""}${v.roles ? ` roles=${v.roles.join(",")}` : ""}${v.perms ? ` perms=${v.perms.map((p) => `${p.permType}:${p.key}..${p.rangeEnd ?? ""}`).join(",")}` : ""}`;
}

function watchOutcome(w: WatchResponse | string): Outcome {
  if (typeof w === "string") return `ended ${w}`;
  return `created=${w.created === true} canceled=${w.canceled === true}${w.cancelReason ? ` reason=${w.cancelReason}` : ""}`;
}

function withLease(req: EtcdRequest, lease: number): EtcdRequest {
  if (req.kind === "put" && req.put.lease === -1) return { ...req, put: { ...req.put, lease } };
  if (req.kind === "leaseRevoke" && req.leaseRevoke.ID === -1) return { ...req, leaseRevoke: { ID: lease } };
  return req;
}

function runSim(): Outcome[] {
  const sim = new AuthSim();
  const clients = new Map<Who, EtcdClient>((["anon", "root", "u", "nobody"] as Who[]).map((w) => [w, sim.client(w)]));
  let lease = 0;
  const out: Outcome[] = [];
  for (const step of SCRIPT) {
    const c = clients.get(step.who)!;
    if ("auth" in step) out.push(authOutcome(sim.auth(c, step.auth)));
    else if ("login" in step) {
      const r = sim.auth(c, { op: "authenticate", ...step.login });
      if (r.ok) c.useToken(r.value.token);
      out.push(authOutcome(r));
    } else if ("token" in step) {
      c.useToken(step.token);
      out.push("token set");
    } else if ("watch" in step) out.push(watchOutcome(sim.watch(c, step.watch)));
    else {
      const r = sim.kv(c, withLease(step.kv, lease));
      if (r.ok && r.value.kind === "leaseGrant") lease = r.value.leaseGrant.ID;
      out.push(kvOutcome(r));
    }
  }
  return out;
}

async function runReal(address: string): Promise<Outcome[]> {
  const leases = new LeaseIds();
  const eps = new Map<Who, EtcdEndpoint>(
    (["anon", "root", "u", "nobody"] as Who[]).map((w) => [w, new EtcdEndpoint(w, address, leases)]),
  );
  let lease = 0;
  const out: Outcome[] = [];
  try {
    for (const step of SCRIPT) {
      const ep = eps.get(step.who)!;
      if ("auth" in step) out.push(authOutcome(await ep.auth(step.auth, 5000)));
      else if ("login" in step) {
        ep.token = undefined;
        const r = await ep.auth({ op: "authenticate", ...step.login }, 5000);
        if (r.ok) ep.token = r.value.token;
        out.push(authOutcome(r));
      } else if ("token" in step) {
        ep.token = step.token;
        out.push("token set");
      } else if ("watch" in step) {
        const first = await new Promise<WatchResponse | string>((resolve) => {
          const w = ep.watch(
            step.watch,
            (r) => {
              w.close();
              resolve(r);
            },
            (reason) => resolve(reason),
          );
          setTimeout(() => {
            w.close();
            resolve("no response");
          }, 3000);
        });
        out.push(watchOutcome(first));
      } else {
        const r = await ep.request(withLease(step.kv, lease), 5000);
        if (r.ok && r.value.kind === "leaseGrant") lease = r.value.leaseGrant.ID;
        out.push(kvOutcome(r));
      }
    }
  } finally {
    for (const ep of eps.values()) ep.close();
  }
  return out;
}

const availability = realEtcdAvailability();

test("auth: the simulated member answers an auth script as a real etcd 3.4 does", async () => {
  if (availability.kind === "skipped") return console.log(availability.message);
  if (availability.kind === "missing") assert.unreachable(availability.message);
  const sim = runSim();
  const server = await startRealEtcd();
  let real: Outcome[];
  try {
    real = await runReal(server.clientUrl.replace(/^http:\/\//, ""));
  } finally {
    await server.stop();
  }
  const diffs = SCRIPT.map((s, i) => ({ i, step: JSON.stringify(s), sim: sim[i], real: real[i] })).filter(
    (d) => d.sim !== d.real,
  );
  assert.equal(diffs, [], diffs.map((d) => `step ${d.i} ${d.step}\n  sim:  ${d.sim}\n  real: ${d.real}`).join("\n"));
  // The script reaches what it is for.
  assert.ok(real.filter((o) => o === "error permission-denied").length >= 10);
  for (const e of [
    "user-empty",
    "invalid-auth-token",
    "root-user-not-exist",
    "root-role-not-exist",
    "invalid-auth-mgmt",
    "auth-failed",
    "auth-not-enabled",
  ]) {
    assert.ok(real.includes(`error ${e}`), e);
  }
});

test.run();
