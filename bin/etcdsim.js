#!/usr/bin/env node
// Launcher. Runs the built JavaScript (dist/, made by `npm run build`, which `npm ci` runs as `prepare`),
// so a command starts in tens of milliseconds. In a checkout whose sources are newer than the build (or
// with ETCDSIM_DEV=1, or before the first build) it runs the TypeScript sources through tsx instead.
// It re-executes nothing: Ctrl-C reaches this very process, whoever started it (npx, a shell, CI).
import { existsSync, readdirSync, statSync } from "node:fs";

// A closed pipe (`etcdsim ... | head`) ends the command quietly instead of with a stack trace, with the
// exit code known so far (a sweep sets 1 as soon as a seed fails, 3 while its outcome is still open).
for (const s of [process.stdout, process.stderr]) s.on("error", (e) => { if (e.code === "EPIPE") process.exit(process.exitCode ?? 0); throw e; });

const built = new URL("../dist/cli/main.js", import.meta.url);

/** The newest modification time of the TypeScript sources (a checkout), or 0 (an installed package has them too). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    let names;
    try { names = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const d of names) {
      const p = `${dir}/${d.name}`;
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith(".ts") && !d.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ["core", "sim", "harness", "checkers", "scenarios", "reports", "cli", "bench"]) walk(new URL(`../${d}`, import.meta.url).pathname);
  return newest;
}

function useBuilt() {
  if (process.env.ETCDSIM_DEV === "1" || !existsSync(built)) return false;
  return statSync(built).mtimeMs >= newestSource();
}

let main;
if (useBuilt()) ({ main } = await import(built.href));
else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
