// LeaseTimeToLive under leader changes: kv-chaos seed 1810 has a leader demoted while a TimeToLive
// waited for its apply (BUGGIFY slow-apply stalls the apply loop while a higher term arrives). The clean
// member refuses it (etcd's ErrLeaderChanged since PR #17642) and the client asks the new leader; the
// mutant answers from the demoted lessor, whose leases never expire (TTL 9223372036), and lease-safety
// fails it. The mutant is this rare (4 of kv-chaos seeds 1..4000), so this seed holds it in CI.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { findScenario } from "../registry.ts";
import { runScenario } from "../runner.ts";

test("kv-chaos seed 1810: a TimeToLive overtaken by its leader's demotion is refused, and the mutant's answer from the demoted lessor fails lease-safety", () => {
  resetProbes();
  const clean = runScenario({ scenario: findScenario("kv-chaos")!, seed: 1810 });
  assert.is(clean.verdict, "pass", JSON.stringify(clean.checks.filter((c) => c.verdict !== "pass")));
  assert.ok(
    (new Map(probeCounts()).get("etcd.timetolive-leader-changed") ?? 0) > 0,
    "the demotion overtook a TimeToLive",
  );
  const bad = runScenario({ scenario: findScenario("kv-chaos")!, seed: 1810, bugs: ["etcd-lease-ttl-after-demote"] });
  const safety = bad.checks.find((c) => c.name === "lease-safety")!;
  assert.is(safety.verdict, "fail");
  assert.match(safety.message, "9223372036s");
});

test.run();
