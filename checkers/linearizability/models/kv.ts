// A string key/value store with get / put / append: the model of Porcupine's kv logs. Every key
// starts as "". Two forms: `kvModel` partitions the history by key (P-compositionality: keys are
// independent) with one string as the state; `kvMapModel` checks all keys together over a map.
//
// Strings carry a polynomial hash updated incrementally on append (h·B^len(v) + H(v)), so hashing a
// state costs O(1) however long the appended string grows.

import { fmix32, hashString } from "../hash.ts";
import type { Model, Operation } from "../types.ts";

export const GET = 0;
export const PUT = 1;
export const APPEND = 2;

export interface KvInput {
  f: typeof GET | typeof PUT | typeof APPEND;
  key: string;
  value: string;
  /** Polynomial hash of value, and B^value.length (both mod 2^32): precomputed for append. */
  valueHash: number;
  valuePow: number;
}

export interface KvOutput {
  unknown: boolean;
  /** What a get returned. */
  value: string;
}

export type KvOperation = Operation<KvInput, KvOutput>;

/** A key's value with its polynomial hash. */
export interface KvCell {
  readonly s: string;
  readonly h: number;
}

const B = 0x01000193;
const EMPTY: KvCell = { s: "", h: 0 };

function polyHash(s: string): [hash: number, pow: number] {
  let h = 0;
  let p = 1;
  for (let i = 0; i < s.length; i++) {
    h = (Math.imul(h, B) + s.charCodeAt(i)) | 0;
    p = Math.imul(p, B);
  }
  return [h, p];
}

function apply(cell: KvCell, input: KvInput): KvCell {
  if (input.f === PUT) return { s: input.value, h: input.valueHash };
  return { s: cell.s + input.value, h: (Math.imul(cell.h, input.valuePow) + input.valueHash) | 0 };
}

function describeKv(input: KvInput, output: KvOutput): string {
  const shown = (v: string): string => JSON.stringify(v);
  if (input.f === GET) return `get(${shown(input.key)}) → ${output.unknown ? "?" : shown(output.value)}`;
  const name = input.f === PUT ? "put" : "append";
  return `${name}(${shown(input.key)}, ${shown(input.value)})${output.unknown ? " → ?" : ""}`;
}

/** Splits by key, keys in order of first appearance (kv and the independent register map). */
export function partitionByKey<O extends { input: { key: string } }>(ops: readonly O[]): O[][] {
  const byKey = new Map<string, O[]>();
  for (const op of ops) {
    let list = byKey.get(op.input.key);
    if (!list) byKey.set(op.input.key, (list = []));
    list.push(op);
  }
  return [...byKey.values()];
}

/**
 * Whether `others` (appends and puts of the same key) could turn `from` into what `get` returned.
 * With appends alone the string only grows: the result is `from` followed by appended values; a
 * put restarts it: the result is a put's value followed by appended values. So the result must
 * split into a start (`from`, or an available put's value) and a rest that is a concatenation of
 * available append values (each value may be used any number of times: a relaxation, so "false"
 * stays sound). With many concurrent appenders this rules out an order of appends as soon as a
 * read that sees another order is near, instead of after every interleaving below it.
 */
function getMayBecomeLegal(
  from: string,
  get: KvOperation,
  others: readonly KvOperation[],
  count: number,
  thorough = false,
  byValue = true,
): boolean {
  if (get.input.f !== GET || get.output.unknown) return true; // writes are always legal
  const want = get.output.value;
  if (want === from) return true;
  const key = get.input.key;
  if (thorough) return splitsByIndex(want, from, key, others, count);
  if (want.startsWith(from) && (!byValue || nextFromAppends(want, from.length, key, others, count))) return true;
  for (let i = 0; i < count; i++) {
    const o = others[i]!;
    if (
      o.input.f === PUT &&
      o.input.key === key &&
      want.startsWith(o.input.value) &&
      (!byValue || restByScan(want, o.input.value.length, key, others, count))
    )
      return true;
  }
  return false;
}

/** Whether want[start..] (non-empty) begins with the value of an append among others[0..count) (same key). */
function nextFromAppends(
  want: string,
  start: number,
  key: string,
  others: readonly KvOperation[],
  count: number,
): boolean {
  for (let j = 0; j < count; j++) {
    const o = others[j]!.input;
    if (o.f === APPEND && o.key === key && o.value.length > 0 && want.startsWith(o.value, start)) return true;
  }
  return false;
}

let reach = new Uint8Array(256);

/**
 * The append values among others[0..count) of one key, by value, for the thorough (root) check:
 * it asks about every get of a history with the same `others` growing, so the index grows with it
 * instead of being rebuilt (valid while the array, key and its consumed entries are the same).
 */
interface AppendIndex {
  consumed: number;
  last: KvOperation | undefined;
  values: Set<string>;
  lengths: number[];
  puts: Set<string>;
  putLengths: number[];
  /** A result already split from `splitFrom` with this index (it only grows): a result extending it resumes there. */
  split: string;
  splitFrom: string;
}

/** One index per key (kv-map asks about every key in turn), for one `others` array. */
const indexes = { others: undefined as readonly KvOperation[] | undefined, byKey: new Map<string, AppendIndex>() };

function appendIndex(key: string, others: readonly KvOperation[], count: number): AppendIndex {
  if (indexes.others !== others) {
    indexes.others = others;
    indexes.byKey = new Map();
  }
  let index = indexes.byKey.get(key);
  if (!index || count < index.consumed || (index.consumed > 0 && others[index.consumed - 1] !== index.last)) {
    index = {
      consumed: 0,
      last: undefined,
      values: new Set(),
      lengths: [],
      puts: new Set(),
      putLengths: [],
      split: "",
      splitFrom: "",
    };
    indexes.byKey.set(key, index);
  }
  for (let j = index.consumed; j < count; j++) {
    const o = others[j]!.input;
    if (o.key !== key || o.f === GET) continue;
    const [values, lengths] = o.f === APPEND ? [index.values, index.lengths] : [index.puts, index.putLengths];
    if ((o.f === APPEND && o.value.length === 0) || values.has(o.value)) continue;
    values.add(o.value);
    if (!lengths.includes(o.value.length)) lengths.push(o.value.length);
  }
  index.consumed = count;
  index.last = count > 0 ? others[count - 1] : undefined;
  return index;
}

/**
 * The thorough split (the root check), with values looked up in an index: want is a start (`from`
 * or an available put's value) followed by available append values. One pass from every start;
 * a result extending the last one that split (same start) resumes at its end.
 */
function splitsByIndex(
  want: string,
  from: string,
  key: string,
  others: readonly KvOperation[],
  count: number,
): boolean {
  const index = appendIndex(key, others, count);
  const { values, lengths, puts, putLengths } = index;
  const n = want.length;
  if (reach.length < n + 1) reach = new Uint8Array(2 * (n + 1));
  let begin = 0;
  if (index.split !== "" && index.splitFrom === from && want.startsWith(index.split)) {
    // the index only grew since, so the old split's path is still there
    begin = index.split.length;
    reach.fill(0, begin, n + 1);
    reach[begin] = 1;
  } else {
    reach.fill(0, 0, n + 1);
    if (want.startsWith(from)) reach[from.length] = 1;
    for (const len of putLengths) if (len <= n && puts.has(want.substr(0, len))) reach[len] = 1;
  }
  for (let i = begin; i < n; i++) {
    if (!reach[i]) continue;
    for (const len of lengths)
      if (i + len <= n && !reach[i + len] && values.has(want.substr(i, len))) reach[i + len] = 1;
  }
  if (reach[n] !== 1) {
    // a resumed split may miss a path through another start: try the whole result once
    if (begin > 0) {
      index.split = "";
      return splitsByIndex(want, from, key, others, count);
    }
    return false;
  }
  index.split = want;
  index.splitFrom = from;
  return true;
}

/** Split positions restByScan explores before answering true (a relaxation, so still sound). */
const SCAN_POSITIONS = 1;

/** Whether want[start..] is a concatenation of values of appends among others[0..count) (same key), by scanning them. */
function restByScan(want: string, start: number, key: string, others: readonly KvOperation[], count: number): boolean {
  const n = want.length - start;
  if (n === 0) return true;
  if (reach.length < n + 1) reach = new Uint8Array(2 * (n + 1));
  reach.fill(0, 0, n + 1);
  reach[0] = 1;
  let positions = 0;
  for (let i = 0; i < n; i++) {
    if (!reach[i]) continue;
    // a long rest is split in full at the root; per configuration its first values say enough
    if (++positions > SCAN_POSITIONS) return true;
    for (let j = 0; j < count; j++) {
      const o = others[j]!.input;
      if (o.f !== APPEND || o.key !== key) continue;
      const v = o.value;
      if (v.length > 0 && i + v.length <= n && !reach[i + v.length] && want.startsWith(v, start + i)) {
        if (i + v.length === n) return true;
        reach[i + v.length] = 1;
      }
    }
  }
  return false;
}

/**
 * Unknown puts and appends no completed get could see. In a linearization, an append of v changes
 * the key's string only until the next put, and every get in between returns a string containing
 * v; after a put of v, every get up to the next put returns a string starting with v. So when no
 * completed get of the key (returning at or after the write's call: touching intervals are concurrent) contains v, resp. starts with v, the
 * write can be left out of that linearization with every operation still legal.
 */
function unobservableWrites(ops: readonly KvOperation[]): boolean[] {
  const out = new Array<boolean>(ops.length).fill(false);
  let gets: Map<string, { value: string; ret: number }[]> | undefined;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.input.f === GET || !op.output.unknown || op.input.value === "") continue;
    if (!gets) {
      gets = new Map();
      // one entry per distinct result (many gets return the same string), with its latest return
      const latest = new Map<string, Map<string, number>>();
      for (const g of ops) {
        if (g.input.f !== GET || g.output.unknown) continue;
        let byValue = latest.get(g.input.key);
        if (!byValue) latest.set(g.input.key, (byValue = new Map()));
        byValue.set(g.output.value, Math.max(byValue.get(g.output.value) ?? -Infinity, g.return));
      }
      for (const [key, byValue] of latest)
        gets.set(
          key,
          [...byValue].map(([value, ret]) => ({ value, ret })),
        );
    }
    const v = op.input.value;
    const seen = (gets.get(op.input.key) ?? []).some(
      (g) => g.ret >= op.call && (op.input.f === PUT ? g.value.startsWith(v) : g.value.includes(v)),
    );
    out[i] = !seen;
  }
  return out;
}

/**
 * The order a get's result fixes. When one key's written values are distinct, non-empty and none
 * is a prefix of another (Porcupine's "x 3 7 y" tokens), a result splits into written values in
 * exactly one way, and each value names the one operation that wrote it. A result reads back the
 * last put before the get (or nothing) and then the appends since, in linearization order: so in
 * every legal linearization those writes come in that order, and the last one before the get. A
 * write with an unknown outcome that a result shows did take effect, before that get returned
 * (mustHappenBy); chains skip writes whose outcome stays unknown (the order is transitive). A
 * result that does not split that way is left to the search (it is illegal anyway).
 */
function kvPrecedence(ops: readonly KvOperation[]): { before: number[]; mustHappenBy?: number[] } {
  const writer = new Map<string, number>();
  const lengths = new Set<number>();
  const key = ops[0]?.input.key;
  let unknownWrites = 0;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    if (o.input.key !== key) return { before: [] };
    if (o.input.f === GET) continue;
    const v = o.input.value;
    if (v === "" || writer.has(v)) return { before: [] };
    writer.set(v, i);
    lengths.add(v.length);
    if (o.return === Infinity) unknownWrites++;
  }
  const values = [...writer.keys()].sort();
  for (let i = 1; i < values.length; i++) if (values[i]!.startsWith(values[i - 1]!)) return { before: [] };
  const sizes = [...lengths].sort((a, b) => a - b);
  let mustHappenBy: number[] | undefined;
  if (unknownWrites > 0) {
    const by = new Array<number>(ops.length).fill(Infinity);
    splitResults(ops, writer, sizes, (g, chain, from) => {
      for (let k = from; k < chain.length; k++)
        if (ops[chain[k]!]!.return === Infinity) by[chain[k]!] = Math.min(by[chain[k]!]!, ops[g]!.return);
    });
    if (by.some((t) => t < Infinity)) mustHappenBy = by;
  }
  const known = (w: number): boolean =>
    ops[w]!.return !== Infinity ||
    (mustHappenBy !== undefined && mustHappenBy[w]! >= ops[w]!.call && mustHappenBy[w]! < Infinity);
  const before: number[] = [];
  const seen = new Set<number>(); // before * n + after, so each pair is given once
  const add = (a: number, b: number): void => {
    const k = a * ops.length + b;
    if (seen.has(k)) return;
    seen.add(k);
    before.push(a, b);
  };
  splitResults(ops, writer, sizes, (g, chain, from) => {
    let last = -1;
    for (let k = from - 1; k >= 0; k--) {
      if (known(chain[k]!)) {
        last = chain[k]!;
        break;
      }
    }
    for (let k = from; k < chain.length; k++) {
      const w = chain[k]!;
      if (!known(w)) continue;
      if (last >= 0) add(last, w);
      last = w;
    }
    if (last >= 0) add(last, g);
  });
  return mustHappenBy ? { before, mustHappenBy } : { before };
}

/**
 * Splits every completed get's result into the writes it reads back, in order, and calls `each`
 * with the get, the chain and where its new part starts: a result extending the previous one that
 * split (the usual case, strings grow) resumes from its end instead of splitting the whole string.
 */
function splitResults(
  ops: readonly KvOperation[],
  writer: ReadonlyMap<string, number>,
  sizes: readonly number[],
  each: (get: number, chain: readonly number[], from: number) => void,
): void {
  let chain: number[] = [];
  let chainValue = "";
  const inChain = new Uint8Array(ops.length);
  const reset = (): void => {
    for (const w of chain) inChain[w] = 0;
    chain = [];
  };
  for (let g = 0; g < ops.length; g++) {
    const get = ops[g]!;
    if (get.input.f !== GET || get.output.unknown || get.return === Infinity) continue;
    const want = get.output.value;
    let at = 0;
    let from = 0;
    if (chainValue !== "" && want.startsWith(chainValue)) {
      at = chainValue.length;
      from = chain.length;
    } else reset();
    let ok = true;
    while (ok && at < want.length) {
      ok = false;
      for (const len of sizes) {
        const w = writer.get(want.substr(at, len));
        if (w === undefined) continue;
        // a put only starts a result; each write at most once
        if ((ops[w]!.input.f === PUT && chain.length > 0) || inChain[w]) break;
        inChain[w] = 1;
        chain.push(w);
        at += len;
        ok = true;
        break;
      }
    }
    if (!ok) {
      reset();
      chainValue = "";
      continue;
    }
    chainValue = want;
    each(g, chain, from);
  }
}

/** A get is left out; a put or append keeps its call and may or may not have taken effect. */
function forgetKv(op: KvOperation): KvOperation | undefined {
  return op.input.f === GET ? undefined : { ...op, output: kvOutput.unknown(), return: Infinity };
}

/** One key's string per partition. */
export const kvModel: Model<KvCell, KvInput, KvOutput> = {
  init: () => EMPTY,
  step(state, input, output) {
    if (input.f === GET) return [output.unknown || output.value === state.s, state];
    return [true, apply(state, input)];
  },
  readOnly: (input) => input.f === GET,
  mayBecomeLegal: (state, op, others, count, thorough) => getMayBecomeLegal(state.s, op, others, count, thorough),
  // the thorough check is an indexed split per get: cheaper than any search with many appenders
  rootCheckFrom: 0,
  equal: (a, b) => a === b || (a.h === b.h && a.s === b.s),
  hash: (s) => s.h,
  partition: partitionByKey,
  unobservable: unobservableWrites,
  precedence: kvPrecedence,
  forget: forgetKv,
  describeOperation: describeKv,
  describeState: (s) => JSON.stringify(s.s),
};

/** All keys at once. The map is copied on write; its hash is a sum of per-key terms, updated in O(1). */
export interface KvMap {
  readonly cells: ReadonlyMap<string, KvCell>;
  readonly h: number;
}

const keyTerm = (key: string, cell: KvCell): number => (cell.s === "" ? 0 : fmix32(hashString(key) ^ cell.h));

export const kvMapModel: Model<KvMap, KvInput, KvOutput> = {
  init: () => ({ cells: new Map(), h: 0 }),
  step(state, input, output) {
    const cell = state.cells.get(input.key) ?? EMPTY;
    if (input.f === GET) return [output.unknown || output.value === cell.s, state];
    const next = apply(cell, input);
    const cells = new Map(state.cells);
    cells.set(input.key, next);
    return [true, { cells, h: (state.h - keyTerm(input.key, cell) + keyTerm(input.key, next)) | 0 }];
  },
  readOnly: (input) => input.f === GET,
  mayBecomeLegal: (state, op, others, count, thorough) =>
    // per configuration, prefixes only: `others` holds every key's operations, so scanning them for values costs more than it saves
    getMayBecomeLegal((state.cells.get(op.input.key) ?? EMPTY).s, op, others, count, thorough, false),
  equal(a, b) {
    if (a === b) return true;
    if (a.h !== b.h) return false;
    for (const [k, cell] of a.cells) if ((b.cells.get(k) ?? EMPTY).s !== cell.s) return false;
    for (const [k, cell] of b.cells) if ((a.cells.get(k) ?? EMPTY).s !== cell.s) return false;
    return true;
  },
  hash: (s) => s.h,
  unobservable: unobservableWrites,
  forget: forgetKv,
  describeOperation: describeKv,
  describeState(s) {
    const keys = [...s.cells.keys()].filter((k) => s.cells.get(k)!.s !== "").sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(s.cells.get(k)!.s)}`).join(", ")}}`;
  },
};

export const kvInput = {
  get: (key: string): KvInput => ({ f: GET, key, value: "", valueHash: 0, valuePow: 1 }),
  put: (key: string, value: string): KvInput => {
    const [valueHash, valuePow] = polyHash(value);
    return { f: PUT, key, value, valueHash, valuePow };
  },
  append: (key: string, value: string): KvInput => {
    const [valueHash, valuePow] = polyHash(value);
    return { f: APPEND, key, value, valueHash, valuePow };
  },
};

export const kvOutput = {
  unknown: (): KvOutput => ({ unknown: true, value: "" }),
  value: (value: string): KvOutput => ({ unknown: false, value }),
  done: (): KvOutput => ({ unknown: false, value: "" }),
};
