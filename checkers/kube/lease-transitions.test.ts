// kube-lease-transitions on hand-written versions of a leader-election Lease.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ObjectVersion } from "../../core/kube/observations.ts";
import type { Lease } from "../../core/kube/types.ts";
import { checkLeaseTransitions } from "./leader.ts";

const KEY = "/registry/leases/kube-system/kube-scheduler";

function version(rv: number, holder: string, transitions: number, acquireTime: number): ObjectVersion {
  const object: Lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "kube-scheduler", namespace: "kube-system", resourceVersion: String(rv) },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 2,
      acquireTime,
      renewTime: rv * 10,
      leaseTransitions: transitions,
    },
  };
  return { time: rv * 1000, key: KEY, rv, createRevision: 10, object, source: "store" };
}

test("renewals keep the count and acquireTime; each takeover adds one and acquires anew", () => {
  const r = checkLeaseTransitions([
    version(10, "s1", 0, 100),
    version(11, "s1", 0, 100),
    version(14, "s2", 1, 140),
    version(15, "s2", 1, 140),
    version(19, "s1", 2, 190),
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^2 changes of a Lease's holder, .*; 2 renewals keeping both/);
});

test("a takeover that keeps the count, or the old acquireTime, fails", () => {
  const kept = checkLeaseTransitions([version(10, "s1", 0, 100), version(14, "s2", 0, 140)]);
  assert.is(kept.verdict, "fail");
  assert.match(kept.message, /held by s2 after s1, with leaseTransitions 0, not 1/);
  const oldAcquire = checkLeaseTransitions([version(10, "s1", 0, 100), version(14, "s2", 1, 100)]);
  assert.is(oldAcquire.verdict, "fail");
  assert.match(oldAcquire.message, /with the old acquireTime/);
});

test("a renewal that moves the count or acquireTime fails; a new life of the key starts afresh", () => {
  const bumped = checkLeaseTransitions([version(10, "s1", 0, 100), version(11, "s1", 1, 100)]);
  assert.is(bumped.verdict, "fail");
  assert.match(bumped.message, /still held by s1, yet leaseTransitions went from 0 to 1/);
  const reacquired = checkLeaseTransitions([version(10, "s1", 0, 100), version(11, "s1", 0, 110)]);
  assert.match(reacquired.message, /yet acquireTime moved from 100 to 110/);
  const recreated = { ...version(20, "s2", 0, 200), createRevision: 20 };
  assert.is(checkLeaseTransitions([version(10, "s1", 3, 100), recreated]).verdict, "pass");
});

test("a release keeps the count, and whoever takes the released Lease adds one; a release that bumps it fails", () => {
  const released = { ...version(12, "", 1, 120) };
  delete (released.object as Lease).spec.holderIdentity;
  const ok = checkLeaseTransitions([version(10, "s1", 1, 100), released, version(13, "s2", 2, 130)]);
  assert.is(ok.verdict, "pass", ok.message);
  assert.match(ok.message, /1 changes of a Lease's holder.*; 1 releases keeping the count/);
  const bumped = checkLeaseTransitions([version(10, "s1", 1, 100), version(12, "", 2, 120)]);
  assert.is(bumped.verdict, "fail");
  assert.match(bumped.message, /released by s1, yet leaseTransitions went from 1 to 2/);
});

test.run();
