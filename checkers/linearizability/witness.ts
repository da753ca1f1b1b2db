// A proposed linearization (a witness) checked directly, without searching: if every operation
// appears once, each is legal in the state its predecessors leave, and no operation comes after one
// that was called only after it returned, the history is linearizable. A model-specific guess
// (models/etcd/witness.ts) builds the order; a failed guess proves nothing and the search runs.

import type { Model, Operation } from "./types.ts";

/**
 * Whether `order` respects real time: every operation is placed no later than the earliest return
 * among itself and the operations after it, i.e. no operation follows one that returned before it
 * was called. Touching intervals (a call at the very time of a return) count as concurrent, as in
 * the search (search.ts orders a call before a return at the same time). Also checks that `order`
 * is a permutation of 0..ops.length-1. O(n).
 */
export function respectsRealTime<I, O>(ops: readonly Operation<I, O>[], order: readonly number[]): boolean {
  const calls = new Float64Array(ops.length);
  const returns = new Float64Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    calls[i] = ops[i]!.call;
    returns[i] = ops[i]!.return;
  }
  return respectsRealTimeOf(calls, returns, order);
}

/** respectsRealTime over call and return times by index (columns: no operation objects read). */
export function respectsRealTimeOf(
  calls: ArrayLike<number>,
  returns: ArrayLike<number>,
  order: ArrayLike<number>,
): boolean {
  const n = calls.length;
  if (order.length !== n) return false;
  const seen = new Uint8Array(n);
  let minReturn = Infinity;
  for (let k = n - 1; k >= 0; k--) {
    const i = order[k]!;
    if (!(i >= 0 && i < n) || seen[i]) return false;
    seen[i] = 1;
    const call = calls[i]!;
    const ret = returns[i]!;
    if (ret < call) return false;
    minReturn = Math.min(minReturn, ret);
    if (call > minReturn) return false;
  }
  return true;
}

/**
 * Replays a witness through the model from its initial state: true if it is a linearization of
 * `ops` (each step legal, real time respected). The etcd fast path is built step by step and needs
 * no replay; tests use this to hold it to the definition.
 */
export function isLinearization<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  order: readonly number[],
): boolean {
  if (!respectsRealTime(ops, order)) return false;
  let state = model.init();
  for (const i of order) {
    const [ok, next] = model.step(state, ops[i]!.input, ops[i]!.output);
    if (!ok) return false;
    state = next;
  }
  return true;
}
