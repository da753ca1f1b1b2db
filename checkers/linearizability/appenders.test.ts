// One key, many concurrent appenders (Porcupine's kv logs: every written value a distinct token
// like "x 3 7 y"): the order a get's result fixes (kv precedence) holds in every legal
// linearization, and the fast checker agrees with brute force on such histories, linearizable
// ones and ones with a read corrupted (two appended values swapped, one dropped, one added).
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { bruteForceLinearizable } from "./brute.ts";
import { checkOperations } from "./engine.ts";
import { kvInput, kvModel, kvOutput, type KvOperation } from "./models/kv.ts";
import { parsePorcupineKv } from "./parse/porcupine-kv.ts";
import { kvSeriesHistory, type SeriesShape } from "./series.ts";
import type { Model, Operation } from "./types.ts";

interface Step {
  kind: number; // 0 get, 1 put, 2..4 append
  before: number;
  after: number;
  unknown: boolean;
  applied: boolean;
}
const step = fc.record({
  kind: fc.integer({ min: 0, max: 4 }),
  before: fc.integer({ min: 0, max: 40 }),
  after: fc.integer({ min: 0, max: 40 }),
  unknown: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  applied: fc.boolean(),
});
const plan = fc.array(step, { minLength: 2, maxLength: 9 });
const corruption = fc.record({ read: fc.nat(), how: fc.integer({ min: 0, max: 3 }) });

/** A sequential execution with overlapping intervals (points 10 apart): many appenders at once. */
function history(p: readonly Step[]): KvOperation[] {
  let state = "";
  return p.map((s, i) => {
    const point = 10 * i + 10;
    const timing = { clientId: i, call: point - s.before, return: point + s.after };
    if (s.kind === 0) return { ...timing, input: kvInput.get("k"), output: kvOutput.value(state) };
    const token = `x${i}y`;
    if (!s.unknown || s.applied) state = s.kind === 1 ? token : state + token;
    const input = s.kind === 1 ? kvInput.put("k", token) : kvInput.append("k", token);
    return s.unknown
      ? { ...timing, return: Infinity, input, output: kvOutput.unknown() }
      : { ...timing, input, output: kvOutput.done() };
  });
}

/** 0: leave it; 1: swap the last two tokens of a get's result; 2: drop its first token; 3: add a token no one wrote. */
function corrupt(ops: KvOperation[], c: { read: number; how: number }): void {
  const gets = ops.filter((o) => o.input.f === 0);
  if (gets.length === 0 || c.how === 0) return;
  const g = gets[c.read % gets.length]!;
  const tokens: string[] = g.output.value.match(/x\d+y/g) ?? [];
  if (c.how === 1 && tokens.length >= 2) tokens.push(...tokens.splice(tokens.length - 2, 1));
  else if (c.how === 2 && tokens.length >= 1) tokens.shift();
  else tokens.push("x99y");
  g.output = kvOutput.value(tokens.join(""));
}

/** Every legal order (unknown outcomes optional) of a small history, respecting real time. */
function allLinearizations<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): number[][] {
  const out: number[][] = [];
  const order: number[] = [];
  const placed = new Array<boolean>(ops.length).fill(false);
  const known = ops.filter((o) => o.return !== Infinity).length;
  const go = (state: S, placedKnown: number): void => {
    if (placedKnown === known) out.push([...order]);
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      if (ops.some((o, j) => j !== i && !placed[j] && o.return < ops[i]!.call)) continue;
      const [ok, next] = model.step(state, ops[i]!.input, ops[i]!.output);
      if (!ok) continue;
      placed[i] = true;
      order.push(i);
      go(next, placedKnown + (ops[i]!.return !== Infinity ? 1 : 0));
      order.pop();
      placed[i] = false;
    }
  };
  go(model.init(), 0);
  return out;
}

test("the order a get's result fixes holds in every legal linearization", () => {
  let pairs = 0;
  let deadlines = 0;
  fc.assert(
    fc.property(plan, (p) => {
      const ops = history(p);
      const { before, mustHappenBy } = kvModel.precedence!(ops);
      const all = allLinearizations(kvModel, ops);
      assert.ok(all.length > 0, "a sequential execution is linearizable");
      for (let k = 0; k < before.length; k += 2) {
        const [a, b] = [before[k]!, before[k + 1]!];
        pairs++;
        for (const order of all)
          assert.ok(order.includes(a) && order.indexOf(a) < order.indexOf(b), `${a} before ${b} fails in ${order}`);
      }
      // a write with an unknown outcome that must have happened is in every order, before an operation returning by then
      for (let u = 0; u < ops.length; u++) {
        const t = mustHappenBy?.[u] ?? Infinity;
        if (t === Infinity) continue;
        deadlines++;
        for (const order of all) {
          const at = order.indexOf(u);
          assert.ok(at >= 0, `${u} must happen, but ${order} leaves it out`);
          // placed before every known operation called after t (those must follow it in real time)
          for (const later of order.slice(0, at))
            assert.ok(!(ops[later]!.call > t), `${u} after ${later}, called after ${t}`);
        }
      }
      return true;
    }),
    { seed: 21, numRuns: 1500 },
  );
  assert.ok(pairs > 1000, `only ${pairs} pairs checked`);
  assert.ok(deadlines > 50, `only ${deadlines} unknown writes that must happen`);
});

test("one key, many appenders: the checker agrees with brute force, corrupted reads included", () => {
  const verdicts: Record<string, number> = {};
  fc.assert(
    fc.property(plan, corruption, (p, c) => {
      const ops = history(p);
      corrupt(ops, c);
      const fast = checkOperations(kvModel, ops).verdict;
      verdicts[fast] = (verdicts[fast] ?? 0) + 1;
      return fast === (bruteForceLinearizable(kvModel, ops) ? "ok" : "illegal");
    }),
    { seed: 22, numRuns: 4000 },
  );
  assert.is(verdicts.unknown, undefined);
  assert.ok((verdicts.illegal ?? 0) > 600 && (verdicts.ok ?? 0) > 600, JSON.stringify(verdicts));
});

test("a read that swaps two appended values another read saw in order is refuted without a search", () => {
  // three appends at once; one get sees a b c, a later one c-less b a: no order explains both
  const t = (
    clientId: number,
    call: number,
    ret: number,
    input: KvOperation["input"],
    output: KvOperation["output"],
  ): KvOperation => ({ clientId, call, return: ret, input, output });
  const ops = [
    t(0, 0, 30, kvInput.append("k", "xay"), kvOutput.done()),
    t(1, 0, 30, kvInput.append("k", "xby"), kvOutput.done()),
    t(2, 0, 30, kvInput.append("k", "xcy"), kvOutput.done()),
    t(3, 35, 40, kvInput.get("k"), kvOutput.value("xayxbyxcy")),
    t(4, 45, 50, kvInput.get("k"), kvOutput.value("xayxcyxby")),
  ];
  const r = checkOperations(kvModel, ops);
  assert.is(r.verdict, "illegal");
  assert.is(bruteForceLinearizable(kvModel, ops), false);
  assert.is(checkOperations(kvModel, ops.slice(0, 4)).verdict, "ok");
});

test("one key, 20 and 50 clients, 1,000 operations, pending writes: decided as generated", () => {
  // kv-c20-k1-n1000-p15-ok-s7 once came out illegal (a cache of append values kept across frames)
  for (const [clients, pending, seed] of [
    [20, 0.15, 7],
    [50, 0.05, 7],
    [20, 0.1, 1],
  ] as const) {
    for (const variant of ["ok", "swap", "phantom"] as const) {
      const shape: SeriesShape = {
        model: "kv",
        clients,
        keys: 1,
        operations: 1000,
        pending,
        seed,
        linearizable: variant === "ok",
        ...(variant === "swap" ? { corruption: "swap" as const } : {}),
      };
      const ops = parsePorcupineKv(kvSeriesHistory(shape));
      const r = checkOperations(kvModel, ops, { evidence: false, maxSteps: 2_000_000 });
      assert.is(
        r.verdict,
        variant === "ok" ? "ok" : "illegal",
        `${clients} clients, ${pending} pending, seed ${seed}, ${variant}`,
      );
    }
  }
});

test.run();
