// The workload's actions as steps: a `get` (kubectl get) is a read, ordered with the writes and changing
// nothing the cluster should converge to; a bad resource is named.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { describeStep, expectedDeployments, workloadSteps } from "./workload.ts";
import { parseManifests } from "../../core/kube/manifest.ts";
import { NGINX } from "../../testing/kube/fake-cluster.ts";

test("a get action is a step in time order that changes nothing the cluster must converge to", () => {
  const steps = workloadSteps(parseManifests(NGINX), [
    { at: 2_000, kind: "scale", deployment: "nginx", replicas: 5 },
    { at: 1_000, kind: "get", resource: "pods" },
  ]);
  assert.equal(
    steps.map((s) => `${s.at} ${describeStep(s)}`),
    ["0 apply deployment default/nginx", "1000 get pods", "2000 scale deployment default/nginx to 5"],
  );
  assert.equal(
    expectedDeployments(steps).map((d) => d.replicas),
    [5],
  );
});

test("a get action naming another resource is refused, naming the field", () => {
  assert.throws(
    () => workloadSteps([], [{ at: 0, kind: "get", resource: "secrets" as "pods" }]),
    /actions\[0\]\.resource: expected pods, replicasets or deployments, got "secrets"/,
  );
});

test("a get action of one namespace lists that namespace (kubectl get -n); a bad namespace is refused", () => {
  const steps = workloadSteps([], [{ at: 1_000, kind: "get", resource: "pods", namespace: "shop-canary" }]);
  assert.equal(steps, [{ at: 1_000, kind: "get", resource: "pods", namespace: "shop-canary" }]);
  assert.is(describeStep(steps[0]!), "get pods -n shop-canary");
  assert.throws(
    () => workloadSteps([], [{ at: 0, kind: "get", resource: "pods", namespace: "Shop" }]),
    /actions\[0\]\.namespace: expected a namespace name, got "Shop"/,
  );
});

test("a delete-pods action takes a kubectl label selector and a grace period; a bad one is refused, naming the field", () => {
  const steps = workloadSteps(
    [],
    [{ at: 5, kind: "delete-pods", selector: "app=web,tier=front", namespace: "shop", gracePeriodSeconds: 2 }],
  );
  assert.equal(steps, [
    { at: 5, kind: "delete-pods", namespace: "shop", selector: { app: "web", tier: "front" }, gracePeriodSeconds: 2 },
  ]);
  assert.is(describeStep(steps[0]!), "delete pods -l app=web,tier=front -n shop --grace-period=2");
  assert.equal(workloadSteps([], [{ at: 0, kind: "delete-pods", selector: "app=web" }])[0], {
    at: 0,
    kind: "delete-pods",
    namespace: "default",
    selector: { app: "web" },
  });
  assert.throws(
    () => workloadSteps([], [{ at: 0, kind: "delete-pods", selector: "app" }]),
    /actions\[0\]\.selector: expected labels as key=value/,
  );
  assert.throws(
    () => workloadSteps([], [{ at: 0, kind: "delete-pods", selector: "app=web", gracePeriodSeconds: -1 }]),
    /actions\[0\]\.gracePeriodSeconds: expected a non-negative integer, got -1/,
  );
});

test("a delete action takes kubectl's --cascade (background is the default and adds nothing); a bad one is refused, naming the field", () => {
  const steps = workloadSteps(
    [],
    [
      { at: 1, kind: "delete", deployment: "shop/web", cascade: "foreground" },
      { at: 2, kind: "delete", deployment: "web", cascade: "orphan" },
      { at: 3, kind: "delete", deployment: "web", cascade: "background" },
    ],
  );
  assert.equal(steps, [
    { at: 1, kind: "delete", namespace: "shop", name: "web", propagationPolicy: "Foreground" },
    { at: 2, kind: "delete", namespace: "default", name: "web", propagationPolicy: "Orphan" },
    { at: 3, kind: "delete", namespace: "default", name: "web" },
  ]);
  assert.is(describeStep(steps[0]!), "delete deployment shop/web --cascade=foreground");
  assert.is(describeStep(steps[2]!), "delete deployment default/web");
  assert.throws(
    () => workloadSteps([], [{ at: 0, kind: "delete", deployment: "web", cascade: "Foreground" as never }]),
    /actions\[0\]\.cascade: expected background, foreground or orphan, got "Foreground"/,
  );
});

test.run();
