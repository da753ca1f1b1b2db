// kube-node-health on hand-written logs: what a controller's informers delivered, and when it acted.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { NODE_LEASE_NAMESPACE } from "../../core/kube/controllers/scheduler.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import { registryKey } from "../../core/kube/resources.ts";
import type { Lease, Node, Pod } from "../../core/kube/types.ts";
import { checkNodeHealth } from "./node-health.ts";

const OPTS = { graceUs: 4_000_000, tolerationUs: 6_000_000 };
const NODE = registryKey("Node", undefined, "node-1");
const LEASE = registryKey("Lease", NODE_LEASE_NAMESPACE, "node-1");
const POD = registryKey("Pod", "default", "web-1");

function node(ready: "True" | "Unknown", tainted = false): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-1" },
    spec: tainted ? { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: 0 }] } : {},
    status: { conditions: [{ type: "Ready", status: ready }] },
  };
}
const lease: Lease = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "node-1", namespace: NODE_LEASE_NAMESPACE },
  spec: { renewTime: 1 },
};
const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-1", namespace: "default", uid: "u1" },
  spec: { nodeName: "node-1", containers: [] },
};

/** The node lifecycle controller's write as kcm-1, the leader, sent it. */
const act = (time: number, write: string): KubeObservations["acts"][number] => ({
  time,
  process: "kcm-1",
  identity: "kcm-1_x",
  lease: "kube-system/kube-controller-manager",
  term: 1,
  what: `node-lifecycle: ${write}`,
});

/** A controller-manager's tenure beginning. */
const acquired = (time: number, process: string): KubeObservations["leaders"][number] => ({
  time,
  process,
  identity: `${process}_x`,
  lease: "kube-system/kube-controller-manager",
  term: 1,
  event: "acquired",
});

/** node-1 marked Unknown by kcm-1's write sent at `actAt`, its informer having delivered Lease revisions at `renewals`. */
function markedUnknown(actAt: number, renewals: [observer: string, time: number][]): KubeObservations {
  return {
    nodes: ["node-1"],
    versions: [
      { time: 0, key: NODE, rv: 10, object: node("True"), source: "store" },
      { time: actAt + 5_000, key: NODE, rv: 50, object: node("Unknown"), source: "store" },
      ...renewals.map(([, time], i) => ({ time, key: LEASE, rv: 20 + i, object: lease, source: "store" })),
    ],
    writes: [],
    observed: renewals.map(([observer, time], i) => ({ time, observer, key: LEASE, rv: 20 + i, event: "MODIFIED" })),
    acts: [act(actAt, "updateStatus Node node-1@10")],
    leaders: [],
    actions: [],
  };
}

test("a node marked Unknown a whole grace period after the last renewal its controller saw passes", () => {
  const r = checkNodeHealth(markedUnknown(10_000_000, [["kcm-1#a/Lease", 5_000_000]]), OPTS);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^1 nodes marked Unknown/);
});

test("a node marked Unknown though its controller saw a renewal within the grace period fails", () => {
  const r = checkNodeHealth(
    markedUnknown(10_000_000, [
      ["kcm-1#a/Lease", 5_000_000],
      ["kcm-1#a/Lease", 8_000_000],
    ]),
    OPTS,
  );
  assert.is(r.verdict, "fail");
  assert.match(r.message, /kcm-1 marked node-1 Unknown at 10\.000s .* at 8\.000s, 2\.000s before/);
});

test("only the acting controller's own deliveries count, and a fast clock shortens the grace period", () => {
  assert.is(checkNodeHealth(markedUnknown(10_000_000, [["kcm-2#b/Lease", 8_000_000]]), OPTS).verdict, "pass");
  const recent = markedUnknown(10_000_000, [["kcm-1#a/Lease", 6_900_000]]);
  assert.is(checkNodeHealth(recent, OPTS).verdict, "fail");
  assert.is(checkNodeHealth(recent, { ...OPTS, maxDriftPpm: 300_000 }).verdict, "pass");
});

test("a delivery of a revision already seen is no renewal", () => {
  const o = markedUnknown(10_000_000, [["kcm-1#a/Lease", 5_000_000]]);
  o.observed.push({ time: 9_000_000, observer: "kcm-1#a/Lease", key: LEASE, rv: 20, event: "LIST" });
  assert.is(checkNodeHealth(o, OPTS).verdict, "pass");
});

test("a taint computed from a version of the node that was Ready fails; from an Unknown one it passes", () => {
  const tainted = (ready: "True" | "Unknown"): KubeObservations => ({
    nodes: ["node-1"],
    versions: [
      { time: 0, key: NODE, rv: 10, object: node(ready), source: "store" },
      { time: 2_000_000, key: NODE, rv: 11, object: node(ready, true), source: "store" },
    ],
    writes: [],
    observed: [],
    acts: [act(1_900_000, "update Node node-1@10")],
    leaders: [],
    actions: [],
  });
  assert.is(checkNodeHealth(tainted("Unknown"), OPTS).verdict, "pass");
  const r = checkNodeHealth(tainted("True"), OPTS);
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^kcm-1 tainted node-1 unreachable at 1\.900s from a version of it \(revision 10\) whose Ready was True/,
  );
});

/** web-1 on node-1 marked not ready by kcm-1 at 5 s; what kcm-1 knew of node-1 is up to the caller. */
function podMarked(known: Partial<KubeObservations>): KubeObservations {
  const ready: Pod = { ...pod, status: { conditions: [{ type: "Ready", status: "True" }] } };
  const notReady: Pod = { ...pod, status: { conditions: [{ type: "Ready", status: "False" }] } };
  return {
    nodes: ["node-1"],
    versions: [
      { time: 0, key: NODE, rv: 10, object: node("True"), source: "store" },
      { time: 4_000_000, key: NODE, rv: 20, object: node("Unknown"), source: "store" },
      { time: 0, key: POD, rv: 11, object: ready, source: "store" },
      { time: 5_100_000, key: POD, rv: 30, object: notReady, source: "store" },
      ...(known.versions ?? []),
    ],
    writes: [],
    observed: [{ time: 100, observer: "kcm-1#a/Node", key: NODE, rv: 10, event: "LIST" }, ...(known.observed ?? [])],
    acts: [...(known.acts ?? []), act(5_000_000, "updateStatus Pod default/web-1@11")],
    leaders: [],
    actions: [],
  };
}

test("a pod marked not ready while the controller knew its node not Ready passes, by delivery or by its own write; while it knew it Ready, fails", () => {
  const delivered = podMarked({
    observed: [{ time: 4_100_000, observer: "kcm-1#a/Node", key: NODE, rv: 20, event: "MODIFIED" }],
  });
  assert.is(checkNodeHealth(delivered, OPTS).verdict, "pass");
  const ownWrite = podMarked({ acts: [act(3_900_000, "updateStatus Node node-1@10")] });
  assert.is(checkNodeHealth(ownWrite, OPTS).verdict, "pass");
  const r = checkNodeHealth(podMarked({}), OPTS);
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^kcm-1 marked pod default\/web-1 not ready at 5\.000s though the newest version of its node node-1 it knew/,
  );
});

test("a pod marked by a later write of a batch decided while the node was not Ready passes, though the node came back meanwhile", () => {
  // kcm-1 saw node-1 Unknown at 4.1 s and Ready again at 4.9 s; its write of 5 s was decided at 4.5 s.
  const seen = [
    { time: 4_100_000, observer: "kcm-1#a/Node", key: NODE, rv: 20, event: "MODIFIED" as const },
    { time: 4_900_000, observer: "kcm-1#a/Node", key: NODE, rv: 25, event: "MODIFIED" as const },
  ];
  const back = { time: 4_800_000, key: NODE, rv: 25, object: node("True"), source: "store" };
  const batch = podMarked({ observed: seen, versions: [back] });
  batch.acts = batch.acts.map((a) => ({ ...a, decidedAt: 4_500_000 }));
  assert.is(checkNodeHealth(batch, OPTS).verdict, "pass", checkNodeHealth(batch, OPTS).message);
  assert.is(checkNodeHealth(podMarked({ observed: seen, versions: [back] }), OPTS).verdict, "fail", "decided at 5 s");
});

test("the pods Ready on a node the controller marked Unknown are marked not ready soon after, unless its tenure ends first", () => {
  const readyPod: Pod = { ...pod, status: { conditions: [{ type: "Ready", status: "True" }] } };
  const notReady: Pod = { ...pod, status: { conditions: [{ type: "Ready", status: "False" }] } };
  const left = markedUnknown(4_000_000, [["kcm-1#a/Lease", 0]]);
  left.versions.push(
    { time: 1_000, key: POD, rv: 5, object: readyPod, source: "store" },
    { time: 10_000_000, key: LEASE, rv: 60, object: lease, source: "store" },
  );
  const r = checkNodeHealth(left, OPTS);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /^pod default\/web-1 was still Ready 3\.000s after kcm-1 marked its node node-1 Unknown/);
  const marked = structuredClone(left);
  marked.versions.push({ time: 4_200_000, key: POD, rv: 51, object: notReady, source: "store" });
  assert.is(checkNodeHealth(marked, OPTS).verdict, "pass");
  const deposed = structuredClone(left);
  deposed.leaders.push(acquired(5_000_000, "kcm-2"));
  assert.is(checkNodeHealth(deposed, OPTS).verdict, "pass");
});

test("a node silent for a grace period (and the slack to act) under one leader must have been marked Unknown", () => {
  const silent = (extra: Partial<KubeObservations>): KubeObservations => ({
    nodes: ["node-1"],
    versions: [
      { time: 0, key: NODE, rv: 10, object: node("True"), source: "store" },
      { time: 1_000_000, key: LEASE, rv: 11, object: lease, source: "store" },
      { time: 12_000_000, key: LEASE, rv: 12, object: lease, source: "store" },
      ...(extra.versions ?? []),
    ],
    writes: [],
    observed: [],
    acts: [],
    leaders: [acquired(0, "kcm-1"), ...(extra.leaders ?? [])],
    actions: [],
  });
  const r = checkNodeHealth(silent({}), OPTS);
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^node node-1 renewed its Lease at 1\.000s and not again until 12\.000s, yet kcm-1, leading from 0\.000s, had not marked it Unknown by 9\.000s/,
  );
  const marked = silent({
    versions: [{ time: 5_500_000, key: NODE, rv: 13, object: node("Unknown"), source: "store" }],
  });
  assert.is(checkNodeHealth(marked, OPTS).verdict, "pass");
  // A new leader at 5 s starts its own grace period: due at 13 s, after the node renewed again.
  const handedOver = silent({
    leaders: [acquired(5_000_000, "kcm-2")],
  });
  assert.is(checkNodeHealth(handedOver, OPTS).verdict, "pass");
});

test("a node stored Unknown without the unreachable taint for 4 s, under one leader and with another node Ready, fails", () => {
  const NODE2 = registryKey("Node", undefined, "node-2");
  const node2 = (ready: "True" | "Unknown"): Node => ({ ...node(ready), metadata: { name: "node-2" } });
  const log = (o: { taintAt?: number; node2Unknown?: boolean; handover?: number; end?: number }): KubeObservations => ({
    nodes: ["node-1", "node-2"],
    versions: [
      { time: 0, key: NODE, rv: 10, object: node("True"), source: "store" },
      { time: 0, key: NODE2, rv: 11, object: node2("True"), source: "store" },
      { time: 1_000_000, key: NODE, rv: 12, object: node("Unknown"), source: "store" },
      ...(o.node2Unknown ? [{ time: 900_000, key: NODE2, rv: 13, object: node2("Unknown"), source: "store" }] : []),
      ...(o.taintAt !== undefined
        ? [{ time: o.taintAt, key: NODE, rv: 14, object: node("Unknown", true), source: "store" }]
        : []),
      { time: o.end ?? 10_000_000, key: LEASE, rv: 15, object: lease, source: "store" },
    ],
    writes: [],
    observed: [],
    acts: [],
    leaders: [acquired(0, "kcm-1"), ...(o.handover !== undefined ? [acquired(o.handover, "kcm-2")] : [])],
    actions: [],
  });
  const never = checkNodeHealth(log({}), OPTS);
  assert.is(never.verdict, "fail");
  assert.match(
    never.message,
    "node node-1 was stored Unknown without the unreachable:NoExecute taint from 1.000s until the end, though kcm-1 led all along and another node was Ready (4.000s to act)",
  );
  const tainted = checkNodeHealth(log({ taintAt: 3_000_000 }), OPTS);
  assert.is(tainted.verdict, "pass", tainted.message);
  assert.match(tainted.message, /and 1 Unknown nodes due for one tainted/);
  assert.is(checkNodeHealth(log({ taintAt: 5_500_000 }), OPTS).verdict, "fail", "tainted too late");
  assert.is(checkNodeHealth(log({ node2Unknown: true }), OPTS).verdict, "pass", "a full disruption: no taint");
  assert.is(
    checkNodeHealth(log({ handover: 4_000_000, end: 7_000_000 }), OPTS).verdict,
    "pass",
    "no tenure long enough",
  );
});

/** kcm-1 deletes web-1 at `actAt`; its Node informer delivered node-1 versions (tainted or not) at the times given. */
function evicted(actAt: number, nodes: [time: number, tainted: boolean][]): KubeObservations {
  return {
    nodes: ["node-1"],
    versions: [
      { time: 0, key: POD, rv: 5, object: pod, source: "store" },
      ...nodes.map(([time, tainted], i) => ({
        time,
        key: NODE,
        rv: 30 + i,
        object: node(tainted ? "Unknown" : "True", tainted),
        source: "store",
      })),
    ],
    writes: [],
    observed: nodes.map(([time], i) => ({ time, observer: "kcm-1#a/Node", key: NODE, rv: 30 + i, event: "MODIFIED" })),
    acts: [{ ...act(actAt, "delete Pod default/web-1"), deletes: POD }],
    leaders: [],
    actions: [],
  };
}

test("an eviction a whole toleration after the controller saw its node tainted passes", () => {
  const r = checkNodeHealth(
    evicted(10_000_000, [
      [1_000_000, false],
      [3_000_000, true],
      [5_000_000, true],
    ]),
    OPTS,
  );
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /1 pods evicted/);
});

test("an eviction before the toleration ran out, or from a node the controller last saw untainted, fails", () => {
  const early = checkNodeHealth(evicted(10_000_000, [[5_000_000, true]]), OPTS);
  assert.is(early.verdict, "fail");
  assert.match(early.message, /5\.000s after its informer first delivered node-1 tainted/);
  // Tainted, untainted again, tainted again: the toleration starts over at the last taint.
  const retainted = checkNodeHealth(
    evicted(10_000_000, [
      [1_000_000, true],
      [2_000_000, false],
      [6_000_000, true],
    ]),
    OPTS,
  );
  assert.is(retainted.verdict, "fail");
  const untainted = checkNodeHealth(
    evicted(10_000_000, [
      [1_000_000, true],
      [9_000_000, false],
    ]),
    OPTS,
  );
  assert.is(untainted.verdict, "fail");
  assert.match(untainted.message, /carried no unreachable:NoExecute taint/);
});

test("the pods of a node tainted unreachable:NoExecute for their toleration and the slack, under one leader, with another node Ready, must be gone", () => {
  const NODE2 = registryKey("Node", undefined, "node-2");
  const node2 = (ready: "True" | "Unknown"): Node => ({ ...node(ready), metadata: { name: "node-2" } });
  const run = (extra: Partial<KubeObservations>): KubeObservations => ({
    nodes: ["node-1", "node-2"],
    versions: [
      { time: 0, key: POD, rv: 5, object: pod, source: "store" },
      { time: 0, key: NODE2, rv: 6, object: node2("True"), source: "store" },
      { time: 0, key: NODE, rv: 7, object: node("True"), source: "store" },
      { time: 2_000_000, key: NODE, rv: 30, object: node("Unknown", true), source: "store" },
      // The run goes on to 15 s.
      {
        time: 15_000_000,
        key: registryKey("Lease", NODE_LEASE_NAMESPACE, "node-2"),
        rv: 90,
        object: lease,
        source: "store",
      },
      ...(extra.versions ?? []),
    ],
    writes: [],
    observed: [],
    acts: [],
    leaders: [acquired(0, "kcm-1"), ...(extra.leaders ?? [])],
    actions: [],
  });
  const stayed = checkNodeHealth(run({}), OPTS);
  assert.is(stayed.verdict, "fail");
  assert.match(
    stayed.message,
    /^pod default\/web-1 was still on node-1 at 12\.000s, though every version of the node since 2\.000s carried unreachable:NoExecute, kcm-1 led all along/,
  );
  const terminating: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: 11_000_000 } };
  for (const [why, extra] of [
    ["deleted", { versions: [{ time: 9_000_000, key: POD, rv: 40, object: null, source: "store" }] }],
    ["terminating", { versions: [{ time: 11_000_000, key: POD, rv: 40, object: terminating, source: "store" }] }],
    ["untainted first", { versions: [{ time: 10_000_000, key: NODE, rv: 40, object: node("True"), source: "store" }] }],
    [
      "a full disruption",
      { versions: [{ time: 5_000_000, key: NODE2, rv: 40, object: node2("Unknown"), source: "store" }] },
    ],
    ["another leader from 7 s", { leaders: [acquired(7_000_000, "kcm-2")] }],
  ] as [string, Partial<KubeObservations>][])
    assert.is(checkNodeHealth(run(extra), OPTS).verdict, "pass", why);
});

test.run();
