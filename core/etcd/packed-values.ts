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
//   and read (a `value` field) and long strings, which are nearly all distinct: their Latin-1 bytes go
//   to a byte pool (a string with any other character is interned);
// - anything that is not plain data (a class instance, a Map, a bigint, a function) is kept as it is,
//   by reference.
// Reading builds new objects each time: callers must not rely on identity (the history's consumers
// only read it).
import { NameTable } from "../name-table.ts";

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
/** Strings at least this long go to the byte pool whatever field holds them (distinct, and costly to intern). */
const LONG_STRING = 32;

/** Integers up to 2^53 that do not fit a payload: the high part in the payload (offset by BIG), the low 32 bits next. */
const BIG = 4;
const TWO_32 = 2 ** 32;
/** Makes the high part of a safe integer (|hi| <= 2^21) non-negative. */
const HI_OFFSET = 2 ** 21;

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

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
  /** The words, in chunks of CHUNK (no doubling: a long history grows without copying or slack). */
  private readonly chunks: Int32Array[] = [];
  private top = 0;
  private bytes = new Uint8Array(1 << 12);
  private bytesTop = 0;
  /** Where each value starts (a word index). */
  private starts = new Int32Array(1 << 10);
  private count = 0;
  private readonly strings = new NameTable();
  private readonly shapeRoot: ShapeNode = { next: new Map(), id: -1 };
  private readonly shapes: (readonly string[])[] = [];
  /** Per shape, a function building the object as one literal (see makeBuilder). */
  private readonly builders: Builder[] = [];
  private readonly refs: unknown[] = [];

  /** How many values are stored. */
  get length(): number {
    return this.count;
  }

  /** Bytes held by the packed words and the byte pool (capacity; interned strings and refs not counted). */
  get byteSize(): number {
    return this.chunks.length * CHUNK * 4 + this.bytes.byteLength + this.starts.byteLength;
  }

  /** Stores a copy of a value; it is read back by its index (0, 1, 2… in the order pushed). */
  push(value: unknown): number {
    if (this.count === this.starts.length) this.starts = grow(this.starts, this.count + 1);
    this.starts[this.count] = this.top;
    this.put(value, false);
    return this.count++;
  }

  /** Stores a value by reference: read back as the very same value (one that may still change). */
  pushRef(value: unknown): number {
    if (this.count === this.starts.length) this.starts = grow(this.starts, this.count + 1);
    this.starts[this.count] = this.top;
    this.tagged(REF, this.refs.length);
    this.refs.push(value);
    return this.count++;
  }

  /** A fresh copy of value `i` (equal to what was pushed, same keys in the same order). */
  get(i: number): unknown {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`no packed value ${i}`);
    this.at = this.starts[i]!;
    return this.read();
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

  /** A Latin-1 string into the byte pool (length, then offset); false if it has another character. */
  private putBytes(s: string): boolean {
    const n = s.length;
    if (n > PAYLOAD_MAX || this.bytesTop + n > 2 ** 31 - 1) return false;
    for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0xff) return false;
    if (this.bytesTop + n > this.bytes.length) this.bytes = grow(this.bytes, this.bytesTop + n);
    const b = this.bytes;
    const o = this.bytesTop;
    for (let i = 0; i < n; i++) b[o + i] = s.charCodeAt(i);
    this.bytesTop += n;
    this.tagged(BYTES, n);
    this.word(o);
    return true;
  }

  private intern(s: string): number {
    return this.strings.number(s);
  }

  // ---- reading ----

  /** The read cursor (a word index). */
  private at = 0;

  private next(): number {
    const at = this.at++;
    return this.chunks[at >>> CHUNK_BITS]![at & CHUNK_MASK]!;
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
      case BYTES: {
        const o = this.next();
        return latin1(this.bytes, o, payload);
      }
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
}

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

function latin1(b: Uint8Array, o: number, n: number): string {
  // Short: one character at a time (V8 keeps a concatenation under 13 characters flat); longer: in chunks.
  if (n < 13) {
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(b[o + i]!);
    return s;
  }
  let s = "";
  for (let i = 0; i < n; i += 8192)
    s += String.fromCharCode.apply(null, b.subarray(o + i, o + Math.min(n, i + 8192)) as unknown as number[]);
  return s;
}
