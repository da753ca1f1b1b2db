// A set of store revisions, as the checker's claimed revisions (prepare.ts): a long history's writes
// claim nearly every revision from 2 up, hundreds of thousands of them, which a Set keeps as a hash
// table of several megabytes (and its copies while it grows). Small non-negative integers are bits
// instead (one bit per revision up to the largest); anything else (a revision no store gives, or one
// beyond BIT_LIMIT) goes to a plain Set, so the answers are those of a Set of the same numbers.

/** Revisions kept as bits lie below this (a bitmap of at most 2 MB). */
const BIT_LIMIT = 2 ** 24;

/** What the model asks of a set of revisions. */
export interface RevisionLookup {
  has(revision: number): boolean;
  readonly size: number;
}

export class RevisionSet implements RevisionLookup {
  private bits = new Uint32Array(0);
  private count = 0;
  private others: Set<number> | undefined;

  /** Whether `revision` was added. */
  has(revision: number): boolean {
    if (isBit(revision)) return ((this.bits[revision >>> 5] ?? 0) & (1 << (revision & 31))) !== 0;
    return this.others?.has(revision) ?? false;
  }

  /** Adds `revision` (a no-op if it is in). */
  add(revision: number): this {
    if (!isBit(revision)) {
      this.others ??= new Set();
      this.others.add(revision);
      return this;
    }
    const word = revision >>> 5;
    if (word >= this.bits.length) {
      // Doubled as revisions grow (they come roughly in order): amortized one copy per word.
      const grown = new Uint32Array(Math.max(word + 1, 2 * this.bits.length, 32));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (revision & 31);
    if ((this.bits[word]! & mask) === 0) {
      this.bits[word] = this.bits[word]! | mask;
      this.count++;
    }
    return this;
  }

  /** How many distinct revisions were added. */
  get size(): number {
    return this.count + (this.others?.size ?? 0);
  }
}

/** Whether a revision is kept as a bit: an integer from 0 below BIT_LIMIT (-0 is 0's bit, as a Set has them equal). */
function isBit(revision: number): boolean {
  return Number.isInteger(revision) && revision >= 0 && revision < BIT_LIMIT;
}
