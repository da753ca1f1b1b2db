// watch-cache: the apiservers' caches are reached where they matter (a window that expires, a list or
// watch that waits for a lagging cache, a cache that loses its etcd watch), every informer relists "not
// older than" what it saw, and the mutant reflector that relists at "0" goes back in time.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { runScenario } from "../runner.ts";
import { watchCache } from "./watch-cache.ts";

test("watch-cache seeds 1..3 pass and reach every path of the cache and of the informers' relists", () => {
  resetProbes();
  for (let seed = 1; seed <= 3; seed++) {
    const r = runScenario({ scenario: watchCache, seed });
    assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  }
  const counts = new Map(probeCounts());
  const missed = [
    "kube.watch-cache-too-old",
    "kube.watch-cache-wait",
    "kube.watch-cache-reinitialized",
    "kube.informer-relist-after-410",
    "kube.informer-relist-after-watch-timeout",
    "kube.informer-relist-not-older",
    "kube.watch-cache-consistent-read",
  ].filter((p) => !((counts.get(p) ?? 0) > 0));
  assert.equal(missed, []);
});

test('the reflector that relists at "0" goes back in time through a lagging cache (seed 31), where the clean one waits', () => {
  const bad = runScenario({ scenario: watchCache, seed: 31, bugs: ["kube-reflector-relists-from-zero"] });
  const check = bad.checks.find((c) => c.name === "kube-informer-reliable");
  assert.is(check?.verdict, "fail");
  assert.match(check!.message, "went back in time: it relisted at rv");
  const clean = runScenario({ scenario: watchCache, seed: 31 });
  assert.match(
    clean.checks.find((c) => c.name === "kube-informer-reliable")!.message,
    /[1-9][0-9]* relists, none behind/,
  );
});

test.run();
