// kube-grace-period on hand-written logs: versions, a kubelet's observations, a node's runtime.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { InformerObservation, NodeEvent, ObjectVersion } from "../../core/kube/observations.ts";
import type { Pod } from "../../core/kube/types.ts";
import { kubeLog } from "../../testing/kube/observations.ts";
import { checkGracePeriod, type GracePeriodInput } from "./grace-period.ts";

const KEY = "/registry/pods/default/web";
const pod = (grace?: number): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web",
    namespace: "default",
    uid: "u1",
    ...(grace !== undefined ? { deletionTimestamp: 1, deletionGracePeriodSeconds: grace } : {}),
  },
  spec: { containers: [{ name: "c", image: "i" }], nodeName: "node-1" },
});
const version = (rv: number, grace?: number): ObjectVersion => ({
  time: rv * 1000,
  key: KEY,
  rv,
  object: pod(grace),
  source: "store",
});
const seen = (time: number, rv: number, observer = "node-1#a1/Pod"): InformerObservation => ({
  time,
  observer,
  key: KEY,
  rv,
  event: "MODIFIED",
});
const runs: NodeEvent[] = [
  { time: 100, node: "node-1", kind: "created", uid: "u1" },
  { time: 200, node: "node-1", kind: "running", uid: "u1" },
];
const stopped = (time: number): NodeEvent => ({ time, node: "node-1", kind: "stopped", uid: "u1" });

const input = (o: {
  observed: InformerObservation[];
  events: NodeEvent[];
  lifecycle?: GracePeriodInput["lifecycle"];
  minDriftPpm?: number;
}): GracePeriodInput => ({
  observations: kubeLog({
    nodes: ["node-1"],
    versions: [version(5), version(6, 2), version(7, 1)],
    observed: o.observed,
    nodeEvents: o.events,
  }),
  lifecycle: o.lifecycle ?? [],
  end: 10_000_000,
  minDriftPpm: o.minDriftPpm ?? 0,
});

test("a container stopped within the period its kubelet saw passes; one that ran past it fails", () => {
  const ok = checkGracePeriod(input({ observed: [seen(1_000_000, 6)], events: [...runs, stopped(3_000_000)] }));
  assert.is(ok.verdict, "pass", ok.message);
  assert.match(ok.message, /^1 containers running when their kubelets saw/);
  const late = checkGracePeriod(input({ observed: [seen(1_000_000, 6)], events: [...runs, stopped(3_200_000)] }));
  assert.is(late.verdict, "fail");
  assert.match(
    late.message,
    "the container of pod u1 on node-1 ran until 3200.0ms, 199.0ms past its kill: its kubelet saw it terminating at 1000.0ms, and the earliest period it saw (2 s) ends by 3000.0ms on the slowest clock",
  );
  const never = checkGracePeriod(input({ observed: [seen(1_000_000, 6)], events: runs }));
  assert.match(never.message, /ran on|still ran at the end/);
});

test("a shorter period seen later brings the kill sooner (kubernetes #83916)", () => {
  const observed = [seen(1_000_000, 6), seen(1_500_000, 7)];
  const ok = checkGracePeriod(input({ observed, events: [...runs, stopped(2_500_000)] }));
  assert.is(ok.verdict, "pass", ok.message);
  assert.match(ok.message, /\(1 shortened by a later delete\)/);
  const kept = checkGracePeriod(input({ observed, events: [...runs, stopped(3_000_000)] }));
  assert.is(kept.verdict, "fail");
  assert.match(kept.message, /the earliest period it saw \(1 s\) ends by 2500\.0ms/);
  // A shorter period that ends later than the first one changes nothing.
  const lateShort = [seen(1_000_000, 6), seen(2_900_000, 7)];
  assert.is(checkGracePeriod(input({ observed: lateShort, events: [...runs, stopped(3_000_000)] })).verdict, "pass");
});

test("a slow clock, a paused kubelet and a crashed node excuse a late stop; another process's sight does not count", () => {
  const observed = [seen(1_000_000, 6)];
  const events = [...runs, stopped(3_100_000)];
  assert.is(checkGracePeriod(input({ observed, events })).verdict, "fail");
  assert.is(
    checkGracePeriod(input({ observed, events, minDriftPpm: -50_000 })).verdict,
    "pass",
    "2 s on a 5% slow clock",
  );
  const paused: GracePeriodInput["lifecycle"] = [
    { time: 1_200_000, process: "node-1", kind: "pause" },
    { time: 1_400_000, process: "node-1", kind: "resume" },
  ];
  assert.is(checkGracePeriod(input({ observed, events, lifecycle: paused })).verdict, "pass");
  const crashed: GracePeriodInput["lifecycle"] = [{ time: 2_000_000, process: "node-1", kind: "crash" }];
  const reboot: NodeEvent = { time: 6_000_000, node: "node-1", kind: "reboot" };
  assert.is(checkGracePeriod(input({ observed, events: [...runs, reboot], lifecycle: crashed })).verdict, "pass");
  assert.is(checkGracePeriod(input({ observed, events: [...runs, reboot] })).verdict, "fail");
  const other = [seen(1_000_000, 6, "kcm-1#b2/Pod")];
  assert.match(
    checkGracePeriod(input({ observed: other, events: [...runs, stopped(9_000_000)] })).message,
    /^0 containers running/,
  );
});

test("a pod whose container was not running when its kubelet saw the delete is not judged", () => {
  const exited: NodeEvent = { time: 500_000, node: "node-1", kind: "exited", uid: "u1" };
  const r = checkGracePeriod(input({ observed: [seen(1_000_000, 6)], events: [...runs, exited] }));
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^0 containers/);
});

test("no container is created for a pod once its kubelet has seen it terminating", () => {
  const late: NodeEvent[] = [
    { time: 1_500_000, node: "node-1", kind: "created", uid: "u1" },
    { time: 1_600_000, node: "node-1", kind: "running", uid: "u1" },
    stopped(1_700_000),
  ];
  const r = checkGracePeriod(input({ observed: [seen(1_000_000, 6)], events: late }));
  assert.is(r.verdict, "fail");
  assert.is(
    r.message,
    "a container of pod u1 was created on node-1 at 1500.0ms, after its kubelet saw the pod terminating at 1000.0ms",
  );
  // One created before the sight is the one the kill is about.
  assert.is(
    checkGracePeriod(input({ observed: [seen(1_000_000, 6)], events: [...runs, stopped(1_700_000)] })).verdict,
    "pass",
  );
});

test.run();
