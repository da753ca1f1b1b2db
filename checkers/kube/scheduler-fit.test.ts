// kube-scheduler-fit on hand-made logs: the scheduler's binds judged on the view its Pod and Node
// informers (and its own acknowledged binds) gave it when it decided.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import { cacheLog } from "../../testing/kube/cache-log.ts";
import { checkSchedulerFit } from "./scheduler-fit.ts";

const nodeKey = (name: string) => `/registry/minions/${name}`;
const podKey = (name: string) => `/registry/pods/default/${name}`;
const node = (name: string, opts: { ready?: boolean; capacity?: number; taint?: boolean; cordoned?: boolean } = {}) =>
  ({
    kind: "Node",
    metadata: { name, uid: name },
    spec: {
      ...(opts.cordoned ? { unschedulable: true } : {}),
      ...(opts.taint ? { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }] } : {}),
    },
    status: {
      capacity: { pods: opts.capacity ?? 2 },
      conditions: [{ type: "Ready", status: opts.ready === false ? "Unknown" : "True" }],
    },
  }) as unknown as KubeObject;
const pod = (name: string, nodeName?: string, phase = "Running") =>
  ({
    kind: "Pod",
    metadata: { name, namespace: "default", uid: name },
    spec: nodeName === undefined ? {} : { nodeName },
    status: { phase },
  }) as unknown as KubeObject;

/** A store and the scheduler "sched" with a Pod and a Node informer. */
function world() {
  const c = cacheLog("sched");
  return {
    ...c,
    /** The scheduler binds the pod to the node (decided now), the bind lands and is answered. */
    bind(name: string, nodeName: string) {
      const key = podKey(name);
      c.act(`scheduler: update Pod default/${name}@${c.rvOf(key)}`, c.tick());
      c.update(key, pod(name, nodeName));
    },
  };
}

/** Two nodes with room for two pods each; n1 holds one pod; three pods wait. */
function cluster(n2: Parameters<typeof node>[1] = {}) {
  const w = world();
  w.store(nodeKey("n1"), node("n1"));
  w.store(nodeKey("n2"), node("n2", n2));
  w.store(podKey("a"), pod("a", "n1"));
  for (const p of ["p", "q", "r"]) w.store(podKey(p), pod(p));
  w.list("Node", nodeKey("n1"), nodeKey("n2"));
  w.list("Pod", podKey("a"), podKey("p"), podKey("q"), podKey("r"));
  return w;
}

test("binds to nodes with room pass; a bind its own earlier binds had filled fails", () => {
  const ok = cluster();
  ok.bind("p", "n1");
  ok.bind("q", "n2");
  const r = checkSchedulerFit(ok.log);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^2 binds by the scheduler/);
  // n1 is full once p is bound there (answered, in its cache ahead of the watch).
  const full = cluster();
  full.bind("p", "n1");
  full.bind("q", "n1");
  assert.match(
    checkSchedulerFit(full.log).message,
    /^sched at \d+\.\d+s bound default\/q to n1, which its cache showed full \(2 pods hold room, capacity 2\)/,
  );
});

test("a failed pod holds no room", () => {
  const w = world();
  w.store(nodeKey("n1"), node("n1", { capacity: 1 }));
  w.store(podKey("a"), pod("a", "n1", "Failed"));
  w.store(podKey("p"), pod("p"));
  w.list("Node", nodeKey("n1"));
  w.list("Pod", podKey("a"), podKey("p"));
  w.bind("p", "n1");
  assert.is(checkSchedulerFit(w.log).verdict, "pass");
});

test("a node not Ready, cordoned or tainted NoSchedule takes no binds", () => {
  for (const [opts, why] of [
    [{ ready: false }, /not Ready/],
    [{ cordoned: true }, /cordoned/],
    [{ taint: true }, /tainted node\.kubernetes\.io\/unreachable:NoSchedule/],
  ] as const) {
    const w = cluster(opts);
    w.bind("p", "n2");
    assert.match(checkSchedulerFit(w.log).message, why);
  }
});

test("the cache is what counts: a node the store shows full, the cache with room, passes", () => {
  const w = cluster();
  w.store(podKey("b"), pod("b", "n1")); // another scheduler's bind, not yet seen
  w.bind("p", "n1");
  assert.is(checkSchedulerFit(w.log).verdict, "pass");
});

test.run();
