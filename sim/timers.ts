// The pending timers of one process, by id, for cancelTimer and crash. Timer ids only grow, so the timers
// are kept in arrays in id order and found by bisection — instead of a Map, which pays an insert and a
// delete for every timer (a Raft node re-arms its tick timer a hundred times a simulated second) and
// reallocates its table as they churn. A timer that fired or was cancelled stays in the arrays until the
// next compaction, which runs once they have doubled.
//
// Timer events are recycled by the scheduler (Scheduler.postCancellable): once a timer fired or, cancelled,
// left the heap, its event object may carry another timer or message. So next to each event the table keeps
// the sequence number the event had when this timer was scheduled: the event is still this timer's only
// while the two agree (sequence numbers never repeat).
import type { Scheduler, SimEvent } from "./scheduler.ts";

export class TimerTable {
  /** Timer ids in increasing order, each timer's event, and that event's seq when it was scheduled. */
  private ids: number[] = [];
  private events: SimEvent[] = [];
  private seqs: number[] = [];
  /** Compact when the arrays reach this length. */
  private compactAt = 16;

  /** A timer just scheduled (its id rides the event as `c`, larger than every id added before). */
  add(ev: SimEvent): void {
    if (this.ids.length >= this.compactAt) this.compact();
    this.ids.push(ev.c);
    this.events.push(ev);
    this.seqs.push(ev.seq);
  }

  /** Cancels timer `id` if it is still pending (a fired, cancelled or unknown id does nothing). */
  cancel(id: number, scheduler: Scheduler): void {
    const ids = this.ids;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    if (lo < ids.length && ids[lo] === id && this.events[lo]!.seq === this.seqs[lo]) scheduler.cancel(this.events[lo]);
  }

  /** Cancels every pending timer, in id order (a crash). */
  cancelAll(scheduler: Scheduler): void {
    for (let i = 0; i < this.events.length; i++) if (this.pending(i)) scheduler.cancel(this.events[i]);
    this.ids = [];
    this.events = [];
    this.seqs = [];
    this.compactAt = 16;
  }

  /** Pending timers (for tests). */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.events.length; i++) if (this.pending(i)) n++;
    return n;
  }

  /** Whether slot i's timer has neither fired nor been cancelled. */
  private pending(i: number): boolean {
    const ev = this.events[i]!;
    return ev.seq === this.seqs[i] && ev.fn !== null;
  }

  private compact(): void {
    let n = 0;
    for (let i = 0; i < this.ids.length; i++) {
      if (!this.pending(i)) continue;
      this.ids[n] = this.ids[i]!;
      this.events[n] = this.events[i]!;
      this.seqs[n] = this.seqs[i]!;
      n++;
    }
    this.ids.length = n;
    this.events.length = n;
    this.seqs.length = n;
    this.compactAt = Math.max(16, 2 * n);
  }
}
