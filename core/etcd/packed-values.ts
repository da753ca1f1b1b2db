// A compact store of plain data (JSON-like values: the client history's finished operations), for a
// long run whose history would otherwise be ~16 heap objects and ~600 bytes per operation. Each value
// is packed into 32-bit words (Int32Array chunks) and read back as a fresh, equal value:
// - a word is a 3-bit tag and a signed 29-bit payload: small integers inline; larger safe integers (a
//   time in microseconds) in two words; other numbers as their float64 bits in the next two words
//   (exact: -0, NaN, fractions); true, false, null, undefined;
// - an object is its shape (its keys in order, interned: a history has a few dozen) followed by its
//   values, so it reads back with the same keys in the same order (the same JSON), an own key whose
//   value is undefined included; an array is its length followed by its elements;
// - strings are interned (keys, kinds, compare targets repeat endlessly), except the values written
//   and read (a `value` field) and long strings, which are nearly all distinct: their Latin-1 bytes
//   follow in the words, four to a word (a string with any other character is interned);
// - anything that is not plain data (a class instance, a Map, a bigint, a function) is kept as it is,
//   by reference.
// Reading builds new objects each time: callers must not rely on identity (the history's consumers
// only read it).
// The words fill fixed chunks; given a ChunkStore, each chunk once full (final: a value is only ever
// written at the end) is handed to it and dropped from memory, and read back through a small cache.
import { NameTable } from "../name-table.ts";

/**
 * Where a PackedValues keeps its full chunks off the heap (a long run's client history: the harness
 * gives a temporary file). Core code does no I/O itself: the store does, and must give back exactly
 * what it was given.
 */
export interface ChunkStore {
  /** Keeps chunk `index` (its words are final); false if it cannot (the chunk then stays in memory). */
  put(index: number, words: Int32Array): boolean;
  /** Reads chunk `index`, as put, into `into` (the same length). */
  get(index: number, into: Int32Array): void;
}

const INT = 0;
const DOUBLE = 1;
const STRING = 2;
const BYTES = 3;
const OBJECT = 4;
const ARRAY = 5;
const CONSTANT = 6;
const REF = 7;

const FALSE = 0;
const TRUE = 1;
const NULL = 2;
const UNDEFINED = 3;

/** Payloads are signed 29-bit integers. */
const PAYLOAD_MIN = -(2 ** 28);
const PAYLOAD_MAX = 2 ** 28 - 1;
/** Strings at least this long are stored as bytes in the words whatever field holds them (distinct, and costly to intern). */
const LONG_STRING = 32;

/** Integers up to 2^53 that do not fit a payload: the high part in the payload (offset by BIG), the low 32 bits next. */
const BIG = 4;
const TWO_32 = 2 ** 32;
/** Makes the high part of a safe integer (|hi| <= 2^21) non-negative. */
const HI_OFFSET = 2 ** 21;

const CHUNK_BITS = 16;
/** Words per chunk (256 KiB). */
export const CHUNK_WORDS = 1 << CHUNK_BITS;
const CHUNK = CHUNK_WORDS;
const CHUNK_MASK = CHUNK - 1;
/**
 * Chunks read back from a store and kept: the history's readers go through it in id order (a pass
 * reads each chunk once), and a value may span two chunks.
 */
const READ_CACHE = 4;

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

/** Builds one object of a shape from the values at the store's read cursor. */
type Builder = (store: { read(): unknown }) => Record<string, unknown>;

/** A node of the shape trie: the keys seen so far lead here; `id` once an object ended here. */
interface ShapeNode {
  next: Map<string, ShapeNode>;
  id: number;
}

export class PackedValues {
  /**
   * The words, in chunks of CHUNK (no doubling: a long history grows without copying or slack); a
   * chunk handed to the store is undefined here.
   */
  private readonly chunks: (Int32Array | undefined)[] = [];
  private top = 0;
  /** Where each value starts (a word index). */
  private starts = new Int32Array(1 << 10);
  private count = 0;
  private readonly strings = new NameTable();
  private readonly shapeRoot: ShapeNode = { next: new Map(), id: -1 };
  private readonly shapes: (readonly string[])[] = [];
  /** Per shape, a function building the object as one literal (see makeBuilder). */
  private readonly builders: Builder[] = [];
  private readonly refs: unknown[] = [];
  /** The store for full chunks (made when the first chunk fills), and how many chunks were offered to it. */
  private store: ChunkStore | undefined;
  private offered = 0;
  /** Chunks read back from the store, by chunk index (at most READ_CACHE; oldest dropped first, buffers reused). */
  private readonly cache = new Map<number, Int32Array>();

  /**
   * `chunkStore`, if given, is called (once) when the first chunk fills, for the store that takes the
   * full chunks; undefined keeps them in memory. Nothing is stored before (a small store does no I/O).
   */
  constructor(private readonly chunkStore?: () => ChunkStore | undefined) {}

  /** How many values are stored. */
  get length(): number {
    return this.count;
  }

  /** Bytes held in memory by the packed words and the value index (interned strings and refs not counted). */
  get byteSize(): number {
    let chunks = 0;
    for (const c of this.chunks) if (c !== undefined) chunks++;
    return (chunks + this.cache.size) * CHUNK * 4 + this.starts.byteLength;
  }

  /** How many full chunks went to the store. */
  get storedChunks(): number {
    let n = 0;
    for (let c = 0; c < this.offered; c++) if (this.chunks[c] === undefined) n++;
    return n;
  }

  /** Stores a copy of a value; it is read back by its index (0, 1, 2… in the order pushed). */
  push(value: unknown): number {
    if (this.count === this.starts.length) this.starts = grow(this.starts, this.count + 1);
    this.starts[this.count] = this.top;
    this.put(value, false);
    this.offerFull();
    return this.count++;
  }

  /** Stores a value by reference: read back as the very same value (one that may still change). */
  pushRef(value: unknown): number {
    if (this.count === this.starts.length) this.starts = grow(this.starts, this.count + 1);
    this.starts[this.count] = this.top;
    this.tagged(REF, this.refs.length);
    this.refs.push(value);
    this.offerFull();
    return this.count++;
  }

  /** A fresh copy of value `i` (equal to what was pushed, same keys in the same order). */
  get(i: number): unknown {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`no packed value ${i}`);
    this.at = this.starts[i]!;
    return this.read();
  }

  /**
   * Hands the chunks below the one being filled to the store. Only between values: an object's shape
   * word is patched after its values are written, possibly in an earlier chunk than the last.
   */
  private offerFull(): void {
    const full = this.top >>> CHUNK_BITS;
    if (this.offered === full || this.chunkStore === undefined) return;
    if (this.offered === 0) this.store = this.chunkStore();
    const store = this.store;
    for (; this.offered < full; this.offered++) {
      if (store?.put(this.offered, this.chunks[this.offered]!)) this.chunks[this.offered] = undefined;
    }
  }

  /** Chunk `c`, in memory or read back from the store (through the cache). */
  private chunk(c: number): Int32Array {
    const inMemory = this.chunks[c];
    if (inMemory !== undefined) return inMemory;
    let words = this.cache.get(c);
    if (words !== undefined) return words;
    if (this.cache.size >= READ_CACHE) {
      // Drop the oldest read back (Map order is insertion order) and reuse its buffer: no one else holds it.
      const [oldest, buffer] = this.cache.entries().next().value as [number, Int32Array];
      this.cache.delete(oldest);
      words = buffer;
    } else words = new Int32Array(CHUNK);
    this.store!.get(c, words);
    this.cache.set(c, words);
    return words;
  }

  // ---- writing ----

  private word(w: number): void {
    const c = this.top >>> CHUNK_BITS;
    if (c === this.chunks.length) this.chunks.push(new Int32Array(CHUNK));
    this.chunks[c]![this.top++ & CHUNK_MASK] = w;
  }

  private tagged(tag: number, payload: number): void {
    this.word((payload << 3) | tag);
  }

  private put(v: unknown, isValue: boolean): void {
    switch (typeof v) {
      case "number":
        if (Number.isInteger(v) && v >= PAYLOAD_MIN && v <= PAYLOAD_MAX && !Object.is(v, -0)) this.tagged(INT, v);
        else if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
          // Times in microseconds pass 2^28 after 4.5 simulated minutes: two words, not three.
          const hi = Math.floor(v / TWO_32);
          this.tagged(CONSTANT, BIG + hi + HI_OFFSET);
          this.word(v - hi * TWO_32);
        } else {
          f64[0] = v;
          this.tagged(DOUBLE, 0);
          this.word(f64Words[0]!);
          this.word(f64Words[1]!);
        }
        return;
      case "string":
        if ((isValue || v.length >= LONG_STRING) && this.putBytes(v)) return;
        this.tagged(STRING, this.intern(v));
        return;
      case "boolean":
        this.tagged(CONSTANT, v ? TRUE : FALSE);
        return;
      case "undefined":
        this.tagged(CONSTANT, UNDEFINED);
        return;
      case "object": {
        if (v === null) return this.tagged(CONSTANT, NULL);
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto === Array.prototype) {
          const a = v as readonly unknown[];
          if (a.length <= PAYLOAD_MAX) {
            this.tagged(ARRAY, a.length);
            for (let i = 0; i < a.length; i++) this.put(a[i], false);
            return;
          }
        } else if (proto === Object.prototype) return this.putObject(v as Record<string, unknown>);
        break;
      }
      default:
    }
    this.tagged(REF, this.refs.length);
    this.refs.push(v);
  }

  /** The shape word first (patched once the keys are known), then each own enumerable value in key order. */
  private putObject(o: Record<string, unknown>): void {
    const at = this.top;
    this.word(0);
    let node = this.shapeRoot;
    // A plain object's prototype is Object.prototype, which has no enumerable keys: for…in lists its own.
    for (const k in o) {
      let next = node.next.get(k);
      if (next === undefined) node.next.set(k, (next = { next: new Map(), id: -1 }));
      node = next;
      this.put(o[k], k === "value");
    }
    if (node.id < 0) {
      node.id = this.shapes.length;
      const keys = Object.keys(o);
      this.shapes.push(keys);
      this.builders.push(makeBuilder(keys));
    }
    this.chunks[at >>> CHUNK_BITS]![at & CHUNK_MASK] = (node.id << 3) | OBJECT;
  }

  /** A Latin-1 string as its length, then its bytes four to a word (first in the low byte); false if it has another character. */
  private putBytes(s: string): boolean {
    const n = s.length;
    if (n > PAYLOAD_MAX) return false;
    for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0xff) return false;
    this.tagged(BYTES, n);
    for (let i = 0; i < n; i += 4) {
      let w = 0;
      for (let k = Math.min(n - i, 4) - 1; k >= 0; k--) w = (w << 8) | s.charCodeAt(i + k);
      this.word(w);
    }
    return true;
  }

  private intern(s: string): number {
    return this.strings.number(s);
  }

  // ---- reading ----

  /** The read cursor (a word index). */
  private at = 0;

  /** The chunk the read cursor was last in, and its index (-1: none yet). */
  private reading: Int32Array = new Int32Array(0);
  private readingIndex = -1;

  private next(): number {
    const at = this.at++;
    const c = at >>> CHUNK_BITS;
    if (c !== this.readingIndex) {
      this.reading = this.chunk(c);
      this.readingIndex = c;
    }
    return this.reading[at & CHUNK_MASK]!;
  }

  /** The value at the read cursor (the builders' way to read an object's values in order). */
  read(): unknown {
    const w = this.next();
    const payload = w >> 3;
    switch (w & 7) {
      case INT:
        return payload;
      case DOUBLE:
        f64Words[0] = this.next();
        f64Words[1] = this.next();
        return f64[0];
      case STRING:
        return this.strings.name(payload);
      case BYTES:
        return this.latin1(payload);
      case OBJECT:
        return this.builders[payload]!(this);
      case ARRAY: {
        const a: unknown[] = new Array(payload);
        for (let k = 0; k < payload; k++) a[k] = this.read();
        return a;
      }
      case CONSTANT:
        if (payload >= BIG) return (payload - BIG - HI_OFFSET) * TWO_32 + (this.next() >>> 0);
        return payload === TRUE ? true : payload === FALSE ? false : payload === NULL ? null : undefined;
      default:
        return this.refs[payload];
    }
  }

  /** The `n` Latin-1 characters at the read cursor (see putBytes). */
  private latin1(n: number): string {
    let s = "";
    if (n < 13) {
      // One character at a time: V8 keeps a concatenation under 13 characters flat.
      for (let i = 0; i < n; i += 4) {
        let w = this.next();
        for (let k = Math.min(n - i, 4); k > 0; k--, w >>>= 8) s += String.fromCharCode(w & 0xff);
      }
      return s;
    }
    if (latin1Scratch.length < n) latin1Scratch = new Uint8Array(Math.max(n, latin1Scratch.length * 2));
    const b = latin1Scratch;
    for (let i = 0; i < n; i += 4) {
      let w = this.next();
      for (let k = 0; k < 4 && i + k < n; k++, w >>>= 8) b[i + k] = w & 0xff;
    }
    for (let i = 0; i < n; i += 8192)
      s += String.fromCharCode.apply(null, b.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
    return s;
  }
}

/** Bytes of a long string being read (reused: a string is built from it before the next is read). */
let latin1Scratch = new Uint8Array(256);

/**
 * A function that builds an object with these keys, in this order, as one object literal whose values
 * are read in order: the object V8 makes for a literal (properties in the object, one shape per key
 * list, as the recorded objects were built) rather than one grown a key at a time, which is larger
 * and slower to read. Only the key list goes into the generated code, each key as a JSON string.
 */
function makeBuilder(keys: readonly string[]): Builder {
  // The store is an argument, not a closure the function calls: nothing the generated code keeps (V8
  // caches compiled sources and their feedback) points at a store, which a run drops when it ends.
  if (keys.includes("__proto__"))
    return (store) => {
      const o: Record<string, unknown> = {};
      for (const k of keys)
        Object.defineProperty(o, k, { value: store.read(), writable: true, enumerable: true, configurable: true });
      return o;
    };
  const body = `return {${keys.map((k) => `${JSON.stringify(k)}: store.read()`).join(", ")}};`;
  return new Function("store", body) as Builder;
}

/** The same kind of array, at least `need` long (doubling), with the old contents. */
function grow<T extends Int32Array | Uint8Array>(a: T, need: number): T {
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
