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
  /**
   * Timer ids in increasing order, each timer's event, and that event's seq when it was scheduled: slots
   * [0, length) of the three arrays. The arrays never shrink (a compaction moves the pending timers down and
   * lowers `length`; setting an array's length is a runtime call, and this runs every few timers). Slots
   * past `length` are never read; the events they still point to are the scheduler's recycled ones.
   */
  private ids: number[] = [];
  private events: SimEvent[] = [];
  private seqs: number[] = [];
  private length = 0;
  /** Compact when the table reaches this length. */
  private compactAt = 16;

  /** A timer just scheduled (its id rides the event as `c`, larger than every id added before). */
  add(ev: SimEvent): void {
    if (this.length >= this.compactAt) this.compact();
    const i = this.length++;
    if (i === this.ids.length) {
      this.ids.push(ev.c);
      this.events.push(ev);
      this.seqs.push(ev.seq);
    } else {
      this.ids[i] = ev.c;
      this.events[i] = ev;
      this.seqs[i] = ev.seq;
    }
  }

  /** Cancels timer `id` if it is still pending (a fired, cancelled or unknown id does nothing). */
  cancel(id: number, scheduler: Scheduler): void {
    const ids = this.ids;
    const n = this.length;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n && ids[lo] === id && this.events[lo]!.seq === this.seqs[lo]) scheduler.cancel(this.events[lo]);
  }

  /** Cancels every pending timer, in id order (a crash). */
  cancelAll(scheduler: Scheduler): void {
    for (let i = 0; i < this.length; i++) if (this.pending(i)) scheduler.cancel(this.events[i]);
    this.ids = [];
    this.events = [];
    this.seqs = [];
    this.length = 0;
    this.compactAt = 16;
  }

  /** Pending timers (for tests). */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (this.pending(i)) n++;
    return n;
  }

  /** Whether slot i's timer has neither fired nor been cancelled. */
  private pending(i: number): boolean {
    const ev = this.events[i]!;
    return ev.seq === this.seqs[i] && ev.fn !== null;
  }

  private compact(): void {
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      if (!this.pending(i)) continue;
      this.ids[n] = this.ids[i]!;
      this.events[n] = this.events[i]!;
      this.seqs[n] = this.seqs[i]!;
      n++;
    }
    this.length = n;
    this.compactAt = Math.max(16, 2 * n);
  }
}
