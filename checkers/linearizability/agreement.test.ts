// The fast checker agrees with the brute-force reference (every real-time-consistent order, unknown
// outcomes optional) on thousands of small generated histories: linearizable ones from sequential
// executions with random overlapping intervals, and ones with an injected anomaly.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { bruteForceLinearizable } from "./brute.ts";
import { checkEtcdHistory } from "./check-etcd.ts";
import { checkOperations } from "./engine.ts";
import {
  etcdAnomaly,
  etcdHistory,
  etcdPlan,
  injectEtcdAnomaly,
  injectRegisterAnomaly,
  registerAnomaly,
  registerHistory,
  registerPlan,
} from "./generators.ts";
import { etcdModel } from "./models/etcd/model.ts";
import { prepareEtcdHistory } from "./models/etcd/prepare.ts";
import { registerModel } from "./models/register.ts";
import { searchLinearization } from "./search.ts";

const RUNS = 5000;

test("register histories from a sequential execution are linearizable", () => {
  fc.assert(
    fc.property(registerPlan, (plan) => {
      const ops = registerHistory(plan);
      return checkOperations(registerModel, ops).verdict === "ok" && bruteForceLinearizable(registerModel, ops);
    }),
    { seed: 1, numRuns: 500 },
  );
});

test("the register checker agrees with brute force, anomalies included", () => {
  const verdicts = { ok: 0, illegal: 0, unknown: 0 };
  fc.assert(
    fc.property(registerPlan, registerAnomaly, (plan, anomaly) => {
      const ops = injectRegisterAnomaly(registerHistory(plan), anomaly);
      const fast = checkOperations(registerModel, ops).verdict;
      verdicts[fast]++;
      return fast === (bruteForceLinearizable(registerModel, ops) ? "ok" : "illegal");
    }),
    { seed: 2, numRuns: RUNS },
  );
  assert.is(verdicts.unknown, 0);
  // The anomalies must actually produce both verdicts, or the agreement says little.
  assert.ok(verdicts.illegal > RUNS / 8, `only ${verdicts.illegal} illegal histories`);
  assert.ok(verdicts.ok > RUNS / 8, `only ${verdicts.ok} linearizable histories`);
});

test("merging known-return twins (same write, same result) from the first step agrees with brute force", () => {
  const verdicts = { ok: 0, illegal: 0, unknown: 0 };
  fc.assert(
    fc.property(registerPlan, registerAnomaly, (plan, anomaly) => {
      const ops = injectRegisterAnomaly(registerHistory(plan), anomaly);
      const fast = searchLinearization(registerModel, ops, {
        maxSteps: 1_000_000,
        progressEvery: 1 << 30,
        stepsBefore: 0,
        twinSteps: 0,
      }).verdict;
      verdicts[fast]++;
      return fast === (bruteForceLinearizable(registerModel, ops) ? "ok" : "illegal");
    }),
    { seed: 5, numRuns: RUNS },
  );
  assert.is(verdicts.unknown, 0);
  assert.ok(verdicts.illegal > RUNS / 8 && verdicts.ok > RUNS / 8, JSON.stringify(verdicts));
});

test("etcd histories from a sequential execution are linearizable", () => {
  fc.assert(
    fc.property(etcdPlan, (plan) => {
      const r = checkEtcdHistory(etcdHistory(plan));
      if (r.verdict !== "pass") throw new Error(r.message);
      return true;
    }),
    { seed: 3, numRuns: 500 },
  );
});

test("the etcd checker agrees with brute force, anomalies included", () => {
  const verdicts = { pass: 0, fail: 0, unknown: 0 };
  fc.assert(
    fc.property(etcdPlan, etcdAnomaly, (plan, anomaly) => {
      const history = injectEtcdAnomaly(etcdHistory(plan), anomaly);
      const fast = checkEtcdHistory(history).verdict;
      verdicts[fast]++;
      // The reference sees the history without the observed-write bound, so that shortcut is judged too.
      const prepared = prepareEtcdHistory(history, { boundObservedWrites: false });
      const brute = bruteForceLinearizable(etcdModel(prepared.config), prepared.operations);
      return fast === (brute ? "pass" : "fail");
    }),
    { seed: 4, numRuns: RUNS },
  );
  assert.is(verdicts.unknown, 0);
  assert.ok(verdicts.fail > RUNS / 8, `only ${verdicts.fail} illegal histories`);
  assert.ok(verdicts.pass > RUNS / 8, `only ${verdicts.pass} linearizable histories`);
});

test.run();
