// Compact columns of numbers for records that grow with a run's length: one value per client operation
// (latencies) or per Raft index (the safety monitor's and the consistency oracle's first-seen tables).
// A plain number[] costs 8 bytes a value and, while it grows, up to as much again in slack and in the copy;
// these keep the values exact in fewer bytes:
//   - ChunkedU32:   unsigned 32-bit values (hashes, node and name numbers), 4 bytes each;
//   - OffsetColumn: any numbers, 4 bytes each where they fit as 32-bit offsets from their chunk's first
//                   value (times, revisions, durations), 8 where not (that chunk turns float64);
//   - RunColumn:    values that repeat over long stretches of indexes (terms, the node that led), stored as
//                   runs: a few bytes per run, not per index.
// Chunked columns grow by one chunk at a time: no doubling, no copy of what is stored. Only the first chunk
// starts small and doubles up to a full chunk, so a short run (most seeds) allocates a few hundred bytes per
// column, not 4 KB: typed arrays' backing stores count towards the young generation and bring its GCs on.
// Given a BlockStore (a long run's harness gives a temporary file), a column written in index order keeps
// only its first SPILL_AFTER chunks and the one being filled in memory: each later chunk, once the next one
// starts, is handed to the store and read back (one chunk at a time) when read.

/** Values per chunk (a power of two). */
export const CHUNK = 1024;
const SHIFT = 10;
const MASK = CHUNK - 1;
/** The first chunk's first length. */
const FIRST = 64;

/**
 * Where a long column keeps its full chunks off the heap. Core code does no I/O itself: the harness gives
 * a store (a temporary file), which must give back exactly the words it was given.
 */
export interface BlockStore {
  /** Keeps `words` (final) and says where, or undefined if it cannot (the chunk then stays in memory). */
  append(words: Int32Array): number | undefined;
  /** Reads the words kept at `at` into `into` (as many as were kept there). */
  read(at: number, into: Int32Array): void;
}

/**
 * Chunks a column keeps in memory before it hands them to its store: 12 of 1,024 values, so a short run
 * (most seeds) never asks for a store, and only a long run's columns leave the heap.
 */
export const SPILL_AFTER = 12;

/** The length of a chunk that must hold slot j: a full chunk, except the first, which grows from FIRST. */
function chunkLength(k: number, j: number): number {
  if (k !== 0) return CHUNK;
  let n = FIRST;
  while (n <= j) n *= 2;
  return n;
}

/** What the chunked columns share: chunks of a typed array, a length, push, and the bytes held. */
abstract class Chunked<C extends Uint32Array | Int32Array | Float64Array> {
  protected readonly chunks: (C | undefined)[] = [];
  /** One past the highest index set (or pushed). */
  length = 0;
  /** The store (asked for once, when the first chunk is to leave), or undefined. */
  private store: BlockStore | undefined;
  private asked = false;
  /** Where chunk k is kept in the store (-1: in memory, or never set); undefined until a chunk leaves. */
  private away: number[] | undefined;
  /** Whether chunk k left as float64 (OffsetColumn's float chunks), else as 32-bit words. */
  private awayFloat: boolean[] | undefined;
  /** The chunk last read back (held in `chunks` until another is read back), or -1. */
  private readBack = -1;

  /**
   * `spill`, if given, is called (once) when the first chunk is to leave memory, for the store that takes
   * the full chunks of a column written in index order; undefined keeps everything in memory.
   */
  constructor(private readonly spill?: () => BlockStore | undefined) {}

  abstract set(i: number, x: number): void;

  push(x: number): void {
    this.set(this.length, x);
  }

  get bytes(): number {
    let n = 0;
    for (const c of this.chunks) if (c !== undefined) n += c.byteLength;
    return n;
  }

  /** Chunks kept in the store now (for tests and measurements). */
  get chunksAway(): number {
    let n = 0;
    if (this.away !== undefined) for (let k = 0; k < this.away.length; k++) if (this.away[k]! >= 0) n++;
    return n;
  }

  /** A chunk from 32-bit words read back (`float`: it left as float64). */
  protected abstract fromWords(words: Int32Array, float: boolean): C;

  /**
   * Chunk k for reading: in memory, read back from the store, or undefined (never set). A chunk read back
   * stays until another one is read back (reads go mostly in order).
   */
  protected readChunk(k: number): C | undefined {
    const c = this.chunks[k];
    if (c !== undefined || this.away === undefined) return c;
    const at = this.away[k];
    if (at === undefined || at < 0) return undefined;
    const float = this.awayFloat![k]!;
    const words = new Int32Array(float ? 2 * CHUNK : CHUNK);
    this.store!.read(at, words);
    const back = this.readBack;
    if (back >= 0 && this.away[back]! >= 0) this.chunks[back] = undefined;
    this.readBack = k;
    return (this.chunks[k] = this.fromWords(words, float));
  }

  /**
   * Chunk k for writing: read back (and kept in memory from then on: its copy in the store is stale) if it
   * left. When k starts a chunk past the first SPILL_AFTER, the full chunk before it leaves for the store.
   */
  protected writeChunk(k: number): C | undefined {
    if (this.away !== undefined && (this.away[k] ?? -1) >= 0) {
      const c = this.readChunk(k)!;
      this.away[k] = -1;
      return c;
    }
    const c = this.chunks[k];
    if (c === undefined && k > SPILL_AFTER && this.spill !== undefined) this.leave(k - 1);
    return c;
  }

  /** Hands chunk k (full, final) to the store, if there is one and it takes it. */
  private leave(k: number): void {
    const c = this.chunks[k];
    if (c === undefined || c.length !== CHUNK || k === this.readBack) return;
    if (!this.asked) {
      this.asked = true;
      this.store = this.spill!();
    }
    if (this.store === undefined) return;
    const at = this.store.append(new Int32Array(c.buffer, c.byteOffset, c.byteLength >> 2));
    if (at === undefined) return;
    if (this.away === undefined) {
      this.away = [];
      this.awayFloat = [];
    }
    while (this.away.length <= k) {
      this.away.push(-1);
      this.awayFloat!.push(false);
    }
    this.away[k] = at;
    this.awayFloat![k] = c instanceof Float64Array;
    this.chunks[k] = undefined;
  }
}

/** Unsigned 32-bit integers by index; unset slots read 0. */
export class ChunkedU32 extends Chunked<Uint32Array> {
  get(i: number): number {
    const c = this.chunks[i >>> SHIFT] ?? this.readChunk(i >>> SHIFT);
    return c === undefined ? 0 : (c[i & MASK] ?? 0);
  }

  protected fromWords(words: Int32Array): Uint32Array {
    return new Uint32Array(words.buffer);
  }

  set(i: number, x: number): void {
    const k = i >>> SHIFT;
    const j = i & MASK;
    let c = this.writeChunk(k);
    if (c === undefined || j >= c.length) {
      while (this.chunks.length < k) this.chunks.push(undefined);
      const grown = new Uint32Array(chunkLength(k, j));
      if (c !== undefined) grown.set(c);
      this.chunks[k] = c = grown;
    }
    c[j] = x;
    if (i >= this.length) this.length = i + 1;
  }
}

/** The Int32 slot value that marks an unset slot. */
const UNSET = -0x80000000;

/**
 * Exact numbers by index; unset slots (and NaN) read undefined. Each chunk keeps its values as Int32
 * offsets from a base (the first value stored in it) while every value v satisfies: v - base is an int32
 * other than the unset mark, base + (v - base) === v, and v is not -0; otherwise the chunk turns into a
 * Float64Array, which stores anything. Either way get returns exactly what was set.
 */
export class OffsetColumn extends Chunked<Int32Array | Float64Array> {
  private readonly bases: number[] = [];

  get(i: number): number | undefined {
    const x = this.at(i);
    return Number.isNaN(x) ? undefined : x;
  }

  /** The value at i, NaN if unset. */
  at(i: number): number {
    const k = i >>> SHIFT;
    const c = this.chunks[k] ?? this.readChunk(k);
    if (c === undefined) return Number.NaN;
    const o = c[i & MASK];
    if (o === undefined) return Number.NaN;
    if (c instanceof Float64Array) return o;
    return o === UNSET ? Number.NaN : this.bases[k]! + o;
  }

  protected fromWords(words: Int32Array, float: boolean): Int32Array | Float64Array {
    return float ? new Float64Array(words.buffer) : words;
  }

  set(i: number, x: number): void {
    const k = i >>> SHIFT;
    const j = i & MASK;
    let c = this.writeChunk(k);
    if (c === undefined) {
      while (this.chunks.length < k) {
        this.chunks.push(undefined);
        this.bases.push(0);
      }
      this.chunks[k] = c = new Int32Array(chunkLength(k, j)).fill(UNSET);
      this.bases[k] = Number.isSafeInteger(x) ? x : 0;
    } else if (j >= c.length) {
      const grown = c instanceof Float64Array ? new Float64Array(chunkLength(k, j)) : new Int32Array(chunkLength(k, j));
      grown.fill(c instanceof Float64Array ? Number.NaN : UNSET);
      grown.set(c);
      this.chunks[k] = c = grown;
    }
    if (i >= this.length) this.length = i + 1;
    if (c instanceof Float64Array) {
      c[j] = x;
      return;
    }
    const base = this.bases[k]!;
    const d = x - base;
    if ((d | 0) === d && d !== UNSET && base + d === x && !Object.is(x, -0)) {
      c[j] = d;
      return;
    }
    // Does not fit: this chunk stores float64 from now on.
    const f = new Float64Array(c.length);
    for (let m = 0; m < c.length; m++) f[m] = c[m] === UNSET ? Number.NaN : base + c[m]!;
    f[j] = x;
    this.chunks[k] = f;
  }
}

/**
 * Numbers by index that repeat over long stretches (the term of each Raft index, who recorded it), kept as
 * runs of equal values; unset slots read undefined. Made for values set once each, in ascending index
 * order, which extend the last run or start a new one; anything else (a slot below the highest one set,
 * filled late or overwritten) goes into a map consulted first, so every write order reads back exactly.
 * Values must not be NaN (NaN marks a gap between runs).
 */
export class RunColumn {
  /** First index of each run, ascending; the run's value in `values` (NaN: a gap of unset slots). */
  private readonly starts: number[] = [];
  private readonly values: number[] = [];
  /** Indexes >= end are unset (the last run ends before it). */
  private end = 0;
  /** Values set below `end` after their run was laid down (rare: most writes append). */
  private readonly late = new Map<number, number>();

  get(i: number): number | undefined {
    if (this.late.size !== 0) {
      const x = this.late.get(i);
      if (x !== undefined) return x;
    }
    if (i >= this.end) return undefined;
    const starts = this.starts;
    let k = starts.length - 1;
    if (i < starts[k]!) {
      if (i < starts[0]!) return undefined;
      // The last run whose start is <= i.
      let lo = 0;
      let hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (starts[mid]! <= i) lo = mid;
        else hi = mid - 1;
      }
      k = lo;
    }
    const x = this.values[k]!;
    return Number.isNaN(x) ? undefined : x;
  }

  set(i: number, x: number): void {
    if (i < this.end) {
      this.late.set(i, x);
      return;
    }
    const n = this.values.length;
    if (i > this.end && n > 0) {
      this.starts.push(this.end);
      this.values.push(Number.NaN);
    } else if (i === this.end && n > 0) {
      const last = this.values[n - 1]!;
      // Extends the last run (0 and -0 are told apart, so each reads back as set).
      if (last === x && (x !== 0 || 1 / x === 1 / last)) {
        this.end = i + 1;
        return;
      }
    }
    this.starts.push(i);
    this.values.push(x);
    this.end = i + 1;
  }

  /** Runs laid down and values kept apart (for tests and measurements). */
  get runs(): number {
    return this.values.length + this.late.size;
  }

  get bytes(): number {
    return this.values.length * 16 + this.late.size * 40;
  }
}

/**
 * The newest `size` (a power of two) slots of an index space: the value at i for the highest index put
 * so far and the size - 1 below it, at slot i % size. When a put moves the window past older indexes,
 * `cool` is called for each of them that holds a value, in ascending order, before the slot is cleared.
 */
export class HotWindow<T> {
  private readonly slots: (T | undefined)[] = [];
  /** Indexes <= coldUpTo are out of the window. */
  private coldUpTo = 0;

  constructor(
    readonly size: number,
    private readonly cool: (i: number, x: T) => void,
  ) {}

  /** Whether index i is within the window (above everything cooled). */
  holds(i: number): boolean {
    return i > this.coldUpTo;
  }

  /** The value at i (only meaningful where holds(i)). */
  get(i: number): T | undefined {
    return this.slots[i & (this.size - 1)];
  }

  /** Puts x at i (holds(i) must be true); the window moves up so that it ends at i if i is beyond it. */
  put(i: number, x: T): void {
    if (i > this.coldUpTo + this.size) this.coolUpTo(i - this.size);
    this.slots[i & (this.size - 1)] = x;
  }

  /** Values held (at most size). */
  get kept(): number {
    let n = 0;
    for (const x of this.slots) if (x !== undefined) n++;
    return n;
  }

  private coolUpTo(to: number): void {
    // Only the window's slots hold values: past coldUpTo + size there is nothing to move.
    const last = Math.min(to, this.coldUpTo + this.size);
    const mask = this.size - 1;
    for (let i = this.coldUpTo + 1; i <= last; i++) {
      const x = this.slots[i & mask];
      if (x === undefined) continue;
      this.slots[i & mask] = undefined;
      this.cool(i, x);
    }
    this.coldUpTo = to;
  }
}
