// Regenerates the README's tables of fault kinds and scenario options from the schema (scenarios/schema/).
// Usage: npm run schema-table   (writes README.md; --check exits 1 if it is out of date)
import { readFileSync, writeFileSync } from "node:fs";
import { withTables } from "../scenarios/schema/table.ts";

const path = new URL("../README.md", import.meta.url);
const before = readFileSync(path, "utf8");
const after = withTables(before);
if (process.argv.includes("--check")) {
  if (after !== before) {
    process.stderr.write("README.md's schema tables are out of date: run npm run schema-table\n");
    process.exit(1);
  }
} else if (after !== before) writeFileSync(path, after);
