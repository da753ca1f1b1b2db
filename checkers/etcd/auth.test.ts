// The auth checker on histories it must accept and histories it must reject.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyAuth, emptyAuthState, type AuthRequest, type AuthState } from "../../core/etcd/auth.ts";
import type { EtcdOperation, WatchRecord } from "../../core/history.ts";
import type { EtcdRequest, EtcdResponse } from "../../core/mvcc/rpc.ts";
import { checkAuth, type AppliedWrite, type AuthTimelinePoint } from "./auth.ts";

function after(s: AuthState, reqs: AuthRequest[]): AuthState {
  for (const r of reqs) {
    const out = applyAuth(s, r, "root");
    assert.is(out.error, undefined, r.op);
    s = out.state;
  }
  return s;
}

/** root; "node" with READWRITE on /registry/pods/ granted to user "agent"; "reader" with READ on /config/ and on the key /registry/flag. */
const granted = after(emptyAuthState(), [
  { op: "userAdd", name: "root", password: "r" },
  { op: "userGrantRole", user: "root", role: "root" },
  { op: "userAdd", name: "agent", password: "a" },
  { op: "roleAdd", name: "node" },
  {
    op: "roleGrantPermission",
    name: "node",
    perm: { key: "/registry/pods/", rangeEnd: "/registry/pods0", permType: "READWRITE" },
  },
  { op: "userGrantRole", user: "agent", role: "node" },
  { op: "userAdd", name: "reader", password: "x" },
  { op: "roleAdd", name: "ro" },
  { op: "roleGrantPermission", name: "ro", perm: { key: "/config/", rangeEnd: "/config0", permType: "READ" } },
  { op: "roleGrantPermission", name: "ro", perm: { key: "/registry/flag", permType: "READ" } },
  { op: "userGrantRole", user: "reader", role: "ro" },
  { op: "authEnable" },
]);
const revoked = after(granted, [{ op: "userRevokeRole", name: "agent", role: "node" }]);

/** Auth on at time 10 (revision 1), the agent's role revoked at time 100 after revision 5. */
const timeline: AuthTimelinePoint[] = [
  { time: 10, kvRevision: 1, state: granted },
  { time: 100, kvRevision: 5, state: revoked },
];
const principals = new Map<number, string | null>([
  [1, "agent"],
  [2, "reader"],
  [3, null],
]);
const h = (revision: number) => ({ revision, raftTerm: 2 });

function op(
  id: number,
  client: number,
  call: number,
  ret: number | null,
  request: EtcdRequest,
  response: EtcdResponse | null,
  error?: EtcdOperation["error"],
): EtcdOperation {
  return { id, client, call, return: ret, request, response, ...(error !== undefined ? { error } : {}) };
}
const put = (key: string, value: string): EtcdRequest => ({ kind: "put", put: { key, value } });
const putOk = (rev: number): EtcdResponse => ({ kind: "put", put: { header: h(rev) } });
const range = (key: string, rangeEnd?: string): EtcdRequest => ({
  kind: "range",
  range: { key, ...(rangeEnd ? { rangeEnd } : {}) },
});
const rangeOk = (rev: number, keys: string[]): EtcdResponse => ({
  kind: "range",
  range: {
    header: h(rev),
    kvs: keys.map((k) => ({ key: k, value: "v", createRevision: 2, modRevision: 2, version: 1, lease: 0 })),
    more: false,
    count: keys.length,
  },
});

test("accepts: writes before the revoke, refusals after it, reads within the grant, an unknown write never applied", () => {
  const ops = [
    op(0, 1, 20, 30, put("/registry/pods/a", "a1"), putOk(3)),
    op(1, 1, 120, 130, put("/registry/pods/a", "a2"), null, "permission-denied"),
    op(2, 1, 140, null, put("/registry/pods/a", "a3"), null, "timeout"),
    op(3, 2, 50, 60, range("/config/", "/config0"), rangeOk(3, ["/config/x"])),
    op(4, 2, 61, 62, range("/registry/flag"), rangeOk(3, ["/registry/flag"])),
    op(5, 3, 70, 80, put("/registry/pods/b", "b1"), null, "user-empty"),
    // Read while the revoke was being applied: the old state was still in force at the call.
    op(6, 1, 95, 105, range("/registry/pods/a"), rangeOk(5, ["/registry/pods/a"])),
    // The operator (not a principal) writes anything.
    op(7, 9, 150, 160, put("/registry/pods/c", "c1"), putOk(6)),
  ];
  const changes: AppliedWrite[] = [
    { revision: 3, key: "/registry/pods/a", type: "PUT", value: "a1" },
    { revision: 6, key: "/registry/pods/c", type: "PUT", value: "c1" },
  ];
  const r = checkAuth({ operations: ops, principals, timeline, changes });
  assert.is(r.verdict, "pass", r.message);
});

test("rejects a write applied after the revoke (its request timed out: only the applied change shows it)", () => {
  const ops = [op(0, 1, 90, null, put("/registry/pods/a", "late"), null, "timeout")];
  const changes: AppliedWrite[] = [{ revision: 6, key: "/registry/pods/a", type: "PUT", value: "late" }];
  const r = checkAuth({ operations: ops, principals, timeline, changes });
  assert.is(r.verdict, "fail");
  assert.match(r.message, /op #0 by client 1 \(agent\) was applied at revision 6/);
});

test("rejects a successful write by a principal the grant never covered, and one without a token", () => {
  const a = checkAuth({
    operations: [op(0, 2, 20, 30, put("/config/x", "x"), putOk(3))],
    principals,
    timeline,
    changes: [],
  });
  assert.is(a.verdict, "fail");
  assert.match(a.message, /write op #0 by client 2 \(reader\)/);
  const b = checkAuth({
    operations: [op(0, 3, 20, 30, put("/config/x", "x"), putOk(3))],
    principals,
    timeline,
    changes: [],
  });
  assert.is(b.verdict, "fail");
  assert.match(b.message, /no token/);
});

test("rejects a read outside the grant: a prefix read over a single-key grant", () => {
  const ops = [
    op(0, 2, 20, 30, range("/registry/flag", "/registry/flah"), rangeOk(3, ["/registry/flag", "/registry/flag/1"])),
  ];
  const r = checkAuth({ operations: ops, principals, timeline, changes: [] });
  assert.is(r.verdict, "fail");
  assert.match(r.message, /returned 2 key\(s\)/);
});

test("rejects a read that started after the revoke was in force", () => {
  const ops = [op(0, 1, 110, 120, range("/registry/pods/a"), rangeOk(5, ["/registry/pods/a"]))];
  assert.is(checkAuth({ operations: ops, principals, timeline, changes: [] }).verdict, "fail");
});

test("rejects a delete only an unpermitted principal could have made; accepts it if a permitted one may have", () => {
  const del: EtcdRequest = { kind: "deleteRange", deleteRange: { key: "/registry/pods/a" } };
  const changes: AppliedWrite[] = [{ revision: 7, key: "/registry/pods/a", type: "DELETE" }];
  assert.is(
    checkAuth({ operations: [op(0, 1, 150, null, del, null, "timeout")], principals, timeline, changes }).verdict,
    "fail",
  );
  assert.is(
    checkAuth({
      operations: [op(0, 1, 150, null, del, null, "timeout"), op(1, 9, 150, null, del, null, "timeout")],
      principals,
      timeline,
      changes,
    }).verdict,
    "pass",
  );
});

test("a lease revoke is judged by the keys it deleted: the agent's own pods pass; another's keys, or its pods after its role went, fail", () => {
  const revoke = (id: number): EtcdRequest => ({ kind: "leaseRevoke", leaseRevoke: { ID: id } });
  const revokeOk = (r: number): EtcdResponse => ({ kind: "leaseRevoke", leaseRevoke: { header: h(r) } });
  const attached = (key: string, lease: number, revision: number): AppliedWrite => ({
    revision,
    key,
    type: "PUT",
    value: `v${revision}`,
    lease,
  });
  // Lease 7 holds the agent's pod (revision 2) and is revoked at revision 3, before the role is revoked.
  const own: AppliedWrite[] = [
    attached("/registry/pods/a", 7, 2),
    { revision: 3, key: "/registry/pods/a", type: "DELETE" },
  ];
  const byAgent = [op(0, 1, 20, 30, revoke(7), revokeOk(3))];
  assert.is(checkAuth({ operations: byAgent, principals, timeline, changes: own }).verdict, "pass");
  // The reader may not write the pod: its revoke of the agent's lease deleted it.
  const byReader = [op(0, 2, 20, 30, revoke(7), revokeOk(3))];
  const r = checkAuth({ operations: byReader, principals, timeline, changes: own });
  assert.is(r.verdict, "fail");
  assert.match(r.message, "op #0 by client 2 (reader) revoked lease 7 and so deleted /registry/pods/a at revision 3");
  // After the revoke of its role (revision 5) the agent may no longer delete its pod through its lease.
  const late: AppliedWrite[] = [
    attached("/registry/pods/a", 7, 2),
    { revision: 6, key: "/registry/pods/a", type: "DELETE" },
  ];
  assert.is(
    checkAuth({ operations: [op(0, 1, 110, 120, revoke(7), revokeOk(6))], principals, timeline, changes: late })
      .verdict,
    "fail",
  );
  // A key put again without the lease is no longer the lease's; a revoke answered with another revision deleted nothing.
  const detached: AppliedWrite[] = [
    attached("/registry/pods/a", 7, 2),
    { revision: 3, key: "/registry/pods/a", type: "PUT", value: "plain" },
    { revision: 4, key: "/registry/pods/a", type: "DELETE" },
  ];
  assert.is(
    checkAuth({ operations: [op(0, 2, 20, 30, revoke(7), revokeOk(4))], principals, timeline, changes: detached })
      .verdict,
    "pass",
  );
  assert.is(
    checkAuth({ operations: [op(0, 2, 20, 30, revoke(7), revokeOk(2))], principals, timeline, changes: own }).verdict,
    "pass",
  );
});

test("a leased key deleted with no request answered for it is not judged: its lease may have ended (an expiry, a revoke whose answer was lost)", () => {
  const changes: AppliedWrite[] = [
    { revision: 2, key: "/registry/events/e1", type: "PUT", value: "e", lease: 9 },
    { revision: 8, key: "/registry/events/e1", type: "DELETE" },
  ];
  // The rogue's unanswered delete of everything names the key; without the lease it alone could have.
  const everything: EtcdRequest = { kind: "deleteRange", deleteRange: { key: "/", rangeEnd: "\0" } };
  const ops = [op(0, 3, 150, null, everything, null, "timeout")];
  assert.is(checkAuth({ operations: ops, principals, timeline, changes }).verdict, "pass");
  const unleased: AppliedWrite[] = [{ revision: 2, key: "/registry/events/e1", type: "PUT", value: "e" }, changes[1]!];
  assert.is(checkAuth({ operations: ops, principals, timeline, changes: unleased }).verdict, "fail");
});

test("a revoke answered with the revision of a permitted request's lost delete may have found the lease empty: not judged", () => {
  const changes: AppliedWrite[] = [
    { revision: 2, key: "/registry/pods/a", type: "PUT", value: "p", lease: 7 },
    { revision: 3, key: "/registry/pods/a", type: "DELETE" },
  ];
  const del: EtcdRequest = { kind: "deleteRange", deleteRange: { key: "/registry/pods/a" } };
  const revokeByReader = op(
    1,
    2,
    20,
    30,
    { kind: "leaseRevoke", leaseRevoke: { ID: 7 } },
    {
      kind: "leaseRevoke",
      leaseRevoke: { header: h(3) },
    },
  );
  const lostDelete = op(0, 1, 15, null, del, null, "timeout");
  assert.is(checkAuth({ operations: [lostDelete, revokeByReader], principals, timeline, changes }).verdict, "pass");
  assert.is(checkAuth({ operations: [revokeByReader], principals, timeline, changes }).verdict, "fail");
});

test("a refused lease revoke, or put with a lease, is not judged: what the lease held is not in the history", () => {
  const ops = [
    op(0, 1, 20, 30, { kind: "leaseRevoke", leaseRevoke: { ID: 7 } }, null, "permission-denied"),
    op(
      1,
      1,
      20,
      30,
      { kind: "put", put: { key: "/registry/pods/a", value: "x", lease: 7 } },
      null,
      "permission-denied",
    ),
  ];
  assert.is(checkAuth({ operations: ops, principals, timeline, changes: [] }).verdict, "pass");
  // Without the lease the same refused put is a refusal inside the grant.
  const plain = [op(0, 1, 20, 30, put("/registry/pods/a", "x"), null, "permission-denied")];
  assert.is(checkAuth({ operations: plain, principals, timeline, changes: [] }).verdict, "fail");
});

test("with auth off everything is permitted", () => {
  const ops = [op(0, 3, 1, 2, put("/x", "x"), putOk(2))];
  assert.is(
    checkAuth({
      operations: ops,
      principals,
      timeline: [],
      changes: [{ revision: 2, key: "/x", type: "PUT", value: "x" }],
    }).verdict,
    "pass",
  );
});

test("a refusal as permission denied is judged: wrong while every auth state in force during the request grants it", () => {
  const judge = (o: EtcdOperation) => checkAuth({ operations: [o], principals, timeline, changes: [] });
  // Before the revoke only the granted state is in force: refusing the agent's write or read is wrong.
  const write = judge(op(0, 1, 20, 30, put("/registry/pods/a", "a1"), null, "permission-denied"));
  assert.is(write.verdict, "fail");
  assert.match(write.message, /refused as permission denied although every auth state in force during it grants it/);
  assert.is(judge(op(0, 1, 20, 30, range("/registry/pods/a"), null, "permission-denied")).verdict, "fail");
  // Across the revoke (called before it was in force, answered after): the revoked state may have refused it.
  assert.is(judge(op(0, 1, 95, 105, range("/registry/pods/a"), null, "permission-denied")).verdict, "pass");
  // Outside the grant: the refusal is right.
  assert.is(judge(op(0, 2, 20, 30, put("/config/x", "v"), null, "permission-denied")).verdict, "pass");
  // A serializable read is served from the member's own, possibly older, state: not judged.
  const stale: EtcdRequest = { kind: "range", range: { key: "/registry/pods/a", serializable: true } };
  assert.is(judge(op(0, 1, 20, 30, stale, null, "permission-denied")).verdict, "pass");
});

test("a write answered auth-old-revision fails (etcd proposes it again); a read may be answered so", () => {
  const judge = (o: EtcdOperation) => checkAuth({ operations: [o], principals, timeline, changes: [] });
  const write = judge(op(0, 1, 95, 105, put("/registry/pods/a", "a1"), null, "auth-old-revision"));
  assert.is(write.verdict, "fail");
  assert.match(write.message, /^1 write\(s\) answered auth-old-revision: op #0 by client 1 \(agent\) \(put/);
  const readTxn: EtcdRequest = {
    kind: "txn",
    txn: { compare: [], success: [{ requestRange: { key: "/registry/pods/a" } }], failure: [] },
  };
  assert.is(judge(op(0, 1, 95, 105, range("/registry/pods/a"), null, "auth-old-revision")).verdict, "pass");
  assert.is(judge(op(0, 1, 95, 105, readTxn, null, "auth-old-revision")).verdict, "pass");
});

test("a watch is judged when it is created: granted by some auth state applied by then, or it fails; refusals are not judged", () => {
  const watch = (
    client: number,
    key: string,
    rangeEnd: string | undefined,
    at: number,
    canceled = false,
  ): WatchRecord => ({
    client,
    member: "n1",
    watchId: 1,
    call: at - 5,
    request: { key, ...(rangeEnd !== undefined ? { rangeEnd } : {}) },
    responses: [
      {
        time: at,
        response: { header: h(3), watchId: 1, created: true, ...(canceled ? { canceled: true } : {}), events: [] },
      },
    ],
  });
  const judge = (w: WatchRecord) => checkAuth({ operations: [], watches: [w], principals, timeline, changes: [] });
  assert.is(judge(watch(2, "/config/", "/config0", 50)).verdict, "pass");
  assert.match(judge(watch(2, "/config/", "/config0", 50)).message, /1 watches created, each granted/);
  // From the reader's single key to the end of the keyspace (etcd's GHSA-xg4h-6gfc-h4m8).
  const fromKey = judge(watch(2, "/registry/flag", "\0", 50));
  assert.is(fromKey.verdict, "fail");
  assert.match(
    fromKey.message,
    /watch 1 by client 2 \(reader\) on \/registry\/flag\.\. \(to the end of the keyspace\) was created by n1/,
  );
  assert.is(judge(watch(2, "/registry/flag", "\0", 50, true)).verdict, "pass", "refused: not judged");
  // The agent's watch created after the revoke was in force: some member may still hold the granted state.
  assert.is(judge(watch(1, "/registry/pods/", "/registry/pods0", 150)).verdict, "pass");
  // A watch of a range no state ever granted.
  assert.is(judge(watch(1, "/registry/", "/registry0", 50)).verdict, "fail");
  // Once auth was turned off, any watch may be created.
  const off = after(revoked, [{ op: "authDisable" }]);
  const withOff = [...timeline, { time: 120, kvRevision: 6, state: off }];
  const w = watch(1, "/registry/", "/registry0", 130);
  assert.is(checkAuth({ operations: [], watches: [w], principals, timeline: withOff, changes: [] }).verdict, "pass");
  // With no token: judged only where the member that created it surely had auth on.
  const anon = watch(3, "/config/", "/config0", 50);
  assert.is(judge(anon).verdict, "pass", "the cluster's first state, auth off, grants it");
  const withMember = (on: boolean) =>
    checkAuth({ operations: [], watches: [anon], principals, timeline, changes: [], memberAuthOn: () => on });
  assert.is(withMember(false).verdict, "pass");
  assert.is(withMember(true).verdict, "fail");
  assert.match(
    withMember(true).message,
    /watch 1 by client 3 \(no token\) .* n1 had auth on since before the create \(45us\)/,
  );
  // A principal's create that went without a token (it had none yet: a lagging member answered its
  // Authenticate "not enabled") is judged as anyone's: the reader's from-key watch, served by a member
  // that had not applied auth enable, passes (auth-revoke seed 900225); on a member with auth on, it fails.
  const bare: WatchRecord = { ...watch(2, "/registry/flag", "\0", 50), tokenless: true };
  const judgeBare = (on: boolean) =>
    checkAuth({ operations: [], watches: [bare], principals, timeline, changes: [], memberAuthOn: () => on });
  assert.is(judgeBare(false).verdict, "pass", judgeBare(false).message);
  assert.match(judgeBare(true).message, /watch 1 by client 2 \(no token\) .* n1 had auth on since before the create/);
});

test.run();
