// The whole flow on the fake etcd under the World: Deployment → ReplicaSet → scheduler → kubelet.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { World } from "../../sim/world.ts";
import { checkKube } from "../../checkers/kube/index.ts";
import { defineController } from "../../core/kube/controller.ts";
import { readyCountController } from "../../core/kube/examples/ready-count.ts";
import { decodeObject, registryPrefix } from "../../core/kube/resources.ts";
import { NGINX, startFakeKubeCluster } from "../../testing/kube/fake-cluster.ts";
import { podIsReady, type ConfigMap, type Deployment, type KubeObject, type Pod } from "../../core/kube/types.ts";
import type { WorkloadAction } from "./workload.ts";

const ROLLOUT: WorkloadAction[] = [
  { at: 2_000_000, kind: "scale", deployment: "nginx", replicas: 5 },
  { at: 4_000_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
];

function run(seed: number, extra: Partial<Parameters<typeof startFakeKubeCluster>[1]> = {}, untilUs = 15_000_000) {
  const world = new World({ seed });
  const { cluster, etcd } = startFakeKubeCluster(world, { manifests: [NGINX], actions: ROLLOUT, ...extra });
  world.runUntil(4_500_000);
  const converged = world.runUntilPredicate(() => cluster.pending().length === 0, untilUs);
  const stored = (kind: Parameters<typeof registryPrefix>[0]) => etcd.dump(registryPrefix(kind)).map(decodeObject);
  return { world, cluster, etcd, converged, stored };
}

test("nginx with 3 replicas, scaled to 5, then rolled to a new image: 5 ready pods of the new image, checkers pass", () => {
  const { world, cluster, converged, stored } = run(1);
  assert.ok(converged, cluster.pending().join("; "));
  const pods = stored("Pod") as Pod[];
  assert.is(pods.length, 5);
  assert.ok(
    pods.every(
      (p) =>
        podIsReady(p) &&
        p.spec.containers[0]!.image === "nginx:1.26" &&
        cluster.processes.nodes.includes(p.spec.nodeName ?? ""),
    ),
  );
  const d = stored("Deployment")[0] as Deployment;
  assert.equal(
    [d.status?.readyReplicas, d.status?.updatedReplicas, d.status?.observedGeneration],
    [5, 5, d.metadata.generation],
  );
  assert.is(stored("ReplicaSet").length, 2, "the old ReplicaSet stays, scaled to 0");
  const checks = checkKube(cluster.observations(), { input: cluster.convergence() });
  for (const c of checks) assert.is(c.verdict, "pass", `${c.name}: ${c.message}`);
  assert.ok(world.now < 8_000_000, `converged at ${world.now}us`);
});

test("one seed gives one history: the same trace hash twice, another seed another", () => {
  const a = run(42, {}, 6_000_000).world.trace.hash();
  const b = run(42, {}, 6_000_000).world.trace.hash();
  const c = run(43, {}, 6_000_000).world.trace.hash();
  assert.is(a, b);
  assert.is.not(a, c);
});

test("a deleted Deployment's ReplicaSets and pods are garbage-collected", () => {
  const { cluster, converged, stored } = run(2, {
    actions: [...ROLLOUT, { at: 5_000_000, kind: "delete", deployment: "nginx" }],
  });
  assert.ok(converged, cluster.pending().join("; "));
  assert.equal([stored("Deployment").length, stored("ReplicaSet").length, stored("Pod").length], [0, 0, 0]);
});

test("pods that do not fit stay pending, and pending() says so", () => {
  const { cluster, converged } = run(3, { nodes: 2, nodeCapacity: 2, actions: [ROLLOUT[0]!] }, 8_000_000);
  assert.not.ok(converged);
  assert.equal(cluster.pending(), [
    "deployment default/nginx: 4/5 ready, 1 pod unscheduled, status 4 ready/5 updated/5 total at generation 2 of 2",
  ]);
});

test("a user controller from defineController runs as leader-elected processes", () => {
  const { world, cluster, converged, stored } = run(4, { controllers: [readyCountController()] });
  assert.ok(converged);
  world.runUntilPredicate(
    () => (stored("ConfigMap") as ConfigMap[]).some((c) => c.data?.ready === "5"),
    world.now + 3_000_000,
  );
  const cm = stored("ConfigMap") as ConfigMap[];
  assert.equal(
    cm.map((c) => [c.metadata.name, c.data]),
    [["nginx-ready", { ready: "5", replicas: "5" }]],
  );
  assert.equal(cluster.processes.controllers, ["ctrl-ready-count-1", "ctrl-ready-count-2"]);
  assert.ok(
    cluster.recorder.acts.some((a) => a.lease === "kube-system/ready-count"),
    "its writes were leader acts",
  );
  for (const c of checkKube(cluster.observations())) assert.is(c.verdict, "pass", `${c.name}: ${c.message}`);
});

test("a user reconcile that throws is reported as a finding naming the controller, not a crash", () => {
  const broken = defineController({
    name: "broken",
    watches: ["Deployment"],
    reconcile: () => {
      throw new TypeError("oops");
    },
  });
  const { world } = run(6, { controllers: [broken] }, 3_000_000);
  assert.match(world.failure?.message ?? "", "controller broken: reconcile(default/nginx) threw: oops");
});

test("objects carry their etcd revision as resourceVersion and a generation that moves with the spec", () => {
  const { stored } = run(5);
  const d = stored("Deployment")[0] as KubeObject;
  assert.ok(Number(d.metadata.resourceVersion) > 1);
  assert.is(d.metadata.generation, 3, "created, scaled, image changed");
});

test.run();
