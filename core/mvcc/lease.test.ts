// Leases: grant, revoke (one revision for all attached keys), attach/detach through puts and
// deletes, keep-alive, expiry on the caller's clock, primary/non-primary, and snapshots.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Lessor, MAX_LEASE_TTL } from "./lease.ts";
import { MvccStore } from "./store.ts";
import { errorOf, ok } from "../../testing/mvcc/test-util.ts";

const SEC = 1_000_000;

test("a grant returns the chosen ID and its TTL, and does not raise the revision", () => {
  const s = new MvccStore();
  assert.equal(ok(s.leaseGrant({ ID: 42, TTL: 30 }, 2)), { header: { revision: 1, raftTerm: 2 }, ID: 42, TTL: 30 });
  assert.is(s.revision, 1);
});

test("ID 0 lets the store choose, the same way on every member", () => {
  const a = new MvccStore();
  const b = new MvccStore();
  for (const s of [a, b]) ok(s.leaseGrant({ ID: 1, TTL: 10 }));
  const ida = [ok(a.leaseGrant({ TTL: 10 })).ID, ok(a.leaseGrant({ TTL: 10 })).ID];
  const idb = [ok(b.leaseGrant({ TTL: 10 })).ID, ok(b.leaseGrant({ TTL: 10 })).ID];
  assert.equal(ida, idb);
  assert.equal(ida, [2, 3]);
});

test("granting an existing ID is lease-exists; a TTL above the maximum is lease-ttl-too-large (checked first)", () => {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 5, TTL: 10 }));
  assert.is(errorOf(s.leaseGrant({ ID: 5, TTL: 10 })), "lease-exists");
  assert.is(errorOf(s.leaseGrant({ ID: 5, TTL: MAX_LEASE_TTL + 1 })), "lease-ttl-too-large");
});

test("a TTL below the minimum is raised to it", () => {
  const s = new MvccStore({ lessor: { minTTL: 2 } });
  assert.is(ok(s.leaseGrant({ ID: 1, TTL: 0 })).TTL, 2);
  assert.is(ok(s.leaseGrant({ ID: 2, TTL: 1 })).TTL, 2);
  assert.is(ok(s.leaseGrant({ ID: 3, TTL: 5 })).TTL, 5);
});

test("revoke deletes every attached key in one revision, in key order, then forgets the lease", () => {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 1, TTL: 10 }));
  s.put({ key: "z", value: "", lease: 1 });
  s.put({ key: "m", value: "", lease: 1 });
  s.put({ key: "free", value: "" });
  const deleted: string[] = [];
  s.setListener({ onCommit: (rev, keys) => deleted.push(`${rev}:${keys.join(",")}`), onRestore: () => {} });
  assert.equal(ok(s.leaseRevoke({ ID: 1 })), { header: { revision: 5, raftTerm: 0 } });
  assert.equal(deleted, ["5:m,z"]);
  assert.equal(
    ok(s.range({ key: "\0", rangeEnd: "\0" })).kvs.map((kv) => kv.key),
    ["free"],
  );
  assert.is(errorOf(s.leaseRevoke({ ID: 1 })), "lease-not-found");
});

test("revoking a lease without live keys does not raise the revision", () => {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 1, TTL: 10 }));
  s.put({ key: "a", value: "", lease: 1 });
  s.deleteRange({ key: "a" });
  const rev = s.revision;
  assert.is(ok(s.leaseRevoke({ ID: 1 })).header.revision, rev);
});

test("a put without the lease detaches the key, a put with another lease moves it, a delete detaches it", () => {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 1, TTL: 10 }));
  ok(s.leaseGrant({ ID: 2, TTL: 10 }));
  s.put({ key: "plain", value: "", lease: 1 });
  s.put({ key: "plain", value: "no lease now" });
  s.put({ key: "moved", value: "", lease: 1 });
  s.put({ key: "moved", value: "", lease: 2 });
  s.put({ key: "gone", value: "", lease: 1 });
  s.deleteRange({ key: "gone" });
  assert.equal([...(s.lessor.lookup(1)?.keys ?? [])], []);
  assert.equal([...(s.lessor.lookup(2)?.keys ?? [])], ["moved"]);
  ok(s.leaseRevoke({ ID: 1 }));
  assert.equal(
    ok(s.range({ key: "\0", rangeEnd: "\0" })).kvs.map((kv) => [kv.key, kv.lease]),
    [
      ["moved", 2],
      ["plain", 0],
    ],
  );
});

test("leases expire on the caller's clock: expired() lists them earliest first, keep-alive pushes expiry back", () => {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 1, TTL: 10 }, 0, 0));
  ok(s.leaseGrant({ ID: 2, TTL: 5 }, 0, 0));
  assert.equal(s.lessor.expired(4 * SEC), []);
  assert.equal(s.lessor.expired(10 * SEC), [2, 1]);
  assert.equal(ok(s.leaseKeepAlive({ ID: 2 }, 0, 8 * SEC)), { header: { revision: 1, raftTerm: 0 }, ID: 2, TTL: 5 });
  assert.equal(s.lessor.expired(10 * SEC), [1]);
  assert.equal(s.lessor.expired(13 * SEC), [1, 2]);
});

test("keep-alive of an unknown lease answers TTL 0 instead of an error", () => {
  const s = new MvccStore();
  assert.equal(ok(s.leaseKeepAlive({ ID: 77 })), { header: { revision: 1, raftTerm: 0 }, ID: 77, TTL: 0 });
});

test("a demoted lessor expires nothing and refuses keep-alives; promotion restarts every TTL plus the extension", () => {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 1, TTL: 10 }, 0, 0));
  s.lessor.demote();
  assert.equal(s.lessor.expired(1000 * SEC), []);
  assert.is(errorOf(s.leaseKeepAlive({ ID: 1 }, 0, 0)), "not-leader");
  s.lessor.promote(100 * SEC, 2 * SEC);
  assert.equal(s.lessor.expired(111 * SEC), []);
  assert.equal(s.lessor.expired(112 * SEC), [1]);
});

test("a follower's lessor grants leases that never expire until it is promoted", () => {
  const l = new Lessor({ primary: false });
  l.grant(1, 5, 0);
  assert.equal(l.expired(Number.MAX_SAFE_INTEGER - 1), []);
  assert.is(l.remainingSeconds(1, 0), 5);
});

test("time-to-live reports remaining whole seconds, the granted TTL and the keys; -1 for an unknown lease", () => {
  const s = new MvccStore();
  ok(s.leaseGrant({ ID: 1, TTL: 10 }, 0, 0));
  s.put({ key: "b", value: "", lease: 1 });
  s.put({ key: "a", value: "", lease: 1 });
  assert.equal(s.leaseTimeToLive({ ID: 1, keys: true }, 0, 3.5 * SEC), {
    header: { revision: 3, raftTerm: 0 },
    ID: 1,
    TTL: 6,
    grantedTTL: 10,
    keys: ["a", "b"],
  });
  assert.is(s.leaseTimeToLive({ ID: 9 }).TTL, -1);
});

test("leases and their keys survive snapshot and restore; expiry restarts on the restoring member's clock", () => {
  const a = new MvccStore();
  ok(a.leaseGrant({ ID: 3, TTL: 10 }, 0, 0));
  a.put({ key: "k", value: "", lease: 3 });
  const b = MvccStore.fromSnapshot(a.snapshot(), {}, 50 * SEC);
  assert.equal([...(b.lessor.lookup(3)?.keys ?? [])], ["k"]);
  assert.equal(b.lessor.expired(59 * SEC), []);
  assert.equal(b.lessor.expired(60 * SEC), [3]);
  ok(b.leaseRevoke({ ID: 3 }));
  assert.is(ok(b.range({ key: "k" })).count, 0);
  assert.is(ok(b.leaseGrant({ TTL: 1 })).ID, ok(a.leaseGrant({ TTL: 1 })).ID, "the ID counter is replicated too");
});

test.run();
