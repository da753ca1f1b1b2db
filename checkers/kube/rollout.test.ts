// The rollout rules and the bind rule on hand-made observation logs: each accepts a correct history
// and rejects the violation it names.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { BindRequest, KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import type { Deployment, KubeObject, Pod, ReplicaSet } from "../../core/kube/types.ts";
import { checkBindPreconditions, checkRollout } from "./index.ts";
import { rolloutBounds } from "./rollout.ts";
import { kubeLog } from "../../testing/kube/observations.ts";
import { cacheLog } from "../../testing/kube/cache-log.ts";

const log = kubeLog;

/** Builds a store history: each call is one revision (rv increments, time = rv × stepUs). */
class History {
  versions: ObjectVersion[] = [];
  rv = 0;
  constructor(readonly stepUs = 1000) {}
  at(...objs: [string, KubeObject | null][]): number {
    this.rv++;
    for (const [key, object] of objs)
      this.versions.push({ time: this.rv * this.stepUs, key, rv: this.rv, object, source: "store" });
    return this.rv;
  }
}

/** nginx: 4 replicas, maxSurge 1, maxUnavailable 1 (25%); observedGeneration caught up unless told. */
const dep = (replicas: number, generation = 1, observed = generation): [string, Deployment] => [
  "/registry/deployments/default/nginx",
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "nginx", namespace: "default", uid: "d1", generation },
    spec: {
      replicas,
      selector: { matchLabels: { app: "nginx" } },
      template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx:1" }] } },
    },
    status: { observedGeneration: observed },
  },
];
const rs = (name: string, replicas: number): [string, ReplicaSet] => [
  `/registry/replicasets/default/${name}`,
  {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: "default",
      uid: name,
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "nginx", uid: "d1", controller: true }],
    },
    spec: {
      replicas,
      selector: { matchLabels: {} },
      template: { metadata: { labels: {} }, spec: { containers: [{ name: "nginx", image: "nginx:1" }] } },
    },
  },
];
const pod = (name: string, owner: string, ready = true, nodeName = "node-1"): [string, Pod] => [
  `/registry/pods/default/${name}`,
  {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: name,
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }],
    },
    spec: { containers: [{ name: "nginx", image: "nginx:1" }], nodeName },
    ...(ready
      ? { status: { phase: "Running" as const, conditions: [{ type: "Ready", status: "True" as const }] } }
      : {}),
  },
];
const gone = (name: string): [string, null] => [`/registry/pods/default/${name}`, null];

/** 4 ready pods of old; then a rolling update to new within surge 1 / unavailable 1. */
function rollout(h: History): void {
  h.at(dep(4), rs("old", 4), pod("o1", "old"), pod("o2", "old"), pod("o3", "old"), pod("o4", "old"));
  h.at(rs("new", 1), pod("n1", "new", false)); // 5 pods: 4 + surge 1
  h.at(rs("old", 3)); // o4 is now beyond its ReplicaSet's replicas: being removed
  h.at(rs("new", 2), gone("o4"), pod("n2", "new", false)); // 3 ready of 4: replicas − maxUnavailable
  h.at(pod("n1", "new"), pod("n2", "new"));
  h.at(rs("old", 1), gone("o2"), gone("o3"), rs("new", 4), pod("n3", "new"), pod("n4", "new"));
  h.at(rs("old", 0), gone("o1"));
}

test("rollout: a rolling update within maxSurge and maxUnavailable passes both rules", () => {
  const h = new History(1_000_000);
  rollout(h);
  const [surge, avail] = checkRollout(log({ versions: h.versions }));
  assert.is(surge.verdict, "pass", surge.message);
  assert.is(avail.verdict, "pass", avail.message);
});

test("max surge: a second pod of the new ReplicaSet while all old ones are wanted fails once it lasts 250 ms; a shorter excursion does not count", () => {
  const h = new History(100_000);
  h.at(dep(4), rs("old", 4), pod("o1", "old"), pod("o2", "old"), pod("o3", "old"), pod("o4", "old"));
  h.at(rs("new", 2), pod("n1", "new", false), pod("n2", "new", false));
  h.at(pod("n1", "new")); // 0.3 s
  h.at(pod("n2", "new")); // 0.4 s
  assert.is(
    checkRollout(log({ versions: h.versions }))[0].verdict,
    "pass",
    "200 ms above the bound: a stale view catching up",
  );
  h.at(pod("o1", "old", false)); // 0.5 s: 300 ms above it
  const [surge] = checkRollout(log({ versions: h.versions }));
  assert.is(surge.verdict, "fail");
  assert.match(
    surge.message,
    "6 pods wanted by its ReplicaSets at rv 2 (0.200s), more than replicas 4 + maxSurge 1 (old 4/4, new 2/2), for at least 0.250s",
  );
});

test("Lease renewals between the workload's revisions change nothing the rules say, and count as revisions", () => {
  const lease = (n: number): [string, KubeObject] => [
    "/registry/leases/kube-node-lease/node-1",
    {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "node-1", namespace: "kube-node-lease", uid: "l1" },
      spec: { holderIdentity: "node-1", renewTime: n },
    },
  ];
  const build = (leases: boolean) => {
    const h = new History(50_000);
    const step = (...objs: [string, KubeObject | null][]) => {
      h.at(...objs);
      if (leases) h.at(lease(h.rv));
    };
    step(dep(4), rs("old", 4), pod("o1", "old"), pod("o2", "old"), pod("o3", "old"), pod("o4", "old"));
    step(rs("new", 2), pod("n1", "new", false), pod("n2", "new", false)); // 6 > 4 + 1
    for (let i = 0; i < 8; i++) step(); // 800 ms (with the leases) above the bound
    // A mixed revision (2 ready of 4), its other object sorting after the pods.
    step(pod("o1", "old", false), gone("o2"), [
      "/registry/resourcequotas/default/q",
      { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "default" }, spec: { hard: {} } },
    ]);
    step(pod("o3", "old", false));
    return checkRollout(log({ versions: h.versions }));
  };
  const [surge, avail] = build(true);
  const [surge0, avail0] = build(false);
  assert.is(surge.verdict, "fail");
  assert.match(surge.message, "6 pods wanted by its ReplicaSets at rv 3 (0.150s)");
  assert.is(surge0.verdict, "fail");
  assert.match(surge0.message, "6 pods wanted by its ReplicaSets at rv 2 (0.100s)");
  assert.equal([avail.verdict, avail0.verdict], ["fail", "fail"], "available, then 2 ready of 4");
  assert.match(avail.message, "2 ready pods at rv 21 (1.050s)");
  assert.match(avail0.message, "2 ready pods at rv 11 (0.550s)");
});

test("max surge: after a scale down the new bound holds only once the controller observed it and the pods are within it", () => {
  const h = new History(1_000_000);
  h.at(dep(8, 1), rs("old", 8), ...Array.from({ length: 8 }, (_, i) => pod(`o${i}`, "old")));
  h.at(dep(4, 2, 1)); // scaled down: 8 pods > 4 + 1, the controller has not acted yet
  h.at(rs("new", 2), pod("n1", "new", false), pod("n2", "new", false)); // decided on the old count, landed late
  h.at(dep(4, 2, 2), rs("old", 3)); // observed; 3 + 2 within 5
  const ok = checkRollout(log({ versions: h.versions }))[0];
  assert.is(ok.verdict, "pass", ok.message);
  h.at(rs("new", 3), pod("n3", "new", false)); // now 6 > 5: fails (once it lasted)
  h.at(pod("n3", "new"));
  const bad = checkRollout(log({ versions: h.versions }))[0];
  assert.is(bad.verdict, "fail");
  assert.match(bad.message, "6 pods wanted by its ReplicaSets at rv 5");
});

/**
 * Scaled to 8, then back to 4 (observed at 3 s); the scale to 8 of "old", sent at `sentUs`, lands at
 * 4 s on the ReplicaSet's unchanged resourceVersion 1 and its pods follow; cut back at 7 s.
 */
function lateRaise(sentUs: number): KubeObservations {
  const h = new History(1_000_000);
  h.at(dep(4, 1), rs("old", 4), ...Array.from({ length: 4 }, (_, i) => pod(`o${i}`, "old")));
  h.at(dep(8, 2, 1)); // scaled up: the controller decides old → 8
  h.at(dep(4, 3, 3)); // scaled back down before that write landed; observed, 4 pods within 4 + 1
  const landed = h.at(rs("old", 8)); // the write lands
  h.at(pod("o4", "old"), pod("o5", "old")); // 6 > 5
  h.at(pod("o6", "old"), pod("o7", "old")); // 8 > 5, 2 s on
  h.at(rs("old", 4), gone("o4"), gone("o5"), gone("o6"), gone("o7")); // the controller cut it back
  return log({
    versions: h.versions,
    writes: [
      {
        time: landed * 1_000_000,
        apiserver: "apiserver-1",
        key: "/registry/replicasets/default/old",
        op: "update",
        baseRv: 1,
        rv: landed,
      },
    ],
    acts: [
      {
        time: sentUs,
        process: "kcm-1",
        identity: "kcm-1_a",
        lease: "kube-system/kube-controller-manager",
        term: 1,
        what: "deployment: update ReplicaSet default/old@1",
      },
    ],
  });
}

test("max surge: a ReplicaSet update the controller sent before the bound held may land late (not guaranteed); one sent after it is held to the bound", () => {
  const stale = checkRollout(lateRaise(2_100_000))[0]; // sent at 2.1 s, before the scale down to 4 was observed
  assert.is(stale.verdict, "pass", stale.message);
  const fresh = checkRollout(lateRaise(3_500_000))[0]; // sent at 3.5 s: decided with replicas 4 in view
  assert.is(fresh.verdict, "fail");
  assert.match(
    fresh.message,
    "6 pods wanted by its ReplicaSets at rv 5 (5.000s), more than replicas 4 + maxSurge 1 (old 6/8)",
  );
  const unknown = checkRollout({ ...lateRaise(2_100_000), acts: [] })[0]; // no act: not known to be stale
  assert.is(unknown.verdict, "fail");
});

test("max surge: after a late stale raise was cut back, the bound holds again", () => {
  const obs = lateRaise(2_100_000);
  const h = new History(1_000_000);
  h.rv = 7;
  h.at(rs("old", 6), pod("o8", "old"), pod("o9", "old")); // 6 > 5, not from a stale decision
  h.at(pod("o9", "old", false));
  const bad = checkRollout({ ...obs, versions: [...obs.versions, ...h.versions] })[0];
  assert.is(bad.verdict, "fail");
  assert.match(bad.message, "6 pods wanted by its ReplicaSets at rv 8");
});

/** The Deployment controller scales a ReplicaSet: acknowledged, but only its watch brings it to its cache (no mutation cache). */
function uncachedScale(w: ReturnType<typeof cacheLog>, key: string, object: KubeObject): void {
  w.act(`deployment: update ReplicaSet ${key.slice("/registry/replicasets/".length)}@${w.rvOf(key)}`, w.tick());
  w.update(key, object);
  w.log.controllerWrites!.at(-1)!.uncached = true;
}

/** The surge rule's verdict with one more revision 0.4 s on: longer than its grace. */
function surgeAfterGrace(w: ReturnType<typeof cacheLog>) {
  for (let i = 0; i < 400; i++) w.tick();
  w.store("/registry/leases/kube-system/kcm", null);
  return checkRollout(w.log)[0];
}

test("max surge: a raise decided on a view that had not seen the controller's own scale is followed, not counted (controller-conflicts seed 207)", () => {
  // nginx at 3 (maxSurge 1, maxUnavailable 0): the controller scales mid from 1 to 2 (4 in all), then,
  // before its watch delivers that, makes a new ReplicaSet of 1 on a view that still has mid at 1.
  const run = (seesOwnScale: boolean) => {
    const w = cacheLog("kcm");
    const RS = (n: string) => `/registry/replicasets/default/${n}`;
    const P = (n: string) => `/registry/pods/default/${n}`;
    w.store("/registry/deployments/default/nginx", dep(3)[1]);
    w.store(RS("old"), rs("old", 2)[1]);
    w.store(P("o1"), pod("o1", "old")[1]);
    w.store(P("o2"), pod("o2", "old")[1]);
    w.store(RS("mid"), rs("mid", 1)[1]);
    w.store(P("m1"), pod("m1", "mid")[1]);
    w.list("ReplicaSet", RS("old"), RS("mid"));
    uncachedScale(w, RS("mid"), rs("mid", 2)[1]);
    w.store(P("m2"), pod("m2", "mid", false)[1]);
    if (seesOwnScale) w.event(RS("mid"));
    w.act("deployment: create ReplicaSet default/new", w.tick());
    w.create(RS("new"), rs("new", 1)[1]);
    w.store(P("n1"), pod("n1", "new", false)[1]); // 5 pods wanted
    return surgeAfterGrace(w);
  };
  const lagged = run(false);
  assert.is(lagged.verdict, "pass", lagged.message);
  assert.match(lagged.message, "(1 raises decided on a view that lagged followed until back within it)");
  const seen = run(true);
  assert.is(seen.verdict, "fail", "its view had the scale: the raise itself broke the bound");
  assert.match(seen.message, "5 pods wanted by its ReplicaSets");
});

test("max surge: a new ReplicaSet made whole on a view without its predecessor, before the bound held, is followed until back within it (watch-compaction seed 503270)", () => {
  // nginx at 3 (maxSurge 1, maxUnavailable 0), its image changed before the first ReplicaSet's pods were
  // made: the controller makes the new ReplicaSet of 3 on a view that lacks the first (3 + 3 wanted), and
  // its next status, on a view that has caught up, observes the change while the old pods still run.
  const run = (seesPredecessor: boolean) => {
    const w = cacheLog("kcm");
    const D = "/registry/deployments/default/nginx";
    const RS = (n: string) => `/registry/replicasets/default/${n}`;
    const P = (n: string) => `/registry/pods/default/${n}`;
    w.store(D, dep(3, 2, 1)[1]);
    w.store(RS("old"), rs("old", 3)[1]);
    w.list("ReplicaSet", ...(seesPredecessor ? [RS("old")] : []));
    w.act("deployment: create ReplicaSet default/new", w.tick());
    w.create(RS("new"), rs("new", 3)[1]);
    w.event(RS("old"));
    w.event(RS("new"));
    for (const i of [1, 2, 3]) w.store(P(`o${i}`), pod(`o${i}`, "old")[1]);
    w.act(`deployment: updateStatus Deployment default/nginx@${w.rvOf(D)}`, w.tick());
    w.update(D, dep(3, 2, 2)[1]);
    w.store(P("n1"), pod("n1", "new", false)[1]); // 4 wanted: within 3 + 1
    w.store(P("n2"), pod("n2", "new", false)[1]); // 5 wanted
    return surgeAfterGrace(w);
  };
  const lagged = run(false);
  assert.is(lagged.verdict, "pass", lagged.message);
  assert.match(lagged.message, "(1 raises decided on a view that lagged followed until back within it)");
  const seen = run(true);
  assert.is(seen.verdict, "fail", "its view had the first ReplicaSet: a new one of 3 broke the bound");
  assert.match(seen.message, "5 pods wanted by its ReplicaSets");
});

test("max surge: an observation made on a view that lagged the controller's own scale does not arm the new bound (kube-smoke seed 686)", () => {
  // nginx scaled 4 → 8 → 4: the controller set its ReplicaSet to 8, then wrote the status observing the
  // scale to 4 on a view that still had the ReplicaSet at 4, so it left it at 8 until its watch caught up.
  const run = (seesOwnScale: boolean) => {
    const w = cacheLog("kcm");
    const D = "/registry/deployments/default/nginx";
    const RS = "/registry/replicasets/default/a";
    const pods = (from: number, to: number) => {
      for (let i = from; i <= to; i++) w.store(`/registry/pods/default/a${i}`, pod(`a${i}`, "a")[1]);
    };
    w.store(D, dep(4)[1]);
    w.store(RS, rs("a", 4)[1]);
    pods(1, 4);
    w.list("ReplicaSet", RS);
    w.store(D, dep(8, 2, 1)[1]);
    uncachedScale(w, RS, rs("a", 8)[1]);
    w.store(D, dep(4, 3, 2)[1]);
    if (seesOwnScale) w.event(RS);
    w.act(`deployment: updateStatus Deployment default/nginx@${w.rvOf(D)}`, w.tick());
    w.update(D, dep(4, 3, 3)[1]);
    pods(5, 8); // the ReplicaSet controller makes the 8
    return surgeAfterGrace(w);
  };
  const lagged = run(false);
  assert.is(lagged.verdict, "pass", lagged.message);
  assert.match(lagged.message, "observations made on a view that lagged did not arm the bound");
  const seen = run(true);
  assert.is(seen.verdict, "fail", "its view had its own scale to 8: it should have cut it");
  assert.match(
    seen.message,
    /\d pods wanted by its ReplicaSets at rv \d+ \([\d.]+s\), more than replicas 4 \+ maxSurge 1/,
  );
});

test("min available: dropping below replicas − maxUnavailable after being available fails, unless a fault explains it", () => {
  const h = new History(1_000_000);
  h.at(dep(4), rs("old", 4), pod("o1", "old"), pod("o2", "old"), pod("o3", "old"), pod("o4", "old"));
  h.at(rs("old", 2), gone("o1"), gone("o2")); // 2 ready < 3
  const bad = checkRollout(log({ versions: h.versions }))[1];
  assert.is(bad.verdict, "fail");
  assert.match(
    bad.message,
    "2 ready pods at rv 2 (2.000s), fewer than replicas 4 − maxUnavailable 1, after it was available, and no fault in the 3.000s before",
  );
  const explained = checkRollout(log({ versions: h.versions }), { faults: [{ start: 0, end: 500 }] })[1];
  assert.is(explained.verdict, "pass", explained.message);
  assert.match(explained.message, "1 revisions below it while a fault explained it");
  const tooEarly = checkRollout(log({ versions: h.versions }), {
    faults: [{ start: 0, end: 500 }],
    explainUs: 1000,
  })[1];
  assert.is(tooEarly.verdict, "fail", "a fault that ended longer ago than the window explains nothing");
});

test("min available: a container kill explains a shortfall through the kubelet's restart back-off (explainKillUs), other faults only for explainUs", () => {
  // The shortfall comes at 2 s; the fault ended at 0.5 ms: 1.5 s before, past a 1 s window.
  const h = new History(1_000_000);
  h.at(dep(4), rs("old", 4), pod("o1", "old"), pod("o2", "old"), pod("o3", "old"), pod("o4", "old"));
  h.at(rs("old", 2), gone("o1"), gone("o2"));
  const judge = (kind: string) =>
    checkRollout(log({ versions: h.versions }), {
      faults: [{ start: 0, end: 500, kind }],
      explainUs: 1_000_000,
      explainKillUs: 9_000_000,
    })[1].verdict;
  assert.is(judge("container-kill"), "pass");
  assert.is(judge("partition"), "fail");
});

test("min available: a pod deleted by a scale down moments after it turned ready does not count: the Deployment was not yet available", () => {
  const h = new History(20_000); // 20 ms per revision
  h.at(dep(2), rs("old", 3), pod("o1", "old"), pod("o2", "old", false), pod("o3", "old", false));
  h.at(pod("o2", "old")); // 2 ready: at the floor for 20 ms only
  h.at(rs("old", 2), gone("o2")); // the ReplicaSet still saw o2 unready
  assert.is(checkRollout(log({ versions: h.versions }))[1].verdict, "pass");
  const late = new History(400_000); // the same 400 ms apart: o2 was ready for longer than the settle time
  late.at(dep(2), rs("old", 3), pod("o1", "old"), pod("o2", "old", false), pod("o3", "old", false));
  late.at(pod("o2", "old"));
  late.at(pod("o3", "old", false, "node-2"));
  late.at(rs("old", 2), gone("o2"));
  assert.is(checkRollout(log({ versions: late.versions }))[1].verdict, "fail");
});

test("min available: a ready pod its ReplicaSet no longer wants does not make the Deployment available (kube-smoke seed 164)", () => {
  // The rollout ended (old at 0, its last pod not yet deleted), then a scale to 5: 3 wanted ready pods,
  // under the floor of 4 throughout. Counting the old pod made it look available, and its deletion a dip.
  const h = new History(400_000);
  h.at(dep(3), rs("old", 0), pod("o1", "old"), rs("new", 3), pod("n1", "new"), pod("n2", "new"), pod("n3", "new"));
  h.at(dep(5, 2, 2), rs("new", 5), pod("n4", "new", false), pod("n5", "new", false));
  h.at(["/registry/leases/kube-system/kcm", null]); // 0.4 s and 0.8 s on: longer than the settle time
  h.at(["/registry/leases/kube-system/kcm", null]);
  h.at(gone("o1"));
  h.at(pod("n4", "new"));
  const r = checkRollout(log({ versions: h.versions }))[1];
  assert.is(r.verdict, "pass", r.message);
  // A dip of wanted ready pods after the floor had held is still one.
  h.at(pod("n5", "new"));
  h.at(pod("n1", "new", false), pod("n2", "new", false));
  assert.is(checkRollout(log({ versions: h.versions }))[1].verdict, "fail");
});

test("min available: a scale down keeps the Deployment available if enough pods were ready for the settle time; deleting those fails", () => {
  const scaleBack = (readyEarly: boolean, doomed: string[], pendingImage?: string) => {
    const h = new History(100_000); // 100 ms per revision
    h.at(dep(4), rs("a", 4), ...["a1", "a2", "a3", "a4"].map((n) => pod(n, "a", readyEarly)));
    if (!readyEarly) for (let i = 0; i < 5; i++) h.at(["/registry/leases/kube-system/kcm", null]);
    if (!readyEarly)
      h.at(...["a1", "a2", "a3", "a4"].map((n) => pod(n, "a"))); // ready 100 ms before the scale down
    else for (let i = 0; i < 5; i++) h.at(["/registry/leases/kube-system/kcm", null]);
    h.at(dep(8, 2, 2), rs("a", 8), ...["a5", "a6", "a7", "a8"].map((n) => pod(n, "a", false)));
    const down = dep(4, 3, 3);
    if (pendingImage !== undefined) down[1].spec.template.spec.containers[0]!.image = pendingImage;
    h.at(down);
    h.at(rs("a", 4), ...doomed.map(gone));
    return checkRollout(log({ versions: h.versions }))[1];
  };
  const kept = scaleBack(true, ["a5", "a6", "a7", "a8"]); // the starting pods go first
  assert.is(kept.verdict, "pass", kept.message);
  assert.match(kept.message, "(1 scale downs kept available)");
  const lost = scaleBack(true, ["a1", "a2", "a3", "a4"]); // the ready ones go: 0 ready of 4
  assert.is(lost.verdict, "fail");
  assert.match(
    lost.message,
    "0 ready pods at rv 9 (0.900s), fewer than replicas 4 − maxUnavailable 1, after it was available",
  );
  // Pods ready for less than the settle time may still look unready to the controllers: no promise then.
  assert.is(scaleBack(false, ["a1", "a2", "a3", "a4"]).verdict, "pass");
  // A template change came with the scale down: a rollout is pending, and its proportional scale down
  // weighs no readiness (quota-pressure seed 2260): no promise either.
  const pending = scaleBack(true, ["a1", "a2", "a3", "a4"], "nginx:2");
  assert.is(pending.verdict, "pass", pending.message);
  assert.not.match(pending.message, "scale downs kept available");
});

test("min available: under a new replica count mid-rollout, the floor holds once the Deployment controller acted on it (quota-pressure seed 296)", () => {
  // Kubernetes takes a scale down mid-rollout off every ReplicaSet in proportion, ready pods or not: the
  // sync that acts on it may leave fewer ready pods than the new floor (here 3 − 0).
  const lease = ["/registry/leases/kube-system/kcm", null] as [string, null];
  const h = new History(400_000);
  h.at(dep(9), rs("old", 3), pod("o1", "old"), pod("o2", "old"), pod("o3", "old"), rs("new", 6)); // quota: no new pods
  h.at(dep(3, 2, 1)); // scaled to 3, not yet observed: the 3 ready pods meet the new floor
  h.at(lease);
  h.at(lease);
  h.at(rs("old", 2), rs("new", 2), gone("o3")); // the proportional cut: 2 ready
  h.at(dep(3, 2, 2)); // the status of the sync that made it
  const cut = checkRollout(log({ versions: h.versions }))[1];
  assert.is(cut.verdict, "pass", cut.message);
  // Once the floor held under the observed count, a dip below it is one.
  h.at(pod("n1", "new"));
  h.at(lease);
  h.at(lease);
  h.at(gone("o1"));
  const dip = checkRollout(log({ versions: h.versions }))[1];
  assert.is(dip.verdict, "fail");
  assert.match(dip.message, "2 ready pods at rv 10 (4.000s), fewer than replicas 3 − maxUnavailable 0");
});

test("min available: a Deployment that was never available (scaling up, pods starting) is not held to it", () => {
  const h = new History();
  h.at(dep(4), rs("old", 4), pod("o1", "old", false), pod("o2", "old", false));
  h.at(pod("o1", "old"), pod("o3", "old", false));
  assert.is(checkRollout(log({ versions: h.versions }))[1].verdict, "pass");
});

const bind = (b: Partial<BindRequest>): BindRequest => ({
  time: 1000,
  apiserver: "apiserver-1",
  key: "/registry/pods/default/p",
  uid: "u1",
  node: "node-1",
  storedRv: 5,
  storedNode: "",
  resourceVersion: "5",
  ...b,
});

test("the rollout bounds are the API's, not the controller's: surge rounds up, unavailable down, never both 0", () => {
  const d = (replicas: number, maxSurge?: number | string, maxUnavailable?: number | string): Deployment =>
    ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", namespace: "default" },
      spec: {
        replicas,
        selector: { matchLabels: {} },
        template: { metadata: {}, spec: { containers: [] } },
        strategy: { rollingUpdate: { maxSurge, maxUnavailable } },
      },
    }) as unknown as Deployment;
  assert.equal(rolloutBounds(d(3)), { maxSurge: 1, maxUnavailable: 0 }, "25% of 3: 0.75 up and down");
  assert.equal(rolloutBounds(d(5)), { maxSurge: 2, maxUnavailable: 1 }, "25% of 5: 1.25");
  assert.equal(rolloutBounds(d(10, "30%", "30%")), { maxSurge: 3, maxUnavailable: 3 });
  assert.equal(rolloutBounds(d(4, 0, "10%")), { maxSurge: 0, maxUnavailable: 1 }, "both 0: one may be unavailable");
  assert.equal(rolloutBounds(d(4, 2, 1)), { maxSurge: 2, maxUnavailable: 1 }, "absolute numbers as given");
});

test("bind precondition: a bind conditional on an unbound version passes; one without a resourceVersion or from a bound version fails", () => {
  const h = new History();
  const [key, p] = pod("p", "rs", false);
  const unbound: Pod = { ...p, spec: { ...p.spec } };
  delete unbound.spec.nodeName;
  for (let i = 0; i < 4; i++) h.at(["/registry/other", null]);
  h.at([key, unbound]); // rv 5
  h.at([key, p]); // rv 6: bound to node-1
  const ok = checkBindPreconditions(log({ versions: h.versions, binds: [bind({})] }));
  assert.is(ok.verdict, "pass", ok.message);
  const none = bind({ node: "node-2", storedRv: 6, storedNode: "node-1" });
  delete none.resourceVersion;
  const bare = checkBindPreconditions(log({ versions: h.versions, binds: [none] }));
  assert.is(bare.verdict, "fail");
  assert.match(
    bare.message,
    "bind of /registry/pods/default/p (uid u1) to node-2 at apiserver-1, 0.001s carried no resourceVersion precondition (the stored version was rv 6, already bound to node-1)",
  );
  const stale = checkBindPreconditions(
    log({ versions: h.versions, binds: [bind({ resourceVersion: "6", node: "node-2" })] }),
  );
  assert.match(stale.message, "was computed from rv 6, in which the pod was already bound to node-1");
});

test("a pod being deleted is never bound: not by a bind computed from a deleting version, nor by one that lands on it", () => {
  const h = new History();
  const [key, p] = pod("p", "rs", false);
  const unbound: Pod = { ...p, spec: { ...p.spec } };
  delete unbound.spec.nodeName;
  const deleting: Pod = {
    ...unbound,
    metadata: { ...unbound.metadata, deletionTimestamp: 2000, deletionGracePeriodSeconds: 0, finalizers: ["f"] },
  };
  for (let i = 0; i < 4; i++) h.at(["/registry/other", null]);
  h.at([key, unbound]); // rv 5
  h.at([key, deleting]); // rv 6: deleted before it had a node (grace 0), a finalizer keeps it
  const refused = checkBindPreconditions(log({ versions: h.versions, binds: [bind({})] }));
  assert.is(refused.verdict, "pass", `a bind from rv 5 that did not land: ${refused.message}`);
  const fromDeleting = checkBindPreconditions(log({ versions: h.versions, binds: [bind({ resourceVersion: "6" })] }));
  assert.is(fromDeleting.verdict, "fail");
  assert.match(fromDeleting.message, "was computed from rv 6, in which the pod was being deleted");
  h.at([key, { ...deleting, spec: { ...deleting.spec, nodeName: "node-2" } }]); // rv 7: the bind landed
  const landed = checkBindPreconditions(log({ versions: h.versions, binds: [bind({ node: "node-2" })] }));
  assert.is(landed.verdict, "fail");
  assert.match(
    landed.message,
    "/registry/pods/default/p (uid p) was bound to node-2 at rv 7 (0.007s), though rv 6 had it being deleted without a node",
  );
  // A pod deleted once it had a node is terminating on that node: nothing to judge.
  const g = new History();
  g.at([key, unbound]);
  g.at([key, p]);
  g.at([key, { ...p, metadata: { ...p.metadata, deletionTimestamp: 5000, deletionGracePeriodSeconds: 2 } }]);
  assert.is(
    checkBindPreconditions(log({ versions: g.versions, binds: [bind({ resourceVersion: "1" })] })).verdict,
    "pass",
  );
});

test.run();
