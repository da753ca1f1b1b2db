import { test } from "uvu";
import * as assert from "uvu/assert";
import { ManifestError, parseManifests } from "./manifest.ts";
import { NGINX } from "../../testing/kube/fake-cluster.ts";
import type { Deployment } from "./types.ts";
import { expectedDeployments, workloadSteps } from "../../harness/kube/workload.ts";
import { deploymentManifest, NGINX_EXPORTED_MANIFEST } from "../../harness/kube/manifests.ts";

function error(yaml: string): ManifestError {
  try {
    parseManifests(yaml);
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  throw new Error("expected a ManifestError");
}

test("the nginx Deployment parses with its defaults filled in", () => {
  const [d] = parseManifests(NGINX) as Deployment[];
  assert.is(d!.metadata.namespace, "default");
  assert.is(d!.spec.replicas, 3);
  assert.equal(d!.spec.template.spec.containers, [{ name: "nginx", image: "nginx:1.25" }]);
});

test("an exported manifest's status stanza is kept as sent (the apiserver drops it); a negative count is refused", () => {
  const d = parseManifests(NGINX_EXPORTED_MANIFEST)[0] as Deployment;
  assert.equal(d.status, {
    observedGeneration: 4,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
  });
  assert.match(error(`${NGINX}status:\n  readyReplicas: -1\n`).message, /status\.readyReplicas/);
});

test("several documents separated by --- give several objects; empty documents are skipped", () => {
  const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n";
  const objs = parseManifests(`${NGINX}---\n${cm}---\n`);
  assert.equal(
    objs.map((o) => o.kind),
    ["Deployment", "ConfigMap"],
  );
});

test("parsing a text again gives equal objects of the caller's own: a change to one parse is not seen by the next", () => {
  const [a] = parseManifests(NGINX) as Deployment[];
  a!.spec.replicas = 99;
  a!.spec.template.spec.containers[0]!.image = "changed";
  a!.metadata.labels!["extra"] = "x";
  const [b] = parseManifests(NGINX) as Deployment[];
  assert.is.not(b, a);
  assert.equal(b, parseManifests(NGINX)[0]);
  assert.equal(
    [b!.spec.replicas, b!.spec.template.spec.containers[0]!.image, b!.metadata.labels?.["extra"]],
    [3, "nginx:1.25", undefined],
  );
  const bad = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: three}\n";
  assert.is(error(bad).field, error(bad).field, "a text that fails fails every time");
});

test("a bad replica count names the field", () => {
  const e = error(NGINX.replace("replicas: 3", "replicas: three"));
  assert.is(e.field, "spec.replicas");
  assert.match(e.message, 'spec.replicas: expected a non-negative integer, got "three"');
  assert.match(e.message, 'Deployment "nginx"');
  assert.match(
    error(NGINX.replace("replicas: 3", "replicas: -1")).message,
    "spec.replicas: expected a non-negative integer",
  );
});

test("a missing image names the container's field", () => {
  const e = error(NGINX.replace("        image: nginx:1.25\n", ""));
  assert.is(e.field, "spec.template.spec.containers[0].image");
});

test("a selector that does not match the template's labels is refused", () => {
  assert.is(
    error(NGINX.replace("      app: nginx\n  template", "      app: web\n  template")).field,
    "spec.template.metadata.labels",
  );
});

test("a bad name, an unknown kind and broken YAML are refused with the field", () => {
  assert.is(error(NGINX.replace("name: nginx\n  labels", "name: Nginx_1\n  labels")).field, "metadata.name");
  assert.is(error("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n").field, "kind");
  assert.match(error("kind: [\n").message, "invalid YAML");
  assert.is(
    error(NGINX.replace("maxSurge", "x") + "  strategy:\n    rollingUpdate:\n      maxSurge: lots\n").field,
    "spec.strategy.rollingUpdate.maxSurge",
  );
});

test("actions are validated and the expected state follows them in time order", () => {
  const objs = parseManifests(NGINX);
  assert.throws(
    () => workloadSteps(objs, [{ at: 5, kind: "scale", deployment: "nginx", replicas: 1.5 }]),
    /actions\[0\]\.replicas: expected a non-negative integer/,
  );
  const steps = workloadSteps(objs, [
    { at: 2_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
    { at: 1_000, kind: "scale", deployment: "default/nginx", replicas: 5 },
  ]);
  assert.equal(
    steps.map((s) => s.kind),
    ["apply", "scale", "image"],
  );
  assert.equal(expectedDeployments(steps), [
    {
      namespace: "default",
      name: "nginx",
      deleted: false,
      replicas: 5,
      containers: [{ name: "nginx", image: "nginx:1.26" }],
    },
  ]);
  const gone = expectedDeployments(workloadSteps(objs, [{ at: 1, kind: "delete", deployment: "nginx" }]));
  assert.ok(gone[0]!.deleted);
});

test("a pod template's terminationGracePeriodSeconds is kept; a negative one is refused, naming the field", () => {
  const d = parseManifests(deploymentManifest("default", "web", 2, "nginx:1.25", 2))[0] as Deployment;
  assert.is(d.spec.template.spec.terminationGracePeriodSeconds, 2);
  assert.is(
    (parseManifests(deploymentManifest("default", "web", 2))[0] as Deployment).spec.template.spec
      .terminationGracePeriodSeconds,
    undefined,
  );
  assert.throws(
    () => parseManifests(deploymentManifest("default", "web", 2, "nginx:1.25", -1)),
    /spec\.template\.spec\.terminationGracePeriodSeconds: expected a non-negative integer/,
  );
});

test.run();
