// The etcd model's state (state.ts): the lease set is immutable, shares structure and behaves as a set
// of numbers; the history a state keeps for old reads ends at its compaction.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { EtcdRequest } from "../../../../core/mvcc/rpc.ts";
import { type ApplyContext, applyRequest } from "./apply.ts";
import { RevisionSet } from "./revision-set.ts";
import { atRevision, type EtcdState, initialState, LeaseSet, statesEqual } from "./state.ts";

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

function run(requests: EtcdRequest[], ctx: ApplyContext, from: EtcdState = initialState()): EtcdState {
  let state = from;
  for (const r of requests) {
    const out = applyRequest(state, r, ctx);
    assert.ok(out.ok, `${r.kind} refused`);
    state = out.state;
  }
  return state;
}

const put = (key: string, value: string): EtcdRequest => ({ kind: "put", put: { key, value } });
const compact = (revision: number): EtcdRequest => ({ kind: "compact", compact: { revision } });
const del = (key: string): EtcdRequest => ({ kind: "deleteRange", deleteRange: { key } });

/** The revisions a state's history holds, newest first. */
function chain(state: EtcdState): number[] {
  const out: number[] = [];
  for (let s: EtcdState | null = state; s; s = s.prev) out.push(s.revision);
  return out;
}

test("a compaction ends the history at its revision, but for the revisions serializable reads were served at", () => {
  const ctx: ApplyContext = {
    keepHistory: true,
    servedRevisions: new RevisionSet().add(4).add(9),
    isTracked: () => true,
  };
  const everything: ApplyContext = { ...ctx, servedRevisions: undefined };
  const writes = Array.from({ length: 29 }, (_, i) => put(`k${i % 3}`, `v${i}`)); // revisions 2..30
  const more = Array.from({ length: 5 }, (_, i) => put(`k${i % 3}`, `w${i}`)); // 31..35
  const full = run(writes, everything);
  assert.is(chain(full).length, 30, "no compaction: every revision kept");
  const once = run([compact(20)], ctx, full);
  assert.equal(chain(once), [30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 9, 4]);
  // A later compaction cuts again from where the last one ended; what a read can see is unchanged.
  const twice = run([...more, compact(33)], ctx, once);
  assert.equal(chain(twice), [35, 34, 33, 9, 4]);
  const uncut = run(more, everything, full);
  for (const rev of [4, 9, 33, 34, 35]) assert.equal(atRevision(twice, rev)!.kvs, atRevision(uncut, rev)!.kvs);
  // Without served revisions nothing below the compaction stays.
  assert.equal(chain(run([compact(28)], everything, full)), [30, 29, 28]);
});

test("two stores that differ only below their compaction are equal", () => {
  const ctx: ApplyContext = { keepHistory: true, isTracked: () => true };
  const a = run([put("x", "1"), del("x"), put("z", "2")], ctx);
  const b = run([put("y", "1"), del("y"), put("z", "2")], ctx);
  assert.not.ok(statesEqual(a, b), "an old read at revision 2 tells them apart");
  assert.ok(statesEqual(run([compact(3)], ctx, a), run([compact(3)], ctx, b)));
  assert.is(run([compact(3)], ctx, a).hash, run([compact(3)], ctx, b).hash);
  assert.not.ok(statesEqual(run([compact(2)], ctx, a), run([compact(2)], ctx, b)), "revision 2 is still readable");
});

test.run();
