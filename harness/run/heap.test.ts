import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { findScenario } from "../../scenarios/registry.ts";
import { resolveRun, runScenario } from "../../scenarios/runner.ts";
import { appliedHeapFlag, heapFlagFor, HEAP_GROWING_PERCENT, LONG_RUN_US } from "./heap.ts";

test("only a fault phase of five simulated minutes or more makes a run long", () => {
  assert.is(heapFlagFor(LONG_RUN_US - 1), undefined);
  assert.is(heapFlagFor(6_000_000), undefined);
  assert.is(heapFlagFor(LONG_RUN_US), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  assert.is(heapFlagFor(3_600_000_000), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
});

test("this Node's V8 knows the flag (it refuses a misspelt one)", () => {
  const known = spawnSync(process.execPath, [heapFlagFor(LONG_RUN_US)!, "-e", "0"], { encoding: "utf8" });
  assert.is(known.status, 0, known.stderr);
  assert.is(known.stderr, "");
  const misspelt = spawnSync(process.execPath, ["--heap-growing-percents=50", "-e", "0"], { encoding: "utf8" });
  assert.is.not(misspelt.status, 0);
});

test("a default seed leaves V8's heap growth alone; a long run bounds it when its fault phase starts", () => {
  const def = findScenario("kv-chaos")!;
  runScenario({ scenario: def, seed: 1 });
  assert.is(appliedHeapFlag(), undefined);
  const { options, faults } = resolveRun(def, 1, { ...resolveRun(def, 1).options, faultPhaseUs: LONG_RUN_US });
  const r = runScenario({ scenario: def, seed: 1, options, faults });
  assert.is(r.verdict, "pass");
  assert.is(appliedHeapFlag(), heapFlagFor(LONG_RUN_US));
});

test.run();
