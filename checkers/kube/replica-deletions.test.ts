// kube-replica-deletions on hand-made logs: the ReplicaSet controller's pod deletions judged on the
// view its informers (and its own acknowledged writes) gave it when it decided.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import { cacheLog } from "../../testing/kube/cache-log.ts";
import { checkReplicaDeletions } from "./replica-deletions.ts";

const RS = "/registry/replicasets/default/web-1";
const podKey = (name: string) => `/registry/pods/default/${name}`;
const rs = (replicas: number) =>
  ({
    kind: "ReplicaSet",
    metadata: { name: "web-1", namespace: "default", uid: "rs-1" },
    spec: { replicas },
  }) as unknown as KubeObject;
const pod = (name: string, opts: { terminating?: boolean } = {}) =>
  ({
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: name,
      ownerReferences: [{ kind: "ReplicaSet", name: "web-1", uid: "rs-1", controller: true }],
      ...(opts.terminating ? { deletionTimestamp: "2026-12-06T00:00:00Z" } : {}),
    },
    spec: {},
    status: { phase: "Running" },
  }) as unknown as KubeObject;

/** A store and the controller-manager "kcm" with a ReplicaSet and a Pod informer. */
function world() {
  const c = cacheLog("kcm");
  return {
    ...c,
    decide: c.tick,
    /** The controller sends the deletes of one reconcile decided at `decidedAt`. */
    delete(decidedAt: number, ...names: string[]) {
      names.forEach((name, i) =>
        c.decisionAct(`replicaset: delete Pod default/${name}`, decidedAt, i, { deletes: podKey(name) }),
      );
    },
  };
}

/** A ReplicaSet scaled from 3 to 1, its three pods seen. */
function scaledDown() {
  const w = world();
  w.store(RS, rs(1));
  for (const p of ["a", "b", "c"]) w.store(podKey(p), pod(p));
  w.list("ReplicaSet", RS);
  w.list("Pod", podKey("a"), podKey("b"), podKey("c"));
  return w;
}

test("deleting the pods beyond replicas passes; one more fails, naming the ReplicaSet and the counts", () => {
  const ok = scaledDown();
  ok.delete(ok.decide(), "a", "b");
  const r = checkReplicaDeletions(ok.log);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^2 pod deletions by the ReplicaSet controller in 1 reconciles/);

  const bad = scaledDown();
  bad.delete(bad.decide(), "a", "b", "c");
  assert.match(
    checkReplicaDeletions(bad.log).message,
    /^kcm at \d+\.\d+s deleted 3 pods of ReplicaSet web-1 \(a, b, c\), more than its 3 active pods less replicas 1/,
  );
});

test("a terminating pod is not active: it neither counts nor may be chosen", () => {
  const w = world();
  w.store(RS, rs(1));
  w.store(podKey("a"), pod("a", { terminating: true }));
  w.store(podKey("b"), pod("b"));
  w.list("ReplicaSet", RS);
  w.list("Pod", podKey("a"), podKey("b"));
  w.delete(w.decide(), "b");
  assert.match(checkReplicaDeletions(w.log).message, /more than its 1 active pods less replicas 1/);
  const again = world();
  again.store(RS, rs(0));
  again.store(podKey("a"), pod("a", { terminating: true }));
  again.list("ReplicaSet", RS);
  again.list("Pod", podKey("a"));
  again.delete(again.decide(), "a");
  assert.match(checkReplicaDeletions(again.log).message, /deleted a of ReplicaSet web-1, not among its active pods/);
});

test("the deletions are judged on the cache: a scale down it has seen justifies them, one it has not does not", () => {
  // The store has the ReplicaSet at 1, but the controller's cache still has 3.
  const stale = world();
  stale.store(RS, rs(3));
  for (const p of ["a", "b", "c"]) stale.store(podKey(p), pod(p));
  stale.list("ReplicaSet", RS);
  stale.list("Pod", podKey("a"), podKey("b"), podKey("c"));
  stale.store(RS, rs(1));
  stale.delete(stale.decide(), "a");
  assert.is(checkReplicaDeletions(stale.log).verdict, "fail");
  stale.log.acts.length = 0;
  stale.event(RS);
  stale.delete(stale.decide(), "a", "b");
  assert.is(checkReplicaDeletions(stale.log).verdict, "pass");
});

test("a pod the controller created, answered but not yet watched, is in its cache", () => {
  // Replicas 1: a and b seen, and d, which kcm created and was answered for but has not yet watched:
  // three pods, so two may go; without d, one.
  const w = world();
  w.store(RS, rs(1));
  for (const p of ["a", "b"]) w.store(podKey(p), pod(p));
  w.list("ReplicaSet", RS);
  w.list("Pod", podKey("a"), podKey("b"));
  w.act("replicaset: create Pod default/web-1-*", w.decide());
  w.create(podKey("web-1-d"), pod("web-1-d"));
  w.delete(w.decide(), "a", "b");
  assert.is(checkReplicaDeletions(w.log).verdict, "pass", checkReplicaDeletions(w.log).message);
  w.log.acts.splice(0, 1); // nobody sent that create: the cache never had d
  assert.is(checkReplicaDeletions(w.log).verdict, "fail");
});

test("a deletion of a pod its cache never held is counted, not judged", () => {
  const w = scaledDown();
  w.delete(w.decide(), "z");
  const r = checkReplicaDeletions(w.log);
  assert.is(r.verdict, "pass");
  assert.match(r.message, /\(1 reconciles not judged: their view was not all recorded\)/);
});

test.run();
