#!/usr/bin/env node
// Builds the shipped JavaScript (dist/) with tsc. `--if-stale` (npm's `prepare`, run by `npm ci` and
// when npx links this package) skips the build when dist/ is newer than every source, so a second
// prepare costs nothing.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const built = join(root, "dist/cli/main.js");

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    let names;
    try { names = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const d of names) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith(".ts") && !d.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ["core", "sim", "harness", "checkers", "scenarios", "reports", "cli", "bench"]) walk(join(root, d));
  return newest;
}

if (process.argv.includes("--if-stale") && existsSync(built) && statSync(built).mtimeMs >= newestSource()) process.exit(0);
const r = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
// Files the built code reads at run time that tsc does not emit.
if (r.status === 0) for (const asset of ["harness/real/proto"]) cpSync(join(root, asset), join(root, "dist", asset), { recursive: true });
process.exit(r.status ?? 1);
