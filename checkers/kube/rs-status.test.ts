// kube-replicaset-status on hand-made version logs: a status counting the Ready pods its ReplicaSet had
// (now or at an earlier revision) passes; one counting pods still starting, terminating or owned by
// another ReplicaSet fails.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import type { ObjectVersion } from "../../core/kube/observations.ts";
import { kubeLog } from "../../testing/kube/observations.ts";
import { checkReplicaSetStatus } from "./rs-status.ts";

const rs = (readyReplicas: number, availableReplicas = readyReplicas, uid = "rs-1") =>
  ({
    kind: "ReplicaSet",
    metadata: { name: `web-${uid}`, namespace: "default", uid },
    spec: { replicas: 3 },
    status: { replicas: 3, readyReplicas, availableReplicas },
  }) as unknown as KubeObject;
const pod = (name: string, ready: boolean, opts: { owner?: string; terminating?: boolean } = {}) =>
  ({
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: name,
      ownerReferences: [{ kind: "ReplicaSet", name: "web", uid: opts.owner ?? "rs-1", controller: true }],
      ...(opts.terminating ? { deletionTimestamp: "2026-12-06T00:00:00Z" } : {}),
    },
    spec: {},
    status: {
      phase: ready ? "Running" : "Pending",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  }) as unknown as KubeObject;

let rv = 1;
const at = (object: KubeObject | null, key?: string): ObjectVersion => {
  rv++;
  return {
    time: rv * 1000,
    rv,
    key: key ?? `/registry/${object?.kind === "ReplicaSet" ? "replicasets" : "pods"}/default/${object?.metadata.name}`,
    object,
    source: "store",
  };
};
const check = (versions: ObjectVersion[]) => checkReplicaSetStatus(kubeLog({ versions }));

test("a status counting the Ready pods it has passes, and so does one counting pods that were Ready earlier", () => {
  const r = check([
    at(pod("a", false)),
    at(pod("b", false)),
    at(rs(0)),
    at(pod("a", true)),
    at(pod("b", true)),
    at(rs(2)),
    // b is deleted; a controller whose cache has not seen it yet still counts two.
    at(null, "/registry/pods/default/b"),
    at(rs(2)),
    at(rs(1)),
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.is(
    r.message,
    "4 ReplicaSet versions, each counting no more ready replicas than its ReplicaSet had owned active Ready pods by then",
  );
});

test("a status counting pods still starting fails, naming the ReplicaSet, the revision and the counts", () => {
  const r = check([at(pod("a", true)), at(pod("b", false)), at(pod("c", false)), at(rs(3, 1))]);
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^ReplicaSet default\/web-rs-1 at revision \d+ \(\d+\.\d+s\) claims 3 ready replicas, but it never had more than 1 active Ready pods before that revision/,
  );
  // availableReplicas is held to the same bound.
  assert.match(check([at(pod("d", true)), at(rs(1, 2))]).message, /claims 2 available replicas/);
});

test("Ready pods count only while active and only for the ReplicaSet that controls them", () => {
  const terminating = check([at(pod("e", true, { terminating: true })), at(rs(1))]);
  assert.is(terminating.verdict, "fail", "a terminating pod is not counted");
  const another = check([at(pod("f", true, { owner: "rs-2" })), at(rs(1))]);
  assert.is(another.verdict, "fail", "another ReplicaSet's pod is not counted");
  assert.is(check([at(pod("g", true, { owner: "rs-3" })), at(rs(1, 1, "rs-3"))]).verdict, "pass");
});

test("the same version recorded by two sources is judged once", () => {
  const v = at(rs(5));
  const r = check([v, { ...v, source: "watch:apiserver-1" }]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /claims 5 ready and 5 available replicas, but it never had more than 0/);
  assert.not.match(r.message, /and 1 more/);
});

test.run();
