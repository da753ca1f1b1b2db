// control-plane-upgrade: the control plane restarted gracefully one process at a time, etcd first.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { resolveRun, runScenario } from "../runner.ts";
import { controlPlaneUpgrade } from "./control-plane-upgrade.ts";

test("the upgrade goes node by node (etcd, apiserver, controller manager, scheduler), one process down at a time", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const { options, faults } = resolveRun(controlPlaneUpgrade, seed);
    const o = options as { members: number; apiservers: number };
    const stops = faults.filter((f) => f.kind === "stop");
    const targets = stops.map((f) => (f as { target: string }).target);
    for (let i = 0; i < targets.length; i++) {
      const kcm = /^kcm-(\d)$/.exec(targets[i]!);
      if (kcm === null) continue;
      const n = Number(kcm[1]);
      if (i + 1 < targets.length)
        assert.is(targets[i + 1], `scheduler-${n}`, `seed ${seed}: its node's scheduler next`);
      if (n <= o.apiservers) assert.is(targets[i - 1], `apiserver-${n}`, `seed ${seed}: its node's apiserver before`);
      if (n <= o.members)
        assert.ok(/^(n\d|@leader)$/.test(targets[i - 2] ?? ""), `seed ${seed}: its node's etcd member first`);
    }
    for (let i = 1; i < stops.length; i++)
      assert.ok(stops[i]!.at > stops[i - 1]!.until!, `seed ${seed}: one process down at a time`);
    assert.ok(targets.filter((t) => /^(n\d|@leader)$/.test(t)).length >= Math.min(o.members, 2), `seed ${seed}`);
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
