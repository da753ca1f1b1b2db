// The node lifecycle controller, driven by hand: renewals it is told of, the time its clock reads, and
// the writes each look at a node asks for.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../../bugs.ts";
import { probeCounts, resetProbes } from "../../probes.ts";
import { Rng } from "../../../sim/rng.ts";
import type { CacheReader, ControllerDef, ReconcileContext, Write } from "../controller.ts";
import {
  objectKey,
  podIsReady,
  type Kind,
  type KubeObject,
  type Lease,
  type Node,
  type ObjectOf,
  type Pod,
} from "../types.ts";
import { hasUnreachableTaint, nodeLifecycleController, readyStatus, UNREACHABLE_TAINT } from "./nodelifecycle.ts";
import { NODE_LEASE_NAMESPACE } from "./scheduler.ts";

const GRACE = 4_000_000;
const TOLERATION = 6_000_000;

class World implements CacheReader {
  objs = new Map<string, KubeObject>();
  wall = 1_000_000_000;
  mono = 0;
  rv = 1;
  readonly ctx: ReconcileContext = {
    now: () => this.wall,
    monotonic: () => this.mono,
    rng: new Rng(1),
    process: "kcm-1",
  };
  constructor(readonly def: ControllerDef) {}
  put(o: KubeObject, event: "add" | "update" = "update"): void {
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.uid ??= `uid-${o.metadata.name}`;
    this.objs.set(`${o.kind}|${objectKey(o)}`, o);
    this.def.observe?.(event, o.kind, o, this.ctx, this);
  }
  get<K extends Kind>(kind: K, key: string): ObjectOf<K> | undefined {
    return this.objs.get(`${kind}|${key}`) as ObjectOf<K> | undefined;
  }
  list<K extends Kind>(kind: K): ObjectOf<K>[] {
    return [...this.objs.values()].filter((o) => o.kind === kind) as ObjectOf<K>[];
  }
  ownedBy<K extends Kind>(): ObjectOf<K>[] {
    return [];
  }
  syncedRevision(): number {
    return this.rv;
  }
  observedAt(): number | undefined {
    return undefined;
  }
  /** One look at the node; its writes are applied as acknowledged. */
  look(name: string): Write[] {
    const r = this.def.reconcile(name, this, this.ctx);
    const writes = Array.isArray(r) ? r : r.writes;
    for (const w of writes) {
      if (w.op === "delete") this.objs.delete(`${w.kind}|${w.namespace ? `${w.namespace}/` : ""}${w.name}`);
      else if (w.op !== "patch") this.put(structuredClone(w.object));
    }
    // The runtime looks again at once when asked to.
    return !Array.isArray(r) && r.requeueAfterUs === 0 ? [...writes, ...this.look(name)] : writes;
  }
  /** Time passes on both clocks. */
  advance(us: number): void {
    this.wall += us;
    this.mono += us;
  }
  renew(name: string, renewTime = this.wall): void {
    const lease: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace: NODE_LEASE_NAMESPACE },
      spec: { holderIdentity: name, renewTime },
    };
    this.put(lease);
  }
  node(name: string): Node {
    return this.get("Node", name)!;
  }
}

function cluster(bugs?: BugSet, nodes = ["node-1", "node-2"]): World {
  const w = new World(nodeLifecycleController({ graceUs: GRACE, tolerationUs: TOLERATION, monitorUs: 500_000 }, bugs));
  for (const name of nodes) {
    w.put(
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name },
        spec: {},
        status: { conditions: [{ type: "Ready", status: "True" }] },
      },
      "add",
    );
    w.renew(name);
  }
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace: "default" },
    spec: { nodeName: "node-1", containers: [{ name: "web", image: "nginx" }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
  w.put(pod, "add");
  return w;
}

/** Time passes in steps of the monitor period; every node but `silent` renews on each step. */
function run(w: World, us: number, silent: string[] = []): void {
  for (let t = 0; t < us; t += 500_000) {
    w.advance(500_000);
    for (const n of w.list("Node")) if (!silent.includes(n.metadata.name)) w.renew(n.metadata.name);
    for (const n of w.list("Node")) w.look(n.metadata.name);
  }
}

test("a node whose kubelet keeps renewing its Lease stays Ready and untainted", () => {
  const w = cluster();
  run(w, 20_000_000);
  assert.is(readyStatus(w.node("node-1")), "True");
  assert.not.ok(hasUnreachableTaint(w.node("node-1")));
  assert.ok(w.get("Pod", "default/web-1"));
});

test("a node silent for longer than the grace period is marked Unknown, not before", () => {
  const w = cluster();
  run(w, GRACE - 500_000, ["node-1"]);
  assert.is(readyStatus(w.node("node-1")), "True");
  run(w, 1_000_000, ["node-1"]);
  assert.is(readyStatus(w.node("node-1")), "Unknown");
  assert.is(readyStatus(w.node("node-2")), "True");
});

test("an Unknown node's pods are marked not ready once (MarkPodsNotReady), not a node's that stays Ready", () => {
  const w = cluster();
  run(w, GRACE + 1_000_000, ["node-1"]);
  const pod = w.get("Pod", "default/web-1")!;
  assert.equal(pod.status?.conditions, [{ type: "Ready", status: "False", reason: "NodeNotReady" }]);
  // The kubelet is not there to say otherwise, and the controller does not say it twice.
  const again = structuredClone(pod);
  again.status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
  w.put(again);
  run(w, 1_000_000, ["node-1"]);
  assert.ok(podIsReady(w.get("Pod", "default/web-1")!));
  const healthy = cluster();
  run(healthy, GRACE + 1_000_000);
  assert.ok(podIsReady(healthy.get("Pod", "default/web-1")!));
});

test("an Unknown node is tainted unreachable (NoSchedule and NoExecute), and its pods go only after their toleration", () => {
  const w = cluster();
  run(w, GRACE + 1_000_000, ["node-1"]);
  const taints = w.node("node-1").spec.taints ?? [];
  assert.equal(
    taints.map((t) => `${t.key}:${t.effect}`),
    [`${UNREACHABLE_TAINT}:NoSchedule`, `${UNREACHABLE_TAINT}:NoExecute`],
  );
  run(w, TOLERATION - 1_000_000, ["node-1"]);
  assert.ok(w.get("Pod", "default/web-1"), "evicted before its toleration ran out");
  run(w, 1_500_000, ["node-1"]);
  assert.is(w.get("Pod", "default/web-1"), undefined);
});

test("a node that comes back before the toleration keeps its pods and loses its taint once Ready", () => {
  const w = cluster();
  run(w, GRACE + 2_000_000, ["node-1"]);
  assert.ok(hasUnreachableTaint(w.node("node-1")));
  // The kubelet renews again and posts Ready (as it does on finding its Node Unknown).
  const n = structuredClone(w.node("node-1"));
  n.status = { conditions: [{ type: "Ready", status: "True" }] };
  w.put(n);
  run(w, 2_000_000);
  assert.is(readyStatus(w.node("node-1")), "True");
  assert.not.ok(hasUnreachableTaint(w.node("node-1")));
  run(w, TOLERATION);
  assert.ok(w.get("Pod", "default/web-1"));
});

test("a renewal counts when the kubelet's clock stepped back (its renewTime went down); the mutant misses it", () => {
  for (const bugs of [undefined, new BugSet(["kube-node-lease-renew-time-before"])]) {
    const w = cluster(bugs);
    run(w, 2_000_000);
    // node-1's clock is now 30 s behind: every renewal carries an earlier renewTime than the last.
    for (let t = 0; t < 10_000_000; t += 500_000) {
      w.advance(500_000);
      w.renew("node-1", w.wall - 30_000_000);
      w.renew("node-2");
      w.look("node-1");
      w.look("node-2");
    }
    assert.is(readyStatus(w.node("node-1")), bugs === undefined ? "True" : "Unknown");
  }
});

test("a controller's first look at a node gives it a whole grace period (a new leader knows no earlier renewal)", () => {
  const w = cluster();
  run(w, 1_000_000);
  w.def.onStart?.(w.ctx);
  run(w, GRACE - 500_000, ["node-1"]);
  assert.is(readyStatus(w.node("node-1")), "True");
});

test("when every node goes silent at once (a full disruption) they are marked Unknown but neither tainted nor emptied", () => {
  resetProbes();
  const w = cluster();
  run(w, GRACE + TOLERATION + 2_000_000, ["node-1", "node-2"]);
  assert.is(readyStatus(w.node("node-1")), "Unknown");
  assert.is(readyStatus(w.node("node-2")), "Unknown");
  assert.not.ok(hasUnreachableTaint(w.node("node-1")));
  assert.ok(w.get("Pod", "default/web-1"));
  // One node tainted before the rest went silent loses its taint when the disruption becomes full.
  const v = cluster(undefined, ["node-1", "node-2", "node-3"]);
  run(v, GRACE + 1_000_000, ["node-1"]);
  assert.ok(hasUnreachableTaint(v.node("node-1")));
  run(v, GRACE + 1_000_000, ["node-1", "node-2", "node-3"]);
  assert.not.ok(hasUnreachableTaint(v.node("node-1")));
  assert.ok(v.get("Pod", "default/web-1"));
  assert.ok((probeCounts().get("kube.node-untainted-full-disruption") ?? 0) > 0);
});

test.run();
