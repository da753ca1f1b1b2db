// The watch checker: etcd's watch guarantees verified against the committed history of changes.
export { checkWatches, WATCH_CHECK_NAME } from "./check.ts";
export {
  AppliedReplay,
  changesFromApplied,
  changesFromClientHistory,
  compactionsFromClientHistory,
  deletedKv,
} from "./derive.ts";
export type { AppliedChange } from "./derive.ts";
export { WatchInputError } from "./change-index.ts";
export { OnlineWatchChecker } from "./online.ts";
export { judgedAsSystemOutput } from "./system-output.ts";
export type { OnlineWatchOptions } from "./online.ts";
export { compareKeys, inKeyRange, keyRangeOf, selectorOf } from "./selector.ts";
export type { KeyRange, WatchSelector } from "./selector.ts";
export { isProgressNotify } from "./stream.ts";
export type {
  CheckWatchesInput,
  CheckWatchesOptions,
  CompactionRecord,
  RevisionChanges,
  WatchEvidence,
  WatchGuarantee,
  WatchViolation,
} from "./types.ts";
