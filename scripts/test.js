#!/usr/bin/env node
// Runs every *.test.ts (uvu) in its own process, two at a time, and totals the results.
// Ends with one plain line "N passed, N failed", which CI reads (it does not read uvu's summary).
// Usage: node scripts/test.js [substring-filter ...]
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { cpus } from "node:os";

const root = new URL("..", import.meta.url).pathname;
const dirs = ["core", "sim", "checkers", "scenarios", "harness", "testing", "reports", "cli", "bench", "scripts"];
const filters = process.argv.slice(2);

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const files = dirs
  .flatMap((d) => walk(join(root, d), []))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
const FILE_TIMEOUT_MS = 8 * 60 * 1000;
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[timeout after ${FILE_TIMEOUT_MS / 1000}s]`;
      child.kill("SIGKILL");
    }, FILE_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      const text = strip(out);
      const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0);
      let p = 0,
        f = 0;
      if (Number.isFinite(total) && Number.isFinite(passed)) {
        p = passed;
        f = Math.max(0, total - passed - skipped);
      }
      if (code !== 0 && f === 0) f = 1; // crashed, timed out or failed outside a test
      resolve({ file, passed: p, failed: f, skipped, code, text, ms: Date.now() - started });
    });
  });
}

// The type check and the lint (Biome: format and lint rules, biome.json) count as one test each of the
// whole run (part of `npm test`).
function wholeTreeCheck(label, args) {
  return () =>
    new Promise((resolve) => {
      const started = Date.now();
      const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) =>
        resolve({
          file: join(root, label),
          passed: code === 0 ? 1 : 0,
          failed: code === 0 ? 0 : 1,
          skipped: 0,
          code,
          text: strip(out),
          ms: Date.now() - started,
        }),
      );
    });
}
const typecheck = wholeTreeCheck("tsconfig.json (tsc --noEmit)", [
  join(root, "node_modules/typescript/bin/tsc"),
  "--noEmit",
  "-p",
  root,
]);
const lint = wholeTreeCheck("biome.json (biome check)", [
  join(root, "node_modules/@biomejs/biome/bin/biome"),
  "check",
  "--error-on-warnings",
  "--colors=off",
  root,
]);

const queue = [...files];
const jobs = filters.length === 0 ? [typecheck, lint] : [];
const results = [];
const width = Math.max(1, Math.min(2, cpus().length));
await Promise.all(
  Array.from({ length: width }, async () => {
    while (queue.length > 0 || jobs.length > 0) {
      const job = jobs.shift();
      const r = job ? await job() : await runFile(queue.shift());
      results.push(r);
      const rel = relative(root, r.file);
      console.log(
        `${r.failed > 0 ? "FAIL" : "ok  "} ${rel}  (${r.passed} passed, ${r.failed} failed, ${(r.ms / 1000).toFixed(1)}s)`,
      );
      if (r.failed > 0)
        console.log(
          r.text
            .split("\n")
            .map((l) => "    " + l)
            .join("\n"),
        );
    }
  }),
);

const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
if (files.length === 0) console.log("no test files found");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
