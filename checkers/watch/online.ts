// The watch checker run alongside the simulation: each stream is judged when it ends (and every revision
// it names has committed), then only its event count and its violations are kept, so what the check
// holds does not grow with the run's length (checkWatches, given every record at the end, held them all).
// Same rules, same code (checkOneWatch), same verdict and messages: what only the end of the run
// tells waits for it (the compactions, see WatchReporter.whenCompactedBy; streams still open).
import type { WatchRecord } from "../history.ts";
import type { CheckOf } from "../types.ts";
import { ChangeIndex } from "./change-index.ts";
import { checkOneWatch, watchResult } from "./check.ts";
import { CompactionTimeline } from "./compactions.ts";
import { AppliedReplay, type AppliedChange } from "./derive.ts";
import { ViolationSink, WatchReporter } from "./reporter.ts";
import { selectorOf } from "./selector.ts";
import { isProgressNotify } from "./stream.ts";
import type { CompactionRecord } from "./types.ts";

export interface OnlineWatchOptions {
  /**
   * Records are kept whole (in the array given to the constructor, for reports) until the kept ones'
   * responses reach this many; later streams are judged and dropped. Default 5,000 (~2.7 MB, live on
   * the heap for the whole run): above any normal-length run (the busiest, watch-compaction, records
   * at most 3,008 over seeds 1..300; kv-chaos 2,301) and a 1-minute kv-chaos one (~2,100).
   */
  keepResponses?: number;
  /**
   * Committed revisions kept below the newest, and below the start of every open stream: older ones
   * are dropped from the index. A stream that then names a dropped revision is reported (never judged
   * on missing truth). Default 5,000 (~2 MB; minutes of a busy run: a 1-hour kv-chaos one commits
   * ~21 a second and judges every stream; a normal-length run drops none: the first prune comes at
   * 6,024 revisions, and the busiest record ~1,500 operations).
   */
  keepRevisions?: number;
  /** As CheckWatchesOptions.maxViolations. */
  maxViolations?: number;
}

interface OpenStream {
  watch: number;
  record: WatchRecord;
  kept: boolean;
  /** The newest revision when it opened: a "from now" watch starts near it. */
  openedAt: number;
  /** Its responses scanned so far for the lowest revision they name, and that revision. */
  scanned: number;
  lowest: number;
}

/** Prune the index once this many revisions beyond the kept ones have accumulated (a prune costs a pass). */
const PRUNE_EVERY = 1024;

export class OnlineWatchChecker {
  private readonly index = new ChangeIndex([], false);
  private readonly replay = new AppliedReplay((change) => this.appendRevision(change));
  /** The first bad input of each kind: checkWatches would have thrown it, so finish does. */
  private replayError: unknown;
  private indexError: unknown;
  private checkError: unknown;
  private watches = 0;
  private readonly open = new Map<WatchRecord, OpenStream>();
  /** Ended streams naming revisions not committed yet (judged once they are, or at the end). */
  private waiting: { stream: OpenStream; newest: number }[] = [];
  /** Per watch (by its index), the events it checked. */
  private readonly events: number[] = [];
  /** The watches with violations or checks waiting for the compactions. */
  private readonly reporters = new Map<number, WatchReporter>();
  private keptResponses = 0;
  private unkept = 0;
  private nextPruneAt: number;
  private readonly keepResponses: number;
  private readonly keepRevisions: number;
  private readonly maxViolations: number;

  /** `kept`: where the records kept whole go (a run's history.watches). */
  constructor(
    private readonly kept: WatchRecord[],
    opts: OnlineWatchOptions = {},
  ) {
    this.keepResponses = opts.keepResponses ?? 5_000;
    this.keepRevisions = opts.keepRevisions ?? 5_000;
    this.maxViolations = opts.maxViolations ?? 1000;
    this.nextPruneAt = this.keepRevisions + PRUNE_EVERY;
  }

  /** One committed change, in commit order (as changesFromApplied takes them). */
  onApplied(change: AppliedChange): void {
    this.onAppliedChange(change.revision, change.type, change.key, change.value, change.lease);
  }

  /**
   * onApplied with the change's fields as arguments: the run reports every committed change, and builds
   * no AppliedChange for it. A delete passes no value and no lease.
   */
  onAppliedChange(
    revision: number,
    type: AppliedChange["type"],
    key: string,
    value: string | undefined,
    lease: number | undefined,
  ): void {
    if (this.replayError !== undefined) return;
    try {
      this.replay.pushChange(revision, type, key, value, lease);
    } catch (e) {
      this.replayError = e;
    }
  }

  /** Every change of the revision just reported was given: it enters the index. */
  endRevision(): void {
    if (this.replayError !== undefined) return;
    try {
      this.replay.end();
    } catch (e) {
      this.replayError = e;
    }
  }

  private appendRevision(change: Parameters<ChangeIndex["append"]>[0]): void {
    if (this.indexError !== undefined) return;
    try {
      this.index.append(change);
    } catch (e) {
      this.indexError = e;
      return;
    }
    if (this.waiting.length > 0) this.judgeCommitted();
    if (this.index.lastRevision >= this.nextPruneAt) {
      this.nextPruneAt = this.index.lastRevision + PRUNE_EVERY;
      this.prune();
    }
  }

  /** A client opened a watch stream (the record fills with its responses as they arrive). */
  opened(record: WatchRecord): void {
    const kept = this.keptResponses < this.keepResponses;
    if (kept) this.kept.push(record);
    else this.unkept++;
    const watch = this.watches++;
    this.open.set(record, { watch, record, kept, openedAt: this.index.lastRevision, scanned: 0, lowest: Infinity });
  }

  /** The stream ended: no response will be added to the record. */
  closed(record: WatchRecord): void {
    const stream = this.open.get(record);
    if (stream === undefined) return;
    this.open.delete(record);
    const newest = newestRevisionNamed(record);
    if (newest <= this.index.lastRevision) this.judge(stream);
    else this.waiting.push({ stream, newest });
  }

  private judgeCommitted(): void {
    const last = this.index.lastRevision;
    if (!this.waiting.some((w) => w.newest <= last)) return;
    const still: typeof this.waiting = [];
    for (const w of this.waiting) {
      if (w.newest <= last) this.judge(w.stream);
      else still.push(w);
    }
    this.waiting = still;
  }

  private judge(stream: OpenStream): void {
    if (this.checkError !== undefined) return;
    const { watch, record } = stream;
    const index = this.index;
    try {
      const selector = selectorOf(record.request);
      const range = selector.range;
      let rep = new WatchReporter(watch, record, range);
      index.touchedPruned = false;
      // Every revision the stream names has committed: the progress rule against the newest revision
      // decides as it would at the end (the newest only grows).
      const ctx = { index, partial: false, currentRevision: Math.max(1, index.lastRevision) };
      this.events[watch] = checkOneWatch(ctx, rep, record, selector);
      if (index.touchedPruned) {
        // Its findings rest on missing truth: replaced by the one thing known, that it was not judged.
        rep = new WatchReporter(watch, record, range);
        rep.violate(
          "committed",
          index.keptFrom,
          `the stream names revisions below ${index.keptFrom}, which the online watch checker no longer keeps (it keeps ${this.keepRevisions} below the newest and below every open stream's start): not judged`,
        );
      }
      if (rep.pending) this.reporters.set(watch, rep);
      if (stream.kept) this.keptResponses += record.responses.length;
    } catch (e) {
      this.checkError = e;
    }
  }

  /** Drops the revisions no unjudged stream is likely to name (see OnlineWatchOptions.keepRevisions). */
  private prune(): void {
    let from = this.index.lastRevision;
    const pin = (s: OpenStream) => {
      const responses = s.record.responses;
      for (; s.scanned < responses.length; s.scanned++) {
        const r = (responses[s.scanned] as WatchRecord["responses"][number]).response;
        for (const e of r.events) if (e.kv.modRevision < s.lowest) s.lowest = e.kv.modRevision;
        if (isProgressNotify(r) && r.header.revision < s.lowest) s.lowest = r.header.revision;
      }
      const start = s.record.request.startRevision ?? 0;
      from = Math.min(from, s.lowest, start > 0 ? start : s.openedAt);
    };
    for (const s of this.open.values()) pin(s);
    for (const w of this.waiting) pin(w.stream);
    this.index.prune(from - this.keepRevisions);
  }

  /** The run ended: the streams still open and waiting are judged, then the compactions decide what waited for them. */
  finish(compactions: readonly CompactionRecord[] = []): CheckOf<"watch"> {
    this.endRevision();
    if (this.replayError !== undefined) throw this.replayError;
    if (this.indexError !== undefined) throw this.indexError;
    const timeline = new CompactionTimeline(compactions);
    const unjudged = [...this.open.values(), ...this.waiting.map((w) => w.stream)].sort((a, b) => a.watch - b.watch);
    this.open.clear();
    this.waiting = [];
    for (const s of unjudged) this.judge(s);
    if (this.checkError !== undefined) throw this.checkError;

    const sink = new ViolationSink(this.maxViolations);
    const failedWatches = new Set<number>();
    let events = 0;
    for (let w = 0; w < this.watches; w++) {
      if (sink.full) break;
      events += this.events[w] ?? 0;
      const rep = this.reporters.get(w);
      if (rep === undefined) continue;
      rep.resolve(timeline);
      const before = sink.count;
      rep.flush(sink);
      if (sink.count > before) failedWatches.add(w);
    }
    const result = watchResult(sink, failedWatches, this.watches, events, this.index.revisionCount);
    if (this.unkept > 0 && result.evidence !== undefined) result.evidence.unkeptWatches = this.unkept;
    return result;
  }
}

/** The newest revision judging the stream looks up: its events' and its progress notifications'. */
function newestRevisionNamed(record: WatchRecord): number {
  let newest = 0;
  for (const { response: r } of record.responses) {
    for (const e of r.events) if (e.kv.modRevision > newest) newest = e.kv.modRevision;
    if (isProgressNotify(r) && r.header.revision > newest) newest = r.header.revision;
  }
  return newest;
}
