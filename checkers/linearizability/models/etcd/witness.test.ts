// The etcd fast path (witness.ts): a guessed linearization is accepted only if it is one. Held to
// the definition (replayed through the model, real time checked) and to the search: it never
// answers for an illegal history, and it answers for the histories a correct cluster produces.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { Rng } from "../../../../sim/rng.ts";
import { checkOperations } from "../../engine.ts";
import {
  etcdAnomaly,
  etcdHistory,
  etcdPlan,
  injectEtcdAnomaly,
  injectStaleRead,
  workloadHistory,
} from "../../generators.ts";
import type { Operation } from "../../types.ts";
import { isLinearization, respectsRealTime } from "../../witness.ts";
import { etcdModel } from "./model.ts";
import { prepareEtcdHistory } from "./prepare.ts";
import { guessEtcdLinearization, whyGuessFails } from "./witness.ts";
import type { EtcdOperation } from "../../../../core/history.ts";
import { checkEtcdHistory } from "../../check-etcd.ts";

const BIG = 1e9;

function guess(history: readonly EtcdOperation[]) {
  const prepared = prepareEtcdHistory(history);
  const model = etcdModel(prepared.config);
  const witness = guessEtcdLinearization(model, prepared.operations, prepared.config, BIG);
  return { prepared, model, witness };
}

const op = (call: number, ret: number): Operation<number, number> => ({
  clientId: 0,
  input: 0,
  output: 0,
  call,
  return: ret,
});

test("real time: an operation may not follow one that returned before it was called", () => {
  const ops = [op(0, 10), op(20, 30)];
  assert.ok(respectsRealTime(ops, [0, 1]));
  assert.not.ok(respectsRealTime(ops, [1, 0]));
  // Overlapping or touching intervals are concurrent: either order.
  const touching = [op(0, 10), op(10, 20)];
  assert.ok(respectsRealTime(touching, [1, 0]));
  // An unknown return never bounds anything.
  assert.ok(respectsRealTime([op(0, Infinity), op(5, 6)], [1, 0]));
  assert.not.ok(respectsRealTime([op(0, Infinity), op(5, 6)], [0, 1, 1]), "not a permutation");
  assert.not.ok(respectsRealTime([op(0, Infinity), op(5, 6)], [1, 1]), "not a permutation");
});

test("a guess is accepted only if it is a linearization the search also finds (generated histories, anomalies included)", () => {
  const counts = { guessed: 0, searchOk: 0, illegal: 0 };
  fc.assert(
    fc.property(etcdPlan, etcdAnomaly, (plan, anomaly) => {
      const history = injectEtcdAnomaly(etcdHistory(plan), anomaly);
      const { prepared, model, witness } = guess(history);
      const searched = checkOperations(model, prepared.operations);
      if (searched.verdict === "ok") counts.searchOk++;
      if (searched.verdict === "illegal") counts.illegal++;
      if (!witness) return true;
      counts.guessed++;
      return isLinearization(model, prepared.operations, witness.order) && searched.verdict === "ok";
    }),
    { seed: 21, numRuns: 1500 },
  );
  assert.ok(counts.illegal > 150, `only ${counts.illegal} illegal histories`);
  // The fast path answers for most linearizable histories.
  assert.ok(counts.guessed > counts.searchOk * 0.8, JSON.stringify(counts));
});

test("the guess answers for nearly every sequential execution (a miss only costs the search)", () => {
  let misses = 0;
  fc.assert(
    fc.property(etcdPlan, (plan) => {
      const { prepared, model, witness } = guess(etcdHistory(plan));
      if (!witness) {
        misses++;
        return true;
      }
      return isLinearization(model, prepared.operations, witness.order);
    }),
    { seed: 22, numRuns: 500 },
  );
  assert.ok(misses < 25, `${misses} of 500 missed`);
});

for (const seed of [1, 2, 3]) {
  const history = workloadHistory(new Rng(seed), { operations: 1000, clients: 5, keys: 8, timeoutRate: 0.05 });

  test(`a 1000-operation workload history with timeouts is guessed in about one step per operation (seed ${seed})`, () => {
    const { prepared, model, witness } = guess(history);
    assert.ok(witness, whyGuessFails(model, prepared.operations, prepared.config, BIG));
    assert.ok(isLinearization(model, prepared.operations, witness!.order));
    assert.ok(witness!.steps < 2 * prepared.operations.length, `${witness!.steps} steps`);
    const r = checkEtcdHistory(history);
    assert.is(r.verdict, "pass");
    assert.is(r.result.steps, witness!.steps);
    assert.is(r.result.linearization!.length, prepared.operations.length);
  });

  test(`a stale read among 1000 operations defeats the guess; the search explains it (seed ${seed})`, () => {
    const bad = injectStaleRead(history, new Rng(seed + 100))!;
    assert.is(guess(bad).witness, undefined);
    assert.is(checkEtcdHistory(bad).verdict, "fail");
  });
}

test("the guess respects the step budget: over it, the search decides (and says unknown)", () => {
  const history = workloadHistory(new Rng(7), { operations: 300, clients: 5, keys: 8, timeoutRate: 0.05 });
  const { prepared, model } = guess(history);
  assert.is(guessEtcdLinearization(model, prepared.operations, prepared.config, 10), undefined);
  assert.is(whyGuessFails(model, prepared.operations, prepared.config, 10), "budget");
  assert.is(checkEtcdHistory(history, { maxSteps: 10 }).verdict, "unknown");
});

test.run();
