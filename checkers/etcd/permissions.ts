// What etcd permits a user, restated for the auth checker from etcd's auth store (isOpPermitted,
// checkTxnReqsPermission), not taken from the simulated member's code: a checker that asked the system
// under test whether a request was permitted would agree with every bug in that answer.
//
// A permission is a key (no range end: that key alone), a range [key, rangeEnd), or, with range end
// "\0", every key from key on. A request on one key needs a permission of the right type holding it; a
// request on a range needs the user's permissions of that type, together, to cover all of it.
import type { AuthState } from "../../core/etcd/auth.ts";
import type { EtcdRequest, RequestOp } from "../../core/mvcc/rpc.ts";

/** A half-open key interval; `to` undefined: unbounded. */
interface Span {
  from: string;
  to: string | undefined;
}

/** The span a key and range end name (etcd's BytesAffineInterval / BytesAffinePoint). */
function spanOf(key: string, rangeEnd: string | undefined): Span {
  if (rangeEnd === undefined || rangeEnd === "") return { from: key, to: `${key}\0` };
  return { from: key, to: rangeEnd === "\0" ? undefined : rangeEnd };
}

/**
 * Whether the union of `spans` holds every key of `want` (etcd's IntervalTree.Contains, which also asks
 * that some span meet `want` at all: an empty range is permitted to no one).
 */
function covered(spans: readonly Span[], want: Span): boolean {
  const meets = (s: Span) => (want.to === undefined || s.from < want.to) && (s.to === undefined || want.from < s.to);
  if (!spans.some(meets)) return false;
  // Walk up from want.from, each step to the farthest end of a span that holds the point reached.
  let at = want.from;
  for (;;) {
    if (want.to !== undefined && at >= want.to) return true;
    let farthest: string | undefined | null = null; // null: no span holds `at`
    for (const s of spans) {
      if (s.from > at || (s.to !== undefined && s.to <= at)) continue;
      if (s.to === undefined) return true;
      if (farthest === null || (farthest !== undefined && s.to > farthest)) farthest = s.to;
    }
    if (farthest === null || farthest === undefined) return false;
    at = farthest;
  }
}

/** The spans of `user`'s permissions that allow `kind` (READWRITE allows both). */
function spansOf(state: AuthState, user: string, kind: "READ" | "WRITE"): Span[] | "all" {
  const u = state.users.find((x) => x.name === user);
  if (u === undefined) return [];
  if (u.roles.includes("root")) return "all";
  const out: Span[] = [];
  for (const name of u.roles) {
    const role = state.roles.find((r) => r.name === name);
    for (const p of role?.perms ?? [])
      if (p.permType === "READWRITE" || p.permType === kind) out.push(spanOf(p.key, p.rangeEnd));
  }
  return out;
}

/**
 * Whether etcd lets `user` (null: a request without a token) make `req` in `state`. Leases' keys are
 * not known to the checker: a Put's lease and a LeaseRevoke are not judged.
 */
export function permits(state: AuthState, user: string | null, req: EtcdRequest): boolean {
  if (!state.enabled) return true;
  if (user === null) return false;
  const read = spansOf(state, user, "READ");
  const write = spansOf(state, user, "WRITE");
  const may = (spans: Span[] | "all", key: string, rangeEnd?: string) =>
    spans === "all" || covered(spans, spanOf(key, rangeEnd));
  const op = (o: RequestOp): boolean => {
    if ("requestRange" in o) return may(read, o.requestRange.key, o.requestRange.rangeEnd);
    // A Put in a Txn is judged as a Put is: its prev_kv needs read permission (etcd checked the key alone
    // until GHSA-x35m-3gp4-4fh5), and a nested Txn like the outer one (unchecked until GHSA-rfx7-8w68-q57q).
    if ("requestPut" in o) {
      const p = o.requestPut;
      return may(write, p.key) && (p.prevKv !== true || may(read, p.key));
    }
    if ("requestDeleteRange" in o) {
      const d = o.requestDeleteRange;
      return may(write, d.key, d.rangeEnd) && (d.prevKv !== true || may(read, d.key, d.rangeEnd));
    }
    return txn(o.requestTxn);
  };
  const txn = (t: { compare: { key: string; rangeEnd?: string }[]; success: RequestOp[]; failure: RequestOp[] }) =>
    t.compare.every((c) => may(read, c.key, c.rangeEnd)) && t.success.every(op) && t.failure.every(op);
  switch (req.kind) {
    case "range":
      return may(read, req.range.key, req.range.rangeEnd);
    case "put":
      return may(write, req.put.key) && (req.put.prevKv !== true || may(read, req.put.key));
    case "deleteRange":
      return op({ requestDeleteRange: req.deleteRange });
    case "txn":
      return txn(req.txn);
    default:
      return true;
  }
}
