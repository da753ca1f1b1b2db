// The newest modification time of the TypeScript sources (tests excluded), or 0 where there are none:
// the launcher runs dist/ only when it is at least this new, and `npm run build --if-stale` skips a
// build that is.
import { readdirSync, statSync } from "node:fs";

export const SOURCE_DIRS = ["core", "sim", "harness", "checkers", "scenarios", "reports", "cli", "bench"];

export function newestSource(root) {
  let newest = 0;
  const walk = (dir) => {
    let names;
    try {
      names = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of names) {
      const p = `${dir}/${d.name}`;
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith(".ts") && !d.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) walk(`${root}/${d}`);
  return newest;
}
