// The kv, independent and set models: the fast checker (partitions, pruning, dropped unobservable
// writes, twin unknown operations) agrees with the brute-force reference on small generated
// histories — sequential executions with random overlapping intervals and unknown outcomes, then
// one perturbed result — like agreement.test.ts does for the register and etcd models.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { bruteForceLinearizable } from "./brute.ts";
import { checkOperations } from "./engine.ts";
import { independentModel, type IndependentOperation } from "./models/independent.ts";
import { kvInput, kvModel, kvOutput, type KvOperation } from "./models/kv.ts";
import { registerInput, registerOutput } from "./models/register.ts";
import { setInput, setModel, setOutput, type SetOperation } from "./models/set.ts";
import type { Model, Operation } from "./types.ts";

const RUNS = 1500;

interface Step {
  kind: number;
  key: number;
  value: number;
  before: number;
  after: number;
  unknown: boolean;
  applied: boolean;
}
const step = fc.record({
  kind: fc.integer({ min: 0, max: 2 }),
  key: fc.integer({ min: 0, max: 1 }),
  value: fc.integer({ min: 0, max: 2 }),
  before: fc.integer({ min: 0, max: 25 }),
  after: fc.integer({ min: 0, max: 25 }),
  unknown: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  applied: fc.boolean(),
});
const plan = fc.array(step, { minLength: 1, maxLength: 8 });
const perturb = fc.record({ index: fc.nat(), to: fc.integer({ min: 0, max: 3 }) });

/** Runs `plan` sequentially: `exec` gives each step's input and output and applies it to the state. */
function history<I, O>(
  p: readonly Step[],
  exec: (s: Step, apply: boolean) => { input: I; output: O; write: boolean },
  unknown: () => O,
): Operation<I, O>[] {
  return p.map((s, i) => {
    const point = 10 * i + 10;
    const known = { call: point - s.before, return: point + s.after, clientId: i };
    const r = exec(s, !s.unknown || s.applied);
    if (s.unknown && r.write) return { ...known, return: Infinity, input: r.input, output: unknown() };
    return { ...known, input: r.input, output: r.output };
  });
}

function agree<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], verdicts: Record<string, number>): boolean {
  const fast = checkOperations(model, ops).verdict;
  verdicts[fast] = (verdicts[fast] ?? 0) + 1;
  // The reference checks each key on its own: the models' state is one key's.
  const parts = model.partition ? model.partition(ops) : [ops];
  return fast === (parts.every((p) => bruteForceLinearizable(model, p)) ? "ok" : "illegal");
}

test("kv (get / put / append, two keys, values that concatenate into each other) agrees with brute force", () => {
  const verdicts: Record<string, number> = {};
  const words = ["a", "b", "ab"];
  fc.assert(
    fc.property(plan, perturb, (p, x) => {
      const state = ["", ""];
      const ops: KvOperation[] = history(
        p,
        (s, apply) => {
          const key = String(s.key);
          if (s.kind === 0) return { input: kvInput.get(key), output: kvOutput.value(state[s.key]!), write: false };
          const v = words[s.value]!;
          if (apply) state[s.key] = s.kind === 1 ? v : state[s.key]! + v;
          return {
            input: s.kind === 1 ? kvInput.put(key, v) : kvInput.append(key, v),
            output: kvOutput.done(),
            write: true,
          };
        },
        kvOutput.unknown,
      );
      const gets = ops.filter((o) => o.input.f === 0);
      if (gets.length > 0 && x.to > 0) {
        const g = gets[x.index % gets.length]!;
        g.output = kvOutput.value(x.to === 1 ? g.output.value + "a" : x.to === 2 ? "b" : "");
      }
      return agree(kvModel, ops, verdicts);
    }),
    { seed: 11, numRuns: RUNS },
  );
  assert.is(verdicts.unknown, undefined);
  assert.ok((verdicts.illegal ?? 0) > RUNS / 10 && (verdicts.ok ?? 0) > RUNS / 10, JSON.stringify(verdicts));
});

test("independent (a register per key) agrees with brute force", () => {
  const verdicts: Record<string, number> = {};
  fc.assert(
    fc.property(plan, perturb, (p, x) => {
      const state: (number | null)[] = [null, null];
      const ops: IndependentOperation[] = history(
        p,
        (s, apply) => {
          const key = String(s.key);
          if (s.kind === 0)
            return {
              input: { ...registerInput.read(), key },
              output: registerOutput.read(state[s.key]!),
              write: false,
            };
          if (s.kind === 1) {
            if (apply) state[s.key] = s.value;
            return { input: { ...registerInput.write(s.value), key }, output: registerOutput.written(), write: true };
          }
          const matches = state[s.key] === s.value;
          if (apply && matches) state[s.key] = (s.value + 1) % 3;
          return {
            input: { ...registerInput.cas(s.value, (s.value + 1) % 3), key },
            output: registerOutput.cas(matches),
            write: true,
          };
        },
        registerOutput.unknown,
      );
      const reads = ops.filter((o) => o.input.f === 0);
      if (reads.length > 0 && x.to > 0)
        reads[x.index % reads.length]!.output = registerOutput.read(x.to === 3 ? null : x.to);
      return agree(independentModel, ops, verdicts);
    }),
    { seed: 12, numRuns: RUNS },
  );
  assert.is(verdicts.unknown, undefined);
  assert.ok((verdicts.illegal ?? 0) > RUNS / 10 && (verdicts.ok ?? 0) > RUNS / 10, JSON.stringify(verdicts));
});

test("set (add / read) agrees with brute force", () => {
  const verdicts: Record<string, number> = {};
  fc.assert(
    fc.property(plan, perturb, (p, x) => {
      const state = new Set<string>();
      const ops: SetOperation[] = history(
        p,
        (s, apply) => {
          if (s.kind === 0) return { input: setInput.read(), output: setOutput.read([...state]), write: false };
          if (apply) state.add(String(s.value));
          return { input: setInput.add(String(s.value)), output: setOutput.done(), write: true };
        },
        setOutput.unknown,
      );
      const reads = ops.filter((o) => o.input.f === 1);
      if (reads.length > 0 && x.to > 0) {
        const r = reads[x.index % reads.length]!;
        const e = String(x.to - 1);
        r.output = setOutput.read(
          r.output.elements.includes(e) ? r.output.elements.filter((y) => y !== e) : [...r.output.elements, e],
        );
      }
      return agree(setModel, ops, verdicts);
    }),
    { seed: 13, numRuns: RUNS },
  );
  assert.is(verdicts.unknown, undefined);
  assert.ok((verdicts.illegal ?? 0) > RUNS / 10 && (verdicts.ok ?? 0) > RUNS / 10, JSON.stringify(verdicts));
});

test.run();
