// lease-keys: a LeaseTimeToLive that asks for keys lists exactly the keys attached to the lease at the
// revision its header names (and one that does not ask lists none). etcd's lessor attaches a key when a put names the lease and detaches it when
// the key's next version names another lease or none, when the key is deleted, and when the lease is
// revoked (its keys deleted with it). The attachments are restated here from the committed revisions (the
// first member to make each), never read from a lessor: a lessor that kept a deleted key, or forgot one,
// lists what the store does not hold, and until the lease's revoke nothing else shows it.
import type { Change } from "../../core/mvcc/key-history.ts";
import type { EtcdOperation } from "../history.ts";
import type { CheckResult } from "../types.ts";

/** One attachment or detachment of a key, at a revision. */
interface Attachment {
  revision: number;
  key: string;
  attached: boolean;
}

export class LeaseKeys {
  /** The lease each key's newest version names (absent: none, or deleted). */
  private readonly leaseOf = new Map<string, number>();
  /** Each lease's attachments and detachments, in revision order. */
  private readonly byLease = new Map<number, Attachment[]>();

  /** A committed revision's changes, in order (a tombstone has version 0). */
  onCommit(revision: number, keys: readonly string[], changes: readonly Change[]): void {
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      const key = keys[i]!;
      const before = this.leaseOf.get(key) ?? 0;
      const after = c.version === 0 ? 0 : c.lease;
      if (before === after) continue;
      if (before !== 0) this.record(before, { revision, key, attached: false });
      if (after !== 0) this.record(after, { revision, key, attached: true });
      if (after === 0) this.leaseOf.delete(key);
      else this.leaseOf.set(key, after);
    }
  }

  private record(lease: number, a: Attachment): void {
    let list = this.byLease.get(lease);
    if (list === undefined) this.byLease.set(lease, (list = []));
    list.push(a);
  }

  /** The keys attached to `lease` once `revision` was made, sorted. */
  attachedAt(lease: number, revision: number): string[] {
    const keys = new Set<string>();
    for (const a of this.byLease.get(lease) ?? []) {
      if (a.revision > revision) break;
      if (a.attached) keys.add(a.key);
      else keys.delete(a.key);
    }
    return [...keys].sort();
  }

  result(operations: readonly EtcdOperation[]): CheckResult {
    const name = "lease-keys";
    let judged = 0;
    const bad: string[] = [];
    for (const op of operations) {
      if (op.request.kind !== "leaseTimeToLive" || op.response?.kind !== "leaseTimeToLive") continue;
      const r = op.response.leaseTimeToLive;
      const revision = r.header.revision;
      // Keys only when asked for; a lease that is gone (TTL -1) holds none, its keys deleted with it.
      const want = op.request.leaseTimeToLive.keys !== true || r.TTL === -1 ? [] : this.attachedAt(r.ID, revision);
      const got = [...r.keys].sort();
      judged++;
      if (got.length !== want.length || got.some((k, i) => k !== want[i]))
        bad.push(
          `lease ${r.ID}: a TimeToLive answered at revision ${revision} (called at ${(op.call / 1000).toFixed(1)}ms) listed keys [${got.join(", ")}], but the keys attached to it then were [${want.join(", ")}]`,
        );
    }
    if (bad.length > 0)
      return {
        name,
        verdict: "fail",
        message: `${bad[0]}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ""}`,
        evidence: { violations: bad.slice(0, 20) },
      };
    return {
      name,
      verdict: "pass",
      message: `${judged} TimeToLive answers, each listing exactly the keys attached to its lease at its revision (none if not asked)`,
    };
  }
}
