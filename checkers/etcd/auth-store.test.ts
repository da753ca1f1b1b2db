// auth-store on hand-made applies: a store that follows etcd's rules passes; one that keeps a permission
// a grant meant to change, or changes users' roles on a refused request, fails.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AuthRequest, AuthState, Permission } from "../../core/etcd/auth.ts";
import { AuthStoreChecker } from "./auth-store.ts";

const PODS = { key: "/registry/pods/", rangeEnd: "/registry/pods0" };

function state(enabled: boolean, users: Record<string, string[]>, roles: Record<string, Permission[]>): AuthState {
  return {
    enabled,
    revision: 1,
    users: Object.entries(users).map(([name, r]) => ({ name, password: "pw", roles: r })),
    roles: Object.entries(roles).map(([name, perms]) => ({ name, perms })),
  };
}

/** Applies the requests one index each on member n1, with the states the member reports after each. */
function run(steps: [AuthRequest, AuthState, string?][]): ReturnType<AuthStoreChecker["result"]> {
  const c = new AuthStoreChecker();
  steps.forEach(([request, after, caller], i) =>
    c.onApply({ member: "n1", index: i + 1, request, caller, state: after }),
  );
  return c.result();
}

const KEY_READ: Permission = { key: PODS.key, permType: "READ" };
const RANGE_READ: Permission = { ...PODS, permType: "READ" };
const RANGE_RW: Permission = { ...PODS, permType: "READWRITE" };
/** The node role holding these permissions, auth off, with these users. */
const node = (perms: Permission[], users: Record<string, string[]> = {}) => state(false, users, { node: perms });
const DOWNGRADE: AuthRequest = { op: "roleGrantPermission", name: "node", perm: RANGE_READ };

const SETUP: [AuthRequest, AuthState][] = [
  [{ op: "roleAdd", name: "node" }, node([])],
  [{ op: "roleGrantPermission", name: "node", perm: KEY_READ }, node([KEY_READ])],
  [{ op: "roleGrantPermission", name: "node", perm: RANGE_RW }, node([KEY_READ, RANGE_RW])],
];

test("a store that regrants a permission by its key and range end passes", () => {
  const r = run([
    ...SETUP,
    [DOWNGRADE, node([KEY_READ, RANGE_READ])],
    [{ op: "userAdd", name: "agent", password: "pw" }, node([KEY_READ, RANGE_READ], { agent: [] })],
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "5 auth requests applied across members (5 log entries)");
});

test("a downgrade appended beside the permission it meant to change fails (etcd PR #21845)", () => {
  const r = run([...SETUP, [DOWNGRADE, node([KEY_READ, RANGE_RW, RANGE_READ])]]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, "n1 applied roleGrantPermission(node, /registry/pods/../registry/pods0, READ) at index 4");
  assert.match(r.message, "/registry/pods/../registry/pods0 READWRITE");
});

test("an admin request from a user without the root role changes nothing once auth is on", () => {
  const on = state(true, { root: ["root"], agent: [] }, { node: [] });
  const steps: [AuthRequest, AuthState, string?][] = [
    [{ op: "userAdd", name: "root", password: "pw" }, state(false, { root: [] }, {})],
    [{ op: "userGrantRole", user: "root", role: "root" }, state(false, { root: ["root"] }, {})],
    [{ op: "userAdd", name: "agent", password: "pw" }, state(false, { root: ["root"], agent: [] }, {})],
    [{ op: "roleAdd", name: "node" }, state(false, { root: ["root"], agent: [] }, { node: [] })],
    [{ op: "authEnable" }, on],
  ];
  assert.is(run([...steps, [{ op: "userGrantRole", user: "agent", role: "node" }, on, "agent"]]).verdict, "pass");
  const granted = state(true, { root: ["root"], agent: ["node"] }, { node: [] });
  const r = run([...steps, [{ op: "userGrantRole", user: "agent", role: "node" }, granted, "agent"]]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, "user agent: roles [node], etcd's rules give roles []");
});

test("every member's apply of an index is held to the same state", () => {
  const c = new AuthStoreChecker();
  const req: AuthRequest = { op: "roleAdd", name: "node" };
  c.onApply({ member: "n1", index: 7, request: req, caller: undefined, state: state(false, {}, { node: [] }) });
  c.onApply({ member: "n2", index: 7, request: req, caller: undefined, state: state(false, {}, {}) });
  const r = c.result();
  assert.is(r.verdict, "fail");
  assert.match(r.message, "n2 applied roleAdd(node) at index 7: role node: absent, etcd's rules give []");
});

test.run();
