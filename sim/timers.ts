// The pending timers of one process, by id, for cancelTimer and crash. Timer ids only grow, so the events
// are kept in an array in id order and found by bisection — instead of a Map, which pays an insert and a
// delete for every timer (a Raft node re-arms its tick timer a hundred times a simulated second) and
// reallocates its table as they churn. A timer that fired or was cancelled (its event's fn is null by
// then) stays in the array until the next compaction, which runs once the array has doubled.
import type { Scheduler, SimEvent } from "./scheduler.ts";

export class TimerTable {
  /** Events in increasing id order (each event carries its timer's id as its numeric argument `c`). */
  private events: SimEvent[] = [];
  /** Compact when the array reaches this length. */
  private compactAt = 16;

  /** A timer just scheduled; its id (ev.c) is larger than every id added before. */
  add(ev: SimEvent): void {
    if (this.events.length >= this.compactAt) this.compact();
    this.events.push(ev);
  }

  /** Cancels timer `id` if it is still pending (a fired, cancelled or unknown id does nothing). */
  cancel(id: number, scheduler: Scheduler): void {
    const evs = this.events;
    let lo = 0;
    let hi = evs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (evs[mid]!.c < id) lo = mid + 1;
      else hi = mid;
    }
    const ev = evs[lo];
    if (ev !== undefined && ev.c === id) scheduler.cancel(ev);
  }

  /** Cancels every pending timer, in id order (a crash). */
  cancelAll(scheduler: Scheduler): void {
    for (const ev of this.events) scheduler.cancel(ev);
    this.events = [];
    this.compactAt = 16;
  }

  /** Pending timers (for tests). */
  get size(): number {
    let n = 0;
    for (const ev of this.events) if (ev.fn !== null) n++;
    return n;
  }

  private compact(): void {
    const live = this.events.filter((ev) => ev.fn !== null);
    this.events = live;
    this.compactAt = Math.max(16, 2 * live.length);
  }
}
