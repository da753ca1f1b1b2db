// Checker `auth-tokens`: a simple token dies with its user's password. etcd keeps simple tokens in each
// member's memory; applying a user's password change or deletion drops that user's tokens there
// (authStore.invalidateUser), and disabling auth drops them all. So a request that reaches a member after
// the member applied such a change must not be served with a token issued before it (a token names the
// Raft index of the Authenticate that issued it: "<random>.<index>").
//
// Judged per member, from what it applied through its log: a member that learns of the change from a
// snapshot never applies the entry and keeps the old tokens (authStore.Recover leaves them alone). That is
// etcd's own behaviour — checked on a real 3.4.23 cluster: a follower cut off across a password change and
// brought back by a snapshot served a serializable read and a put (committed) with the old token, while
// the leader refused it — so it is not judged here.
//
// A request is judged by the attempt that served it: the member it was sent to, the token it carried, and
// when it was sent; a change applied on that member before the send voids the token. Refusals are not
// judged: a token also dies on a restart (tokens are not on disk) and when its TTL passes.
import type { EtcdOperation } from "../../core/history.ts";
import type { AuthRequest } from "../../core/etcd/auth.ts";
import type { CheckOf } from "../types.ts";

/** An auth request a member applied, as the member reported it. */
export interface TokenAuthApply {
  member: string;
  /** True time, µs. */
  time: number;
  index: number;
  request: AuthRequest;
  /** It changed the auth state (a refused request changes nothing). */
  changed: boolean;
}

/** An operation that succeeded, with the attempt that served it. */
export interface ServedRequest {
  op: EtcdOperation;
  member: string;
  token: string | undefined;
  /** True time the attempt was sent, µs. */
  sentAt: number;
}

export interface AuthTokensInput {
  /** Client id → the user its token speaks for. Clients not here, or without a user, are not judged. */
  principals: ReadonlyMap<number, string | null>;
  applies: readonly TokenAuthApply[];
  served: readonly ServedRequest[];
}

const MAX_LINES = 20;
const ALL = "*";

/** Whose tokens the request voids once applied: etcd's UserDelete, UserChangePassword and AuthDisable. */
function voids(a: TokenAuthApply): string | undefined {
  if (!a.changed) return undefined;
  const r = a.request;
  if (r.op === "userChangePassword" || r.op === "userDelete") return r.name;
  if (r.op === "authDisable") return ALL;
  return undefined;
}

/** The Raft index a simple token names, or undefined if it is not one. */
export function tokenIndex(token: string): number | undefined {
  const dot = token.lastIndexOf(".");
  if (dot < 0) return undefined;
  const n = Number(token.slice(dot + 1));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function checkAuthTokens(input: AuthTokensInput): CheckOf<"auth-tokens"> {
  // Per member, the changes that void tokens, in apply order.
  const voidings = new Map<string, { time: number; index: number; user: string; op: string }[]>();
  for (const a of input.applies) {
    const user = voids(a);
    if (user === undefined) continue;
    let list = voidings.get(a.member);
    if (list === undefined) voidings.set(a.member, (list = []));
    list.push({ time: a.time, index: a.index, user, op: a.request.op });
  }
  const violations: string[] = [];
  let judged = 0;
  for (const s of input.served) {
    const user = input.principals.get(s.op.client);
    if (user === undefined || user === null || s.token === undefined) continue;
    const issued = tokenIndex(s.token);
    if (issued === undefined) continue;
    judged++;
    const v = voidings
      .get(s.member)
      ?.find((c) => c.time < s.sentAt && c.index > issued && (c.user === user || c.user === ALL));
    if (v === undefined) continue;
    violations.push(
      `op #${s.op.id} (${s.op.request.kind}) of client ${s.op.client} (${user}) was served by ${s.member} at ${s.sentAt}us with a token issued at index ${issued}, after ${s.member} applied ${v.op}${v.user === ALL ? "" : ` of ${v.user}`} at index ${v.index} (${v.time}us)`,
    );
  }
  const name = "auth-tokens";
  const changes = [...voidings.values()].reduce((n, l) => n + l.length, 0);
  if (violations.length === 0)
    return {
      name,
      verdict: "pass",
      message: `${judged} requests served with a token, ${changes} password changes, user deletions and auth disables applied across members: no token outlived its user's change on a member that applied it`,
      evidence: { violations: [] },
    };
  return {
    name,
    verdict: "fail",
    message: `${violations.length} request(s) served with a token its member had voided: ${violations[0]}`,
    evidence: { violations: violations.slice(0, MAX_LINES) },
  };
}
