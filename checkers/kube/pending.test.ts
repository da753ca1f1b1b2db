// pendingOf and isConverged against pendingOf's earlier, plain form (every message written, the
// templates compared as canonical JSON strings), on inputs generated around a converged rollout.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { canonicalJson } from "../../core/kube/resources.ts";
import {
  controllerOf,
  podIsReady,
  type Deployment,
  type KubeObject,
  type Pod,
  type ReplicaSet,
} from "../../core/kube/types.ts";
import { isConverged, pendingOf, type ConvergenceInput } from "./pending.ts";

const plural = (n: number, one: string, many = one + "s") => `${n} ${n === 1 ? one : many}`;

/** The definition pendingOf must keep. */
function referencePendingOf(input: ConvergenceInput): string[] {
  const out: string[] = [];
  if (input.stepsDone < input.steps.length)
    out.push(`workload: step ${input.stepsDone + 1} (${input.steps[input.stepsDone]}) not yet accepted`);
  const live = new Set(input.liveNodes);
  const deployments = input.objects.filter((o): o is Deployment => o.kind === "Deployment");
  const rss = input.objects.filter((o): o is ReplicaSet => o.kind === "ReplicaSet");
  const pods = input.objects.filter((o): o is Pod => o.kind === "Pod");
  const uids = new Set(input.objects.map((o) => o.metadata.uid));

  for (const e of input.expected) {
    const id = `deployment ${e.namespace}/${e.name}`;
    const d = deployments.find((x) => x.metadata.namespace === e.namespace && x.metadata.name === e.name);
    if (e.deleted) {
      if (d !== undefined) out.push(`${id}: deleted but still present`);
      continue;
    }
    if (d === undefined) {
      out.push(`${id}: not found`);
      continue;
    }
    const wantImages = canonicalJson(e.containers);
    const haveImages = canonicalJson(d.spec.template.spec.containers.map((c) => ({ name: c.name, image: c.image })));
    const late = [
      ...new Set(
        (input.ambiguousScales ?? [])
          .filter((s) => s.namespace === e.namespace && s.name === e.name && s.replicas !== e.replicas)
          .map((s) => s.replicas),
      ),
    ];
    if ((d.spec.replicas !== e.replicas && !late.includes(d.spec.replicas)) || haveImages !== wantImages) {
      const or = late.length > 0 ? ` (or ${late.join(" or ")}, from a scale that timed out)` : "";
      out.push(`${id}: spec is ${d.spec.replicas} × ${haveImages}, expected ${e.replicas}${or} × ${wantImages}`);
      continue;
    }
    // The controllers converge to the spec as it is: the steps' last value, or a timed-out scale that landed late.
    const n = d.spec.replicas;
    const mine = rss.filter((rs) => controllerOf(rs)?.uid === d.metadata.uid);
    const template = canonicalJson(d.spec.template.spec.containers);
    const current = new Set(
      mine.filter((rs) => canonicalJson(rs.spec.template.spec.containers) === template).map((rs) => rs.metadata.uid),
    );
    const all = new Set(mine.map((rs) => rs.metadata.uid));
    const cur = pods.filter((p) => current.has(controllerOf(p)?.uid));
    const old = pods.filter((p) => all.has(controllerOf(p)?.uid) && !current.has(controllerOf(p)?.uid));
    const ready = cur.filter((p) => podIsReady(p) && live.has(p.spec.nodeName ?? ""));
    const unscheduled = cur.filter((p) => !p.spec.nodeName);
    const onDead = cur.filter((p) => p.spec.nodeName && !live.has(p.spec.nodeName));
    const starting = cur.filter((p) => p.spec.nodeName && live.has(p.spec.nodeName) && !podIsReady(p));
    const st = d.status ?? {};
    const statusOk =
      (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
      st.readyReplicas === n &&
      st.updatedReplicas === n &&
      st.replicas === n;
    if (ready.length === n && cur.length === n && old.length === 0 && statusOk) continue;
    const parts = [`${ready.length}/${n} ready`];
    if (unscheduled.length > 0) parts.push(`${plural(unscheduled.length, "pod")} unscheduled`);
    if (starting.length > 0)
      parts.push(
        `${plural(starting.length, "pod")} not ready on ${[...new Set(starting.map((p) => p.spec.nodeName))].sort().join(",")}`,
      );
    if (onDead.length > 0)
      parts.push(
        `${plural(onDead.length, "pod")} on down nodes ${[...new Set(onDead.map((p) => p.spec.nodeName))].sort().join(",")}`,
      );
    if (cur.length > n) parts.push(`${plural(cur.length - n, "extra pod")}`);
    if (cur.length < n) parts.push(`${plural(n - cur.length, "pod")} not created`);
    if (old.length > 0) parts.push(`${plural(old.length, "old pod")} remaining`);
    if (!statusOk) {
      parts.push(
        `status ${st.readyReplicas ?? 0} ready/${st.updatedReplicas ?? 0} updated/${st.replicas ?? 0} total at generation ${st.observedGeneration ?? 0} of ${d.metadata.generation ?? 1}`,
      );
    }
    out.push(`${id}: ${parts.join(", ")}`);
  }

  // Garbage: dependents whose controller owner is gone.
  const orphanRs = rss.filter((rs) => {
    const r = controllerOf(rs);
    return r !== undefined && !uids.has(r.uid);
  });
  const orphanPods = pods.filter((p) => {
    const r = controllerOf(p);
    return r !== undefined && !uids.has(r.uid);
  });
  if (orphanRs.length > 0)
    out.push(
      `garbage: ${plural(orphanRs.length, "replicaset")} whose deployment is gone (${orphanRs
        .map((r) => r.metadata.name)
        .slice(0, 3)
        .join(", ")})`,
    );
  if (orphanPods.length > 0)
    out.push(
      `garbage: ${plural(orphanPods.length, "pod")} whose replicaset is gone (${orphanPods
        .map((p) => p.metadata.name)
        .slice(0, 3)
        .join(", ")})`,
    );
  return out;
}

const deployment = (replicas: number, image: string, generation = 1, observed = generation): Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "nginx", namespace: "default", uid: "d1", generation },
  spec: {
    replicas,
    selector: { matchLabels: { app: "nginx" } },
    template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image }] } },
  },
  status: { observedGeneration: observed, replicas, updatedReplicas: replicas, readyReplicas: replicas },
});

const replicaSet = (uid: string, owner: string, image: string, replicas: number): ReplicaSet => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: {
    name: `rs-${uid}`,
    namespace: "default",
    uid,
    ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "nginx", uid: owner, controller: true }],
  },
  spec: {
    replicas,
    selector: { matchLabels: {} },
    template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image }] } },
  },
});

const pod = (name: string, owner: string, node: string | undefined, ready: boolean): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: "default",
    uid: `u-${name}`,
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: owner, controller: true }],
  },
  spec: { containers: [{ name: "nginx", image: "x" }], ...(node !== undefined ? { nodeName: node } : {}) },
  status: {
    phase: ready ? "Running" : "Pending",
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  },
});

test("pendingOf says what its plain form says, and isConverged whether that is nothing, on generated inputs", () => {
  let x = 4242;
  const next = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const images = ["nginx:1", "nginx:2"];
  const nodes = ["node-1", "node-2", "node-3"];
  let converged = 0;
  for (let i = 0; i < 4000; i++) {
    const replicas = 1 + next(4);
    const image = images[next(2)]!;
    const generation = 1 + next(3);
    const objects: KubeObject[] = [];
    if (next(12) !== 0)
      objects.push(
        deployment(replicas + (next(8) === 0 ? 1 : 0), image, generation, generation - (next(8) === 0 ? 1 : 0)),
      );
    const rsImage = next(6) === 0 ? images[next(2)]! : image;
    objects.push(replicaSet("rs1", next(15) === 0 ? "gone" : "d1", rsImage, replicas));
    if (next(5) === 0) objects.push(replicaSet("rs0", "d1", "nginx:0", 0));
    const pods = replicas + next(3) - 1;
    for (let p = 0; p < pods; p++) {
      const node = next(10) === 0 ? undefined : nodes[next(3)];
      objects.push(pod(`p${p}`, next(12) === 0 ? "rs0" : next(20) === 0 ? "nope" : "rs1", node, next(6) !== 0));
    }
    const input: ConvergenceInput = {
      objects,
      expected: [
        {
          namespace: "default",
          name: "nginx",
          deleted: next(20) === 0,
          replicas,
          containers: [{ name: "nginx", image: next(10) === 0 ? images[next(2)]! : image }],
        },
      ],
      liveNodes: nodes.filter(() => next(8) !== 0),
      steps: ["apply", "scale"],
      stepsDone: next(10) === 0 ? 1 : 2,
      ...(next(6) === 0 ? { ambiguousScales: [{ namespace: "default", name: "nginx", replicas: replicas + 1 }] } : {}),
    };
    const want = referencePendingOf(input);
    assert.equal(pendingOf(input), want);
    assert.is(isConverged(input), want.length === 0, want.join("; "));
    if (want.length === 0) converged++;
  }
  assert.ok(converged > 100, `enough converged inputs to mean something (${converged})`);
});

test("a pod reported ready counts only while its container runs, when the runtimes' log is given", () => {
  const input: ConvergenceInput = {
    objects: [
      deployment(2, "nginx:1"),
      replicaSet("rs1", "d1", "nginx:1", 2),
      pod("p0", "rs1", "node-1", true),
      pod("p1", "rs1", "node-2", true),
    ],
    expected: [
      {
        namespace: "default",
        name: "nginx",
        deleted: false,
        replicas: 2,
        containers: [{ name: "nginx", image: "nginx:1" }],
      },
    ],
    liveNodes: ["node-1", "node-2"],
    steps: ["apply"],
    stepsDone: 1,
  };
  assert.equal(pendingOf(input), [], "the status alone (an older log)");
  assert.ok(isConverged({ ...input, running: new Set(["u-p0", "u-p1"]) }));
  const rebooted = { ...input, running: new Set(["u-p0"]) };
  assert.not.ok(isConverged(rebooted));
  assert.equal(pendingOf(rebooted), [
    "deployment default/nginx: 1/2 ready, 1 pod reported ready whose container is not running on node-2",
  ]);
});

/** nginx at one replica, its pod p1 ready on node-1, nodes 1 and 2 up; `extra` objects beside them. */
function oneReplica(extra: KubeObject[] = []): ConvergenceInput {
  return {
    objects: [
      deployment(1, "nginx:2"),
      replicaSet("rs2", "d1", "nginx:2", 1),
      pod("p1", "rs2", "node-1", true),
      ...extra,
    ],
    expected: [
      {
        namespace: "default",
        name: "nginx",
        deleted: false,
        replicas: 1,
        containers: [{ name: "nginx", image: "nginx:2" }],
      },
    ],
    liveNodes: ["node-1", "node-2"],
    steps: ["apply"],
    stepsDone: 1,
  };
}

test("a container whose pod is gone keeps liveness pending: the kubelet must stop what the API deleted", () => {
  const input = oneReplica();
  assert.ok(isConverged({ ...input, running: new Set(["u-p1"]) }));
  // The rollout's old pods were deleted from the API; two of their containers still run.
  const leaked = { ...input, running: new Set(["u-p1", "u-old-b", "u-old-a"]) };
  assert.not.ok(isConverged(leaked));
  assert.equal(pendingOf(leaked), [
    "containers: 2 containers of deleted pods still running (pod uids u-old-a, u-old-b)",
  ]);
});

test("a terminating pod on a node that is up keeps liveness pending until its kubelet removes it; one on a down node waits", () => {
  const terminating = (node: string) => {
    const p = pod("p9", "rs2", node, false);
    return { ...p, metadata: { ...p.metadata, deletionTimestamp: 4_000_000, deletionGracePeriodSeconds: 2 } };
  };
  const input = (node: string) => oneReplica([terminating(node)]);
  assert.equal(pendingOf(input("node-2")), ["terminating: 1 pod not yet removed by node-2 (p9, due 4.000s)"]);
  assert.ok(isConverged(input("node-3")), "a terminating pod does not count for its ReplicaSet, and node-3 is down");
});

test.run();
