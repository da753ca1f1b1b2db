#!/usr/bin/env node
// Launcher. Runs the built JavaScript (dist/, made by `npm run build`, which `npm ci` runs as `prepare`),
// so a command starts in tens of milliseconds. In a checkout whose sources are newer than the build (or
// with ETCDSIM_DEV=1, or before the first build) it runs the TypeScript sources through tsx instead.
// It re-executes nothing: Ctrl-C reaches this very process, whoever started it (npx, a shell, CI).
import { existsSync, statSync } from "node:fs";
import { newestSource } from "./sources.js";

// A closed pipe (`etcdsim ... | head`) ends the command quietly instead of with a stack trace, with the
// exit code known so far (a sweep sets 1 as soon as a seed fails, 3 while its outcome is still open).
for (const s of [process.stdout, process.stderr])
  s.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

const built = new URL("../dist/cli/main.js", import.meta.url);

function useBuilt() {
  if (process.env.ETCDSIM_DEV === "1" || !existsSync(built)) return false;
  return statSync(built).mtimeMs >= newestSource(new URL("..", import.meta.url).pathname);
}

let main;
if (useBuilt()) ({ main } = await import(built.href));
else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
