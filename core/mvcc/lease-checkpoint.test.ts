// Lease checkpoints (etcd's LeaseCheckpoint): the primary records remaining TTLs every interval, every
// member keeps them (persisted in snapshots), a new leader restarts leases from them, and a keep-alive
// must clear one before it may promise a whole TTL.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Lessor } from "./lease.ts";

const SEC = 1_000_000;
const INTERVAL = 1_500_000;

function primary(opts: ConstructorParameters<typeof Lessor>[0] = {}): Lessor {
  return new Lessor({ primary: true, checkpointIntervalUs: INTERVAL, ...opts });
}

test("a lease with more than an interval left is checkpointed an interval after its grant, rounded up to seconds", () => {
  const l = primary();
  l.grant(1, 5, 0);
  l.grant(2, 1, 0); // one second: never more than an interval left
  assert.equal(l.dueCheckpoints(INTERVAL - 1), []);
  assert.equal(l.dueCheckpoints(INTERVAL), [{ ID: 1, remainingTTL: 4 }]);
  // Popped: not due again until a checkpoint of it applies (and schedules the next).
  assert.equal(l.dueCheckpoints(3 * INTERVAL), []);
  l.checkpoint({ ID: 1, remainingTTL: 4 }, INTERVAL);
  assert.equal(l.dueCheckpoints(2 * INTERVAL), [{ ID: 1, remainingTTL: 2 }]);
});

test("a checkpoint that would find the whole TTL left (renewed within the last second) is dropped, as in etcd", () => {
  const l = primary();
  l.grant(1, 5, 0);
  l.renew(1, INTERVAL - SEC / 2);
  assert.equal(l.dueCheckpoints(INTERVAL), []);
  assert.equal(l.dueCheckpoints(10 * INTERVAL), []);
});

test("without an interval, or on a non-primary, nothing is checkpointed", () => {
  const off = new Lessor({ primary: true });
  off.grant(1, 5, 0);
  assert.equal(off.dueCheckpoints(10 * SEC), []);
  const follower = new Lessor({ primary: false, checkpointIntervalUs: INTERVAL });
  follower.grant(1, 5, 0);
  assert.equal(follower.dueCheckpoints(10 * SEC), []);
});

test("a new leader restarts a checkpointed lease from its remainder, and an unchecked one from its TTL", () => {
  const l = new Lessor({ primary: false, checkpointIntervalUs: INTERVAL });
  l.grant(1, 5, 0);
  l.grant(2, 5, 0);
  l.checkpoint({ ID: 1, remainingTTL: 2 }, SEC);
  l.promote(10 * SEC, 100_000);
  assert.is(l.lookup(1)!.expiryUs, 10 * SEC + 100_000 + 2 * SEC);
  assert.is(l.lookup(2)!.expiryUs, 10 * SEC + 100_000 + 5 * SEC);
  // The promotion schedules the next checkpoint of each lease with more than an interval left.
  assert.equal(l.dueCheckpoints(10 * SEC + INTERVAL), [
    { ID: 1, remainingTTL: 1 },
    { ID: 2, remainingTTL: 4 },
  ]);
});

test("the mutant of etcd #13491 schedules nothing at promotion", () => {
  const l = new Lessor({ primary: false, checkpointIntervalUs: INTERVAL, checkpointUnscheduledOnPromote: true });
  l.grant(1, 5, 0);
  l.promote(0, 0);
  assert.equal(l.dueCheckpoints(10 * SEC), []);
});

test("the remainder survives a snapshot (etcd 3.6 persists it); the mutant of etcd #13508 loses it", () => {
  for (const [lost, expiry] of [
    [false, 2 * SEC],
    [true, 5 * SEC],
  ] as const) {
    const a = new Lessor({ primary: false, checkpointIntervalUs: INTERVAL, checkpointNotPersisted: lost });
    a.grant(1, 5, 0);
    a.checkpoint({ ID: 1, remainingTTL: 2 }, SEC);
    const b = new Lessor({ primary: false, checkpointIntervalUs: INTERVAL });
    b.restore(a.snapshot(), 0);
    b.promote(0, 0);
    assert.is(b.lookup(1)!.expiryUs, expiry);
  }
});

test("a keep-alive must clear a remainder applied, or one proposed and perhaps still in flight", () => {
  const l = primary();
  l.grant(1, 5, 0);
  l.grant(2, 5, 0);
  assert.is(l.needsClear(1), false);
  // Lease 1's checkpoint is proposed but not applied: a keep-alive now must still clear it.
  assert.equal(l.dueCheckpoints(INTERVAL), [
    { ID: 1, remainingTTL: 4 },
    { ID: 2, remainingTTL: 4 },
  ]);
  assert.is(l.needsClear(1), true);
  assert.is(l.needsClear(1), false, "the clear is proposed once");
  // Lease 2's applied: its remainder is set until a clear applies.
  l.checkpoint({ ID: 2, remainingTTL: 4 }, INTERVAL);
  l.needsClear(2);
  assert.is(l.needsClear(2), true);
  l.checkpoint({ ID: 2, remainingTTL: 0 }, INTERVAL);
  assert.is(l.needsClear(2), false);
});

test("a renewal restarts the whole TTL; etcd's refresh (the mutant's) restarts an uncleared remainder", () => {
  const l = primary();
  l.grant(1, 5, 0);
  l.checkpoint({ ID: 1, remainingTTL: 2 }, SEC);
  l.renew(1, 3 * SEC);
  assert.is(l.lookup(1)!.expiryUs, 8 * SEC);
  l.renew(1, 3 * SEC, true);
  assert.is(l.lookup(1)!.expiryUs, 5 * SEC);
});

test("demotion forgets the schedule", () => {
  const l = primary();
  l.grant(1, 5, 0);
  l.demote();
  l.promote(0, 0);
  l.demote();
  assert.equal(l.dueCheckpoints(10 * SEC), []);
});

test.run();
