// checkWatches: every recorded watch stream against the committed history of changes. The rules are
// etcd's watch API guarantees, as etcd's robustness tests validate them (tests/robustness/validate/
// watch.go), judged here against the ground truth rather than against other watches.
// Cost: the changes are indexed once; each watch costs its stream plus the changes in its window.
import type { WatchRecord } from "../history.ts";
import type { CheckOf } from "../types.ts";
import { ChangeIndex } from "./change-index.ts";
import { CompactionTimeline } from "./compactions.ts";
import { ViolationSink, WatchReporter } from "./reporter.ts";
import { selectorOf, type WatchSelector } from "./selector.ts";
import { checkStream, type StreamContext } from "./stream.ts";
import type { CheckWatchesInput, CheckWatchesOptions, WatchEvidence } from "./types.ts";
import { checkWindow } from "./window.ts";

export const WATCH_CHECK_NAME = "watch";

/** Throws WatchInputError on malformed input (changes out of order, an event not at its revision…). */
export function checkWatches(input: CheckWatchesInput, opts: CheckWatchesOptions = {}): CheckOf<"watch"> {
  const partial = opts.partialChanges === true;
  const index = new ChangeIndex(input.changes, partial);
  const compactions = new CompactionTimeline(input.compactions);
  const ctx: StreamContext = {
    index,
    partial,
    currentRevision: opts.currentRevision ?? Math.max(1, index.lastRevision),
  };
  const sink = new ViolationSink(opts.maxViolations ?? 1000);
  let events = 0;
  const failedWatches = new Set<number>();

  input.watches.forEach((record, w) => {
    if (sink.full) return;
    const selector = selectorOf(record.request);
    const rep = new WatchReporter(w, record, selector.range, compactions);
    events += checkOneWatch(ctx, rep, record, selector);
    const before = sink.count;
    rep.flush(sink);
    if (sink.count > before) failedWatches.add(w);
  });
  return watchResult(sink, failedWatches, input.watches.length, events, index.revisionCount);
}

/** One watch stream: the checks along it, then its window. Returns how many events it checked. */
export function checkOneWatch(
  ctx: StreamContext,
  rep: WatchReporter,
  record: WatchRecord,
  selector: WatchSelector,
): number {
  const summary = checkStream(ctx, rep, record, selector);
  checkWindow(ctx.index, rep, record, selector, summary);
  return summary.events;
}

/** The verdict over every watch checked (the watches' violations are in `sink`, in watch order). */
export function watchResult(
  sink: ViolationSink,
  failedWatches: ReadonlySet<number>,
  watches: number,
  events: number,
  revisions: number,
): CheckOf<"watch"> {
  const evidence: WatchEvidence = {
    violations: sink.violations,
    violationCount: sink.count,
    watches,
    events,
    revisions,
  };
  const first = sink.violations[0];
  if (first === undefined) {
    return {
      name: WATCH_CHECK_NAME,
      verdict: "pass",
      message: `${watches} watches, ${events} events checked against ${revisions} revisions`,
      evidence,
    };
  }
  const more =
    sink.count > 1
      ? ` (${sink.full ? "at least " : ""}${sink.count} violations in ${failedWatches.size} watch${failedWatches.size === 1 ? "" : "es"})`
      : "";
  return { name: WATCH_CHECK_NAME, verdict: "fail", message: first.message + more, evidence };
}
