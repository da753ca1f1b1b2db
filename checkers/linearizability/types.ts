// The vocabulary of the linearizability checker: operations, sequential models and results.
// Shaped after Porcupine's model.go (init / step / equal / hash / partition / describe), with a
// three-valued verdict so that a search that runs out of its step budget says "unknown", not "ok".

/**
 * One completed (or abandoned) client operation. Times are any monotone integers (virtual µs, line
 * numbers). `return === Infinity` means the outcome is unknown: the operation may take effect at any
 * point after its call, or never.
 */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  call: number;
  output: O;
  return: number;
}

/** What a deterministic model's step answers: whether the operation is legal here, and the next state. */
export type StepResult<S> = readonly [ok: boolean, next: S];

/**
 * A sequential specification as a record of pure functions. `equal` and `hash` must agree
 * (equal states hash alike); hash is a 32-bit integer.
 *
 * Unknown outcomes (operations with `return === Infinity`): the model must accept them, in any
 * order, in every state reached once all operations with a known return are linearized — that is
 * how "it never happened" is expressed. Before that it may reject them where they provably cannot
 * be (the etcd model rejects an unknown write that would create a revision a known write created).
 */
export interface Model<S, I, O> {
  init(): S;
  step(state: S, input: I, output: O): StepResult<S>;
  equal(a: S, b: S): boolean;
  hash(s: S): number;
  /**
   * True if the operation leaves the state unchanged wherever it is legal (a read, a failed
   * compare-and-set with a known result). The search then linearizes such an operation as soon as
   * it is legal, without branching: moving it earlier cannot break any linearization.
   */
  readOnly?(input: I, output: O): boolean;
  /**
   * Pruning: `op` is pending in `state`, and only operations among the first `count` entries of
   * `others` (which may include `op` itself: skip it) can be linearized before it. Answer false
   * only if `op` is illegal now and no sequence of them (each at most once) can lead to a state
   * where it is legal; true is always safe. Asked about every pending operation whose return
   * comes soon, read-only or not. `thorough`: asked once per history (at the root, about every
   * operation), so a costlier test pays; per configuration a cheap one does.
   */
  mayBecomeLegal?(
    state: S,
    op: Operation<I, O>,
    others: readonly Operation<I, O>[],
    count: number,
    thorough?: boolean,
  ): boolean;
  /**
   * Operations from which the search asks mayBecomeLegal (thorough) about every operation at the
   * root before searching (default 256: below it the search usually costs less than the question).
   */
  rootCheckFrom?: number;
  /**
   * Pruning, for one partition (indices into `ops`). `mustHappenBy[i]`, for an operation with an
   * unknown return: a time by which it has taken effect in every legal linearization (a later read
   * saw its effect), or Infinity; the search treats it as returning then. `before`: pairs of
   * operations (flat: before, after, before, after, ...) in this order in every legal
   * linearization; the search never linearizes an operation before its predecessors, and answers
   * "illegal" at once when the pairs form a cycle or cannot fit the operations' intervals. Pairs
   * naming an operation whose return stays unknown are ignored (it stays free to happen at the end).
   */
  precedence?(ops: readonly Operation<I, O>[]): { before: readonly number[]; mustHappenBy?: readonly number[] };
  /** Splits a history into independently checkable parts (P-compositionality), e.g. one per key. */
  partition?(ops: readonly Operation<I, O>[]): Operation<I, O>[][];
  /**
   * Pruning: which operations with an unknown outcome no completed operation of `ops` (one
   * partition) could observe. Answer true for `ops[i]` only if every linearization that places it
   * stays legal with it left out (it may always be left out: "it never happened"); the search then
   * drops it. Porcupine-style histories retire a process per timeout, so most of them are such.
   */
  unobservable?(ops: readonly Operation<I, O>[]): boolean[];
  /**
   * The operation with its outcome forgotten, for minimal failing subsets (minimize.ts): a write
   * whose result is unknown (it may or may not have taken effect), or undefined for an operation
   * that changes nothing (a read) and is simply left out.
   */
  forget?(op: Operation<I, O>): Operation<I, O> | undefined;
  describeOperation?(input: I, output: O): string;
  describeState?(s: S): string;
}

/**
 * A model whose step may lead to several states (e.g. an unknown write that did or did not apply);
 * an empty result means the operation is illegal. `determinize` turns it into a Model over sets of states.
 */
export interface NondeterministicModel<S, I, O> {
  init(): readonly S[];
  step(state: S, input: I, output: O): readonly S[];
  equal(a: S, b: S): boolean;
  hash(s: S): number;
  partition?(ops: readonly Operation<I, O>[]): Operation<I, O>[][];
  describeOperation?(input: I, output: O): string;
  describeState?(s: S): string;
}

export type LinearizabilityVerdict = "ok" | "illegal" | "unknown";

export interface CheckOptions {
  /** Deterministic work bound: model steps per partition; past it that partition is "unknown". */
  maxSteps?: number;
  /**
   * Called every `progressEvery` steps with the steps so far (all partitions); returning true stops
   * the whole check with "unknown". The CLI uses it for its wall-clock timeout, so the engine itself
   * never reads a clock.
   */
  onProgress?: (steps: number) => boolean;
  progressEvery?: number;
  /** Collect evidence for an illegal verdict (default true). */
  evidence?: boolean;
  /**
   * Also shrink the illegal partition to a minimal failing subset (minimize.ts) for the evidence.
   * Only for models whose verdict on a subset means what it says (not the etcd model, whose
   * configuration is derived from the whole history).
   */
  minimize?: boolean | { trialSteps?: number; totalSteps?: number };
}

/** One operation as evidence shows it: its index in the checked history and a readable description. */
export interface EvidenceOperation {
  op: number;
  clientId: number;
  call: number;
  /** null when the return is unknown (Infinity), so the evidence stays JSON-able. */
  return: number | null;
  description: string;
}

export interface StuckOperation extends EvidenceOperation {
  /** "rejected": the model refuses it after the prefix; "dead-end": it is accepted but nothing linearizes after it. */
  reason: "rejected" | "dead-end";
}

/** Why a partition is not linearizable: the longest linearizable prefix found and what could not follow it. */
export interface IllegalEvidence {
  partition: number;
  /** Operations in the order they were linearized. */
  longestPrefix: EvidenceOperation[];
  /** The model state after the prefix, if the model can describe it. */
  stateAfterPrefix?: string;
  /** The operations that could have been linearized next (called before the earliest pending return), none of which works. */
  stuck: StuckOperation[];
  /**
   * A minimal failing subset of the partition (CheckOptions.minimize): not linearizable, while
   * every subset one operation smaller is (when `complete`). In history order.
   */
  minimalSubset?: { operations: EvidenceOperation[]; complete: boolean };
  /**
   * Set when the verdict comes from a read no order can explain, found without a search (the etcd
   * model's refutation by revisions): `stuck` holds that read, the prefix is empty, and this says why,
   * with the known write it contradicts.
   */
  contradiction?: { reason: string; write?: EvidenceOperation };
}

export interface PartitionResult {
  /** Position in the model's partition list. */
  index: number;
  operations: number;
  verdict: LinearizabilityVerdict;
  steps: number;
  /** Not checked because an earlier partition was already illegal. */
  skipped?: boolean;
}

export interface LinearizabilityResult {
  verdict: LinearizabilityVerdict;
  steps: number;
  operations: number;
  partitions: PartitionResult[];
  /** Present when the verdict is "illegal" (and evidence was asked for). */
  evidence?: IllegalEvidence;
  /** A witness order for "ok" (operation indices), when the history has one partition. */
  linearization?: number[];
}
