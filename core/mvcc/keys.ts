// Key ranges as etcd reads them, and an ordered set of keys that stays cheap to insert into.
//
// Keys are JS strings compared with `<` (UTF-16 code units). That equals etcd's byte order (UTF-8)
// for every key without astral-plane characters; the simulation and the differential tests use
// ASCII keys.

/**
 * A normalized range end: `undefined` = the single key; `null` = every key >= key (etcd's "\0",
 * which mkGteRange turns into an empty, unbounded end); otherwise the exclusive end.
 */
export type RangeEnd = string | null | undefined;

/** etcd's mkGteRange plus "absent or empty means a point". */
export function normalizeRangeEnd(rangeEnd: string | undefined): RangeEnd {
  if (rangeEnd === undefined || rangeEnd === "") return undefined;
  if (rangeEnd === "\0") return null;
  return rangeEnd;
}

export function inRange(k: string, key: string, end: RangeEnd): boolean {
  if (end === undefined) return k === key;
  return k >= key && (end === null || k < end);
}

/** The range end that selects every key with this prefix (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  // Every character is the maximum: no upper bound, i.e. "every key >= prefix".
  return "\0";
}

/**
 * The keys of the index in ascending order. New keys go to an unsorted buffer and are merged on the
 * next ordered read, so a put of a fresh key is O(1) and a run of fresh keys costs one sort.
 */
export class SortedKeys {
  private sorted: string[] = [];
  private pending: string[] = [];

  get size(): number {
    return this.sorted.length + this.pending.length;
  }

  add(key: string): void {
    const n = this.sorted.length;
    // Keys written in ascending order (the common case for generated names) append directly.
    if (this.pending.length === 0 && (n === 0 || (this.sorted[n - 1] as string) < key)) this.sorted.push(key);
    else this.pending.push(key);
  }

  /** Keeps only the keys for which keep() is true (used after a compaction removes keys). */
  retain(keep: (key: string) => boolean): void {
    this.flush();
    this.sorted = this.sorted.filter(keep);
  }

  /** Calls fn for each key in [key, end) in ascending order until fn returns false. */
  forEachInRange(key: string, end: string | null, fn: (k: string) => boolean | void): void {
    this.flush();
    const keys = this.sorted;
    for (let i = lowerBound(keys, key); i < keys.length; i++) {
      const k = keys[i] as string;
      if (end !== null && k >= end) return;
      if (fn(k) === false) return;
    }
  }

  all(): readonly string[] {
    this.flush();
    return this.sorted;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const add = this.pending.sort();
    this.pending = [];
    const old = this.sorted;
    const out: string[] = new Array(old.length + add.length);
    let i = 0;
    let j = 0;
    let o = 0;
    while (i < old.length && j < add.length) {
      const a = old[i] as string;
      const b = add[j] as string;
      if (a < b) {
        out[o++] = a;
        i++;
      } else {
        out[o++] = b;
        j++;
      }
    }
    while (i < old.length) out[o++] = old[i++] as string;
    while (j < add.length) out[o++] = add[j++] as string;
    this.sorted = out;
  }
}

/** The first index whose key is >= key. */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
