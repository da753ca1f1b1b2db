// Cross-member consistency of the replicated store: every member (and every incarnation of it)
// must apply the same entry at the same Raft index and reach the same revision; after heal, every
// member's store hash at a common revision must match. Fed online by the members' apply loops.
import { type BlockStore, ChunkedU32, HotWindow, OffsetColumn, RunColumn } from "../../core/metrics/columns.ts";
import { NameTable } from "../../core/name-table.ts";
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
  // The first apply seen at each Raft index, column by column (indexes are dense from 1, and a run keeps
  // one row per index for its whole length): terms and members as runs (they repeat over a leader's stretch
  // of indexes), revisions and times as 32-bit offsets (core/metrics/columns.ts).
  private readonly terms = new RunColumn();
  private readonly revisions: OffsetColumn;
  private readonly times: OffsetColumn;
  /** The member's number in memberNames. */
  private readonly members = new RunColumn();
  private readonly memberNames = new NameTable();
  /**
   * The payload first applied at index i, for the newest PAYLOAD_WINDOW indexes. Older indexes keep only
   * the parts of their payload's digest (two 32-bit hashes and the JSON length, from which digestOf's
   * string is rebuilt), so a long run does not keep every entry it applied alive. This gives exactly the
   * answers of samePayload on the kept payload: payloads are never mutated, so when the later apply
   * carries the same object its digest equals the recorded one too. A payload JSON cannot encode keeps
   * its reference (in `uncooled`) and is compared as before. (An undefined payload is held in the window
   * as NO_PAYLOAD, since the window's empty slots read undefined.)
   */
  private readonly hotPayloads = new HotWindow<unknown>(PAYLOAD_WINDOW, (i, p) =>
    this.cool(i, p === NO_PAYLOAD ? undefined : p),
  );
  private readonly coldH1: ChunkedU32;
  private readonly coldH2: ChunkedU32;
  private readonly coldLength: ChunkedU32;
  private readonly uncooled = new Map<number, unknown>();
  private indexes = 0;
  private readonly lastApplied = new Map<string, { index: number; revision: number }>();
  readonly violations: string[] = [];
  applied = 0;

  /**
   * `spill`: where a long run's per-index columns keep their full chunks (core/metrics/columns.ts): they
   * are set in ascending index order, and read back near where a lagging member applies.
   */
  constructor(spill?: () => BlockStore | undefined) {
    this.revisions = new OffsetColumn(spill);
    this.times = new OffsetColumn(spill);
    this.coldH1 = new ChunkedU32(spill);
    this.coldH2 = new ChunkedU32(spill);
    this.coldLength = new ChunkedU32(spill);
  }

  onApply(e: AppliedEntry): void {
    this.applied++;
    const i = e.index;
    const term = this.terms.get(i);
    if (term === undefined) {
      this.terms.set(i, e.term);
      this.revisions.set(i, e.revision);
      this.times.set(i, e.time);
      this.members.set(i, this.memberNumber(e.member));
      this.recordPayload(i, e.payload);
      this.indexes++;
    } else if (term !== e.term || !this.samePayloadAt(i, e.payload)) {
      this.fail(
        `state machine safety: ${e.member} applied a different entry at index ${i} (term ${e.term}) than ${this.memberAt(i)} did (term ${term}) at ${this.times.get(i)}us`,
      );
    } else if (this.revisions.get(i) !== e.revision) {
      const firstMember = this.memberAt(i);
      const firstRevision = this.revisions.get(i);
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

  private memberNumber(member: string): number {
    return this.memberNames.number(member);
  }

  /** The member that first applied index i. */
  private memberAt(i: number): string {
    return this.memberNames.name(this.members.get(i)!)!;
  }

  private recordPayload(i: number, payload: unknown): void {
    if (this.hotPayloads.holds(i)) this.hotPayloads.put(i, payload === undefined ? NO_PAYLOAD : payload);
    else this.cool(i, payload);
  }

  /** samePayload(the payload first applied at index i, payload). */
  private samePayloadAt(i: number, payload: unknown): boolean {
    if (this.hotPayloads.holds(i)) {
      const p = this.hotPayloads.get(i);
      return samePayload(p === NO_PAYLOAD ? undefined : p, payload);
    }
    if (this.uncooled.has(i)) return samePayload(this.uncooled.get(i), payload);
    // digest(a) === digest(b), with digest(a) rebuilt from its parts (b digested without caching it).
    return digestString(this.coldH1.get(i), this.coldH2.get(i), this.coldLength.get(i)) === digestOf(payload);
  }

  /** Bytes of the per-index columns (for tests and measurements). */
  get bytes(): number {
    return (
      this.terms.bytes +
      this.revisions.bytes +
      this.times.bytes +
      this.members.bytes +
      this.coldH1.bytes +
      this.coldH2.bytes +
      this.coldLength.bytes
    );
  }

  private cool(i: number, payload: unknown): void {
    let json: string | undefined;
    try {
      json = jsonOf(payload);
    } catch {
      json = undefined; // e.g. a BigInt: kept by reference, so a comparison fails (or not) as before
    }
    if (json === undefined) {
      this.uncooled.set(i, payload);
      return;
    }
    hashJson(json);
    this.coldH1.set(i, hashed.h1);
    this.coldH2.set(i, hashed.h2);
    this.coldLength.set(i, json.length);
  }

  /** A restarted member begins again from what it recovered. */
  onRestart(member: string, recovered: { index: number; revision: number }): void {
    this.lastApplied.set(member, { index: recovered.index, revision: recovered.revision });
  }

  private fail(msg: string): void {
    if (this.violations.length < 20) this.violations.push(msg);
  }

  /** Compares members' store hashes at one revision (after heal). */
  compareHashes(hashes: { member: string; revision: number; hash?: string; error?: string }[]): void {
    // A member whose HashKV of its own revision answers an error has nothing to agree on: a failure, not
    // a match (equal error strings once passed as equal hashes: a mutation campaign's survivor).
    for (const h of hashes)
      if (h.error !== undefined)
        this.fail(`${h.member} could not hash its store at revision ${h.revision}: ${h.error}`);
    hashes = hashes.filter((h) => h.error === undefined);
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

/** Marks an undefined payload in the window (whose empty slots read undefined). */
const NO_PAYLOAD = Symbol("no payload");

/** How many of the newest indexes keep their payload (a power of two): the rest keep its digest's parts. */
export const PAYLOAD_WINDOW = 1024;

/** The text digestOf hashes (undefined where JSON has no text for the value, e.g. undefined itself). */
function jsonOf(data: unknown): string | undefined {
  return data === null ? "null" : (JSON.stringify(data) as string | undefined);
}

/** The two hashes of the last hashJson call (unsigned). */
const hashed = { h1: 0, h2: 0 };

function hashJson(s: string): void {
  let h1 = 0x811c9dc5,
    h2 = 0x1234567;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  hashed.h1 = h1 >>> 0;
  hashed.h2 = h2 >>> 0;
}

function digestString(h1: number, h2: number, length: number): string {
  return h1.toString(16) + h2.toString(16) + ":" + length;
}

function digestOf(data: unknown): string {
  const s = jsonOf(data)!;
  // Reading the length first keeps the TypeError of a value JSON cannot encode where it always was.
  const length = s.length;
  hashJson(s);
  return digestString(hashed.h1, hashed.h2, length);
}
