// The speed work must not change behaviour: a fixed seed set of every scenario replays to the trace
// hash and verdict recorded before it (bench/fixtures/trace-hashes.tsv, from main at 5146225).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { findScenario } from "../scenarios/registry.ts";
import { runScenario } from "../scenarios/runner.ts";

const rows = readFileSync(new URL("fixtures/trace-hashes.tsv", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l !== "" && !l.startsWith("#"))
  .map((l) => {
    const [scenario, seed, verdict, traceHash] = l.split("\t");
    return { scenario: scenario!, seed: Number(seed), verdict: verdict!, traceHash: traceHash! };
  });

test("the fixture covers every scenario it names, several seeds each", () => {
  const names = new Set(rows.map((r) => r.scenario));
  assert.ok(names.size >= 10, `scenarios: ${[...names].join(", ")}`);
  for (const n of names) {
    assert.ok(findScenario(n) !== undefined, `unknown scenario ${n}`);
    assert.ok(rows.filter((r) => r.scenario === n).length >= 5, n);
  }
});

test("every fixed seed replays to its recorded trace hash and verdict", () => {
  const differ: string[] = [];
  for (const r of rows) {
    const out = runScenario({ scenario: findScenario(r.scenario)!, seed: r.seed });
    if (out.traceHash !== r.traceHash || out.verdict !== r.verdict)
      differ.push(
        `${r.scenario} seed ${r.seed}: ${out.verdict} ${out.traceHash}, recorded ${r.verdict} ${r.traceHash}`,
      );
  }
  assert.equal(differ, []);
});

test.run();
