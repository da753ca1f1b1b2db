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
}

const SMALL_REVISION = 8; // a revision with at most this many events is searched linearly

// The prior states that carry no pair, one frozen object each (one per event otherwise; never mutated).
const ABSENT: PriorState = Object.freeze({ kind: "absent" });
const EXISTED: PriorState = Object.freeze({ kind: "existed" });
const UNKNOWN: PriorState = Object.freeze({ kind: "unknown" });

export class ChangeIndex {
  /** Ascending. */
  readonly revisions: number[] = [];
  readonly lastRevision: number;
  eventCount = 0;
  private readonly byRevision = new Map<number, TruthEvent[]>();
  private readonly keyMaps = new Map<number, Map<string, TruthEvent>>();
  private readonly byKey = new Map<string, TruthEvent[]>();

  constructor(changes: readonly RevisionChanges[], partial: boolean) {
    const latest = new Map<string, PriorState>();
    let previous = 0;
    changes.forEach((change, i) => {
      const rev = change.revision;
      if (!Number.isSafeInteger(rev) || rev < 1)
        throw new WatchInputError(`changes[${i}]: revision ${rev} is not a positive integer`);
      if (rev <= previous)
        throw new WatchInputError(`changes[${i}]: revision ${rev} does not follow revision ${previous}`);
      previous = rev;
      const seen = new Set<string>();
      // map, not push onto []: the list is sized to the revision's events (most revisions have one).
      const truths = change.events.map((event, j): TruthEvent => {
        const where = `changes[${i}] (revision ${rev}) event ${j}`;
        if (event.type !== "PUT" && event.type !== "DELETE")
          throw new WatchInputError(`${where}: unknown type ${String(event.type)}`);
        if (typeof event.kv?.key !== "string") throw new WatchInputError(`${where}: kv.key missing`);
        if (event.kv.modRevision !== rev)
          throw new WatchInputError(`${where}: kv.modRevision ${event.kv.modRevision} is not the revision`);
        if (seen.has(event.kv.key))
          throw new WatchInputError(`${where}: key ${JSON.stringify(event.kv.key)} changed twice in one revision`);
        seen.add(event.kv.key);
        const prior = priorOf(event, partial ? undefined : latest.get(event.kv.key));
        const truth: TruthEvent = {
          revision: rev,
          event,
          prior,
          isCreate: event.type === "PUT" ? isCreateOf(event.kv, prior) : undefined,
        };
        latest.set(event.kv.key, event.type === "PUT" ? { kind: "present", kv: event.kv } : ABSENT);
        let list = this.byKey.get(event.kv.key);
        if (list === undefined) this.byKey.set(event.kv.key, (list = []));
        list.push(truth);
        return truth;
      });
      this.revisions.push(rev);
      this.byRevision.set(rev, truths);
      this.eventCount += truths.length;
    });
    this.lastRevision = previous;
  }

  /** The committed change of `key` at `revision`, if any. */
  at(revision: number, key: string): TruthEvent | undefined {
    const truths = this.byRevision.get(revision);
    if (truths === undefined) return undefined;
    if (truths.length <= SMALL_REVISION) return truths.find((t) => t.event.kv.key === key);
    let map = this.keyMaps.get(revision);
    if (map === undefined) {
      map = new Map(truths.map((t) => [t.event.kv.key, t]));
      this.keyMaps.set(revision, map);
    }
    return map.get(key);
  }

  /** The changes in revisions [lo, hi] the selector matches: ascending, transaction order within a revision. */
  matching(selector: WatchSelector, lo: number, hi: number): TruthEvent[] {
    const out: TruthEvent[] = [];
    if (lo > hi) return out;
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
