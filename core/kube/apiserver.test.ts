// The apiserver's API semantics and the client's timeouts, failover and reliable watch streams.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../bugs.ts";
import { World } from "../../sim/world.ts";
import type { ApiResult } from "./api.ts";
import { apiserver, metadataToWrite } from "./apiserver.ts";
import { KubeClient } from "./client.ts";
import { parseManifests } from "./manifest.ts";
import { encodeObject } from "./resources.ts";
import { FakeEtcd } from "../../testing/kube/fake-etcd.ts";
import { NGINX } from "../../testing/kube/fake-cluster.ts";
import { settle } from "../../testing/kube/sync.ts";
import type { ConfigMap, Deployment, KubeObject, ObjectMeta, Pod } from "./types.ts";

function rig(apiservers = 1, link = {}, bugs = BugSet.none) {
  const world = new World({ seed: 9, link });
  const etcd = new FakeEtcd();
  const ids = Array.from({ length: apiservers }, (_, i) => `apiserver-${i + 1}`);
  for (const id of ids)
    world.spawn(id, (env) => apiserver(env, { kv: etcd.client(env), bugs, timing: { compactIntervalUs: 0 } }));
  let client!: KubeClient;
  world.spawn("ctl", (env) => {
    client = new KubeClient(env, ids, { requestTimeoutUs: 100_000 });
    return { onMessage: (f, m) => void client.onMessage(f, m) };
  });
  const call = <T>(f: (cb: (r: ApiResult<T>) => void) => void) => settle<ApiResult<T>>(world, f);
  return { world, etcd, client: () => client, call };
}

function ok<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${r.status.reason}: ${r.status.message}`);
  return r.value;
}

const nginx = () => parseManifests(NGINX)[0] as Deployment;

test("create assigns uid, generation 1 and a name from generateName; a second create of the name is AlreadyExists", () => {
  const { call, client } = rig();
  const d = ok(call<Deployment>((cb) => client().create(nginx(), cb)));
  assert.ok(d.metadata.uid !== undefined && d.metadata.generation === 1 && Number(d.metadata.resourceVersion) > 1);
  const again = call<Deployment>((cb) => client().create(nginx(), cb));
  assert.ok(!again.ok && again.status.reason === "AlreadyExists");
  const p: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "", generateName: "web-", namespace: "default" },
    spec: { containers: [{ name: "c", image: "i" }] },
  };
  const made = ok(call<Pod>((cb) => client().create(p, cb)));
  assert.match(made.metadata.name, /^web-[a-z0-9]{5}$/);
  assert.is(made.status?.phase, "Pending");
});

test("a create drops the status the client sent: a Pod starts Pending, a Deployment with an empty status", () => {
  const { call, client } = rig();
  const p: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "forged", namespace: "default" },
    spec: { containers: [{ name: "c", image: "i" }] },
    status: { phase: "Running" },
  };
  assert.equal(ok(call<Pod>((cb) => client().create(p, cb))).status, { phase: "Pending" });
  const d = { ...nginx(), status: { readyReplicas: 3, replicas: 3 } } as Deployment;
  assert.equal(ok(call<Deployment>((cb) => client().create(d, cb))).status, {});
});

test("an update with a stale resourceVersion is a Conflict; with the current one it bumps the generation on a spec change", () => {
  const { call, client } = rig();
  const d = ok(call<Deployment>((cb) => client().create(nginx(), cb)));
  const scaled = ok(call<Deployment>((cb) => client().update({ ...d, spec: { ...d.spec, replicas: 7 } }, cb)));
  assert.equal([scaled.spec.replicas, scaled.metadata.generation], [7, 2]);
  const stale = call<Deployment>((cb) => client().update({ ...d, spec: { ...d.spec, replicas: 9 } }, cb));
  assert.ok(!stale.ok && stale.status.reason === "Conflict" && stale.status.code === 409);
});

test("delete with a propagation policy: Foreground and Orphan leave the object terminating with the collector's finalizer; a bad policy, or one for a kind nothing collects, is Invalid", () => {
  const { call, client } = rig();
  ok(call<Deployment>((cb) => client().create(nginx(), cb)));
  const fg = call<Deployment>((cb) =>
    client().delete("Deployment", "default", "nginx", {}, cb, undefined, "Foreground"),
  );
  assert.ok(fg.ok && fg.accepted === true, JSON.stringify(fg));
  assert.equal(ok(fg).metadata.finalizers, ["foregroundDeletion"]);
  assert.ok(ok(fg).metadata.deletionTimestamp !== undefined);
  const swapped = ok(
    call<Deployment>((cb) => client().delete("Deployment", "default", "nginx", {}, cb, undefined, "Orphan")),
  );
  assert.equal(swapped.metadata.finalizers, ["orphan"], "a later delete's policy steers the deletion");
  const gone = call<Deployment>((cb) =>
    client().delete("Deployment", "default", "nginx", {}, cb, undefined, "Background"),
  );
  assert.ok(gone.ok && gone.accepted !== true, "Background takes the finalizer off, and nothing else holds it");
  const cm: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "default" },
    data: {},
  };
  ok(call<ConfigMap>((cb) => client().create(cm, cb)));
  const refused = call<ConfigMap>((cb) => client().delete("ConfigMap", "default", "c", {}, cb, undefined, "Orphan"));
  assert.ok(!refused.ok && refused.status.reason === "Invalid", JSON.stringify(refused));
  const bad = call<ConfigMap>((cb) =>
    client().delete("ConfigMap", "default", "c", {}, cb, undefined, "Sideways" as never),
  );
  assert.ok(!bad.ok && bad.status.reason === "Invalid" && /propagationPolicy/.test(bad.status.message));
});

test("an object may name one controller among its owner references: a second is Invalid (ValidateOwnerReferences)", () => {
  const { call, client } = rig();
  const ref = (name: string) => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name,
    uid: `u-${name}`,
    controller: true,
  });
  const cm: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "default", ownerReferences: [ref("a")] },
    data: {},
  };
  const made = ok(call<ConfigMap>((cb) => client().create(cm, cb)));
  const two = call<ConfigMap>((cb) =>
    client().update({ ...made, metadata: { ...made.metadata, ownerReferences: [ref("a"), ref("b")] } }, cb),
  );
  assert.ok(!two.ok && two.status.reason === "Invalid", JSON.stringify(two));
  assert.match(two.status.message, /Only one reference can have Controller set to true/);
});

test("the status subresource writes only status; the main resource keeps the stored status", () => {
  const { call, client } = rig();
  const d = ok(call<Deployment>((cb) => client().create(nginx(), cb)));
  const st = ok(
    call<Deployment>((cb) =>
      client().updateStatus({ ...d, spec: { ...d.spec, replicas: 99 }, status: { readyReplicas: 2 } }, cb),
    ),
  );
  assert.equal([st.spec.replicas, st.status?.readyReplicas, st.metadata.generation], [3, 2, 1]);
  const main = ok(call<Deployment>((cb) => client().update({ ...st, status: { readyReplicas: 0 } }, cb)));
  assert.is(main.status?.readyReplicas, 2);
});

test("status writes build the new version beside the stored one: a version already read stays as it was", () => {
  const { call, client } = rig();
  ok(call<Deployment>((cb) => client().create(nginx(), cb)));
  // The object a get answers is the apiserver's decoded (shared, frozen) version of the stored value.
  const read = ok(call<Deployment>((cb) => client().get("Deployment", "default", "nginx", cb)));
  const before = JSON.stringify(read);
  const st = ok(call<Deployment>((cb) => client().updateStatus({ ...read, status: { readyReplicas: 1 } }, cb)));
  const patched = ok(
    call<Deployment>((cb) =>
      client().patch("Deployment", "default", "nginx", { status: { readyReplicas: 2 } }, cb, "status"),
    ),
  );
  assert.equal([st.status?.readyReplicas, patched.status?.readyReplicas, patched.metadata.generation], [1, 2, 1]);
  assert.ok(Number(patched.metadata.resourceVersion) > Number(st.metadata.resourceVersion));
  assert.is(JSON.stringify(read), before, "the version read first is unchanged");
});

test("a merge patch is applied by the apiserver on the current object", () => {
  const { call, client, etcd } = rig();
  ok(call<Deployment>((cb) => client().create(nginx(), cb)));
  const p = ok(
    call<Deployment>((cb) =>
      client().patch(
        "Deployment",
        "default",
        "nginx",
        { spec: { replicas: 5 }, metadata: { labels: { tier: "web" } } },
        cb,
      ),
    ),
  );
  assert.equal(
    [p.spec.replicas, p.metadata.labels, p.spec.template.spec.containers[0]!.image],
    [5, { app: "nginx", tier: "web" }, "nginx:1.25"],
  );
  const rev = etcd.revision;
  ok(call<Deployment>((cb) => client().patch("Deployment", "default", "nginx", { spec: { replicas: 5 } }, cb)));
  assert.is(etcd.revision, rev, "a patch that changes nothing writes nothing");
  const bad = call<Deployment>((cb) =>
    client().patch("Deployment", "default", "nginx", { spec: { replicas: -1 } }, cb),
  );
  assert.ok(!bad.ok && bad.status.reason === "Invalid");
});

test("a patch that carries a resourceVersion is conditional on it: stale, a Conflict and nothing written", () => {
  const { call, client, etcd } = rig();
  const created = ok(call<Deployment>((cb) => client().create(nginx(), cb)));
  const scaled = ok(
    call<Deployment>((cb) => client().patch("Deployment", "default", "nginx", { spec: { replicas: 4 } }, cb)),
  );
  const rev = etcd.revision;
  const stale = call<Deployment>((cb) =>
    client().patch(
      "Deployment",
      "default",
      "nginx",
      { metadata: { resourceVersion: created.metadata.resourceVersion, labels: { tier: "web" } } },
      cb,
    ),
  );
  assert.ok(!stale.ok && stale.status.reason === "Conflict", JSON.stringify(stale));
  assert.match(stale.ok ? "" : stale.status.message, /the object has been modified/);
  assert.is(etcd.revision, rev);
  const current = ok(
    call<Deployment>((cb) =>
      client().patch(
        "Deployment",
        "default",
        "nginx",
        { metadata: { resourceVersion: scaled.metadata.resourceVersion, labels: { tier: "web" } } },
        cb,
      ),
    ),
  );
  assert.equal([current.metadata.labels, current.spec.replicas], [{ app: "nginx", tier: "web" }, 4]);
  assert.ok(Number(current.metadata.resourceVersion) > Number(scaled.metadata.resourceVersion));
});

test("a pod's terminal phase is final: a status that would take it back to Running is refused, through a patch or an update", () => {
  const { call, client, etcd } = rig();
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace: "default" },
    spec: { containers: [{ name: "web", image: "nginx" }], nodeName: "node-1" },
  };
  ok(call<Pod>((cb) => client().create(pod, cb)));
  const running = { status: { phase: "Running" } };
  ok(call<Pod>((cb) => client().patch("Pod", "default", "web-1", running, cb, "status")));
  const failed = ok(
    call<Pod>((cb) => client().patch("Pod", "default", "web-1", { status: { phase: "Failed" } }, cb, "status")),
  );
  const rev = etcd.revision;
  const late = call<Pod>((cb) => client().patch("Pod", "default", "web-1", running, cb, "status"));
  assert.ok(!late.ok && late.status.reason === "Invalid", JSON.stringify(late));
  assert.match(late.ok ? "" : late.status.message, /may not be transitioned to non-terminated state \(phase Failed\)/);
  const update = call<Pod>((cb) => client().updateStatus({ ...failed, status: { phase: "Pending" } }, cb));
  assert.ok(!update.ok && update.status.reason === "Invalid", JSON.stringify(update));
  assert.is(etcd.revision, rev, "nothing written");
  // The same phase again (a condition changed) is a status like any other.
  const again = { status: { phase: "Failed", conditions: [{ type: "Ready", status: "False" }] } };
  ok(call<Pod>((cb) => client().patch("Pod", "default", "web-1", again, cb, "status")));
});

test("an unanswered write times out with an unknown outcome and the client fails over to the next apiserver", () => {
  const { world, call, client } = rig(2);
  const first = client().apiserver;
  world.pause(first);
  const cm: ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } };
  const r = call<KubeObject>((cb) => client().create(cm, cb));
  assert.ok(!r.ok && r.status.reason === "Timeout" && r.status.unknown, "the write may still happen");
  assert.is.not(client().apiserver, first);
  const again = call<KubeObject>((cb) => client().create(cm, cb));
  assert.ok(again.ok, "the other apiserver answers");
  world.resume(first);
  world.runUntil(world.now + 50_000);
  const late = call<KubeObject>((cb) => client().get("ConfigMap", "default", "c", cb));
  assert.ok(late.ok);
});

test("watch frames lost on the network surface as broken streams; re-watching from the last revision misses nothing", () => {
  const { world, etcd, client } = rig(1, { lossP: 0.3 });
  const start = { ...nginx(), metadata: { ...nginx().metadata, uid: "u1" } };
  etcd.putNow({ key: "/registry/deployments/default/nginx", value: encodeObject(start) });
  const first = etcd.revision;
  let broken = 0;
  let last = first;
  const seen: number[] = [];
  const follow = () =>
    client().watch("Deployment", undefined, last, (e) => {
      if (e.type === "ERROR") {
        broken++;
        world.scheduler.at(world.now + 1_000, follow);
      } else if (e.type === "MODIFIED") {
        last = Number(e.object.metadata.resourceVersion);
        seen.push(last);
      }
    });
  follow();
  for (let i = 1; i <= 30; i++) {
    world.scheduler.at(
      world.now + i * 5_000,
      () =>
        void etcd.putNow({
          key: "/registry/deployments/default/nginx",
          value: encodeObject({ ...start, spec: { ...start.spec, replicas: i } }),
        }),
    );
  }
  world.runUntil(world.now + 5_000_000);
  assert.ok(broken >= 1, "30% loss breaks streams");
  assert.equal(
    seen,
    Array.from({ length: 30 }, (_, i) => first + 1 + i),
    "every event once, in order",
  );
});

test("metadataToWrite: the fields and order of a spread copy with resourceVersion deleted, the source untouched", () => {
  const spreadDelete = (m: ObjectMeta) => {
    const c = { ...m };
    delete c.resourceVersion;
    return c;
  };
  const cases: ObjectMeta[] = [
    { name: "a", namespace: "default", resourceVersion: "7", uid: "u", labels: { app: "x" }, generation: 2 },
    { resourceVersion: "1", name: "b" },
    { name: "c", uid: "u", resourceVersion: undefined } as ObjectMeta,
    { name: "d", generateName: "d-" },
    JSON.parse('{"name":"e","__proto__":{"x":1},"resourceVersion":"3","2":"n"}') as ObjectMeta,
  ];
  for (const m of cases) {
    const before = JSON.stringify(m);
    const got = metadataToWrite(m);
    const want = spreadDelete(m);
    assert.equal(Object.keys(got), Object.keys(want));
    assert.equal(got, want);
    assert.ok(!Object.hasOwn(got, "resourceVersion"));
    assert.is(Object.getPrototypeOf(got), Object.getPrototypeOf(want));
    assert.is.not(got, m);
    assert.is(JSON.stringify(m), before);
    // Setting the identity fields afterwards leaves the same order either way.
    for (const c of [got, want]) {
      c.uid = "z";
      c.creationTimestamp = 5;
      c.generation = 3;
    }
    assert.equal(Object.keys(got), Object.keys(want));
  }
  // A frozen (stored) metadata is copied, not changed.
  const frozen = Object.freeze({ name: "f", resourceVersion: "9" }) as ObjectMeta;
  const c = metadataToWrite(frozen);
  c.name = "g";
  assert.is(frozen.name, "f");
  assert.is(frozen.resourceVersion, "9");
});

test("a watch stream's frames are read in sequence order: in order, out of order, duplicated, ending with an ERROR", () => {
  const world = new World({ seed: 9 });
  let client!: KubeClient;
  world.spawn("ctl", (env) => {
    client = new KubeClient(env, ["apiserver-1"]);
    return { onMessage: (f, m) => void client.onMessage(f, m) };
  });
  world.runUntil(1);
  const seen: string[] = [];
  client.watch("ConfigMap", "default", 0, (e) =>
    seen.push(e.type === "ERROR" ? `ERROR ${e.status.reason}` : e.type === "BOOKMARK" ? "B" : e.object.metadata.name),
  );
  const watchId = `${(client as unknown as { nonce: string }).nonce}:w1`;
  const cm = (name: string) => ({
    type: "ADDED" as const,
    object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } } as ConfigMap,
  });
  const frame = (seq: number, ...names: string[]) =>
    client.onMessage("apiserver-1", { type: "kube-watch-ev", watchId, seq, events: names.map(cm) });
  frame(1, "a");
  frame(2, "b", "c");
  frame(4, "e"); // ahead: held until 3 comes
  assert.equal(seen, ["a", "b", "c"]);
  frame(2, "b"); // a duplicate
  frame(3, "d");
  assert.equal(seen, ["a", "b", "c", "d", "e"]);
  frame(5, "f");
  client.onMessage("apiserver-1", {
    type: "kube-watch-ev",
    watchId,
    seq: 6,
    events: [cm("g"), { type: "ERROR", status: { reason: "Gone", message: "too old", code: 410 } }, cm("h")],
  });
  frame(7, "i"); // after the stream ended
  assert.equal(seen, ["a", "b", "c", "d", "e", "f", "g", "ERROR Gone"]);
});

test("a pod with a grace period is marked terminating, a repeated delete changes nothing, and its kubelet's delete removes it", () => {
  const { call, client } = rig();
  const p: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: { containers: [{ name: "c", image: "i" }], nodeName: "node-1", terminationGracePeriodSeconds: 2 },
  };
  const made = ok(call<Pod>((cb) => client().create(p, cb)));
  const first = call<Pod>((cb) => client().delete("Pod", "default", "web", {}, cb));
  assert.ok(first.ok && first.accepted === true, "202: still there");
  const due = ok(first).metadata.deletionTimestamp!;
  assert.is(ok(first).metadata.deletionGracePeriodSeconds, 2);
  const again = call<Pod>((cb) => client().delete("Pod", "default", "web", {}, cb, 2));
  assert.is(ok(again).metadata.deletionTimestamp, due, "the same period moves nothing");
  const status = call<Pod>((cb) =>
    client().patch("Pod", "default", "web", { status: { phase: "Running" } }, cb, "status"),
  );
  assert.is(ok(status).metadata.deletionTimestamp, due, "an update keeps the deletion's fields");
  const gone = call<Pod>((cb) => client().delete("Pod", "default", "web", { uid: made.metadata.uid! }, cb, 0));
  assert.ok(gone.ok && gone.accepted === undefined, "removed");
  const after = call<Pod>((cb) => client().get("Pod", "default", "web", cb));
  assert.ok(!after.ok && after.status.reason === "NotFound");
});

test("finalizers hold a deleted object: none may be added while it terminates, and taking off the last removes it", () => {
  const { call, client } = rig();
  const cm: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "held", namespace: "default", finalizers: ["a/one", "a/two"] },
  };
  ok(call<ConfigMap>((cb) => client().create(cm, cb)));
  const deleted = call<ConfigMap>((cb) => client().delete("ConfigMap", "default", "held", {}, cb, 0));
  assert.ok(deleted.ok && deleted.accepted === true, "grace period 0 does not pass the finalizers");
  assert.is(ok(deleted).metadata.deletionGracePeriodSeconds, 0);
  const added = call<ConfigMap>((cb) =>
    client().patch("ConfigMap", "default", "held", { metadata: { finalizers: ["a/one", "a/two", "a/three"] } }, cb),
  );
  assert.ok(!added.ok && added.status.code === 422);
  assert.match(
    added.status.message,
    /no new finalizers can be added if the object is being deleted, found new finalizers \["a\/three"\]/,
  );
  ok(
    call<ConfigMap>((cb) =>
      client().patch("ConfigMap", "default", "held", { metadata: { finalizers: ["a/two"] } }, cb),
    ),
  );
  assert.ok(ok(call<ConfigMap>((cb) => client().get("ConfigMap", "default", "held", cb))).metadata.deletionTimestamp);
  ok(call<ConfigMap>((cb) => client().patch("ConfigMap", "default", "held", { metadata: { finalizers: null } }, cb)));
  const after = call<ConfigMap>((cb) => client().get("ConfigMap", "default", "held", cb));
  assert.ok(!after.ok && after.status.reason === "NotFound", "the last finalizer off: removed");
});

test("a pod deleted before it had a node is never bound: the bind is refused (500), unless kube-bind-deleting-pod", () => {
  for (const bugs of [BugSet.none, new BugSet(["kube-bind-deleting-pod"])]) {
    const { call, client } = rig(1, {}, bugs);
    const p: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default", finalizers: ["example.com/drain"] },
      spec: { containers: [{ name: "c", image: "i" }], terminationGracePeriodSeconds: 30 },
    };
    ok(call<Pod>((cb) => client().create(p, cb)));
    const deleting = ok(call<Pod>((cb) => client().delete("Pod", "default", "web", {}, cb)));
    assert.is(deleting.metadata.deletionGracePeriodSeconds, 0, "no node runs it: no grace period");
    const bind = call<Pod>((cb) =>
      client().update({ ...deleting, spec: { ...deleting.spec, nodeName: "node-1" } } as Pod, cb),
    );
    const stored = ok(call<Pod>((cb) => client().get("Pod", "default", "web", cb)));
    if (bugs.has("kube-bind-deleting-pod")) {
      assert.ok(bind.ok, "the mutant lets the bind land");
      assert.is(stored.spec.nodeName, "node-1");
      continue;
    }
    assert.ok(!bind.ok && bind.status.code === 500);
    assert.is(bind.status.message, "pod web is being deleted, cannot be assigned to a host");
    assert.is(stored.spec.nodeName, undefined);
    assert.is(stored.metadata.resourceVersion, deleting.metadata.resourceVersion, "nothing written");
  }
});

test.run();
