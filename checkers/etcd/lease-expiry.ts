// Lease expiry (liveness): a lease no one renews must end. lease-safety judges the other side (no lease
// ends before its TTL); neither it nor the linearizability model, which knows no time and lets a lease
// live forever, notices a lessor that never revokes what ran out — the keys attached stay, and so do the
// locks and elections built on them (etcd-io/etcd #9006, #9935, #10686: "the key is not deleted when the
// bound lease expires").
//
// The bound is etcd's own. Only the leader's lessor expires leases, checking every `checkUs`, and a new
// leader, once it applies the first entry of its term (at P), gives every lease a fresh TTL plus an
// election timeout (lessor.Promote; etcd #9395). So under the leader L that was still leading when the
// run ended, a lease last renewed by R with a TTL of T is due by D = max(R + T, P + extension + T) + one
// check, T and the check stretched by `tolerance` for a slow clock.
//
// With lease checkpoints on (etcd's LeaseCheckpoint), the log tells more, and the checker reads it: a
// checkpoint entry records a lease's remaining TTL, and L restarts the lease from the last one before P
// instead of T (a keep-alive's clear, remainder 0, restores T). And checkpoints must happen: a lease L
// holds at P with more than an interval left, that no one renews under L and whose first checkpoint
// would not be skipped, must have a checkpoint committed once L could commit a write called an interval
// (and two checks) after P — etcd #13491 stopped scheduling them after the first leader change.
//
// Due is not enough to judge it: a leader cut off from its quorum cannot commit the revoke. A write
// proves it can: any write L took after D was proposed after the revoke, and L applies its log in order,
// so once a write called after D (and one check more, for a proposal dropped during a leadership
// transfer) is answered, the lease must be gone — within one more check. A lease with a renewal or revoke of unknown outcome is not judged (either may still apply).
import type { EtcdOperation } from "../history.ts";
import type { CheckOf } from "../types.ts";

interface LeaseFacts {
  /** The latest return of an answered grant or keep-alive that renewed it, and that renewal's TTL in µs. */
  renewedBy: number;
  /**
   * The latest call of such a renewal: the last one took effect at or after it, so an end seen from then on
   * may have come after every renewal (a keep-alive answered late, to a paused client, after its lease had
   * run out: option fuzz 1514).
   */
  renewedCall: number;
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
  /** etcd's lease checkpoint interval, µs; absent or 0: checkpoints off. */
  checkpointIntervalUs?: number;
}

/** The log's checkpoint entries of one lease: index and remaining TTL in seconds (0: cleared), and when first applied. */
interface CheckpointFacts {
  index: number[];
  remainingTTL: number[];
  time: number[];
}

/** The Raft writes: what a client answered OK proves its leader committed. */
const WRITES = new Set(["put", "deleteRange", "txn", "compact", "leaseGrant", "leaseRevoke"]);

export class LeaseExpiry {
  private readonly leases = new Map<number, LeaseFacts>();
  /** Answered writes, call and return, as pairs. */
  private readonly writes: number[] = [];
  /**
   * The member that most recently took office as leader; undefined once it stepped down. `promoted`: when
   * it applied the first entry of its term (its lessor's promotion), and that entry's index.
   */
  private leader: { member: string; term: number; promoted?: number; promoteIndex?: number } | undefined;
  private readonly checkpoints = new Map<number, CheckpointFacts>();
  /** Log indexes of checkpoint entries already read (every member applies each). */
  private readonly checkpointIndexes = new Set<number>();

  constructor(
    private readonly timing: LeaseExpiryTiming,
    private readonly tolerance = 0.1,
  ) {}

  /** A member's role, as its Raft views report it (called on every view; only changes matter). */
  onRole(member: string, term: number, isLeader: boolean): void {
    const l = this.leader;
    if (isLeader) {
      // A deposed leader that has not heard of the new term yet still reports itself leader: ignored.
      if (l === undefined || term > l.term || (term === l.term && member !== l.member)) this.leader = { member, term };
    } else if (l !== undefined && l.member === member) this.leader = undefined;
  }

  /**
   * A member applied a log entry (every apply of every member). Three kinds matter: the leader's first
   * entry of its term, checkpoints (read once, at their first apply), and a client's revoke, which ends
   * its lease when it applies: its answer may reach the client much later (kv-chaos seed 1295, under
   * slow messages: a revoke applied before the write that proved the leader could commit, answered
   * 600 ms after it).
   */
  onApply(member: string, index: number, term: number, payload: unknown, time: number): void {
    const l = this.leader;
    if (l !== undefined && l.promoted === undefined && member === l.member && term === l.term) {
      l.promoted = time;
      l.promoteIndex = index;
    }
    const cp = payload as {
      op?: string;
      checkpoints?: { ID: number; remainingTTL: number }[];
      request?: { kind?: string; leaseRevoke?: { ID: number } };
    } | null;
    if (cp !== null && cp.op === "kv" && cp.request?.kind === "leaseRevoke") {
      this.ended(cp.request.leaseRevoke!.ID, time);
      return;
    }
    if (cp === null || cp.op !== "leaseCheckpoint" || this.checkpointIndexes.has(index)) return;
    this.checkpointIndexes.add(index);
    for (const { ID, remainingTTL } of cp.checkpoints!) {
      let f = this.checkpoints.get(ID);
      if (f === undefined) this.checkpoints.set(ID, (f = { index: [], remainingTTL: [], time: [] }));
      f.index.push(index);
      f.remainingTTL.push(remainingTTL);
      f.time.push(time);
    }
  }

  /** The remaining TTL (s) the log's last checkpoint of `id` below `index` recorded; 0 if none or cleared. */
  private remainderBefore(id: number, index: number): number {
    const f = this.checkpoints.get(id);
    if (f === undefined) return 0;
    let best = -1;
    for (let i = 0; i < f.index.length; i++)
      if (f.index[i]! < index && (best < 0 || f.index[i]! > f.index[best]!)) best = i;
    return best < 0 ? 0 : f.remainingTTL[best]!;
  }

  /** Whether the log holds a checkpoint of `id` above `index` first applied by `by`. */
  private checkpointedAfter(id: number, index: number, by: number): boolean {
    const f = this.checkpoints.get(id);
    if (f === undefined) return false;
    for (let i = 0; i < f.index.length; i++) if (f.index[i]! > index && f.time[i]! <= by) return true;
    return false;
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
    if (r.kind === "leaseGrant") this.renewed(r.leaseGrant.ID, op.call, ret, r.leaseGrant.TTL);
    else if (r.kind === "leaseKeepAlive") {
      if (r.leaseKeepAlive.TTL > 0) this.renewed(r.leaseKeepAlive.ID, op.call, ret, r.leaseKeepAlive.TTL);
      else this.ended(r.leaseKeepAlive.ID, ret);
    } else if (r.kind === "leaseTimeToLive" && r.leaseTimeToLive.TTL === -1) this.ended(r.leaseTimeToLive.ID, ret);
  }

  private facts(id: number): LeaseFacts {
    let f = this.leases.get(id);
    if (f === undefined) {
      f = { renewedBy: -Infinity, renewedCall: -Infinity, ttlUs: 0, ends: [], unknown: false };
      this.leases.set(id, f);
    }
    return f;
  }

  private renewed(id: number, call: number, ret: number, ttlSec: number): void {
    const f = this.facts(id);
    if (call > f.renewedCall) f.renewedCall = call;
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
    const intervalUs = this.timing.checkpointIntervalUs ?? 0;
    const promoted = leader.promoted;
    const promoteIndex = leader.promoteIndex ?? 0;
    if (promoted === undefined)
      return {
        name: "lease-expiry",
        verdict: "pass",
        message: `the last leader (${leader.member}, term ${leader.term}) applied no entry of its term: no lease judged`,
      };
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
    /** The earliest return of an answered write called at or after `t`. */
    const proofAfter = (t: number) => {
      let lo = 0;
      let hi = calls.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (calls[mid]! < t) lo = mid + 1;
        else hi = mid;
      }
      return firstReturn[lo]!;
    };
    const bad: string[] = [];
    let judged = 0;
    let checkpointsJudged = 0;
    for (const [id, f] of this.leases) {
      if (f.unknown || f.renewedBy === -Infinity) continue;
      // An end before the last renewal was called was of an earlier grant of the same ID.
      let endedAt = Infinity;
      for (const t of f.ends) if (t >= f.renewedCall && t < endedAt) endedAt = t;
      // What the leader restarted the lease from at its promotion: the log's last checkpoint, or the TTL.
      const remainder = intervalUs > 0 ? this.remainderBefore(id, promoteIndex) : 0;
      const restartUs = remainder > 0 ? remainder * 1_000_000 : f.ttlUs;
      const fromPromotion = promoted + this.timing.extendUs + restartUs * slow;
      const due = Math.max(f.renewedBy + f.ttlUs * slow, fromPromotion) + checkUs;
      // The first write called after the lease was due (and one check more), and when it was answered.
      const proof = proofAfter(due + checkUs);
      if (proof !== Infinity) {
        judged++;
        if (endedAt > proof + checkUs) {
          const from =
            f.renewedBy + f.ttlUs * slow >= fromPromotion
              ? `a TTL after its last renewal, answered at ${ms(f.renewedBy)}`
              : `${remainder > 0 ? `the ${remainder}s its last checkpoint left` : "a TTL"} after ${leader.member} (term ${leader.term}) applied its term's first entry at ${ms(promoted)}`;
          bad.push(
            `lease ${id} (TTL ${f.ttlUs / 1e6}s) was due to end by ${ms(due)}, ${from}, and a write called after that was answered at ${ms(proof)}, but the lease ${endedAt === Infinity ? "never ended" : `ended only at ${ms(endedAt)}`}`,
          );
          continue;
        }
      }
      // Checkpoints happen: a lease no one renewed under this leader, with more than an interval left at
      // its promotion, whose first checkpoint would find less than its TTL left (etcd skips one that
      // finds the whole TTL) and the lease still alive.
      if (intervalUs === 0 || f.renewedBy >= promoted) continue;
      const leftAtDueUs = this.timing.extendUs + restartUs - intervalUs;
      if (restartUs <= intervalUs || leftAtDueUs - checkUs <= 0 || Math.ceil(leftAtDueUs / 1e6) * 1e6 >= f.ttlUs)
        continue;
      const cpProof = proofAfter(promoted + (intervalUs + 2 * this.timing.checkUs) * slow);
      if (cpProof === Infinity || endedAt <= cpProof) continue;
      checkpointsJudged++;
      if (this.checkpointedAfter(id, promoteIndex, cpProof)) continue;
      bad.push(
        `lease ${id} (TTL ${f.ttlUs / 1e6}s, ${restartUs / 1e6}s left when ${leader.member} applied its term's first entry at ${ms(promoted)}) was never checkpointed under ${leader.member}, though a write called a checkpoint interval (${intervalUs / 1e6}s) after that was answered at ${ms(cpProof)}`,
      );
    }
    if (bad.length) return { name: "lease-expiry", verdict: "fail", message: bad[0]!, evidence: { violations: bad } };
    return {
      name: "lease-expiry",
      verdict: "pass",
      message: `${judged} leases no one renewed ended in time under the last leader (${leader.member}, term ${leader.term})${intervalUs > 0 ? `; ${checkpointsJudged} checkpointed in time` : ""}`,
    };
  }
}
