// kube-container-kills on hand-written node event logs.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { NodeEvent } from "../../core/kube/observations.ts";
import { checkContainerKills } from "./container-kills.ts";

const log: NodeEvent[] = [
  { time: 10, node: "node-1", kind: "created", uid: "a" },
  { time: 20, node: "node-1", kind: "running", uid: "a" },
  { time: 30, node: "node-2", kind: "created", uid: "b" },
  { time: 40, node: "node-2", kind: "running", uid: "b" },
  // a kill reaches node-1 here (at = 4)
  { time: 50, node: "node-1", kind: "exited", uid: "a" },
  { time: 60, node: "node-1", kind: "report", uid: "a", ready: false },
];

test("a kill that ends a running container at once passes; one that finds none running asks nothing", () => {
  const r = checkContainerKills(log, [
    { time: 50, node: "node-1", at: 4 },
    // node-1 runs nothing after its container exited: the kill has nothing to end
    { time: 70, node: "node-1", at: 6 },
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /2 container-kills delivered; each of the 1 that found a container running/);
});

test("a kill a node ignored while it ran a container fails", () => {
  const ignored = log.filter((e) => e.kind !== "exited" && e.kind !== "report");
  const r = checkContainerKills(ignored, [{ time: 50, node: "node-1", at: 4 }]);
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    /a container-kill reached node-1 at 0.1ms while it ran 1 container \(a\), and nothing followed/,
  );
});

test("the exit must be the killed node's, of a container that ran, and come next", () => {
  const otherNode = checkContainerKills(log, [{ time: 50, node: "node-2", at: 4 }]);
  assert.is(otherNode.verdict, "fail");
  assert.match(otherNode.message, /reached node-2 .* the next node event was node-1's exited/);
  const notRunning: NodeEvent[] = [
    { time: 10, node: "node-1", kind: "created", uid: "a" },
    { time: 50, node: "node-1", kind: "exited", uid: "a" },
  ];
  // A container still starting is not one a kill can end: nothing is asked.
  assert.is(checkContainerKills(notRunning, [{ time: 50, node: "node-1", at: 1 }]).verdict, "pass");
  // A reboot leaves nothing running.
  const rebooted: NodeEvent[] = [...log.slice(0, 4), { time: 45, node: "node-1", kind: "reboot" }];
  assert.is(checkContainerKills(rebooted, [{ time: 50, node: "node-1", at: 5 }]).verdict, "pass");
});

test.run();
