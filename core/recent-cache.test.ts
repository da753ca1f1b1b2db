import { test } from "uvu";
import * as assert from "uvu/assert";
import { RecentCache } from "./recent-cache.ts";

test("a recent cache keeps the last two generations and drops the oldest", () => {
  const c = new RecentCache<number, string>(3);
  for (let i = 0; i < 7; i++) c.set(i, `v${i}`);
  // Generations: [0 1 2] dropped when [3 4 5] filled and 6 arrived; [3 4 5] old, [6] young.
  assert.is(c.size, 4);
  assert.is(c.get(0), undefined);
  assert.is(c.get(2), undefined);
  assert.is(c.get(3), "v3");
  assert.is(c.get(5), "v5");
  assert.is(c.get(6), "v6");
});

test("a recent cache never holds more than two generations", () => {
  const c = new RecentCache<object, number>(8);
  for (let i = 0; i < 1000; i++) {
    c.set({ i }, i);
    assert.ok(c.size <= 16, `${c.size} held after ${i + 1}`);
  }
});

test("a key set again in the young generation answers its newest value", () => {
  const c = new RecentCache<string, number>(2);
  c.set("a", 1);
  c.set("b", 2);
  c.set("a", 3); // "a" and "b" became the old generation; "a" again in the young one
  assert.is(c.get("a"), 3);
  assert.is(c.get("b"), 2);
});

test.run();
