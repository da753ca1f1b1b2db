// What etcd's applierV3backend.Range does after the index read: revision filters, sorting, the
// limit and `more`, keys_only. Kept apart from the store so its rules read in one place.
import type { KeyValue, RangeRequest, SortTarget } from "./rpc.ts";

/**
 * The limit etcd asks the index for: everything when sorting or filtering (sort order given
 * explicitly, or any min/max filter), else limit + 1 to learn `more`. Note the quirk this
 * reproduces: a sort_target other than KEY with sort_order NONE still sorts (ascending), but only
 * the first limit + 1 keys in key order, since the index read was already cut.
 */
export function indexLimit(req: RangeRequest): number {
  const limit = req.limit ?? 0;
  if ((req.sortOrder ?? "NONE") !== "NONE" || hasRevisionFilters(req)) return 0;
  return limit > 0 ? limit + 1 : 0;
}

function hasRevisionFilters(req: RangeRequest): boolean {
  return (
    (req.minModRevision ?? 0) !== 0 ||
    (req.maxModRevision ?? 0) !== 0 ||
    (req.minCreateRevision ?? 0) !== 0 ||
    (req.maxCreateRevision ?? 0) !== 0
  );
}

/** Applies filters, sort, limit and keys_only to the pairs read from the index (in key order). Returns `more`. */
export function finishRange(kvs: KeyValue[], req: RangeRequest): { kvs: KeyValue[]; more: boolean } {
  let out = kvs;
  if (hasRevisionFilters(req)) {
    const maxMod = req.maxModRevision ?? 0;
    const minMod = req.minModRevision ?? 0;
    const maxCreate = req.maxCreateRevision ?? 0;
    const minCreate = req.minCreateRevision ?? 0;
    out = out.filter(
      (kv) =>
        !(maxMod !== 0 && kv.modRevision > maxMod) &&
        !(minMod !== 0 && kv.modRevision < minMod) &&
        !(maxCreate !== 0 && kv.createRevision > maxCreate) &&
        !(minCreate !== 0 && kv.createRevision < minCreate),
    );
  }
  const target = req.sortTarget ?? "KEY";
  let order = req.sortOrder ?? "NONE";
  // The index returns keys ascending, so etcd sorts by default only for a target other than KEY.
  if (target !== "KEY" && order === "NONE") order = "ASCEND";
  if (order !== "NONE" && out.length > 1) {
    const cmp = comparator(target);
    // A stable sort: ties keep key order in both directions, as Go's insertion sort does for the
    // <= 12 elements etcd's pdqsort sorts that way. Larger results with ties may order differently
    // from etcd (pdqsort is not stable there).
    out.sort(order === "ASCEND" ? cmp : (a, b) => cmp(b, a));
  }
  const limit = req.limit ?? 0;
  let more = false;
  if (limit > 0 && out.length > limit) {
    out.length = limit;
    more = true;
  }
  if (req.keysOnly === true) for (const kv of out) kv.value = "";
  return { kvs: out, more };
}

function comparator(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case "KEY":
      return (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    case "VERSION":
      return (a, b) => a.version - b.version;
    case "CREATE":
      return (a, b) => a.createRevision - b.createRevision;
    case "MOD":
      return (a, b) => a.modRevision - b.modRevision;
    case "VALUE":
      return (a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
  }
}
