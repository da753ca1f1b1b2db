// Lease expiry (liveness): a lease no one renews must end. lease-safety judges the other side (no lease
// ends before its TTL); neither it nor the linearizability model, which knows no time and lets a lease
// live forever, notices a lessor that never revokes what ran out — the keys attached stay, and so do the
// locks and elections built on them (etcd-io/etcd #9006, #9935, #10686: "the key is not deleted when the
// bound lease expires").
//
// The bound is etcd's own. Only the leader's lessor expires leases, checking every `checkUs`, and a new
// leader first gives every lease a fresh TTL plus an election timeout (lessor.Promote; etcd #9395). So
// under the leader L that took office at S and was still leading when the run ended, a lease last
// renewed by R with a TTL of T is due by D = max(R, S + extension) + T + one check, T and the check
// stretched by `tolerance` for a slow clock. Due is not enough to judge it: a leader cut off from its
// quorum cannot commit the revoke. A write proves it can: any write L took after D was proposed after
// the revoke, and L applies its log in order, so once a write called after D (and one check more, for a
// proposal dropped during a leadership transfer) is answered, the lease must be gone — within one more
// check. A lease with a renewal or revoke of unknown outcome is not judged (either may still apply).
import type { EtcdOperation } from "../history.ts";
import type { CheckOf } from "../types.ts";

interface LeaseFacts {
  /** The latest return of an answered grant or keep-alive that renewed it, and that renewal's TTL in µs. */
  renewedBy: number;
  ttlUs: number;
  /** When it was seen gone: expiries reported, revokes answered, a client told it was not found. */
  ends: number[];
  /** A renewal or revoke whose outcome is unknown: it may still take effect, so no bound holds. */
  unknown: boolean;
}

export interface LeaseExpiryTiming {
  /** What a new leader adds to every lease's TTL (etcd: the election timeout), µs. */
  extendUs: number;
  /** How often the leader's lessor looks for expired leases, µs. */
  checkUs: number;
}

/** The Raft writes: what a client answered OK proves its leader committed. */
const WRITES = new Set(["put", "deleteRange", "txn", "compact", "leaseGrant", "leaseRevoke"]);

export class LeaseExpiry {
  private readonly leases = new Map<number, LeaseFacts>();
  /** Answered writes, call and return, as pairs. */
  private readonly writes: number[] = [];
  /** The member that most recently took office as leader, and when; undefined once it stepped down. */
  private leader: { member: string; term: number; since: number } | undefined;

  constructor(
    private readonly timing: LeaseExpiryTiming,
    private readonly tolerance = 0.1,
  ) {}

  /** A member's role, as its Raft views report it (called on every view; only changes matter). */
  onRole(member: string, term: number, isLeader: boolean, time: number): void {
    const l = this.leader;
    if (isLeader) {
      // A deposed leader that has not heard of the new term yet still reports itself leader: ignored.
      if (l === undefined || term > l.term || (term === l.term && member !== l.member))
        this.leader = { member, term, since: time };
    } else if (l !== undefined && l.member === member) this.leader = undefined;
  }

  /** A member applied an expiry revoke. */
  onExpire(ids: readonly number[], time: number): void {
    for (const id of ids) this.ended(id, time);
  }

  /** Feed every client operation (in any order) before result(). */
  onOperation(op: EtcdOperation): void {
    const req = op.request;
    const ret = op.return;
    if (ret !== null && op.response !== null && WRITES.has(req.kind)) this.writes.push(op.call, ret);
    if (req.kind === "leaseRevoke") {
      if (ret === null) this.facts(req.leaseRevoke.ID).unknown = true;
      else if (op.error === undefined || op.error === "lease-not-found") this.ended(req.leaseRevoke.ID, ret);
      return;
    }
    if (req.kind === "leaseKeepAlive" && ret === null) {
      this.facts(req.leaseKeepAlive.ID).unknown = true;
      return;
    }
    if (req.kind === "leaseGrant" && ret === null && (req.leaseGrant.ID ?? 0) !== 0) {
      this.facts(req.leaseGrant.ID!).unknown = true;
      return;
    }
    const r = op.response;
    if (ret === null || r === null) return;
    if (r.kind === "leaseGrant") this.renewed(r.leaseGrant.ID, ret, r.leaseGrant.TTL);
    else if (r.kind === "leaseKeepAlive") {
      if (r.leaseKeepAlive.TTL > 0) this.renewed(r.leaseKeepAlive.ID, ret, r.leaseKeepAlive.TTL);
      else this.ended(r.leaseKeepAlive.ID, ret);
    }
  }

  private facts(id: number): LeaseFacts {
    let f = this.leases.get(id);
    if (f === undefined) {
      f = { renewedBy: -Infinity, ttlUs: 0, ends: [], unknown: false };
      this.leases.set(id, f);
    }
    return f;
  }

  private renewed(id: number, ret: number, ttlSec: number): void {
    const f = this.facts(id);
    if (ret > f.renewedBy) {
      f.renewedBy = ret;
      f.ttlUs = ttlSec * 1_000_000;
    }
  }

  private ended(id: number, time: number): void {
    this.facts(id).ends.push(time);
  }

  result(): CheckOf<"lease-expiry"> {
    const ms = (t: number) => `${(t / 1000).toFixed(1)}ms`;
    const leader = this.leader;
    if (leader === undefined)
      return { name: "lease-expiry", verdict: "pass", message: "no leader when the run ended: no lease judged" };
    // The answered writes by call, with the earliest return among those called at or after each.
    const order = Array.from({ length: this.writes.length / 2 }, (_, i) => i).sort(
      (a, b) => this.writes[2 * a]! - this.writes[2 * b]!,
    );
    const calls = order.map((i) => this.writes[2 * i]!);
    const firstReturn = new Array<number>(order.length + 1).fill(Infinity);
    for (let k = order.length - 1; k >= 0; k--)
      firstReturn[k] = Math.min(firstReturn[k + 1]!, this.writes[2 * order[k]! + 1]!);
    const slow = 1 + this.tolerance;
    const checkUs = this.timing.checkUs * slow;
    const bad: string[] = [];
    let judged = 0;
    for (const [id, f] of this.leases) {
      if (f.unknown || f.renewedBy === -Infinity) continue;
      // An end before the last renewal was of an earlier grant of the same ID.
      let endedAt = Infinity;
      for (const t of f.ends) if (t >= f.renewedBy && t < endedAt) endedAt = t;
      const promoted = leader.since + this.timing.extendUs;
      const due = Math.max(f.renewedBy, promoted) + f.ttlUs * slow + checkUs;
      // The first write called after the lease was due (and one check more), and when it was answered.
      let lo = 0;
      let hi = calls.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (calls[mid]! < due + checkUs) lo = mid + 1;
        else hi = mid;
      }
      const proof = firstReturn[lo]!;
      if (proof === Infinity) continue;
      judged++;
      if (endedAt <= proof + checkUs) continue;
      const from =
        f.renewedBy >= promoted
          ? `its last renewal, answered at ${ms(f.renewedBy)}`
          : `${leader.member} took office in term ${leader.term} at ${ms(leader.since)}`;
      bad.push(
        `lease ${id} (TTL ${f.ttlUs / 1e6}s) was due to end by ${ms(due)}, a TTL after ${from}, and a write called after that was answered at ${ms(proof)}, but the lease ${endedAt === Infinity ? "never ended" : `ended only at ${ms(endedAt)}`}`,
      );
    }
    if (bad.length) return { name: "lease-expiry", verdict: "fail", message: bad[0]!, evidence: { violations: bad } };
    return {
      name: "lease-expiry",
      verdict: "pass",
      message: `${judged} leases no one renewed ended in time under the last leader (${leader.member}, term ${leader.term})`,
    };
  }
}
