// kube-replica-creations on hand-made version logs: a pod created while its ReplicaSet already had its
// replicas fails, unless the ReplicaSet had more replicas moments before or a create of unknown outcome
// may have landed unseen.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import type { ObjectVersion, UnknownCreate } from "../../core/kube/observations.ts";
import { kubeLog } from "../../testing/kube/observations.ts";
import { cacheLog } from "../../testing/kube/cache-log.ts";
import { checkReplicaCreations } from "./replicas.ts";

const rs = (replicas: number) =>
  ({
    kind: "ReplicaSet",
    metadata: { name: "web-1", namespace: "default", uid: "rs-1" },
    spec: { replicas },
  }) as unknown as KubeObject;
const pod = (name: string, phase = "Pending") =>
  ({
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: name,
      ownerReferences: [{ kind: "ReplicaSet", name: "web-1", uid: "rs-1", controller: true }],
    },
    spec: {},
    status: { phase },
  }) as unknown as KubeObject;
let rv = 1;
const at = (time: number, object: KubeObject | null, key?: string): ObjectVersion => ({
  time,
  rv: ++rv,
  key: key ?? `/registry/${object?.kind === "ReplicaSet" ? "replicasets" : "pods"}/default/${object?.metadata.name}`,
  object,
  source: "store",
});
const check = (versions: ObjectVersion[], unknownCreates: UnknownCreate[] = []) =>
  checkReplicaCreations(kubeLog({ versions, unknownCreates }));

test("pods created up to the replicas pass; a replacement for a deleted or failed pod passes", () => {
  const r = check([
    at(0, rs(2)),
    at(10, pod("a")),
    at(20, pod("b")),
    at(30, null, "/registry/pods/default/a"),
    at(40, pod("c")),
    at(50, pod("b", "Failed")),
    at(60, pod("d")),
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.is(r.message, "4 pods created for ReplicaSets, each while its ReplicaSet lacked one");
});

test("a third pod for two replicas fails, naming the pod, the ReplicaSet and the counts", () => {
  const r = check([at(0, rs(2)), at(10, pod("a")), at(20, pod("b")), at(2_000_000, pod("c"))]);
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /^pod c was created at revision \d+ \(2\.000s\) for ReplicaSet web-1, which already had 2 active pods for at most 2 replicas/,
  );
});

test("a creation decided on the replicas of moments before passes; one long after the scale down fails", () => {
  const scaledDown = [at(0, rs(3)), at(10, pod("a")), at(20, pod("b")), at(1_000_000, rs(2))];
  assert.is(check([...scaledDown, at(1_500_000, pod("c"))]).verdict, "pass");
  assert.is(check([...scaledDown, at(2_500_000, pod("c"))]).verdict, "fail");
});

test("a creation is judged from when its apiserver began it: one held behind a paused etcd member lands late and passes", () => {
  // controller-conflicts seed 901175: begun while the ReplicaSet still wanted it, it landed 1.3 s later.
  const scaledDown = [at(0, rs(3)), at(10, pod("a")), at(20, pod("b")), at(1_000_000, rs(2))];
  const landed = at(2_500_000, pod("c"));
  const write = (startedAt: number) => ({
    time: landed.time,
    apiserver: "apiserver-1",
    key: landed.key,
    op: "create" as const,
    baseRv: 0,
    rv: landed.rv,
    startedAt,
  });
  const judge = (startedAt?: number) =>
    checkReplicaCreations(
      kubeLog({ versions: [...scaledDown, landed], writes: startedAt === undefined ? [] : [write(startedAt)] }),
    );
  assert.is(judge(1_200_000).verdict, "pass", judge(1_200_000).message);
  assert.is(judge(2_200_000).verdict, "fail", "begun 1.2 s after the scale down");
  assert.match(judge(2_200_000).message, /in the 1000 ms before its apiserver began it/);
  assert.is(judge().verdict, "fail", "no record of when it began: judged from its landing");
});

test("each create of unknown outcome excuses one extra pod, from when the controller gave up on it", () => {
  const versions = [at(0, rs(1)), at(10, pod("a")), at(3_000_000, pod("b")), at(4_000_000, pod("c"))];
  const gaveUp = (time: number): UnknownCreate => ({ time, process: "kcm-1", owner: "rs-1" });
  const one = check(versions, [gaveUp(2_000_000)]);
  assert.is(one.verdict, "fail", "the second extra pod is not excused");
  assert.match(one.message, /^pod c /);
  assert.is(check(versions, [gaveUp(2_000_000), gaveUp(2_500_000)]).verdict, "pass");
  assert.is(check(versions, [gaveUp(3_500_000), gaveUp(3_600_000)]).verdict, "fail", "given up after b landed");
  assert.match(check(versions, [gaveUp(1), gaveUp(2)]).message, /\(2 more while a create of unknown outcome/);
});

test("a creation for a count the creating controller's cache still held passes; the pods it had made are judged in the store", () => {
  // terminating-pods seed 155: kcm's ReplicaSet watch stalled on a lost event for 1.3 s, and its
  // ReplicaSet controller made a pod for the count of before a scale down it had not yet seen.
  const RS = "/registry/replicasets/default/web-1";
  const run = (opts: { seesScaleDown: boolean; replicasBefore: number }) => {
    const w = cacheLog("kcm");
    w.store(RS, rs(opts.replicasBefore));
    w.store("/registry/pods/default/a", pod("a"));
    w.store("/registry/pods/default/b", pod("b"));
    w.list("ReplicaSet", RS);
    w.list("Pod", "/registry/pods/default/a", "/registry/pods/default/b");
    w.store(RS, rs(1)); // scaled down
    if (opts.seesScaleDown) w.event(RS);
    for (let i = 0; i < 2000; i++) w.tick(); // 2 s: past the view lag the store's counts allow
    w.act("replicaset: create Pod default/web-1-*", w.tick());
    w.create("/registry/pods/default/web-1-c", pod("web-1-c"));
    return checkReplicaCreations(w.log);
  };
  const stale = run({ seesScaleDown: false, replicasBefore: 3 });
  assert.is(stale.verdict, "pass", stale.message);
  assert.match(stale.message, "(1 more for a count the creating controller's cache still held)");
  assert.is(run({ seesScaleDown: true, replicasBefore: 3 }).verdict, "fail", "its cache had seen the scale down");
  // A cache that held 2 replicas and had not seen its own pods: 2 active pods in the store already.
  assert.is(run({ seesScaleDown: false, replicasBefore: 2 }).verdict, "fail", "the pods are judged in the store");
});

test.run();
