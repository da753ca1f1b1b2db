// The pruning hook's contract, per model: when mayBecomeLegal(state, op, others) says false, no
// sequence of the others (each at most once) may lead to a state where op is legal. Checked
// against an exhaustive search over short sequences.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { etcdHistory, etcdPlan, registerHistory, registerPlan } from "./generators.ts";
import { etcdModel } from "./models/etcd/model.ts";
import { prepareEtcdHistory } from "./models/etcd/prepare.ts";
import { kvInput, kvMapModel, kvModel, kvOutput, type KvOperation } from "./models/kv.ts";
import { registerModel } from "./models/register.ts";
import type { Model, Operation } from "./types.ts";

/** Can some sequence of `others` (each at most once, `op` excluded) reach a state where `op` is legal? */
function reachable<S, I, O>(
  model: Model<S, I, O>,
  state: S,
  op: Operation<I, O>,
  others: readonly Operation<I, O>[],
): boolean {
  if (model.step(state, op.input, op.output)[0]) return true;
  for (let i = 0; i < others.length; i++) {
    const o = others[i]!;
    if (o === op) continue;
    const [ok, next] = model.step(state, o.input, o.output);
    if (
      ok &&
      reachable(
        model,
        next,
        op,
        others.filter((_, j) => j !== i),
      )
    )
      return true;
  }
  return false;
}

/** Runs a prefix of `ops` from init, then asks the hook about each remaining op against the rest. */
function contractHolds<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  prefixLength: number,
): { asked: number; pruned: number } {
  let state = model.init();
  for (const o of ops.slice(0, prefixLength)) {
    const [ok, next] = model.step(state, o.input, o.output);
    if (ok) state = next;
  }
  const rest = ops.slice(prefixLength);
  let asked = 0;
  let pruned = 0;
  for (const op of rest) {
    if (op.return === Infinity) continue;
    asked++;
    if (model.mayBecomeLegal!(state, op, rest, rest.length)) continue;
    pruned++;
    if (reachable(model, state, op, rest))
      throw new Error(`hook said never, but a sequence makes ${model.describeOperation?.(op.input, op.output)} legal`);
  }
  return { asked, pruned };
}

test("register: mayBecomeLegal never rules out a reachable operation", () => {
  let pruned = 0;
  fc.assert(
    fc.property(registerPlan, fc.nat(), fc.nat(), (plan, cut, seedShift) => {
      const ops = registerHistory(plan);
      // Shuffle deterministically so the rest is not just the sequential future.
      const rotated = ops.map((_, i) => ops[(i + seedShift) % ops.length]!);
      pruned += contractHolds(registerModel, rotated, cut % (ops.length + 1)).pruned;
      return true;
    }),
    { seed: 11, numRuns: 3000 },
  );
  assert.ok(pruned > 100, `the hook pruned only ${pruned} times: the test says little`);
});

const kvOps = fc.array(
  fc.record({
    f: fc.constantFrom("get", "put", "append"),
    key: fc.constantFrom("x", "y"),
    v: fc.constantFrom("", "a", "b", "ab"),
  }),
  { minLength: 1, maxLength: 7 },
);

function kvHistory(plan: { f: string; key: string; v: string }[]): KvOperation[] {
  return plan.map((p, i) => ({
    clientId: i,
    call: i,
    return: i + 1,
    input: p.f === "get" ? kvInput.get(p.key) : p.f === "put" ? kvInput.put(p.key, p.v) : kvInput.append(p.key, p.v),
    output: p.f === "get" ? kvOutput.value(p.v) : kvOutput.done(),
  }));
}

test("kv: mayBecomeLegal never rules out a reachable operation (per key and as a map)", () => {
  let pruned = 0;
  fc.assert(
    fc.property(kvOps, fc.nat(), (plan, cut) => {
      const ops = kvHistory(plan);
      const sameKey = ops.filter((o) => o.input.key === "x");
      pruned += contractHolds(kvModel, sameKey, cut % (sameKey.length + 1)).pruned;
      pruned += contractHolds(kvMapModel, ops, cut % (ops.length + 1)).pruned;
      return true;
    }),
    { seed: 12, numRuns: 3000 },
  );
  assert.ok(pruned > 100, `the hook pruned only ${pruned} times`);
});

test("etcd: mayBecomeLegal never rules out a reachable operation", () => {
  let pruned = 0;
  fc.assert(
    fc.property(etcdPlan, fc.nat(), fc.nat(), (plan, cut, shift) => {
      const prepared = prepareEtcdHistory(etcdHistory(plan), { boundObservedWrites: false });
      const model = etcdModel(prepared.config);
      const ops = prepared.operations.map((_, i, all) => all[(i + shift) % all.length]!);
      pruned += contractHolds(model, ops, cut % (ops.length + 1)).pruned;
      return true;
    }),
    { seed: 13, numRuns: 2000 },
  );
  assert.ok(pruned > 50, `the hook pruned only ${pruned} times`);
});

test.run();
