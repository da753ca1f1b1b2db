// LeaseTimeToLive through a member, as etcd serves it: the leader's lessor counts the remaining TTL (in
// whole seconds, rounded down) on its own clock, with the granted TTL and, when asked, the attached
// keys; a lease that does not exist answers TTL -1, not an error.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { LeaseTimeToLiveResponse } from "../mvcc/rpc.ts";
import { oneMemberCluster } from "../../testing/etcd/one-member.ts";

function oneMember() {
  const { world, client: c, recorder } = oneMemberCluster({ seed: 11 });
  function call<T>(op: (done: (r: T) => void) => void): T {
    let out: { v: T } | undefined;
    op((v) => (out = { v }));
    world.runUntilPredicate(() => out !== undefined, world.now + 2_000_000);
    assert.ok(out !== undefined, "answered");
    return out!.v;
  }
  const ttl = (ID: number, keys = false): LeaseTimeToLiveResponse => {
    const r = call<{ ok: boolean; value?: LeaseTimeToLiveResponse }>((done) =>
      c.leaseTimeToLive({ ID, keys }, (x) => done(x as { ok: boolean; value?: LeaseTimeToLiveResponse })),
    );
    assert.ok(r.ok, "a TimeToLive succeeds");
    return r.value!;
  };
  return { world, c, call, ttl, recorder };
}

test("a TimeToLive answers the remaining TTL rounded down, the granted TTL and, when asked, the attached keys", () => {
  const t = oneMember();
  const g = t.call<{ ok: boolean; value?: { ID: number } }>((done) => t.c.leaseGrant({ TTL: 5 }, done));
  const id = g.value!.ID;
  t.call<{ ok: boolean }>((done) => t.c.put({ key: "b", value: "1", lease: id }, done));
  t.call<{ ok: boolean }>((done) => t.c.put({ key: "a", value: "1", lease: id }, done));
  const now = t.ttl(id, true);
  assert.equal([now.TTL, now.grantedTTL, now.keys], [4, 5, ["a", "b"]], "just under 5 s left: 4");
  assert.equal(t.ttl(id).keys, [], "no keys unless asked");
  t.world.runUntil(t.world.now + 2_500_000);
  assert.is(t.ttl(id).TTL, 2, "2.5 s later");
});

test("a TimeToLive of a lease that does not exist, or no longer does, answers TTL -1", () => {
  const t = oneMember();
  assert.is(t.ttl(424242).TTL, -1);
  const g = t.call<{ ok: boolean; value?: { ID: number } }>((done) => t.c.leaseGrant({ TTL: 1 }, done));
  t.world.runUntil(t.world.now + 2_000_000); // expired and revoked by the leader's lessor
  assert.is(t.ttl(g.value!.ID).TTL, -1);
  const kinds = t.recorder.operations.map((o) => o.request.kind);
  assert.ok(kinds.includes("leaseTimeToLive"), "recorded in the history");
});

test.run();
