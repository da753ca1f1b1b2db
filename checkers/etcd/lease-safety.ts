// Lease safety: a lease must not be revoked by expiry before its TTL has run out in real time since
// it was last granted or kept alive (measured from the call, the earliest the server could have
// renewed it). Clock skew must not shorten a lease; drift is tolerated up to `tolerance` of the TTL.
import type { EtcdOperation } from "../history.ts";
import type { CheckOf } from "../types.ts";

export class LeaseSafety {
  /** Lease ID → earliest instant its current TTL could have started, and the TTL (µs). */
  private readonly renewed = new Map<number, { at: number; ttlUs: number }>();
  private readonly expiries: { ids: readonly number[]; time: number; member: string }[] = [];
  private readonly seen = new Set<number>();
  expiredCount = 0;

  constructor(private readonly tolerance = 0.1) {}

  /** A member applied an expiry revoke (only the first report of each lease counts). */
  onExpire(member: string, ids: readonly number[], time: number): void {
    const fresh = ids.filter((id) => !this.seen.has(id));
    for (const id of fresh) this.seen.add(id);
    if (fresh.length) this.expiries.push({ ids: fresh, time, member });
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
    for (const e of this.expiries) {
      for (const id of e.ids) {
        this.expiredCount++;
        const r = this.renewed.get(id);
        if (r === undefined) continue;
        const earliest = r.at + r.ttlUs * (1 - this.tolerance);
        if (e.time < earliest)
          bad.push(
            `lease ${id} expired at ${(e.time / 1000).toFixed(1)}ms (applied on ${e.member}), ${((r.at + r.ttlUs - e.time) / 1000).toFixed(0)}ms before its ${r.ttlUs / 1e6}s TTL from ${(r.at / 1000).toFixed(1)}ms ran out`,
          );
      }
    }
    if (bad.length) return { name: "lease-safety", verdict: "fail", message: bad[0]!, evidence: { violations: bad } };
    return {
      name: "lease-safety",
      verdict: "pass",
      message: `${this.expiredCount} lease expiries, none before its TTL`,
    };
  }
}
