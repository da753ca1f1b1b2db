// Collects violations, each naming its watch, revision and guarantee in one readable line.
import type { WatchRecord } from "../history.ts";
import type { WatchGuarantee, WatchViolation } from "./types.ts";
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
  private readonly found: WatchViolation[] = [];
  /** How violations name the watch: built at the first violation (most watches have none). */
  private whoText: string | undefined;

  constructor(
    private readonly watch: number,
    private readonly record: WatchRecord,
    private readonly range: KeyRange,
  ) {}

  private get who(): string {
    const r = this.record;
    this.whoText ??= `client ${r.client} watch ${r.watchId} on ${r.member} (${describeRange(this.range)})`;
    return this.whoText;
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
      client: this.record.client,
      watchId: this.record.watchId,
      member: this.record.member,
      key: this.record.request.key,
      revision,
      message: `${guarantee}: ${this.who}, revision ${revision}: ${text}${where}`,
    };
    if (this.record.request.rangeEnd !== undefined) v.rangeEnd = this.record.request.rangeEnd;
    if (at.response !== undefined) v.response = at.response;
    if (at.eventKey !== undefined) v.eventKey = at.eventKey;
    this.found.push(v);
  }

  flush(sink: ViolationSink): void {
    this.found.sort((a, b) => a.revision - b.revision); // stable: discovery order within a revision
    for (const v of this.found) sink.add(v);
  }
}
