// A Kubernetes run's report views (extra.kube, extra.latency) are built when first read, and read as
// the eagerly built ones were: the same values, as fields of the result.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObservations } from "../../core/kube/observations.ts";
import type { LatencyOp, StepStart } from "../../core/metrics/latency.ts";
import { kubeObjects } from "../../harness/kube/objects.ts";
import { kubeLatencyReport, podStartups } from "../../harness/metrics/kube.ts";
import { runScenario } from "../runner.ts";
import { deploymentRollout, reportViews } from "./scenarios.ts";

const pod = (name: string, phase: string) => ({
  apiVersion: "v1" as const,
  kind: "Pod" as const,
  metadata: { name, namespace: "default", uid: `u-${name}` },
  spec: { containers: [{ name: "c", image: "nginx" }], nodeName: "node-1" },
  status: { phase },
});

function observations(): KubeObservations {
  const key = "/registry/pods/default/web-1";
  return {
    nodes: ["node-1"],
    versions: [
      { time: 10, key, rv: 5, createRevision: 5, object: pod("web-1", "Pending") as never, source: "store" },
      { time: 40, key, rv: 7, createRevision: 5, object: pod("web-1", "Running") as never, source: "store" },
    ],
    writes: [],
    observed: [{ time: 45, observer: "kcm-1#a/Pod", key, rv: 7, event: "MODIFIED" }],
    acts: [],
    leaders: [],
    actions: [],
  };
}

test("reportViews: nothing is built until read; then what kubeObjects and kubeLatencyReport give, built once", () => {
  const obs = observations();
  let reads = 0;
  const counted: KubeObservations = {
    ...obs,
    get versions() {
      reads++;
      return obs.versions;
    },
  };
  const ops: LatencyOp[] = [
    { layer: "etcd", who: "n1", what: "txn", start: 1, end: 4, ok: true, role: "leader" },
    { layer: "apiserver", who: "apiserver-1", what: "create pods", start: 2, end: 9, ok: true },
  ];
  const steps: StepStart[] = [{ index: 0, time: 0, kind: "scale", namespace: "default", name: "web", replicas: 1 }];
  const startups = podStartups(obs);
  const views = reportViews(counted, { ops, startups }, steps);
  assert.is(reads, 0, "built lazily");
  const latency = views.latency!;
  assert.ok(reads > 0);
  assert.equal(latency, kubeLatencyReport(ops, steps, obs, startups));
  assert.is(views.latency, latency, "once");
  assert.equal(views.kube, kubeObjects(obs));
  assert.is(views.kube, views.kube);
  // Own enumerable fields: JSON and a spread read them as the eager object's fields.
  assert.equal(JSON.parse(JSON.stringify(views)), JSON.parse(JSON.stringify({ kube: views.kube, latency })));
  assert.equal(Object.keys({ ...views }), ["kube", "latency"]);
});

test("a deployment-rollout result carries both views as fields", () => {
  const r = runScenario({ scenario: deploymentRollout, seed: 2 });
  const extra = JSON.parse(JSON.stringify(r.extra)) as { kube: { objects: unknown[] }; latency: { steps: unknown[] } };
  assert.ok(extra.kube.objects.length > 0);
  assert.is(extra.latency.steps.length, 4, "one per kubectl step");
});

test.run();
