// The Wing–Gong search with Lowe's memoization over one partition, after Porcupine's checker.go.
//
// Call and return events sit in one doubly linked list ordered by time. Walking from the head, every
// call met before the first return is a candidate to linearize next (the window); linearizing one
// lifts its call and return out of the list (dancing links), and backtracking puts them back. A
// configuration (set of linearized operations, model state) is explored at most once.
//
// Two refinements over Porcupine:
// - Each configuration steps every window operation once and keeps the legal ones in a frame, so
//   backtracking never steps the model again.
// - A read-only operation (model.readOnly) that is legal now is linearized now, without branching:
//   any linearization from here that places it later stays valid with it moved to the front (it
//   changes no state and nothing pending must precede it, since it is in the window).
//
// Unknown outcomes have no return event: such an operation stays a candidate until the end. Once
// every operation with a known return is linearized, the unknown ones are appended in call order
// (always legal for models that accept unknown outputs); if that fails the search goes on.

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

export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  budget: SearchBudget,
): SearchResult {
  const n = ops.length;
  if (n === 0) return { verdict: "ok", steps: 0, order: [] };

  // Events: call = 2i, return = 2i+1. Sorted by time; at equal times calls come first, so
  // touching intervals count as concurrent (the conservative reading).
  const events: number[] = [];
  let finiteCount = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    assert(op.call <= op.return, () => `operation ${i} returns (${op.return}) before its call (${op.call})`);
    events.push(2 * i);
    if (op.return !== Infinity) {
      events.push(2 * i + 1);
      finiteCount++;
    }
  }
  const timeOf = (e: number): number => (e & 1 ? ops[e >> 1]!.return : ops[e >> 1]!.call);
  events.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b);

  // Nodes: 0 = head, 1..E = events, E+1 = tail (a permanent stop, like a return).
  const E = events.length;
  const TAIL = E + 1;
  const next = new Int32Array(E + 2);
  const prev = new Int32Array(E + 2);
  const nodeOp = new Int32Array(E + 2).fill(-1); // op of a call node; -1 for returns, head, tail
  const retOp = new Int32Array(E + 2).fill(-1); // op of a return node; -1 otherwise
  const callNode = new Int32Array(n);
  const retNode = new Int32Array(n).fill(-1);
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

  const finite = new Uint8Array(n);
  for (let i = 0; i < n; i++) finite[i] = ops[i]!.return !== Infinity ? 1 : 0;
  const inputs = ops.map((o) => o.input);
  const outputs = ops.map((o) => o.output);
  // Rank of each operation's return (unknown returns rank last).
  const deadline = new Int32Array(n);
  for (let k = 0; k < E; k++) if (events[k]! & 1) deadline[events[k]! >> 1] = k;
  for (let i = 0; i < n; i++) if (!finite[i]) deadline[i] = E + i;
  const others: Operation<I, O>[] = new Array<Operation<I, O>>(n);
  const readOnly = new Uint8Array(n);
  if (model.readOnly) for (let i = 0; i < n; i++) readOnly[i] = model.readOnly(inputs[i] as I, outputs[i] as O) ? 1 : 0;

  // Configurations: a bitset over the operations with a known return (compact index), a mask over
  // those with an unknown return, and the state. Unknown operations stay out of the hash (memo.ts).
  const compact = new Int32Array(n);
  let unknownCount = 0;
  for (let i = 0, f = 0; i < n; i++) compact[i] = finite[i] ? f++ : unknownCount++;
  const knownWords = Math.max(1, (finiteCount + 31) >>> 5);
  const unknownWords = (unknownCount + 31) >>> 5;
  const known = new Uint32Array(knownWords);
  const unknown = new Uint32Array(Math.max(1, unknownWords));
  const zob = zobristKeys(finiteCount);
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
  const opAt = new Int32Array(n);
  const hashAt = new Int32Array(n + 1);
  const frameStart = new Int32Array(n + 1);
  const framePos = new Int32Array(n + 1);
  const frameEnd = new Int32Array(n + 1);
  let arenaOps = new Int32Array(Math.max(64, 4 * n));
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

  /** Fills frame d with the legal candidates of the window (or the one read-only op to force). */
  const enter = (d: number): void => {
    const state = stateAt[d] as S;
    frameStart[d] = top;
    framePos[d] = top;
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
    // A pending read-only operation G must become legal before it returns, through operations
    // called before that return. Unlinearized calls are exactly the call nodes of the list, so
    // walking it gives, at G's return node, all operations that may precede G. Checked for every
    // read-only return up to the last one of the window (those were all illegal in pass 1).
    if (model.mayBecomeLegal && !outOfBudget) {
      let pending = 0;
      let count = 0;
      let node = next[HEAD]!;
      for (; nodeOp[node]! >= 0; node = next[node]!) {
        const op = nodeOp[node]!;
        others[count++] = ops[op]!;
        if (readOnly[op] && finite[op]) pending++;
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
        if (!readOnly[g]) continue;
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
  const prefixSoFar = (d: number): number[] => Array.from(best.length >= d ? best : opAt.subarray(0, d));

  let d = 0;
  stateAt[0] = model.init();
  enter(0);
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
      if (d === n) return { verdict: "ok", steps, order: Array.from(opAt) };
      if (finiteDone === finiteCount && a >= 0) {
        const tail = appendUnknownTail(model, ns, next, nodeOp, inputs, outputs);
        if (tail) return { verdict: "ok", steps, order: [...opAt.subarray(0, d), ...tail] };
      }
      enter(d);
      continue;
    }
    // Frame exhausted: this configuration leads nowhere; backtrack.
    if (d === 0) return { verdict: "illegal", steps, order: Array.from(best) };
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
