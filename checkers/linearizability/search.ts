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
  /**
   * When the history is refuted before searching (precedence, a dead operation at the root), look
   * for a long linearizable prefix anyway, for the evidence (default true; false for a bare verdict).
   */
  prefix?: boolean;
  /** Steps after which known-return twins are merged (default TWIN_STEPS; tests use 0). */
  twinSteps?: number;
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
/** Steps spent looking for a long prefix once the history is known to be illegal. */
const EVIDENCE_STEPS = 100_000;
/** Operations from which the whole-history dead-operation check runs at the root. */
const ROOT_CHECK_MIN = 256;
/** Steps after which a search builds its known-return twin classes. */
const TWIN_STEPS = 1_000;

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
  const order = model.precedence?.(ops);
  const pooled = scratch.begin();
  try {
    const effective = withDeadlines(ops, order?.mustHappenBy);
    return new Search(model, effective, budget, pooled, order?.before, effective === ops ? undefined : ops).run();
  } finally {
    if (pooled) scratch.end();
  }
}

/**
 * One search over one partition. The fields are the search's whole state; each method is one step
 * of the algorithm (Porcupine's checkSingle, split the same way): the event list and its lift /
 * unlift, the configuration bitsets, entering a frame (force a read-only op, test for a dead
 * configuration, branch), descending into a candidate and backtracking.
 */
class Search<S, I, O> {
  private readonly model: Model<S, I, O>;
  private readonly ops: readonly Operation<I, O>[];
  private readonly budget: SearchBudget;
  private readonly n: number;
  private readonly inputs: I[];
  private readonly outputs: O[];
  /** 1 for operations with a known return. */
  private readonly finite: Int32Array;
  /**
   * 1 for operations with a return of their own (not one withDeadlines gave: that is a later
   * read's return, often far ahead); isDead looks ahead only as far as these.
   */
  private readonly nearReturn: Int32Array;
  private readonly finiteCount: number;
  /** 1 for operations the model calls read-only. */
  private readonly readOnly: Int32Array;
  /** Rank of each operation's return event (unknown returns rank last, in index order). */
  private readonly deadline: Int32Array;
  /**
   * Unknown-outcome operations with the same input and output share a class (-1 for the others).
   * Among unlinearized ones of a class only the earliest called is tried: once both are called
   * they are interchangeable, so a linearization using a later one can use the earlier instead.
   */
  private readonly twinClass: Int32Array;
  private readonly classStamp: Int32Array;
  private stamp = 0;
  /**
   * Known-return operations with the same input and output share a class (-1 for the others, and
   * for classes of one). Among those of a class in the window only the one that returns first is
   * tried: a linearization placing a twin here and that one later stays legal with the two
   * exchanged (same effect; the one returning first now goes earlier, the other later, but no later
   * than where the first was, before either return). Off with precedence pairs (they name operations).
   * Built once a search has taken TWIN_STEPS steps (most searches end sooner than the classes cost).
   */
  private knownTwin: Int32Array;
  private twinBest: Int32Array;
  private twinStamp: Int32Array;
  private knownTwins = false;
  private twinsBuilt = false;
  /**
   * Model.precedence: successors of each operation (CSR: succ[succStart[i] .. succStart[i+1]))
   * and, per operation, how many of its predecessors are not linearized yet (> 0: not a candidate).
   */
  private readonly succStart: Int32Array | undefined;
  private readonly succ: Int32Array | undefined;
  private readonly blocked: Int32Array;
  /** The precedence pairs cannot all hold (a cycle, or an operation squeezed out of its interval). */
  private readonly precedenceInfeasible: boolean = false;
  /** mayBecomeLegal's `others`, refilled per frame. */
  private readonly others: Operation<I, O>[];

  // The event list. Nodes: 0 = head, 1..E = events in time order, E+1 = tail (a permanent stop).
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Operation of a call node; -1 for returns, head and tail. */
  private readonly nodeOp: Int32Array;
  /** Operation of a return node; -1 otherwise. */
  private readonly retOp: Int32Array;
  private readonly callNode: Int32Array;
  /** -1 for unknown returns. */
  private readonly retNode: Int32Array;
  private readonly tailNode: number;

  // The configuration: a bitset over the known-return operations (compact index) with its Zobrist
  // hash, and a mask over the unknown-return ones (kept out of the hash: memo.ts subsumes them).
  private readonly compact: Int32Array;
  private readonly known: Uint32Array;
  private readonly unknown: Uint32Array;
  private readonly zob: Int32Array;
  private zobHash = 0;
  private readonly failed: FailedConfigurations<S>;
  private finiteDone = 0;

  // Frames. Depth d: stateAt[d] is the state after d linearized operations, opAt[d] the operation
  // taken from frame d to reach depth d+1. Frame d's legal candidates live in the arena [start, end).
  private readonly stateAt: S[];
  private readonly opAt: Int32Array;
  private readonly hashAt: Int32Array;
  private readonly frameStart: Int32Array;
  private readonly framePos: Int32Array;
  private readonly frameEnd: Int32Array;
  private arenaOps: Int32Array;
  private readonly arenaStates: S[] = [];
  private top = 0;
  /** The longest prefix seen, for evidence. */
  private best: Int32Array = new Int32Array(0);
  /** Set when every known-return operation is linearized and the unknown ones could be appended. */
  private tail: number[] | undefined;

  // The budget.
  private steps = 0;
  private nextProgress: number;
  private outOfBudget = false;
  private stopped = false;

  constructor(
    model: Model<S, I, O>,
    ops: readonly Operation<I, O>[],
    budget: SearchBudget,
    pooled: boolean,
    pairs: readonly number[] | undefined,
    /** The operations before withDeadlines gave some unknown ones a return. */
    original: readonly Operation<I, O>[] | undefined,
  ) {
    this.model = model;
    this.ops = ops;
    this.budget = budget;
    const n = (this.n = ops.length);
    const int32 = (size: number, fill = 0): Int32Array => scratch.int32(size, pooled, fill);
    this.nextProgress = budget.onProgress ? budget.progressEvery : Infinity;

    // Events: call = 2i, return = 2i+1, ordered by time; at equal times calls come first, so
    // touching intervals count as concurrent (the conservative reading).
    const events = eventOrder(ops, pooled);
    const E = events.length;
    const tailNode = (this.tailNode = E + 1);
    this.next = int32(E + 2);
    this.prev = int32(E + 2);
    this.nodeOp = int32(E + 2, -1);
    this.retOp = int32(E + 2, -1);
    this.callNode = int32(n);
    this.retNode = int32(n, -1);
    for (let k = 0; k < E; k++) {
      const e = events[k]!;
      const node = k + 1;
      if (e & 1) {
        this.retNode[e >> 1] = node;
        this.retOp[node] = e >> 1;
      } else {
        this.callNode[e >> 1] = node;
        this.nodeOp[node] = e >> 1;
      }
    }
    for (let node = 0; node <= tailNode; node++) {
      this.next[node] = node === tailNode ? tailNode : node + 1;
      this.prev[node] = node === 0 ? 0 : node - 1;
    }

    this.finite = int32(n);
    this.nearReturn = int32(n);
    let finiteCount = 0;
    for (let i = 0; i < n; i++) if (ops[i]!.return !== Infinity) (this.finite[i] = 1), finiteCount++;
    for (let i = 0; i < n; i++)
      this.nearReturn[i] = this.finite[i]! && (!original || original[i]!.return !== Infinity) ? 1 : 0;
    this.finiteCount = finiteCount;
    this.inputs = ops.map((o) => o.input);
    this.outputs = ops.map((o) => o.output);
    this.deadline = int32(n);
    for (let k = 0; k < E; k++) if (events[k]! & 1) this.deadline[events[k]! >> 1] = k;
    for (let i = 0; i < n; i++) if (!this.finite[i]) this.deadline[i] = E + i;
    this.others = new Array<Operation<I, O>>(n);
    this.twinClass = int32(n, -1);
    const classes = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      if (this.finite[i]) continue;
      const key = JSON.stringify([ops[i]!.input, ops[i]!.output], (_, v: unknown) =>
        typeof v === "bigint" ? `${v}n` : v,
      );
      let c = classes.get(key);
      if (c === undefined) classes.set(key, (c = classes.size));
      this.twinClass[i] = c;
    }
    this.classStamp = int32(Math.max(1, classes.size));
    this.readOnly = int32(n);
    if (model.readOnly)
      for (let i = 0; i < n; i++) this.readOnly[i] = model.readOnly(this.inputs[i] as I, this.outputs[i] as O) ? 1 : 0;
    this.knownTwin = this.twinBest = this.twinStamp = new Int32Array(0);
    this.twinsBuilt = pairs !== undefined && pairs.length > 0;

    this.compact = int32(n);
    let unknownCount = 0;
    for (let i = 0, f = 0; i < n; i++) this.compact[i] = this.finite[i] ? f++ : unknownCount++;
    const knownWords = Math.max(1, (finiteCount + 31) >>> 5);
    const unknownWords = (unknownCount + 31) >>> 5;
    this.known = new Uint32Array(knownWords);
    this.unknown = new Uint32Array(Math.max(1, unknownWords));
    this.zob = zobrist(finiteCount);
    this.failed = new FailedConfigurations<S>(model as Model<S, unknown, unknown>, knownWords, unknownWords);

    this.blocked = int32(n);
    if (pairs && pairs.length > 0) {
      const order = precedenceGraph(ops, pairs, this.finite);
      this.succStart = order.start;
      this.succ = order.succ;
      for (let k = 0; k < order.succ.length; k++) this.blocked[order.succ[k]!]!++;
      this.precedenceInfeasible = !order.feasible;
    }

    this.stateAt = new Array<S>(n + 1);
    this.opAt = int32(n);
    this.hashAt = int32(n + 1);
    this.frameStart = int32(n + 1);
    this.framePos = int32(n + 1);
    this.frameEnd = int32(n + 1);
    this.arenaOps = int32(Math.max(64, 4 * n));
  }

  /** Depth-first over frames: descend into the next candidate of frame d, or backtrack out of it. */
  run(): SearchResult {
    let d = 0;
    this.stateAt[0] = this.model.init();
    // An operation that nothing called before its return can make legal from the initial state
    // (a read of a value no one writes) rules out every order at once, however deep it sits.
    // The search still runs a little, for the evidence's longest prefix.
    // (Small histories skip it: their search is as cheap as the check, which costs O(n²) in the worst case.)
    const rootDead =
      this.precedenceInfeasible ||
      (this.model.mayBecomeLegal !== undefined &&
        this.n >= (this.model.rootCheckFrom ?? ROOT_CHECK_MIN) &&
        this.isDead(this.stateAt[0], true));
    if (rootDead && this.budget.prefix === false) return { verdict: "illegal", steps: this.steps, order: [] };
    this.enter(0);
    if (this.tail) return { verdict: "ok", steps: this.steps, order: this.tail };
    for (;;) {
      if (rootDead && (this.outOfBudget || this.steps >= EVIDENCE_STEPS))
        return { verdict: "illegal", steps: this.steps, order: this.prefixSoFar(d) };
      if (this.outOfBudget) {
        return {
          verdict: "unknown",
          steps: this.steps,
          order: this.prefixSoFar(d),
          ...(this.stopped ? { stopped: true } : {}),
        };
      }
      if (this.framePos[d]! < this.frameEnd[d]!) {
        if (!this.descend(d)) continue;
        d++;
        if (d === this.n) return { verdict: "ok", steps: this.steps, order: toArray(this.opAt) };
        this.enter(d);
        if (this.tail) return { verdict: "ok", steps: this.steps, order: toArray(this.opAt, d).concat(this.tail) };
        continue;
      }
      // Frame exhausted: this configuration leads nowhere.
      if (d === 0) return { verdict: "illegal", steps: this.steps, order: toArray(this.best) };
      this.backtrack(d);
      d--;
    }
  }

  /**
   * Takes frame d's next candidate: false if its configuration is known to fail, else it is
   * linearized (lifted out of the list) and depth d+1 holds its state.
   */
  private descend(d: number): boolean {
    const k = this.framePos[d]!;
    this.framePos[d] = k + 1;
    const op = this.arenaOps[k]!;
    const ns = this.arenaStates[k] as S;
    this.toggle(op);
    const h = this.zobHash ^ fmix32(this.model.hash(ns));
    if (this.failed.fails(h, this.known, this.unknown, ns)) {
      this.toggle(op);
      return false;
    }
    this.lift(op);
    this.opAt[d] = op;
    this.stateAt[d + 1] = ns;
    this.hashAt[d + 1] = h;
    return true;
  }

  /** Leaves depth d (whose frame is exhausted) for d-1: records the failure, undoes opAt[d-1]. */
  private backtrack(d: number): void {
    if (d > this.best.length) this.best = this.opAt.slice(0, d);
    this.failed.add(this.hashAt[d]!, this.known, this.unknown, this.stateAt[d] as S);
    for (let i = this.frameStart[d]!; i < this.top; i++) this.arenaStates[i] = undefined as S; // let go of dead states
    this.top = this.frameStart[d]!;
    this.stateAt[d] = undefined as S;
    const back = this.opAt[d - 1]!;
    this.toggle(back);
    this.unlift(back);
  }

  /** Flips an operation in the configuration (and the Zobrist hash of the known-return part). */
  private toggle(op: number): void {
    const c = this.compact[op]!;
    if (this.finite[op]) {
      this.known[c >>> 5] = this.known[c >>> 5]! ^ (1 << (c & 31));
      this.zobHash ^= this.zob[c]!;
    } else this.unknown[c >>> 5] = this.unknown[c >>> 5]! ^ (1 << (c & 31));
  }

  /** Lifts an operation's call and return out of the list (dancing links). */
  private lift(op: number): void {
    const next = this.next;
    const prev = this.prev;
    let a = this.callNode[op]!;
    next[prev[a]!] = next[a]!;
    prev[next[a]!] = prev[a]!;
    a = this.retNode[op]!;
    if (a >= 0) {
      next[prev[a]!] = next[a]!;
      prev[next[a]!] = prev[a]!;
      this.finiteDone++;
    }
    if (this.succ)
      for (let k = this.succStart![op]!, end = this.succStart![op + 1]!; k < end; k++) this.blocked[this.succ[k]!]!--;
  }

  /** Puts them back, in reverse order: return first, then call. */
  private unlift(op: number): void {
    const next = this.next;
    const prev = this.prev;
    if (this.succ)
      for (let k = this.succStart![op]!, end = this.succStart![op + 1]!; k < end; k++) this.blocked[this.succ[k]!]!++;
    let a = this.retNode[op]!;
    if (a >= 0) {
      next[prev[a]!] = a;
      prev[next[a]!] = a;
      this.finiteDone--;
    }
    a = this.callNode[op]!;
    next[prev[a]!] = a;
    prev[next[a]!] = a;
  }

  /** Fills frame d with the legal candidates of the window (or the one read-only op to force). */
  private enter(d: number): void {
    const state = this.stateAt[d] as S;
    this.frameStart[d] = this.top;
    this.framePos[d] = this.top;
    if (this.finiteDone === this.finiteCount) {
      this.tail = appendUnknownTail(this.model, state, this.next, this.nodeOp, this.inputs, this.outputs);
      if (this.tail) return;
    }
    if (this.model.readOnly && this.forceReadOnly(state)) {
      this.frameEnd[d] = this.top;
      return;
    }
    if (this.model.mayBecomeLegal && !this.outOfBudget && this.isDead(state)) {
      this.frameEnd[d] = this.top;
      return;
    }
    this.branch(d, state);
    this.frameEnd[d] = this.top;
  }

  /** Pass 1: a legal read-only op in the window is taken alone (pushed as the frame's only candidate). */
  private forceReadOnly(state: S): boolean {
    const { next, nodeOp, readOnly } = this;
    for (let node = next[HEAD]!; nodeOp[node]! >= 0; node = next[node]!) {
      const op = nodeOp[node]!;
      if (!readOnly[op] || this.blocked[op]) continue;
      if (!this.tick()) return false;
      if (this.model.step(state, this.inputs[op] as I, this.outputs[op] as O)[0]) {
        this.push(op, state);
        return true;
      }
    }
    return false;
  }

  /**
   * A pending operation G must be linearized before it returns, after operations called before
   * that return. Unlinearized calls are exactly the call nodes of the list, so walking it gives,
   * at G's return node, every operation that may precede G. Every return up to the last one of
   * the window's operations is checked (the window's read-only ones were all illegal in pass 1).
   * True if one of them can never become legal: the configuration is dead. `wholeHistory`: check
   * every return, not only those of the window's operations.
   */
  private isDead(state: S, wholeHistory = false): boolean {
    const { next, nodeOp, retOp, callNode, nearReturn, ops, others } = this;
    const mayBecomeLegal = this.model.mayBecomeLegal!;
    let pending = 0;
    let count = 0;
    let node = next[HEAD]!;
    for (; nodeOp[node]! >= 0; node = next[node]!) {
      const op = nodeOp[node]!;
      others[count++] = ops[op]!;
      if (nearReturn[op]) pending++;
    }
    // Node numbers follow time order, so "called within the window" is a comparison.
    const firstReturn = node;
    if (wholeHistory) pending = Infinity;
    for (; pending > 0 && node !== this.tailNode; node = next[node]!) {
      const op = nodeOp[node]!;
      if (op >= 0) {
        others[count++] = ops[op]!;
        continue;
      }
      const g = retOp[node]!;
      if (callNode[g]! < firstReturn && nearReturn[g]) pending--;
      if (!mayBecomeLegal(state, ops[g]!, others, count, wholeHistory)) return true;
    }
    return false;
  }

  /**
   * Pass 2: every other legal op is a branch, earliest return first (the likeliest to be next in
   * a linearizable history); unknown returns last, so the configurations without an unknown
   * operation are finished first and subsume those with it (memo.ts).
   */
  private branch(d: number, state: S): void {
    if (!this.twinsBuilt && this.steps >= (this.budget.twinSteps ?? TWIN_STEPS)) this.buildKnownTwins();
    const { next, nodeOp, readOnly, finite, model, twinClass, classStamp, knownTwin, twinBest, twinStamp, deadline } =
      this;
    const stamp = ++this.stamp;
    if (this.knownTwins) {
      for (let node = next[HEAD]!; nodeOp[node]! >= 0; node = next[node]!) {
        const op = nodeOp[node]!;
        const cls = knownTwin[op]!;
        if (cls < 0 || this.blocked[op]) continue;
        if (twinStamp[cls] !== stamp || deadline[op]! < deadline[twinBest[cls]!]!)
          (twinStamp[cls] = stamp), (twinBest[cls] = op);
      }
    }
    for (let node = next[HEAD]!; nodeOp[node]! >= 0; node = next[node]!) {
      const op = nodeOp[node]!;
      if (readOnly[op] || this.blocked[op]) continue;
      if (this.knownTwins && knownTwin[op]! >= 0 && twinBest[knownTwin[op]!] !== op) continue; // a twin returning first is in the window
      const cls = twinClass[op]!;
      if (cls >= 0) {
        if (classStamp[cls] === stamp) continue; // an earlier twin is in the window
        classStamp[cls] = stamp;
      }
      if (!this.tick()) return;
      const r = model.step(state, this.inputs[op] as I, this.outputs[op] as O);
      if (!r[0]) continue;
      // An unknown outcome that changes nothing here can as well happen at the end: no branch.
      if (!finite[op] && (r[1] === state || model.equal(r[1], state))) continue;
      this.pushByDeadline(d, op, r[1]);
    }
  }

  private buildKnownTwins(): void {
    this.twinsBuilt = true;
    const { n, ops } = this;
    const knownTwin = new Int32Array(n).fill(-1);
    let classes = 0;
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      if (!this.finite[i] || this.readOnly[i]) continue;
      const key = JSON.stringify([ops[i]!.input, ops[i]!.output], (_, v: unknown) =>
        typeof v === "bigint" ? `${v}n` : v,
      );
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    }
    for (const list of byKey.values()) {
      if (list.length < 2) continue;
      for (const i of list) knownTwin[i] = classes;
      classes++;
    }
    this.knownTwin = knownTwin;
    this.twinBest = new Int32Array(Math.max(1, classes));
    this.twinStamp = new Int32Array(Math.max(1, classes));
    this.knownTwins = classes > 0;
  }

  /** Counts one model step against the budget; false once it is spent (or onProgress says stop). */
  private tick(): boolean {
    if (this.outOfBudget) return false;
    if (this.steps >= this.budget.maxSteps || (++this.steps >= this.nextProgress && this.progressStop())) {
      this.outOfBudget = true;
      return false;
    }
    return true;
  }

  private progressStop(): boolean {
    this.nextProgress += this.budget.progressEvery;
    this.stopped = this.budget.onProgress!(this.budget.stepsBefore + this.steps);
    return this.stopped;
  }

  private push(op: number, s: S): void {
    if (this.top === this.arenaOps.length) {
      const grown = new Int32Array(this.arenaOps.length * 2);
      grown.set(this.arenaOps);
      this.arenaOps = grown;
    }
    this.arenaOps[this.top] = op;
    this.arenaStates[this.top] = s;
    this.top++;
  }

  /** Pushes into frame d keeping it sorted by deadline (insertion: the window is small); ties keep call order. */
  private pushByDeadline(d: number, op: number, s: S): void {
    this.push(op, s);
    const { arenaOps, arenaStates, deadline } = this;
    const key = deadline[op]!;
    const start = this.frameStart[d]!;
    let i = this.top - 1;
    while (i > start && deadline[arenaOps[i - 1]!]! > key) {
      arenaOps[i] = arenaOps[i - 1]!;
      arenaStates[i] = arenaStates[i - 1] as S;
      i--;
    }
    arenaOps[i] = op;
    arenaStates[i] = s;
  }

  private prefixSoFar(d: number): number[] {
    return this.best.length >= d ? toArray(this.best) : toArray(this.opAt, d);
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

/**
 * The operations with an unknown return that must have happened by a time (Model.precedence's
 * mustHappenBy) given that return: every legal linearization of the history is one of the result
 * and the other way round, and the search then orders them like any other (same indices).
 */
function withDeadlines<I, O>(
  ops: readonly Operation<I, O>[],
  by: readonly number[] | undefined,
): readonly Operation<I, O>[] {
  if (!by) return ops;
  let out: Operation<I, O>[] | undefined;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const t = by[i];
    if (op.return !== Infinity || t === undefined || !(t < Infinity) || t < op.call) continue;
    out ??= ops.slice();
    out[i] = { ...op, return: t };
  }
  return out ?? ops;
}

/**
 * Model.precedence's pairs as a successor list (pairs naming an unknown-return operation, or one
 * operation twice, are dropped), and whether they can all hold: no cycle, and each operation can
 * still take effect within its interval once its predecessors' calls and its successors' returns
 * bound it (a linearization gives each operation a point in its interval, in linearization order).
 */
function precedenceGraph<I, O>(
  ops: readonly Operation<I, O>[],
  pairs: readonly number[],
  finite: Int32Array,
): { start: Int32Array; succ: Int32Array; feasible: boolean } {
  const n = ops.length;
  const start = new Int32Array(n + 1);
  const usable = (a: number, b: number): boolean =>
    a !== b && a >= 0 && b >= 0 && a < n && b < n && finite[a] === 1 && finite[b] === 1;
  let m = 0;
  for (let k = 0; k + 1 < pairs.length; k += 2) if (usable(pairs[k]!, pairs[k + 1]!)) start[pairs[k]! + 1]!++, m++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const succ = new Int32Array(m);
  const fill = start.slice(0, n);
  const indegree = new Int32Array(n);
  for (let k = 0; k + 1 < pairs.length; k += 2) {
    const a = pairs[k]!;
    const b = pairs[k + 1]!;
    if (!usable(a, b)) continue;
    succ[fill[a]!++] = b;
    indegree[b]!++;
  }
  // Kahn's order; earliest points forward, latest points backward.
  const topo = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) if (indegree[i] === 0) topo[tail++] = i;
  while (head < tail) {
    const a = topo[head++]!;
    for (let k = start[a]!; k < start[a + 1]!; k++) if (--indegree[succ[k]!]! === 0) topo[tail++] = succ[k]!;
  }
  if (tail < n) return { start, succ, feasible: false };
  const earliest = new Float64Array(n);
  const latest = new Float64Array(n);
  for (let i = 0; i < n; i++) (earliest[i] = ops[i]!.call), (latest[i] = ops[i]!.return);
  for (let t = 0; t < n; t++) {
    const a = topo[t]!;
    for (let k = start[a]!; k < start[a + 1]!; k++) earliest[succ[k]!] = Math.max(earliest[succ[k]!]!, earliest[a]!);
  }
  for (let t = n - 1; t >= 0; t--) {
    const a = topo[t]!;
    for (let k = start[a]!; k < start[a + 1]!; k++) latest[a] = Math.min(latest[a]!, latest[succ[k]!]!);
    if (earliest[a]! > latest[a]!) return { start, succ, feasible: false };
  }
  return { start, succ, feasible: true };
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
