// The single-threaded event scheduler: virtual time in integer microseconds, a binary heap ordered by
// (time, sequence number), so events at the same instant run in the order they were scheduled.
// No real timers and no Promises: the hot loop is a plain while over the heap.

export interface SimEvent {
  time: number;
  seq: number;
  /** null once cancelled (skipped when popped, or dropped by a purge: Scheduler.cancel). */
  fn: ((a: never, b: never, c: number) => void) | null;
  /** fn's arguments: a hot caller (the network) passes one shared function instead of a closure per event. */
  a: unknown;
  b: unknown;
  /** A third, numeric argument (0 when unused): a number needs no object to carry it. */
  c: number;
  /** Made by post(): nobody else holds it, so the scheduler reuses it once it ran. */
  recycled: boolean;
}

/** Fills the heap's vacated slots, so they keep no finished event alive (never read: only [0, size) is). */
const NO_EVENT: SimEvent = { time: 0, seq: 0, fn: null, a: undefined, b: undefined, c: 0, recycled: false };

/** Spare events kept for post() at most (more are simply dropped). */
const MAX_SPARE = 4096;

/** A heap smaller than this keeps its cancelled events until they are popped (a purge would not pay). */
const MIN_PURGE = 32;

export class EventBudgetExceeded extends Error {
  override readonly name = "EventBudgetExceeded";
}

export class Scheduler {
  now = 0;
  /** Events executed so far (cancelled ones not counted). */
  executed = 0;
  private seq = 0;
  /** heap[0, size) is the heap; slots past it hold NO_EVENT (the array never shrinks: no reallocation). */
  private readonly heap: SimEvent[] = [];
  private size = 0;
  private live = 0;

  /** @param maxEvents a hard bound per run: a scheduler that exceeds it throws EventBudgetExceeded. */
  constructor(readonly maxEvents = 50_000_000) {}

  get pending(): number {
    return this.live;
  }

  /** Schedules fn at now + delay (delay >= 0, integer µs). */
  schedule(delayUs: number, fn: () => void): SimEvent {
    return this.at(this.now + (delayUs > 0 ? Math.ceil(delayUs) : 0), fn);
  }

  /** schedule() with fn's arguments carried by the event (no closure per event). */
  scheduleWith<A, B>(delayUs: number, fn: (a: A, b: B, c: number) => void, a: A, b: B, c = 0): SimEvent {
    return this.at(this.now + (delayUs > 0 ? Math.ceil(delayUs) : 0), fn, a, b, c);
  }

  at(time: number, fn: () => void): SimEvent;
  at<A, B>(time: number, fn: (a: A, b: B) => void, a: A, b: B): SimEvent;
  at<A, B>(time: number, fn: (a: A, b: B, c: number) => void, a: A, b: B, c: number): SimEvent;
  at(time: number, fn: (a: never, b: never, c: number) => void, a?: unknown, b?: unknown, c = 0): SimEvent {
    const ev: SimEvent = { time: Math.max(time, this.now), seq: this.seq++, fn, a, b, c, recycled: false };
    this.push(ev);
    return ev;
  }

  /**
   * at() for an event nobody cancels (a message on the wire, an fsync completion): the event is not handed
   * out, so once it ran the scheduler keeps it for the next post() instead of allocating one per message.
   * Same time and sequence number as at() would give: the order of events does not change.
   */
  post<A, B>(time: number, fn: (a: A, b: B, c: number) => void, a: A, b: B, c: number): void {
    this.reuse(time, fn, a, b, c);
  }

  /**
   * post() for an event its caller may cancel (a timer): the event is handed out, yet still recycled once it
   * ran or, cancelled, left the heap. So the holder may treat it as its own only while its `seq` is the one
   * it had when returned (seq numbers never repeat): sim/timers.ts checks that before every cancel.
   */
  postCancellable<A, B>(delayUs: number, fn: (a: A, b: B, c: number) => void, a: A, b: B, c: number): SimEvent {
    return this.reuse(this.now + (delayUs > 0 ? Math.ceil(delayUs) : 0), fn, a, b, c);
  }

  /** A spare event refilled, or a new recyclable one, pushed at (time, next seq). */
  private reuse<A, B>(time: number, fn: (a: A, b: B, c: number) => void, a: A, b: B, c: number): SimEvent {
    const ev = this.spare.pop();
    if (ev === undefined) {
      const made = { time: Math.max(time, this.now), seq: this.seq++, fn, a, b, c, recycled: true } as SimEvent;
      this.push(made);
      return made;
    }
    ev.time = Math.max(time, this.now);
    ev.seq = this.seq++;
    ev.fn = fn as SimEvent["fn"];
    ev.a = a;
    ev.b = b;
    ev.c = c;
    this.push(ev);
    return ev;
  }

  /** Events post() and postCancellable() made that left the heap, for reuse. */
  private readonly spare: SimEvent[] = [];

  private push(ev: SimEvent): void {
    const h = this.heap;
    let i = this.size++;
    if (i === h.length) h.push(ev);
    // sift up
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p]!;
      if (pe.time < ev.time || (pe.time === ev.time && pe.seq < ev.seq)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = ev;
    this.live++;
  }

  cancel(ev: SimEvent | undefined): void {
    if (ev && ev.fn !== null) {
      ev.fn = null;
      ev.a = ev.b = undefined;
      this.live--;
      // Cancelled events wait in the heap until popped: most are timeouts of requests answered long before
      // (a member's proposal timeout, a client's deadline), and without a purge they made up two thirds of a
      // kv run's heap, every push and pop paying for the extra levels. Once they outnumber the live events,
      // they go all at once (linear, so constant per cancel).
      if (this.size - this.live > this.live && this.size >= MIN_PURGE) this.purge();
    }
  }

  /**
   * Drops every cancelled event from the heap and rebuilds it over the live ones. The order of events does
   * not change: (time, seq) is a total order (sequence numbers never repeat), so any heap over the same live
   * events pops them in the same order — and the cancelled ones never ran anyway.
   */
  private purge(): void {
    const h = this.heap;
    const size = this.size;
    let n = 0;
    for (let i = 0; i < size; i++) {
      const ev = h[i]!;
      if (ev.fn === null) this.release(ev);
      else h[n++] = ev;
    }
    for (let i = n; i < size; i++) h[i] = NO_EVENT;
    this.size = n;
    // Floyd's heap construction: sift every parent down, last one first.
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i, h[i]!, n);
  }

  /** Places ev at slot i or below, moving smaller children up (the heap is h[0, n)). */
  private siftDown(start: number, ev: SimEvent, n: number): void {
    const h = this.heap;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let ce = h[l]!;
      if (r < n) {
        const re = h[r]!;
        if (re.time < ce.time || (re.time === ce.time && re.seq < ce.seq)) {
          c = r;
          ce = re;
        }
      }
      if (ev.time < ce.time || (ev.time === ce.time && ev.seq < ce.seq)) break;
      h[i] = ce;
      i = c;
    }
    h[i] = ev;
  }

  /** An event that left the heap: a recycled one is kept for reuse (its fn is null, its arguments cleared). */
  private release(ev: SimEvent): void {
    if (ev.recycled && this.spare.length < MAX_SPARE) this.spare.push(ev);
  }

  private pop(): SimEvent | undefined {
    if (this.size === 0) return undefined;
    const h = this.heap;
    const top = h[0]!;
    const n = --this.size;
    const last = h[n]!;
    h[n] = NO_EVENT;
    if (n > 0) this.siftDown(0, last, n);
    return top;
  }

  /** Runs the next live event; false when none is left. */
  step(): boolean {
    return this.stepUntil(Infinity);
  }

  /** Runs the next live event if it is due by time t; false when none is. */
  stepUntil(t: number): boolean {
    const h = this.heap;
    for (;;) {
      if (this.size === 0) return false;
      const top = h[0]!;
      if (top.time > t) return false;
      this.pop();
      const fn = top.fn;
      if (fn === null) {
        this.release(top);
        continue;
      }
      top.fn = null;
      this.live--;
      this.now = top.time;
      if (++this.executed > this.maxEvents) throw new EventBudgetExceeded(`more than ${this.maxEvents} events`);
      const { a, b, c } = top;
      top.a = top.b = undefined;
      // Released before it runs: fn may post() again and take it (its arguments are read out already).
      this.release(top);
      (fn as (a: unknown, b: unknown, c: number) => void)(a, b, c);
      return true;
    }
  }

  /** Time of the next live event, or undefined. */
  peekTime(): number | undefined {
    const h = this.heap;
    while (this.size > 0 && h[0]!.fn === null) {
      const top = h[0]!;
      this.pop();
      this.release(top);
    }
    return this.size > 0 ? h[0]!.time : undefined;
  }

  /** Runs every event with time <= t, then sets now = t. */
  runUntil(t: number): void {
    while (this.stepUntil(t));
    if (this.now < t) this.now = t;
  }

  /** Runs until pred() holds (checked after each event) or time passes deadline; returns whether pred held. */
  runUntilPredicate(pred: () => boolean, deadline: number): boolean {
    if (pred()) return true;
    for (;;) {
      const next = this.peekTime();
      if (next === undefined || next > deadline) {
        if (this.now < deadline) this.now = deadline;
        return pred();
      }
      this.step();
      if (pred()) return true;
    }
  }
}
