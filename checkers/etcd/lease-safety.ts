// Lease safety: a lease must not end before its TTL has run out in real time since it was last granted
// or kept alive (measured from the call, the earliest the server could have renewed it), unless it was
// revoked. Clock skew must not shorten a lease; drift is tolerated up to `tolerance` of the TTL.
//
// A lease's end is judged from two sources. The members report the expiries they apply; and the
// clients see a lease gone without anyone reporting it: a grant naming its ID succeeds, a keep-alive
// answers TTL 0, a write attached to it or its revoke is refused with "lease not found". The second
// source does not take the system's word for when a lease ended, so a lessor that loses or replaces a
// lease silently is judged too (the linearizability model lets a lease that holds no keys vanish at
// any instant: it knows no time).
import { ChunkedU32, OffsetColumn } from "../../core/metrics/columns.ts";
import type { EtcdRequest, RequestOp } from "../../core/mvcc/rpc.ts";
import { NameTable } from "../../core/name-table.ts";
import type { EtcdOperation } from "../history.ts";
import type { CheckOf } from "../types.ts";

/** What a client did to one lease, as flat triples (call, return, third) in the order fed. */
interface LeaseOps {
  /** Answered grants and keep-alives: call, return, TTL in µs; the TTL is negative for a grant. */
  renewals: number[];
  /** The lease seen gone: call, return, what showed it (an index into ABSENCE_KINDS). Made when needed (rare). */
  absences?: number[];
  /** Revokes that may have taken effect: call, return (Infinity when unknown), 0. Made when needed. */
  revokes?: number[];
}

const ABSENCE_KINDS = [
  "a grant naming its ID succeeded",
  "a keep-alive answered TTL 0",
  "a write attached to it was refused: lease not found",
  "its revoke was refused: lease not found",
  "a TimeToLive answered TTL -1: no such lease",
] as const;

export class LeaseSafety {
  private readonly byLease = new Map<number, LeaseOps>();
  /**
   * The first expiry reported of each lease, one row per lease in the order reported, as columns (a long
   * run expires tens of thousands of leases; an object per report kept them all on the heap): its ID, when,
   * and on which member (its number in memberNames).
   */
  private readonly expiredIds = new OffsetColumn();
  private readonly expiredAt = new OffsetColumn();
  private readonly expiredOn = new ChunkedU32();
  private readonly memberNames = new NameTable();
  private readonly seen = new Set<number>();
  /** TimeToLive answers that reported more time left than the lease was granted. */
  private readonly overTTL: string[] = [];

  constructor(private readonly tolerance = 0.1) {}

  /** A member applied an expiry revoke (only the first report of each lease counts). */
  onExpire(member: string, ids: readonly number[], time: number): void {
    // Every ID not seen before this report counts (a report naming one twice counts it twice, as the list
    // of fresh IDs always did).
    const fresh = ids.filter((id) => !this.seen.has(id));
    for (const id of fresh) {
      this.seen.add(id);
      const row = this.expiredIds.length;
      this.expiredIds.set(row, id);
      this.expiredAt.set(row, time);
      this.expiredOn.set(row, this.memberNames.number(member));
    }
  }

  onDelete(_key: string, _revision: number, _time: number): void {}

  /** Feed every client operation (in any order) before result(). */
  onOperation(op: EtcdOperation): void {
    const req = op.request;
    const ret = op.return;
    if (req.kind === "leaseRevoke") {
      // A refused revoke took no effect; one answered or of unknown outcome may have.
      // (An unanswered one has no return and may carry the client's "timeout": it counts as answered OK,
      // kv-chaos seed 2250, whose timed-out revoke a TimeToLive then found applied.)
      if (op.error === "lease-not-found" && ret !== null) this.absent(req.leaseRevoke.ID, op.call, ret, 3);
      else if (op.error === undefined || ret === null) {
        const o = this.ops(req.leaseRevoke.ID);
        (o.revokes ??= []).push(op.call, ret ?? Infinity, 0);
      }
      return;
    }
    if (ret === null) return;
    const r = op.response;
    if (r === null) {
      // Only a write naming one lease says which one was gone.
      const named = op.error === "lease-not-found" ? leasesOf(req) : [];
      if (named.length === 1) this.absent(named[0]!, op.call, ret, 2);
      return;
    }
    if (r.kind === "leaseGrant") {
      const named = req.kind === "leaseGrant" && (req.leaseGrant.ID ?? 0) !== 0;
      if (named) this.absent(r.leaseGrant.ID, op.call, ret, 0);
      this.ops(r.leaseGrant.ID).renewals.push(op.call, ret, -r.leaseGrant.TTL * 1_000_000);
    } else if (r.kind === "leaseKeepAlive") {
      if (r.leaseKeepAlive.TTL > 0)
        this.ops(r.leaseKeepAlive.ID).renewals.push(op.call, ret, r.leaseKeepAlive.TTL * 1_000_000);
      else this.absent(r.leaseKeepAlive.ID, op.call, ret, 1);
    } else if (r.kind === "leaseTimeToLive") {
      // The leader's lessor counted TTL seconds left (rounded down) at some instant after the call: a
      // promise like a keep-alive's, without renewing anything; -1, the lease was gone.
      const t = r.leaseTimeToLive;
      if (t.TTL > 0) this.ops(t.ID).renewals.push(op.call, ret, t.TTL * 1_000_000);
      else if (t.TTL === -1) this.absent(t.ID, op.call, ret, 4);
      // No lease has more left than it was granted: a new leader adds an election timeout (etcd's default
      // 1 s), and the answer is rounded down, so at most one second more.
      if (t.TTL > t.grantedTTL + 1)
        this.overTTL.push(
          `lease ${t.ID}: a TimeToLive called at ${(op.call / 1000).toFixed(1)}ms answered ${t.TTL}s left of a ${t.grantedTTL}s grant`,
        );
    }
  }

  private ops(id: number): LeaseOps {
    let o = this.byLease.get(id);
    if (o === undefined) {
      o = { renewals: [] };
      this.byLease.set(id, o);
    }
    return o;
  }

  private absent(id: number, call: number, ret: number, kind: number): void {
    const o = this.ops(id);
    (o.absences ??= []).push(call, ret, kind);
  }

  /**
   * The latest instant (µs) lease `id` was promised to live to, by a renewal that surely came before an
   * end somewhere in [from, to], and the call of that renewal; undefined if none did or a revoke may
   * have come between. A renewal surely came first if it returned before `from`; for an end reported at
   * one instant (from = to), a keep-alive called before it counts too: it cannot bring a lease back, so
   * if it was answered after the end, the lease lived on past it — unless a grant of the same ID may
   * have been applied in between.
   */
  private promised(id: number, from: number, to: number): { until: number; from: number; ttlUs: number } | undefined {
    const o = this.byLease.get(id);
    if (o === undefined) return undefined;
    const rs = o.renewals;
    let best: { until: number; from: number; ttlUs: number } | undefined;
    for (let i = 0; i < rs.length; i += 3) {
      const call = rs[i]!;
      const ret = rs[i + 1]!;
      const ttlUs = Math.abs(rs[i + 2]!);
      const grant = rs[i + 2]! < 0;
      const before = ret < from || (from === to && !grant && call < from && !this.grantBetween(rs, from, ret));
      if (!before) continue;
      const until = call + ttlUs * (1 - this.tolerance);
      if (best === undefined || until > best.until) best = { until, from: call, ttlUs };
    }
    if (best === undefined || to >= best.until) return undefined;
    const vs = o.revokes ?? [];
    for (let i = 0; i < vs.length; i += 3) if (vs[i]! < to && vs[i + 1]! > best.from) return undefined;
    return best;
  }

  /** Whether some answered grant in `rs` may have been applied after `after` and before `before`. */
  private grantBetween(rs: readonly number[], after: number, before: number): boolean {
    for (let i = 0; i < rs.length; i += 3) if (rs[i + 2]! < 0 && rs[i]! < before && rs[i + 1]! > after) return true;
    return false;
  }

  /** Expiries the members reported (one per lease). */
  get expiredCount(): number {
    return this.expiredIds.length;
  }

  result(): CheckOf<"lease-safety"> {
    const bad: string[] = [];
    // Ends of a lease the clients saw after it had surely been granted (the ones there is a TTL to judge by).
    let seenEnded = 0;
    const ms = (t: number) => `${(t / 1000).toFixed(1)}ms`;
    const early = (p: { until: number; from: number; ttlUs: number }, end: number) =>
      `${((p.from + p.ttlUs - end) / 1000).toFixed(0)}ms before its ${p.ttlUs / 1e6}s TTL from ${ms(p.from)} ran out`;
    for (let row = 0; row < this.expiredIds.length; row++) {
      const id = this.expiredIds.get(row)!;
      const time = this.expiredAt.get(row)!;
      const p = this.promised(id, time, time);
      if (p !== undefined)
        bad.push(
          `lease ${id} expired at ${ms(time)} (applied on ${this.memberNames.name(this.expiredOn.get(row))}), ${early(p, time)}`,
        );
    }
    for (const [id, o] of this.byLease) {
      const as = o.absences;
      if (as === undefined) continue;
      for (let i = 0; i < as.length; i += 3) {
        if (o.renewals.some((_, j) => j % 3 === 1 && o.renewals[j]! < as[i]!)) seenEnded++;
        const p = this.promised(id, as[i]!, as[i + 1]!);
        if (p !== undefined)
          bad.push(
            `lease ${id} was gone by ${ms(as[i + 1]!)} (${ABSENCE_KINDS[as[i + 2]!]}, called at ${ms(as[i]!)}), ${early(p, as[i + 1]!)}`,
          );
      }
    }
    bad.push(...this.overTTL);
    if (bad.length) return { name: "lease-safety", verdict: "fail", message: bad[0]!, evidence: { violations: bad } };
    return {
      name: "lease-safety",
      verdict: "pass",
      message: `${this.expiredCount} lease expiries and ${seenEnded} ends of a lease seen by clients, none before its TTL`,
    };
  }
}

/** The distinct leases a write names (a put's, or any put's in a Txn's branches). */
function leasesOf(req: EtcdRequest): number[] {
  if (req.kind === "put") return req.put.lease ? [req.put.lease] : [];
  if (req.kind !== "txn") return [];
  const out = new Set<number>();
  const walk = (ops: readonly RequestOp[]) => {
    for (const o of ops) {
      if ("requestPut" in o && o.requestPut.lease) out.add(o.requestPut.lease);
      else if ("requestTxn" in o) {
        walk(o.requestTxn.success);
        walk(o.requestTxn.failure);
      }
    }
  };
  walk(req.txn.success);
  walk(req.txn.failure);
  return [...out];
}
