// Minimal failing subsets: for non-linearizable corpus files the subset printed in the evidence is
// itself not linearizable, and every subset one operation smaller is (the rest of the partition's
// writes may or may not have happened, its reads left out: minimize.ts relaxedHistory).
// CI checks a fixed sample (every kv file, every fourth Jepsen log); `bench --only checker` checks all.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { corpusCases, loadCase } from "./corpus.ts";
import { checkOperations } from "./engine.ts";
import { relaxedHistory } from "./minimize.ts";
import { verifyMinimalSubsets } from "./minimize-check.ts";
import {
  registerInput as In,
  registerModel,
  registerOutput as Out,
  type RegisterOperation,
} from "./models/register.ts";
import { searchLinearization } from "./search.ts";

test("a stale read shrinks to the three operations that cannot be ordered", () => {
  const op = (
    c: number,
    call: number,
    ret: number,
    input: RegisterOperation["input"],
    output: RegisterOperation["output"],
  ): RegisterOperation => ({ clientId: c, call, return: ret, input, output });
  const ops = [
    op(0, 0, 1, In.write(1), Out.written()),
    op(1, 2, 3, In.read(), Out.read(1)),
    op(0, 4, 5, In.write(2), Out.written()),
    op(2, 4, 9, In.read(), Out.read(2)),
    op(1, 6, 7, In.read(), Out.read(1)), // stale: write 2 finished before it was called
    op(2, 10, 11, In.write(3), Out.written()),
  ];
  const r = checkOperations(registerModel, ops, { minimize: true });
  assert.is(r.verdict, "illegal");
  // write 2 and the stale read, with either write 1 or the first read of 1 (each proves 1 was written earlier)
  const picked = r.evidence!.minimalSubset!.operations.map((o) => o.op);
  assert.ok(JSON.stringify(picked) === "[0,2,4]" || JSON.stringify(picked) === "[1,2,4]", JSON.stringify(picked));
  assert.ok(r.evidence!.minimalSubset!.complete);
});

test("a subset keeps what it asserts and forgets the rest (writes unknown, reads left out)", () => {
  const ops: RegisterOperation[] = [
    { clientId: 0, call: 0, return: 1, input: In.write(1), output: Out.written() },
    { clientId: 1, call: 2, return: 3, input: In.read(), output: Out.read(1) },
  ];
  const relaxed = relaxedHistory(registerModel, ops, [1]);
  assert.is(relaxed.length, 2);
  assert.is(relaxed[0]!.return, Infinity);
  assert.is(
    searchLinearization(registerModel, relaxed, { maxSteps: 1000, progressEvery: 1 << 30, stepsBefore: 0 }).verdict,
    "ok",
  );
  assert.equal(relaxedHistory(registerModel, ops, [0]).length, 1);
});

test("sampled non-linearizable corpus files: the subset fails, each one-smaller subset passes", () => {
  const cases = corpusCases().filter((c, i) => c.expected === "illegal" && (c.model !== "register" || i % 4 === 0));
  assert.ok(cases.length >= 24, `${cases.length} cases`);
  const problems = verifyMinimalSubsets(cases.map((c) => loadCase(c)));
  assert.equal(problems, []);
});

test.run();
