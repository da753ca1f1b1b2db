import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { findScenario } from "../../scenarios/registry.ts";
import { resolveRun, runScenario } from "../../scenarios/runner.ts";
import { readFileSync } from "node:fs";
import { appliedHeapFlag, heapFlagFor, HEAP_GROWING_PERCENT, LONG_RUN_US, SEED_V8_FLAGS } from "./heap.ts";
import { WORKER_EXEC_ARGV } from "../sweep/pool.ts";

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

test("every way seeds are started passes the seed processes' V8 flags, which this Node accepts", () => {
  const root = new URL("../../", import.meta.url);
  const shebang = readFileSync(new URL("bin/etcdsim.js", root), "utf8").split("\n")[0]!;
  const scripts = (
    JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { scripts: Record<string, string> }
  ).scripts;
  assert.ok(SEED_V8_FLAGS.length > 0);
  for (const flag of SEED_V8_FLAGS) {
    assert.ok(shebang.split(" ").includes(flag), `the launcher's shebang lacks ${flag}: ${shebang}`);
    for (const name of ["start", "bench"])
      assert.ok(scripts[name]!.split(" ").includes(flag), `npm's ${name} script lacks ${flag}`);
    assert.ok(WORKER_EXEC_ARGV.includes(flag), `sweep workers lack ${flag}`);
  }
  const r = spawnSync(process.execPath, [...SEED_V8_FLAGS, "-e", "0"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, "");
  // Run as a program (npx, a shell): the kernel reads the shebang, and env -S splits its flags.
  const direct = spawnSync(new URL("bin/etcdsim.js", root).pathname, ["--version"], { encoding: "utf8" });
  assert.is(direct.status, 0, direct.stderr);
  assert.match(direct.stdout, /\d+\.\d+\.\d+/);
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
