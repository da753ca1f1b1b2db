// Collects violations, each naming its watch, revision and guarantee in one readable line.
import type { WatchRecord } from "../history.ts";
import type { WatchGuarantee, WatchViolation } from "./types.ts";
import type { CompactionTimeline } from "./compactions.ts";
import { describeRange, type KeyRange } from "./selector.ts";

export class ViolationSink {
  readonly violations: WatchViolation[] = [];
  count = 0;
  constructor(private readonly max: number) {}

  add(v: WatchViolation): void {
    this.count++;
    if (this.violations.length < this.max) this.violations.push(v);
  }

  get full(): boolean {
    return this.violations.length >= this.max;
  }
}

/** One watch's violations; flushed sorted by revision so a report reads along the stream. */
export class WatchReporter {
  /** In discovery order, each with its place in it (`seq`): a deferred check keeps the place it was made at. */
  private readonly found: { v: WatchViolation; seq: number }[] = [];
  private nextSeq = 0;
  /** The place the deferred check now running was made at (undefined: none is running). */
  private deferredSeq: number | undefined;
  /** Checks that need the compactions, while they are not known yet (online: until the run ends). */
  private waiting: { seq: number; time: number; check: (compacted: number) => void }[] | undefined;
  /** How violations name the watch: built at the first violation (most watches have none). */
  private whoText: string | undefined;
  private readonly client: number;
  private readonly watchId: number;
  private readonly member: string;
  private readonly key: string;
  private readonly rangeEnd: string | undefined;

  /**
   * `compactions`: the compactions that took effect, or undefined while they are not known yet (a
   * checker judging streams as they end): checks that need them wait for `resolve`. The record's
   * fields are copied out: a waiting reporter must not keep the stream's responses alive.
   */
  constructor(
    private readonly watch: number,
    record: WatchRecord,
    private readonly range: KeyRange,
    private readonly compactions?: CompactionTimeline,
  ) {
    this.client = record.client;
    this.watchId = record.watchId;
    this.member = record.member;
    this.key = record.request.key;
    this.rangeEnd = record.request.rangeEnd;
  }

  private get who(): string {
    this.whoText ??= `client ${this.client} watch ${this.watchId} on ${this.member} (${describeRange(this.range)})`;
    return this.whoText;
  }

  /** Whether anything was found or still waits to be decided. */
  get pending(): boolean {
    return this.found.length > 0 || this.waiting !== undefined;
  }

  violate(
    guarantee: WatchGuarantee,
    revision: number,
    text: string,
    at: { response?: number; eventKey?: string } = {},
  ): void {
    const where = at.response === undefined ? "" : ` (response ${at.response})`;
    const v: WatchViolation = {
      guarantee,
      watch: this.watch,
      client: this.client,
      watchId: this.watchId,
      member: this.member,
      key: this.key,
      revision,
      message: `${guarantee}: ${this.who}, revision ${revision}: ${text}${where}`,
    };
    if (this.rangeEnd !== undefined) v.rangeEnd = this.rangeEnd;
    if (at.response !== undefined) v.response = at.response;
    if (at.eventKey !== undefined) v.eventKey = at.eventKey;
    this.found.push({ v, seq: this.deferredSeq ?? this.nextSeq++ });
  }

  /**
   * Runs `check` with the highest compact revision requested by `time`: now if the compactions are
   * known, else at `resolve`, its violations placed as if found now.
   */
  whenCompactedBy(time: number, check: (compacted: number) => void): void {
    if (this.compactions !== undefined) {
      check(this.compactions.compactRevisionBy(time));
      return;
    }
    (this.waiting ??= []).push({ seq: this.nextSeq++, time, check });
  }

  /** The compactions are known: the waiting checks run. */
  resolve(compactions: CompactionTimeline): void {
    for (const w of this.waiting ?? []) {
      this.deferredSeq = w.seq;
      w.check(compactions.compactRevisionBy(w.time));
    }
    this.deferredSeq = undefined;
    this.waiting = undefined;
  }

  flush(sink: ViolationSink): void {
    // By revision, then discovery order (a plain stable sort by revision when nothing waited).
    this.found.sort((a, b) => a.v.revision - b.v.revision || a.seq - b.seq);
    for (const f of this.found) sink.add(f.v);
  }
}
