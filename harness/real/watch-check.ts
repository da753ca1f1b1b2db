// The watch check of a real run. Its inputs are the real cluster's own output (the truth watch's events,
// or, when that has a gap, the writes the clients saw acknowledged), so input the checker cannot read —
// a key put twice in one revision, revisions out of order — is etcd breaking its rules: the watch
// check fails and names it, and the rest of the run's verdicts still stand.
import type { EtcdOperation, WatchRecord } from "../../checkers/history.ts";
import type { CheckOf } from "../../checkers/types.ts";
import {
  changesFromApplied,
  changesFromClientHistory,
  checkWatches,
  judgedAsSystemOutput,
} from "../../checkers/watch/index.ts";
import type { AppliedChange, CompactionRecord } from "../../checkers/watch/index.ts";

export interface RealWatchInput {
  watches: WatchRecord[];
  truth: { readonly complete: boolean; readonly applied: readonly AppliedChange[]; readonly gaps: readonly string[] };
  operations: readonly EtcdOperation[];
  compactions: CompactionRecord[];
}

export function realWatchCheck({ watches, truth, operations, compactions }: RealWatchInput): CheckOf<"watch"> {
  const watch = judgedAsSystemOutput(() =>
    truth.complete
      ? checkWatches({ watches: watches, changes: changesFromApplied(truth.applied), compactions: compactions })
      : checkWatches(
          { watches: watches, changes: changesFromClientHistory(operations), compactions: compactions },
          { partialChanges: true },
        ),
  );
  return truth.complete ? watch : { ...watch, message: `${watch.message} (partial truth: ${truth.gaps[0]})` };
}
