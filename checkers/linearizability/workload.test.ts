// Histories at the scale and shape of the simulator's workload (5 clients, 8 keys, the robustness
// traffic mix, 5% of requests timing out): judged within a modest budget, and a stale read hidden
// among a thousand operations is found. Guards the pruning that makes this tractable (revision
// pinning, lazily noticed lease expiry, unknown outcomes that change nothing).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../sim/rng.ts";
import { checkEtcdHistory } from "./check-etcd.ts";
import { injectStaleRead, workloadHistory } from "./generators.ts";

const BUDGET = 300_000;

for (const seed of [1, 2, 3]) {
  const history = workloadHistory(new Rng(seed), { operations: 1000, clients: 5, keys: 8, timeoutRate: 0.05 });

  test(`a 1000-operation workload history is linearizable within the budget (seed ${seed})`, () => {
    assert.ok(history.filter((o) => o.return === null).length > 30, "the history has unknown outcomes");
    const r = checkEtcdHistory(history, { maxSteps: BUDGET });
    assert.is(r.verdict, "pass", r.message);
  });

  test(`a stale read among 1000 operations is found within the budget (seed ${seed})`, () => {
    const bad = injectStaleRead(history, new Rng(seed + 100));
    assert.ok(bad, "the history has a read to make stale");
    const r = checkEtcdHistory(bad, { maxSteps: BUDGET });
    assert.is(r.verdict, "fail", r.message);
    assert.ok(
      r.result.evidence!.stuck.some((s) => s.reason === "rejected" && s.description.startsWith("range(")),
      "the evidence names a read",
    );
  });
}

test.run();
