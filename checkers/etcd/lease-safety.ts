// Lease safety: a lease must not be revoked by expiry before its TTL has run out in real time since
// it was last granted or kept alive (measured from the call, the earliest the server could have
// renewed it). Clock skew must not shorten a lease; drift is tolerated up to `tolerance` of the TTL.
import { ChunkedU32, OffsetColumn } from "../../core/metrics/columns.ts";
import { NameTable } from "../../core/name-table.ts";
import type { EtcdOperation } from "../history.ts";
import type { CheckOf } from "../types.ts";

export class LeaseSafety {
  /** Lease ID → earliest instant its current TTL could have started, and the TTL (µs). */
  private readonly renewed = new Map<number, { at: number; ttlUs: number }>();
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
  expiredCount = 0;

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
    if (op.response === null) return;
    const r = op.response;
    if (r.kind === "leaseGrant") this.renew(r.leaseGrant.ID, op.call, r.leaseGrant.TTL);
    else if (r.kind === "leaseKeepAlive" && r.leaseKeepAlive.TTL > 0)
      this.renew(r.leaseKeepAlive.ID, op.call, r.leaseKeepAlive.TTL);
  }

  private renew(id: number, at: number, ttlSec: number): void {
    const prev = this.renewed.get(id);
    if (prev === undefined || at > prev.at) this.renewed.set(id, { at, ttlUs: ttlSec * 1_000_000 });
  }

  result(): CheckOf<"lease-safety"> {
    const bad: string[] = [];
    for (let row = 0; row < this.expiredIds.length; row++) {
      const id = this.expiredIds.get(row)!;
      const time = this.expiredAt.get(row)!;
      this.expiredCount++;
      const r = this.renewed.get(id);
      if (r === undefined) continue;
      const earliest = r.at + r.ttlUs * (1 - this.tolerance);
      if (time < earliest)
        bad.push(
          `lease ${id} expired at ${(time / 1000).toFixed(1)}ms (applied on ${this.memberNames.name(this.expiredOn.get(row))}), ${((r.at + r.ttlUs - time) / 1000).toFixed(0)}ms before its ${r.ttlUs / 1e6}s TTL from ${(r.at / 1000).toFixed(1)}ms ran out`,
        );
    }
    if (bad.length) return { name: "lease-safety", verdict: "fail", message: bad[0]!, evidence: { violations: bad } };
    return {
      name: "lease-safety",
      verdict: "pass",
      message: `${this.expiredCount} lease expiries, none before its TTL`,
    };
  }
}
