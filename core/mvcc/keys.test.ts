// The ordered key set and etcd's range-end conventions.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../sim/rng.ts";
import { inRange, normalizeRangeEnd, prefixEnd, SortedKeys } from "./keys.ts";

test("SortedKeys iterates [key, end) in ascending order after any mix of adds and removals", () => {
  const rng = new Rng(7);
  const set = new SortedKeys();
  const model = new Set<string>();
  const alphabet = ["a", "b", "c", "ab", "ba", "abc", "z", "\u0001", "b\u0000"];
  for (let i = 0; i < 400; i++) {
    const k = rng.pick(alphabet) + rng.pick(alphabet);
    if (rng.chance(0.8)) {
      if (!model.has(k)) {
        model.add(k);
        set.add(k);
      }
    } else if (model.has(k)) {
      model.delete(k);
      set.retain((x) => model.has(x));
    }
    const from = rng.pick(alphabet);
    const end = rng.chance(0.3) ? null : rng.pick(alphabet);
    const got: string[] = [];
    set.forEachInRange(from, end, (x) => void got.push(x));
    const want = [...model].filter((x) => x >= from && (end === null || x < end)).sort();
    assert.equal(got, want, `step ${i}: [${JSON.stringify(from)}, ${JSON.stringify(end)})`);
  }
  assert.is(set.size, model.size);
});

test("forEachInRange stops when the callback returns false", () => {
  const set = new SortedKeys();
  for (const k of ["d", "a", "c", "b"]) set.add(k);
  const got: string[] = [];
  set.forEachInRange("a", null, (k) => {
    got.push(k);
    return got.length < 2;
  });
  assert.equal(got, ["a", "b"]);
});

test('range ends: absent or empty is a point, "\\0" is unbounded, anything else is exclusive', () => {
  assert.is(normalizeRangeEnd(undefined), undefined);
  assert.is(normalizeRangeEnd(""), undefined);
  assert.is(normalizeRangeEnd("\0"), null);
  assert.ok(inRange("a", "a", undefined));
  assert.not.ok(inRange("ab", "a", undefined));
  assert.ok(inRange("zzz", "b", null));
  assert.not.ok(inRange("a", "b", null));
  assert.ok(inRange("b", "a", "c"));
  assert.not.ok(inRange("c", "a", "c"));
});

test("the prefix end increments the last character and drops trailing maximal ones", () => {
  assert.is(prefixEnd("abc"), "abd");
  assert.is(prefixEnd("a\uffff"), "b");
  assert.is(prefixEnd(""), "\0");
});

test.run();
