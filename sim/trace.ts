// The running trace hash: every delivered message, timer firing and fault is folded in, so two runs
// agree on traceHash only if they agree event by event. Optionally each event is also kept as a line
// (for --trace FILE and the divergence finder).
//
// Trace line columns (JSONL): i = event number, t = virtual time µs, k = kind
// (deliver|drop|timer|fault|crash|restart|pause|resume|note), p = process, to = destination,
// m = message type or detail, h = the running hash after this event (hex).
//
// An aside — a note whose kind starts with ASIDE_PREFIX, such as a Raft node's reason for ignoring a
// message ("why:raft") — is kept as a line but neither folded into the hash nor counted: it explains
// events, it is not one, so recording more or fewer reasons never changes a trace hash.

/** What a trace event is (the strings are hashed: a new kind is a new string, an old one never changes). */
export type TraceKind =
  | "deliver"
  | "drop"
  | "timer"
  | "fault"
  | "heal"
  | "crash"
  | "stop"
  | "restart"
  | "pause"
  | "resume"
  | "note"
  | "assert"
  | "buggify";

export interface TraceLine {
  i: number;
  t: number;
  k: TraceKind;
  p: string;
  to?: string;
  m?: string;
  h: string;
}

const FNV_PRIME = 0x01000193;

export const ASIDE_PREFIX = "why:";

function fnvOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return Math.imul(h ^ s.length, FNV_PRIME);
}
const DELIVER_HASH = fnvOf("deliver");
const TIMER_HASH = fnvOf("timer");
const DROP_HASH = fnvOf("drop");

export class Trace {
  private h1 = 0x811c9dc5;
  private h2 = 0x9747b28c;
  count = 0;
  readonly lines: TraceLine[] | undefined;
  /** Cap on kept lines, so a long run with --trace cannot exhaust memory. */
  readonly maxLines: number;

  constructor(opts: { keepLines?: boolean; maxLines?: number } = {}) {
    this.lines = opts.keepLines ? [] : undefined;
    this.maxLines = opts.maxLines ?? 2_000_000;
  }

  private mixInt(x: number): void {
    x |= 0;
    this.h1 = Math.imul(this.h1 ^ x, FNV_PRIME);
    this.h2 = Math.imul(this.h2 ^ ((x << 13) | (x >>> 19)), 0x5bd1e995);
    this.h2 ^= this.h2 >>> 15;
  }

  /** Strings recur (kinds, process names, message types): hash each once. */
  private readonly strHash = new Map<string, number>();

  /** The value mixStr folds in for s; a caller that reuses a string (a process id) can keep it. */
  hashOf(s: string): number {
    let h = this.strHash.get(s);
    if (h === undefined) {
      h = fnvOf(s);
      // Bounded: the strings that recur (kinds, process ids, message types) come early; most later ones are
      // one-off details (a fault, a role change with its term), not worth keeping for a whole long run.
      if (this.strHash.size < 10_000) this.strHash.set(s, h);
    }
    return h;
  }

  private mixStr(s: string): void {
    this.mixInt(this.hashOf(s));
  }

  /** time is virtual µs and may exceed 2^32: folded as two halves (>>> 0 is time mod 2^32 for integers). */
  private mixTime(time: number): void {
    this.mixInt(time >>> 0);
    this.mixInt(time < 0x100000000 ? 0 : Math.floor(time / 0x100000000));
  }

  /** Folds one event in. */
  event(time: number, kind: TraceKind, proc: string, to?: string, detail?: string): void {
    if (kind === "note" && to !== undefined && to.startsWith(ASIDE_PREFIX)) {
      if (this.lines !== undefined) this.keep(time, kind, proc, to, detail);
      return;
    }
    this.count++;
    this.mixTime(time);
    this.mixStr(kind);
    this.mixStr(proc);
    if (to !== undefined) this.mixStr(to);
    if (detail !== undefined) this.mixStr(detail);
    if (this.lines !== undefined) this.keep(time, kind, proc, to, detail);
  }

  /** deliver()'s words to fold, reused (Int32Array: stored as the int32 that mixInt's `x |= 0` would make). */
  private readonly deliverWords = new Int32Array(6);

  /** event(time, "deliver", from, to, label) for the per-message hot path, with the strings' hashes (hashOf) known. */
  deliver(
    time: number,
    from: string,
    fromHash: number,
    to: string,
    toHash: number,
    label: string,
    labelHash: number,
  ): void {
    this.count++;
    // mixTime, mixInt × 3 and mixStr as one fold of six words (foldWords).
    const xs = this.deliverWords;
    xs[0] = time >>> 0;
    xs[1] = time < 0x100000000 ? 0 : Math.floor(time / 0x100000000);
    xs[2] = DELIVER_HASH;
    xs[3] = fromHash;
    xs[4] = toHash;
    xs[5] = labelHash;
    this.foldWords(xs);
    if (this.lines !== undefined) this.keep(time, "deliver", from, to, label);
  }

  /** hashOf(reason + ":" + label) per pair, so a dropped message builds no detail string (a partition drops many). */
  private readonly dropDetailHash = new Map<string, Map<string, number>>();

  /** event(time, "drop", from, to, reason + ":" + label), the detail's hash looked up by its two parts. */
  drop(time: number, from: string, to: string, reason: string, label: string): void {
    let byLabel = this.dropDetailHash.get(reason);
    if (byLabel === undefined) this.dropDetailHash.set(reason, (byLabel = new Map()));
    let detailHash = byLabel.get(label);
    if (detailHash === undefined) byLabel.set(label, (detailHash = this.hashOf(reason + ":" + label)));
    this.count++;
    this.mixTime(time);
    this.mixInt(DROP_HASH);
    this.mixStr(from);
    this.mixStr(to);
    this.mixInt(detailHash);
    if (this.lines !== undefined) this.keep(time, "drop", from, to, reason + ":" + label);
  }

  /** event(time, "timer", proc) with proc's hash (hashOf) known. */
  timer(time: number, proc: string, procHash: number): void {
    this.count++;
    // mixTime and mixInt × 2 as one fold of four words, as in deliver (a third of a run's events are timers).
    const xs = this.timerWords;
    xs[0] = time >>> 0;
    xs[1] = time < 0x100000000 ? 0 : Math.floor(time / 0x100000000);
    xs[2] = TIMER_HASH;
    xs[3] = procHash;
    this.foldWords(xs);
    if (this.lines !== undefined) this.keep(time, "timer", proc, undefined, undefined);
  }

  /** mixInt over each word, on locals (no field load and store per word: deliveries and timers are most events). */
  private foldWords(xs: Int32Array): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      h1 = Math.imul(h1 ^ x, FNV_PRIME);
      h2 = Math.imul(h2 ^ ((x << 13) | (x >>> 19)), 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  /** timer()'s words to fold, reused (as deliverWords). */
  private readonly timerWords = new Int32Array(4);

  private keep(time: number, kind: TraceKind, proc: string, to: string | undefined, detail: string | undefined): void {
    if (this.lines === undefined || this.lines.length >= this.maxLines) return;
    const line: TraceLine = { i: this.count, t: time, k: kind, p: proc, h: this.hash() };
    if (to !== undefined) line.to = to;
    if (detail !== undefined) line.m = detail;
    this.lines.push(line);
  }

  hash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, "0") + (this.h2 >>> 0).toString(16).padStart(8, "0");
  }
}
