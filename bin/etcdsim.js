#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx's ESM loader, so `npx etcdsim` works after `npm ci`.
import { register } from "tsx/esm/api";
// A closed pipe (`etcdsim ... | head`) ends the command quietly instead of with a stack trace.
for (const s of [process.stdout, process.stderr]) s.on("error", (e) => { if (e.code === "EPIPE") process.exit(process.exitCode ?? 0); throw e; });
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
