// Which events a watch asks for: its key range (as a Range request names it) and its filters.
import type { Event, WatchCreateRequest } from "../../core/mvcc/rpc.ts";

/**
 * etcd orders keys as bytes (UTF-8); JavaScript compares UTF-16 code units, which differ only where
 * a surrogate pair meets U+E000–U+FFFF. Shifting those two blocks gives code point (= UTF-8) order.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

export type KeyRange =
  | { kind: "point"; key: string }
  | { kind: "from"; key: string } // rangeEnd "\0": every key >= key
  | { kind: "range"; key: string; rangeEnd: string }; // [key, rangeEnd)

export function keyRangeOf(key: string, rangeEnd?: string): KeyRange {
  // An empty range_end is proto's default: a point watch.
  if (rangeEnd === undefined || rangeEnd === "") return { kind: "point", key };
  if (rangeEnd === "\0") return { kind: "from", key };
  return { kind: "range", key, rangeEnd };
}

export function inKeyRange(range: KeyRange, key: string): boolean {
  switch (range.kind) {
    case "point":
      return key === range.key;
    case "from":
      return compareKeys(key, range.key) >= 0;
    case "range":
      return compareKeys(key, range.key) >= 0 && compareKeys(key, range.rangeEnd) < 0;
  }
}

export interface WatchSelector {
  range: KeyRange;
  noPut: boolean;
  noDelete: boolean;
  /** In range and not filtered out: the watch must deliver this event. */
  matches(event: Event): boolean;
  passesFilters(event: Event): boolean;
}

export function selectorOf(request: WatchCreateRequest): WatchSelector {
  const range = keyRangeOf(request.key, request.rangeEnd);
  const filters = request.filters ?? [];
  const noPut = filters.includes("NOPUT");
  const noDelete = filters.includes("NODELETE");
  const passesFilters = (e: Event): boolean => (e.type === "PUT" ? !noPut : !noDelete);
  return {
    range,
    noPut,
    noDelete,
    passesFilters,
    matches: (e) => passesFilters(e) && inKeyRange(range, e.kv.key),
  };
}

/** How a violation names the watched keys: "key \"/a\"", "keys >= \"/a\"", "range [\"/a\", \"/b\")". */
export function describeRange(range: KeyRange): string {
  switch (range.kind) {
    case "point":
      return `key ${JSON.stringify(range.key)}`;
    case "from":
      return `keys >= ${JSON.stringify(range.key)}`;
    case "range":
      return `range [${JSON.stringify(range.key)}, ${JSON.stringify(range.rangeEnd)})`;
  }
}
