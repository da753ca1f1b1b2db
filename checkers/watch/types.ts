// The watch checker's input and evidence types. The ground truth is the committed history of
// changes, revision by revision; every watch stream a client recorded is judged against it.
import type { Event } from "../../core/mvcc/rpc.ts";
import type { WatchRecord } from "../history.ts";

/**
 * One committed revision's changes, in transaction order. Each event carries its full kv (a DELETE:
 * the key with modRevision = revision, other fields zero) and, for a delete or an overwrite, prevKv:
 * the key's pair at revision − 1. A PUT without prevKv is a create.
 */
export interface RevisionChanges {
  revision: number;
  events: Event[];
}

/** A compaction that took effect. `time` is when it was requested (virtual µs): no member can have compacted earlier. */
export interface CompactionRecord {
  revision: number;
  time: number;
}

export interface CheckWatchesInput {
  watches: WatchRecord[];
  /** Every committed revision's changes, ascending (see RevisionChanges). */
  changes: RevisionChanges[];
  /** Every compaction that took effect; absent = none. */
  compactions?: CompactionRecord[];
}

export interface CheckWatchesOptions {
  /**
   * The changes are known to be incomplete or inexact (e.g. derived from a client history by
   * `changesFromClientHistory`): events missing from them are accepted, createRevision/version 0
   * mean unknown, leases are not compared and a key's prior state comes only from prevKv.
   */
  partialChanges?: boolean;
  /** The last committed revision; default: the last revision in `changes` (or 1, a fresh store). */
  currentRevision?: number;
  /** Stop collecting after this many violations (the verdict is already "fail"). Default 1000. */
  maxViolations?: number;
}

/** The guarantee a violation breaks; the first six are etcd's documented watch guarantees. */
export type WatchGuarantee =
  | "ordered" // revisions never decrease along a stream
  | "unique" // no change delivered twice (an event is its revision, key, type and place among its key's changes there)
  | "atomic" // all matching events of a revision arrive together, in one response
  | "bookmarkable" // no event at or below a progress notification's revision, none of them below the start revision
  | "resumable" // a watch from R starts with the first matching event >= R
  | "reliable" // no gaps between the first and last observed revision
  | "key-range" // every event is inside the watched key range
  | "filter" // NOPUT / NODELETE respected
  | "committed" // every event equals the committed change at its revision and key
  | "is-create" // a PUT is a create (createRevision == modRevision) iff the key was absent before
  | "prev-kv" // prevKv is the pair at revision − 1 when requested (omitted only if compacted), absent otherwise
  | "canceled"; // a compaction cancel only below the compact revision; nothing after a cancel; an empty range refused at creation

export interface WatchViolation {
  guarantee: WatchGuarantee;
  /** Index of the watch in `input.watches`. */
  watch: number;
  client: number;
  watchId: number;
  member: string;
  key: string;
  rangeEnd?: string;
  revision: number;
  /** Index into the watch's `responses`, when one response is at fault. */
  response?: number;
  /** The event's key, when one event is at fault. */
  eventKey?: string;
  /** One line: the watch, the revision, the guarantee and what was seen versus expected. */
  message: string;
}

export interface WatchEvidence {
  violations: WatchViolation[];
  /** All violations found (collection stops at maxViolations). */
  violationCount: number;
  watches: number;
  events: number;
  revisions: number;
  /**
   * Watches judged as they ended (checkers/watch/online.ts) whose records were not kept (the run's
   * history.watches holds the others, the first ones); absent when every record was kept.
   */
  unkeptWatches?: number;
}
