// The window check: between the first revision a watch vouches for (its start revision, or for a
// "from now" watch its first observation) and the last (its highest event or progress notification),
// every committed change it matches must have been delivered.
import type { WatchRecord } from "../history.ts";
import type { ChangeIndex, TruthEvent } from "./change-index.ts";
import type { WatchReporter } from "./reporter.ts";
import type { WatchSelector } from "./selector.ts";
import { startRevisionOf, type StreamSummary } from "./stream.ts";

export function checkWindow(
  index: ChangeIndex,
  rep: WatchReporter,
  record: WatchRecord,
  selector: WatchSelector,
  summary: StreamSummary,
): void {
  const start = startRevisionOf(record);
  const lo = start > 0 ? start : summary.firstObserved;
  const hi = summary.lastObserved;
  if (lo === undefined || hi === undefined || lo > hi) return;

  const expected = index.matching(selector, lo, hi);
  let i = 0;
  while (i < expected.length) {
    const rev = (expected[i] as TruthEvent).revision;
    const missing: TruthEvent[] = [];
    const got = summary.delivered.get(rev);
    for (; i < expected.length && (expected[i] as TruthEvent).revision === rev; i++) {
      const t = expected[i] as TruthEvent;
      if (got === undefined || !got.has(t.event.kv.key, t.event.type, t.nth)) missing.push(t);
    }
    if (missing.length === 0) continue;
    const what = describeEvents(missing);
    const first = summary.firstEventRevision;
    if (got !== undefined) {
      rep.violate("atomic", rev, `revision ${rev} was delivered without ${what}`);
    } else if (start > 0 && first !== undefined && rev < first) {
      rep.violate(
        "resumable",
        rev,
        `the watch from revision ${start} skipped ${what}; its first event is at revision ${first}`,
      );
    } else {
      rep.violate("reliable", rev, `missed ${what} (the stream vouches for revisions ${lo}..${hi})`);
    }
  }
}

function describeEvents(ts: readonly TruthEvent[]): string {
  const shown = ts.slice(0, 3).map((t) => `${t.event.type} ${JSON.stringify(t.event.kv.key)}`);
  return shown.join(", ") + (ts.length > 3 ? ` and ${ts.length - 3} more` : "");
}
