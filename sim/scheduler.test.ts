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

test.run();
