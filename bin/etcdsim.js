#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx's ESM loader, so `npx etcdsim` works after `npm ci`.
import { register } from "tsx/esm/api";
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
