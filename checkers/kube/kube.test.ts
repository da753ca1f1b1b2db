// The kube checker on hand-made observation logs: correct ones pass, each kind of violation fails
// with a message that says what happened.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AckedWrite, InformerObservation, LeaderAct, ObjectVersion } from "../../core/kube/observations.ts";
import type { Deployment, KubeObject, Pod, ReplicaSet } from "../../core/kube/types.ts";
import {
  checkBindings,
  checkKube,
  checkKubeLiveness,
  checkLostUpdates,
  checkResourceVersions,
  checkSingleLeader,
} from "./index.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const log = kubeLog;

const pod = (name: string, uid: string, nodeName?: string, ready = false, owner?: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: "default",
    uid,
    ...(owner
      ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: owner, controller: true }] }
      : {}),
  },
  spec: { containers: [{ name: "nginx", image: "nginx:1" }], ...(nodeName ? { nodeName } : {}) },
  ...(ready ? { status: { phase: "Running" as const, conditions: [{ type: "Ready", status: "True" as const }] } } : {}),
});
const key = (name: string) => `/registry/pods/default/${name}`;
const v = (name: string, rv: number, object: KubeObject | null, createRevision?: number): ObjectVersion => ({
  time: rv * 1000,
  key: key(name),
  rv,
  object,
  source: "store",
  ...(createRevision ? { createRevision } : {}),
});

test("binding: a pod bound once, updated and deleted, then a new pod of the same name bound elsewhere, passes", () => {
  const r = checkBindings(
    log({
      versions: [
        v("p", 10, pod("p", "u1"), 10),
        v("p", 11, pod("p", "u1", "node-1"), 10),
        v("p", 12, pod("p", "u1", "node-1", true), 10),
        v("p", 13, null),
        v("p", 14, pod("p", "u2"), 14),
        v("p", 15, pod("p", "u2", "node-2"), 14),
      ],
    }),
  );
  assert.is(r.verdict, "pass", r.message);
});

test("binding: a rebound or unbound pod fails", () => {
  const rebound = checkBindings(
    log({ versions: [v("p", 10, pod("p", "u1", "node-1"), 10), v("p", 11, pod("p", "u1", "node-2"), 10)] }),
  );
  assert.is(rebound.verdict, "fail");
  assert.match(rebound.message, "bound to node-1 at rv 10, then to node-2 at rv 11");
  const unbound = checkBindings(
    log({ versions: [v("p", 10, pod("p", "u1", "node-1"), 10), v("p", 12, pod("p", "u1"), 10)] }),
  );
  assert.match(unbound.message, "then unbound at rv 12");
});

test("binding: a pod stays in a terminal phase once in one; Pending to Running to Failed passes, Failed to Running fails", () => {
  const inPhase = (uid: string, phase: "Pending" | "Running" | "Failed" | "Succeeded"): Pod => ({
    ...pod("p", uid, "node-1"),
    status: { phase },
  });
  const lifecycle = checkBindings(
    log({
      versions: [
        v("p", 10, inPhase("u1", "Pending"), 10),
        v("p", 11, inPhase("u1", "Running"), 10),
        v("p", 12, inPhase("u1", "Failed"), 10),
        v("p", 13, inPhase("u1", "Failed"), 10),
        v("p", 14, null),
        v("p", 15, inPhase("u2", "Running"), 15),
      ],
    }),
  );
  assert.is(lifecycle.verdict, "pass", lifecycle.message);
  const revived = checkBindings(
    log({ versions: [v("p", 10, inPhase("u1", "Failed"), 10), v("p", 11, inPhase("u1", "Running"), 10)] }),
  );
  assert.is(revived.verdict, "fail");
  assert.is(
    revived.message,
    "/registry/pods/default/p (uid u1) Failed at rv 10, then Running at rv 11: a terminal phase is final",
  );
});

test("binding: a pod Ready only while Running, and Running through its restarts, passes; Ready while Pending or Running back to Pending fails", () => {
  const inPhase = (uid: string, phase: "Pending" | "Running", ready: boolean): Pod => ({
    ...pod("p", uid, "node-1"),
    status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  });
  const restarts = checkBindings(
    log({
      versions: [
        v("p", 10, inPhase("u1", "Pending", false), 10),
        v("p", 11, inPhase("u1", "Running", true), 10),
        // Its container died (or its node rebooted): not ready, still Running.
        v("p", 12, inPhase("u1", "Running", false), 10),
        v("p", 13, inPhase("u1", "Running", true), 10),
        v("p", 14, null),
        // A new pod of the same name starts Pending again.
        v("p", 15, inPhase("u2", "Pending", false), 15),
      ],
    }),
  );
  assert.is(restarts.verdict, "pass", restarts.message);
  const readyPending = checkBindings(log({ versions: [v("p", 10, inPhase("u1", "Pending", true), 10)] }));
  assert.is(readyPending.verdict, "fail");
  assert.is(
    readyPending.message,
    "/registry/pods/default/p (uid u1) Ready in phase Pending at rv 10: a ready pod is Running",
  );
  const backToPending = checkBindings(
    log({
      versions: [v("p", 10, inPhase("u1", "Running", true), 10), v("p", 11, inPhase("u1", "Pending", false), 10)],
    }),
  );
  assert.is(backToPending.verdict, "fail");
  assert.match(backToPending.message, "(uid u1) Running at rv 10, then Pending at rv 11");
});

test("binding: a pod bound to a node that does not exist fails", () => {
  const r = checkBindings(log({ versions: [v("p", 10, pod("p", "u1", "node-9"), 10)] }));
  assert.is(r.verdict, "fail");
  assert.match(r.message, "bound to node-9 at rv 10, which is not a node of the cluster");
});

test("binding: two live pods sharing a name (a uid change within one generation) fails", () => {
  const r = checkBindings(log({ versions: [v("p", 10, pod("p", "u1"), 10), v("p", 11, pod("p", "u2"), 10)] }));
  assert.is(r.verdict, "fail");
  assert.match(r.message, "uid u1 (rv 10) replaced by uid u2 at rv 11 without a delete");
});

const obs = (observer: string, rv: number, event: InformerObservation["event"]): InformerObservation => ({
  time: rv,
  observer,
  key: key("p"),
  rv,
  event,
});

test("resourceVersion: each informer sees a key's versions strictly increase; a relist may repeat the last one", () => {
  const ok = checkResourceVersions(
    log({
      observed: [
        obs("a", 5, "LIST"),
        obs("a", 7, "MODIFIED"),
        obs("a", 7, "LIST"),
        obs("a", 9, "DELETED"),
        obs("b", 3, "LIST"),
      ],
    }),
  );
  assert.is(ok.verdict, "pass", ok.message);
  const back = checkResourceVersions(log({ observed: [obs("a", 7, "MODIFIED"), obs("a", 6, "MODIFIED")] }));
  assert.is(back.verdict, "fail");
  assert.match(back.message, "a saw /registry/pods/default/p at rv 6 (MODIFIED");
  assert.is(
    checkResourceVersions(log({ observed: [obs("a", 7, "MODIFIED"), obs("a", 7, "MODIFIED")] })).verdict,
    "fail",
    "a watch event repeated",
  );
  assert.is(
    checkResourceVersions(log({ observed: [obs("a", 7, "MODIFIED"), obs("a", 5, "LIST")] })).verdict,
    "fail",
    "a relist went back",
  );
  assert.is(
    checkResourceVersions(log({ versions: [v("p", 8, pod("p", "u")), v("p", 8, pod("p", "u"))] })).verdict,
    "fail",
    "the store repeated a revision",
  );
});

const w = (op: AckedWrite["op"], baseRv: number, rv: number): AckedWrite => ({
  time: rv,
  apiserver: "apiserver-1",
  key: key("d"),
  op,
  baseRv,
  rv,
});

test("lost update: a chain of writes each based on the one before passes; a write over an unseen acknowledged write fails", () => {
  const chain = checkLostUpdates(
    log({
      writes: [
        w("create", 0, 5),
        w("update", 5, 8),
        w("update", 8, 9),
        w("delete", 9, 12),
        w("create", 0, 13),
        w("update", 13, 20),
      ],
    }),
  );
  assert.is(chain.verdict, "pass", chain.message);
  const lost = checkLostUpdates(log({ writes: [w("create", 0, 5), w("update", 5, 8), w("update", 5, 9)] }));
  assert.is(lost.verdict, "fail");
  assert.match(lost.message, "lost update on /registry/pods/default/d: the update at rv 9");
  assert.match(lost.message, "computed from rv 5 and overwrote the acknowledged update at rv 8");
});

test("lost update by a controller: a fresh precondition over a stale body fails; a change computed from the version it replaced passes", () => {
  // The apiserver saw a proper CAS at 9 (based on 8); the controller had computed its change from rv 5.
  const writes = [w("create", 0, 5), w("update", 5, 8), w("update", 8, 9)];
  const cw = (origin: number, rv: number) => ({
    time: rv,
    process: "kcm-1",
    key: key("d"),
    op: "update" as const,
    origin,
    rv,
  });
  const stale = checkLostUpdates(log({ writes, controllerWrites: [cw(5, 9)] }));
  assert.is(stale.verdict, "fail");
  assert.match(
    stale.message,
    "lost update on /registry/pods/default/d: kcm-1's update at rv 9 (0.000s) was computed from rv 5 and overwrote the acknowledged update at rv 8",
  );
  const fresh = checkLostUpdates(log({ writes, controllerWrites: [cw(8, 9)] }));
  assert.is(fresh.verdict, "pass", fresh.message);
  assert.match(fresh.message, "1 controller writes, each computed from the version it replaced");
});

const act = (process: string, term: number, time: number, lease = "kube-system/kube-scheduler"): LeaderAct => ({
  time,
  process,
  identity: process + "_x",
  lease,
  term,
  what: "bind",
});

test("single leader: tenures that follow each other pass; an older tenure acting after a newer one fails", () => {
  const ok = checkSingleLeader(
    log({
      acts: [
        act("s1", 7, 100),
        act("s1", 7, 200),
        act("s2", 40, 300),
        act("s1", 90, 400),
        act("k1", 3, 500, "kube-system/kube-controller-manager"),
      ],
    }),
  );
  assert.is(ok.verdict, "pass", ok.message);
  const two = checkSingleLeader(log({ acts: [act("s1", 7, 100), act("s2", 40, 300), act("s1", 7, 350)] }));
  assert.is(two.verdict, "fail");
  assert.match(
    two.message,
    "two leaders of kube-system/kube-scheduler: s1 (term 7) acted at 0.000s (bind) after s2 acted as a newer leader (term 40)",
  );
  const same = checkSingleLeader(log({ acts: [act("s1", 7, 100), act("s2", 7, 300)] }));
  assert.match(same.message, "in one term 7");
});

/** default/nginx (uid d1) at `replicas`, its status caught up, and its ReplicaSet rs1 of the same template. */
function nginxAt(replicas: number, generation: number): [Deployment, ReplicaSet] {
  const d: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "nginx", namespace: "default", uid: "d1", generation },
    spec: {
      replicas,
      selector: { matchLabels: { app: "nginx" } },
      template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx:1" }] } },
    },
    status: { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas },
  };
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: "rs",
      namespace: "default",
      uid: "rs1",
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "nginx", uid: "d1", controller: true }],
    },
    spec: { replicas, selector: { matchLabels: {} }, template: d.spec.template },
  };
  return [d, rs];
}

test("liveness: converged passes; stuck names what is pending", () => {
  const [d, rs] = nginxAt(3, 2);
  const expected = [
    {
      namespace: "default",
      name: "nginx",
      deleted: false,
      replicas: 3,
      containers: [{ name: "nginx", image: "nginx:1" }],
    },
  ];
  const input = (pods: Pod[], liveNodes = ["node-1", "node-2"]) => ({
    objects: [d, rs, ...pods],
    expected,
    liveNodes,
    steps: ["apply"],
    stepsDone: 1,
  });
  const good = checkKubeLiveness(
    input([
      pod("a", "1", "node-1", true, "rs1"),
      pod("b", "2", "node-2", true, "rs1"),
      pod("c", "3", "node-1", true, "rs1"),
    ]),
  );
  assert.is(good.verdict, "pass", good.message);
  const stuck = checkKubeLiveness(
    input([
      pod("a", "1", "node-1", true, "rs1"),
      pod("b", "2", "node-2", true, "rs1"),
      pod("c", "3", undefined, false, "rs1"),
    ]),
    { healedAt: 1e6, at: 11e6, boundUs: 10e6 },
  );
  assert.is(stuck.verdict, "fail");
  assert.match(stuck.message, "deployment default/nginx: 2/3 ready, 1 pod unscheduled");
  assert.match(stuck.message, "10.000s after heal");
  const deadNode = checkKubeLiveness(
    input(
      [
        pod("a", "1", "node-1", true, "rs1"),
        pod("b", "2", "node-2", true, "rs1"),
        pod("c", "3", "node-1", true, "rs1"),
      ],
      ["node-2"],
    ),
  );
  assert.match(deadNode.message, "1/3 ready, 2 pods on down nodes node-1");
});

test("liveness: a scale that timed out may land after the last step; its replicas are an accepted end, nothing else", () => {
  const [d, rs] = nginxAt(2, 5);
  // The steps scaled to 2, then to 8; the scale to 2 timed out once (its retry succeeded) and landed last.
  const expected = [
    {
      namespace: "default",
      name: "nginx",
      deleted: false,
      replicas: 8,
      containers: [{ name: "nginx", image: "nginx:1" }],
    },
  ];
  const pods = [pod("a", "1", "node-1", true, "rs1"), pod("b", "2", "node-2", true, "rs1")];
  const input = (ambiguousScales: { namespace: string; name: string; replicas: number }[]) => ({
    objects: [d, rs, ...pods],
    expected,
    liveNodes: ["node-1", "node-2"],
    steps: ["apply", "scale", "scale"],
    stepsDone: 3,
    ambiguousScales,
  });
  const strict = checkKubeLiveness(input([]));
  assert.is(strict.verdict, "fail");
  assert.match(strict.message, 'spec is 2 × [{"image":"nginx:1","name":"nginx"}], expected 8 ×');
  const late = checkKubeLiveness(input([{ namespace: "default", name: "nginx", replicas: 2 }]));
  assert.is(late.verdict, "pass", late.message);
  assert.match(late.message, "default/nginx 2/2 (a timed-out scale landed last; the steps ended at 8)");
  const other = checkKubeLiveness(input([{ namespace: "default", name: "nginx", replicas: 5 }]));
  assert.is(other.verdict, "fail");
  assert.match(other.message, "expected 8 (or 5, from a scale that timed out)");
});

test("checkKube runs every rule and liveness when given a snapshot", () => {
  assert.equal(
    checkKube(log({})).map((c) => c.name),
    [
      "kube-binding",
      "kube-bind-precondition",
      "kube-resource-version",
      "kube-informer-reliable",
      "kube-lost-update",
      "kube-read-fresh",
      "kube-leader",
      "kube-lease-transitions",
      "kube-cache-synced",
      "kube-gc-owner-gone",
      "kube-cascade",
      "kube-ready-truthful",
      "kube-node-capacity",
      "kube-scheduler-fit",
      "kube-replica-creations",
      "kube-replica-deletions",
      "kube-replicaset-status",
      "kube-deployment-status",
      "kube-create-status",
      "kube-object-meta",
      "kube-graceful-delete",
      "kube-watch-leaks",
      "kube-max-surge",
      "kube-min-available",
      "kube-rollout-decisions",
    ],
  );
});

test.run();
