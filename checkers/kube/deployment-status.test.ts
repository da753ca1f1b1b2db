// kube-deployment-status on hand-made version logs: a Deployment status summing what its ReplicaSets'
// statuses had said (now or earlier) passes; one counting what they want, or the ReplicaSets of another
// template as updated, fails.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ObjectVersion } from "../../core/kube/observations.ts";
import type { DeploymentStatus, KubeObject } from "../../core/kube/types.ts";
import { kubeLog } from "../../testing/kube/observations.ts";
import { checkDeploymentStatus } from "./deployment-status.ts";

const owner = [{ kind: "Deployment", name: "web", uid: "dep-1", controller: true }];
const rs = (name: string, image: string, status: { replicas: number; ready: number }) =>
  ({
    kind: "ReplicaSet",
    metadata: { name, namespace: "default", uid: name, ownerReferences: owner },
    spec: { replicas: 3, template: { metadata: {}, spec: { containers: [{ name: "c", image }] } } },
    status: {
      replicas: status.replicas,
      readyReplicas: status.ready,
      availableReplicas: status.ready,
    },
  }) as unknown as KubeObject;
const deployment = (image: string, generation: number, status: DeploymentStatus) =>
  ({
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "dep-1", generation },
    spec: { replicas: 3, template: { metadata: {}, spec: { containers: [{ name: "c", image }] } } },
    status,
  }) as unknown as KubeObject;
const status = (replicas: number, ready: number, updated: number, observedGeneration = 1): DeploymentStatus => ({
  observedGeneration,
  replicas,
  readyReplicas: ready,
  availableReplicas: ready,
  updatedReplicas: updated,
});

let rv = 1;
const at = (object: KubeObject): ObjectVersion => {
  rv++;
  const resource = object.kind === "Deployment" ? "deployments" : "replicasets";
  return { time: rv * 1000, rv, key: `/registry/${resource}/default/${object.metadata.name}`, object, source: "store" };
};
const check = (versions: ObjectVersion[]) => checkDeploymentStatus(kubeLog({ versions }));

test("a status summing its ReplicaSets' statuses passes, and so does one summing what they said earlier", () => {
  const r = check([
    at(rs("web-a", "v1", { replicas: 3, ready: 1 })),
    at(deployment("v1", 1, status(3, 1, 3))),
    at(rs("web-a", "v1", { replicas: 3, ready: 3 })),
    at(deployment("v1", 1, status(3, 3, 3))),
    // A pod of web-a turned unready; the controller's cache has not seen it yet.
    at(rs("web-a", "v1", { replicas: 3, ready: 2 })),
    at(deployment("v1", 1, status(3, 3, 3))),
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.is(
    r.message,
    "3 Deployment versions, each counting no more replicas, ready, available or updated replicas than its ReplicaSets had reported by then, and its unavailable ones as the desired less the available",
  );
});

test("a status counting replicas its ReplicaSets want but never reported fails, naming the counts", () => {
  const r = check([at(rs("web-a", "v1", { replicas: 3, ready: 1 })), at(deployment("v1", 1, status(3, 3, 3)))]);
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^Deployment default\/web at revision \d+ \(\d+\.\d+s\) claims 3 ready replicas \(its ReplicaSets had claimed at most 1\), 3 available replicas/,
  );
});

test("updated counts only the ReplicaSets with the template of the generation the status observed", () => {
  const old = rs("web-a", "v1", { replicas: 3, ready: 3 });
  // Generation 2 changed the image; a status that observed generation 2 has no updated replicas yet.
  const bad = check([at(old), at(deployment("v2", 2, status(3, 3, 3, 2)))]);
  assert.match(bad.message, /claims 3 updated replicas \(its ReplicaSets had claimed at most 0\)/);
  // A status of generation 1, stored beside generation 2's spec, counts the v1 ReplicaSet as updated.
  const late = check([at(old), at(deployment("v1", 1, status(3, 3, 3))), at(deployment("v2", 2, status(3, 3, 3, 1)))]);
  assert.is(late.verdict, "pass", late.message);
  const rolled = check([
    at(old),
    at(deployment("v1", 1, status(3, 3, 3))),
    at(deployment("v2", 2, status(3, 3, 0, 2))),
    at(rs("web-b", "v2", { replicas: 1, ready: 0 })),
    at(deployment("v2", 2, status(4, 3, 1, 2))),
  ]);
  assert.is(rolled.verdict, "pass", rolled.message);
});

test("its unavailable count is the desired replicas less the available ones, never below 0 (kubernetes #21900, PR #38299); no count is negative", () => {
  const withUnavailable = (unavailable: number, observedGeneration = 1) => ({
    ...status(3, 1, 3, observedGeneration),
    unavailableReplicas: unavailable,
  });
  const base = [at(rs("web-a", "v1", { replicas: 3, ready: 1 }))];
  assert.is(check([...base, at(deployment("v1", 1, withUnavailable(2)))]).verdict, "pass");
  const wrong = check([...base, at(deployment("v1", 1, withUnavailable(0)))]);
  assert.is(wrong.verdict, "fail");
  assert.match(
    wrong.message,
    /claims 0 unavailable replicas, but its spec wants 3 and its status has 1 available: 2 are unavailable/,
  );
  assert.is(
    check([...base, at(deployment("v1", 2, withUnavailable(0)))]).verdict,
    "pass",
    "a status of an older generation was computed from another spec: not judged",
  );
  const negative = check([...base, at(deployment("v1", 2, withUnavailable(-2)))]);
  assert.is(negative.verdict, "fail");
  assert.match(negative.message, /claims a negative count \(unavailableReplicas -2\)/);
});

test.run();
