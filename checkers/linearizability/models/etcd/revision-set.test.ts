// RevisionSet answers as a Set of the same numbers: bits for small revisions, a Set for the rest.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../../../sim/rng.ts";
import { RevisionSet } from "./revision-set.ts";

test("has and size agree with a Set through random adds (small, large, repeated, odd numbers)", () => {
  const odd = [-1, -0, 0.5, Number.NaN, Infinity, 2 ** 24, 2 ** 24 - 1, 2 ** 40, 31, 32, 33];
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const set = new Set<number>();
    const bits = new RevisionSet();
    for (let i = 0; i < 3_000; i++) {
      const r = rng.next() < 0.05 ? odd[Math.floor(rng.next() * odd.length)]! : Math.floor(rng.next() * 5_000);
      set.add(r);
      bits.add(r);
      assert.is(bits.size, set.size);
    }
    for (let r = -2; r < 5_100; r++) assert.is(bits.has(r), set.has(r), `revision ${r}`);
    for (const r of [...odd, 2 ** 25, -5]) assert.is(bits.has(r), set.has(r), `revision ${r}`);
  }
});

test("a long run of revisions from 2 up is all bits: a few words per 32 revisions", () => {
  const bits = new RevisionSet();
  for (let r = 2; r < 200_000; r++) bits.add(r);
  assert.is(bits.size, 199_998);
  assert.ok(bits.has(2) && bits.has(199_999) && !bits.has(1) && !bits.has(200_000));
});

test.run();
