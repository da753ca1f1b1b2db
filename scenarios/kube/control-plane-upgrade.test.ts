// control-plane-upgrade: the control plane restarted gracefully one process at a time, etcd first.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { resolveRun, runScenario } from "../runner.ts";
import { controlPlaneUpgrade } from "./control-plane-upgrade.ts";

test("the upgrade stops the etcd members first, then the apiservers, then the controller managers and schedulers, one at a time", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const { options, faults } = resolveRun(controlPlaneUpgrade, seed);
    const stops = faults.filter((f) => f.kind === "stop");
    const rank = (t: string) => (t.startsWith("n") || t === "@leader" ? 0 : t.startsWith("apiserver-") ? 1 : 2);
    const ranks = stops.map((f) => rank((f as { target: string }).target));
    assert.equal(ranks, [...ranks].sort(), `seed ${seed}: kubeadm's order`);
    assert.is(ranks.filter((r) => r === 0).length, options.members, `seed ${seed}: every member stopped once`);
    for (let i = 1; i < stops.length; i++)
      assert.ok(stops[i]!.at > stops[i - 1]!.until!, `seed ${seed}: one process down at a time`);
  }
});

test("seed 1 rides through the upgrade: leadership handed over before each leader's stop, every check passes", () => {
  resetProbes();
  const r = runScenario({ scenario: controlPlaneUpgrade, seed: 1 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const probes = new Map(probeCounts());
  assert.ok((probes.get("etcd.stop-transferred-leadership") ?? 0) > 0, "a leader stopped and handed over");
  assert.match(r.checks.find((c) => c.name === "kube-liveness")!.message, /default\/nginx 4\/4/);
});

test.run();
