// The auth checker's own statement of etcd's permissions (permissions.ts) against the simulated
// member's (core/etcd/auth.ts), on random grants and requests: two statements of one rule that agree.
// Where they may differ is where one has a bug, and the checker's is the one written to be plain.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  applyAuth,
  emptyAuthState,
  requestPermitted,
  type AuthRequest,
  type AuthState,
  type Permission,
} from "../../core/etcd/auth.ts";
import type { EtcdRequest, RequestOp } from "../../core/mvcc/rpc.ts";
import { permits } from "./permissions.ts";

const KEYS = ["a", "a\0", "ab", "abc", "b", "b0", "c", "z"];
const key = fc.constantFrom(...KEYS);
const end = fc.option(fc.constantFrom(...KEYS, "\0"), { nil: undefined });
const perm = fc.record({ key, rangeEnd: end, permType: fc.constantFrom("READ", "WRITE", "READWRITE" as const) });
const compare = fc.record({
  key,
  rangeEnd: end,
  target: fc.constant("VERSION" as const),
  result: fc.constant("EQUAL" as const),
  version: fc.constant(0),
});
// Operations, nested Txns among them (one level in four draws).
const { op } = fc.letrec<{ op: RequestOp }>((tie) => ({
  op: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ requestRange: fc.record({ key, rangeEnd: end }) }),
    fc.record({ requestPut: fc.record({ key, value: fc.constant("v"), prevKv: fc.boolean() }) }),
    fc.record({ requestDeleteRange: fc.record({ key, rangeEnd: end, prevKv: fc.boolean() }) }),
    fc.record({
      requestTxn: fc.record({
        compare: fc.array(compare, { maxLength: 1 }),
        success: fc.array(tie("op"), { maxLength: 2 }),
        failure: fc.array(tie("op"), { maxLength: 1 }),
      }),
    }),
  ),
}));
const request: fc.Arbitrary<EtcdRequest> = fc.oneof(
  fc.record({ kind: fc.constant("range" as const), range: fc.record({ key, rangeEnd: end }) }),
  fc.record({
    kind: fc.constant("put" as const),
    put: fc.record({ key, value: fc.constant("v"), prevKv: fc.boolean() }),
  }),
  fc.record({
    kind: fc.constant("deleteRange" as const),
    deleteRange: fc.record({ key, rangeEnd: end, prevKv: fc.boolean() }),
  }),
  fc.record({
    kind: fc.constant("txn" as const),
    txn: fc.record({
      compare: fc.array(compare, { maxLength: 2 }),
      success: fc.array(op, { maxLength: 3 }),
      failure: fc.array(op, { maxLength: 2 }),
    }),
  }),
);

/** The auth state etcd's rules make of: root, user u with a role holding `perms` (or root's), auth on. */
function stateWith(perms: Permission[], root = false): AuthState {
  const steps: AuthRequest[] = [
    { op: "userAdd", name: "root", password: "r" },
    { op: "userGrantRole", user: "root", role: "root" },
    { op: "userAdd", name: "u", password: "p" },
    { op: "roleAdd", name: "r1" },
    ...perms.map((p): AuthRequest => ({ op: "roleGrantPermission", name: "r1", perm: p })),
    { op: "userGrantRole", user: "u", role: root ? "root" : "r1" },
    { op: "authEnable" },
  ];
  let state = emptyAuthState();
  for (const step of steps) state = applyAuth(state, step, "root").state;
  return state;
}

test("the checker's statement of etcd's permissions agrees with the member's", () => {
  fc.assert(
    fc.property(fc.array(perm, { maxLength: 5 }), fc.boolean(), request, (perms, root, req) => {
      const state = stateWith(perms, root);
      const member = requestPermitted(state, "u", req, { leaseKeys: () => [] });
      assert.is(permits(state, "u", req), member, JSON.stringify({ perms, root, req }));
    }),
    { seed: 7, numRuns: 3000 },
  );
});

test("a Put in a Txn needs read permission for prev_kv, and a nested Txn is checked like its outer one; the advisories' mutants let both through", () => {
  const state = stateWith([{ key: "/w/", rangeEnd: "/w0", permType: "WRITE" }]);
  const txn = (...success: RequestOp[]): EtcdRequest => ({ kind: "txn", txn: { compare: [], success, failure: [] } });
  const prevKv = txn({ requestPut: { key: "/w/a", value: "v", prevKv: true } });
  const nestedOutside = txn({
    requestTxn: { compare: [], success: [{ requestPut: { key: "/root/x", value: "v" } }], failure: [] },
  });
  const nestedRead = txn({ requestTxn: { compare: [], success: [{ requestRange: { key: "/w/a" } }], failure: [] } });
  const member = (req: EtcdRequest, bugs: { nestedTxnUnchecked?: boolean; txnPutKeyOnly?: boolean } = {}) =>
    requestPermitted(state, "u", req, { leaseKeys: () => [], ...bugs });
  for (const req of [prevKv, nestedOutside, nestedRead]) {
    assert.not.ok(permits(state, "u", req), JSON.stringify(req));
    assert.not.ok(member(req), JSON.stringify(req));
  }
  assert.ok(permits(state, "u", txn({ requestPut: { key: "/w/a", value: "v" } })), "a blind put is a write");
  assert.ok(member(prevKv, { txnPutKeyOnly: true }), "GHSA-x35m-3gp4-4fh5");
  assert.ok(member(nestedOutside, { nestedTxnUnchecked: true }), "GHSA-rfx7-8w68-q57q");
  assert.ok(member(nestedRead, { nestedTxnUnchecked: true }), "GHSA-rfx7-8w68-q57q");
});

test("a range needs the union of the user's permissions to cover it; a key, one permission holding it", () => {
  const state = stateWith([
    { key: "a", rangeEnd: "b", permType: "READ" },
    { key: "b", rangeEnd: "c", permType: "READWRITE" },
    { key: "x", permType: "READ" },
  ]);
  const read = (k: string, e?: string): EtcdRequest => ({ kind: "range", range: { key: k, rangeEnd: e } });
  assert.ok(permits(state, "u", read("a", "c")), "two grants together cover [a, c)");
  assert.not.ok(permits(state, "u", read("a", "d")));
  assert.ok(permits(state, "u", read("x")));
  assert.not.ok(permits(state, "u", read("x", "y")), "a single-key grant is not a prefix");
  assert.not.ok(permits(state, "u", { kind: "put", put: { key: "a", value: "v" } }), "READ does not write");
  assert.ok(permits(state, "u", { kind: "put", put: { key: "b", value: "v" } }));
  assert.not.ok(permits(state, null, read("a")), "no token");
});

test.run();
