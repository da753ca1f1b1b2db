// Cross-member consistency of the replicated store: every member (and every incarnation of it)
// must apply the same entry at the same Raft index and reach the same revision; after heal, every
// member's store hash at a common revision must match. Fed online by the members' apply loops.
import type { CheckOf } from "../types.ts";

export interface AppliedEntry {
  member: string;
  index: number;
  term: number;
  /** A digest of the entry's payload (identical payloads ⇒ identical digests). */
  digest: string;
  /** The store's revision after applying it. */
  revision: number;
  time: number;
}

export class ConsistencyOracle {
  private readonly byIndex = new Map<number, AppliedEntry>();
  private readonly lastApplied = new Map<string, { index: number; revision: number }>();
  readonly violations: string[] = [];
  applied = 0;

  onApply(e: AppliedEntry): void {
    this.applied++;
    const first = this.byIndex.get(e.index);
    if (first === undefined) this.byIndex.set(e.index, e);
    else if (first.digest !== e.digest || first.term !== e.term) {
      this.fail(
        `state machine safety: ${e.member} applied a different entry at index ${e.index} (term ${e.term}) than ${first.member} did (term ${first.term}) at ${first.time}us`,
      );
    } else if (first.revision !== e.revision) {
      // The same member applying an index twice (after a restart) must not read as two members.
      this.fail(
        first.member === e.member
          ? `revision divergence: ${e.member} applied index ${e.index} again (after a restart) and reached revision ${e.revision}; the first time it reached ${first.revision}`
          : `revision divergence: at index ${e.index} ${e.member} reached revision ${e.revision}, ${first.member} reached ${first.revision}`,
      );
    }
    const last = this.lastApplied.get(e.member);
    if (last !== undefined && e.index > last.index && e.revision < last.revision) {
      this.fail(
        `revision went backwards on ${e.member}: ${last.revision} at index ${last.index}, then ${e.revision} at index ${e.index}`,
      );
    }
    // Updated in place: this runs for every apply on every member.
    if (last === undefined) this.lastApplied.set(e.member, { index: e.index, revision: e.revision });
    else {
      last.index = e.index;
      last.revision = e.revision;
    }
  }

  /** A restarted member begins again from what it recovered. */
  onRestart(member: string, recovered: { index: number; revision: number }): void {
    this.lastApplied.set(member, { index: recovered.index, revision: recovered.revision });
  }

  private fail(msg: string): void {
    if (this.violations.length < 20) this.violations.push(msg);
  }

  /** Compares members' store hashes at one revision (after heal). */
  compareHashes(hashes: { member: string; revision: number; hash: string }[]): void {
    const first = hashes[0];
    if (first === undefined) return;
    for (const h of hashes.slice(1)) {
      if (h.revision === first.revision && h.hash !== first.hash) {
        this.fail(
          `store hash mismatch at revision ${h.revision}: ${first.member} ${first.hash} vs ${h.member} ${h.hash}`,
        );
      }
    }
  }

  result(): CheckOf<"cross-member"> {
    if (this.violations.length > 0)
      return {
        name: "cross-member",
        verdict: "fail",
        message: this.violations[0]!,
        evidence: { violations: this.violations },
      };
    return {
      name: "cross-member",
      verdict: "pass",
      message: `${this.byIndex.size} indexes applied consistently (${this.applied} applies across members)`,
    };
  }
}
