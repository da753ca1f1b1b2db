// container-crashes: containers killed again and again, now and then a node's reboot; a pod that ran
// stays Running while its container restarts, whatever took it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runScenario } from "../runner.ts";
import { containerCrashes } from "./container-crashes.ts";

const check = (r: ReturnType<typeof runScenario>, name: string) => r.checks.find((c) => c.name === name)!;
const failing = (r: ReturnType<typeof runScenario>) => JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"));

test("container-crashes seed 1 (regression): a pod that ran stays Running through its node's reboot", () => {
  // Found when kube-binding began judging phases: the rebooted node's kubelet counted its containers from
  // nothing and wrote Pending over Running (node-failures seed 1 did the same).
  const r = runScenario({ scenario: containerCrashes, seed: 1 });
  assert.is(check(r, "kube-binding").verdict, "pass", check(r, "kube-binding").message);
  assert.is(r.verdict, "pass", failing(r));
});

test("container-crashes seed 1: a kubelet that counts its containers from nothing after a reboot reports a pod that ran Pending", () => {
  const r = runScenario({ scenario: containerCrashes, seed: 1, bugs: ["kube-kubelet-reboot-resets-phase"] });
  const c = check(r, "kube-binding");
  assert.is(c.verdict, "fail");
  assert.match(c.message, /\(uid [^)]+\) Running at rv \d+, then Pending at rv \d+: a pod that ran stays Running/);
});

test.run();
