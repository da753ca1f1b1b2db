// Determinism rules 1 and 8 (docs/DETERMINISM.md): no real time, real timers or global randomness in the
// simulated world, and nothing that waits on the garbage collector. Tests are exempt (they may time things or
// spawn processes).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const FORBIDDEN: [RegExp, string][] = [
  [/\bMath\.random\s*\(/, "Math.random"],
  [/\bDate\.now\s*\(/, "Date.now"],
  [/\bnew Date\s*\(\s*\)/, "new Date()"],
  [/\bperformance\.now\s*\(/, "performance.now"],
  [/\bsetTimeout\s*\(/, "setTimeout"],
  [/\bsetInterval\s*\(/, "setInterval"],
  [/\bsetImmediate\s*\(/, "setImmediate"],
  [/\bprocess\.hrtime\b/, "process.hrtime"],
  [/\bcrypto\.(randomBytes|randomUUID|randomInt|getRandomValues)\b/, "crypto random"],
  [/\b(randomBytes|randomUUID|randomInt|getRandomValues)\s*\(/, "crypto random"],
  [/\bnew\s+WeakRef\b/, "WeakRef"],
  [/\bnew\s+FinalizationRegistry\b/, "FinalizationRegistry"],
];

/**
 * Uses that cannot reach a run's history, by file: the temporary file of a long run's history is closed
 * when its store is collected (nothing reads it after that).
 */
const ALLOWED = new Set(["harness/run/chunk-file.ts: FinalizationRegistry"]);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|js|mjs)$/.test(name) && !/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** Strips comments so prose may name the forbidden calls. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

export function violations(files: string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const lines = code(readFileSync(f, "utf8")).split("\n");
    lines.forEach((line, i) => {
      const hit = FORBIDDEN.find(([re]) => re.test(line));
      if (hit && !ALLOWED.has(`${relative(root, f)}: ${hit[1]}`)) out.push(`${relative(root, f)}:${i + 1}: ${hit[1]}`);
    });
  }
  return out;
}

/**
 * Everything that runs inside the simulated world. harness/real drives a real etcd, harness/sweep runs
 * worker processes and harness/mutation screens mutants in child processes: all live outside it, on real
 * time and real processes.
 */
const OUTSIDE_THE_WORLD = ["harness/real", "harness/sweep", "harness/mutation"];

test("core/ sim/ checkers/ scenarios/ harness/ testing/ use no real time, timers or global randomness", () => {
  const files = ["core", "sim", "checkers", "scenarios", "harness", "testing"]
    .flatMap((d) => sources(join(root, d)))
    .filter((f) => !OUTSIDE_THE_WORLD.some((d) => relative(root, f).startsWith(d + "/")));
  assert.ok(
    files.some((f) => relative(root, f).startsWith("harness/")),
    "the guard sees the harness",
  );
  assert.ok(files.length > 10, "the guard sees the sources");
  const v = violations(files);
  assert.equal(v, [], v.join("\n"));
});

test("the guard catches each forbidden call", () => {
  const { writeFileSync, mkdtempSync } = fs;
  const dir = mkdtempSync("/tmp/guard-");
  const samples = [
    "Math.random()",
    "Date.now()",
    "performance.now()",
    "setTimeout(f, 1)",
    "setInterval(f, 1)",
    "process.hrtime.bigint()",
    "crypto.randomBytes(4)",
    "randomUUID()",
    "new WeakRef(o)",
    "new FinalizationRegistry(close)",
  ];
  samples.forEach((s, i) => writeFileSync(join(dir, `s${i}.ts`), `const x = ${s};\n`));
  writeFileSync(join(dir, "ok.ts"), "// Math.random() is only named in a comment\nconst y = rng.next();\n");
  const v = violations(sources(dir));
  assert.is(v.length, samples.length, v.join("\n"));
});

test.run();
