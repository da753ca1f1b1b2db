// kube-cascade on hand-made logs: a foreground owner gone after its dependents passes, before them fails;
// an orphaning owner gone once its dependents no longer name it passes, while one still does fails; a
// ReplicaSet controller that makes a pod for a ReplicaSet its cache shows being deleted fails, one whose
// cache had not yet seen the deletion passes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import { cacheLog } from "../../testing/kube/cache-log.ts";
import { checkCascade } from "./cascade.ts";

const D = "/registry/deployments/default/web";
const RS = "/registry/replicasets/default/web-1";
const POD = "/registry/pods/default/web-1-a";

const deployment = (finalizer?: string) =>
  ({
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "default",
      uid: "d1",
      ...(finalizer !== undefined ? { deletionTimestamp: 5, finalizers: [finalizer] } : {}),
    },
    spec: { replicas: 1 },
  }) as unknown as KubeObject;
const replicaSet = (opts: { owned?: boolean; terminating?: boolean } = {}) =>
  ({
    kind: "ReplicaSet",
    metadata: {
      name: "web-1",
      namespace: "default",
      uid: "rs1",
      ...(opts.owned !== false
        ? { ownerReferences: [{ kind: "Deployment", name: "web", uid: "d1", controller: true }] }
        : {}),
      ...(opts.terminating ? { deletionTimestamp: 5, finalizers: ["foregroundDeletion"] } : {}),
    },
    spec: { replicas: 1 },
  }) as unknown as KubeObject;
const pod = () =>
  ({
    kind: "Pod",
    metadata: {
      name: "web-1-a",
      namespace: "default",
      uid: "p1",
      ownerReferences: [{ kind: "ReplicaSet", name: "web-1", uid: "rs1", controller: true }],
    },
    spec: {},
  }) as unknown as KubeObject;

test("foreground: the owner gone after its dependents passes; gone while one still stands fails", () => {
  const ok = cacheLog("kcm");
  ok.store(D, deployment());
  ok.store(RS, replicaSet());
  ok.store(D, deployment("foregroundDeletion"));
  ok.store(RS, null);
  ok.store(D, null);
  const pass = checkCascade(ok.log);
  assert.is(pass.verdict, "pass", pass.message);
  assert.match(pass.message, /^1 owners deleted in the foreground, each gone after its dependents/);

  const bad = cacheLog("kcm");
  bad.store(D, deployment());
  bad.store(RS, replicaSet());
  bad.store(D, deployment("foregroundDeletion"));
  bad.store(D, null);
  bad.store(RS, null);
  const fail = checkCascade(bad.log);
  assert.is(fail.verdict, "fail");
  assert.match(
    fail.message,
    /deleted in the foreground at rv 13, went at rv 14 while its dependent .*web-1 still stood/,
  );
});

test("foreground: a dependent made after the finalizer was stored is not waited for (the collector may not see it yet)", () => {
  const w = cacheLog("kcm");
  w.store(D, deployment());
  w.store(D, deployment("foregroundDeletion"));
  w.store(RS, replicaSet());
  w.store(D, null);
  const r = checkCascade(w.log);
  assert.is(r.verdict, "pass", r.message);
});

test("orphan: the owner gone once its dependents no longer name it passes; gone while one still does fails", () => {
  const ok = cacheLog("kcm");
  ok.store(D, deployment());
  ok.store(RS, replicaSet());
  ok.store(D, deployment("orphan"));
  ok.store(RS, replicaSet({ owned: false }));
  ok.store(D, null);
  const pass = checkCascade(ok.log);
  assert.is(pass.verdict, "pass", pass.message);
  assert.match(pass.message, /1 deleted orphaning them, each gone once none named it/);

  const bad = cacheLog("kcm");
  bad.store(D, deployment());
  bad.store(RS, replicaSet());
  bad.store(D, deployment("orphan"));
  bad.store(D, null);
  const fail = checkCascade(bad.log);
  assert.is(fail.verdict, "fail");
  assert.match(fail.message, /deleted with its dependents orphaned, went at rv 14 while .*web-1 still named it/);
});

test("a pod made for a ReplicaSet the controller's cache shows being deleted fails; made before its cache saw the deletion passes", () => {
  const stale = cacheLog("kcm");
  stale.store(RS, replicaSet());
  stale.list("ReplicaSet", RS);
  stale.store(RS, replicaSet({ terminating: true }));
  // The informer has not delivered the terminating version: the controller decided on the live one.
  stale.act("replicaset: create Pod default/web-1-*", stale.tick());
  stale.store(POD, pod());
  const pass = checkCascade(stale.log);
  assert.is(pass.verdict, "pass", pass.message);
  assert.match(pass.message, /1 controller writes, each for an owner its cache did not show being deleted/);

  const seen = cacheLog("kcm");
  seen.store(RS, replicaSet());
  seen.list("ReplicaSet", RS);
  seen.store(RS, replicaSet({ terminating: true }));
  seen.event(RS);
  seen.act("replicaset: create Pod default/web-1-*", seen.tick());
  const fail = checkCascade(seen.log);
  assert.is(fail.verdict, "fail");
  assert.match(
    fail.message,
    /kcm's ReplicaSet controller decided at .* to create a pod for ReplicaSet default\/web-1, which its cache showed being deleted/,
  );
});

test("a ReplicaSet scaled for a Deployment the controller's cache shows being deleted fails", () => {
  const w = cacheLog("kcm");
  w.store(D, deployment());
  w.store(RS, replicaSet());
  w.list("Deployment", D);
  w.list("ReplicaSet", RS);
  w.store(D, deployment("foregroundDeletion"));
  w.event(D);
  w.act(`deployment: update ReplicaSet default/web-1@${w.rvOf(RS)}`, w.tick());
  const r = checkCascade(w.log);
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /Deployment controller decided at .* to update ReplicaSet default\/web-1 of Deployment default\/web/,
  );
});

test("kubectl's --cascade=orphan honoured: the Deployment it removed held the finalizer orphan first; removed without it fails", () => {
  const step = (w: ReturnType<typeof cacheLog>, startedAt: number) =>
    w.log.actions.push({
      time: w.tick(),
      index: 0,
      description: "delete deployment default/web --cascade=orphan",
      startedAt,
    });
  const ok = cacheLog("kcm");
  ok.store(D, deployment());
  const t0 = ok.tick();
  ok.store(D, deployment("orphan"));
  ok.store(D, null);
  step(ok, t0);
  const pass = checkCascade(ok.log);
  assert.is(pass.verdict, "pass", pass.message);
  assert.match(pass.message, /1 kubectl deletes with --cascade, each honoured/);

  const bad = cacheLog("kcm");
  bad.store(D, deployment());
  const t1 = bad.tick();
  bad.store(D, null);
  step(bad, t1);
  const fail = checkCascade(bad.log);
  assert.is(fail.verdict, "fail");
  assert.match(
    fail.message,
    /--cascade=orphan .* without the finalizer orphan ever stored: its dependents were not set free first/,
  );
});

test.run();
