// The checker's entry point: split a history into partitions (P-compositionality), search each in
// a fixed order (smallest first, ties by position), stop at the first illegal one, and explain it.

import { searchLinearization } from "./search.ts";
import type {
  CheckOptions,
  EvidenceOperation,
  IllegalEvidence,
  LinearizabilityResult,
  LinearizabilityVerdict,
  Model,
  Operation,
  PartitionResult,
  StuckOperation,
} from "./types.ts";

/**
 * Per partition. The hardest corpus check needs ~1.6·10^4 steps and a 1000-operation workload
 * history ~10^5; 2·10^7 takes tens of seconds at most and keeps the memo within a few hundred MB.
 */
export const DEFAULT_MAX_STEPS = 20_000_000;
export const DEFAULT_PROGRESS_EVERY = 1 << 16;

export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  options: CheckOptions = {},
): LinearizabilityResult {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const progressEvery = Math.max(1, options.progressEvery ?? DEFAULT_PROGRESS_EVERY);
  const wantEvidence = options.evidence ?? true;

  const parts: readonly (readonly Operation<I, O>[])[] = model.partition ? model.partition(ops) : [ops];
  // Positions in the whole history, for evidence; a single partition is the history itself.
  let positions: Map<Operation<I, O>, number> | undefined;
  if (model.partition || model.unobservable) {
    positions = new Map();
    ops.forEach((op, i) => positions!.set(op, i));
  }
  const indexOf = (op: Operation<I, O>): number => (positions ? (positions.get(op) ?? -1) : ops.indexOf(op));
  const order = parts.map((p, i) => i).sort((a, b) => parts[a]!.length - parts[b]!.length || a - b);

  const partitions: PartitionResult[] = parts.map((p, index) => ({
    index,
    operations: p.length,
    verdict: "ok",
    steps: 0,
  }));
  let steps = 0;
  let verdict: LinearizabilityVerdict = "ok";
  let evidence: IllegalEvidence | undefined;
  let linearization: number[] | undefined;

  let stopped = false;
  for (const p of order) {
    const partOps = withoutUnobservable(model, parts[p]!);
    const result = partitions[p]!;
    if (verdict === "illegal" || stopped) {
      result.skipped = true;
      result.verdict = "unknown";
      continue;
    }
    // The budget is per partition, so one hard partition cannot hide an illegal one after it.
    const r = searchLinearization(model, partOps, {
      maxSteps,
      progressEvery,
      stepsBefore: steps,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    steps += r.steps;
    stopped = r.stopped === true;
    result.steps = r.steps;
    result.verdict = r.verdict;
    if (r.verdict === "illegal") {
      verdict = "illegal";
      if (wantEvidence) evidence = explain(model, partOps, r.order, p, indexOf);
    } else if (r.verdict === "unknown") {
      verdict = "unknown";
    } else if (parts.length === 1) {
      linearization = positions ? r.order.map((i) => indexOf(partOps[i]!)) : r.order;
    }
  }
  // An unknown partition cannot hide an illegal one: illegal wins.
  if (partitions.some((p) => p.verdict === "illegal")) verdict = "illegal";

  return {
    verdict,
    steps,
    operations: ops.length,
    partitions,
    ...(evidence ? { evidence } : {}),
    ...(linearization ? { linearization } : {}),
  };
}

/** The partition without the unknown-outcome operations no completed one could observe (Model.unobservable). */
function withoutUnobservable<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): readonly Operation<I, O>[] {
  if (!model.unobservable) return ops;
  const drop = model.unobservable(ops);
  return drop.includes(true) ? ops.filter((_, i) => !drop[i]) : ops;
}

/** Builds JSON-able evidence from the longest prefix the search found. */
function explain<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  prefix: readonly number[],
  partition: number,
  globalIndex: (op: Operation<I, O>) => number,
): IllegalEvidence {
  const describe = (i: number): EvidenceOperation => {
    const op = ops[i]!;
    return {
      op: globalIndex(op),
      clientId: op.clientId,
      call: op.call,
      return: op.return === Infinity ? null : op.return,
      description: model.describeOperation ? model.describeOperation(op.input, op.output) : JSON.stringify(op.input),
    };
  };
  let state = model.init();
  for (const i of prefix) {
    const op = ops[i]!;
    state = model.step(state, op.input, op.output)[1];
  }
  const done = new Set(prefix);
  let minReturn = Infinity;
  for (let i = 0; i < ops.length; i++) if (!done.has(i)) minReturn = Math.min(minReturn, ops[i]!.return);
  const stuck: StuckOperation[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    // Same tie rule as the search: a call at the earliest pending return's time is still a candidate.
    if (done.has(i) || op.call > minReturn) continue;
    const ok = model.step(state, op.input, op.output)[0];
    stuck.push({ ...describe(i), reason: ok ? "dead-end" : "rejected" });
  }
  // Operations with a known return first: an unknown outcome is rarely the culprit.
  stuck.sort((a, b) => Number(a.return === null) - Number(b.return === null) || a.call - b.call || a.op - b.op);
  return {
    partition,
    longestPrefix: prefix.map(describe),
    ...(model.describeState ? { stateAfterPrefix: model.describeState(state) } : {}),
    stuck,
  };
}
