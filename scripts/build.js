#!/usr/bin/env node
// Builds the shipped JavaScript (dist/) with tsc. `--if-stale` (npm's `prepare`, run by `npm ci` and
// when npx links this package) skips the build when dist/ is newer than every source, so a second
// prepare costs nothing. A build starts from an empty dist/: a module whose source is gone must not
// linger there, where a stale import of it would still work.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { newestSource } from "../bin/sources.js";

const root = new URL("..", import.meta.url).pathname;
const built = join(root, "dist/cli/main.js");

if (process.argv.includes("--if-stale") && existsSync(built) && statSync(built).mtimeMs >= newestSource(root))
  process.exit(0);
rmSync(join(root, "dist"), { recursive: true, force: true });
const r = spawnSync(
  process.execPath,
  [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")],
  { stdio: "inherit" },
);
// Files the built code reads at run time that tsc does not emit.
if (r.status === 0)
  for (const asset of ["harness/real/proto", "checkers/linearizability/testdata"])
    cpSync(join(root, asset), join(root, "dist", asset), { recursive: true });
process.exit(r.status ?? 1);
