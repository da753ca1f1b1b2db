// Compact per-log-index tables for the Raft safety monitor. A long run commits hundreds of thousands of
// entries and the monitor must remember, per index, what was first committed, applied and written
// durably there (a lagging node may reach any old index later). Plain arrays of objects kept every Entry
// (and its payload) alive for the whole run; these keep terms and node numbers as runs (they repeat over
// the hundreds of indexes one leader appends: core/metrics/columns.ts), and an entry's payload only as a
// 32-bit fingerprint (entryHash, 4 bytes an index) once its index is more than a window behind the newest
// one.
//
// Comparing payloads by fingerprint gives exactly what samePayload gives on the entry itself:
// samePayload(a, b) is true when a === b or a and b share their type and data object, and otherwise
// compares entryHash(a) with entryHash(b); entries are never mutated, so in the first two cases the
// hashes are equal too. Within the window the Entry is kept, so a short run never hashes anything.
import type { Entry } from "../../core/raft/types.ts";
import { type BlockStore, ChunkedU32, HotWindow, RunColumn } from "../../core/metrics/columns.ts";
import { entryHash, samePayload } from "./hash.ts";

/** How many of the newest indexes keep their Entry (a power of two): the rest keep a fingerprint. */
export const HOT_WINDOW = 1024;

/**
 * Per log index, the first entry recorded there — its term, its payload (for samePayload) and the node
 * that recorded it, plus one number the caller attaches (the term of the entry before it, for log
 * matching). Entries within HOT_WINDOW of the highest index recorded are kept as they are; older ones
 * are reduced to entryHash when the window moves past them.
 */
export class EntryTable {
  private readonly term = new RunColumn();
  private readonly extra = new RunColumn();
  private readonly node = new RunColumn();
  /** entryHash of the entry at i, for the indexes out of the window. */
  private readonly hash: ChunkedU32;
  /** The entries of the newest HOT_WINDOW indexes; older ones leave as their hash. */
  private readonly hot = new HotWindow<Entry>(HOT_WINDOW, (i, e) => this.hash.set(i, entryHash(e)));

  /**
   * `spill`: where a long run's fingerprints keep their full chunks (core/metrics/columns.ts); they are set
   * in ascending index order as the window moves, and read back mostly near where a lagging node is.
   */
  constructor(spill?: () => BlockStore | undefined) {
    this.hash = new ChunkedU32(spill);
  }

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
    return this.node.get(i) ?? 0;
  }

  /** Records e at its index (the caller checked that nothing is recorded there yet). */
  record(e: Entry, node: number, extra = 0): void {
    const i = e.index;
    this.term.set(i, e.term);
    this.extra.set(i, extra);
    this.node.set(i, node);
    if (this.hot.holds(i)) this.hot.put(i, e);
    else this.hash.set(i, entryHash(e));
  }

  /** Whether the payload recorded at index i is the same as e's (samePayload). */
  samePayloadAt(i: number, e: Entry): boolean {
    if (this.hot.holds(i)) {
      const seen = this.hot.get(i);
      return seen !== undefined && samePayload(seen, e);
    }
    return this.hash.get(i) === entryHash(e);
  }

  /** Entries kept whole (for tests: at most HOT_WINDOW). */
  get entriesKept(): number {
    return this.hot.kept;
  }

  get bytes(): number {
    return this.term.bytes + this.extra.bytes + this.node.bytes + this.hash.bytes + HOT_WINDOW * 8;
  }
}
