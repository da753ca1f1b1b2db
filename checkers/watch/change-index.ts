// The ground truth indexed for the watch checker: by revision (a window of a range watch is a slice
// of the revision list) and by key (a point watch reads only its key's changes), with each change's
// prior state (the key at revision − 1) resolved once, in one pass.
import type { Event, KeyValue } from "../../core/mvcc/rpc.ts";
import type { RevisionChanges } from "./types.ts";
import type { WatchSelector } from "./selector.ts";

/** Bad checker input (not a finding about the system): callers report it as unusable input. */
export class WatchInputError extends Error {
  override readonly name = "WatchInputError";
}

/** The key's state at revision − 1, as far as the ground truth tells. */
export type PriorState =
  | { kind: "absent" }
  | { kind: "present"; kv: KeyValue }
  | { kind: "existed" } // it existed, its pair is unknown
  | { kind: "unknown" };

export interface TruthEvent {
  revision: number;
  event: Event;
  prior: PriorState;
  /** For a PUT: whether it began a new generation; undefined when the truth cannot tell. */
  isCreate: boolean | undefined;
  /** How many changes of its key and type came before it in its revision (0 but under a from-key delete). */
  nth: number;
}

const SMALL_REVISION = 8; // a revision with at most this many events is searched linearly

// The prior states that carry no pair, one frozen object each (one per event otherwise; never mutated).
const ABSENT: PriorState = Object.freeze({ kind: "absent" });
const EXISTED: PriorState = Object.freeze({ kind: "existed" });
const UNKNOWN: PriorState = Object.freeze({ kind: "unknown" });

/** Where event j of the i-th revision appended (revision rev) is, for an error message. */
function eventAt(i: number, rev: number, j: number): string {
  return `changes[${i}] (revision ${rev}) event ${j}`;
}

export class ChangeIndex {
  /** Ascending: the revisions still kept (all of them unless `prune` dropped the oldest). */
  readonly revisions: number[] = [];
  lastRevision = 0;
  /** Every revision appended, pruned ones included. */
  revisionCount = 0;
  eventCount = 0;
  /** Revisions below this were pruned: a lookup there sets `touchedPruned` (see prune). */
  keptFrom = 0;
  touchedPruned = false;
  private readonly byRevision = new Map<number, TruthEvent[]>();
  private readonly keyMaps = new Map<number, Map<string, TruthEvent>>();
  private readonly byKey = new Map<string, TruthEvent[]>();
  /** Each key's state after the last appended revision (for the prior state of its next change). */
  private readonly latest = new Map<string, PriorState>();

  constructor(
    changes: readonly RevisionChanges[],
    private readonly partial: boolean,
  ) {
    for (const change of changes) this.append(change);
  }

  /** One more committed revision, above every one before (throws WatchInputError otherwise). */
  append(change: RevisionChanges): void {
    const i = this.revisionCount;
    const rev = change.revision;
    const previous = this.lastRevision;
    if (!Number.isSafeInteger(rev) || rev < 1)
      throw new WatchInputError(`changes[${i}]: revision ${rev} is not a positive integer`);
    if (rev <= previous)
      throw new WatchInputError(`changes[${i}]: revision ${rev} does not follow revision ${previous}`);
    this.lastRevision = rev;
    const latest = this.latest;
    const partial = this.partial;
    const events = change.events;
    // The first event of each key seen so far in this revision: a map only for a large one (most have
    // one event, and a small one scans its earlier events instead).
    const seen = events.length > SMALL_REVISION ? new Map<string, number>() : undefined;
    // map, not push onto []: the list is sized to the revision's events (most revisions have one).
    const truths = events.map((event, j): TruthEvent => {
      // The position is named (eventAt) only in an error: a string per event otherwise.
      if (event.type !== "PUT" && event.type !== "DELETE")
        throw new WatchInputError(`${eventAt(i, rev, j)}: unknown type ${String(event.type)}`);
      if (typeof event.kv?.key !== "string") throw new WatchInputError(`${eventAt(i, rev, j)}: kv.key missing`);
      if (event.kv.modRevision !== rev)
        throw new WatchInputError(`${eventAt(i, rev, j)}: kv.modRevision ${event.kv.modRevision} is not the revision`);
      const key = event.kv.key;
      const first = seen !== undefined ? seen.get(key) : firstOf(events, j, key);
      // Every prior state is the key's at revision − 1 (etcd reads prev_kv there): `latest` takes this
      // revision's changes only after all of them.
      const before = partial ? undefined : latest.get(key);
      let truth: TruthEvent;
      if (first === undefined) {
        seen?.set(key, j);
        const prior = priorOf(event, before);
        truth = {
          revision: rev,
          event,
          prior,
          isCreate: event.type === "PUT" ? isCreateOf(event.kv, prior) : undefined,
          nth: 0,
        };
      } else truth = repeatedChange(events, first, j, rev, before, eventAt(i, rev, j));
      let list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, (list = []));
      list.push(truth);
      return truth;
    });
    for (const event of events)
      latest.set(event.kv.key, event.type === "PUT" ? { kind: "present", kv: event.kv } : ABSENT);
    this.revisions.push(rev);
    this.byRevision.set(rev, truths);
    this.revisionCount++;
    this.eventCount += truths.length;
  }

  /**
   * Drops the revisions below `from` (a checker that judges streams as they end keeps only what an
   * unjudged stream can still ask for). The prior states stay exact: they were resolved on append.
   * A later lookup below `from` cannot be answered; it sets `touchedPruned` so the caller can say so
   * rather than judge on missing truth.
   */
  prune(from: number): void {
    if (from <= this.keptFrom) return;
    this.keptFrom = from;
    const n = lowerBound(this.revisions, from, (r) => r);
    if (n === 0) return;
    const dropped = new Map<string, number>();
    for (const rev of this.revisions.slice(0, n)) {
      for (const t of this.byRevision.get(rev) ?? []) {
        const key = t.event.kv.key;
        dropped.set(key, (dropped.get(key) ?? 0) + 1);
      }
      this.byRevision.delete(rev);
      this.keyMaps.delete(rev);
    }
    this.revisions.splice(0, n);
    // Each key's list is ascending: its pruned changes are its first ones.
    for (const [key, count] of dropped) {
      const list = this.byKey.get(key) as TruthEvent[];
      if (count >= list.length) this.byKey.delete(key);
      else list.splice(0, count);
    }
  }

  /**
   * The committed change of `key` at `revision` of the given type, the `nth` such (0: the first; a key
   * changes more than once in one revision only under a from-key delete, see repeatedChange); without a
   * type, the key's first change there.
   */
  at(revision: number, key: string, type?: Event["type"], nth = 0): TruthEvent | undefined {
    if (revision < this.keptFrom) this.touchedPruned = true;
    const truths = this.byRevision.get(revision);
    if (truths === undefined) return undefined;
    let t: TruthEvent | undefined;
    if (truths.length <= SMALL_REVISION) t = truths.find((x) => x.event.kv.key === key);
    else {
      let map = this.keyMaps.get(revision);
      if (map === undefined) {
        map = new Map();
        for (const x of truths) if (!map.has(x.event.kv.key)) map.set(x.event.kv.key, x);
        this.keyMaps.set(revision, map);
      }
      t = map.get(key);
    }
    if (t === undefined || type === undefined || (t.event.type === type && nth === 0)) return t;
    return truths.find((x) => x.event.kv.key === key && x.event.type === type && x.nth === nth);
  }

  /** The changes in revisions [lo, hi] the selector matches: ascending, transaction order within a revision. */
  matching(selector: WatchSelector, lo: number, hi: number): TruthEvent[] {
    const out: TruthEvent[] = [];
    if (lo > hi) return out;
    if (lo < this.keptFrom) this.touchedPruned = true;
    if (selector.range.kind === "point") {
      const list = this.byKey.get(selector.range.key) ?? [];
      for (let i = lowerBound(list, lo, (t) => t.revision); i < list.length; i++) {
        const t = list[i] as TruthEvent;
        if (t.revision > hi) break;
        if (selector.passesFilters(t.event)) out.push(t);
      }
      return out;
    }
    for (let i = lowerBound(this.revisions, lo, (r) => r); i < this.revisions.length; i++) {
      const rev = this.revisions[i] as number;
      if (rev > hi) break;
      for (const t of this.byRevision.get(rev) ?? []) if (selector.matches(t.event)) out.push(t);
    }
    return out;
  }
}

/** The index of the first of events[0, j) — all checked already: each has a string key — that changes `key`. */
function firstOf(events: readonly Event[], j: number, key: string): number | undefined {
  for (let k = 0; k < j; k++) if (events[k]!.kv.key === key) return k;
  return undefined;
}

/**
 * A key's second or third change in one revision. etcd refuses a Txn that puts a key twice, or puts one
 * under a delete of the same branch, but its duplicate check reads a delete to the end of the keyspace
 * (range end "\0", clientv3's WithFromKey) as an empty interval: such a Txn may delete a key and put it
 * again, or put it and then delete it, all in one revision. A delete of an absent key changes nothing, so
 * a key's changes there alternate, with one PUT at most. Its prior state is still the one at revision − 1
 * (which the key's first change there tells when the truth does not); a PUT after its DELETE re-creates it (a create event).
 */
function repeatedChange(
  events: readonly Event[],
  first: number,
  j: number,
  rev: number,
  before: PriorState | undefined,
  where: string,
): TruthEvent {
  const event = events[j]!;
  const key = event.kv.key;
  let previous = events[first]!;
  let nth = 0;
  for (let k = first; k < j; k++) {
    const e = events[k]!;
    if (e.kv.key !== key) continue;
    if (e.type === "PUT" && event.type === "PUT")
      throw new WatchInputError(`${where}: key ${JSON.stringify(key)} put twice in one revision`);
    if (e.type === event.type) nth++;
    previous = e;
  }
  if (previous.type === "DELETE" && event.type === "DELETE")
    throw new WatchInputError(`${where}: key ${JSON.stringify(key)} deleted twice in a row in one revision`);
  // The PUT is a create event, which carries no prev_kv whatever the key held at revision − 1.
  if (event.type === "PUT") return { revision: rev, event, prior: ABSENT, isCreate: true, nth };
  return {
    revision: rev,
    event,
    prior: priorOf(event, before ?? stateBefore(events[first]!)),
    isCreate: undefined,
    nth,
  };
}

/** A key's state at revision − 1 as its first change in the revision tells it. */
function stateBefore(first: Event): PriorState {
  if (first.type === "DELETE") return EXISTED;
  if (first.kv.createRevision === 0) return UNKNOWN;
  return first.kv.createRevision === first.kv.modRevision ? ABSENT : EXISTED;
}

function priorOf(event: Event, latest: PriorState | undefined): PriorState {
  if (event.prevKv !== undefined) return { kind: "present", kv: event.prevKv };
  if (event.type === "PUT" && event.kv.createRevision === event.kv.modRevision) return ABSENT;
  if (latest !== undefined) return latest;
  // A delete always removed something; a PUT with a known, earlier createRevision overwrote something.
  if (event.type === "DELETE" || event.kv.createRevision > 0) return EXISTED;
  return UNKNOWN;
}

function isCreateOf(kv: KeyValue, prior: PriorState): boolean | undefined {
  if (kv.createRevision > 0) return kv.createRevision === kv.modRevision;
  // createRevision 0 on a PUT: unknown (partial truth); the prior state may still tell.
  if (prior.kind === "absent") return true;
  if (prior.kind === "present" || prior.kind === "existed") return false;
  return undefined;
}

/** The first index whose value is >= target, in a list ascending by `of`. */
export function lowerBound<T>(list: readonly T[], target: number, of: (x: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (of(list[mid] as T) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
