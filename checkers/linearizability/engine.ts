// The checker's entry point: split a history into partitions (P-compositionality), search each in
// a fixed order (smallest first, ties by position), stop at the first illegal one, and explain it.

import { minimalFailingSubset } from "./minimize.ts";
import { searchLinearization, type SearchResult } from "./search.ts";
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

/** What a check needs before searching: the partitions (pruned), the order to search them in, positions. */
export interface CheckPlan<I, O> {
  /** Partitions as the model splits them, without the operations Model.unobservable drops. */
  parts: readonly (readonly Operation<I, O>[])[];
  /** Partition indices in search order: smallest first, ties by position. */
  order: number[];
  /** Index of an operation in the whole history. */
  indexOf: (op: Operation<I, O>) => number;
  /** The one partition is the history itself (indices need no mapping). */
  whole: boolean;
}

export function planCheck<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): CheckPlan<I, O> {
  const parts = (model.partition ? model.partition(ops) : [ops]).map((p) => withoutUnobservable(model, p));
  // Positions in the whole history, for evidence; a single partition is the history itself.
  let positions: Map<Operation<I, O>, number> | undefined;
  if (model.partition || model.unobservable) {
    positions = new Map();
    ops.forEach((op, i) => positions!.set(op, i));
  }
  const indexOf = (op: Operation<I, O>): number => (positions ? (positions.get(op) ?? -1) : ops.indexOf(op));
  const order = parts.map((_p, i) => i).sort((a, b) => parts[a]!.length - parts[b]!.length || a - b);
  return { parts, order, indexOf, whole: positions === undefined };
}

export function budgetOf(options: CheckOptions): { maxSteps: number; progressEvery: number } {
  return {
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
    progressEvery: Math.max(1, options.progressEvery ?? DEFAULT_PROGRESS_EVERY),
  };
}

export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  options: CheckOptions = {},
): LinearizabilityResult {
  const plan = planCheck(model, ops);
  const { maxSteps, progressEvery } = budgetOf(options);
  const results: (SearchResult | undefined)[] = new Array(plan.parts.length);
  let steps = 0;
  for (const p of plan.order) {
    // The budget is per partition, so one hard partition cannot hide an illegal one after it.
    const r = searchLinearization(model, plan.parts[p]!, {
      maxSteps,
      progressEvery,
      stepsBefore: steps,
      prefix: options.evidence ?? true,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    results[p] = r;
    steps += r.steps;
    if (r.verdict === "illegal" || r.stopped) break;
  }
  return assembleResult(model, ops.length, plan, results, options.evidence ?? true, options.minimize);
}

/**
 * The result from each partition's search, in search order: the first illegal partition (or a stop)
 * ends the check, and later partitions count as skipped even when a worker did search them, so a
 * parallel check answers exactly what the sequential one does.
 */
export function assembleResult<S, I, O>(
  model: Model<S, I, O>,
  operations: number,
  plan: CheckPlan<I, O>,
  results: readonly (SearchResult | undefined)[],
  wantEvidence: boolean,
  minimize?: CheckOptions["minimize"],
): LinearizabilityResult {
  const { parts, order, indexOf } = plan;
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
  let ended = false;
  for (const p of order) {
    const result = partitions[p]!;
    const r = results[p];
    if (ended || !r) {
      result.skipped = true;
      result.verdict = "unknown";
      continue;
    }
    const partOps = parts[p]!;
    steps += r.steps;
    ended = r.verdict === "illegal" || r.stopped === true;
    result.steps = r.steps;
    result.verdict = r.verdict;
    if (r.verdict === "illegal") {
      verdict = "illegal";
      if (wantEvidence) {
        evidence = explain(model, partOps, r.order, p, indexOf);
        if (minimize) {
          const m = minimalFailingSubset(model, partOps, minimize === true ? {} : minimize);
          evidence.minimalSubset = {
            operations: m.ops.map((i) => describeOp(model, partOps[i]!, indexOf)),
            complete: m.complete,
          };
        }
      }
    } else if (r.verdict === "unknown") {
      verdict = "unknown";
    } else if (parts.length === 1) {
      linearization = plan.whole ? r.order : r.order.map((i) => indexOf(partOps[i]!));
    }
  }
  // An unknown partition cannot hide an illegal one: illegal wins.
  if (partitions.some((p) => p.verdict === "illegal")) verdict = "illegal";

  return {
    verdict,
    steps,
    operations,
    partitions,
    ...(evidence ? { evidence } : {}),
    ...(linearization ? { linearization } : {}),
  };
}

/** The partition without the unknown-outcome operations no completed one could observe (Model.unobservable). */
function withoutUnobservable<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
): readonly Operation<I, O>[] {
  if (!model.unobservable) return ops;
  const drop = model.unobservable(ops);
  return drop.includes(true) ? ops.filter((_, i) => !drop[i]) : ops;
}

function describeOp<S, I, O>(
  model: Model<S, I, O>,
  op: Operation<I, O>,
  globalIndex: (op: Operation<I, O>) => number,
): EvidenceOperation {
  return {
    op: globalIndex(op),
    clientId: op.clientId,
    call: op.call,
    return: op.return === Infinity ? null : op.return,
    description: model.describeOperation
      ? model.describeOperation(op.input, op.output)
      : JSON.stringify(op.input, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v)),
  };
}

/** Builds JSON-able evidence from the longest prefix the search found. */
function explain<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  prefix: readonly number[],
  partition: number,
  globalIndex: (op: Operation<I, O>) => number,
): IllegalEvidence {
  const describe = (i: number): EvidenceOperation => describeOp(model, ops[i]!, globalIndex);
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
