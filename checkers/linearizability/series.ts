// Seeded generators of large histories in Porcupine's formats, for the checker's scaling series
// (bench/checker-series.ts) and its tests: Jepsen-style kv logs (get / put / append, many keys) and
// Jepsen etcd register logs (read / write / cas), with some writes left pending (an :invoke with no
// completion: the process is retired and a fresh one takes its slot, as Jepsen does after a timeout).
//
// Linearizable by construction: every operation gets an interval and a linearization point inside it;
// executing the operations sequentially in point order gives each read its result. A pending write
// takes effect at its point or never (a coin flip). The non-linearizable variant perturbs one read:
// it returns its true value plus a token no one ever wrote, so no order can explain it, but the
// search must still rule out every order of what came before.

export interface SeriesShape {
  model: "kv" | "register";
  clients: number;
  /** kv only: keys "0".."keys-1". */
  keys: number;
  operations: number;
  /** Fraction of writes (put/append, write/cas) left pending, 0..1. */
  pending: number;
  linearizable: boolean;
  seed: number;
  /** Chance that a pending write took effect (default 0.5); 1 makes every one observable. */
  applied?: number;
  /**
   * kv, not linearizable: how the read is corrupted. "phantom" (default) appends a value no one
   * wrote; "swap" exchanges two appended values in a read's result that another read saw in the
   * other order (values are unique, so both orders cannot hold), which no early check refutes.
   */
  corruption?: "phantom" | "swap";
}

/** A small deterministic PRNG (splitmix32): the series must not depend on the world's streams. */
export class SeriesRandom {
  private x: number;
  constructor(seed: number) {
    this.x = seed | 0;
  }
  next(): number {
    this.x = (this.x + 0x9e3779b9) | 0;
    let z = this.x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

interface PlannedOp {
  process: number;
  f: string;
  key: number;
  /** What the invoke line carries (kv: the written string; register: the int or [from to]). */
  arg: string | number | [number, number];
  call: number;
  point: number;
  ret: number;
  pending: boolean;
  /** Filled by the sequential execution: a read's result, a cas's success. */
  result?: string | number | null | boolean;
}

/** Intervals for `operations` operations over `clients` slots; a pending op retires its process. */
function planIntervals(
  shape: SeriesShape,
  rng: SeriesRandom,
  kind: (i: number) => { f: string; key: number; arg: PlannedOp["arg"]; write: boolean },
): PlannedOp[] {
  const free = new Array<number>(shape.clients).fill(0);
  const process = Array.from({ length: shape.clients }, (_, c) => c);
  let nextProcess = shape.clients;
  const ops: PlannedOp[] = [];
  for (let i = 0; i < shape.operations; i++) {
    const c = rng.int(shape.clients);
    const call = free[c]! + 1 + rng.int(8);
    const ret = call + 1 + rng.int(40);
    const point = call + rng.next() * (ret - call);
    const k = kind(i);
    const pending = k.write && rng.next() < shape.pending;
    ops.push({ process: process[c]!, f: k.f, key: k.key, arg: k.arg, call, point, ret, pending });
    free[c] = ret;
    if (pending) process[c] = nextProcess++;
  }
  return ops;
}

/** Emits the events in time order (invokes before completions at equal times: conservative). */
function emit(ops: readonly PlannedOp[], line: (op: PlannedOp, type: "invoke" | "ok" | "fail") => string): string {
  const events: { t: number; ok: number; op: PlannedOp; i: number }[] = [];
  ops.forEach((op, i) => {
    events.push({ t: op.call, ok: 0, op, i });
    if (!op.pending) events.push({ t: op.ret, ok: 1, op, i });
  });
  events.sort((a, b) => a.t - b.t || a.ok - b.ok || a.i - b.i);
  let out = "";
  for (const e of events) out += line(e.op, e.ok ? (e.op.result === false ? "fail" : "ok") : "invoke") + "\n";
  return out;
}

const edn = (s: string): string => JSON.stringify(s);

/** A Porcupine kv log (test_data/kv format). */
export function kvSeriesHistory(shape: SeriesShape): string {
  const rng = new SeriesRandom(shape.seed);
  const seq = new Array<number>(shape.clients).fill(0);
  const ops = planIntervals(shape, rng, () => {
    const r = rng.next();
    const f = r < 0.5 ? "get" : r < 0.9 ? "append" : "put";
    const c = rng.int(shape.clients);
    return { f, key: rng.int(shape.keys), arg: f === "get" ? "" : `x ${c} ${seq[c]!++} y`, write: f !== "get" };
  });
  const state = new Array<string>(shape.keys).fill("");
  // the appended values since the key's last put, in order (for the "swap" corruption)
  const appended: string[][] = Array.from({ length: shape.keys }, () => []);
  const readAppends = new Map<PlannedOp, string[]>();
  const byPoint = [...ops].sort((a, b) => a.point - b.point);
  const reads: PlannedOp[] = [];
  for (const op of byPoint) {
    if (op.f === "get") {
      op.result = state[op.key]!;
      reads.push(op);
      readAppends.set(op, [...appended[op.key]!]);
    } else if (!op.pending || rng.next() < (shape.applied ?? 0.5)) {
      state[op.key] = op.f === "put" ? (op.arg as string) : state[op.key]! + (op.arg as string);
      if (op.f === "put") appended[op.key] = [];
      else appended[op.key]!.push(op.arg as string);
    }
  }
  if (!shape.linearizable && shape.corruption === "swap") {
    swapTwoAppends(reads, readAppends, rng);
  } else if (!shape.linearizable && reads.length > 0) {
    const victim =
      reads[Math.floor(reads.length / 2 + rng.int(Math.max(1, reads.length / 2)))] ?? reads[reads.length - 1]!;
    victim.result = `${victim.result as string}x phantom 0 y`;
  }
  return emit(ops, (op, type) => {
    const value =
      type === "invoke"
        ? op.f === "get"
          ? "nil"
          : edn(op.arg as string)
        : op.f === "get"
          ? edn(op.result as string)
          : edn(op.arg as string);
    return `{:process ${op.process}, :type :${type}, :f :${op.f}, :key ${edn(String(op.key))}, :value ${value}}`;
  });
}

/**
 * The "swap" corruption: a read from the second half whose result ends in two appended values a, b
 * that a later read of the same key also saw (so in the order a, b) now returns them as b, a.
 * Append values are unique, so a linearization would need append(a) both before and after append(b).
 */
function swapTwoAppends(
  reads: readonly PlannedOp[],
  appends: ReadonlyMap<PlannedOp, string[]>,
  rng: SeriesRandom,
): void {
  const start = Math.floor(reads.length / 2 + rng.int(Math.max(1, reads.length / 4)));
  for (let k = 0; k < reads.length; k++) {
    const victim = reads[(start + k) % reads.length]!;
    const list = appends.get(victim)!;
    if (list.length < 2) continue;
    const a = list[list.length - 2]!;
    const b = list[list.length - 1]!;
    const witnessed = reads.some(
      (r) => r !== victim && r.key === victim.key && appends.get(r)!.includes(a) && appends.get(r)!.includes(b),
    );
    if (!witnessed) continue;
    const value = victim.result as string;
    victim.result = value.slice(0, value.length - a.length - b.length) + b + a;
    return;
  }
  throw new Error("no read to corrupt: the history is too small for a swap");
}

/** A Jepsen etcd register log (test_data/jepsen format); pending writes and cas end `:info`-less. */
export function registerSeriesHistory(shape: SeriesShape): string {
  const rng = new SeriesRandom(shape.seed);
  const ops = planIntervals(shape, rng, () => {
    const r = rng.next();
    if (r < 0.45) return { f: "read", key: 0, arg: 0, write: false };
    if (r < 0.75) return { f: "write", key: 0, arg: rng.int(5), write: true };
    return { f: "cas", key: 0, arg: [rng.int(5), rng.int(5)] as [number, number], write: true };
  });
  let state: number | null = null;
  const reads: PlannedOp[] = [];
  for (const op of [...ops].sort((a, b) => a.point - b.point)) {
    if (op.f === "read") {
      op.result = state;
      reads.push(op);
      continue;
    }
    const applies = !op.pending || rng.next() < (shape.applied ?? 0.5);
    if (op.f === "write") {
      if (applies) state = op.arg as number;
      continue;
    }
    const [from, to] = op.arg as [number, number];
    const matches = state === from;
    op.result = matches;
    if (applies && matches) state = to;
  }
  if (!shape.linearizable && reads.length > 0) {
    const victim =
      reads[Math.floor(reads.length / 2 + rng.int(Math.max(1, reads.length / 2)))] ?? reads[reads.length - 1]!;
    victim.result = 99; // never written (values are 0..4)
  }
  return emit(ops, (op, type) => {
    let value: string;
    if (op.f === "read") value = type === "invoke" || op.result === null ? "nil" : String(op.result);
    else if (op.f === "write") value = String(op.arg);
    else value = `[${(op.arg as number[]).join(" ")}]`;
    return `INFO  jepsen.util - ${op.process}\t:${type}\t:${op.f}\t${value}`;
  });
}

export function seriesHistory(shape: SeriesShape): string {
  return shape.model === "kv" ? kvSeriesHistory(shape) : registerSeriesHistory(shape);
}

export function seriesName(s: SeriesShape): string {
  const keys = s.model === "kv" ? `-k${s.keys}` : "";
  const bad = s.corruption === "swap" ? "swapped" : "bad";
  return `${s.model}-c${s.clients}${keys}-n${s.operations}-p${Math.round(s.pending * 100)}-${s.linearizable ? "ok" : bad}-s${s.seed}`;
}
