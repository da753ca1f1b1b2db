// Code probes of the MVCC store and watch hub (core/probes.ts): the rare paths a sweep should reach.
import type { ProbeCatalog } from "../probes.ts";

export const MVCC_PROBES = {
  "mvcc.watch-batch-split": {
    what: "a watcher's catch-up was cut after watchBatchMaxRevs whole revisions; the rest follows in the next response",
    required: true,
  },
  "mvcc.watch-batch-kept-revision-whole": {
    what: "a catch-up batch cut at the revision limit carried a revision with several events whole",
    required: true,
  },
  "mvcc.watch-compacted-cancel": {
    what: "a watcher whose next revision was compacted was canceled with compact_revision",
    required: true,
  },
  "mvcc.range-limit-more": { what: "a range hit its limit and answered more = true", required: true },
  "mvcc.txn-compare-failed": {
    what: "a Txn's compare failed and its failure branch ran (a CAS conflict)",
    required: true,
  },
  "mvcc.txn-too-many-ops": { what: "a Txn had more operations than --max-txn-ops and was rejected", required: true },
  "mvcc.lease-revoked-with-keys": {
    what: "a lease revoked (or expired) while keys were attached: its keys deleted in one revision",
    required: true,
  },
  "mvcc.watch-prev-kv-compacted-before-send": {
    what: "a watch event's prev_kv was compacted between the event and its send loop (it went out without prev_kv)",
  },
  "mvcc.range-at-compacted-revision": { what: "a range asked for a revision below the compaction and was refused" },
} as const satisfies ProbeCatalog;
