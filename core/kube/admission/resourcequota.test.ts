// ResourceQuota and LimitRanger admission on the apiserver: two apiservers admitting pods at once
// never take more than the quota (the charge is a CAS on status.used); a delete gives the charge
// back; the mutant that checks on a read and writes without the CAS overshoots.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { World } from "../../../sim/world.ts";
import { BugSet, type BugName } from "../../bugs.ts";
import type { ApiResult, ListResult } from "../api.ts";
import { apiserver } from "../apiserver.ts";
import { KubeClient } from "../client.ts";
import { FakeEtcd } from "../../../testing/kube/fake-etcd.ts";
import { settle } from "../../../testing/kube/sync.ts";
import type { KubeObject, LimitRange, Pod, ResourceQuota } from "../types.ts";
import { formatQuantity, parseQuantity } from "./quantity.ts";
import { exceeded, podUsage } from "./usage.ts";
import { quotaRecount } from "./quota-recount.ts";

function rig(bugs: BugName[] = []) {
  const world = new World({ seed: 4 });
  const etcd = new FakeEtcd();
  const ids = ["apiserver-1", "apiserver-2"];
  for (const id of ids)
    world.spawn(id, (env) =>
      apiserver(env, {
        kv: etcd.client(env),
        bugs: new BugSet(bugs),
        timing: { compactIntervalUs: 0 },
        admission: { resourceQuota: true },
      }),
    );
  const clients: KubeClient[] = [];
  for (const [i, id] of ids.entries())
    world.spawn(`ctl-${i}`, (env) => {
      const c = new KubeClient(env, [id], { requestTimeoutUs: 1_000_000 });
      clients[i] = c;
      return { onMessage: (f, m) => void c.onMessage(f, m) };
    });
  const call = <T>(f: (cb: (r: ApiResult<T>) => void) => void) => settle<ApiResult<T>>(world, f);
  return { world, clients, call };
}

const quota = (pods: string, cpu = "10"): ResourceQuota => ({
  apiVersion: "v1",
  kind: "ResourceQuota",
  metadata: { name: "compute", namespace: "default" },
  spec: { hard: { pods, "requests.cpu": cpu, "requests.memory": "1Gi" } },
});
const limits: LimitRange = {
  apiVersion: "v1",
  kind: "LimitRange",
  metadata: { name: "defaults", namespace: "default" },
  spec: { limits: [{ type: "Container", defaultRequest: { cpu: "100m", memory: "64Mi" } }] },
};
const pod = (name: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { containers: [{ name: "c", image: "nginx" }] },
});

function setup(bugs: BugName[] = [], q = quota("3")) {
  const r = rig(bugs);
  for (const o of [q, limits] as KubeObject[]) assert.ok(r.call<KubeObject>((cb) => r.clients[0]!.create(o, cb)).ok);
  /** Creates n pods at once, alternating between the two apiservers; returns how many were admitted. */
  const burst = (n: number, prefix: string): { admitted: number; forbidden: number } => {
    const results: ApiResult<KubeObject>[] = [];
    for (let i = 0; i < n; i++) r.clients[i % 2]!.create(pod(`${prefix}-${i}`), (x) => results.push(x));
    r.world.runUntilPredicate(() => results.length === n, r.world.now + 5_000_000);
    return {
      admitted: results.filter((x) => x.ok).length,
      forbidden: results.filter((x) => !x.ok && x.status.reason === "Forbidden").length,
    };
  };
  const list = <T extends KubeObject>(kind: T["kind"]) => {
    const l = r.call<ListResult>((cb) => r.clients[0]!.list(kind, { namespace: "default" }, cb));
    assert.ok(l.ok);
    return (l.ok ? l.value.items : []) as T[];
  };
  return { ...r, burst, list };
}

test("quantities are exact milli-units", () => {
  assert.equal(
    [parseQuantity("100m"), parseQuantity("2"), parseQuantity("64Mi"), parseQuantity("1k"), parseQuantity("x")],
    [100, 2000, 64 * 1024 * 1024 * 1000, 1_000_000, undefined],
  );
  assert.equal([formatQuantity(1500), formatQuantity(3000)], ["1500m", "3"]);
});

test("parseQuantity answers the same however often a string is asked, past its memo's bound too", () => {
  const cases: [string | number | undefined, number | undefined][] = [
    ["100m", 100],
    ["x", undefined],
    ["-1", undefined],
    ["0", 0],
    ["1Gi", 1024 ** 3 * 1000],
    [3, 3000],
    [1.5, undefined],
    [undefined, undefined],
  ];
  for (let round = 0; round < 3; round++) {
    for (const [q, want] of cases) assert.is(parseQuantity(q), want, `${String(q)} round ${round}`);
    for (let i = 0; i < 1500; i++) assert.is(parseQuantity(`${i}k`), i * 1_000_000);
  }
});

test("exceeded quota names the resource as Kubernetes does", () => {
  const q: ResourceQuota = { ...quota("1"), status: { used: { pods: "1" } } };
  assert.is(
    exceeded(q, podUsage(pod("a"))),
    "exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1",
  );
});

test("a ResourceQuota with a malformed quantity is Invalid", () => {
  const { call, clients } = rig();
  const r = call<KubeObject>((cb) => clients[0]!.create(quota("many"), cb));
  assert.ok(!r.ok && r.status.reason === "Invalid", JSON.stringify(r));
});

test("LimitRange defaults fill a container's requests at admission", () => {
  const { call, clients } = setup();
  const r = call<Pod>((cb) => clients[0]!.create(pod("p"), cb));
  assert.ok(r.ok);
  assert.equal(r.ok && r.value.spec.containers[0]!.resources?.requests, { cpu: "100m", memory: "64Mi" });
});

test("two apiservers admitting at once never exceed the quota: the CAS on status.used decides", () => {
  const { burst, list } = setup();
  const { admitted, forbidden } = burst(8, "p");
  assert.is(admitted, 3);
  assert.is(forbidden, 5);
  assert.is(list<Pod>("Pod").length, 3);
  assert.is(list<ResourceQuota>("ResourceQuota")[0]!.status?.used?.["pods"], "3");
});

test("requests.cpu limits too: 250m of cpu at 100m a pod admits two", () => {
  const { burst } = setup([], quota("10", "250m"));
  assert.is(burst(5, "c").admitted, 2);
});

test("a deleted pod's charge is released, and the quota admits another", () => {
  const { burst, call, clients, list, world } = setup();
  burst(3, "p");
  const victim = list<Pod>("Pod")[0]!;
  assert.ok(call<KubeObject>((cb) => clients[1]!.delete("Pod", "default", victim.metadata.name, {}, cb)).ok);
  world.runUntil(world.now + 500_000);
  assert.is(list<ResourceQuota>("ResourceQuota")[0]!.status?.used?.["pods"], "2");
  assert.is(burst(2, "q").admitted, 1);
});

test("kube-quota-check-before-cas: a check on a read and a write without the CAS overshoots", () => {
  const { burst, list } = setup(["kube-quota-check-before-cas"]);
  const { admitted } = burst(8, "p");
  assert.ok(admitted > 3, `admitted ${admitted}`);
  assert.ok(list<Pod>("Pod").length > 3);
});

test("the recount gives back a leaked charge, but only after the pods and the quota were quiet for settleUs", () => {
  const { burst, call, clients, list, world } = setup();
  burst(2, "p");
  // A charge whose create never happened (its apiserver crashed in between): used 3, 2 pods.
  const q = list<ResourceQuota>("ResourceQuota")[0]!;
  assert.ok(
    call<KubeObject>((cb) =>
      clients[0]!.updateStatus({ ...q, status: { ...q.status, used: { ...q.status!.used, pods: "3" } } }, cb),
    ).ok,
  );
  const fixes: string[] = [];
  world.spawn("quota-controller", (env) =>
    quotaRecount(env, {
      apiservers: ["apiserver-1"],
      namespace: "default",
      quota: "compute",
      periodUs: 100_000,
      settleUs: 1_000_000,
      onRecount: (_f, to) => fixes.push(to),
    }),
  );
  world.runUntil(world.now + 600_000);
  assert.equal(fixes, [], "not before the quiet period");
  world.runUntil(world.now + 1_000_000);
  assert.is(fixes.length, 1);
  assert.is(list<ResourceQuota>("ResourceQuota")[0]!.status?.used?.["pods"], "2");
  assert.is(burst(2, "q").admitted, 1, "the freed unit is admitted again, and no more");
});

test.run();
