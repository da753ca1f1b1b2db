// etcd's auth store (etcd 3.4 auth/store.go, range_perm_cache.go): users with passwords and roles,
// roles with key-range permissions (READ, WRITE, READWRITE), the `root` user and role, auth
// enable/disable, and the auth revision every mutation bumps. It is replicated state: members change it
// only by applying committed entries, in log order, so every member holds the same auth state at the
// same log index. Simple tokens (simple_token.go) live in auth-tokens.ts: they are member-local.
import { prefixEnd } from "../mvcc/keys.ts";
import type { EtcdErrorCode, EtcdRequest, RequestOp } from "../mvcc/rpc.ts";

export type PermType = "READ" | "WRITE" | "READWRITE";

/** authpb.Permission: no rangeEnd (or "") = the single key; "\0" = every key >= key; else [key, rangeEnd). */
export interface Permission {
  key: string;
  rangeEnd?: string;
  permType: PermType;
}

/** etcd's Auth service requests (rpc.proto), as one tagged union. */
export type AuthRequest =
  | { op: "authEnable" }
  | { op: "authDisable" }
  | { op: "authenticate"; name: string; password: string }
  | { op: "userAdd"; name: string; password: string }
  | { op: "userDelete"; name: string }
  | { op: "userChangePassword"; name: string; password: string }
  | { op: "userGrantRole"; user: string; role: string }
  | { op: "userRevokeRole"; name: string; role: string }
  | { op: "userGet"; name: string }
  | { op: "roleAdd"; name: string }
  | { op: "roleDelete"; role: string }
  | { op: "roleGrantPermission"; name: string; perm: Permission }
  | { op: "roleRevokePermission"; role: string; key: string; rangeEnd?: string }
  | { op: "roleGet"; role: string };

/** What an auth request answers: a token (Authenticate), roles (UserGet), permissions (RoleGet), or nothing. */
export interface AuthResponse {
  token?: string;
  roles?: string[];
  perms?: Permission[];
  /** The auth revision after the request (etcd's response header carries the KV revision instead; this is for tests). */
  authRevision?: number;
}

/** Who sent a request, as the receiving member resolved its token (etcd's AuthInfo). */
export interface AuthInfo {
  user: string;
  /** The auth revision the member was at when it resolved the token. */
  revision: number;
}

export interface AuthUser {
  name: string;
  password: string;
  /** Sorted, like etcd's user.Roles. */
  roles: string[];
}

export interface AuthRole {
  name: string;
  /** Sorted by key, like etcd's role.KeyPermission. */
  perms: Permission[];
}

/** The replicated auth state (what a snapshot carries). */
export interface AuthState {
  enabled: boolean;
  revision: number;
  users: AuthUser[];
  roles: AuthRole[];
}

export const ROOT = "root";

/** A fresh store: etcd's NewAuthStore commits revision 1. */
export function emptyAuthState(): AuthState {
  return { enabled: false, revision: 1, users: [], roles: [] };
}

type Interval = { begin: string; end: string | null };

/** A permission's interval: a point is [key, key+"\0"), "\0" is unbounded (etcd's BytesAffineInterval with a nil end). */
function permInterval(p: Permission, rangeEndIgnored: boolean): Interval {
  if (p.rangeEnd === undefined || p.rangeEnd === "") {
    // The mutant etcd-auth-range-end-ignored: a single-key grant covers every key with that prefix.
    if (rangeEndIgnored) {
      const end = prefixEnd(p.key);
      return { begin: p.key, end: end === "\0" ? null : end };
    }
    return { begin: p.key, end: p.key + "\0" };
  }
  return { begin: p.key, end: p.rangeEnd === "\0" ? null : p.rangeEnd };
}

/** Whether the union of intervals covers [begin, end) (etcd's adt IntervalTree.Contains). */
function covers(ivs: readonly Interval[], begin: string, end: string | null): boolean {
  // Only the intervals that meet [begin, end) count (etcd's tree visits those).
  const meets = ivs.filter((iv) => (end === null || iv.begin < end) && (iv.end === null || iv.end > begin));
  const sorted = meets.sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : 0));
  let reach: string | null | undefined;
  for (const iv of sorted) {
    if (reach === undefined) {
      if (iv.begin > begin) return false;
      reach = iv.end;
    } else {
      if (reach === null) break;
      if (iv.begin > reach) break;
      if (iv.end === null || iv.end > reach) reach = iv.end;
    }
    if (reach === null) return true;
    if (end !== null && reach >= end) return true;
  }
  return reach === null || (reach !== undefined && end !== null && reach >= end);
}

/** The user's merged read and write intervals (etcd's getMergedPerms). */
function mergedPerms(
  state: AuthState,
  user: AuthUser,
  rangeEndIgnored: boolean,
): { read: Interval[]; write: Interval[] } {
  const read: Interval[] = [];
  const write: Interval[] = [];
  for (const r of user.roles) {
    const role = state.roles.find((x) => x.name === r);
    if (role === undefined) continue;
    for (const p of role.perms) {
      const iv = permInterval(p, rangeEndIgnored);
      if (p.permType !== "WRITE") read.push(iv);
      if (p.permType !== "READ") write.push(iv);
    }
  }
  return { read, write };
}

/** etcd's isRangeOpPermitted: a point must lie in some interval, a range must be covered by their union. */
export function rangePermitted(
  state: AuthState,
  userName: string,
  key: string,
  rangeEnd: string | undefined,
  type: "READ" | "WRITE",
  opts: { rangeEndIgnored?: boolean } = {},
): boolean {
  const user = state.users.find((u) => u.name === userName);
  if (user === undefined) return false;
  if (user.roles.includes(ROOT)) return true;
  const perms = mergedPerms(state, user, opts.rangeEndIgnored === true);
  const ivs = type === "READ" ? perms.read : perms.write;
  if (rangeEnd === undefined || rangeEnd === "")
    return ivs.some((iv) => iv.begin <= key && (iv.end === null || key < iv.end));
  return covers(ivs, key, rangeEnd === "\0" ? null : rangeEnd);
}

export interface PermissionContext {
  /** The keys attached to a lease, for Put with a lease and LeaseRevoke (etcd's checkLeasePuts). */
  leaseKeys(id: number): readonly string[];
  rangeEndIgnored?: boolean;
  /** Mutant etcd-auth-nested-txn-unchecked (GHSA-rfx7-8w68-q57q): a nested Txn's compares and operations pass unchecked. */
  nestedTxnUnchecked?: boolean;
  /** Mutant etcd-auth-txn-put-side-reads-unchecked (GHSA-x35m-3gp4-4fh5): a Put inside a Txn is checked by its key alone. */
  txnPutKeyOnly?: boolean;
  /** Mutant etcd-auth-lease-revoke-unchecked (etcd before PR #8031): anyone may revoke any lease. */
  leaseRevokeUnchecked?: boolean;
  /** Mutant etcd-auth-checks-while-disabled: a member goes on checking requests after auth was disabled. */
  checksWhileDisabled?: boolean;
}

/**
 * etcd's authApplierV3 checks for one request, on a user already known to exist at a current revision:
 * undefined when permitted, else "permission-denied". Requests etcd does not check (LeaseGrant, Compact,
 * keep-alives) pass.
 */
export function requestPermitted(state: AuthState, user: string, req: EtcdRequest, ctx: PermissionContext): boolean {
  const o = { rangeEndIgnored: ctx.rangeEndIgnored === true };
  const can = (key: string, end: string | undefined, t: "READ" | "WRITE") =>
    rangePermitted(state, user, key, end, t, o);
  const leaseOk = (id: number | undefined) =>
    id === undefined || id === 0 || ctx.leaseKeys(id).every((k) => can(k, undefined, "WRITE"));
  const putOk = (p: { key: string; lease?: number; prevKv?: boolean }) =>
    can(p.key, undefined, "WRITE") && leaseOk(p.lease) && (p.prevKv !== true || can(p.key, undefined, "READ"));
  const ops = (list: readonly RequestOp[]): boolean =>
    list.every((op) => {
      if ("requestRange" in op) return can(op.requestRange.key, op.requestRange.rangeEnd, "READ");
      // A Put inside a Txn is checked as a Put is: its key, its lease's keys and, for prev_kv, a read.
      // etcd checked its key alone until the fix of GHSA-x35m-3gp4-4fh5 (#21677; 3.4.23 still does).
      if ("requestPut" in op)
        return ctx.txnPutKeyOnly === true ? can(op.requestPut.key, undefined, "WRITE") : putOk(op.requestPut);
      if ("requestDeleteRange" in op) {
        const d = op.requestDeleteRange;
        return (d.prevKv !== true || can(d.key, d.rangeEnd, "READ")) && can(d.key, d.rangeEnd, "WRITE");
      }
      // A nested Txn is checked like the outer one; etcd let it through unchecked until the fix of
      // GHSA-rfx7-8w68-q57q (2026; 3.4.23 still does), so any user could read and write anything.
      return ctx.nestedTxnUnchecked === true || txnOk(op.requestTxn);
    });
  const txnOk = (t: {
    compare: { key: string; rangeEnd?: string }[];
    success: RequestOp[];
    failure: RequestOp[];
  }): boolean => t.compare.every((c) => can(c.key, c.rangeEnd, "READ")) && ops(t.success) && ops(t.failure);
  switch (req.kind) {
    case "range":
      return can(req.range.key, req.range.rangeEnd, "READ");
    case "put":
      return putOk(req.put);
    case "deleteRange":
      return (
        can(req.deleteRange.key, req.deleteRange.rangeEnd, "WRITE") &&
        (req.deleteRange.prevKv !== true || can(req.deleteRange.key, req.deleteRange.rangeEnd, "READ"))
      );
    case "txn":
      return txnOk(req.txn);
    case "leaseRevoke":
      return ctx.leaseRevokeUnchecked === true || leaseOk(req.leaseRevoke.ID);
    default:
      return true;
  }
}

/**
 * etcd's isOpPermitted before the range check: auth off → permitted; no user (a request without a
 * token) → user-empty; a request resolved at an older auth revision → auth-old-revision (the receiving
 * member retries it with a fresh resolution); an unknown user → permission-denied.
 */
export function authCheck(
  state: AuthState,
  info: AuthInfo | undefined,
  req: EtcdRequest,
  ctx: PermissionContext & { skipRevisionCheck?: boolean; permsFrom?: AuthState },
): EtcdErrorCode | undefined {
  if (!isCheckedRequest(req)) return undefined;
  // MUTANT etcd-auth-checks-while-disabled: auth off stops nothing being checked.
  if (!state.enabled && ctx.checksWhileDisabled !== true) return undefined;
  if (info === undefined) return "user-empty";
  if (info.revision < state.revision && ctx.skipRevisionCheck !== true) return "auth-old-revision";
  // permsFrom: the mutant etcd-auth-perm-cache-stale's cached state, missing the latest permission grants.
  return requestPermitted(ctx.permsFrom ?? state, info.user, req, ctx) ? undefined : "permission-denied";
}

/** The requests etcd's auth applier checks. */
export function isCheckedRequest(req: EtcdRequest): boolean {
  return (
    req.kind === "range" ||
    req.kind === "put" ||
    req.kind === "deleteRange" ||
    req.kind === "txn" ||
    req.kind === "leaseRevoke"
  );
}

/** Auth requests that need the root role when auth is on (etcd's needAdminPermission). */
export function needsAdmin(r: AuthRequest): boolean {
  return r.op !== "authenticate" && r.op !== "userGet" && r.op !== "roleGet";
}

function hasRoot(u: AuthUser | undefined): boolean {
  return u?.roles.includes(ROOT) === true;
}

/** The result of applying one auth request: the next state (same object if unchanged) and the answer. */
export interface AuthApplyResult {
  state: AuthState;
  error?: EtcdErrorCode;
  response?: AuthResponse;
  /** Users whose tokens are void (deleted, password changed), or "*" for all (auth disabled). */
  invalidate?: string;
}

/**
 * Applies one committed auth request as etcd's authApplierV3 + authStore do. `caller` is the user the
 * proposing member resolved (undefined: no token, or auth was off). The state is never mutated in place.
 */
export function applyAuth(
  state: AuthState,
  req: AuthRequest,
  caller: string | undefined,
  opts: { grantMatchesKeyOnly?: boolean; skipAdminCheck?: boolean } = {},
): AuthApplyResult {
  const user = (n: string) => state.users.find((u) => u.name === n);
  const role = (n: string) => state.roles.find((r) => r.name === n);
  const bump = (s: Omit<AuthState, "revision">): AuthState => ({ ...s, revision: state.revision + 1 });
  const fail = (error: EtcdErrorCode): AuthApplyResult => ({ state, error });
  const ok = (s: AuthState, response: AuthResponse = {}, invalidate?: string): AuthApplyResult => ({
    state: s,
    response: { ...response, authRevision: s.revision },
    ...(invalidate !== undefined ? { invalidate } : {}),
  });
  if (state.enabled && needsAdmin(req) && opts.skipAdminCheck !== true) {
    // IsAdminPermitted: no revision check, only the root role.
    if (caller === undefined) return fail("user-empty");
    const u = user(caller);
    if (u === undefined) return fail("user-not-found");
    if (!hasRoot(u)) return fail("permission-denied");
  }
  const withUser = (u: AuthUser) => state.users.map((x) => (x.name === u.name ? u : x));
  const withRole = (r: AuthRole) => state.roles.map((x) => (x.name === r.name ? r : x));
  switch (req.op) {
    case "authEnable": {
      if (state.enabled) return ok(state);
      const root = user(ROOT);
      if (root === undefined) return fail("root-user-not-exist");
      if (!hasRoot(root)) return fail("root-role-not-exist");
      // etcd's AuthEnable does not bump the revision.
      return ok({ ...state, enabled: true });
    }
    case "authDisable":
      if (!state.enabled) return ok(state);
      return ok(bump({ ...state, enabled: false }), {}, "*");
    case "authenticate":
      if (!state.enabled) return fail("auth-not-enabled");
      // The password was checked by the receiving member (etcd's CheckPassword, before proposing);
      // apply only requires the user to still exist. The token is assigned by the caller (member-local).
      if (user(req.name) === undefined) return fail("auth-failed");
      return ok(state);
    case "userAdd":
      if (req.name === "") return fail("user-empty");
      if (user(req.name) !== undefined) return fail("user-already-exist");
      return ok(
        bump({ ...state, users: [...state.users, { name: req.name, password: req.password, roles: [] }].sort(byName) }),
      );
    case "userDelete": {
      if (state.enabled && req.name === ROOT) return fail("invalid-auth-mgmt");
      if (user(req.name) === undefined) return fail("user-not-found");
      return ok(bump({ ...state, users: state.users.filter((u) => u.name !== req.name) }), {}, req.name);
    }
    case "userChangePassword": {
      const u = user(req.name);
      if (u === undefined) return fail("user-not-found");
      return ok(bump({ ...state, users: withUser({ ...u, password: req.password }) }), {}, req.name);
    }
    case "userGrantRole": {
      const u = user(req.user);
      if (u === undefined) return fail("user-not-found");
      if (req.role !== ROOT && role(req.role) === undefined) return fail("role-not-found");
      // A role already granted: ignored, no revision bump.
      if (u.roles.includes(req.role)) return ok(state);
      return ok(bump({ ...state, users: withUser({ ...u, roles: [...u.roles, req.role].sort() }) }));
    }
    case "userRevokeRole": {
      if (state.enabled && req.name === ROOT && req.role === ROOT) return fail("invalid-auth-mgmt");
      const u = user(req.name);
      if (u === undefined) return fail("user-not-found");
      if (!u.roles.includes(req.role)) return fail("role-not-granted");
      return ok(bump({ ...state, users: withUser({ ...u, roles: u.roles.filter((r) => r !== req.role) }) }));
    }
    case "userGet": {
      const u = user(req.name);
      // A user may read itself; anyone else needs root (etcd's authApplierV3.UserGet).
      if (state.enabled && caller !== req.name && !hasRoot(caller === undefined ? undefined : user(caller)))
        return fail(caller === undefined ? "user-empty" : "permission-denied");
      if (u === undefined) return fail("user-not-found");
      return ok(state, { roles: [...u.roles] });
    }
    case "roleAdd":
      if (req.name === "") return fail("role-empty");
      if (role(req.name) !== undefined) return fail("role-already-exist");
      return ok(bump({ ...state, roles: [...state.roles, { name: req.name, perms: [] }].sort(byName) }));
    case "roleDelete": {
      if (state.enabled && req.role === ROOT) return fail("invalid-auth-mgmt");
      if (role(req.role) === undefined) return fail("role-not-found");
      return ok(
        bump({
          ...state,
          roles: state.roles.filter((r) => r.name !== req.role),
          users: state.users.map((u) =>
            u.roles.includes(req.role) ? { ...u, roles: u.roles.filter((r) => r !== req.role) } : u,
          ),
        }),
      );
    }
    case "roleGrantPermission": {
      const r = role(req.name);
      if (r === undefined) return fail("role-not-found");
      const same = (p: Permission) => p.key === req.perm.key && (p.rangeEnd ?? "") === (req.perm.rangeEnd ?? "");
      const perm: Permission = {
        key: req.perm.key,
        ...(req.perm.rangeEnd ? { rangeEnd: req.perm.rangeEnd } : {}),
        permType: req.perm.permType,
      };
      // MUTANT etcd-auth-grant-matches-key-only: etcd's RoleGrantPermission looked the permission up by
      // its key alone (a binary search over the key-sorted list): when the entry it lands on holds that
      // key with another range end, the grant is appended as a second permission, and the one it meant
      // to update keeps its type — a downgrade has no effect (etcd-io/etcd PR #21845).
      const landed = opts.grantMatchesKeyOnly ? r.perms.find((p) => p.key === req.perm.key) : undefined;
      const update = landed === undefined ? r.perms.some(same) : same(landed);
      const perms = update
        ? r.perms.map((p) => (same(p) ? perm : p))
        : [...r.perms, perm].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return ok(bump({ ...state, roles: withRole({ ...r, perms }) }));
    }
    case "roleRevokePermission": {
      const r = role(req.role);
      if (r === undefined) return fail("role-not-found");
      const perms = r.perms.filter((p) => !(p.key === req.key && (p.rangeEnd ?? "") === (req.rangeEnd ?? "")));
      if (perms.length === r.perms.length) return fail("permission-not-granted");
      return ok(bump({ ...state, roles: withRole({ ...r, perms }) }));
    }
    case "roleGet": {
      const r = role(req.role);
      const c = caller === undefined ? undefined : user(caller);
      if (state.enabled && !hasRoot(c) && !(c?.roles.includes(req.role) ?? false))
        return fail(caller === undefined ? "user-empty" : "permission-denied");
      if (r === undefined) return fail("role-not-found");
      return ok(state, { perms: r.perms.map((p) => ({ ...p })) });
    }
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
