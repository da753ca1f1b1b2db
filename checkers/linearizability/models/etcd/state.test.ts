// The etcd model's lease set (state.ts): immutable, shares structure, behaves as a set of numbers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { LeaseSet } from "./state.ts";

test("a lease set behaves like a Set, and every version stays as it was", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ add: fc.boolean(), id: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.maxSafeInteger()) }), {
        maxLength: 200,
      }),
      (steps) => {
        let set = LeaseSet.EMPTY;
        const model = new Set<number>();
        const versions: { set: LeaseSet; ids: number[] }[] = [];
        for (const { add, id } of steps) {
          const before = set;
          set = add ? set.with(id) : set.without(id);
          if (add) model.add(id);
          else model.delete(id);
          // Adding a present ID or removing an absent one returns the same set.
          if (set.size === before.size) assert.is(set, before);
          versions.push({ set, ids: [...model].sort((a, b) => a - b) });
        }
        for (const v of versions) {
          assert.equal(
            [...v.set].sort((a, b) => a - b),
            v.ids,
          );
          assert.is(v.set.size, v.ids.length);
          for (const id of v.ids) assert.ok(v.set.has(id));
        }
        return true;
      },
    ),
    { seed: 5, numRuns: 300 },
  );
});

test("IDs beyond 32 bits are told apart", () => {
  const big = 2 ** 40 + 7;
  const set = LeaseSet.EMPTY.with(big)
    .with(7)
    .with(2 ** 33 + 7);
  assert.is(set.size, 3);
  assert.ok(set.has(big) && set.has(7) && set.has(2 ** 33 + 7));
  assert.not.ok(set.has(2 ** 34 + 7));
  assert.is(set.without(7).size, 2);
  assert.not.ok(set.without(7).has(7));
  assert.ok(set.has(7), "the original keeps it");
});

test("thousands of leases: each version is right (grants share structure, no whole-set copies)", () => {
  let set = LeaseSet.EMPTY;
  const kept: LeaseSet[] = [];
  for (let id = 1; id <= 5000; id++) {
    set = set.with(id * 1_000_003);
    if (id % 1000 === 0) kept.push(set);
  }
  kept.forEach((s, i) => {
    assert.is(s.size, (i + 1) * 1000);
    assert.ok(s.has((i + 1) * 1000 * 1_000_003));
    assert.not.ok(s.has(((i + 1) * 1000 + 1) * 1_000_003));
  });
});

test.run();
