// The fast path of the etcd linearizability check: guess the linearization the cluster actually
// took and check it, instead of searching.
//
// Every known response carries the header revision the store had right after it, so a history
// from a correct cluster nearly orders itself: the write that created revision h, then the reads
// at h (in call order), then the write that created h+1... Operations that create no revision and
// are not reads at one (lease grants, keep-alives, definite errors) and serializable reads float: they
// go after everything that returned before they were called (a grant, after the revision its header
// shows: it applied there), or later where they are legal. Unknown
// outcomes are placed only where one must have taken effect: a revision no known write created (a
// gap before a response that shows a later one), or a state change without a revision (an unknown
// compaction, a lease) that the next known response needs; the rest go at the end, where "it never
// happened" is the same as "it happened last" (the model contract, types.ts).
//
// A gap's filler is chosen by what follows: a candidate must not contradict the first later
// response showing a key it wrote or deleted (that key's modRevision, or createRevision, from then
// on is at least the gap's revision), should fit the operations pinned right after the gap, and
// among misfits the one the following revisions replay furthest with goes first. A lease found gone
// (a definite "lease not found") may have its expiry placed on the next unclaimed revision, and while
// it holds keys its expiry ranks first among equally good fillers of a gap: it must take one of them.
//
// A lease a later known response shows alive (a put attached to it, a revoke of it) does not expire
// before that response's revision. When a pinned operation is illegal at its revision and the backtracks
// from the latest gap have run out, the guess revises the gap to blame instead (backjumping): the latest
// whose filler wrote a key the operation reads or writes, or, for a read showing a key written more
// often than the guess wrote it, the latest gap between its creation and its last write lacking one.
//
// The guess is built one model step at a time from the initial state, so every operation in it is
// legal where it stands; at the end the order is checked against real time (witness.ts). A
// complete, real-time-respecting order is a linearization: the history is linearizable, whatever
// the search would have explored. Anything else (an operation that fits nowhere nearby, a budget
// overrun, a real-time violation) gives up and returns undefined: the search then runs as before,
// so illegal verdicts and their evidence come from the search alone.

import type { EtcdRequest, EtcdResponse, KeyValue, RequestOp, ResponseOp } from "../../../../core/mvcc/rpc.ts";
import { responseHeader } from "../../../../core/mvcc/rpc.ts";
import type { Model } from "../../types.ts";
import { respectsRealTimeOf } from "../../witness.ts";
import {
  leaseOf,
  type EtcdInput,
  type EtcdModelConfig,
  type EtcdModelOperation,
  type EtcdOutput,
  type EtcdState,
} from "./model.ts";
import { type KeySpan, keySpan, keySpansOf, keysShownOtherwise, spansOverlap, writeSpansOf } from "./key-spans.ts";
import { ArrayTable, type EtcdOperationTable } from "./operation-table.ts";
import { createsRevision } from "./prepare.ts";

/** Whether a request has a Range (nested Txns included) at an old revision: what it shows is not the store at its header. */
function readsOldRevision(r: EtcdRequest): boolean {
  return oldestRevisionRead(r) !== Number.POSITIVE_INFINITY;
}

/** The lowest revision a request's Ranges (nested Txns included) read at, if one reads an old revision; else Infinity. */
function oldestRevisionRead(r: EtcdRequest): number {
  let oldest = Number.POSITIVE_INFINITY;
  const read = (revision: number | undefined): void => {
    if ((revision ?? 0) > 0) oldest = Math.min(oldest, revision!);
  };
  const fromOps = (ops: readonly RequestOp[]): void => {
    for (const op of ops) {
      if ("requestRange" in op) read(op.requestRange.revision);
      else if ("requestTxn" in op) {
        fromOps(op.requestTxn.success);
        fromOps(op.requestTxn.failure);
      }
    }
  };
  if (r.kind === "range") read(r.range.revision);
  else if (r.kind === "txn") {
    fromOps(r.txn.success);
    fromOps(r.txn.failure);
  }
  return oldest;
}

/**
 * What responses showed of one key, as flat triples (revision seen at, modRevision, createRevision):
 * a long history shows each key hundreds of thousands of times, so no object per sighting.
 */
class Sightings {
  private flat: number[] = [];

  push(at: number, mod: number, create: number): void {
    this.flat.push(at, mod, create);
  }

  /** By the revision seen at, then modRevision (then as recorded). */
  sort(): void {
    const f = this.flat;
    const n = f.length / 3;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => f[3 * a]! - f[3 * b]! || f[3 * a + 1]! - f[3 * b + 1]! || a - b);
    const sorted: number[] = new Array(f.length);
    for (let i = 0; i < n; i++) {
      const j = order[i]!;
      sorted[3 * i] = f[3 * j]!;
      sorted[3 * i + 1] = f[3 * j + 1]!;
      sorted[3 * i + 2] = f[3 * j + 2]!;
    }
    this.flat = sorted;
  }

  /** The first sighting at revision r or later (after sort()). */
  firstFrom(r: number): { mod: number; create: number } | undefined {
    const f = this.flat;
    let lo = 0;
    let hi = f.length / 3;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (f[3 * mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return 3 * lo < f.length ? { mod: f[3 * lo + 1]!, create: f[3 * lo + 2]! } : undefined;
  }
}

/**
 * Sorts `items` (distinct non-negative indices) in place by `compare`, which must order them as
 * `key` then index wherever every key is an integer from 0 below 2^53 / (largest item rounded up
 * to a power of two): then as one number per item (key, then index, in the low bits) sorted
 * numerically, which needs no heap arrays (a comparator sort of a typed array copies it into two:
 * for a long history, megabytes the heap keeps until its next full collection); else by `compare`.
 * `scratch`, if at least as long as `items`, holds the numbers (one buffer for several sorts).
 */
export function sortIndices(
  items: Int32Array,
  key: (i: number) => number,
  compare: (a: number, b: number) => number,
  scratch?: Float64Array,
): Int32Array {
  const m = items.length;
  let largest = 0;
  for (let j = 0; j < m; j++) largest = Math.max(largest, items[j]!);
  let scale = 1;
  while (scale <= largest) scale *= 2;
  const limit = 2 ** 53 / scale;
  const packed = scratch !== undefined && scratch.length >= m ? scratch.subarray(0, m) : new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const i = items[j]!;
    const k = key(i);
    if (!(Number.isInteger(k) && k >= 0 && k < limit)) return items.sort(compare);
    packed[j] = k * scale + i;
  }
  packed.sort();
  for (let j = 0; j < m; j++) items[j] = packed[j]! % scale;
  return items;
}

/**
 * Operations grouped by a revision, each group in index order, as sorted columns: a long history
 * has a group for most revisions, and a Map of arrays would cost two objects per group.
 */
export class NeedIndex {
  static readonly EMPTY = new NeedIndex(new Float64Array(0), new Int32Array(1), new Int32Array(0));

  private constructor(
    /** The revisions that have a group, ascending. */
    private readonly revisions: Float64Array,
    /** Group g is ops[starts[g]] up to (not including) ops[starts[g + 1]]. */
    readonly starts: Int32Array,
    readonly ops: Int32Array,
  ) {}

  /**
   * Operations 0..n-1 by revisionOf(i) (undefined: in no group; asked a few times per operation, so
   * a cheap function of columns). `scratch`, if given, is sortIndices' (at least n long).
   */
  static of(n: number, revisionOf: (i: number) => number | undefined, scratch?: Float64Array): NeedIndex {
    // NaN is no revision a state has (it would also break the sort's order).
    const inGroup = (i: number): boolean => {
      const r = revisionOf(i);
      return r !== undefined && !Number.isNaN(r);
    };
    let m = 0;
    for (let i = 0; i < n; i++) if (inGroup(i)) m++;
    const ops = new Int32Array(m);
    m = 0;
    for (let i = 0; i < n; i++) if (inGroup(i)) ops[m++] = i;
    const revision = (i: number): number => revisionOf(i)!;
    sortIndices(ops, revision, (a, b) => revision(a) - revision(b) || a - b, scratch);
    let groups = 0;
    for (let j = 0; j < m; j++) if (j === 0 || revision(ops[j]!) !== revision(ops[j - 1]!)) groups++;
    const revisions = new Float64Array(groups);
    const starts = new Int32Array(groups + 1);
    let g = -1;
    for (let j = 0; j < m; j++) {
      const r = revision(ops[j]!);
      if (g < 0 || r !== revisions[g]) {
        revisions[++g] = r;
        starts[g] = j;
      }
    }
    starts[groups] = m;
    return new NeedIndex(revisions, starts, ops);
  }

  /** The group of revision r, or -1 if it has none. */
  find(r: number): number {
    const { revisions } = this;
    let lo = 0;
    let hi = revisions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (revisions[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo < revisions.length && revisions[lo] === r ? lo : -1;
  }
}

function leaseHoldsKeys(state: EtcdState, lease: number): boolean {
  for (const kv of state.kvs.values()) if (kv.lease === lease) return true;
  return false;
}

export interface EtcdWitness {
  /** A linearization: indices into the operations, every one once. */
  order: number[];
  /** Model steps taken building it (rejected trials included). */
  steps: number;
}

/** How far ahead in the guessed order a floating operation may be pulled to unblock the current one. */
const PULL_AHEAD = 64;

/**
 * How hard one guess tries: gap choices revised at most `backtracks` times per dead end before it gives
 * up (a dead end further on than any before starts a new count: a long history meets many, each local),
 * `triesPerGap` fillers tried at one gap per dead end before the backtrack moves to the gap before it (a
 * gap with hundreds of candidates, as a long outage leaves, would otherwise take every backtrack while
 * the wrong choice lay one gap earlier), and `stepsPerOperation` model steps per operation at most (a
 * good guess takes about one).
 */
export interface Effort {
  backtracks: number;
  triesPerGap: number;
  stepsPerOperation: number;
}

/**
 * The guesses tried in turn until one linearizes the history. Nearly every history is guessed by the
 * first; a long chaotic one may need a deeper search for the wrong choice behind a dead end, and which
 * depth finds it varies (of ten 30- to 120-second histories every guess of the first failed on, the
 * later ones decided eight, no single one more than five). Each costs a few model steps per operation,
 * little next to the search that follows a failed guess (which alone reports progress to
 * CheckOptions.onProgress), and an illegal history, which no guess linearizes, pays them all.
 */
export const EFFORTS: readonly Effort[] = [
  { backtracks: 64, triesPerGap: 4, stepsPerOperation: 8 },
  { backtracks: 1024, triesPerGap: 4, stepsPerOperation: 32 },
  { backtracks: 1024, triesPerGap: 8, stepsPerOperation: 32 },
  { backtracks: 4096, triesPerGap: 16, stepsPerOperation: 64 },
];

/** The guesses of EFFORTS in turn, within `maxSteps` model steps in all: the first that succeeds, else the last. */
function guessWithEfforts(
  model: Model<EtcdState, EtcdInput, EtcdOutput>,
  table: EtcdOperationTable,
  config: EtcdModelConfig,
  maxSteps: number,
  efforts: readonly Effort[],
): { witness: EtcdWitness | undefined; failure: string | undefined } {
  let used = 0;
  let failure: string | undefined;
  for (const effort of efforts) {
    const budget = Math.min(maxSteps - used, effort.stepsPerOperation * table.length + 10_000);
    if (budget <= 0) break;
    const g = new Guess(model, table, config, budget, effort);
    const witness = g.run();
    used += g.stepsTaken;
    if (witness) return { witness: { order: witness.order, steps: used }, failure: undefined };
    failure = g.failure ?? "unknown";
  }
  return { witness: undefined, failure };
}

/** A revision gap filled by an unknown outcome: enough to undo it and try the next candidate. */
interface Choice {
  k: number;
  orderLength: number;
  state: EtcdState;
  deferred: number[];
  /** The pinned operation the gap was filled for. */
  x: number;
  /** The candidates scanned so far (gapCandidates' order), and the legal ones not yet tried, best first. */
  scanned: number;
  ranked: Filler[];
  /** The fillers tried at this gap since the gap before it was last filled (see backtrack). */
  tries: number;
}

/** A legal candidate for a revision gap, the state after it, and how far the history replays after it. */
interface Filler {
  u: number;
  next: EtcdState;
  /** Operations pinned right after the gap that are not legal after this filler. */
  misses: number;
  reach: number;
  /** The expiry of a lease a later definite "lease not found" proves gone (see expiryOfGone). */
  proven: boolean;
}

/**
 * A gap's candidates are scanned until one fits every operation pinned right after it (as before
 * ranking: more would trade a sure fit for a lookahead score, which did worse), or MAX_FILLERS are
 * legal; the legal ones that miss some are ranked by lookahead.
 */
const RANKED_FILLERS = 1;
const MAX_FILLERS = 16;

/** Revisions (and at most how many operations) replayed after a gap to rank its candidates. */
const LOOKAHEAD = 8;
const LOOKAHEAD_OPS = 128;

/** Candidates for a gap tried at a time (a backtrack to the gap tries the next ones). */
const GAP_SCAN = 64;

/** Gap choices kept for revision: older ones are final (their dead ends would lie far behind). */
const MAX_CHOICES = 256;

/** Where an operation goes in the guess. */
const PINNED = 0; // a known response with a header revision the model checks
const FLOATING = 1; // a known outcome that names no revision, or a serializable read
const UNKNOWN = 2; // an unknown outcome (or a lease expiry): placed only where needed

/**
 * A linearization of `ops` (prepared by prepareEtcdHistory, checked by `model`, built from
 * `config`), or undefined if the guess fails. Takes at most `maxSteps` model steps.
 */
export function guessEtcdLinearization(
  model: Model<EtcdState, EtcdInput, EtcdOutput>,
  ops: readonly EtcdModelOperation[] | EtcdOperationTable,
  config: EtcdModelConfig,
  maxSteps: number,
  efforts: readonly Effort[] = EFFORTS,
): EtcdWitness | undefined {
  return guessWithEfforts(model, tableOf(ops), config, maxSteps, efforts).witness;
}

function tableOf(ops: readonly EtcdModelOperation[] | EtcdOperationTable): EtcdOperationTable {
  return Array.isArray(ops) ? new ArrayTable(ops as readonly EtcdModelOperation[]) : (ops as EtcdOperationTable);
}

/** Why the guess failed (undefined if it succeeded): for tests and diagnostics. */
export function whyGuessFails(
  model: Model<EtcdState, EtcdInput, EtcdOutput>,
  ops: readonly EtcdModelOperation[] | EtcdOperationTable,
  config: EtcdModelConfig,
  maxSteps: number,
): string | undefined {
  return guessWithEfforts(model, tableOf(ops), config, maxSteps, EFFORTS).failure;
}

/** Whether a number is stored exactly in an Int32Array. */
const isInt32 = (x: number): boolean => (x | 0) === x && !Object.is(x, -0);

class Guess {
  private readonly n: number;
  private readonly place: Uint8Array;
  /**
   * The revision slot of a known operation: pinned ones at their header revision. 32-bit while
   * every header revision is a 32-bit integer (any history this simulator records: half the bytes
   * of a long one's column), else widened to doubles when one is not (classify).
   */
  private slot: Int32Array | Float64Array;
  /** 0: creates its slot's revision; 1: observes it (goes after the creator). */
  private readonly creates: Uint8Array;
  private readonly placed: Uint8Array;
  /** The guessed order so far: order[0] up to (not including) order[orderLength]. */
  private order: Int32Array;
  private orderLength = 0;
  private state: EtcdState;
  private steps = 0;
  private exhausted = false;
  private backtracks = 0;
  /** The furthest position in the known operations where the guess hit a dead end. */
  private furthestDeadEnd = -1;
  /** The known operations in guessed order, and the position of the next one to place. */
  private known: Int32Array = new Int32Array(0);
  private k = 0;
  /** Gap choices that can still be revised, latest last. */
  private readonly choices: Choice[] = [];
  /** What stopped the guess. */
  failure: string | undefined;
  /** A pinned operation that reached its revision and was not legal there (the latest dead end), or -1. */
  private illegal = -1;
  /** The gap choice to blame for the furthest dead end, if not the latest (see culprit), and where it stood. */
  private jump: { at: number; choice: Choice } | undefined;
  /** Whether the furthest dead end's backtracks from the latest gap ran out: each dead end now revises its culprit. */
  private jumping = false;
  /** Floating operations that were not legal where the guess first put them. */
  private deferred: number[] = [];
  /** Unknown outcomes in call order, and those of them with a bounded return (their value was seen). */
  private pool: number[] = [];
  private bounded: number[] = [];
  /** The unbounded ones (in call order), and those of the pool that may help (mayHelp). */
  private unbounded: number[] = [];
  private helpers: number[] = [];
  /** Every bounded unknown outcome before this position is placed (a hint: reset on backtrack). */
  private boundedStart = 0;
  /** When the known write that created each revision was called, by revision. */
  private readonly creatorCalls = new Map<number, number>();
  /** Revokes that may have created their header revision, by that revision. */
  private readonly ambiguousRevokes = new Map<number, number[]>();
  /**
   * The expiry of each lease that a definite "lease not found" shows gone (and no known revoke ended),
   * by lease. While such a lease holds keys, its expiry must delete them, taking a revision no known
   * write claimed, before that response: a gap is where it can go. The ranking by what follows the gap
   * cannot see that: the evidence may come many revisions later, beyond what a backtrack revises (a
   * long run's leases expire in gaps that later ones crowd), so such an expiry is offered first.
   */
  private readonly expiryOfGone = new Map<number, number>();
  /** 1 at each of those expiries' indices (none made when there are none). */
  private provenExpiry: Uint8Array | undefined;
  /**
   * Every lease's expiries (one per lifetime), by lease: one whose lease holds keys is a candidate for any
   * gap, however long ago it was called. Its keys may vanish with no "not found" to show it (a read of the
   * range after the gap), and an unknown outcome called that long before the gap is beyond the scan.
   */
  private readonly expiriesOf = new Map<number, number[]>();
  /**
   * The highest revision at which a known response shows each lease alive (a put attached to it, a
   * revoke of it): its expiry cannot take a revision up to there. Only leases granted once (a lease ID
   * granted again has lifetimes a response does not tell apart).
   */
  private readonly aliveAt = new Map<number, number>();
  /**
   * What pinned responses showed of each key, by the revision they showed it at: the key's
   * modRevision there (reads at an old revision left out).
   */
  private readonly observed = new Map<string, Sightings>();
  /** Pinned operations by the revision the store must be at just before them. */
  private needing = NeedIndex.EMPTY;
  /** Call and return times by index (the table's columns). */
  private readonly calls: Float64Array;
  private readonly rets: Float64Array;

  constructor(
    private readonly model: Model<EtcdState, EtcdInput, EtcdOutput>,
    private readonly ops: EtcdOperationTable,
    private readonly config: EtcdModelConfig,
    private readonly maxSteps: number,
    private readonly effort: Effort,
  ) {
    const n = (this.n = ops.length);
    this.calls = ops.calls;
    this.rets = ops.returns;
    this.order = new Int32Array(n);
    this.place = new Uint8Array(n);
    this.slot = new Int32Array(n);
    this.creates = new Uint8Array(n);
    this.placed = new Uint8Array(n);
    this.state = model.init();
  }

  /** Model steps taken so far (rejected trials included). */
  get stepsTaken(): number {
    return this.steps;
  }

  run(): EtcdWitness | undefined {
    const known = (this.known = this.classify());
    for (;;) {
      if (this.exhausted) return this.fail("budget");
      const why = this.k < known.length ? this.advance() : this.finish();
      if (why === undefined) {
        if (this.k <= known.length) continue;
        const order: number[] = new Array(this.orderLength);
        for (let j = 0; j < this.orderLength; j++) order[j] = this.order[j]!;
        return { order, steps: this.steps };
      }
      // A dead end: take the next candidate at the latest gap, if one is left.
      // A dead end further on than any before is a new place to search: it gets its own backtracks.
      if (this.k > this.furthestDeadEnd) {
        this.furthestDeadEnd = this.k;
        this.backtracks = 0;
        this.jumping = false;
        this.jump = this.culprit();
      }
      const culprit = this.jumping ? this.culprit() : undefined;
      this.illegal = -1;
      if (culprit !== undefined) this.choices.length = culprit.at + 1;
      if (!this.backtrack() && !this.backjump()) return this.fail(this.exhausted ? "budget" : why);
    }
  }

  /** Places the next known operation in guessed order; a reason if it cannot be placed. */
  private advance(): string | undefined {
    const x = this.known[this.k]!;
    if (!this.placed[x]) {
      // What placeDue changes, to undo (it replaces the deferred list rather than change it).
      const { orderLength, state, deferred, boundedStart } = this;
      if (!this.placeDue(this.calls[x]!)) {
        // A floating operation waits with them: whatever they need may come at a later revision.
        if (this.place[x] === FLOATING) {
          this.deferred.push(x);
          this.k++;
          return undefined;
        }
        // One of them may need a revision before x that no known write made (a refusal that shows
        // the effect of an unknown write taking that gap): fill the gaps first, then place them.
        this.undo(orderLength, state, deferred, boundedStart);
        if (this.place[x] !== PINNED || !this.fillGapsBefore(x) || this.placed[x] || !this.placeDue(this.calls[x]!))
          return `due before op ${x}`;
      }
      if (this.place[x] === PINNED) {
        if (!this.placePinned(x)) {
          if (this.state.revision === this.slot[x]! - this.creates[x]!) this.illegal = x;
          return `pinned op ${x} at revision ${this.slot[x]} (state ${this.state.revision})`;
        }
      } else {
        const next = this.step(this.state, x);
        if (next) this.commit(x, next);
        else this.deferred.push(x);
      }
    }
    this.k++;
    return undefined;
  }

  /** The floating operations still waiting, then the unknown outcomes nothing needed (in call order). */
  private finish(): string | undefined {
    this.retryDeferred();
    for (const d of this.deferred)
      if (!this.placed[d] && !this.placeHereOrWithHelper(d)) return `deferred op ${d} left`;
    for (const u of this.pool) {
      if (this.placed[u]) continue;
      const next = this.step(this.state, u);
      if (!next) return `unknown op ${u} at the end`;
      this.commit(u, next);
    }
    if (!respectsRealTimeOf(this.calls, this.rets, this.placedOrder()))
      return `real time (${this.realTimeViolation()})`;
    this.k = this.known.length + 1;
    return undefined;
  }

  private fail(why: string): undefined {
    this.failure = why;
    return undefined;
  }

  /** Sorts the operations into pinned, floating and unknown; returns the known ones in guessed order. */
  private classify(): Int32Array {
    const { ops, n, creates, place, calls, rets: returns } = this;
    let slot = this.slot;
    // Header revisions by return time: an operation called after a response showing revision h
    // linearizes after revision h exists.
    // The operations showing a header revision, by index (not an object per operation: a long
    // history has hundreds of thousands), sorted by return time below. Until then, the slot of
    // each holds its header revision (and of a floating one without, -1).
    const shownAt = new Int32Array(n);
    /** The three sorts' numbers, one after another (see sortIndices). */
    const scratch = new Float64Array(n);
    let shownCount = 0;
    const gone = new Set<number>();
    const revoked = new Set<number>();
    /** The compactions that succeeded, by index, with their compact revisions (see orderCompactions). */
    const compactions = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const { input, output } = ops.at(i);
      if (input.kind === "request" && input.request.kind === "compact" && output.error === null && !output.unknown)
        compactions.set(i, input.request.compact.revision);
      if (input.kind === "expire" || output.unknown) {
        place[i] = UNKNOWN;
        if (input.kind === "expire") {
          const list = this.expiriesOf.get(input.lease);
          if (list) list.push(i);
          else this.expiriesOf.set(input.lease, [i]);
        }
        continue;
      }
      if (output.error === "lease-not-found") {
        const lease = leaseOf(input.request);
        if (lease !== undefined) gone.add(lease);
      }
      // A lease that a known revoke ended is not shown gone by expiry: a later "not found" of it came
      // after the revoke (it would have failed otherwise).
      if (input.request.kind === "leaseRevoke" && output.error === null) revoked.add(input.request.leaseRevoke.ID);
      const r = output.response;
      if (r !== null && output.error === null) {
        const alive =
          r.kind === "leaseRevoke" && input.request.kind === "leaseRevoke"
            ? input.request.leaseRevoke.ID
            : r.kind === "put" && input.request.kind === "put"
              ? (input.request.put.lease ?? 0)
              : 0;
        const h = alive !== 0 ? responseHeader(r).revision : 0;
        if (alive !== 0 && h > (this.aliveAt.get(alive) ?? 0)) this.aliveAt.set(alive, h);
      }
      if (r === null || r.kind === "leaseKeepAlive") {
        place[i] = FLOATING;
        slot[i] = -1;
        continue;
      }
      const h = responseHeader(r).revision;
      if (slot instanceof Int32Array && !isInt32(h)) slot = this.slot = Float64Array.from(slot);
      slot[i] = h;
      shownAt[shownCount++] = i;
      // A grant takes no revision but goes through Raft: its header is the store's revision where it
      // applied, so it floats from there on (and shows that revision to whatever is called after it),
      // rather than from the last revision returned before its call: a lease found gone meanwhile
      // may need the gap before that revision filled first. A keep-alive's header is only what the
      // leader had applied.
      if (r.kind === "leaseGrant") {
        place[i] = FLOATING;
        continue;
      }
      if (input.serializable) {
        place[i] = FLOATING;
        continue;
      }
      place[i] = PINNED;
      creates[i] = createsRevision(input.request, r) ? 1 : 0;
      if (creates[i]) this.creatorCalls.set(h, calls[i]!);
      this.observe(input.request, r, creates[i] ? h - 1 : h);
      // A revoke's response does not say whether it deleted keys: guessed to observe h, it may
      // also fill the gap before h if no known write created h.
      if (input.request.kind === "leaseRevoke" && h > 1 && !this.config.claimedRevisions.has(h)) {
        const list = this.ambiguousRevokes.get(h);
        if (list) list.push(i);
        else this.ambiguousRevokes.set(h, [i]);
      }
    }
    for (const lease of gone) {
      // The lease's latest lifetime (a later grant of its ID brings another expiry).
      const e = this.expiriesOf.get(lease)?.at(-1);
      if (e === undefined || revoked.has(lease)) continue;
      this.expiryOfGone.set(lease, e);
      (this.provenExpiry ??= new Uint8Array(n))[e] = 1;
    }
    for (const list of this.observed.values()) list.sort();
    // By return time, ties in index order.
    const shown = sortIndices(
      shownAt.subarray(0, shownCount),
      (i) => returns[i]!,
      (a, b) => returns[a]! - returns[b]! || a - b,
      scratch,
    );
    // The running maxima of the shown revisions, in the sorts' buffer: free from the sort above
    // until NeedIndex.of below, by when revisionBefore is no longer asked.
    const maxRev = scratch.subarray(0, shownCount);
    let m = 0;
    for (let k = 0; k < shownCount; k++) {
      m = Math.max(m, slot[shown[k]!]!);
      maxRev[k] = m;
    }
    /** The highest revision a response that returned before t showed (0 if none). */
    const revisionBefore = (t: number): number => {
      let lo = 0;
      let hi = shownCount;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (returns[shown[mid]!]! < t) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? 0 : maxRev[lo - 1]!;
    };
    let knownCount = 0;
    for (let i = 0; i < n; i++) if (place[i] !== UNKNOWN) knownCount++;
    const known = new Int32Array(knownCount);
    knownCount = 0;
    for (let i = 0; i < n; i++) {
      if (place[i] === UNKNOWN) {
        this.pool.push(i);
        continue;
      }
      known[knownCount++] = i;
      if (place[i] === FLOATING) slot[i] = Math.max(slot[i]!, revisionBefore(calls[i]!));
    }
    this.needing = NeedIndex.of(n, (i) => (place[i] === PINNED ? slot[i]! - creates[i]! : undefined), scratch);
    // Creators first in their slot, then observers and floating operations by call time.
    // (In call order, a later index is never called earlier: then slot and creates decide, then the index.)
    const callOrdered = calls.every((c, i) => i === 0 || calls[i - 1]! <= c);
    sortIndices(
      known,
      (i) => (callOrdered && Number.isInteger(slot[i]) ? 2 * slot[i]! + 1 - creates[i]! : Number.NaN),
      (a, b) => slot[a]! - slot[b]! || creates[b]! - creates[a]! || calls[a]! - calls[b]! || a - b,
      scratch,
    );
    this.orderCompactions(known, compactions);
    this.pool.sort((a, b) => calls[a]! - calls[b]! || a - b);
    this.bounded = this.pool.filter((u) => returns[u] !== Infinity);
    this.unbounded = this.pool.filter((u) => returns[u] === Infinity);
    const compactedTo = new Set(compactions.values());
    this.helpers = this.pool.filter((u) => this.mayHelp(u, compactedTo));
    return known;
  }

  /**
   * Places the compactions that succeeded in one slot (a compaction changes no revision) among the
   * slot's other operations, which keep their order:
   * - in the order of their compact revisions: one to a lower revision after one to a higher would
   *   have been refused as compacted, so they happened lowest first, whichever was called first;
   * - each where its call put it, but after the reads the slot answered at a revision it removes,
   *   called before it returned (they came first: they would have been refused otherwise);
   * - within what real time allows: after every operation that returned before it was called,
   *   before every one called after it returned (a later compaction no earlier than a former).
   */
  private orderCompactions(known: Int32Array, compactions: ReadonlyMap<number, number>): void {
    if (compactions.size === 0) return;
    const { slot } = this;
    for (let start = 0; start < known.length; ) {
      let end = start + 1;
      while (end < known.length && slot[known[end]!] === slot[known[start]!]) end++;
      let first = start;
      while (first < end && !compactions.has(known[first]!)) first++;
      if (first < end && end - start > 1) this.placeCompactionsOfSlot(known, start, end, compactions);
      start = end;
    }
  }

  /** orderCompactions for the slot known[start] up to known[end], which holds a compaction. */
  private placeCompactionsOfSlot(
    known: Int32Array,
    start: number,
    end: number,
    compactions: ReadonlyMap<number, number>,
  ): void {
    const { calls, rets } = this;
    const pending: number[] = [];
    const others: number[] = [];
    for (let k = start; k < end; k++) (compactions.has(known[k]!) ? pending : others).push(known[k]!);
    pending.sort((a, b) => compactions.get(a)! - compactions.get(b)! || a - b);
    // The place of each compaction: before others[at] (others.length: after all of them).
    const at: number[] = [];
    let previous = others.length > 0 && this.creates[others[0]!] ? 1 : 0;
    for (const c of pending) {
      const revision = compactions.get(c)!;
      let place = 0;
      let earliest = previous;
      let latest = others.length;
      for (let j = 0; j < others.length; j++) {
        const o = others[j]!;
        if (calls[o]! < calls[c]!) place = j + 1;
        if (calls[o]! < rets[c]! && this.place[o] === PINNED && this.oldestRevisionReadBy(o) < revision)
          place = Math.max(place, j + 1);
        if (rets[o]! < calls[c]!) earliest = Math.max(earliest, j + 1);
        if (rets[c]! < calls[o]! && latest === others.length) latest = j;
      }
      previous = Math.max(earliest, Math.min(place, latest));
      at.push(previous);
    }
    let k = start;
    let p = 0;
    for (let j = 0; j <= others.length; j++) {
      while (p < pending.length && at[p] === j) known[k++] = pending[p++]!;
      if (j < others.length) known[k++] = others[j]!;
    }
  }

  /** The lowest revision operation i reads at (Infinity if none is old). */
  private oldestRevisionReadBy(i: number): number {
    const input = this.ops.at(i).input;
    return input.kind === "request" ? oldestRevisionRead(input.request) : Number.POSITIVE_INFINITY;
  }

  /**
   * Records the pairs a pinned response shows (ranges, prev kvs, nested Txns) as seen at revision
   * `at`: the header revision, or the one before it for a write (its reads and prev kvs saw the
   * store before it).
   */
  private observe(req: EtcdRequest, resp: EtcdResponse, at: number): void {
    if (readsOldRevision(req)) return;
    const see = (kv: KeyValue): void => {
      let list = this.observed.get(kv.key);
      if (!list) this.observed.set(kv.key, (list = new Sightings()));
      list.push(at, kv.modRevision, kv.createRevision);
    };
    const fromOps = (ops: readonly ResponseOp[]): void => {
      for (const op of ops) {
        if ("responseRange" in op) for (const kv of op.responseRange.kvs) see(kv);
        else if ("responsePut" in op) {
          if (op.responsePut.prevKv) see(op.responsePut.prevKv);
        } else if ("responseDeleteRange" in op) for (const kv of op.responseDeleteRange.prevKvs ?? []) see(kv);
        else fromOps(op.responseTxn.responses);
      }
    };
    if (resp.kind === "range") for (const kv of resp.range.kvs) see(kv);
    else if (resp.kind === "put" && resp.put.prevKv) see(resp.put.prevKv);
    else if (resp.kind === "deleteRange") for (const kv of resp.deleteRange.prevKvs ?? []) see(kv);
    else if (resp.kind === "txn") fromOps(resp.txn.responses);
  }

  /**
   * Whether a later response contradicts a gap filler that took the store from `from` to `to`:
   * a key it wrote or deleted at revision r has a modRevision of at least r from then on (and one
   * it created, a createRevision of at least r), so the first response that shows the key at r or
   * later must show that.
   */
  private contradicted(from: EtcdState, to: EtcdState): boolean {
    const r = to.revision;
    for (const kv of to.kvs.values()) {
      if (kv.modRevision !== r) continue;
      const seen = this.firstSeen(kv.key, r);
      if (seen !== undefined && (seen.mod < r || (seen.create < r && !from.kvs.has(kv.key)))) return true;
    }
    for (const key of from.kvs.keys()) {
      if (to.kvs.has(key)) continue;
      const seen = this.firstSeen(key, r);
      if (seen !== undefined && (seen.mod < r || seen.create < r)) return true;
    }
    return false;
  }

  /**
   * contradicted() without a model step, for a plain Put or single-key delete taking revision r:
   * the first response showing its key at r or later shows it modified before r.
   */
  private writesKeySeenUnchanged(u: number, r: number): boolean {
    const input = this.ops.at(u).input;
    if (input.kind !== "request") return false;
    const req = input.request;
    const key =
      req.kind === "put"
        ? req.put.key
        : req.kind === "deleteRange" && req.deleteRange.rangeEnd === undefined
          ? req.deleteRange.key
          : undefined;
    if (key === undefined) return false;
    const seen = this.firstSeen(key, r);
    return seen !== undefined && seen.mod < r;
  }

  /** The first response showing `key` at revision r or later (what it showed), if any. */
  private firstSeen(key: string, r: number): { mod: number; create: number } | undefined {
    return this.observed.get(key)?.firstFrom(r);
  }

  /** One model step from `from`, counted against the budget: the next state, or undefined if illegal. */
  private step(from: EtcdState, i: number): EtcdState | undefined {
    if (this.steps >= this.maxSteps) {
      this.exhausted = true;
      return undefined;
    }
    this.steps++;
    const op = this.ops.at(i);
    const [ok, next] = this.model.step(from, op.input, op.output);
    return ok ? next : undefined;
  }

  /** Appends operation i (legal in the current state, leading to `next`); then retries the deferred ones. */
  private commit(i: number, next: EtcdState, retry = true): void {
    const changed = retry && next !== this.state;
    if (this.orderLength === this.order.length) {
      const grown = new Int32Array(2 * this.order.length + 16);
      grown.set(this.order);
      this.order = grown;
    }
    this.order[this.orderLength++] = i;
    this.placed[i] = 1;
    this.state = next;
    if (changed && this.deferred.length > 0) this.retryDeferred();
  }

  /** Places every waiting floating operation that is legal now (in the order they were deferred). */
  private retryDeferred(): void {
    const waiting = this.deferred;
    this.deferred = [];
    const { rets, calls, placed } = this;
    // The two earliest returns among the waiting ones not yet placed: one that returned before
    // another was called must go first (placing the later one now would break real time; it waits).
    let first = -1;
    let second = -1;
    const earliest = (): void => {
      first = second = -1;
      for (const e of waiting) {
        if (placed[e]) continue;
        if (first < 0 || rets[e]! < rets[first]!) {
          second = first;
          first = e;
        } else if (second < 0 || rets[e]! < rets[second]!) second = e;
      }
    };
    earliest();
    for (const d of waiting) {
      if (placed[d]) continue;
      const before = first === d ? second : first;
      if (before >= 0 && rets[before]! < calls[d]!) {
        this.deferred.push(d);
        continue;
      }
      const next = this.step(this.state, d);
      if (next) {
        this.commit(d, next);
        earliest();
      } else this.deferred.push(d);
    }
  }

  /**
   * Operations that returned before time t must precede an operation called at t: places the
   * waiting floating ones and the unknown outcomes bounded by then (prepare.ts bounds an unknown
   * write whose value was seen). False if one is not legal here.
   */
  private placeDue(t: number): boolean {
    for (const d of this.deferred) {
      if (this.placed[d] || this.rets[d]! >= t) continue;
      if (!this.placeHereOrWithHelper(d)) return false;
    }
    const { bounded, placed } = this;
    while (this.boundedStart < bounded.length && placed[bounded[this.boundedStart]!]) this.boundedStart++;
    for (let j = this.boundedStart; j < bounded.length; j++) {
      const u = bounded[j]!;
      if (this.calls[u]! > t) break;
      if (placed[u] || this.rets[u]! >= t) continue;
      const next = this.step(this.state, u);
      if (!next) return false;
      this.commit(u, next);
    }
    return true;
  }

  /**
   * How many of the known operations pinned right after `state`'s revision (the reads at it, the
   * write that created the next one) are not legal there: a good candidate for a gap agrees with
   * what the responses at that revision showed.
   */
  private needersMissed(state: EtcdState, filler: number): number {
    let missed = 0;
    const { needing } = this;
    const g = needing.find(state.revision);
    if (g < 0) return 0;
    for (let j = needing.starts[g]!; j < needing.starts[g + 1]!; j++) {
      const y = needing.ops[j]!;
      if (y !== filler && !this.placed[y] && !this.step(state, y)) missed++;
    }
    return missed;
  }

  /** A pinned operation x at its revision: fills the revisions before it, then steps it. */
  private placePinned(x: number): boolean {
    if (!this.fillGapsBefore(x)) return false;
    if (this.placed[x]) return true; // an ambiguous revoke that filled the gap itself
    if (this.state.revision !== this.slot[x]! - this.creates[x]!) return false;
    const next = this.step(this.state, x);
    if (next) {
      this.commit(x, next);
      return true;
    }
    return this.placeWithHelper(x);
  }

  /** Fills the revisions before pinned operation x that no known write created (false if one cannot be). */
  private fillGapsBefore(x: number): boolean {
    const need = this.slot[x]! - this.creates[x]!;
    while (this.state.revision < need) {
      if (!this.fillGap(x, 0)) return false;
      if (this.placed[x]) return true; // an ambiguous revoke that filled the gap itself
    }
    return true;
  }

  /** Takes back what was placed since the guess had `orderLength` operations in that state. */
  private undo(orderLength: number, state: EtcdState, deferred: number[], boundedStart: number): void {
    for (let j = orderLength; j < this.orderLength; j++) this.placed[this.order[j]!] = 0;
    this.orderLength = orderLength;
    this.state = state;
    this.deferred = deferred;
    this.boundedStart = boundedStart;
  }

  /**
   * A revision no known write created, before pinned operation x: a revoke whose response showed
   * it (if it deleted keys) or an unknown outcome took it (the model refuses claimed revisions and
   * contents that contradict what responses showed of it). Tries the candidates from position
   * `from`; the choice is recorded so that a later dead end can revise it.
   */
  private fillGap(x: number, from: number, ranked: Filler[] = [], tries = 0): boolean {
    let scanned = from;
    if (ranked.length === 0) {
      // The first `scanned + GAP_SCAN` of them: a prefix of the same list whenever this gap is revisited.
      const candidates = this.gapCandidates(x, scanned + GAP_SCAN);
      // The legal candidates, best first: those the operations pinned right after the gap accept,
      // then by how far the history after the gap replays with each (a wrong filler shows up in
      // later reads of the keys it wrote, or should have). A needer may fail with the right filler
      // too (a lease grant it needs comes later), so a miss ranks a candidate down, not out.
      let perfect = 0;
      const batchEnd = scanned + GAP_SCAN;
      while (
        scanned < candidates.length &&
        scanned < batchEnd &&
        perfect < RANKED_FILLERS &&
        ranked.length < MAX_FILLERS
      ) {
        const u = candidates[scanned++]!;
        if (this.writesKeySeenUnchanged(u, this.state.revision + 1) || this.expiresTooEarly(u, this.state.revision + 1))
          continue;
        const next = this.step(this.state, u);
        if (!next || next.revision !== this.state.revision + 1 || this.contradicted(this.state, next)) continue;
        const misses = this.needersMissed(next, u);
        if (misses === 0) perfect++;
        ranked.push({ u, next, misses, reach: 0, proven: this.isProvenExpiry(u) });
      }
      // Stable: ties keep the candidates' order.
      ranked.sort((a, b) => a.misses - b.misses || Number(b.proven) - Number(a.proven));
      if (ranked.length > 1 && ranked[1]!.misses === ranked[0]!.misses && ranked[1]!.proven === ranked[0]!.proven) {
        for (const f of ranked) if (f.misses === ranked[0]!.misses) f.reach = this.lookahead(f.next, f.u);
        ranked.sort((a, b) => a.misses - b.misses || Number(b.proven) - Number(a.proven) || b.reach - a.reach);
      }
    }
    const best = ranked.shift();
    if (best === undefined) return false;
    this.choices.push({
      k: this.k,
      orderLength: this.orderLength,
      state: this.state,
      deferred: this.deferred.slice(),
      x,
      scanned,
      ranked,
      tries: tries + 1,
    });
    if (this.choices.length > MAX_CHOICES) this.choices.shift();
    this.commit(best.u, best.next);
    return true;
  }

  /**
   * The operations that may fill the revision after the current state before pinned operation x:
   * revokes whose response showed that revision, then unknown outcomes called before x returned,
   * those seen to take effect (a bounded return) first, then those called since the latest known
   * write in call order, then the earlier ones latest called first (see below).
   */
  private gapCandidates(x: number, limit: number): number[] {
    const { calls, placed, bounded, unbounded } = this;
    const deadline = this.rets[x]!;
    const candidates: number[] = [];
    for (const r of this.ambiguousRevokes.get(this.state.revision + 1) ?? [])
      if (!placed[r] && calls[r]! <= deadline) candidates.push(r);
    const provenFrom = candidates.length;
    if (this.expiryOfGone.size > 0)
      for (const kv of this.state.kvs.values()) {
        const e = kv.lease !== 0 ? this.expiryOfGone.get(kv.lease) : undefined;
        if (e !== undefined && !placed[e] && calls[e]! <= deadline && candidates.indexOf(e, provenFrom) < 0)
          candidates.push(e);
      }
    const proven = candidates.length > provenFrom;
    // The other expiries of leases that hold keys now (after the proven ones, before the scan).
    if (this.expiriesOf.size > 0)
      for (const kv of this.state.kvs.values()) {
        if (kv.lease === 0) continue;
        for (const e of this.expiriesOf.get(kv.lease) ?? [])
          if (!placed[e] && calls[e]! <= deadline && candidates.indexOf(e) < 0) candidates.push(e);
      }
    for (let j = this.boundedStart; j < bounded.length && candidates.length < limit; j++) {
      const u = bounded[j]!;
      if (calls[u]! > deadline) break;
      if (!placed[u] && !(proven && this.isProvenExpiry(u))) candidates.push(u);
    }
    // Those called after the known write that created the latest revision first, in call order:
    // requests held up together (an outage) were proposed in about the order they came. Then the
    // earlier ones, the latest called first: a request still in flight is likelier to have taken the
    // gap than one that timed out long ago.
    let since = Infinity;
    for (let r = this.state.revision; r > 0 && r > this.state.revision - GAP_SCAN; r--) {
      const t = this.creatorCalls.get(r);
      if (t !== undefined) {
        since = t;
        break;
      }
    }
    const firstAfter = (t: number): number => {
      let lo = 0;
      let hi = unbounded.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (calls[unbounded[mid]!]! <= t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const end = firstAfter(deadline);
    const start = Math.min(firstAfter(since), end);
    const take = (u: number) => {
      if (!placed[u] && !(proven && this.isProvenExpiry(u))) candidates.push(u);
    };
    for (let j = start; j < end && candidates.length < limit; j++) take(unbounded[j]!);
    for (let j = start - 1; j >= 0 && candidates.length < limit; j--) take(unbounded[j]!);
    return candidates;
  }

  /**
   * Whether unknown outcome u ends a lease (its expiry, or a revoke of it) that a known response shows
   * alive at revision r or later.
   */
  private expiresTooEarly(u: number, r: number): boolean {
    if (this.place[u] !== UNKNOWN) return false;
    const input = this.ops.at(u).input;
    const lease =
      input.kind === "expire"
        ? input.lease
        : input.request.kind === "leaseRevoke"
          ? input.request.leaseRevoke.ID
          : undefined;
    if (lease === undefined || (this.expiriesOf.get(lease)?.length ?? 0) !== 1) return false;
    return (this.aliveAt.get(lease) ?? 0) >= r;
  }

  /** Whether unknown outcome u is the expiry of a lease a definite "lease not found" shows gone. */
  private isProvenExpiry(u: number): boolean {
    return this.provenExpiry !== undefined && this.provenExpiry[u] === 1;
  }

  /**
   * How many of the known operations from the current one on replay legally after a gap filled by
   * `filler` (leading to `state`), in guessed order, for up to LOOKAHEAD revisions: stops at the
   * next gap or at a write that does not replay; a read or floating operation that does not is
   * skipped (it may need something the guess places later, as the real guess would).
   */
  private lookahead(state: EtcdState, filler: number): number {
    let s = state;
    let reach = 0;
    const last = state.revision + LOOKAHEAD;
    for (let j = this.k; j < this.known.length && j < this.k + LOOKAHEAD_OPS; j++) {
      const y = this.known[j]!;
      if (y === filler || this.placed[y]) continue;
      const pinned = this.place[y] === PINNED;
      if (pinned && this.slot[y]! - this.creates[y]! !== s.revision) return reach; // a gap (or a dead end)
      const after = this.step(s, y);
      if (!after) {
        if (pinned && this.creates[y]) return reach;
        continue;
      }
      reach++;
      s = after;
      if (s.revision > last) return reach;
    }
    return reach;
  }

  /**
   * A deferred operation that must be placed now: it may have become legal by itself (a helper
   * placed with an operation that changed nothing does not retry the deferred ones), else it needs
   * a helper.
   */
  private placeHereOrWithHelper(d: number): boolean {
    const next = this.step(this.state, d);
    if (next) {
      this.commit(d, next);
      return true;
    }
    return this.placeWithHelper(d);
  }

  /**
   * Operation x is not legal here: something that takes no revision must come first (an unknown
   * compaction or lease change, or a floating operation such as a lease grant or a definite error,
   * guessed later or deferred). Tries each such helper once, right before x.
   */
  private placeWithHelper(x: number): boolean {
    const deadline = this.rets[x]!;
    const helpers: number[] = [];
    for (const u of this.helpers) {
      if (this.calls[u]! > deadline) break;
      if (this.placed[u]) continue;
      // An expiry of a lease without keys changes nothing here (the model says so): no step.
      const input = this.ops.at(u).input;
      if (input.kind === "expire" && !leaseHoldsKeys(this.state, input.lease)) continue;
      helpers.push(u);
    }
    for (const d of this.deferred) if (d !== x && !this.placed[d]) helpers.push(d);
    for (let j = this.k + 1; j < this.known.length && j <= this.k + PULL_AHEAD; j++) {
      const f = this.known[j]!;
      if (f !== x && this.place[f] === FLOATING && !this.placed[f] && this.calls[f]! <= deadline) helpers.push(f);
    }
    this.lowestCompactionsFirst(helpers);
    for (const u of helpers) {
      const a = this.step(this.state, u);
      if (!a || a === this.state || (a.revision !== this.state.revision && !this.mayTakeNextRevision(u, a))) continue;
      if (a.revision !== this.state.revision && this.expiresTooEarly(u, a.revision)) continue;
      const b = this.step(a, x);
      if (!b) continue;
      this.commit(u, a, false);
      this.commit(x, b);
      return true;
    }
    return false;
  }

  /**
   * Puts the compactions among `helpers` in the order of their compact revisions, in the places
   * compactions held (the others keep theirs). When one must help (a later compaction found the
   * store compacted), the lowest that works is the one to take: it leaves every higher one possible
   * later, while a higher one would refuse a known compaction to a revision between the two (a long
   * run's history has such pairs: an unknown compaction, a later known one to a lower revision).
   */
  private lowestCompactionsFirst(helpers: number[]): void {
    const places: number[] = [];
    const revisions = new Map<number, number>();
    for (let j = 0; j < helpers.length; j++) {
      const input = this.ops.at(helpers[j]!).input;
      if (input.kind !== "request" || input.request.kind !== "compact") continue;
      places.push(j);
      revisions.set(helpers[j]!, input.request.compact.revision);
    }
    if (places.length < 2) return;
    const sorted = places.map((j) => helpers[j]!).sort((a, b) => revisions.get(a)! - revisions.get(b)! || a - b);
    for (let j = 0; j < places.length; j++) helpers[places[j]!] = sorted[j]!;
  }

  /**
   * Whether an unknown outcome may help an operation that is not legal here: one that changes the
   * state without taking a revision (a compaction, a lease grant or revoke), or a lease expiry
   * that deletes keys (see mayTakeNextRevision). A write creates a revision or changes nothing.
   */
  private mayHelp(u: number, compactedTo: ReadonlySet<number>): boolean {
    const input = this.ops.at(u).input;
    if (input.kind === "expire") return true;
    const kind = input.request.kind;
    // Of two compactions to one revision the second is refused: with one known to have succeeded,
    // an unknown one to the same revision never took effect (the client retried it, answered late).
    if (kind === "compact") return !compactedTo.has(input.request.compact.revision);
    return kind !== "put" && kind !== "deleteRange" && kind !== "txn" && kind !== "range";
  }

  /**
   * Whether unknown outcome u (a lease expiry, or a revoke) may take the revision after the
   * current one to help an operation (one that found the lease gone): only if no known write
   * created that revision (the model refused it otherwise), nothing pinned at the current one is
   * left to place, and no later response contradicts it.
   */
  private mayTakeNextRevision(u: number, next: EtcdState): boolean {
    if (this.place[u] !== UNKNOWN || next.revision !== this.state.revision + 1) return false;
    const { needing } = this;
    const g = needing.find(this.state.revision);
    if (g >= 0)
      for (let j = needing.starts[g]!; j < needing.starts[g + 1]!; j++) if (!this.placed[needing.ops[j]!]) return false;
    return !this.contradicted(this.state, next);
  }

  /** The operations placed so far, in guessed order (a view of `order`). */
  private placedOrder(): Int32Array {
    return this.order.subarray(0, this.orderLength);
  }

  /** The first operation placed after one that returned before it was called (for the failure message). */
  private realTimeViolation(): string {
    const { calls, rets } = this;
    const order = this.placedOrder();
    let earliest = -1; // position of the earliest return among the operations after position a
    for (let a = order.length - 1; a >= 0; a--) {
      const i = order[a]!;
      if (earliest >= 0 && rets[order[earliest]!]! < calls[i]!)
        return `op ${order[earliest]} returned before op ${order[a]} was called`;
      if (earliest < 0 || rets[i]! < rets[order[earliest]!]!) earliest = a;
    }
    return "order incomplete";
  }

  /**
   * The gap choice to blame for the latest dead end, if an earlier one than the latest. A pinned
   * operation that reached its revision and was illegal there is illegal because of what the store
   * held in the keys it reads or writes: the latest filler that wrote one of them is the likeliest
   * wrong one, however many gaps were filled after it (an unknown compactor Txn guessed into an early
   * gap of an outage fails a compare 40 revisions on, and revising the later gaps spent every
   * backtrack on fillers of other keys). It is only the likeliest: a later gap may be missing a write
   * of the key instead, so it is revised once the later gaps have had their backtracks (backjump).
   */
  private culprit(): { at: number; choice: Choice } | undefined {
    const x = this.illegal;
    if (x < 0) return undefined;
    const missing = this.missingWrite(x);
    if (missing >= 0)
      return missing < this.choices.length - 1 ? { at: missing, choice: this.choices[missing]! } : undefined;
    const spans = this.blamed(x);
    if (spans === undefined) return undefined;
    for (let j = this.choices.length - 1; j >= 0; j--) {
      const c = this.choices[j]!;
      if (c.orderLength >= this.orderLength) continue;
      const wrote = this.fillerWrites(c);
      if (wrote === undefined || spansOverlap(spans, wrote))
        return j < this.choices.length - 1 ? { at: j, choice: c } : undefined;
    }
    return undefined;
  }

  /** What the filler of gap choice c may write (undefined: any key, as a lease's end may); c must still stand. */
  private fillerWrites(c: Choice): KeySpan[] | undefined {
    const filler = this.ops.at(this.order[c.orderLength]!).input;
    return filler.kind === "request" ? writeSpansOf(filler.request) : undefined;
  }

  /**
   * Once the backtracks from the latest gap ran out at the furthest dead end: revises that dead end's
   * culprit, if the gaps up to it still stand as they did there (those backtracks revised nothing
   * before it), with backtracks of its own; from then on each dead end short of a further one revises
   * its own culprit (a wrong filler guessed into one gap moves to the next one, called later, and is
   * moved on again). Once per furthest dead end.
   */
  private backjump(): boolean {
    const jump = this.jump;
    this.jump = undefined;
    if (jump === undefined || this.exhausted || this.choices[jump.at] !== jump.choice) return false;
    this.choices.length = jump.at + 1;
    this.backtracks = 0;
    this.jumping = true;
    return this.backtrack();
  }

  /**
   * Where a read shows a key written more often than the guess wrote it between the two revisions
   * both agree on (its createRevision and modRevision; a higher version): the latest gap between them
   * whose filler did not write the key, which is where a write of it is missing (the latest filler that
   * did write it is right). -1 if the read shows no such key or no such gap.
   */
  private missingWrite(x: number): number {
    const { input, output } = this.ops.at(x);
    const resp = output.response;
    if (input.kind !== "request" || input.request.kind !== "range" || resp?.kind !== "range") return -1;
    if ((input.request.range.revision ?? 0) > 0) return -1;
    for (const kv of resp.range.kvs) {
      const held = this.state.kvs.get(kv.key);
      if (!held || held.createRevision !== kv.createRevision || held.modRevision !== kv.modRevision) continue;
      if (held.version >= kv.version) continue;
      const key = [keySpan(kv.key)];
      for (let j = this.choices.length - 1; j >= 0; j--) {
        const c = this.choices[j]!;
        const r = c.state.revision + 1;
        if (r >= kv.modRevision) continue;
        if (r <= kv.createRevision || c.orderLength >= this.orderLength) break;
        const wrote = this.fillerWrites(c);
        if (wrote !== undefined && !spansOverlap(key, wrote)) return j;
      }
    }
    return -1;
  }

  /**
   * The keys pinned operation x can be illegal for: those a listing of the store showed otherwise than
   * the guessed state holds them (a listing of a whole prefix reads every filler's key), else every key
   * it reads or writes; undefined if leases or compactions may be to blame.
   */
  private blamed(x: number): KeySpan[] | undefined {
    const { input, output } = this.ops.at(x);
    if (input.kind !== "request") return undefined;
    const req = input.request;
    const resp = output.response;
    if (req.kind === "range" && resp?.kind === "range") {
      const otherwise = keysShownOtherwise(this.state.kvs, req.range, resp.range);
      if (otherwise !== undefined && otherwise.length > 0) return otherwise;
    }
    return keySpansOf(req);
  }

  /** Undoes everything since the latest gap choice and fills that gap with its next candidate. */
  private backtrack(): boolean {
    while (this.choices.length > 0 && this.backtracks < this.effort.backtracks && !this.exhausted) {
      this.backtracks++;
      const c = this.choices.pop()!;
      this.undo(c.orderLength, c.state, c.deferred, 0);
      this.k = c.k;
      // This gap had its tries: undo it too, and revise the one before (its own next choice refills it).
      if (c.tries >= this.effort.triesPerGap) continue;
      if (this.fillGap(c.x, c.scanned, c.ranked, c.tries)) return true;
    }
    return false;
  }
}
