// kube-rollout-decisions on hand-made logs: the Deployment controller's ReplicaSet scales judged on the
// view its informers (and its own acknowledged writes) gave it when it decided. A Deployment of 4
// replicas, maxSurge 1 and maxUnavailable 1: at most 5 replicas in all, at least 3 available.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import { cacheLog } from "../../testing/kube/cache-log.ts";
import { checkRolloutDecisions } from "./rollout-decisions.ts";

const DEP = "/registry/deployments/default/web";
const rsKey = (name: string) => `/registry/replicasets/default/${name}`;
const deployment = (replicas: number) =>
  ({
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "dep-1", generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [] } },
    },
  }) as unknown as KubeObject;
const rs = (name: string, replicas: number, ready: number) =>
  ({
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: "default",
      uid: name,
      ownerReferences: [{ kind: "Deployment", name: "web", uid: "dep-1", controller: true }],
    },
    spec: { replicas },
    status: { replicas, readyReplicas: ready },
  }) as unknown as KubeObject;

/** A store and the controller-manager "kcm" with one ReplicaSet and one Deployment informer. */
function world() {
  const c = cacheLog("kcm");
  return {
    ...c,
    /** The Deployment controller decides now; returns the decision time for its writes. */
    decide: c.tick,
    /** One of the decision's ReplicaSet updates lands (sent at `decidedAt` or later), and is acknowledged. */
    scale(decidedAt: number, name: string, replicas: number, ready: number, first = true) {
      const key = rsKey(name);
      c.decisionAct(`deployment: update ReplicaSet default/${name}@${c.rvOf(key)}`, decidedAt, first ? 0 : 1);
      c.update(key, rs(name, replicas, ready));
    },
  };
}

/** A rollout under way: the Deployment at 4, the old ReplicaSet at 4 (all ready), the new one at 1 (ready), all seen. */
function midRollout(old = 4) {
  const w = world();
  w.store(DEP, deployment(4));
  w.store(rsKey("old"), rs("old", old, old));
  w.store(rsKey("new"), rs("new", 1, 1));
  w.list("Deployment", DEP);
  w.list("ReplicaSet", rsKey("old"), rsKey("new"));
  return w;
}

test("a scale down that leaves replicas − maxUnavailable available passes; one that goes below fails", () => {
  const ok = midRollout();
  ok.scale(ok.decide(), "old", 2, 2); // 2 + 1 = 3 available
  const r = checkRolloutDecisions(ok.log);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^1 ReplicaSet scales by the Deployment controller/);

  const bad = midRollout();
  bad.scale(bad.decide(), "old", 1, 1); // 1 + 1 = 2 available, fewer than 4 − 1
  const f = checkRolloutDecisions(bad.log);
  assert.is(f.verdict, "fail");
  assert.match(
    f.message,
    /^Deployment default\/web: kcm at \d+\.\d+s scaled old 4→1: 2 available replicas left, fewer than 3 .*old 4 \(4 ready\), new 1 \(1 ready\)/,
  );
});

test("a raise beyond replicas + maxSurge fails; up to it, or alone at replicas, passes", () => {
  const bad = midRollout();
  bad.scale(bad.decide(), "new", 2, 1); // 4 + 2 = 6 > 4 + 1
  assert.match(
    checkRolloutDecisions(bad.log).message,
    /scaled new 1→2: 6 replicas in all, more than replicas 4 \+ maxSurge 1/,
  );

  const alone = world();
  alone.store(DEP, deployment(4));
  alone.store(rsKey("old"), rs("old", 0, 0));
  alone.store(rsKey("new"), rs("new", 3, 3));
  alone.list("Deployment", DEP);
  alone.list("ReplicaSet", rsKey("old"), rsKey("new"));
  alone.scale(alone.decide(), "new", 4, 3);
  assert.is(checkRolloutDecisions(alone.log).verdict, "pass");
});

test("the controller's own acknowledged writes are in its view before its watch delivers them", () => {
  // The old ReplicaSet cut to 3 is acknowledged but not yet delivered; the raise of the new one counts it.
  const w = midRollout();
  w.scale(w.decide(), "old", 3, 3);
  w.scale(w.decide(), "new", 2, 1); // 3 + 2 = 5
  const r = checkRolloutDecisions(w.log);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^2 ReplicaSet scales/);
});

test("a decision is judged on the cache, not on the store it had not yet seen", () => {
  // A user scaled the Deployment to 2 (bound 3), but the controller's cache still says 4 (bound 5).
  const w = midRollout(3);
  w.store(DEP, deployment(2));
  w.scale(w.decide(), "new", 2, 1);
  assert.is(checkRolloutDecisions(w.log).verdict, "pass");
  // Once the watch delivered it, the same raise breaks the bound.
  const seen = midRollout(3);
  seen.store(DEP, deployment(2));
  seen.event(DEP);
  seen.scale(seen.decide(), "new", 2, 1);
  assert.match(checkRolloutDecisions(seen.log).message, /5 replicas in all, more than replicas 2 \+ maxSurge 1/);
});

test("a reconcile's writes are judged together, on the view when it decided", () => {
  // Two old ReplicaSets at 2 (ready) cut to 1 each in one reconcile, beside a new one at 1.
  const cutBoth = (newReady: number) => {
    const w = world();
    w.store(DEP, deployment(4));
    for (const name of ["a", "b"]) w.store(rsKey(name), rs(name, 2, 2));
    w.store(rsKey("new"), rs("new", 1, newReady));
    w.list("Deployment", DEP);
    w.list("ReplicaSet", rsKey("a"), rsKey("b"), rsKey("new"));
    const at = w.decide();
    w.scale(at, "a", 1, 1);
    w.scale(at, "b", 1, 1, false);
    return checkRolloutDecisions(w.log);
  };
  // With the new one ready, both cuts keep 1 + 1 + 1 = 3 available: at the floor.
  const r = cutBoth(1);
  assert.is(r.verdict, "pass", r.message);
  // With the new one not ready, each cut alone keeps 3 available, both together do not.
  assert.match(cutBoth(0).message, /scaled a 2→1, b 2→1: 2 available replicas left, fewer than 3/);
});

test("above replicas + maxSurge (a scale down mid-rollout) the excess may go from ready pods", () => {
  const w = midRollout();
  w.store(DEP, deployment(2)); // bound 3, floor 1; the ReplicaSets hold 5
  w.event(DEP);
  w.scale(w.decide(), "old", 2, 2);
  const r = checkRolloutDecisions(w.log);
  assert.is(r.verdict, "pass", r.message);
});

test("a relist replaces the cache: what it lists is what the decision is judged on", () => {
  const stale = midRollout();
  stale.store(rsKey("old"), rs("old", 3, 3)); // another writer's cut, not yet seen: 4 + 2 = 6
  stale.scale(stale.decide(), "new", 2, 1);
  assert.is(checkRolloutDecisions(stale.log).verdict, "fail");
  const relisted = midRollout();
  relisted.store(rsKey("old"), rs("old", 3, 3));
  relisted.list("ReplicaSet", rsKey("old"), rsKey("new")); // 3 + 2 = 5
  relisted.scale(relisted.decide(), "new", 2, 1);
  assert.is(checkRolloutDecisions(relisted.log).verdict, "pass");
});

test("an observation at the decision's own microsecond may have come before it; one after it did not", () => {
  const tie = midRollout();
  tie.store(rsKey("old"), rs("old", 3, 3));
  const at = tie.decide();
  tie.event(rsKey("old"), at);
  tie.scale(at, "new", 2, 1);
  assert.is(checkRolloutDecisions(tie.log).verdict, "pass");
  const late = midRollout();
  late.store(rsKey("old"), rs("old", 3, 3));
  const at2 = late.decide();
  late.event(rsKey("old"), at2 + 1);
  late.scale(at2, "new", 2, 1);
  assert.is(checkRolloutDecisions(late.log).verdict, "fail");
});

test("of two events in the decision's microsecond, it may have seen the first and not the second", () => {
  // The Deployment scaled to 6 and then to 2, both delivered at once; a raise to 3 + 4 = 7 fits only the 6.
  const between = midRollout(3);
  between.store(DEP, deployment(6));
  const six = between.log.versions.at(-1)!.rv;
  between.store(DEP, deployment(2));
  const at = between.decide();
  between.log.observed.push(
    { time: at, observer: "kcm#a/Deployment", key: DEP, rv: six, event: "MODIFIED" },
    { time: at, observer: "kcm#a/Deployment", key: DEP, rv: six + 1, event: "MODIFIED" },
  );
  between.scale(at, "new", 4, 1);
  const r = checkRolloutDecisions(between.log);
  assert.is(r.verdict, "pass", r.message);
  // A decision a microsecond later saw both.
  const after = midRollout(3);
  after.store(DEP, deployment(6));
  after.store(DEP, deployment(2));
  const at2 = after.decide();
  after.log.observed.push(
    { time: at2 - 1, observer: "kcm#a/Deployment", key: DEP, rv: six, event: "MODIFIED" },
    { time: at2 - 1, observer: "kcm#a/Deployment", key: DEP, rv: six + 1, event: "MODIFIED" },
  );
  after.scale(at2, "new", 4, 1);
  assert.match(checkRolloutDecisions(after.log).message, /7 replicas in all, more than replicas 2 \+ maxSurge 1/);
});

test("a create sent twice (a retry while the first hung) may have landed from either decision", () => {
  // The first create was decided on replicas 9 (no other ReplicaSet: 9 fits), the retry on replicas 2;
  // the one that landed carries 9.
  const w = world();
  w.store(DEP, deployment(9));
  w.list("Deployment", DEP);
  w.list("ReplicaSet");
  const act = (time: number) => w.act("deployment: create ReplicaSet default/web-new", time);
  act(w.decide());
  w.store(DEP, deployment(2));
  w.event(DEP);
  act(w.decide());
  w.create(rsKey("web-new"), rs("web-new", 9, 0));
  const r = checkRolloutDecisions(w.log);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^1 ReplicaSet scales/);
  // Sent once, on replicas 2, it breaks the bound.
  w.log.acts.splice(0, 1);
  assert.match(
    checkRolloutDecisions(w.log).message,
    /scaled web-new \(new\)→9: 9 replicas in all, more than replicas 2/,
  );
});

test("a decision whose view was never recorded is counted, not judged", () => {
  const w = midRollout();
  w.log.versions.splice(0, 1); // the Deployment's version is lost
  w.scale(w.decide(), "old", 1, 1);
  const r = checkRolloutDecisions(w.log);
  assert.is(r.verdict, "pass");
  assert.match(r.message, /\(1 not judged: their view was not all recorded\)/);
});

test.run();
