// The Wing–Gong search with Lowe's memoization over one partition, after Porcupine's checker.go.
//
// Call and return events sit in one doubly linked list ordered by time. Walking from the head, every
// call met before the first return is a candidate to linearize next (the window); linearizing one
// lifts its call and return out of the list (dancing links), and backtracking puts them back. A
// configuration (set of linearized operations, model state) that failed is never explored again.
//
// Refinements over Porcupine, each sound on its own (the agreement tests hold them to brute force):
// - Frames: a configuration steps every window operation once and keeps the legal ones, so
//   backtracking never steps the model again. Candidates are tried earliest return first.
// - Read-only forcing: a read-only operation (model.readOnly) that is legal now is linearized now,
//   without branching: a linearization that places it later stays valid with it moved to the front
//   (it changes no state, and nothing pending must precede it since it is in the window).
// - Dead configurations: a pending operation G must be linearized before it returns, after only
//   operations called before that return; model.mayBecomeLegal says when no such sequence can make
//   G legal, and the configuration is abandoned at once instead of after exploring below it.
// - Unknown outcomes have no return event and stay candidates until the end. By the model contract
//   (types.ts) they can always be appended at the end, so one is never linearized where it would
//   change nothing; once every known-return operation is linearized they are appended in call
//   order; and a failed configuration subsumes those with more unknown operations linearized
//   (memo.ts), which is why candidates with a known return are tried first.
// - Integer arrays come from a reusable pool, and nothing is allocated per step but the model's own
//   states.

import { assert } from "../../core/assert.ts";
import { fmix32, zobristKeys } from "./hash.ts";
import { FailedConfigurations } from "./memo.ts";
import type { LinearizabilityVerdict, Model, Operation } from "./types.ts";

export interface SearchBudget {
  /** Steps this search may take before answering "unknown". */
  maxSteps: number;
  onProgress?: (steps: number) => boolean;
  progressEvery: number;
  /** Steps already spent by earlier partitions (reported to onProgress as a running total). */
  stepsBefore: number;
}

export interface SearchResult {
  verdict: LinearizabilityVerdict;
  /** For "unknown": onProgress asked to stop (as opposed to running out of maxSteps). */
  stopped?: boolean;
  /** Model steps taken. */
  steps: number;
  /** For "ok": a linearization (indices into ops). Otherwise the longest linearizable prefix found. */
  order: number[];
}

const HEAD = 0;

/**
 * Reusable memory for a search's integer arrays: small searches spend a large share of their time
 * allocating otherwise. Searches never nest (models are pure), but a nested one would simply get
 * fresh arrays. Views handed out stay valid when the pool grows (they keep the old buffer).
 */
class Scratch {
  private ints = new Int32Array(1 << 14);
  private floats = new Float64Array(1 << 12);
  private usedInts = 0;
  private usedFloats = 0;
  private busy = false;

  begin(): boolean {
    if (this.busy) return false;
    this.busy = true;
    this.usedInts = 0;
    this.usedFloats = 0;
    return true;
  }
  end(): void {
    this.busy = false;
  }
  int32(n: number, pooled: boolean, fill = 0): Int32Array {
    if (!pooled) return fill === 0 ? new Int32Array(n) : new Int32Array(n).fill(fill);
    if (this.usedInts + n > this.ints.length) {
      this.ints = new Int32Array(Math.max(this.ints.length * 2, n * 4));
      this.usedInts = 0;
    }
    const view = this.ints.subarray(this.usedInts, this.usedInts + n);
    this.usedInts += n;
    return view.fill(fill);
  }
  float64(n: number, pooled: boolean): Float64Array {
    if (!pooled) return new Float64Array(n);
    if (this.usedFloats + n > this.floats.length) {
      this.floats = new Float64Array(Math.max(this.floats.length * 2, n * 4));
      this.usedFloats = 0;
    }
    const view = this.floats.subarray(this.usedFloats, this.usedFloats + n);
    this.usedFloats += n;
    return view;
  }
}
const scratch = new Scratch();

let zobristCache = zobristKeys(1024);
/** The first n Zobrist keys (a fixed sequence, so one cache serves every search). */
function zobrist(n: number): Int32Array {
  if (zobristCache.length < n) zobristCache = zobristKeys(Math.max(n, zobristCache.length * 2));
  return zobristCache;
}

export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  budget: SearchBudget,
): SearchResult {
  if (ops.length === 0) return { verdict: "ok", steps: 0, order: [] };
  const pooled = scratch.begin();
  try {
    return search(model, ops, budget, pooled);
  } finally {
    if (pooled) scratch.end();
  }
}

function search<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: SearchBudget, pooled: boolean): SearchResult {
  const n = ops.length;
  const int32 = (size: number, fill = 0): Int32Array => scratch.int32(size, pooled, fill);

  // Events: call = 2i, return = 2i+1, ordered by time; at equal times calls come first, so
  // touching intervals count as concurrent (the conservative reading).
  const events = eventOrder(ops, pooled);
  let finiteCount = 0;
  for (let i = 0; i < n; i++) if (ops[i]!.return !== Infinity) finiteCount++;

  // Nodes: 0 = head, 1..E = events, E+1 = tail (a permanent stop, like a return).
  const E = events.length;
  const TAIL = E + 1;
  const next = int32(E + 2);
  const prev = int32(E + 2);
  const nodeOp = int32(E + 2, -1); // op of a call node; -1 for returns, head, tail
  const retOp = int32(E + 2, -1); // op of a return node; -1 otherwise
  const callNode = int32(n);
  const retNode = int32(n, -1);
  for (let k = 0; k < E; k++) {
    const e = events[k]!;
    const node = k + 1;
    if (e & 1) {
      retNode[e >> 1] = node;
      retOp[node] = e >> 1;
    } else {
      callNode[e >> 1] = node;
      nodeOp[node] = e >> 1;
    }
  }
  for (let node = 0; node <= TAIL; node++) {
    next[node] = node === TAIL ? TAIL : node + 1;
    prev[node] = node === 0 ? 0 : node - 1;
  }

  const finite = int32(n);
  for (let i = 0; i < n; i++) finite[i] = ops[i]!.return !== Infinity ? 1 : 0;
  const inputs = ops.map((o) => o.input);
  const outputs = ops.map((o) => o.output);
  // Rank of each operation's return (unknown returns rank last).
  const deadline = int32(n);
  for (let k = 0; k < E; k++) if (events[k]! & 1) deadline[events[k]! >> 1] = k;
  for (let i = 0; i < n; i++) if (!finite[i]) deadline[i] = E + i;
  const others: Operation<I, O>[] = new Array<Operation<I, O>>(n);
  const readOnly = int32(n);
  if (model.readOnly) for (let i = 0; i < n; i++) readOnly[i] = model.readOnly(inputs[i] as I, outputs[i] as O) ? 1 : 0;

  // Configurations: a bitset over the operations with a known return (compact index), a mask over
  // those with an unknown return, and the state. Unknown operations stay out of the hash (memo.ts).
  const compact = int32(n);
  let unknownCount = 0;
  for (let i = 0, f = 0; i < n; i++) compact[i] = finite[i] ? f++ : unknownCount++;
  const knownWords = Math.max(1, (finiteCount + 31) >>> 5);
  const unknownWords = (unknownCount + 31) >>> 5;
  const known = new Uint32Array(knownWords);
  const unknown = new Uint32Array(Math.max(1, unknownWords));
  const zob = zobrist(finiteCount);
  let zobHash = 0;
  const failed = new FailedConfigurations<S>(model as Model<S, unknown, unknown>, knownWords, unknownWords);
  const toggle = (op: number): void => {
    const c = compact[op]!;
    if (finite[op]) {
      known[c >>> 5] = known[c >>> 5]! ^ (1 << (c & 31));
      zobHash ^= zob[c]!;
    } else unknown[c >>> 5] = unknown[c >>> 5]! ^ (1 << (c & 31));
  };

  // Depth d: stateAt[d] is the state after d linearized operations, opAt[d] the operation taken
  // from frame d to reach depth d+1. Frame d's legal candidates live in the arena [start, end).
  const stateAt: S[] = new Array<S>(n + 1);
  const opAt = int32(n);
  const hashAt = int32(n + 1);
  const frameStart = int32(n + 1);
  const framePos = int32(n + 1);
  const frameEnd = int32(n + 1);
  let arenaOps = int32(Math.max(64, 4 * n));
  const arenaStates: S[] = [];
  let top = 0;
  let finiteDone = 0;
  let best: Int32Array = new Int32Array(0);

  let steps = 0;
  let nextProgress = budget.onProgress ? budget.progressEvery : Infinity;
  const maxSteps = budget.maxSteps;
  let outOfBudget = false;
  let stopped = false;

  const push = (op: number, s: S): void => {
    if (top === arenaOps.length) {
      const grown = new Int32Array(arenaOps.length * 2);
      grown.set(arenaOps);
      arenaOps = grown;
    }
    arenaOps[top] = op;
    arenaStates[top] = s;
    top++;
  };

  /** Set when every known-return operation is linearized and the unknown ones could be appended. */
  let tail: number[] | undefined;

  /** Fills frame d with the legal candidates of the window (or the one read-only op to force). */
  const enter = (d: number): void => {
    const state = stateAt[d] as S;
    frameStart[d] = top;
    framePos[d] = top;
    if (finiteDone === finiteCount) {
      tail = appendUnknownTail(model, state, next, nodeOp, inputs, outputs);
      if (tail) return;
    }
    // Pass 1: a legal read-only op is taken alone.
    if (model.readOnly) {
      for (let node = next[HEAD]!; nodeOp[node]! >= 0; node = next[node]!) {
        const op = nodeOp[node]!;
        if (!readOnly[op]) continue;
        if (steps >= maxSteps || (++steps >= nextProgress && progressStop())) {
          outOfBudget = true;
          break;
        }
        if (model.step(state, inputs[op] as I, outputs[op] as O)[0]) {
          push(op, state);
          frameEnd[d] = top;
          return;
        }
      }
    }
    // A pending operation G must be linearized before it returns, after operations called before
    // that return. Unlinearized calls are exactly the call nodes of the list, so walking it gives,
    // at G's return node, every operation that may precede G. Every return up to the last one of
    // the window's operations is checked (the window's read-only ones were all illegal in pass 1).
    if (model.mayBecomeLegal && !outOfBudget) {
      let pending = 0;
      let count = 0;
      let node = next[HEAD]!;
      for (; nodeOp[node]! >= 0; node = next[node]!) {
        const op = nodeOp[node]!;
        others[count++] = ops[op]!;
        if (finite[op]) pending++;
      }
      // Node numbers follow time order, so "called within the window" is a comparison.
      const firstReturn = node;
      for (; pending > 0 && node !== TAIL; node = next[node]!) {
        const op = nodeOp[node]!;
        if (op >= 0) {
          others[count++] = ops[op]!;
          continue;
        }
        const g = retOp[node]!;
        if (callNode[g]! < firstReturn) pending--;
        if (!model.mayBecomeLegal(state, ops[g]!, others, count)) {
          frameEnd[d] = top;
          return;
        }
      }
    }
    // Pass 2: every other legal op is a branch, earliest return first (the likeliest to be next in
    // a linearizable history); unknown returns last, so the configurations without an unknown
    // operation are finished first and subsume those with it (memo.ts).
    for (let node = next[HEAD]!; nodeOp[node]! >= 0 && !outOfBudget; node = next[node]!) {
      const op = nodeOp[node]!;
      if (readOnly[op]) continue;
      if (steps >= maxSteps || (++steps >= nextProgress && progressStop())) {
        outOfBudget = true;
        break;
      }
      const r = model.step(state, inputs[op] as I, outputs[op] as O);
      if (!r[0]) continue;
      // An unknown outcome that changes nothing here can as well happen at the end: no branch.
      if (!finite[op] && (r[1] === state || model.equal(r[1], state))) continue;
      push(op, r[1]);
      // insertion by deadline (the window is small); ties keep call order
      const key = deadline[op]!;
      let i = top - 1;
      while (i > frameStart[d]! && deadline[arenaOps[i - 1]!]! > key) {
        arenaOps[i] = arenaOps[i - 1]!;
        arenaStates[i] = arenaStates[i - 1] as S;
        i--;
      }
      arenaOps[i] = op;
      arenaStates[i] = r[1];
    }
    frameEnd[d] = top;
  };
  const progressStop = (): boolean => {
    nextProgress += budget.progressEvery;
    stopped = budget.onProgress!(budget.stepsBefore + steps);
    return stopped;
  };
  const prefixSoFar = (d: number): number[] => (best.length >= d ? toArray(best) : toArray(opAt, d));

  let d = 0;
  stateAt[0] = model.init();
  enter(0);
  if (tail) return { verdict: "ok", steps, order: tail };
  for (;;) {
    if (outOfBudget) return { verdict: "unknown", steps, order: prefixSoFar(d), ...(stopped ? { stopped } : {}) };
    const k = framePos[d]!;
    if (k < frameEnd[d]!) {
      framePos[d] = k + 1;
      const op = arenaOps[k]!;
      const ns = arenaStates[k] as S;
      toggle(op);
      const h = zobHash ^ fmix32(model.hash(ns));
      if (failed.fails(h, known, unknown, ns)) {
        toggle(op);
        continue;
      }
      // lift the call and its return out of the list
      let a = callNode[op]!;
      next[prev[a]!] = next[a]!;
      prev[next[a]!] = prev[a]!;
      a = retNode[op]!;
      if (a >= 0) {
        next[prev[a]!] = next[a]!;
        prev[next[a]!] = prev[a]!;
        finiteDone++;
      }
      opAt[d] = op;
      d++;
      stateAt[d] = ns;
      hashAt[d] = h;
      if (d === n) return { verdict: "ok", steps, order: toArray(opAt) };
      enter(d);
      if (tail) return { verdict: "ok", steps, order: toArray(opAt, d).concat(tail) };
      continue;
    }
    // Frame exhausted: this configuration leads nowhere; backtrack.
    if (d === 0) return { verdict: "illegal", steps, order: toArray(best) };
    if (d > best.length) best = opAt.slice(0, d);
    failed.add(hashAt[d]!, known, unknown, stateAt[d] as S);
    for (let i = frameStart[d]!; i < top; i++) arenaStates[i] = undefined as S; // let go of dead states
    top = frameStart[d]!;
    stateAt[d] = undefined as S;
    d--;
    const back = opAt[d]!;
    toggle(back);
    // unlift in reverse order: return first, then call
    let a = retNode[back]!;
    if (a >= 0) {
      next[prev[a]!] = a;
      prev[next[a]!] = a;
      finiteDone--;
    }
    a = callNode[back]!;
    next[prev[a]!] = a;
    prev[next[a]!] = a;
  }
}

/**
 * Call and return events in time order (calls first at equal times, then by operation index).
 * Calls and returns are each sorted on their own, which is nearly free for the usual input
 * (operations in call order), then merged.
 */
function eventOrder<I, O>(ops: readonly Operation<I, O>[], pooled: boolean): Int32Array {
  const n = ops.length;
  const calls = scratch.float64(n, pooled);
  const returns = scratch.float64(n, pooled); // of the operations with a known return only
  const returner = scratch.int32(n, pooled);
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    assert(op.call <= op.return, () => `operation ${i} returns (${op.return}) before its call (${op.call})`);
    calls[i] = op.call;
    if (op.return !== Infinity) {
      returns[finite] = op.return;
      returner[finite++] = i;
    }
  }
  const byCall = sortedIndices(calls, n, scratch.int32(n, pooled));
  const byReturn = sortedIndices(returns, finite, scratch.int32(finite, pooled));
  const out = scratch.int32(n + finite, pooled);
  let c = 0;
  let r = 0;
  for (let k = 0; k < out.length; k++) {
    const ci = c < n ? byCall[c]! : -1;
    const rk = r < finite ? byReturn[r]! : -1;
    if (rk < 0 || (ci >= 0 && calls[ci]! <= returns[rk]!)) {
      out[k] = 2 * ci;
      c++;
    } else {
      out[k] = 2 * returner[rk]! + 1;
      r++;
    }
  }
  return out;
}

/** A plain array copy of the first `length` entries (faster than the iterator-based copy). */
function toArray(xs: Int32Array, length = xs.length): number[] {
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) out[i] = xs[i]!;
  return out;
}

/**
 * Indices 0..n-1 ordered by (key, index). Insertion sort: linear for nearly sorted keys (returns
 * of operations given in call order); past a bound on moves it falls back to a full sort.
 */
function sortedIndices(keys: Float64Array, n: number, idx: Int32Array): Int32Array {
  let moves = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let j = i;
    while (j > 0 && keys[idx[j - 1]!]! > k) {
      idx[j] = idx[j - 1]!;
      j--;
    }
    idx[j] = i;
    moves += i - j;
    if (moves > 16 * n + 64) {
      for (let x = 0; x < n; x++) idx[x] = x;
      return idx.sort((a, b) => keys[a]! - keys[b]! || a - b);
    }
  }
  return idx;
}

/** Every operation with a known return is linearized: try the unknown ones in call order. */
function appendUnknownTail<S, I, O>(
  model: Model<S, I, O>,
  state: S,
  next: Int32Array,
  nodeOp: Int32Array,
  inputs: readonly I[],
  outputs: readonly O[],
): number[] | undefined {
  const order: number[] = [];
  let s = state;
  for (let node = next[HEAD]!; nodeOp[node]! >= 0; node = next[node]!) {
    const op = nodeOp[node]!;
    const r = model.step(s, inputs[op] as I, outputs[op] as O);
    if (!r[0]) return undefined;
    s = r[1];
    order.push(op);
  }
  return order;
}
