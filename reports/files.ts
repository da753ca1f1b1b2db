// Files are written whole or not at all: write to a temporary sibling, then rename.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** JSON Lines: one compact object per line. */
export function jsonl(rows: readonly unknown[]): string {
  let s = "";
  for (const r of rows) s += JSON.stringify(r) + "\n";
  return s;
}
