// Checker `auth-store`: the replicated auth store follows etcd's rules. After every auth request a member
// applies, the users' roles, the roles' permissions and whether auth is on must be what etcd's auth store
// (server/auth/store.go) makes of the state before it and that request — restated here, not asked of the
// member. The `auth` checker judges each key-value request against the members' own auth states; without
// this one, a store that applied an admin request wrongly would be the standard it is judged by.
//
// The case that made it: etcd's RoleGrantPermission looked an existing permission up by its key alone, so
// granting again a key held with another range end appended a second permission and left the old one,
// and its type, in place — a downgrade from READWRITE to READ had no effect (etcd-io/etcd PR #21845).
import type { AuthRequest, AuthState } from "../../core/etcd/auth.ts";
import type { CheckOf } from "../types.ts";

/** What the check compares: on or off, each user's roles, each role's permissions (by "key|rangeEnd", their type). */
interface Projection {
  enabled: boolean;
  users: Map<string, Set<string>>;
  roles: Map<string, Map<string, string>>;
  /** Each role's permissions as the member lists them, "key|rangeEnd type" sorted: a duplicate shows here. */
  listed?: Map<string, string[]>;
}

export interface AuthStoreApply {
  member: string;
  index: number;
  request: AuthRequest;
  caller: string | undefined;
  /** The member's auth state after applying the request. */
  state: AuthState;
}

const ROOT = "root";
const MAX_LINES = 20;

/** A permission's identity in a role: its key and range end (no range end and "" are the same). */
const permId = (key: string, rangeEnd: string | undefined) => `${key}|${rangeEnd ?? ""}`;

function project(s: AuthState): Projection {
  return {
    enabled: s.enabled,
    users: new Map(s.users.map((u) => [u.name, new Set(u.roles)])),
    roles: new Map(
      s.roles.map((r) => [r.name, new Map(r.perms.map((p) => [permId(p.key, p.rangeEnd), p.permType] as const))]),
    ),
    listed: new Map(
      s.roles.map((r) => [r.name, r.perms.map((p) => `${permId(p.key, p.rangeEnd)} ${p.permType}`).sort()]),
    ),
  };
}

function copy(p: Projection): Projection {
  return {
    enabled: p.enabled,
    users: new Map([...p.users].map(([k, v]) => [k, new Set(v)])),
    roles: new Map([...p.roles].map(([k, v]) => [k, new Map(v)])),
  };
}

/** etcd's auth store applied to the projection: the state after `req` (a refused request changes nothing). */
function applyAuthRule(before: Projection, req: AuthRequest, caller: string | undefined): Projection {
  const isAdmin = caller !== undefined && before.users.get(caller)?.has(ROOT) === true;
  const reads = req.op === "authenticate" || req.op === "userGet" || req.op === "roleGet";
  if (before.enabled && !reads && !isAdmin) return before;
  const s = copy(before);
  switch (req.op) {
    case "authEnable":
      // AuthEnable needs a root user holding the root role.
      if (s.users.get(ROOT)?.has(ROOT) === true) s.enabled = true;
      return s;
    case "authDisable":
      s.enabled = false;
      return s;
    case "userAdd":
      if (req.name !== "" && !s.users.has(req.name)) s.users.set(req.name, new Set());
      return s;
    case "userDelete":
      if (!(s.enabled && req.name === ROOT)) s.users.delete(req.name);
      return s;
    case "userGrantRole":
      if (s.users.has(req.user) && (req.role === ROOT || s.roles.has(req.role))) s.users.get(req.user)!.add(req.role);
      return s;
    case "userRevokeRole":
      if (!(s.enabled && req.name === ROOT && req.role === ROOT)) s.users.get(req.name)?.delete(req.role);
      return s;
    case "roleAdd":
      if (req.name !== "" && !s.roles.has(req.name)) s.roles.set(req.name, new Map());
      return s;
    case "roleDelete":
      if (!(s.enabled && req.role === ROOT) && s.roles.delete(req.role))
        for (const roles of s.users.values()) roles.delete(req.role);
      return s;
    case "roleGrantPermission":
      // One permission per (key, range end): granting it again replaces its type.
      s.roles.get(req.name)?.set(permId(req.perm.key, req.perm.rangeEnd), req.perm.permType);
      return s;
    case "roleRevokePermission":
      s.roles.get(req.role)?.delete(permId(req.key, req.rangeEnd));
      return s;
    default:
      // authenticate, userChangePassword, userGet, roleGet: nothing the projection holds.
      return s;
  }
}

function differences(model: Projection, got: Projection): string[] {
  const out: string[] = [];
  if (model.enabled !== got.enabled)
    out.push(`auth ${got.enabled ? "on" : "off"}, etcd's rules say ${model.enabled ? "on" : "off"}`);
  const names = (a: Map<string, unknown>, b: Map<string, unknown>) => [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const u of names(model.users, got.users)) {
    const want = [...(model.users.get(u) ?? [])].sort().join(",");
    const have = [...(got.users.get(u) ?? [])].sort().join(",");
    if (!model.users.has(u) || !got.users.has(u) || want !== have)
      out.push(
        `user ${u}: ${got.users.has(u) ? `roles [${have}]` : "absent"}, etcd's rules give ${model.users.has(u) ? `roles [${want}]` : "none"}`,
      );
  }
  const show = (entries: readonly string[] | undefined) =>
    entries === undefined ? "absent" : `[${entries.map((e) => e.replace(/\| /, " ").replace("|", "..")).join("; ")}]`;
  for (const r of names(model.roles, got.roles)) {
    const m = model.roles.get(r);
    const want = m === undefined ? undefined : [...m].map(([id, t]) => `${id} ${t}`).sort();
    // The member's own list, duplicates and all (one permission per key and range end in etcd).
    const have = got.listed?.get(r);
    if (show(want) !== show(have)) out.push(`role ${r}: ${show(have)}, etcd's rules give ${show(want)}`);
  }
  return out;
}

/** Fed every auth request each member applies, in the order they happen; judged at the end. */
export class AuthStoreChecker {
  /** The model's state after each auth index (the first member to apply an index extends it). */
  private readonly after = new Map<number, Projection>();
  private model: Projection = project({ enabled: false, revision: 1, users: [], roles: [] });
  private lastIndex = 0;
  private checked = 0;
  private readonly violations: string[] = [];

  onApply(e: AuthStoreApply): void {
    let want = this.after.get(e.index);
    if (want === undefined) {
      if (e.index < this.lastIndex) return; // an index before the first one seen (a snapshot's): nothing to extend
      want = applyAuthRule(this.model, e.request, e.caller);
      this.model = want;
      this.lastIndex = e.index;
      this.after.set(e.index, want);
    }
    this.checked++;
    if (this.violations.length >= MAX_LINES) return;
    const diff = differences(want, project(e.state));
    if (diff.length > 0)
      this.violations.push(
        `${e.member} applied ${describe(e.request)} at index ${e.index}${e.caller === undefined ? "" : ` (as ${e.caller})`}: ${diff.join("; ")}`,
      );
  }

  result(): CheckOf<"auth-store"> {
    if (this.violations.length > 0)
      return {
        name: "auth-store",
        verdict: "fail",
        message: this.violations[0]!,
        evidence: { violations: this.violations },
      };
    return {
      name: "auth-store",
      verdict: "pass",
      message: `${this.checked} auth requests applied across members (${this.after.size} log entries), each leaving users, roles and permissions as etcd's auth store would`,
      evidence: { violations: [] },
    };
  }
}

function describe(r: AuthRequest): string {
  switch (r.op) {
    case "roleGrantPermission":
      return `roleGrantPermission(${r.name}, ${r.perm.key}${r.perm.rangeEnd ? `..${r.perm.rangeEnd}` : ""}, ${r.perm.permType})`;
    case "roleRevokePermission":
      return `roleRevokePermission(${r.role}, ${r.key}${r.rangeEnd ? `..${r.rangeEnd}` : ""})`;
    case "userGrantRole":
      return `userGrantRole(${r.user}, ${r.role})`;
    case "userRevokeRole":
      return `userRevokeRole(${r.name}, ${r.role})`;
    default:
      return "name" in r ? `${r.op}(${r.name})` : "role" in r ? `${r.op}(${r.role})` : r.op;
  }
}
