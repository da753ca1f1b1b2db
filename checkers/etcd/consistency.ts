// Cross-member consistency of the replicated store: every member (and every incarnation of it)
// must apply the same entry at the same Raft index and reach the same revision; after heal, every
// member's store hash at a common revision must match. Fed online by the members' apply loops.
import type { CheckOf } from "../types.ts";

export interface AppliedEntry {
  member: string;
  index: number;
  term: number;
  /** The entry's payload, by reference: members apply one shared object, never mutated. */
  payload: unknown;
  /** The store's revision after applying it. */
  revision: number;
  time: number;
}

export class ConsistencyOracle {
  // The first apply seen at each Raft index, column by column (indexes are dense from 1, and a run
  // keeps one row per index for its whole length: plain arrays of numbers cost a few words a row).
  private readonly terms: number[] = [];
  private readonly revisions: number[] = [];
  private readonly times: number[] = [];
  private readonly members: string[] = [];
  private readonly payloads: unknown[] = [];
  private indexes = 0;
  private readonly lastApplied = new Map<string, { index: number; revision: number }>();
  readonly violations: string[] = [];
  applied = 0;

  onApply(e: AppliedEntry): void {
    this.applied++;
    const i = e.index;
    const term = this.terms[i];
    if (term === undefined) {
      this.terms[i] = e.term;
      this.revisions[i] = e.revision;
      this.times[i] = e.time;
      this.members[i] = e.member;
      this.payloads[i] = e.payload;
      this.indexes++;
    } else if (term !== e.term || !samePayload(this.payloads[i], e.payload)) {
      this.fail(
        `state machine safety: ${e.member} applied a different entry at index ${i} (term ${e.term}) than ${this.members[i]} did (term ${term}) at ${this.times[i]}us`,
      );
    } else if (this.revisions[i] !== e.revision) {
      const firstMember = this.members[i];
      const firstRevision = this.revisions[i];
      // The same member applying an index twice (after a restart) must not read as two members.
      this.fail(
        firstMember === e.member
          ? `revision divergence: ${e.member} applied index ${i} again (after a restart) and reached revision ${e.revision}; the first time it reached ${firstRevision}`
          : `revision divergence: at index ${i} ${e.member} reached revision ${e.revision}, ${firstMember} reached ${firstRevision}`,
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
      message: `${this.indexes} indexes applied consistently (${this.applied} applies across members)`,
    };
  }
}

/**
 * Whether two applies carry the same entry: equal digests of the payloads. Payloads travel by
 * reference and are never mutated, so one object is always the same entry and only two distinct
 * objects (a divergence, or one payload built twice) need their digests.
 */
function samePayload(a: unknown, b: unknown): boolean {
  return a === b || digest(a) === digest(b);
}

/** Digests already computed, per payload object (never mutated, so a digest never goes stale). */
const digests = new WeakMap<object, string>();

/** A cheap, stable digest of an entry's payload (entries are plain JSON). */
export function digest(data: unknown): string {
  if (data === null || typeof data !== "object") return digestOf(data);
  let d = digests.get(data);
  if (d === undefined) digests.set(data, (d = digestOf(data)));
  return d;
}

function digestOf(data: unknown): string {
  const s = data === null ? "null" : JSON.stringify(data);
  let h1 = 0x811c9dc5,
    h2 = 0x1234567;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16) + (h2 >>> 0).toString(16) + ":" + s.length;
}
