import { test } from "uvu";
import * as assert from "uvu/assert";
import { KubeRecorder } from "./observations.ts";
import { registryKey } from "./resources.ts";
import type { KubeObject, Lease, Pod } from "./types.ts";

const lease = (renewTime: number, uid = "u-lease"): Lease => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "node-1", namespace: "kube-node-lease", uid },
  spec: { holderIdentity: "node-1", renewTime },
});
const pod = (phase: NonNullable<Pod["status"]>["phase"]): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-1", namespace: "default", uid: "u-pod" },
  spec: { containers: [{ name: "c", image: "i" }] },
  status: { phase },
});
const keyOf = (o: KubeObject) => registryKey(o.kind, o.metadata.namespace, o.metadata.name);

test("workloadChanges moves with the workload's objects and with uids, not with a lease renewal", () => {
  const rec = new KubeRecorder(() => 0);
  const counts = () => [rec.changes, rec.workloadChanges];
  rec.version(keyOf(lease(1)), 2, 2, lease(1), "t");
  assert.equal(counts(), [1, 1], "a new object: its uid is new");
  rec.version(keyOf(lease(2)), 3, 2, lease(2), "t");
  assert.equal(counts(), [2, 1], "a renewal changes only the lease");
  rec.version(keyOf(lease(3, "u-other")), 4, 4, lease(3, "u-other"), "t");
  assert.equal(counts(), [3, 2], "another incarnation of the key: another uid");
  rec.version(keyOf(pod("Pending")), 5, 5, pod("Pending"), "t");
  rec.version(keyOf(pod("Running")), 6, 5, pod("Running"), "t");
  assert.equal(counts(), [5, 4], "every pod version");
  rec.version(keyOf(pod("Running")), 6, 5, pod("Running"), "t");
  assert.equal(counts(), [5, 4], "a version seen before changes nothing");
  rec.version(keyOf(lease(3)), 7, undefined, null, "t");
  assert.equal(counts(), [6, 5], "a deletion");
  rec.listed("/registry/pods/", "/registry/pods0", 8, [], "t");
  assert.equal(counts(), [7, 6], "a list that no longer has the pod");
  rec.action({ index: 0, description: "apply" });
  assert.equal(counts(), [8, 7]);
  rec.ambiguousScale({ index: 1, namespace: "default", name: "nginx", replicas: 2 });
  assert.equal(counts(), [9, 8]);
});

test("liveObjects lists the newest live version of every key, by key, as keys come and go", () => {
  const rec = new KubeRecorder(() => 0);
  const names = () => rec.liveObjects().map((o) => `${o.kind}:${o.metadata.name}`);
  rec.version(keyOf(pod("Pending")), 5, 5, pod("Pending"), "t");
  assert.equal(names(), ["Pod:web-1"]);
  rec.version(keyOf(lease(1)), 6, 6, lease(1), "t");
  assert.equal(names(), ["Lease:node-1", "Pod:web-1"], "sorted by key: /registry/leases before /registry/pods");
  rec.version(keyOf(pod("Running")), 7, 5, pod("Running"), "t");
  assert.is((rec.liveObjects("/registry/pods/")[0] as Pod).status?.phase, "Running");
  rec.version(keyOf(pod("Running")), 8, undefined, null, "t");
  assert.equal(names(), ["Lease:node-1"]);
  rec.version(
    registryKey("Pod", "default", "a"),
    9,
    9,
    { ...pod("Pending"), metadata: { name: "a", namespace: "default" } },
    "t",
  );
  assert.equal(names(), ["Lease:node-1", "Pod:a"]);
});

test.run();
