// A minimal failing subset of a non-linearizable partition: delta debugging (Zeller's ddmin) over
// its operations, each kept with its own call and return, so real-time order among the kept ones is
// the history's. A subset asserts its operations' outcomes while the others may or may not have
// happened (relaxedHistory). The result is 1-minimal: it is not linearizable, and dropping any one
// of its operations makes it linearizable. What the reader sees is the handful of operations that cannot
// be ordered, instead of the thousands around them.

import { searchLinearization } from "./search.ts";
import type { Model, Operation } from "./types.ts";

export interface MinimizeOptions {
  /** Steps per trial search; a trial that runs out counts as "not failing" (the safe side). */
  trialSteps?: number;
  /** Steps for the whole minimization; past it the subset found so far is returned, `complete: false`. */
  totalSteps?: number;
}

export interface MinimalSubset {
  /** Indices into the partition's operations, in index order. */
  ops: number[];
  /** True when 1-minimality was established (every one-smaller subset was found linearizable, no trial undecided). */
  complete: boolean;
  trials: number;
  steps: number;
}

/**
 * What a subset asserts: its operations as recorded; every other operation with its outcome
 * forgotten (Model.forget: a write may or may not have happened, a read is left out). Without
 * forgetting, a lone read of a value would be a "minimal" failure that says nothing: its write
 * was simply dropped. Models without `forget` get the plain subset. Operations stay in index order.
 */
export function relaxedHistory<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  subset: readonly number[],
): Operation<I, O>[] {
  if (!model.forget) return [...subset].sort((a, b) => a - b).map((i) => ops[i]!);
  const keep = new Uint8Array(ops.length);
  for (const i of subset) keep[i] = 1;
  const out: Operation<I, O>[] = [];
  for (let i = 0; i < ops.length; i++) {
    const o = keep[i] ? ops[i]! : model.forget(ops[i]!);
    if (o) out.push(o);
  }
  if (!model.unobservable) return out;
  const drop = model.unobservable(out);
  return out.filter((_, i) => !drop[i]);
}

export function minimalFailingSubset<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  options: MinimizeOptions = {},
): MinimalSubset {
  const trialSteps = options.trialSteps ?? 200_000;
  const totalSteps = options.totalSteps ?? 20_000_000;
  let steps = 0;
  let trials = 0;
  let outOfBudget = false;
  const fails = (subset: readonly number[]): boolean => {
    if (steps >= totalSteps) {
      outOfBudget = true;
      return false;
    }
    trials++;
    const r = searchLinearization(model, relaxedHistory(model, ops, subset), {
      maxSteps: trialSteps,
      progressEvery: 1 << 30,
      stepsBefore: 0,
      prefix: false,
    });
    steps += r.steps;
    return r.verdict === "illegal";
  };

  let current = ops.map((_, i) => i).sort((a, b) => ops[a]!.call - ops[b]!.call || a - b);
  // A short illegal prefix first (in call order): violations usually sit early in what the
  // search explored, and a prefix check is cheap. Illegal prefixes are almost always monotone;
  // the ddmin below does not rely on it.
  let lo = 1;
  let hi = current.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(current.slice(0, mid))) hi = mid;
    else lo = mid + 1;
  }
  if (hi < current.length && fails(current.slice(0, hi))) current = current.slice(0, hi);

  // ddmin: try each chunk, then each complement, at growing granularity.
  let n = 2;
  while (current.length >= 2 && !outOfBudget) {
    const size = Math.ceil(current.length / n);
    const chunks: number[][] = [];
    for (let i = 0; i < current.length; i += size) chunks.push(current.slice(i, i + size));
    let reduced = false;
    for (const chunk of chunks) {
      if (chunk.length < current.length && fails(chunk)) {
        current = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      for (let c = 0; c < chunks.length; c++) {
        const complement = chunks.filter((_, j) => j !== c).flat();
        if (complement.length > 0 && fails(complement)) {
          current = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break; // every one-smaller subset was tried: 1-minimal
      n = Math.min(current.length, 2 * n);
    }
  }
  // 1-minimality, established rather than assumed: a trial that ran out of steps above counted as
  // "not failing", so each one-smaller subset is checked again with the full budget.
  let complete = !outOfBudget;
  for (let k = 0; k < current.length && complete; k++) {
    const r = searchLinearization(
      model,
      relaxedHistory(
        model,
        ops,
        current.filter((_, j) => j !== k),
      ),
      { maxSteps: 10 * trialSteps, progressEvery: 1 << 30, stepsBefore: 0, prefix: false },
    );
    steps += r.steps;
    trials++;
    if (r.verdict === "illegal") {
      current = current.filter((_, j) => j !== k); // ddmin missed it: keep shrinking
      k = -1;
    } else if (r.verdict === "unknown") complete = false;
  }
  return { ops: [...current].sort((a, b) => a - b), complete, trials, steps };
}
