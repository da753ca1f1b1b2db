// tenants: namespaced controllers in namespaces whose names prefix one another, over watch caches.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tenants, TENANT_NAMESPACES } from "./tenants.ts";
import { runScenario } from "../runner.ts";
import { readyCountPending } from "../../core/kube/examples/ready-count.ts";
import type { KubeObject } from "../../core/kube/types.ts";
import type { KubeObjectsView } from "../../harness/kube/objects.ts";

test("each namespace's controller informs on its namespace alone, and the run ends with both ConfigMaps right", () => {
  const r = runScenario({ scenario: tenants, seed: 1 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const informer = r.checks.find((c) => c.name === "kube-informer-reliable")!;
  assert.match(informer.message, /\(\d+ of one namespace, handed nothing outside it\)/);
  const objects = (r.extra!.kube as KubeObjectsView).objects;
  for (const ns of TENANT_NAMESPACES) {
    const cm = objects.find((o) => o.kind === "configmaps" && o.namespace === ns && o.name === "web-ready");
    assert.ok(cm !== undefined, `${ns}/web-ready written`);
  }
  assert.match(r.checks.find((c) => c.name === "kube-liveness")!.message, /shop\/web 3\/3, shop-canary\/web 2\/2/);
});

const meta = (namespace: string, name: string, uid: string, owner?: { kind: string; name: string; uid: string }) => ({
  name,
  namespace,
  uid,
  ...(owner ? { ownerReferences: [{ apiVersion: "apps/v1", ...owner, controller: true }] } : {}),
});
const deployment = (ns: string, replicas: number) =>
  ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(ns, "web", `d-${ns}`),
    spec: { replicas },
  }) as unknown as KubeObject;
const rs = (ns: string) =>
  ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta(ns, "web-1", `rs-${ns}`, { kind: "Deployment", name: "web", uid: `d-${ns}` }),
    spec: {},
  }) as unknown as KubeObject;
const pod = (ns: string, name: string, ready: boolean) =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(ns, name, `p-${ns}-${name}`, { kind: "ReplicaSet", name: "web-1", uid: `rs-${ns}` }),
    spec: { containers: [] },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  }) as unknown as KubeObject;
const configMap = (ns: string, ready: number, replicas: number) =>
  ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(ns, "web-ready", `c-${ns}`),
    data: { ready: String(ready), replicas: String(replicas) },
  }) as unknown as KubeObject;

test("ready-count's pending: a ConfigMap absent or behind its Deployment's ready pods is pending, in the controller's namespace only", () => {
  const shop = [deployment("shop", 2), rs("shop"), pod("shop", "a", true), pod("shop", "b", false)];
  const canary = [deployment("shop-canary", 1), rs("shop-canary"), pod("shop-canary", "c", true)];
  assert.equal(readyCountPending([...shop, ...canary], "shop"), ["ConfigMap shop/web-ready absent, want 1/2"]);
  assert.equal(readyCountPending([...shop, configMap("shop", 2, 2), ...canary], "shop"), [
    "ConfigMap shop/web-ready says 2/2 ready, want 1/2",
  ]);
  assert.equal(readyCountPending([...shop, configMap("shop", 1, 2), ...canary], "shop"), []);
  // Unscoped, the other namespace's Deployment needs its ConfigMap too.
  assert.equal(readyCountPending([...shop, configMap("shop", 1, 2), ...canary]), [
    "ConfigMap shop-canary/web-ready absent, want 1/1",
  ]);
});

test.run();
