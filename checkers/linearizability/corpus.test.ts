// Porcupine's own corpus: every history gets the verdict porcupine's tests expect (README
// "Expected verdicts"): the 103 Jepsen etcd logs with the register model, the kv logs split by key,
// and c01 / c10 also unsplit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkCase, corpusCases, loadCase } from "./corpus.ts";

const cases = corpusCases();

test("the corpus has the 109 checks porcupine's tests make", () => {
  assert.is(cases.filter((c) => c.model === "register").length, 103);
  assert.is(cases.filter((c) => c.model === "kv-by-key").length, 6);
  assert.is(cases.filter((c) => c.model === "kv-map").length, 4);
  assert.is(cases.filter((c) => c.model === "register" && c.expected === "ok").length, 24); // 23 + the empty 095
});

test("every Jepsen etcd log gets porcupine's verdict with the register model", () => {
  const wrong: string[] = [];
  for (const c of cases.filter((c) => c.model === "register")) {
    const got = checkCase(loadCase(c)).verdict;
    if (got !== c.expected) wrong.push(`${c.file}: ${got}, expected ${c.expected}`);
  }
  assert.equal(wrong, []);
});

test("every kv log gets porcupine's verdict, split by key", () => {
  for (const c of cases.filter((c) => c.model === "kv-by-key"))
    assert.is(checkCase(loadCase(c)).verdict, c.expected, c.file);
});

test("c01 and c10 get porcupine's verdict unsplit (one map of all keys)", () => {
  for (const c of cases.filter((c) => c.model === "kv-map"))
    assert.is(checkCase(loadCase(c)).verdict, c.expected, c.file);
});

test.run();
