// kube-node-capacity on hand-made node logs: containers running at once are counted per node against its
// Node's capacity; a stop, a death or a reboot frees room, and one excursion is one violation.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../core/kube/types.ts";
import type { NodeEvent } from "../../core/kube/observations.ts";
import { checkNodeCapacity } from "./capacity.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const node = (name: string, pods?: number) =>
  ({
    kind: "Node",
    metadata: { name },
    spec: {},
    status: pods === undefined ? {} : { capacity: { pods } },
  }) as unknown as KubeObject;
const pod = (name: string, uid: string) =>
  ({ kind: "Pod", metadata: { name, namespace: "default", uid }, spec: {} }) as unknown as KubeObject;
const versions = [
  { time: 1, key: "/registry/minions/node-1", rv: 2, object: node("node-1", 2), source: "store" },
  { time: 1, key: "/registry/minions/node-2", rv: 3, object: node("node-2", 1), source: "store" },
  ...["a", "b", "c"].map((x, i) => ({
    time: 2,
    key: `/registry/pods/default/web-${x}`,
    rv: 4 + i,
    object: pod(`web-${x}`, x),
    source: "store",
  })),
];
const ev = (
  time: number,
  n: string,
  kind: "created" | "running" | "stopped" | "exited" | "rejected",
  uid: string,
): NodeEvent => ({
  time,
  node: n,
  kind,
  uid,
});
const check = (nodeEvents: NodeEvent[], vs = versions) =>
  checkNodeCapacity(kubeLog({ versions: vs as never, nodeEvents }));

test("kube-node-capacity: pods within each node's capacity pass, naming the most each ran at once", () => {
  const r = check([
    ev(10, "node-1", "running", "a"),
    ev(20, "node-1", "running", "b"),
    ev(30, "node-2", "running", "c"),
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.is(r.message, "2 nodes, each within its pod capacity (most at once: node-1 2/2, node-2 1/1)");
});

test("kube-node-capacity: a third pod on a two-pod node fails, naming the node, the time and the pods", () => {
  const r = check([
    ev(10, "node-1", "running", "a"),
    ev(20, "node-1", "running", "b"),
    ev(30, "node-1", "running", "c"),
  ]);
  assert.is(r.verdict, "fail");
  assert.is(
    r.message,
    "node-1 ran 3 pods at 0.000s (default/web-a, default/web-b, default/web-c), over its capacity of 2",
  );
});

test("kube-node-capacity: a stop, a death or a reboot frees room; a restart of the same container is not a second pod", () => {
  const full = [ev(10, "node-1", "running", "a"), ev(20, "node-1", "running", "b")];
  const third = ev(30, "node-1", "running", "c");
  for (const [what, freed] of [
    ["a stop", [ev(25, "node-1", "stopped", "a")]],
    ["a death", [ev(25, "node-1", "exited", "b")]],
    ["a reboot", [{ time: 25, node: "node-1", kind: "reboot" }, ev(28, "node-1", "running", "a")]],
  ] as const) {
    const r = check([...full, ...(freed as readonly NodeEvent[]), third]);
    assert.is(r.verdict, "pass", `${what}: ${r.message}`);
  }
  const again = check([
    ev(10, "node-2", "running", "c"),
    ev(20, "node-2", "exited", "c"),
    ev(30, "node-2", "running", "c"),
  ]);
  assert.is(again.verdict, "pass", again.message);
});

test("kube-node-capacity: one excursion is one violation; nodes apart; a node that states no capacity is not judged", () => {
  const r = check([
    ev(10, "node-2", "running", "a"),
    ev(20, "node-2", "running", "b"),
    ev(30, "node-2", "running", "c"),
    ev(40, "node-2", "stopped", "a"),
    ev(50, "node-2", "stopped", "b"),
    ev(60, "node-2", "running", "a"),
  ]);
  assert.is(r.verdict, "fail");
  assert.equal((r.evidence as { violations: string[] }).violations.length, 2, "over from 20 to 50, again at 60");
  const unstated = [{ ...versions[0]!, object: node("node-1") }, ...versions.slice(2)];
  const free = check(
    [ev(10, "node-1", "running", "a"), ev(20, "node-1", "running", "b"), ev(30, "node-1", "running", "c")],
    unstated,
  );
  assert.is(free.verdict, "pass", free.message);
  assert.is(free.message, "no node that states its pod capacity ran a container");
});

test("kube-node-capacity: a rejection by a node holding its capacity passes; one with room fails, naming the pod", () => {
  // node-1 holds a (running) and b (created, still starting): full, so c is rejected rightly.
  const full = check([
    ev(10, "node-1", "running", "a"),
    ev(20, "node-1", "created", "b"),
    ev(30, "node-1", "rejected", "c"),
  ]);
  assert.is(full.verdict, "pass", full.message);
  assert.match(full.message, "; 1 pods rejected, each by a full node");
  // A container that died and waits out its back-off still holds its place.
  const backoff = check([
    ev(10, "node-1", "running", "a"),
    ev(20, "node-1", "running", "b"),
    ev(25, "node-1", "exited", "b"),
    ev(30, "node-1", "rejected", "c"),
  ]);
  assert.is(backoff.verdict, "pass", backoff.message);
  const room = check([
    ev(10, "node-1", "running", "a"),
    ev(20, "node-1", "running", "b"),
    ev(25, "node-1", "stopped", "b"),
    ev(30, "node-1", "rejected", "c"),
  ]);
  assert.is(room.verdict, "fail");
  assert.is(room.message, "node-1 rejected pod default/web-c at 0.000s holding 1 pods, with room for 2");
  const rebooted = check([
    ev(10, "node-2", "running", "a"),
    { time: 15, node: "node-2", kind: "reboot" },
    ev(20, "node-2", "rejected", "b"),
  ]);
  assert.is(rebooted.verdict, "fail", "a reboot frees the node");
});

test.run();
