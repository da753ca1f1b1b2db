// Seeds that failed the clean build while the decision checks (kube-rollout-decisions and the others that
// rebuild a controller's cache, checkers/kube/cache-view.ts) were being written: each is a way a
// controller's view differs from the simplest reading of the log, kept so the checks stay sound.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../registry.ts";
import { runScenario } from "../runner.ts";

const passes = (scenario: string, seed: number, check: string) => {
  const r = runScenario({ scenario: findScenario(scenario)!, seed });
  const c = r.checks.find((x) => x.name === check)!;
  assert.is(c.verdict, "pass", c.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((x) => x.verdict !== "pass")));
};

test("tenants seed 1: two reconciles of one process in one microsecond, for two Deployments, are two decisions", () => {
  // shop/web and shop-canary/web each created a ReplicaSet named web-z9l2kcgvcq at 0.289 s; judged as one
  // reconcile, the pair summed 4 replicas against the canary's bound of 2 (114 of 200 seeds failed).
  passes("tenants", 1, "kube-rollout-decisions");
});

test("compacted-deletes seed 65: a reconcile may run between two events its informer took in at the same microsecond", () => {
  // The Deployment's scale to 7 and then to 2 were delivered at 1.384 s; the reconcile that scaled the
  // ReplicaSet to 7 ran between them, so neither the view before both nor the one after both was its own.
  passes("compacted-deletes", 65, "kube-rollout-decisions");
});

test("controller-conflicts seed 674: a create sent again while the first hung may land from the first decision", () => {
  // The first create of the new ReplicaSet (decided on replicas 15) hung in a paused apiserver; the retry
  // was decided on replicas 5; the one that landed carried 14, the first decision's.
  passes("controller-conflicts", 674, "kube-rollout-decisions");
});

test("controller-conflicts seed 3157: a write two reconciles may have sent does not make the other writes of either wrong", () => {
  // At 5.718 s kcm-2 scaled nginx-zbpszghxfp 1→0 and nginx-88msmdltgc 2→1 (the update of 88msmdltgc lost
  // its race); a later reconcile, on the same base version of 88msmdltgc and a view with one more ready
  // pod, scaled it 2→0, and that update landed. Judged with both landed writes, the first reconcile cut
  // three pods from a view that allowed two.
  passes("controller-conflicts", 3157, "kube-rollout-decisions");
});

test.run();
