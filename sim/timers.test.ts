import { test } from "uvu";
import * as assert from "uvu/assert";
import { Scheduler } from "./scheduler.ts";
import { TimerTable } from "./timers.ts";

/** Schedules timer `id` at `time` as the world does (the id rides the event as its numeric argument). */
function arm(s: Scheduler, t: TimerTable, id: number, time: number, fired: number[]): void {
  t.add(s.at(time, (_a: undefined, _b: undefined, c: number) => fired.push(c), undefined, undefined, id));
}

test("cancel finds a pending timer by id among many, fired and cancelled ones included", () => {
  const s = new Scheduler();
  const t = new TimerTable();
  const fired: number[] = [];
  // Ids grow; times do not follow them, so timers fire out of id order.
  for (let id = 1; id <= 100; id++) arm(s, t, id, (id * 37) % 101, fired);
  for (let id = 2; id <= 100; id += 3) t.cancel(id, s);
  s.runUntil(50);
  const firedEarly = fired.length;
  // A fired, an already cancelled and an unknown id: nothing happens.
  t.cancel(fired[0]!, s);
  t.cancel(2, s);
  t.cancel(1000, s);
  for (let id = 101; id <= 200; id++) arm(s, t, id, 100 + id, fired);
  t.cancel(150, s);
  s.runUntil(1_000);
  const cancelled = new Set<number>([150]);
  for (let id = 2; id <= 100; id += 3) cancelled.add(id);
  const expected: number[] = [];
  for (let id = 1; id <= 200; id++) if (!cancelled.has(id)) expected.push(id);
  assert.equal(
    [...fired].sort((a, b) => a - b),
    expected,
  );
  assert.ok(firedEarly > 0 && firedEarly < fired.length);
  assert.is(t.size, 0);
});

test("after a compaction the slots it vacated are never read: fired ids there cancel nothing, new timers cancel exactly", () => {
  const s = new Scheduler();
  const t = new TimerTable();
  const fired: number[] = [];
  for (let id = 1; id <= 15; id++) arm(s, t, id, 10, fired);
  arm(s, t, 16, 1_000, fired);
  s.runUntil(20); // 1..15 fire; their events go back to the scheduler for reuse
  arm(s, t, 17, 500, fired); // the table is full: compacted down to timer 16, then 17
  // Reusing the fired timers' events, while the old slots past the table's length still name them.
  for (let id = 18; id <= 30; id++) arm(s, t, id, 100 + id, fired);
  for (const id of [3, 10, 15, 1000]) t.cancel(id, s); // fired or unknown: nothing happens
  t.cancel(19, s);
  t.cancel(30, s);
  assert.is(t.size, 13);
  s.runUntil(2_000);
  const expected = [16, 17];
  for (let id = 18; id <= 30; id++) if (id !== 19 && id !== 30) expected.push(id);
  assert.equal(
    fired.slice(15).sort((a, b) => a - b),
    expected.sort((a, b) => a - b),
  );
  assert.is(t.size, 0);
});

test("cancelAll cancels every pending timer and the table starts over", () => {
  const s = new Scheduler();
  const t = new TimerTable();
  const fired: number[] = [];
  for (let id = 1; id <= 40; id++) arm(s, t, id, id * 10, fired);
  s.runUntil(100);
  assert.is(t.size, 30);
  t.cancelAll(s);
  assert.is(t.size, 0);
  assert.is(s.pending, 0);
  arm(s, t, 41, 500, fired);
  s.runUntil(1_000);
  assert.equal(fired, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 41]);
});

test("a fired timer's recycled event carries a newer timer: cancelling the old id leaves the new one alone", () => {
  const s = new Scheduler();
  const t = new TimerTable();
  const fired: number[] = [];
  const fire = (_a: undefined, _b: undefined, c: number): void => void fired.push(c);
  t.add(s.postCancellable(10, fire, undefined, undefined, 1));
  s.runUntil(10);
  // Timer 2 most likely reuses timer 1's event object.
  t.add(s.postCancellable(10, fire, undefined, undefined, 2));
  t.cancel(1, s);
  assert.is(t.size, 1);
  s.runUntil(100);
  assert.equal(fired, [1, 2]);
  // Many timers through few objects: cancel what is pending, with compactions in between.
  for (let id = 3; id <= 200; id++) {
    t.add(s.postCancellable(5, fire, undefined, undefined, id));
    if (id % 2 === 0) t.cancel(id, s);
    if (id % 7 === 0) s.runUntil(s.now + 5);
  }
  s.runUntil(s.now + 100);
  const expected = [1, 2];
  for (let id = 3; id <= 200; id++) if (id % 2 === 1) expected.push(id);
  assert.equal(fired, expected);
  assert.is(t.size, 0);
});

test.run();
