// kube-gc-owner-gone on hand-made logs: the garbage collector deleting a pod whose ReplicaSet is gone
// passes; deleting one whose ReplicaSet (by uid) is still live fails; a ReplicaSet of the same name but
// another uid is no owner, and deletions by other controllers are not its business.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import type { LeaderAct, ObjectVersion } from "../../core/kube/observations.ts";
import { checkGarbageCollection } from "./gc.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const RS = "/registry/replicasets/default/web";
const POD = "/registry/pods/default/web-a";
const rs = (uid: string) =>
  ({ kind: "ReplicaSet", metadata: { name: "web", namespace: "default", uid } }) as KubeObject;
const pod = (owner: string) =>
  ({
    kind: "Pod",
    metadata: {
      name: "web-a",
      namespace: "default",
      uid: "p1",
      ownerReferences: [{ kind: "ReplicaSet", name: "web", uid: owner, controller: true }],
    },
  }) as unknown as KubeObject;
const v = (key: string, rv: number, object: KubeObject | null): ObjectVersion => ({
  time: rv * 10,
  key,
  rv,
  object,
  source: "store",
});
const gcDelete = (time: number, what = "garbage-collector"): LeaderAct => ({
  time,
  process: "kcm-1",
  identity: "kcm-1_x",
  lease: "kube-system/kube-controller-manager",
  term: 3,
  what: `${what}: delete Pod default/web-a`,
  deletes: POD,
});

test("kube-gc-owner-gone: deleting a dependent whose owner is gone passes; one whose owner is live fails", () => {
  const ownerGone = checkGarbageCollection(
    kubeLog({
      versions: [v(RS, 5, rs("r1")), v(POD, 6, pod("r1")), v(RS, 8, null), v(POD, 9, null)],
      acts: [gcDelete(85)],
    }),
  );
  assert.is(ownerGone.verdict, "pass", ownerGone.message);
  assert.match(ownerGone.message, "1 deletions by the garbage collector");

  const ownerLive = checkGarbageCollection(
    kubeLog({ versions: [v(RS, 5, rs("r1")), v(POD, 6, pod("r1")), v(POD, 9, null)], acts: [gcDelete(85)] }),
  );
  assert.is(ownerLive.verdict, "fail");
  assert.match(
    ownerLive.message,
    "kcm-1's garbage collector deleted /registry/pods/default/web-a (acted 0.000s, deleted at rv 9) while its owner ReplicaSet /registry/replicasets/default/web (uid r1) was live (rv 5..)",
  );
});

test("kube-gc-owner-gone: a namesake owner of another uid is no owner, and other controllers' deletes are not judged", () => {
  // The ReplicaSet was deleted and created again under the same name: the pod's owner (r1) is gone.
  const namesake = checkGarbageCollection(
    kubeLog({
      versions: [v(RS, 5, rs("r1")), v(POD, 6, pod("r1")), v(RS, 7, null), v(RS, 8, rs("r2")), v(POD, 9, null)],
      acts: [gcDelete(85)],
    }),
  );
  assert.is(namesake.verdict, "pass", namesake.message);
  const scaleDown = checkGarbageCollection(
    kubeLog({
      versions: [v(RS, 5, rs("r1")), v(POD, 6, pod("r1")), v(POD, 9, null)],
      acts: [gcDelete(85, "replicaset")],
    }),
  );
  assert.is(scaleDown.verdict, "pass", scaleDown.message);
  assert.match(scaleDown.message, "0 deletions");
});

test.run();
