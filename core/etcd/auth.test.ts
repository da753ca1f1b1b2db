// etcd auth in the simulated member: key-range permissions, the root requirement, the auth revision,
// tokens, and the apply-time re-check that stops a write which raced a revoke.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyAuth, emptyAuthState, rangePermitted, type AuthRequest, type AuthState } from "./auth.ts";
import { AuthSim } from "../../testing/etcd/auth-sim.ts";
import type { EtcdClient } from "./client.ts";
import type { BugName } from "../bugs.ts";

function stateOf(reqs: AuthRequest[]): AuthState {
  let s = emptyAuthState();
  for (const r of reqs) {
    const out = applyAuth(s, r, "root");
    assert.is(out.error, undefined, `${r.op}: ${out.error}`);
    s = out.state;
  }
  return s;
}

const base: AuthRequest[] = [
  { op: "userAdd", name: "u", password: "p" },
  { op: "roleAdd", name: "r" },
  { op: "userGrantRole", user: "u", role: "r" },
];

test("a point permission covers its key only; a range covers [key, rangeEnd); '\\0' every key from key on", () => {
  const s = stateOf([
    ...base,
    { op: "roleGrantPermission", name: "r", perm: { key: "/a", permType: "READ" } },
    { op: "roleGrantPermission", name: "r", perm: { key: "/b/", rangeEnd: "/b0", permType: "READWRITE" } },
    { op: "roleGrantPermission", name: "r", perm: { key: "/z", rangeEnd: "\0", permType: "WRITE" } },
  ]);
  assert.ok(rangePermitted(s, "u", "/a", undefined, "READ"));
  assert.not.ok(rangePermitted(s, "u", "/a", undefined, "WRITE"));
  assert.not.ok(rangePermitted(s, "u", "/a/x", undefined, "READ"), "a point is not a prefix");
  assert.not.ok(rangePermitted(s, "u", "/a", "/a0", "READ"), "a prefix read is not covered by a point");
  assert.ok(
    rangePermitted(s, "u", "/a/x", undefined, "READ", { rangeEndIgnored: true }),
    "the mutant reads a point as a prefix",
  );
  assert.ok(rangePermitted(s, "u", "/b/1", undefined, "WRITE"));
  assert.ok(rangePermitted(s, "u", "/b/", "/b0", "READ"));
  assert.ok(rangePermitted(s, "u", "/b/x", "/b/y", "READ"));
  assert.not.ok(rangePermitted(s, "u", "/b/", "/c", "READ"), "a range reaching past the grant");
  assert.ok(rangePermitted(s, "u", "/zz", "\0", "WRITE"));
  assert.not.ok(rangePermitted(s, "u", "/y", "\0", "WRITE"));
  assert.not.ok(rangePermitted(s, "nobody", "/a", undefined, "READ"));
});

test("adjacent grants together cover a range neither covers alone", () => {
  const s = stateOf([
    ...base,
    { op: "roleGrantPermission", name: "r", perm: { key: "a", rangeEnd: "m", permType: "READ" } },
    { op: "roleGrantPermission", name: "r", perm: { key: "m", rangeEnd: "t", permType: "READ" } },
  ]);
  assert.ok(rangePermitted(s, "u", "b", "s", "READ"));
  assert.not.ok(rangePermitted(s, "u", "b", "u", "READ"));
});

test("every auth mutation bumps the auth revision; enable needs root with the root role and does not bump it", () => {
  let s = emptyAuthState();
  assert.is(s.revision, 1);
  assert.is(applyAuth(s, { op: "authEnable" }, undefined).error, "root-user-not-exist");
  s = applyAuth(s, { op: "userAdd", name: "root", password: "r" }, undefined).state;
  assert.is(s.revision, 2);
  assert.is(applyAuth(s, { op: "authEnable" }, undefined).error, "root-role-not-exist");
  s = applyAuth(s, { op: "userGrantRole", user: "root", role: "root" }, undefined).state;
  assert.is(s.revision, 3);
  assert.is(
    applyAuth(s, { op: "userGrantRole", user: "root", role: "root" }, undefined).state.revision,
    3,
    "a duplicate grant is ignored",
  );
  s = applyAuth(s, { op: "authEnable" }, undefined).state;
  assert.equal([s.enabled, s.revision], [true, 3]);
  assert.is(
    applyAuth(s, { op: "userAdd", name: "x", password: "" }, undefined).error,
    "user-empty",
    "admin calls need a user",
  );
  assert.is(applyAuth(s, { op: "userRevokeRole", name: "root", role: "root" }, "root").error, "invalid-auth-mgmt");
  const off = applyAuth(s, { op: "authDisable" }, "root");
  assert.equal([off.state.enabled, off.state.revision, off.invalidate], [false, 4, "*"]);
});

/** root/rootpw with the root role, user u/upw with role r, and auth enabled, through the client API. */
function setup(sim: AuthSim, perms: AuthRequest[]): EtcdClient {
  const admin = sim.client("admin", { member: sim.leader()!, auth: { user: "root", password: "rootpw" } });
  for (const r of [
    { op: "userAdd", name: "root", password: "rootpw" },
    { op: "userGrantRole", user: "root", role: "root" },
    { op: "userAdd", name: "u", password: "upw" },
    { op: "roleAdd", name: "r" },
    { op: "userGrantRole", user: "u", role: "r" },
    { op: "userAdd", name: "nobody", password: "npw" },
    ...perms,
    { op: "authEnable" },
  ] as AuthRequest[]) {
    const out = sim.auth(admin, r);
    assert.ok(out.ok, `${r.op}: ${JSON.stringify(out)}`);
  }
  assert.ok(sim.login(admin).ok);
  return admin;
}

test("with auth on: a user without the grant is denied, without a token is 'user name is empty', with a made-up token is refused", () => {
  const sim = new AuthSim();
  const admin = setup(sim, [
    { op: "roleGrantPermission", name: "r", perm: { key: "/cfg/", rangeEnd: "/cfg0", permType: "READ" } },
  ]);
  assert.ok(sim.kv(admin, { kind: "put", put: { key: "/cfg/a", value: "1" } }).ok, "root writes anywhere");
  const u = sim.client("u", { auth: { user: "u", password: "upw" } });
  const got = sim.kv(u, { kind: "range", range: { key: "/cfg/", rangeEnd: "/cfg0" } });
  assert.ok(got.ok && got.value.kind === "range" && got.value.range.kvs.length === 1);
  assert.equal(sim.kv(u, { kind: "put", put: { key: "/cfg/a", value: "2" } }), {
    ok: false,
    error: "permission-denied",
    unknown: false,
  });
  assert.equal(sim.kv(u, { kind: "range", range: { key: "/other" } }), {
    ok: false,
    error: "permission-denied",
    unknown: false,
  });
  const nobody = sim.client("nobody", { auth: { user: "nobody", password: "npw" } });
  assert.equal(
    sim.kv(nobody, { kind: "range", range: { key: "/cfg/a" } }),
    { ok: false, error: "permission-denied", unknown: false },
    "no role, no read",
  );
  const anon = sim.client("anon");
  assert.equal(sim.kv(anon, { kind: "put", put: { key: "/cfg/a", value: "3" } }), {
    ok: false,
    error: "user-empty",
    unknown: false,
  });
  const wrong = sim.client("wrong", { auth: { user: "u", password: "bad" } });
  assert.equal(sim.kv(wrong, { kind: "range", range: { key: "/cfg/a" } }), {
    ok: false,
    error: "auth-failed",
    unknown: false,
  });
  const w = sim.watch(u, { key: "/secret" });
  assert.equal(
    [w.created, w.canceled, w.cancelReason],
    [true, true, "rpc error: code = PermissionDenied desc = etcdserver: permission denied"],
  );
  assert.not.ok(sim.watch(u, { key: "/cfg/a" }).canceled);
  assert.ok(sim.watch(anon, { key: "/cfg/a" }).canceled, "with auth on, a watch with no token is refused");
});

/** What each caller gets from the Maintenance service: activate, list, disarm, defragment, status. */
function maintenanceAnswers(bugs: BugName[]): Record<string, string[]> {
  const sim = new AuthSim({ bugs });
  const admin = setup(sim, []);
  const u = sim.client("u", { member: sim.leader()!, auth: { user: "u", password: "upw" } });
  assert.ok(sim.login(u).ok);
  const anon = sim.client("anon", { member: sim.leader()! });
  const out: Record<string, string[]> = {};
  for (const [name, c] of [
    ["anon", anon],
    ["u", u],
    ["root", admin],
  ] as const) {
    out[name] = (
      [
        { op: "alarmActivate", member: "n1", alarm: "NOSPACE" },
        { op: "alarmList" },
        { op: "alarmDisarm", member: "n1", alarm: "NOSPACE" },
        { op: "defragment" },
        { op: "status" },
      ] as const
    ).map((req) => sim.maintenance(c, req).error ?? "ok");
  }
  return out;
}

test("with auth on, the Maintenance service wants root to change an alarm or defragment and a user to list alarms; status answers anyone", () => {
  assert.equal(maintenanceAnswers([]), {
    anon: ["user-empty", "user-empty", "user-empty", "user-empty", "ok"],
    u: ["permission-denied", "ok", "permission-denied", "permission-denied", "ok"],
    root: ["ok", "ok", "ok", "ok", "ok"],
  });
});

test("mutant etcd-auth-alarm-unchecked: anyone, with no token at all, changes and lists alarms (defragment stays root's)", () => {
  assert.equal(maintenanceAnswers(["etcd-auth-alarm-unchecked"]), {
    anon: ["ok", "ok", "ok", "user-empty", "ok"],
    u: ["ok", "ok", "ok", "permission-denied", "ok"],
    root: ["ok", "ok", "ok", "ok", "ok"],
  });
});

/** What each caller gets from a membership change at the leader: add a learner, then remove it. */
function memberChangeAnswers(bugs: BugName[]): Record<string, (string | undefined)[]> {
  const sim = new AuthSim({ bugs, members: 3 });
  const admin = setup(sim, []);
  const u = sim.client("u", { member: sim.leader()!, auth: { user: "u", password: "upw" } });
  assert.ok(sim.login(u).ok);
  const anon = sim.client("anon", { member: sim.leader()! });
  const out: Record<string, (string | undefined)[]> = {};
  for (const [name, c] of [
    ["anon", anon],
    ["u", u],
    ["root", admin],
  ] as const) {
    out[name] = [sim.memberChange(c, { op: "addLearner", id: "n9" }), sim.memberChange(c, { op: "remove", id: "n9" })];
  }
  return out;
}

test("with auth on, a membership change needs the root role; without a token it is 'user name is empty'", () => {
  assert.equal(memberChangeAnswers([]), {
    anon: ["user-empty", "user-empty"],
    u: ["permission-denied", "permission-denied"],
    root: [undefined, undefined],
  });
});

test("mutant etcd-auth-member-change-unchecked: a client with no token adds and removes a member", () => {
  const out = memberChangeAnswers(["etcd-auth-member-change-unchecked"]);
  assert.equal(out.anon, [undefined, undefined]);
  // n9 is gone for good once removed: etcd never takes a removed ID back, so the user's calls pass the
  // (absent) auth check and meet the membership rules.
  assert.equal(out.u, ["id-removed", "invalid"]);
});

test("a Txn needs read on every compare and permission for every operation of both branches; LeaseRevoke needs write on the lease's keys", () => {
  const sim = new AuthSim();
  const admin = setup(sim, [
    { op: "roleGrantPermission", name: "r", perm: { key: "/u/", rangeEnd: "/u0", permType: "READWRITE" } },
  ]);
  const u = sim.client("u", { auth: { user: "u", password: "upw" } });
  const txn = (failureKey: string) =>
    sim.kv(u, {
      kind: "txn",
      txn: {
        compare: [{ key: "/u/a", target: "VERSION", result: "EQUAL", version: 0 }],
        success: [{ requestPut: { key: "/u/a", value: "1" } }],
        failure: [{ requestPut: { key: failureKey, value: "1" } }],
      },
    });
  assert.equal(
    txn("/admin/x"),
    { ok: false, error: "permission-denied", unknown: false },
    "the failure branch is checked too",
  );
  assert.ok(txn("/u/b").ok);
  const lease = sim.kv(admin, { kind: "leaseGrant", leaseGrant: { TTL: 60 } });
  assert.ok(lease.ok && lease.value.kind === "leaseGrant");
  const id = lease.ok && lease.value.kind === "leaseGrant" ? lease.value.leaseGrant.ID : 0;
  assert.ok(sim.kv(admin, { kind: "put", put: { key: "/admin/k", value: "v", lease: id } }).ok);
  assert.equal(sim.kv(u, { kind: "leaseRevoke", leaseRevoke: { ID: id } }), {
    ok: false,
    error: "permission-denied",
    unknown: false,
  });
  assert.ok(sim.kv(admin, { kind: "leaseRevoke", leaseRevoke: { ID: id } }).ok);
});

test("a token expires after its TTL of disuse, every use refreshes it, and the client authenticates again", () => {
  const sim = new AuthSim({ tokenTtlUs: 1_000_000 });
  setup(sim, [{ op: "roleGrantPermission", name: "r", perm: { key: "/u/", rangeEnd: "/u0", permType: "READWRITE" } }]);
  const u = sim.client("u", { auth: { user: "u", password: "upw" } });
  const before = sim.recorder.operations.length;
  for (let i = 0; i < 3; i++) {
    assert.ok(sim.kv(u, { kind: "put", put: { key: "/u/a", value: String(i) } }).ok);
    sim.run(700_000); // within the TTL of the last use
  }
  sim.run(1_500_000);
  assert.ok(sim.kv(u, { kind: "put", put: { key: "/u/a", value: "late" } }).ok, "an expired token is replaced");
  assert.is(sim.recorder.operations.length - before, 4);
});

test("a restarted member forgot its tokens: the old token is refused as 'invalid auth token', a client re-authenticates", () => {
  const sim = new AuthSim();
  setup(sim, [{ op: "roleGrantPermission", name: "r", perm: { key: "/u/", rangeEnd: "/u0", permType: "READWRITE" } }]);
  const raw = sim.client("raw");
  const login = sim.auth(raw, { op: "authenticate", name: "u", password: "upw" });
  assert.ok(login.ok && login.value.token !== undefined);
  raw.useToken(login.ok ? login.value.token : undefined);
  assert.ok(sim.kv(raw, { kind: "put", put: { key: "/u/a", value: "1" } }).ok);
  const c = sim.client("u", { auth: { user: "u", password: "upw" } });
  assert.ok(sim.kv(c, { kind: "put", put: { key: "/u/a", value: "1b" } }).ok);
  sim.world.crash("n1");
  sim.world.restart("n1");
  sim.world.runUntilPredicate(() => sim.leader() !== undefined, sim.world.now + 3_000_000);
  assert.equal(sim.kv(raw, { kind: "put", put: { key: "/u/a", value: "2" } }), {
    ok: false,
    error: "invalid-auth-token",
    unknown: false,
  });
  assert.ok(sim.member("n1").auth.enabled, "the auth store itself survives the restart");
  // The authenticated client's token is refused too: it authenticates again and retries.
  assert.ok(sim.kv(c, { kind: "put", put: { key: "/u/a", value: "3" } }).ok);
});

test("a token from an index a follower has not applied yet waits for it there instead of being refused", () => {
  const sim = new AuthSim({ members: 3 });
  const leader = sim.leader()!;
  const follower = sim.members.find((m) => m !== leader)!;
  setup(sim, [{ op: "roleGrantPermission", name: "r", perm: { key: "/u/", rangeEnd: "/u0", permType: "READWRITE" } }]);
  sim.run(100_000);
  sim.world.network.faults.cut(leader, follower);
  const atLeader = sim.client("l", { member: leader });
  const login = sim.auth(atLeader, { op: "authenticate", name: "u", password: "upw" });
  assert.ok(login.ok);
  const atFollower = sim.client("f", { member: follower });
  atFollower.useToken(login.ok ? login.value.token : undefined);
  let got: unknown;
  atFollower.put({ key: "/u/a", value: "1" }, (r) => {
    got = r;
  });
  sim.run(200_000);
  assert.is(got, undefined, "still waiting for the token's index");
  sim.world.network.faults.uncut(leader, follower);
  sim.world.runUntilPredicate(() => got !== undefined, sim.world.now + 2_000_000);
  assert.ok((got as { ok: boolean }).ok, JSON.stringify(got));
});

/**
 * A write taken by a follower that has not applied a revoke yet is resolved at the old auth revision;
 * it reaches the log after the revoke. At apply it is refused for its old revision, and its member
 * proposes it again, now denied. The mutant trusts the receiving member's check and applies it.
 */
function raceARevoke(bugs: BugName[]): { put: unknown; value: string | undefined } {
  const sim = new AuthSim({ members: 3, bugs });
  const leader = sim.leader()!;
  const follower = sim.members.find((m) => m !== leader)!;
  const admin = setup(sim, [
    { op: "roleGrantPermission", name: "r", perm: { key: "/u/", rangeEnd: "/u0", permType: "READWRITE" } },
  ]);
  const u = sim.client("u", { member: follower, auth: { user: "u", password: "upw" } });
  assert.ok(sim.kv(u, { kind: "put", put: { key: "/u/a", value: "before" } }).ok);
  // The leader's messages stop reaching the follower: it will not learn of the revoke for a while.
  sim.world.network.faults.cut(leader, follower);
  assert.ok(sim.auth(admin, { op: "userRevokeRole", name: "u", role: "r" }).ok);
  let put: unknown;
  u.put({ key: "/u/a", value: "after-revoke" }, (r) => {
    put = r;
  });
  sim.run(100_000);
  sim.world.network.faults.uncut(leader, follower);
  sim.world.runUntilPredicate(() => put !== undefined, sim.world.now + 3_000_000);
  const read = sim.kv(admin, { kind: "range", range: { key: "/u/a" } });
  return { put, value: read.ok && read.value.kind === "range" ? read.value.range.kvs[0]?.value : undefined };
}

test("a follower that applied the revoke late still refuses a write resolved before it (apply-time re-check)", () => {
  const r = raceARevoke([]);
  assert.equal(r.put, { ok: false, error: "permission-denied", unknown: false });
  assert.is(r.value, "before");
});

test("mutant etcd-auth-stale-revision: the same write is applied after the revoke", () => {
  const r = raceARevoke(["etcd-auth-stale-revision"]);
  assert.is(r.value, "after-revoke");
});

test.run();
