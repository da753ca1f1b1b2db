// Latencies derived from recorded observations: time to ready per kubectl step, pod startup, informer
// lag, and the explore grid's summary over seeds.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import type { KubeObject } from "../../core/kube/types.ts";
import { informerLags, podStartups, timeToReady } from "./kube.ts";
import { summarize } from "./grid.ts";
import type { StepStart } from "../../core/metrics/latency.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const log = (versions: ObjectVersion[], o: Partial<KubeObservations> = {}): KubeObservations =>
  kubeLog({ nodes: [], versions, ...o });
let rv = 100;
const at = (time: number, key: string, object: KubeObject | null): ObjectVersion => ({
  time,
  key,
  rv: ++rv,
  object,
  source: "store",
});
const deploy = (replicas: number, image = "nginx:1"): KubeObject =>
  ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "d" },
    spec: {
      replicas,
      selector: { matchLabels: {} },
      template: { metadata: { labels: {} }, spec: { containers: [{ name: "c", image }] } },
    },
  }) as unknown as KubeObject;
const rs = (name: string): KubeObject =>
  ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: "default",
      uid: name,
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d", controller: true }],
    },
    spec: { replicas: 0 },
  }) as unknown as KubeObject;
const pod = (name: string, owner: string, running: boolean, image = "nginx:1"): KubeObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: name,
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }],
    },
    spec: { containers: [{ name: "c", image }] },
    ...(running ? { status: { phase: "Running" } } : {}),
  }) as unknown as KubeObject;
const D = "/registry/deployments/default/web",
  R = (n: string) => `/registry/replicasets/default/${n}`,
  P = (n: string) => `/registry/pods/default/${n}`;
const scale = (index: number, time: number, replicas: number): StepStart => ({
  index,
  time,
  kind: "scale",
  namespace: "default",
  name: "web",
  replicas,
});

test("a scale to 2 is ready when exactly 2 pods of the deployment run, not when the second is merely created", () => {
  const obs = log([
    at(0, D, deploy(1)),
    at(1, R("a"), rs("a")),
    at(2, P("p1"), pod("p1", "a", true)),
    at(1000, D, deploy(2)),
    at(1100, P("p2"), pod("p2", "a", false)),
    at(1500, P("p2"), pod("p2", "a", true)),
  ]);
  const [s] = timeToReady([scale(1, 900, 2)], obs);
  assert.is(s!.ready, 1500);
  assert.is(s!.description, "scale web to 2");
});

test("an image step waits until no pod of the old template is left", () => {
  const obs = log([
    at(0, D, deploy(1)),
    at(1, R("a"), rs("a")),
    at(2, P("p1"), pod("p1", "a", true)),
    at(1000, D, deploy(1, "nginx:2")),
    at(1010, R("b"), rs("b")),
    at(1200, P("q1"), pod("q1", "b", true, "nginx:2")),
    at(1300, P("p1"), null),
  ]);
  const [s] = timeToReady(
    [{ index: 1, time: 1000, kind: "image", namespace: "default", name: "web", image: "nginx:2" }],
    obs,
  );
  assert.is(s!.ready, 1300);
});

test("a step superseded by a later one before it was ready is never ready", () => {
  const obs = log([
    at(0, D, deploy(3)),
    at(1, R("a"), rs("a")),
    at(2, P("p1"), pod("p1", "a", true)),
    at(5000, D, deploy(1)),
  ]);
  const r = timeToReady([scale(1, 10, 3), scale(2, 4000, 1)], obs);
  assert.is(r[0]!.ready, undefined);
  assert.is(r[1]!.ready, 5000);
});

test("pod startup runs from the first version to the first Running one; informer lag from the store's time", () => {
  const running = at(70, P("p1"), pod("p1", "a", true));
  const obs = log(
    [
      at(10, P("p1"), pod("p1", "a", false)),
      at(30, P("p1"), pod("p1", "a", false)),
      running,
      at(80, P("p2"), pod("p2", "a", false)),
    ],
    {
      observed: [
        { time: 95, observer: "kcm-1#x/Pod", key: P("p1"), rv: running.rv, event: "MODIFIED" },
        { time: 99, observer: "kcm-1#x/Pod", key: P("p1"), rv: running.rv, event: "LIST" },
      ],
    },
  );
  assert.equal(
    podStartups(obs).map((p) => [p.created, p.running]),
    [
      [10, 70],
      [80, undefined],
    ],
  );
  assert.equal(informerLags(obs), [{ t: 70, d: 25 }]);
});

test("the grid summary pools every seed's operations and reports the spread of per-seed p99", () => {
  const fast = { "etcd leader": Array.from({ length: 100 }, (_, i) => 1000 + i) };
  const slow = { "etcd leader": Array.from({ length: 100 }, (_, i) => 5000 + i * 10) };
  const s = summarize([fast, slow, {}])["etcd leader"]!;
  assert.is(s.n, 200);
  assert.is(s.seeds, 2);
  assert.is(s.median, 1099);
  assert.equal(s.seedP99, { min: 1098, median: 1098, max: 5980 });
  assert.is(s.p99, 5970);
});

test.run();
