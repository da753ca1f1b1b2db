// The speed work must not change behaviour: a fixed seed set of every scenario, and a caught seed of
// every catalog mutant, replay to the trace hash and verdict recorded before it
// (bench/fixtures/trace-hashes.tsv: rows from main at 5146225 and, for the later scenarios and the
// mutants, from main at 18369dd; a fifth column names the mutants switched on).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { findScenario } from "../scenarios/registry.ts";
import { runScenario } from "../scenarios/runner.ts";
import { BUG_NAMES, type BugName } from "../core/bugs.ts";

const rows = readFileSync(new URL("fixtures/trace-hashes.tsv", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l !== "" && !l.startsWith("#"))
  .map((l) => {
    const [scenario, seed, verdict, traceHash, bugs] = l.split("\t");
    const bugList = (bugs ?? "").split(",").filter((b) => b !== "") as BugName[];
    return { scenario: scenario!, seed: Number(seed), verdict: verdict!, traceHash: traceHash!, bugs: bugList };
  });

test("the fixture covers every scenario it names, several seeds each", () => {
  const names = new Set(rows.filter((r) => r.bugs.length === 0).map((r) => r.scenario));
  assert.ok(names.size >= 10, `scenarios: ${[...names].join(", ")}`);
  for (const n of names) {
    assert.ok(findScenario(n) !== undefined, `unknown scenario ${n}`);
    assert.ok(rows.filter((r) => r.scenario === n && r.bugs.length === 0).length >= 5, n);
  }
});

test("the fixture holds a caught seed of every catalog mutant", () => {
  const caught = new Set(rows.filter((r) => r.verdict === "fail").flatMap((r) => r.bugs));
  assert.equal(
    BUG_NAMES.filter((b) => !caught.has(b)),
    [],
  );
});

test("every fixed seed replays to its recorded trace hash and verdict", () => {
  const differ: string[] = [];
  for (const r of rows) {
    const out = runScenario({ scenario: findScenario(r.scenario)!, seed: r.seed, bugs: r.bugs });
    if (out.traceHash !== r.traceHash || out.verdict !== r.verdict)
      differ.push(
        `${r.scenario} seed ${r.seed}${r.bugs.map((b) => ` --bug ${b}`).join("")}: ${out.verdict} ${out.traceHash}, recorded ${r.verdict} ${r.traceHash}`,
      );
  }
  assert.equal(differ, []);
});

test.run();
