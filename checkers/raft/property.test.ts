// A fast-check property over pure Raft nodes (testing/raft/schedule.ts): under random loss, duplication,
// reordering, partitions and crashes the safety monitor never fires, and after heal a leader is elected and
// every acknowledged proposal is applied everywhere within a bound.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { AssertionFailure } from "../../core/assert.ts";
import { BugSet } from "../../core/bugs.ts";
import { readFileSync } from "node:fs";
import {
  actionArbFor,
  HEAL_BOUND_TICKS,
  runSchedule,
  type Action,
  type RunOutcome,
} from "../../testing/raft/schedule.ts";

/**
 * The property's seed and depth (schedules per cluster size). CI runs DEPTHS.ci; ETCDSIM_RAFT_DEPTH=nightly
 * (or a number) goes deeper, ETCDSIM_RAFT_RUNS sets the count exactly, ETCDSIM_RAFT_SEED picks other
 * schedules. Why 400: a vote-counting bug (a candidate counting a granted vote response of an older term)
 * first fails at schedule 147 of the 3-node property, and at 633 or 431 under other seeds; 120 missed it.
 * A snapshot racing an in-flight conf change showed up about once in 2,000 runs (core/raft/joint.test.ts).
 */
const DEPTHS: Readonly<Record<string, number>> = { ci: 400, nightly: 10_000 };
const RAFT_SEED = Number(process.env.ETCDSIM_RAFT_SEED ?? 20240601);
const RAFT_DEPTH = process.env.ETCDSIM_RAFT_DEPTH ?? "ci";
const RAFT_RUNS = Number(process.env.ETCDSIM_RAFT_RUNS ?? DEPTHS[RAFT_DEPTH] ?? RAFT_DEPTH);
if (!Number.isInteger(RAFT_RUNS) || RAFT_RUNS <= 0) {
  throw new Error(
    `ETCDSIM_RAFT_DEPTH must be ${Object.keys(DEPTHS).join(", ")} or a positive integer, got "${RAFT_DEPTH}"`,
  );
}

const schedules = (nodes: number) => fc.array(actionArbFor(nodes), { minLength: 300, maxLength: 1000 });

for (const nodes of [3, 5]) {
  test(`safety holds and the cluster recovers under random faults (${nodes} nodes)`, () => {
    fc.assert(
      fc.property(schedules(nodes), fc.nat(), fc.boolean(), fc.boolean(), (actions, seed, preVote, checkQuorum) => {
        const out = runSchedule(nodes, actions, seed, { preVote, checkQuorum });
        if (out.safety !== undefined) throw new Error(out.safety);
        if (out.liveness !== undefined) throw new Error(out.liveness);
      }),
      { seed: RAFT_SEED + nodes, numRuns: RAFT_RUNS },
    );
  });
}

test("a voter that missed its configuration changes stalls elections until the other voter's term overtakes it", () => {
  // Found by a deep run (ETCDSIM_RAFT_SEED=31337, 2,442nd schedule), shrunk by fast-check. At heal: n1 last
  // applied the removal of n2 (voters n1,n3) and missed n2's return and n3's removal; n2 and n3 have voters
  // n1,n2. n1 campaigns to n3 only, which rejects its shorter log; n2 campaigns to n1 in a lower term, which
  // Raft ignores. Only when n2's term passes n1's does n1 vote for it.
  const [actions, seed, preVote, checkQuorum] = JSON.parse(
    readFileSync(new URL("./fixtures/stale-voter-term-race.json", import.meta.url), "utf8"),
  ) as [Action[], number, boolean, boolean];
  const slow = runSchedule(3, actions, seed, { preVote, checkQuorum, healBoundTicks: 300 });
  assert.is(slow.safety, undefined);
  assert.match(slow.liveness ?? "", /not converged: leader=none/, "the race outlasts 300 ticks");
  const out = runSchedule(3, actions, seed, { preVote, checkQuorum });
  assert.is(out.safety, undefined);
  assert.is(out.liveness, undefined, `recovers within HEAL_BOUND_TICKS (${HEAL_BOUND_TICKS})`);
});

test("the random schedules are not vacuous: writes are acknowledged, snapshots sent, logs repaired", () => {
  const runs = fc
    .sample(fc.tuple(schedules(3), fc.nat()), { seed: 4242, numRuns: 40 })
    .map(([a, s]) => runSchedule(3, a, s).stats!);
  const sum = (k: keyof NonNullable<RunOutcome["stats"]>) => runs.reduce((acc, r) => acc + r[k], 0);
  assert.ok(runs.filter((r) => r.acknowledged > 0).length >= 20, "most runs acknowledge writes");
  assert.ok(sum("snapshots") > 0, "some follower needed a snapshot");
  assert.ok(sum("overwrites") > 0, "some follower had a conflicting suffix overwritten");
  assert.ok(
    runs.some((r) => r.maxTerm >= 3),
    "some runs go through several elections",
  );
  assert.ok(sum("jointChanges") > 0, "some runs went through a joint configuration");
});

for (const bug of ["raft-ack-before-fsync", "raft-forget-vote"] as const) {
  test(`the same random schedules catch ${bug}`, () => {
    const runs = fc.sample(fc.tuple(schedules(3), fc.nat()), { seed: 777, numRuns: 20 });
    const caught = runs.filter(([a, s]) => {
      try {
        return runSchedule(3, a, s, { bugs: new BugSet([bug]) }).safety !== undefined;
      } catch (e) {
        if (e instanceof AssertionFailure) return true;
        throw e;
      }
    }).length;
    assert.ok(caught >= 5, `${bug} caught in ${caught} of 20 runs`);
  });
}

test.run();
