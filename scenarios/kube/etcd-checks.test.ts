// The kube scenarios judge the apiservers' etcd traffic with the linearizability and watch checkers:
// a clean seed passes both; an etcd that loses compare-and-swap, or sends progress notifications
// ahead of its events, fails them (and not only the Kubernetes rules).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { BugName } from "../../core/bugs.ts";
import { runScenario } from "../runner.ts";
import { controllerConflicts } from "./scenarios.ts";

const check = (bugs: BugName[], name: string, seed = 1) => {
  const r = runScenario({ scenario: controllerConflicts, seed, bugs });
  const c = r.checks.find((x) => x.name === name);
  assert.ok(c !== undefined, `no ${name} check in ${r.checks.map((x) => x.name).join(", ")}`);
  return c;
};

test("controller-conflicts seed 1: the apiservers' etcd history is linearizable and their watches keep every guarantee", () => {
  const lin = check([], "linearizability");
  assert.is(lin.verdict, "pass", lin.message);
  assert.match(lin.message, /^apiservers' etcd clients: linearizable \(\d+ operations checked/);
  const watch = check([], "watch");
  assert.is(watch.verdict, "pass", watch.message);
  assert.match(watch.message, /^apiservers' etcd watches: \d+ watches/);
});

test("a Txn whose mod_revision compare is ignored makes the apiservers' etcd history non-linearizable", () => {
  const lin = check(["mvcc-txn-compare-ignored"], "linearizability");
  assert.is(lin.verdict, "fail");
  assert.match(lin.message, /not linearizable/);
});

test("a progress notification ahead of undelivered events fails the watch check on the apiservers' streams (seed 4)", () => {
  const watch = check(["mvcc-watch-progress-ahead"], "watch", 4);
  assert.is(watch.verdict, "fail");
  assert.match(watch.message, /bookmarkable/);
});

test.run();
