// Checker `auth`: who may touch etcd. From the client history, the changes the members applied, and the
// replicated auth state's timeline (each auth change with the KV revision and time it was first
// applied at):
//  - no write from a principal without permission at the write's apply point is applied: a change at
//    revision r is judged against the auth state in force at r (the last auth change applied before it),
//    found through the request that wrote it (values are unique per write);
//  - a successful write is permitted in an auth state it could have been applied under;
//  - no read returns data outside its grant: a successful read was permitted in an auth state in force
//    at some moment between its call and its return;
//  - no write is answered auth-old-revision: etcd proposes such a request again (raftRequest);
//  - no request inside its grant is refused: a linearizable read or a write refused with
//    "permission denied" was not permitted by some auth state in force during it (etcd checks a read
//    after its ReadIndex wait and a write when it is applied, so the state it used was in force then),
//    and one refused for want of a user ("user name is empty": no token) met some state with auth on.
// Principals are the history's clients that speak for a user (or for nobody: no token); other clients
// (the operator, probes) are not judged. A watch is judged at its creation, the only time etcd checks it
// (it keeps streaming after a revoke); one with no token, when the member that created it surely had auth
// on (it may lag the cluster, so the cluster's states alone cannot tell).
// Leases: a key a LeaseRevoke deleted (its last put named the lease, and the revoke was answered with the
// revision of the delete) must be one its principal may write in the state in force at that revision —
// etcd checks write permission on every key the lease holds (PR #8031: before it, anyone could revoke
// any lease). A refused revoke, and a refused put with a lease, are not judged (whether the lease's keys
// allowed them depends on what the lease held at apply, which a refusal does not show); the member's
// lease checks are also tested against a real etcd (harness/real/auth.test.ts).
import type { EtcdOperation, WatchRecord } from "../../core/history.ts";
import type { EtcdRequest, RequestOp } from "../../core/mvcc/rpc.ts";
import { emptyAuthState, type AuthState } from "../../core/etcd/auth.ts";
import type { CheckResult } from "../types.ts";
import { permits } from "./permissions.ts";

export interface AuthTimelinePoint {
  /** When the first member applied it (true time, µs). */
  time: number;
  /** The KV store's revision when it was applied: writes at a higher revision were applied after it. */
  kvRevision: number;
  state: AuthState;
}

export interface AppliedWrite {
  revision: number;
  key: string;
  type: "PUT" | "DELETE";
  value?: string;
  /** The lease a PUT attached the key to (absent: none). */
  lease?: number;
}

export interface AuthCheckInput {
  operations: readonly EtcdOperation[];
  /** The principals' watch streams (others are ignored); absent: watches are not judged. */
  watches?: readonly WatchRecord[];
  /** Client id → the user its token speaks for (null: it sends no token). Clients not here are not judged. */
  principals: ReadonlyMap<number, string | null>;
  /**
   * Whether a member surely had auth on throughout [from, to] (checkers/etcd/auth-maintenance.ts's
   * memberAuthOn): a watch created with no token by such a member was created unchecked. Absent: a
   * tokenless watch is judged only against the cluster's auth states, and the first, auth off, grants it.
   */
  memberAuthOn?: (member: string, from: number, to: number) => boolean;
  /** Auth changes in log order; before the first, the empty store (auth off). */
  timeline: readonly AuthTimelinePoint[];
  changes: readonly AppliedWrite[];
}

const MAX_REPORTED = 3;

function putValues(req: EtcdRequest): string[] {
  const fromOps = (ops: readonly RequestOp[]): string[] =>
    ops.flatMap((o) =>
      "requestPut" in o
        ? [o.requestPut.value]
        : "requestTxn" in o
          ? [...fromOps(o.requestTxn.success), ...fromOps(o.requestTxn.failure)]
          : [],
    );
  if (req.kind === "put") return [req.put.value];
  if (req.kind === "txn") return [...fromOps(req.txn.success), ...fromOps(req.txn.failure)];
  return [];
}

function deletes(req: EtcdRequest, key: string): boolean {
  const covers = (d: { key: string; rangeEnd?: string }) =>
    d.rangeEnd === undefined || d.rangeEnd === ""
      ? key === d.key
      : key >= d.key && (d.rangeEnd === "\0" || key < d.rangeEnd);
  const fromOps = (ops: readonly RequestOp[]): boolean =>
    ops.some((o) =>
      "requestDeleteRange" in o
        ? covers(o.requestDeleteRange)
        : "requestTxn" in o
          ? fromOps(o.requestTxn.success) || fromOps(o.requestTxn.failure)
          : false,
    );
  if (req.kind === "deleteRange") return covers(req.deleteRange);
  if (req.kind === "txn") return fromOps(req.txn.success) || fromOps(req.txn.failure);
  return false;
}

function isRead(req: EtcdRequest): boolean {
  if (req.kind === "range") return true;
  if (req.kind !== "txn") return false;
  const ro = (ops: readonly RequestOp[]): boolean =>
    ops.every(
      (o) => "requestRange" in o || ("requestTxn" in o && ro(o.requestTxn.success) && ro(o.requestTxn.failure)),
    );
  return ro(req.txn.success) && ro(req.txn.failure);
}

export function checkAuth(input: AuthCheckInput): CheckResult {
  const points: AuthTimelinePoint[] = [{ time: 0, kvRevision: 0, state: emptyAuthState() }, ...input.timeline];
  /** The auth state a change at revision r was applied under: the last auth change applied before it. */
  const stateAt = (r: number): AuthTimelinePoint => {
    let p = points[0]!;
    for (const q of points) if (q.kvRevision < r) p = q;
    return p;
  };
  const violations: string[] = [];
  const userOf = (op: EtcdOperation) => input.principals.get(op.client);
  const who = (op: EtcdOperation) => `client ${op.client} (${userOf(op) ?? "no token"})`;
  const judged = input.operations.filter((op) => input.principals.has(op.client));

  // Writes the members applied, traced to the request that wrote them.
  const byValue = new Map<string, EtcdOperation[]>();
  for (const op of input.operations)
    for (const v of putValues(op.request)) byValue.set(v, [...(byValue.get(v) ?? []), op]);
  /** The lease each key's last put attached it to. */
  const leaseOfKey = new Map<string, number>();
  const revokes = input.operations.filter((op) => op.request.kind === "leaseRevoke" && op.response !== null);
  /**
   * Judges the revoke of the key's lease answered with the delete's revision, if there is one (a revoke of
   * a lease that holds keys is the only request at its revision; an expiry is no request).
   */
  const judgeRevokeDelete = (c: AppliedWrite, lease: number, at: AuthTimelinePoint): void => {
    const revoke = revokes.find(
      (op) =>
        op.request.kind === "leaseRevoke" && op.request.leaseRevoke.ID === lease && headerRevision(op) === c.revision,
    );
    if (revoke === undefined) return;
    const user = userOf(revoke);
    if (user !== undefined && !permits(at.state, user, { kind: "deleteRange", deleteRange: { key: c.key } }))
      violations.push(
        `op #${revoke.id} by ${who(revoke)} revoked lease ${lease} and so deleted ${c.key} at revision ${c.revision} under auth revision ${at.state.revision}, which does not let it write that key (a LeaseRevoke needs write permission on every key its lease holds, etcd PR #8031)`,
      );
  };
  for (const c of input.changes) {
    const at = stateAt(c.revision);
    const lease = leaseOfKey.get(c.key);
    if (c.type === "PUT") {
      if (c.lease !== undefined && c.lease !== 0) leaseOfKey.set(c.key, c.lease);
      else leaseOfKey.delete(c.key);
    } else leaseOfKey.delete(c.key);
    if (c.type === "PUT") {
      const writers = byValue.get(c.value ?? "") ?? [];
      if (writers.length !== 1) continue; // not written by a request of the history (or ambiguous)
      const op = writers[0]!;
      const user = userOf(op);
      if (user === undefined) continue;
      if (!permits(at.state, user, op.request))
        violations.push(
          `op #${op.id} by ${who(op)} was applied at revision ${c.revision} (put ${c.key}) under auth revision ${at.state.revision}, which does not permit it`,
        );
    } else {
      // A delete: some request that may have made it must have been allowed to.
      // Not refused, and if answered, answered with this revision.
      const candidates = input.operations.filter(
        (op) =>
          deletes(op.request, c.key) && (op.response !== null ? headerRevision(op) === c.revision : op.return === null),
      );
      // No request answered with this revision deleted the key by name: the revoke of its lease did, if one
      // was answered with this revision; if none was, the lease's end may have (an expiry, or a revoke whose
      // answer was lost), and the delete is not judged.
      if (lease !== undefined && !candidates.some((op) => op.response !== null)) {
        // A request whose answer was lost and that names the key may have deleted it instead, the revoke
        // then finding the lease empty (auth-revoke seed 3415): only a delete nothing permitted could have
        // made is judged.
        if (!candidates.some((op) => userOf(op) === undefined || permits(at.state, userOf(op)!, op.request)))
          judgeRevokeDelete(c, lease, at);
        continue;
      }
      if (candidates.length === 0) continue;
      if (candidates.some((op) => userOf(op) === undefined || permits(at.state, userOf(op)!, op.request))) continue;
      // Name the request that was answered with this revision, if one was.
      const op = candidates.find((x) => x.response !== null) ?? candidates[0]!;
      violations.push(
        `a delete of ${c.key} was applied at revision ${c.revision} under auth revision ${at.state.revision}; only principals without permission could have sent it (op #${op.id} by ${who(op)})`,
      );
    }
  }

  /** Whether some auth state in force at a moment of [call, return] satisfies `test`. */
  const someStateDuring = (op: EtcdOperation, test: (s: AuthState) => boolean): boolean => {
    const ret = op.return ?? Infinity;
    return points.some(
      (p, i) => p.time <= ret && (i === points.length - 1 || points[i + 1]!.time >= op.call) && test(p.state),
    );
  };
  let refusedInside = 0;
  let oldRevision = 0;
  for (const op of judged) {
    if (op.error === "auth-old-revision" && !isRead(op.request)) {
      // etcd's raftRequest proposes again a request its applier refused for an older auth revision: only
      // a read (checked by doSerialize, outside Raft) can answer it.
      oldRevision++;
      violations.push(
        `op #${op.id} by ${who(op)} (${describe(op.request)}) was answered auth-old-revision, which etcd retries for every request through Raft`,
      );
      continue;
    }
    if (op.error === "permission-denied" && !dependsOnLeaseKeys(op.request)) {
      const user = userOf(op)!;
      const serializable = op.request.kind === "range" && op.request.range.serializable === true;
      if (!serializable && !someStateDuring(op, (s) => !permits(s, user, op.request))) {
        refusedInside++;
        violations.push(
          `op #${op.id} by ${who(op)} (${describe(op.request)}) was refused as permission denied although every auth state in force during it grants it`,
        );
      }
      continue;
    }
    if (op.error === "user-empty") {
      // No token: refused only with auth on. A serializable read is checked on its member's own state,
      // which may lag the cluster's.
      const serializable = op.request.kind === "range" && op.request.range.serializable === true;
      if (!serializable && !someStateDuring(op, (s) => s.enabled)) {
        refusedInside++;
        violations.push(
          `op #${op.id} by ${who(op)} (${describe(op.request)}) was refused for want of a user although auth was off throughout`,
        );
      }
      continue;
    }
    if (op.response === null) continue;
    const user = userOf(op)!;
    if (isRead(op.request)) {
      // In force at some moment of [call, return]: applied by then, and not yet replaced at the call.
      if (!someStateDuring(op, (s) => permits(s, user, op.request))) {
        const n = op.response.kind === "range" ? op.response.range.kvs.length : 0;
        violations.push(
          `read op #${op.id} by ${who(op)} of ${describe(op.request)} returned${op.response.kind === "range" ? ` ${n} key(s)` : ""} although no auth state in force during it grants it`,
        );
      }
      continue;
    }
    const r = headerRevision(op);
    if (r === undefined) continue;
    // Applied under the state before r (if it wrote at r) or the state at r (if it wrote nothing).
    const ok = points.some(
      (p, i) =>
        p.kvRevision <= r &&
        (i === points.length - 1 || points[i + 1]!.kvRevision >= r) &&
        permits(p.state, user, op.request),
    );
    if (!ok)
      violations.push(
        `write op #${op.id} by ${who(op)} (${describe(op.request)}) succeeded at revision ${r} although no auth state it could have been applied under permits it`,
      );
  }

  // A watch is checked once, when the member serving it creates it, against that member's auth state —
  // which may lag the cluster's, but holds auth on (the member knew the token, issued after auth enable)
  // and was applied before the creation came back. So a watch created for a principal must be granted by
  // some such state. Refusals are not judged: an expired token is refused with the same reason.
  let watchesJudged = 0;
  const firstOn = points.findIndex((p) => p.state.enabled);
  for (const w of input.watches ?? []) {
    const principal = input.principals.get(w.client);
    // A principal's create sent with no token (it had none at the time) speaks for no one.
    const user = w.tokenless === true && principal !== undefined ? null : principal;
    const first = w.responses[0];
    if (user === undefined || first === undefined || first.response.created !== true || first.response.canceled)
      continue;
    watchesJudged++;
    const asRead: EtcdRequest = {
      kind: "range",
      range: { key: w.request.key, ...(w.request.rangeEnd !== undefined ? { rangeEnd: w.request.rangeEnd } : {}) },
    };
    // Without a token, a member that had not yet applied auth enable may have served it too; with one,
    // any state from auth's first enable on (a later disable included).
    const possible = points.filter((p, i) => p.time <= first.time && (user === null || (firstOn >= 0 && i >= firstOn)));
    const unchecked = user === null && input.memberAuthOn?.(w.member, w.call, first.time) === true;
    if (unchecked || (possible.length > 0 && !possible.some((p) => permits(p.state, user, asRead))))
      violations.push(
        `watch ${w.watchId} by client ${w.client} (${user ?? "no token"}) on ${describe(asRead).replace(/^range /, "")} was created by ${w.member} at ${first.time}us although ${unchecked ? `${w.member} had auth on since before the create (${w.call}us)` : "no auth state applied by then grants reading it"}`,
      );
  }

  const name = "auth";
  if (violations.length === 0) {
    const n = judged.filter((op) => op.response !== null).length;
    const denied = judged.filter((op) => op.error === "permission-denied").length;
    return {
      name,
      verdict: "pass",
      message: `${n} successful requests of ${input.principals.size} principals, ${input.changes.length} applied changes and ${input.timeline.length} auth changes: every one permitted; ${denied} refused as permission denied, none inside its grant${input.watches !== undefined ? `; ${watchesJudged} watches created, each granted` : ""}`,
    };
  }
  return {
    name,
    verdict: "fail",
    message: `${[
      violations.length > refusedInside + oldRevision
        ? `${violations.length - refusedInside - oldRevision} request(s) outside their grant`
        : "",
      refusedInside > 0 ? `${refusedInside} request(s) refused inside their grant` : "",
      oldRevision > 0 ? `${oldRevision} write(s) answered auth-old-revision` : "",
    ]
      .filter((x) => x !== "")
      .join(" and ")}: ${violations.slice(0, MAX_REPORTED).join("; ")}${violations.length > MAX_REPORTED ? "; …" : ""}`,
  };
}

function headerRevision(op: EtcdOperation): number | undefined {
  const r = op.response;
  if (r === null) return undefined;
  if (r.kind === "put") return r.put.header.revision;
  if (r.kind === "deleteRange") return r.deleteRange.header.revision;
  if (r.kind === "txn") return r.txn.header.revision;
  if (r.kind === "leaseRevoke") return r.leaseRevoke.header.revision;
  return undefined;
}

/** A revoke, or a put naming a lease: etcd also checks the keys the lease holds, which the history does not show. */
function dependsOnLeaseKeys(req: EtcdRequest): boolean {
  return req.kind === "leaseRevoke" || (req.kind === "put" && req.put.lease !== undefined && req.put.lease !== 0);
}

function describe(req: EtcdRequest): string {
  switch (req.kind) {
    case "range":
      return `range ${req.range.key}${req.range.rangeEnd === "\0" ? ".. (to the end of the keyspace)" : req.range.rangeEnd ? `..${req.range.rangeEnd}` : ""}`;
    case "put":
      return `put ${req.put.key}`;
    case "deleteRange":
      return `delete ${req.deleteRange.key}${req.deleteRange.rangeEnd ? `..${req.deleteRange.rangeEnd}` : ""}`;
    case "txn":
      return `txn of ${req.txn.success.length + req.txn.failure.length} op(s)`;
    default:
      return req.kind;
  }
}
