// The search engine: real-time order, unknown outcomes, partitions, the step budget, evidence.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AssertionFailure } from "../../core/assert.ts";
import { corpusDir } from "./corpus.ts";
import { checkOperations } from "./engine.ts";
import { kvInput, kvModel, kvOutput, type KvOperation } from "./models/kv.ts";
import {
  registerInput as In,
  registerModel,
  registerOutput as Out,
  type RegisterOperation,
} from "./models/register.ts";
import { determinize } from "./nondeterministic.ts";
import { parsePorcupineEtcd } from "./parse/porcupine-etcd.ts";
import type { NondeterministicModel, Operation } from "./types.ts";

const op = (
  clientId: number,
  call: number,
  ret: number,
  input: RegisterOperation["input"],
  output: RegisterOperation["output"],
): RegisterOperation => ({
  clientId,
  call,
  return: ret,
  input,
  output,
});
const check = (ops: RegisterOperation[]) => checkOperations(registerModel, ops);

test("an empty history is linearizable", () => {
  assert.is(check([]).verdict, "ok");
});

test("a read that returns before a write is called cannot see it", () => {
  assert.is(check([op(0, 0, 1, In.read(), Out.read(1)), op(1, 2, 3, In.write(1), Out.written())]).verdict, "illegal");
});

test("overlapping operations may take effect in either order", () => {
  assert.is(check([op(0, 0, 10, In.read(), Out.read(1)), op(1, 2, 3, In.write(1), Out.written())]).verdict, "ok");
  assert.is(check([op(0, 0, 10, In.read(), Out.read(null)), op(1, 2, 3, In.write(1), Out.written())]).verdict, "ok");
});

test("touching intervals (a return at the same time as a call) count as concurrent", () => {
  assert.is(check([op(0, 0, 5, In.read(), Out.read(1)), op(1, 5, 6, In.write(1), Out.written())]).verdict, "ok");
});

test("an operation with an unknown outcome may take effect long after its call", () => {
  const ops = [
    op(0, 0, Infinity, In.write(1), Out.unknown()),
    op(1, 10, 11, In.read(), Out.read(null)),
    op(1, 20, 21, In.read(), Out.read(1)),
  ];
  assert.is(check(ops).verdict, "ok");
});

test("an operation with an unknown outcome may never take effect", () => {
  const ops = [op(0, 0, Infinity, In.write(1), Out.unknown()), op(1, 10, 11, In.read(), Out.read(null))];
  assert.is(check(ops).verdict, "ok");
});

test("an operation with an unknown outcome cannot take effect before its call", () => {
  const ops = [op(1, 0, 1, In.read(), Out.read(1)), op(0, 5, Infinity, In.write(1), Out.unknown())];
  assert.is(check(ops).verdict, "illegal");
});

test("an operation with an unknown outcome takes effect at most once", () => {
  const ops = [
    op(0, 0, Infinity, In.write(1), Out.unknown()),
    op(1, 10, 11, In.read(), Out.read(1)),
    op(1, 12, 13, In.write(2), Out.written()),
    op(1, 14, 15, In.read(), Out.read(1)),
    op(1, 16, 17, In.read(), Out.read(2)),
  ];
  assert.is(check(ops).verdict, "illegal");
});

test("a linearizable history comes with a witness order that respects real time and the model", () => {
  const ops = [
    op(0, 0, 10, In.write(1), Out.written()),
    op(1, 1, 12, In.cas(1, 2), Out.cas(true)),
    op(2, 11, 20, In.read(), Out.read(2)),
    op(3, 2, 3, In.read(), Out.read(null)),
  ];
  const r = check(ops);
  assert.is(r.verdict, "ok");
  const order = r.linearization!;
  assert.equal([...order].sort(), [0, 1, 2, 3]);
  let state = registerModel.init();
  order.forEach((i, pos) => {
    const [ok, next] = registerModel.step(state, ops[i]!.input, ops[i]!.output);
    assert.ok(ok, `step ${pos} is legal`);
    state = next;
    for (const later of order.slice(pos + 1)) assert.not.ok(ops[later]!.return < ops[i]!.call, "real-time order kept");
  });
});

test("evidence names the longest linearizable prefix and the operations that cannot follow it", () => {
  const ops = [
    op(0, 0, 1, In.write(1), Out.written()),
    op(1, 2, 3, In.read(), Out.read(2)),
    op(2, 4, 5, In.write(3), Out.written()),
  ];
  const r = check(ops);
  assert.is(r.verdict, "illegal");
  const e = r.evidence!;
  assert.equal(
    e.longestPrefix.map((o) => o.op),
    [0],
  );
  assert.is(e.stateAfterPrefix, "1");
  assert.equal(
    e.stuck.map((o) => [o.op, o.reason]),
    [[1, "rejected"]],
  );
  assert.is(e.stuck[0]!.description, "read() → 2");
  assert.equal(JSON.parse(JSON.stringify(e)), e, "evidence is plain JSON");
});

function kvOp(
  clientId: number,
  call: number,
  ret: number,
  input: KvOperation["input"],
  output: KvOperation["output"],
): KvOperation {
  return { clientId, call, return: ret, input, output };
}

test("partitions are checked smallest first, and checking stops at the first illegal one", () => {
  const bigLegal = [0, 1, 2, 3].map((i) => kvOp(0, 10 * i, 10 * i + 1, kvInput.append("x", "a"), kvOutput.done()));
  const smallIllegal = [kvOp(1, 0, 1, kvInput.get("y"), kvOutput.value("never"))];
  const r = checkOperations(kvModel, [...bigLegal, ...smallIllegal]);
  assert.is(r.verdict, "illegal");
  assert.equal(
    r.partitions.map((p) => [p.index, p.operations, p.verdict, p.skipped ?? false]),
    [
      [0, 4, "unknown", true],
      [1, 1, "illegal", false],
    ],
  );
  assert.is(r.evidence!.partition, 1);
  assert.is(r.evidence!.stuck[0]!.op, 4, "evidence names the operation's index in the whole history");
});

const jepsen = (n: string): RegisterOperation[] =>
  parsePorcupineEtcd(readFileSync(join(corpusDir(), "jepsen", `etcd_${n}.log`), "utf8"));

// etcd_057 is one of the hardest corpus histories left (~9·10^3 steps to refute).
test("a tiny step budget answers unknown on a hard history, the same way every time", () => {
  const ops = jepsen("057");
  const a = checkOperations(registerModel, ops, { maxSteps: 1000 });
  const b = checkOperations(registerModel, ops, { maxSteps: 1000 });
  assert.is(a.verdict, "unknown");
  assert.is(a.steps, 1000);
  assert.equal(a, b);
  assert.is(checkOperations(registerModel, ops).verdict, "illegal", "with the default budget it finishes");
});

test("onProgress can stop the search (how the CLI's --timeout works without a clock in the engine)", () => {
  const calls: number[] = [];
  const r = checkOperations(registerModel, jepsen("057"), {
    progressEvery: 500,
    onProgress: (steps) => {
      calls.push(steps);
      return calls.length === 3;
    },
  });
  assert.is(r.verdict, "unknown");
  assert.equal(calls, [500, 1000, 1500]);
});

test("the budget is per partition: one that runs out does not hide an illegal one after it", () => {
  const hard = jepsen("057"); // 81 operations, needs ~9·10^3 steps
  const illegal = [
    ...Array.from({ length: 80 }, (_, i) => op(1000, 10 * i, 10 * i + 1, In.write(i % 3), Out.written())),
    op(1001, 900, 901, In.read(), Out.read(7)),
  ];
  const byClient = {
    ...registerModel,
    partition: (ops: readonly RegisterOperation[]) => [
      ops.filter((o) => o.clientId < 1000),
      ops.filter((o) => o.clientId >= 1000),
    ],
  };
  const r = checkOperations(byClient, [...hard, ...illegal], { maxSteps: 1000 });
  assert.equal(
    r.partitions.map((p) => [p.operations, p.verdict]),
    [
      [81, "unknown"],
      [81, "illegal"],
    ],
  );
  assert.is(r.verdict, "illegal");
  assert.is(checkOperations(byClient, hard, { maxSteps: 1000 }).verdict, "unknown");
});

test("an operation that returns before its call is rejected as a bug in the input", () => {
  assert.throws(
    () => check([op(0, 5, 4, In.read(), Out.read(null))]),
    (e: unknown) => e instanceof AssertionFailure,
  );
});

// A counter whose increment may add 1 or 2 (nondeterministic); reads return the value.
type CounterIn = { inc: boolean };
type CounterOut = { value: number };
const flakyCounter: NondeterministicModel<number, CounterIn, CounterOut> = {
  init: () => [0],
  step: (s, i, o) => (i.inc ? [s + 1, s + 2] : o.value === s ? [s] : []),
  equal: (a, b) => a === b,
  hash: (s) => s,
};

test("a nondeterministic model is checked over sets of states", () => {
  const model = determinize(flakyCounter);
  const h = (values: number[]): Operation<CounterIn, CounterOut>[] => [
    { clientId: 0, call: 0, return: 1, input: { inc: true }, output: { value: 0 } },
    { clientId: 0, call: 2, return: 3, input: { inc: true }, output: { value: 0 } },
    ...values.map((v, i) => ({
      clientId: 1,
      call: 4 + i * 2,
      return: 5 + i * 2,
      input: { inc: false },
      output: { value: v },
    })),
  ];
  assert.is(checkOperations(model, h([2])).verdict, "ok");
  assert.is(checkOperations(model, h([4])).verdict, "ok");
  assert.is(checkOperations(model, h([3, 3])).verdict, "ok");
  assert.is(checkOperations(model, h([1])).verdict, "illegal");
  assert.is(checkOperations(model, h([3, 4])).verdict, "illegal");
});

test.run();
