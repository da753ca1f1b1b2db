// kube-create-status on hand-made logs: creates with Kubernetes' starting status pass; a Deployment created
// with the status its manifest carried, a Pod created Running, or a generation other than 1 fails; later
// versions, versions of unknown create revision and other kinds are not judged.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import type { ObjectVersion } from "../../core/kube/observations.ts";
import { checkCreateStatus } from "./create-status.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const DEP = "/registry/deployments/default/nginx";
const POD = "/registry/pods/default/nginx-a";
const obj = (kind: string, status: unknown, generation = 1) =>
  ({ kind, metadata: { name: "x", namespace: "default", generation }, status }) as unknown as KubeObject;
/** createRevision null: unknown (absent from the version). */
const v = (key: string, rv: number, object: KubeObject, createRevision: number | null = rv): ObjectVersion => ({
  time: rv * 10,
  key,
  rv,
  ...(createRevision !== null ? { createRevision } : {}),
  object,
  source: "store",
});

const check = (versions: ObjectVersion[]) => checkCreateStatus(kubeLog({ versions }));

test("creates with the starting status pass, later versions with any status too", () => {
  const r = check([
    v(DEP, 5, obj("Deployment", {})),
    v(DEP, 7, obj("Deployment", { replicas: 3, readyReplicas: 3 }, 2), 5),
    v(POD, 6, obj("Pod", { phase: "Pending" })),
    v(POD, 8, obj("Pod", { phase: "Running" }), 6),
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^2 creates/);
});

test("a create with the status the client sent, or a generation other than 1, fails", () => {
  const forged = check([v(DEP, 5, obj("Deployment", { readyReplicas: 3 }))]);
  assert.is(forged.verdict, "fail");
  assert.match(
    forged.message,
    /deployments\/default\/nginx was created at revision 5 with status \{"readyReplicas":3\}, not \{\}/,
  );
  assert.is(check([v(POD, 6, obj("Pod", { phase: "Running" }))]).verdict, "fail");
  assert.is(check([v(POD, 6, obj("Pod", { phase: "Pending", podIP: "10.0.0.1" }))]).verdict, "fail");
  assert.is(check([v(DEP, 5, obj("Deployment", {}, 2))]).verdict, "fail");
});

test("a version of unknown create revision, or of another kind, is not judged", () => {
  assert.is(check([v(DEP, 5, obj("Deployment", { readyReplicas: 3 }), null)]).verdict, "pass");
  assert.is(check([v("/registry/configmaps/default/c", 5, obj("ConfigMap", { x: 1 }))]).verdict, "pass");
});

test.run();
