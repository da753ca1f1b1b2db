// One key's retained changes, oldest first: etcd's keyIndex (generations of revisions) and the
// backend's revision-keyed values in one array. A tombstone (version 0) ends a generation; the next
// put starts a new one at version 1 with a new createRevision.
import { assert } from "../assert.ts";
import type { Event, KeyValue } from "./rpc.ts";

/** One change of one key. Immutable once written. */
export class Change {
  constructor(
    /** The revision of the transaction (etcd's revision.main). */
    readonly main: number,
    /** Position in the transaction (etcd's revision.sub). */
    readonly sub: number,
    /** 0 for a tombstone. */
    readonly createRevision: number,
    /** 0 for a tombstone. */
    readonly version: number,
    readonly value: string,
    readonly lease: number,
  ) {}

  get isTombstone(): boolean {
    return this.version === 0;
  }
}

/** The KeyValue a client sees for a change: a tombstone shows only its key and modRevision (etcd's DELETE event kv). */
export function toKeyValue(key: string, c: Change): KeyValue {
  return {
    key,
    createRevision: c.createRevision,
    modRevision: c.main,
    version: c.version,
    value: c.value,
    lease: c.lease,
  };
}

/** The watch event a committed change produces (without prev_kv). */
export function changeEvent(key: string, c: Change): Event {
  return c.version === 0
    ? { type: "DELETE", kv: { key, createRevision: 0, modRevision: c.main, version: 0, value: "", lease: 0 } }
    : { type: "PUT", kv: toKeyValue(key, c) };
}

export class KeyHistory {
  readonly changes: Change[] = [];

  constructor(readonly key: string) {}

  /** The newest change, tombstone or not. */
  last(): Change | undefined {
    const n = this.changes.length;
    return n > 0 ? this.changes[n - 1] : undefined;
  }

  /** The live pair at the store's newest state, or undefined if deleted/absent. */
  latest(): Change | undefined {
    // Guarded: reading index -1 of an empty array leaves V8's fast path (a keyed lookup up the prototype chain).
    const n = this.changes.length;
    const c = n > 0 ? this.changes[n - 1]! : undefined;
    return c === undefined || c.version === 0 ? undefined : c;
  }

  /** The live pair as of revision rev (the newest change with main <= rev), or undefined. */
  at(rev: number): Change | undefined {
    const cs = this.changes;
    let i = cs.length - 1;
    if (i < 0) return undefined;
    if ((cs[i] as Change).main > rev) {
      // Binary search for the last change with main <= rev.
      let lo = 0;
      let hi = i;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cs[mid] as Change).main <= rev) lo = mid + 1;
        else hi = mid;
      }
      i = lo - 1;
      if (i < 0) return undefined;
    }
    const c = cs[i] as Change;
    return c.version === 0 ? undefined : c;
  }

  append(c: Change): void {
    const n = this.changes.length;
    const prev = n > 0 ? this.changes[n - 1]! : undefined;
    // Checked inline first: this is the hot path of every write, and a message closure would allocate.
    if (!(prev === undefined || c.main > prev.main || (c.main === prev.main && c.sub > prev.sub))) {
      assert(
        false,
        `key ${JSON.stringify(this.key)}: change (${c.main},${c.sub}) is not after (${prev.main},${prev.sub})`,
      );
    }
    assert(c.version === 0 || c.createRevision <= c.main, "createRevision <= modRevision");
    this.changes.push(c);
  }

  /**
   * etcd's keyIndex.compact(rev): keep the newest change <= rev and everything after it; drop that
   * newest one too if it is a tombstone. Changes made exactly at rev are all kept, tombstones
   * included: they are history a watch resuming at rev is owed (the fix of etcd #17529/#18089), and
   * a read at rev or later sees the key as deleted either way. Returns whether anything remains.
   */
  compact(rev: number, dropRecreated = false): boolean {
    const cs = this.changes;
    // The index of the newest change with main <= rev.
    let lo = 0;
    let hi = cs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cs[mid] as Change).main <= rev) lo = mid + 1;
      else hi = mid;
    }
    let keepFrom = lo - 1;
    if (keepFrom < 0) return cs.length > 0;
    const newest = cs[keepFrom] as Change;
    if (newest.main === rev) {
      // Keep every change of the compact revision itself.
      while (keepFrom > 0 && (cs[keepFrom - 1] as Change).main === rev) keepFrom--;
    } else if (newest.version === 0) {
      keepFrom++;
    }
    if (keepFrom > 0) cs.splice(0, keepFrom);
    if (dropRecreated) dropRecreatedAt(cs, rev);
    return cs.length > 0;
  }
}

/**
 * MUTANT mvcc-compact-drops-recreated-key (etcd #22376): the changes a Txn made at the compact revision
 * after deleting the key there (its re-created generation) are lost, as a member restarted after etcd's
 * compaction deleted their backend rows has them.
 */
function dropRecreatedAt(cs: Change[], rev: number): void {
  const tomb = cs.findIndex((c) => c.main === rev && c.version === 0);
  if (tomb < 0) return;
  let end = tomb + 1;
  while (end < cs.length && (cs[end] as Change).main === rev) end++;
  if (end > tomb + 1) cs.splice(tomb + 1, end - tomb - 1);
}
