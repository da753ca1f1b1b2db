// Lowe's memoization for the Wing–Gong search: the configurations (linearized operations, model
// state) already explored without success, over typed arrays.
//
// Only finished configurations are recorded: a configuration still on the search path is an
// ancestor of the current one and so has strictly fewer operations; it can never match.
//
// Subsumption for unknown outcomes: an operation whose return is unknown may also be linearized at
// the very end, where it is always legal. So a configuration that linearized a subset of the unknown
// operations (same known ones, same state) can do everything a larger one can: once it failed,
// every such larger configuration fails too. Configurations are grouped by (known-return bitset,
// state); each group keeps the unknown-operation masks that failed, and a query asks whether one of
// them is a subset of the current mask. The masks of a group are kept an antichain (a new mask
// removes its supersets), which keeps the lists short.

import type { Model } from "./types.ts";

/**
 * The memo's memory bound (its typed arrays, not the states they reference), so that one hard
 * partition stays well under 1 GB; with worker threads each thread has its own.
 */
export const MEMO_BYTES = 192 * 1024 * 1024;

export class FailedConfigurations<S> {
  private readonly model: Model<S, unknown, unknown>;
  private readonly fw: number; // words per known-return bitset
  private readonly uw: number; // words per unknown mask (0 when no unknown outcomes)
  // groups: open addressing on hash → group index + 1
  private slots!: Int32Array;
  private slotMask!: number;
  private groupHash!: Int32Array;
  private groupBits!: Uint32Array;
  private groupMasks!: Int32Array; // head of the group's mask list, mask index + 1
  private readonly groupStates: S[] = [];
  private groups = 0;
  // masks: singly linked lists in one arena
  private maskNext!: Int32Array;
  private maskWords!: Uint32Array;
  private masks = 0;

  /** Groups kept before the memo is emptied (bounded memory: see MEMO_BYTES). */
  private readonly maxGroups: number;

  constructor(model: Model<S, unknown, unknown>, finiteWords: number, unknownWords: number, maxBytes = MEMO_BYTES) {
    this.model = model;
    this.fw = Math.max(1, finiteWords);
    this.uw = unknownWords;
    // per group: its bitset, hash, mask head, two slots, a state reference and one mask
    this.maxGroups = Math.max(1024, Math.floor(maxBytes / (4 * this.fw + 4 * unknownWords + 40)));
    this.allocate();
  }

  private allocate(): void {
    const unknownWords = this.uw;
    // Tiny to start: most searches are short, and everything grows by doubling.
    this.slots = new Int32Array(32);
    this.slotMask = 31;
    this.groupHash = new Int32Array(16);
    this.groupBits = new Uint32Array(16 * this.fw);
    this.groupMasks = new Int32Array(16);
    this.maskNext = new Int32Array(unknownWords > 0 ? 16 : 0);
    this.maskWords = new Uint32Array(unknownWords > 0 ? 16 * unknownWords : 0);
  }

  /** Finished configurations recorded so far (including masks dropped as supersets). */
  get size(): number {
    return this.uw === 0 ? this.groups : this.masks;
  }

  /** Whether (known, unknown, state) is known to fail: recorded, or subsumed by a recorded one. */
  fails(hash: number, known: Uint32Array, unknown: Uint32Array, state: S): boolean {
    const g = this.findGroup(hash, known, state);
    if (g < 0) return false;
    const uw = this.uw;
    if (uw === 0) return true;
    for (let m = this.groupMasks[g]!; m !== 0; m = this.maskNext[m - 1]!) {
      const base = (m - 1) * uw;
      let subset = true;
      for (let k = 0; k < uw; k++) {
        if ((this.maskWords[base + k]! & ~unknown[k]!) !== 0) {
          subset = false;
          break;
        }
      }
      if (subset) return true;
    }
    return false;
  }

  /**
   * Evicts everything. Sound: the memo only saves work (a configuration it forgot is explored
   * again), so a full memo is emptied rather than grown past its bound.
   */
  private evict(): void {
    this.groups = 0;
    this.masks = 0;
    this.groupStates.length = 0;
    this.allocate();
    this.evictions++;
  }
  evictions = 0;

  /** Records a configuration explored without success. */
  add(hash: number, known: Uint32Array, unknown: Uint32Array, state: S): void {
    if (this.groups >= this.maxGroups || this.masks >= this.maxGroups) this.evict();
    let g = this.findGroup(hash, known, state);
    if (g < 0) g = this.addGroup(hash, known, state);
    const uw = this.uw;
    if (uw === 0) return;
    const m = this.masks++;
    if ((m + 1) * uw > this.maskWords.length) {
      const words = new Uint32Array(this.maskWords.length * 2);
      words.set(this.maskWords);
      this.maskWords = words;
      const nextArr = new Int32Array(this.maskNext.length * 2);
      nextArr.set(this.maskNext);
      this.maskNext = nextArr;
    }
    for (let k = 0; k < uw; k++) this.maskWords[m * uw + k] = unknown[k]!;
    this.dropSupersets(g, unknown);
    this.maskNext[m] = this.groupMasks[g]!;
    this.groupMasks[g] = m + 1;
  }

  /** Keeps a group's masks an antichain: a superset of a failed mask says nothing more, only slows queries. */
  private dropSupersets(g: number, mask: Uint32Array): void {
    const uw = this.uw;
    let before = 0;
    for (let x = this.groupMasks[g]!; x !== 0; x = this.maskNext[x - 1]!) {
      const base = (x - 1) * uw;
      let superset = true;
      for (let k = 0; k < uw; k++) {
        if ((mask[k]! & ~this.maskWords[base + k]!) !== 0) {
          superset = false;
          break;
        }
      }
      if (!superset) before = x;
      else if (before === 0) this.groupMasks[g] = this.maskNext[x - 1]!;
      else this.maskNext[before - 1] = this.maskNext[x - 1]!;
    }
  }

  private findGroup(hash: number, known: Uint32Array, state: S): number {
    const fw = this.fw;
    for (let i = hash & this.slotMask; ; i = (i + 1) & this.slotMask) {
      const e = this.slots[i]!;
      if (e === 0) return -1;
      const g = e - 1;
      if (this.groupHash[g] !== hash) continue;
      const base = g * fw;
      let same = true;
      for (let k = 0; k < fw; k++) {
        if (this.groupBits[base + k] !== known[k]) {
          same = false;
          break;
        }
      }
      if (same && this.model.equal(this.groupStates[g] as S, state)) return g;
    }
  }

  private addGroup(hash: number, known: Uint32Array, state: S): number {
    const g = this.groups++;
    if (g === this.groupHash.length) {
      const cap = g * 2;
      const h = new Int32Array(cap);
      h.set(this.groupHash);
      this.groupHash = h;
      const b = new Uint32Array(cap * this.fw);
      b.set(this.groupBits);
      this.groupBits = b;
      const m = new Int32Array(cap);
      m.set(this.groupMasks);
      this.groupMasks = m;
    }
    this.groupHash[g] = hash;
    for (let k = 0; k < this.fw; k++) this.groupBits[g * this.fw + k] = known[k]!;
    this.groupMasks[g] = 0;
    this.groupStates.push(state);
    let i = hash & this.slotMask;
    while (this.slots[i] !== 0) i = (i + 1) & this.slotMask;
    this.slots[i] = g + 1;
    if (this.groups * 2 > this.slots.length) this.rehash();
    return g;
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let g = 0; g < this.groups; g++) {
      let i = this.groupHash[g]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = g + 1;
    }
    this.slots = slots;
    this.slotMask = mask;
  }
}
