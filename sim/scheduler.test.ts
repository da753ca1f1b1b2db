import { test } from "uvu";
import * as assert from "uvu/assert";
import { Scheduler, EventBudgetExceeded } from "./scheduler.ts";

test("events run in (time, sequence) order", () => {
  const s = new Scheduler();
  const seen: string[] = [];
  s.at(30, () => seen.push("c"));
  s.at(10, () => seen.push("a1"));
  s.at(20, () => seen.push("b"));
  s.at(10, () => seen.push("a2"));
  while (s.step());
  assert.equal(seen, ["a1", "a2", "b", "c"]);
  assert.is(s.now, 30);
});

test("a heap of many random events pops sorted", () => {
  const s = new Scheduler();
  const times: number[] = [];
  let x = 12345;
  for (let i = 0; i < 5000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const t = x % 1000;
    s.at(t, () => times.push(s.now));
  }
  while (s.step());
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1]! <= times[i]!);
  assert.is(times.length, 5000);
});

test("a cancelled event never runs", () => {
  const s = new Scheduler();
  let ran = false;
  const ev = s.schedule(5, () => (ran = true));
  s.cancel(ev);
  assert.is(s.pending, 0);
  while (s.step());
  assert.is(ran, false);
});

test("events scheduled by events run in time order", () => {
  const s = new Scheduler();
  const seen: number[] = [];
  s.at(0, () => {
    s.schedule(10, () => seen.push(s.now));
    s.schedule(5, () => seen.push(s.now));
  });
  while (s.step());
  assert.equal(seen, [5, 10]);
});

test("runUntil stops at the time and advances the clock", () => {
  const s = new Scheduler();
  const seen: number[] = [];
  for (const t of [5, 10, 15]) s.at(t, () => seen.push(t));
  s.runUntil(10);
  assert.equal(seen, [5, 10]);
  assert.is(s.now, 10);
  s.runUntil(12);
  assert.is(s.now, 12);
});

test("runUntilPredicate stops as soon as the predicate holds", () => {
  const s = new Scheduler();
  let n = 0;
  for (let t = 1; t <= 100; t++) s.at(t, () => n++);
  assert.ok(s.runUntilPredicate(() => n >= 10, 1000));
  assert.is(s.now, 10);
  assert.not.ok(s.runUntilPredicate(() => n >= 1000, 500));
  assert.is(s.now, 500);
});

test("a run that exceeds its event budget is stopped", () => {
  const s = new Scheduler(100);
  const loop = () => s.schedule(1, loop);
  loop();
  assert.throws(
    () => {
      while (s.step());
    },
    (e: unknown) => e instanceof EventBudgetExceeded,
  );
});

test("an event scheduled with arguments runs with them and lets go of them after", () => {
  const s = new Scheduler();
  const got: unknown[] = [];
  const payload = { big: "message" };
  const ev = s.at(5, (a: string, b: object) => got.push(a, b), "route", payload);
  s.step();
  assert.equal(got, ["route", payload]);
  assert.is(ev.a, undefined);
  assert.is(ev.b, undefined);
});

test("post() events keep (time, sequence) order with at() events, and their objects are reused", () => {
  const s = new Scheduler();
  const seen: string[] = [];
  const note = (a: string, b: string, c: number): void => void seen.push(`${a}${b}${c}@${s.now}`);
  s.post(20, note, "p", "x", 1);
  s.at(10, () => seen.push(`a@${s.now}`));
  s.post(10, note, "p", "y", 2);
  s.at(20, () => seen.push(`b@${s.now}`));
  while (s.step());
  assert.equal(seen, ["a@10", "py2@10", "px1@20", "b@20"]);
  // An event posted from inside a posted event's run, at the same time, runs after it (a later seq).
  const order: number[] = [];
  const chain = (_a: undefined, _b: undefined, c: number): void => {
    order.push(c);
    if (c < 5) s.post(s.now, chain, undefined, undefined, c + 1);
  };
  s.post(30, chain, undefined, undefined, 1);
  s.at(30, () => order.push(100));
  while (s.step());
  assert.equal(order, [1, 100, 2, 3, 4, 5]);
});

test("a postCancellable() event is recycled once it ran or was cancelled: its seq tells the holder", () => {
  const s = new Scheduler();
  const fired: number[] = [];
  const fire = (_a: undefined, _b: undefined, c: number): void => void fired.push(c);
  const first = s.postCancellable(5, fire, undefined, undefined, 1);
  const firstSeq = first.seq;
  while (s.step());
  assert.equal(fired, [1]);
  // The next event may be the same object, with a new seq: the old holder must not cancel it.
  const second = s.postCancellable(5, fire, undefined, undefined, 2);
  assert.ok(second !== first || second.seq !== firstSeq);
  const third = s.postCancellable(7, fire, undefined, undefined, 3);
  s.cancel(third);
  while (s.step());
  assert.equal(fired, [1, 2]);
  assert.is(s.pending, 0);
  // A cancelled event that left the heap is reused too, with its arguments cleared.
  const fourth = s.postCancellable(1, fire, undefined, undefined, 4);
  assert.ok([first, second, third].includes(fourth));
  assert.is(fourth.c, 4);
  while (s.step());
  assert.equal(fired, [1, 2, 4]);
});

test("events at few distinct times, scheduled while others run, keep (time, sequence) order", () => {
  const s = new Scheduler();
  const ran: [number, number][] = [];
  let x = 7;
  let n = 0;
  const rand = (k: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % k;
  };
  const fire = (_a: undefined, _b: undefined, c: number): void => {
    ran.push([s.now, c]);
    // Events scheduled from inside an event land at now or a little later, many at the same times.
    if (n < 3000) for (let k = rand(3); k > 0; k--) s.post(s.now + rand(4), fire, undefined, undefined, ++n);
  };
  for (let i = 0; i < 200; i++) s.post(rand(10), fire, undefined, undefined, ++n);
  while (s.step());
  assert.ok(ran.length > 1000);
  for (let i = 1; i < ran.length; i++) {
    const [t0, c0] = ran[i - 1]!;
    const [t1, c1] = ran[i]!;
    // Sequence numbers follow the order of scheduling, which `c` records.
    assert.ok(t0 < t1 || (t0 === t1 && c0 < c1), `event ${i} out of order`);
  }
});

test("cancelled events are purged once they outnumber the live ones; the rest run in the same order", () => {
  const s = new Scheduler();
  const ran: number[] = [];
  const fire = (_a: undefined, _b: undefined, c: number): void => void ran.push(c);
  const heapSize = (): number => (s as unknown as { size: number }).size;
  let x = 99;
  const rand = (k: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % k;
  };
  // Timeouts far off, nearly all cancelled (a member's proposal timeouts), among short events that run.
  const timeouts = [];
  for (let i = 0; i < 300; i++) timeouts.push(s.postCancellable(1_000 + rand(1_000), fire, undefined, undefined, i));
  for (let i = 0; i < 40; i++) s.post(rand(500), fire, undefined, undefined, 1_000 + i);
  for (let i = 0; i < 300; i++) if (i % 10 !== 0) s.cancel(timeouts[i]);
  assert.is(s.pending, 30 + 40);
  // The heap kept at most as many cancelled events as live ones.
  assert.ok(heapSize() <= 2 * s.pending, `heap of ${heapSize()} for ${s.pending} live events`);
  const expected = timeouts.filter((_, i) => i % 10 === 0).map((ev) => [ev.time, ev.seq, ev.c] as const);
  while (s.step());
  assert.is(ran.length, 70);
  // The timeouts that were not cancelled ran, in (time, seq) order, after every short event.
  const order = expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[2]);
  assert.equal(ran.slice(40), order);
  assert.ok(ran.slice(0, 40).every((c) => c >= 1_000));
  assert.is(heapSize(), 0);
  // Purged events were recycled: new ones reuse them.
  const again = s.postCancellable(5, fire, undefined, undefined, 7);
  assert.ok(timeouts.includes(again));
});

test("a purge in the middle of a run changes nothing in the order of events", () => {
  // The same random schedule, once with cancels that trigger purges and once cancelling nothing but
  // skipping the same events when they come due: the events that run, run in the same order.
  const run = (purge: boolean): number[] => {
    const s = new Scheduler();
    const ran: number[] = [];
    const skipped = new Set<number>();
    let x = 3;
    const rand = (k: number): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % k;
    };
    let n = 0;
    const fire = (_a: undefined, _b: undefined, c: number): void => {
      if (skipped.has(c)) return;
      ran.push(c);
      if (n > 4000) return;
      const evs = [];
      for (let k = 0; k < 3; k++) evs.push(s.postCancellable(rand(2_000), fire, undefined, undefined, ++n));
      // Two of three are cancelled at once (or, without purging, only marked to be skipped).
      for (let k = 0; k < 2; k++) {
        if (purge) s.cancel(evs[k]);
        else skipped.add(evs[k]!.c);
      }
    };
    for (let i = 0; i < 50; i++) s.postCancellable(rand(100), fire, undefined, undefined, ++n);
    while (s.step());
    return ran;
  };
  const a = run(true);
  assert.ok(a.length > 1000);
  assert.equal(a, run(false));
});

test.run();
