// The watch hub (etcd's watchableStore + the server's watch streams): synced watchers get each
// revision as it commits, in one response; watchers behind (a start revision in the past, or after
// a restore) are "unsynced" and catch up from the store's history when the member calls
// syncWatchers() — etcd runs that every 100 ms — in responses of up to 1000 whole revisions.
// A start below the compact revision cancels the watch with compact_revision set.
// Delivery is a synchronous callback per stream; it must not write to the store re-entrantly.
import { assert } from "../assert.ts";
import { BugSet } from "../bugs.ts";
import type { Change } from "./key-history.ts";
import { toKeyValue } from "./key-history.ts";
import { inRange, normalizeRangeEnd, type RangeEnd } from "./keys.ts";
import type { Event, KeyValue, WatchCreateRequest, WatchResponse } from "./rpc.ts";
import type { CommitListener, MvccStore } from "./store.ts";
import { probesOf } from "../probes.ts";
import { MVCC_PROBES } from "./probes.ts";

const probe = probesOf(MVCC_PROBES);

export interface WatchHubOptions {
  /** Honours mvcc-watch-drop-on-compact, mvcc-watch-progress-ahead and etcd-watch-rewind-after-snapshot. */
  bugs?: BugSet;
  /** etcd's watchBatchMaxRevs: revisions per catch-up response. */
  maxRevsPerResponse?: number;
  /**
   * etcd's per-stream send loop (v3rpc watch.go sendLoop), run later than the events it sends: absent,
   * a response leaves as it is made and prev_kv is read then (the default: the send loop keeps up). Set,
   * responses queue and `schedule(drain)` runs the loop after the work at hand — the rest of an apply
   * batch — and prev_kv is read there, at revision − 1, as etcd's send loop reads it: a compaction
   * applied in between leaves a delete without prev_kv (a member catching up a backlog applies faster
   * than its send loop drains).
   */
  sendLoop?: (drain: () => void) => void;
}

export type WatchSend = (response: WatchResponse) => void;

interface Watcher {
  readonly seq: number;
  readonly stream: WatchStream;
  readonly id: number;
  readonly key: string;
  readonly end: RangeEnd;
  /** As requested (0 = from now). */
  readonly startRevision: number;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
  /** The next revision this watcher is owed. */
  minRev: number;
  synced: boolean;
  /** A progress request arrived while unsynced: answer it once caught up. */
  progressPending: boolean;
  /** Events were sent since the last progress tick (etcd then skips the periodic notification). */
  sentSinceTick: boolean;
}

export class WatchHub implements CommitListener {
  /** Copied into every response header; the member keeps it current. */
  raftTerm = 0;
  private readonly bugs: BugSet;
  private readonly maxRevs: number;
  /** MUTANT mvcc-watch-range-end-inclusive, read once (matches runs per key per watcher per revision). */
  private readonly endInclusive: boolean;
  /** Every live watcher, in creation order (the order responses go out within a revision). */
  private readonly watchers = new Map<number, Watcher>();
  private nextSeq = 0;
  private delivering = false;
  private readonly sendLoop: ((drain: () => void) => void) | undefined;
  /** With sendLoop: responses not yet sent, in order, and the prev_kv each event still owes (key, revision). */
  private readonly sendQueue: { stream: WatchStream; response: WatchResponse }[] = [];
  private readonly prevKvOwed = new Map<Event, { key: string; rev: number }>();

  constructor(
    readonly store: MvccStore,
    opts: WatchHubOptions = {},
  ) {
    this.bugs = opts.bugs ?? BugSet.none;
    this.maxRevs = opts.maxRevsPerResponse ?? 1000;
    this.endInclusive = this.bugs.has("mvcc-watch-range-end-inclusive");
    assert(this.maxRevs >= 1, "maxRevsPerResponse >= 1");
    this.sendLoop = opts.sendLoop;
    store.setListener(this);
  }

  /** A client's watch stream; watch IDs count from 0 per stream, as etcd assigns them. */
  openStream(send: WatchSend): WatchStream {
    return new WatchStream(this, send);
  }

  /** Detaches from the store; every stream goes silent. */
  close(): void {
    this.watchers.clear();
    this.sendQueue.length = 0;
    this.prevKvOwed.clear();
    this.store.setListener(undefined);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  get unsyncedCount(): number {
    let n = 0;
    for (const w of this.watchers.values()) if (!w.synced) n++;
    return n;
  }

  /** Whether a change of key belongs to the watch: key in [w.key, w.end). */
  private matches(key: string, w: Watcher): boolean {
    if (inRange(key, w.key, w.end)) return true;
    // MUTANT mvcc-watch-range-end-inclusive: a watch over [key, range_end) also hears range_end itself.
    return this.endInclusive && typeof w.end === "string" && key === w.end;
  }

  // ---- CommitListener --------------------------------------------------------------------------

  onCommit(revision: number, keys: readonly string[], changes: readonly Change[]): void {
    assert(!this.delivering, "a watch callback wrote to the store while a revision was being delivered");
    this.delivering = true;
    try {
      const rewind = this.bugs.has("etcd-watch-rewind-after-snapshot");
      for (const w of this.watchers.values()) {
        if (!w.synced || revision < w.minRev) continue;
        let events: Event[] | undefined;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] as string;
          if (!this.matches(key, w)) continue;
          const c = changes[i] as Change;
          if (c.version === 0 ? w.noDelete : w.noPut) continue;
          // Most responses carry one event: a literal sizes the array to it (a push onto [] reserves 16+ slots,
          // and responses stay in the history).
          const ev = this.event(key, c, w.prevKv);
          if (events === undefined) events = [ev];
          else events.push(ev);
        }
        if (events !== undefined) this.sendEvents(w, revision, events);
        // A synced watcher has seen this revision: after a restore it resumes from the next one.
        // Without this (etcd #15271) it replays everything since it was created.
        if (!rewind) w.minRev = revision + 1;
      }
    } finally {
      this.delivering = false;
    }
  }

  /** etcd's watchableStore.Restore: every synced watcher must catch up again from the new history. */
  onRestore(): void {
    for (const w of this.watchers.values()) w.synced = false;
  }

  // ---- what the member drives -------------------------------------------------------------------

  /**
   * Catches up every unsynced watcher from history (etcd's syncWatchers, every 100 ms): cancels the
   * ones whose next revision was compacted, sends up to maxRevsPerResponse revisions in one
   * response, and marks a watcher synced once it reached the current revision. Returns how many
   * remain unsynced.
   */
  syncWatchers(): number {
    // Usually every watcher is synced and there is nothing to do: found without copying the list
    // (the loop below copies it, as it may remove watchers).
    let anyUnsynced = false;
    for (const w of this.watchers.values()) {
      if (!w.synced) {
        anyUnsynced = true;
        break;
      }
    }
    if (!anyUnsynced) return 0;
    const curRev = this.store.revision;
    const compactRev = this.store.compactRevision;
    let left = 0;
    for (const w of [...this.watchers.values()]) {
      if (w.synced) continue;
      if (w.minRev < compactRev) {
        this.watchers.delete(w.seq);
        probe("mvcc.watch-compacted-cancel");
        // etcd's compacted cancel carries no header revision.
        w.stream.send({
          header: this.header(0),
          watchId: w.id,
          canceled: true,
          compactRevision: compactRev,
          events: [],
        });
        continue;
      }
      const { events, moreRev } = this.catchUp(w, compactRev);
      if (events.length > 0) this.sendEvents(w, curRev, events);
      if (moreRev !== undefined) {
        w.minRev = moreRev;
        left++;
        continue;
      }
      w.minRev = Math.max(w.minRev, curRev + 1);
      w.synced = true;
      if (w.progressPending) {
        w.progressPending = false;
        this.sendProgress(w);
      }
    }
    return left;
  }

  /**
   * The periodic progress notification (etcd's progress ticker, 10 min by default): each synced
   * watcher that asked for progress_notify and got no events since the last tick hears the current
   * revision.
   */
  progressTick(): void {
    for (const w of this.watchers.values()) {
      if (!w.progressNotify) continue;
      if (!w.sentSinceTick && (w.synced || this.bugs.has("mvcc-watch-progress-ahead"))) this.sendProgress(w);
      w.sentSinceTick = false;
    }
  }

  // ---- used by WatchStream ------------------------------------------------------------------------

  /** @internal */
  addWatcher(stream: WatchStream, id: number, req: WatchCreateRequest): void {
    const cur = this.store.revision;
    const start = req.startRevision ?? 0;
    const filters = req.filters ?? [];
    const synced = start === 0 || start > cur;
    const w: Watcher = {
      seq: this.nextSeq++,
      stream,
      id,
      key: req.key,
      end: normalizeRangeEnd(req.rangeEnd),
      startRevision: start,
      noPut: filters.includes("NOPUT"),
      noDelete: filters.includes("NODELETE"),
      prevKv: req.prevKv === true,
      progressNotify: req.progressNotify === true,
      minRev: synced ? Math.max(cur + 1, start) : start,
      synced,
      progressPending: false,
      sentSinceTick: false,
    };
    this.watchers.set(w.seq, w);
    stream.send({ header: this.header(cur), watchId: id, created: true, events: [] });
  }

  /** @internal */
  rejectEmptyRange(stream: WatchStream): void {
    stream.send({
      header: this.header(this.store.revision),
      watchId: -1,
      created: true,
      canceled: true,
      cancelReason: "mvcc: watcher range is empty",
      events: [],
    });
  }

  /** @internal */
  cancelWatcher(stream: WatchStream, id: number): boolean {
    for (const w of this.watchers.values()) {
      if (w.stream !== stream || w.id !== id) continue;
      this.watchers.delete(w.seq);
      stream.send({ header: this.header(this.store.revision), watchId: id, canceled: true, events: [] });
      return true;
    }
    return false;
  }

  /**
   * @internal A progress request answers each watcher of the stream (as clientv3 broadcasts etcd's
   * stream-wide response to every watch of the stream) — at once when synced, else once caught up.
   */
  requestProgress(stream: WatchStream): void {
    for (const w of this.watchers.values()) {
      if (w.stream !== stream) continue;
      if (w.synced || this.bugs.has("mvcc-watch-progress-ahead")) this.sendProgress(w);
      else w.progressPending = true;
    }
  }

  /** @internal */
  closeStream(stream: WatchStream): void {
    for (const w of [...this.watchers.values()]) if (w.stream === stream) this.watchers.delete(w.seq);
  }

  /** @internal Every response of every stream leaves through here. */
  send(stream: WatchStream, response: WatchResponse): void {
    if (this.sendLoop === undefined) return stream.deliver(response);
    if (this.sendQueue.length === 0) this.sendLoop(() => this.drainSendLoop());
    this.sendQueue.push({ stream, response });
  }

  /** The send loop's turn: each queued response in order, its events' prev_kv read now. */
  private drainSendLoop(): void {
    const queue = this.sendQueue.splice(0);
    for (const { stream, response } of queue) {
      for (const ev of response.events) {
        const owed = this.prevKvOwed.get(ev);
        if (owed === undefined) continue;
        this.prevKvOwed.delete(ev);
        const prev = this.store.kvAt(owed.key, owed.rev);
        if (prev !== undefined) ev.prevKv = prev;
        else probe("mvcc.watch-prev-kv-compacted-before-send");
      }
      stream.deliver(response);
    }
  }

  // ---- internals ----------------------------------------------------------------------------------

  private header(revision: number): { revision: number; raftTerm: number } {
    return { revision, raftTerm: this.raftTerm };
  }

  private sendEvents(w: Watcher, revision: number, events: Event[]): void {
    w.sentSinceTick = true;
    w.stream.send({ header: this.header(revision), watchId: w.id, events });
  }

  /** A progress notification at revision R promises no later event at or below R; sent only once R reaches the start. */
  private sendProgress(w: Watcher): void {
    const rev = this.store.revision;
    // MUTANT mvcc-watch-progress-below-start (etcd #20221): a lagging member's revision goes out anyway.
    if (w.startRevision > 0 && rev < w.startRevision && !this.bugs.has("mvcc-watch-progress-below-start")) return;
    w.stream.send({ header: this.header(rev), watchId: w.id, events: [] });
  }

  private event(key: string, c: Change, withPrev: boolean): Event {
    const kv: KeyValue = toKeyValue(key, c);
    const ev: Event = { type: c.version === 0 ? "DELETE" : "PUT", kv };
    // etcd reads prev_kv at revision - 1 when the event goes out; a create has none.
    if (withPrev && c.createRevision !== c.main) {
      if (this.sendLoop !== undefined) {
        this.prevKvOwed.set(ev, { key, rev: c.main - 1 });
        return ev;
      }
      const prev = this.store.kvAt(key, c.main - 1);
      if (prev !== undefined) ev.prevKv = prev;
    }
    return ev;
  }

  /** Events owed to w from history, cut after maxRevs whole revisions (moreRev = the first one left out). */
  private catchUp(w: Watcher, compactRev: number): { events: Event[]; moreRev: number | undefined } {
    // The mutant rereads the compacted revision as etcd 3.4's backend kept it: it needs the whole batch
    // first. Otherwise each change becomes its event as it is met (the store is only read meanwhile).
    const asEtcd34 = this.bugs.has("mvcc-watch-drop-on-compact") && w.minRev === compactRev;
    const matched: { key: string; c: Change }[] | undefined = asEtcd34 ? [] : undefined;
    const events: Event[] = [];
    let revs = 0;
    let lastRev = -1;
    let moreRev: number | undefined;
    /** Events of the current revision, and whether any revision in this batch had several. */
    let inRev = 0;
    let wholeMulti = false;
    this.store.forEachChangeSince(w.minRev, (key, c) => {
      if (!this.matches(key, w)) return true;
      if (c.main !== lastRev) {
        // etcd counts revisions of matching events before filters are applied.
        if (revs === this.maxRevs) {
          moreRev = c.main;
          return false;
        }
        revs++;
        lastRev = c.main;
        inRev = 0;
      }
      if (++inRev > 1) wholeMulti = true;
      if (matched !== undefined) matched.push({ key, c });
      else if (!(c.version === 0 ? w.noDelete : w.noPut)) events.push(this.event(key, c, w.prevKv));
      return true;
    });
    if (moreRev !== undefined) {
      probe("mvcc.watch-batch-split");
      if (wholeMulti) probe("mvcc.watch-batch-kept-revision-whole");
    }
    if (matched !== undefined) {
      for (const { key, c } of dropAsEtcd34Backend(matched, compactRev)) {
        if (c.version === 0 ? w.noDelete : w.noPut) continue;
        events.push(this.event(key, c, w.prevKv));
      }
    }
    return { events, moreRev };
  }
}

/**
 * etcd ≤ 3.4.33 / 3.5.14 (#17529, #18089): compaction at C physically deletes every revision <= C
 * except each key's newest one, and deletes that too when it is a tombstone. A watch resuming at C
 * then reads history without the deletes (and any change superseded within C) of revision C.
 */
function dropAsEtcd34Backend(matched: { key: string; c: Change }[], compactRev: number): { key: string; c: Change }[] {
  const lastAtCompact = new Map<string, Change>();
  for (const m of matched) if (m.c.main === compactRev) lastAtCompact.set(m.key, m.c);
  return matched.filter((m) => m.c.main !== compactRev || (lastAtCompact.get(m.key) === m.c && m.c.version !== 0));
}

/** One client stream of watches (etcd's serverWatchStream). */
export class WatchStream {
  private nextWatchId = 0;
  private closed = false;

  constructor(
    private readonly hub: WatchHub,
    private readonly sendFn: WatchSend,
  ) {}

  /** @internal */
  send(r: WatchResponse): void {
    if (!this.closed) this.hub.send(this, r);
  }

  /** @internal The send loop's output (a stream closed meanwhile sends nothing). */
  deliver(r: WatchResponse): void {
    if (!this.closed) this.sendFn(r);
  }

  /**
   * Creates a watch and answers `created` with the current revision. Returns its watch ID, or -1
   * for an empty range (key >= range end), which etcd answers created + canceled without using an ID.
   */
  watch(req: WatchCreateRequest): number {
    assert(!this.closed, "watch on a closed stream");
    const end = normalizeRangeEnd(req.rangeEnd);
    if (typeof end === "string" && req.key >= end) {
      this.hub.rejectEmptyRange(this);
      return -1;
    }
    const id = this.nextWatchId++;
    this.hub.addWatcher(this, id, req);
    return id;
  }

  /** Cancels a watch (answers `canceled`); false if the ID is unknown. */
  cancel(watchId: number): boolean {
    return this.hub.cancelWatcher(this, watchId);
  }

  /** Asks for a progress notification for every watch of the stream. */
  requestProgress(): void {
    this.hub.requestProgress(this);
  }

  /** Drops every watch of the stream without a response (the client went away). */
  close(): void {
    if (this.closed) return;
    this.hub.closeStream(this);
    this.closed = true;
  }
}
