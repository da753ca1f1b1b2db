// One pass along a watch stream, in arrival order: the guarantees that need only the stream itself
// (ordered, unique, atomic, bookmarkable, key range, filters, cancellation) and, per event, the
// committed change it must equal. It also records what the stream vouches for, for the window check.
import type { Event, WatchResponse } from "../../core/mvcc/rpc.ts";
import type { WatchRecord } from "../history.ts";
import { checkEvent, eventName, type EventContext } from "./event-check.ts";
import type { WatchReporter } from "./reporter.ts";
import { inKeyRange, type WatchSelector } from "./selector.ts";

export interface StreamContext extends EventContext {
  currentRevision: number;
}

export interface StreamSummary {
  delivered: Map<number, DeliveredRevision>;
  firstEventRevision: number | undefined;
  /** The first revision the stream vouches for: its first event's, or a first progress notification's + 1. */
  firstObserved: number | undefined;
  /** The highest revision the stream vouches for: an event's or a progress notification's. */
  lastObserved: number | undefined;
  events: number;
}

const SMALL_REVISION = 8; // up to this many keys, a linear search beats a Map

/**
 * What a stream delivered of one revision: the first response carrying it, and each event's key with its
 * response. An event is named by its key, type and how many of that key and type came before it in the
 * revision (`nth`: 0 but under a from-key delete, where a key may be deleted and put again in one revision).
 */
export class DeliveredRevision {
  /**
   * Created at the first key: most revisions carry one, and an array literal holds just it (a push onto
   * [] would reserve 16+ slots, for each of the three, for every revision of every watch).
   */
  private readonly keys: string[];
  private readonly types: Event["type"][];
  private readonly responses: number[];
  private index: Map<string, number> | undefined;

  constructor(
    readonly firstResponse: number,
    firstKey: string,
    firstType: Event["type"],
  ) {
    this.keys = [firstKey];
    this.types = [firstType];
    this.responses = [firstResponse];
  }

  /** How many events of key and type were delivered, and the response of the first (undefined: none). */
  count(key: string, type: Event["type"]): number {
    let i = this.firstAt(key);
    let n = 0;
    for (; i >= 0 && i < this.keys.length; i++) if (this.keys[i] === key && this.types[i] === type) n++;
    return n;
  }

  /** The response that delivered the first event of key and type. */
  responseOf(key: string, type: Event["type"]): number | undefined {
    let i = this.firstAt(key);
    for (; i >= 0 && i < this.keys.length; i++)
      if (this.keys[i] === key && this.types[i] === type) return this.responses[i];
    return undefined;
  }

  /** The position of the key's first event here, or -1 (later ones are found by scanning on from it). */
  private firstAt(key: string): number {
    return this.index !== undefined ? (this.index.get(key) ?? -1) : this.keys.indexOf(key);
  }

  /** Whether the `nth` event of key and type (0: the first) was delivered. */
  has(key: string, type: Event["type"], nth = 0): boolean {
    return this.count(key, type) > nth;
  }

  add(key: string, type: Event["type"], response: number): void {
    this.keys.push(key);
    this.types.push(type);
    this.responses.push(response);
    // The index keeps each key's first position; later events of a key are found by scanning on from it.
    if (this.index !== undefined) {
      if (!this.index.has(key)) this.index.set(key, this.keys.length - 1);
    } else if (this.keys.length > SMALL_REVISION) {
      this.index = new Map();
      for (let i = 0; i < this.keys.length; i++) if (!this.index.has(this.keys[i]!)) this.index.set(this.keys[i]!, i);
    }
  }
}

/** etcd's clientv3 IsProgressNotify: no events and neither a created nor a cancel response. */
export function isProgressNotify(r: WatchResponse): boolean {
  return r.events.length === 0 && r.created !== true && r.canceled !== true && (r.compactRevision ?? 0) === 0;
}

export function startRevisionOf(record: WatchRecord): number {
  const s = record.request.startRevision ?? 0;
  return Math.max(s, 0);
}

export function checkStream(
  ctx: StreamContext,
  rep: WatchReporter,
  record: WatchRecord,
  selector: WatchSelector,
): StreamSummary {
  const start = startRevisionOf(record);
  const wantsPrevKv = record.request.prevKv === true;
  const summary: StreamSummary = {
    delivered: new Map(),
    firstEventRevision: undefined,
    firstObserved: undefined,
    lastObserved: undefined,
    events: 0,
  };
  /** Revisions already reported split (made at the first: almost every stream has none). */
  let splitReported: Set<number> | undefined;
  let previousRevision: number | undefined;
  let highestEvent = 0;
  let lastProgress = 0;
  let canceledAt: number | undefined;

  // etcd refuses a watch of an empty range (ErrEmptyWatcherRange): created and canceled in one response.
  const end = record.request.rangeEnd;
  const first = record.responses[0];
  if (end !== undefined && end !== "" && end !== "\0" && record.request.key >= end && first !== undefined) {
    if (first.response.canceled !== true)
      rep.violate(
        "canceled",
        first.response.header.revision,
        `a watch of the empty range [${record.request.key}, ${end}) was not cancelled at creation (etcd: ErrEmptyWatcherRange)`,
        { response: 0 },
      );
  }

  for (let i = 0; i < record.responses.length; i++) {
    const { time, response: r } = record.responses[i]!;
    if (canceledAt !== undefined) {
      // A repeated cancel is harmless; an event or a progress claim after the cancel is not.
      if (r.events.length === 0 && !isProgressNotify(r)) continue;
      const what =
        r.events.length > 0 ? `${eventName(r.events[0]!)}` : `a progress notification at revision ${r.header.revision}`;
      rep.violate(
        "canceled",
        r.events[0]?.kv.modRevision ?? r.header.revision,
        `${what} arrived after the watch was cancelled in response ${canceledAt}`,
        { response: i },
      );
      break; // the rest of the stream cannot be trusted to mean anything
    }

    // Runs once per delivered event: messages are built only on a violation.
    for (const event of r.events) {
      const rev = event.kv.modRevision;
      const key = event.kv.key;
      summary.events++;
      if (start > 0 && rev < start)
        rep.violate("resumable", rev, `${eventName(event)} is below the start revision ${start}`, {
          response: i,
          eventKey: key,
        });
      if (previousRevision !== undefined && rev < previousRevision)
        rep.violate("ordered", rev, `${eventName(event)} arrived after revision ${previousRevision}`, {
          response: i,
          eventKey: key,
        });
      const got = summary.delivered.get(rev);
      // The event's place among its key's events of its type in this revision (0 but under a from-key delete).
      let nth = 0;
      if (got === undefined) summary.delivered.set(rev, new DeliveredRevision(i, key, event.type));
      else {
        if (got.firstResponse !== i && splitReported?.has(rev) !== true) {
          (splitReported ??= new Set()).add(rev);
          rep.violate("atomic", rev, `revision ${rev} is split across responses ${got.firstResponse} and ${i}`, {
            response: i,
            eventKey: key,
          });
        }
        nth = got.count(key, event.type);
        // A second DELETE of one key in one revision is a committed change only if the key was deleted twice.
        if (nth > 0 && ctx.index.at(rev, key, event.type, nth) === undefined) {
          rep.violate(
            "unique",
            rev,
            `${eventName(event)} delivered again (first in response ${got.responseOf(key, event.type)})`,
            { response: i, eventKey: key },
          );
          nth = 0;
        } else got.add(key, event.type, i);
      }
      if (rev <= lastProgress)
        rep.violate(
          "bookmarkable",
          rev,
          `${eventName(event)} arrived after a progress notification at revision ${lastProgress}`,
          { response: i, eventKey: key },
        );
      if (!inKeyRange(selector.range, key))
        rep.violate("key-range", rev, `${eventName(event)} is outside the watched range`, {
          response: i,
          eventKey: key,
        });
      else if (!selector.passesFilters(event)) {
        rep.violate(
          "filter",
          rev,
          `${eventName(event)} should have been filtered out (${event.type === "PUT" ? "NOPUT" : "NODELETE"})`,
          { response: i, eventKey: key },
        );
      }
      checkEvent(ctx, rep, event, nth, i, time, wantsPrevKv);

      previousRevision = rev;
      if (rev > highestEvent) highestEvent = rev;
      summary.firstEventRevision ??= rev;
      summary.firstObserved ??= rev;
      if (summary.lastObserved === undefined || rev > summary.lastObserved) summary.lastObserved = rev;
    }

    if (r.canceled === true || (r.compactRevision ?? 0) > 0) {
      canceledAt = i;
      const compactRevision = r.compactRevision ?? 0;
      if (compactRevision > 0) checkCompactedCancel(rep, i, time, compactRevision, start, highestEvent, lastProgress);
    } else if (isProgressNotify(r)) {
      const rev = r.header.revision;
      if (rev < lastProgress)
        rep.violate("bookmarkable", rev, `progress notification went back from revision ${lastProgress}`, {
          response: i,
        });
      if (rev < highestEvent)
        rep.violate("bookmarkable", rev, `progress notification is below the delivered revision ${highestEvent}`, {
          response: i,
        });
      // A watch from revision S already holds everything below S: a notification there would take its client
      // back (clientv3 resumes after it, Kubernetes' watch cache takes it as its resourceVersion: etcd #20221).
      if (start > 0 && rev < start)
        rep.violate("bookmarkable", rev, `progress notification is below the start revision ${start}`, {
          response: i,
        });
      if (!ctx.partial && rev > ctx.currentRevision) {
        rep.violate(
          "committed",
          rev,
          `progress notification is beyond the last committed revision ${ctx.currentRevision}`,
          { response: i },
        );
      }
      lastProgress = Math.max(lastProgress, rev);
      summary.firstObserved ??= rev + 1;
      if (summary.lastObserved === undefined || rev > summary.lastObserved) summary.lastObserved = rev;
    }
  }
  return summary;
}

/**
 * A watch is cancelled as compacted only while the next revision it owes lies below the compact
 * revision (a start exactly at the compact revision is served), and only by a compaction that was
 * requested by then.
 */
function checkCompactedCancel(
  rep: WatchReporter,
  response: number,
  time: number,
  compactRevision: number,
  start: number,
  highestEvent: number,
  lastProgress: number,
): void {
  const vouched = Math.max(highestEvent, lastProgress);
  // With start 0 and nothing seen, the watch's position is unknown (a slow "from now" watcher can fall behind).
  const next = start > 0 || vouched > 0 ? Math.max(start, vouched + 1) : undefined;
  if (next !== undefined && next >= compactRevision) {
    rep.violate(
      "canceled",
      compactRevision,
      `cancelled as compacted at revision ${compactRevision}, but the watch's next revision ${next} (start ${start}) is not below it`,
      { response },
    );
  }
  rep.whenCompactedBy(time, (requested) => {
    if (requested < compactRevision) {
      rep.violate(
        "canceled",
        compactRevision,
        `cancelled as compacted at revision ${compactRevision}, but compactions requested by then reach only revision ${requested}`,
        { response },
      );
    }
  });
}
