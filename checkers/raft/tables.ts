// Compact per-log-index tables for the Raft safety monitor. A long run commits hundreds of thousands of
// entries and the monitor must remember, per index, what was first committed, applied and written
// durably there (a lagging node may reach any old index later). Plain arrays of objects kept every Entry
// (and its payload) alive for the whole run; these keep numbers in typed arrays, and an entry's payload
// only as a 32-bit fingerprint (entryHash) once its index is more than a window behind the newest one.
//
// Comparing payloads by fingerprint gives exactly what samePayload gives on the entry itself:
// samePayload(a, b) is true when a === b or a and b share their type and data object, and otherwise
// compares entryHash(a) with entryHash(b); entries are never mutated, so in the first two cases the
// hashes are equal too. Within the window the Entry is kept, so a short run never hashes anything.
import type { Entry } from "../../core/raft/types.ts";
import { entryHash, samePayload } from "./hash.ts";

/** Initial column length: a short run (a few hundred entries) never grows a column. */
const INITIAL = 512;

/** A growable array of numbers (float64, so any term or index is exact); unset slots read NaN. */
export class NumberColumn {
  private a = new Float64Array(INITIAL).fill(Number.NaN);

  /** The value at i, or undefined if never set. */
  get(i: number): number | undefined {
    const x = i < this.a.length ? this.a[i]! : Number.NaN;
    return Number.isNaN(x) ? undefined : x;
  }

  set(i: number, x: number): void {
    if (i >= this.a.length) this.grow(i);
    this.a[i] = x;
  }

  /** Bytes held (for tests and measurements). */
  get bytes(): number {
    return this.a.byteLength;
  }

  private grow(i: number): void {
    let n = this.a.length * 2;
    while (n <= i) n *= 2;
    const b = new Float64Array(n);
    b.set(this.a);
    b.fill(Number.NaN, this.a.length);
    this.a = b;
  }
}

/** A growable array of small non-negative integers (node numbers, interned strings); unset slots read 0. */
export class SmallIntColumn {
  private a = new Uint32Array(INITIAL);

  get(i: number): number {
    return i < this.a.length ? this.a[i]! : 0;
  }

  set(i: number, x: number): void {
    if (i >= this.a.length) {
      let n = this.a.length * 2;
      while (n <= i) n *= 2;
      const b = new Uint32Array(n);
      b.set(this.a);
      this.a = b;
    }
    this.a[i] = x;
  }

  get bytes(): number {
    return this.a.byteLength;
  }
}

/** How many of the newest indexes keep their Entry (a power of two): the rest keep a fingerprint. */
export const HOT_WINDOW = 4096;

/**
 * Per log index, the first entry recorded there — its term, its payload (for samePayload) and the node
 * that recorded it, plus one number the caller attaches (the term of the entry before it, for log
 * matching). Entries within HOT_WINDOW of the highest index recorded are kept as they are; older ones
 * are reduced to entryHash when the window moves past them.
 */
export class EntryTable {
  private readonly term = new NumberColumn();
  private readonly extra = new NumberColumn();
  private readonly node = new SmallIntColumn();
  /** entryHash of the entry at i, for i <= coldUpTo. */
  private readonly hash = new SmallIntColumn();
  /**
   * The entry at i for coldUpTo < i <= coldUpTo + HOT_WINDOW, at slot i % HOT_WINDOW (grown as indexes
   * come, so a short run allocates no more than it uses).
   */
  private readonly hot: (Entry | undefined)[] = [];
  private coldUpTo = 0;

  /** The term recorded at index i, or undefined. */
  termAt(i: number): number | undefined {
    return this.term.get(i);
  }

  /** The number attached at index i (meaningful only where termAt(i) is defined). */
  extraAt(i: number): number {
    return this.extra.get(i)!;
  }

  /** The node number that recorded index i (0: none). */
  nodeAt(i: number): number {
    return this.node.get(i);
  }

  /** Records e at its index (the caller checked that nothing is recorded there yet). */
  record(e: Entry, node: number, extra = 0): void {
    const i = e.index;
    this.term.set(i, e.term);
    this.extra.set(i, extra);
    this.node.set(i, node);
    if (i <= this.coldUpTo) {
      this.hash.set(i, entryHash(e));
      return;
    }
    if (i > this.coldUpTo + HOT_WINDOW) this.cool(i - HOT_WINDOW);
    this.hot[i & (HOT_WINDOW - 1)] = e;
  }

  /** Whether the payload recorded at index i is the same as e's (samePayload). */
  samePayloadAt(i: number, e: Entry): boolean {
    if (i > this.coldUpTo) {
      const seen = this.hot[i & (HOT_WINDOW - 1)];
      return seen !== undefined && samePayload(seen, e);
    }
    return this.hash.get(i) === entryHash(e);
  }

  /** Entries kept whole (for tests: at most HOT_WINDOW). */
  get entriesKept(): number {
    let n = 0;
    for (const e of this.hot) if (e !== undefined) n++;
    return n;
  }

  get bytes(): number {
    return this.term.bytes + this.extra.bytes + this.node.bytes + this.hash.bytes + HOT_WINDOW * 8;
  }

  /** Moves indexes up to `to` out of the window: their entries become fingerprints. */
  private cool(to: number): void {
    // Only the window's slots can hold entries: past coldUpTo + HOT_WINDOW there is nothing to move.
    const last = Math.min(to, this.coldUpTo + HOT_WINDOW);
    for (let i = this.coldUpTo + 1; i <= last; i++) {
      const slot = i & (HOT_WINDOW - 1);
      const e = this.hot[slot];
      if (e === undefined) continue;
      this.hash.set(i, entryHash(e));
      this.hot[slot] = undefined;
    }
    this.coldUpTo = to;
  }
}
