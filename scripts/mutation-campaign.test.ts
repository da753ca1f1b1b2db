import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";

const script = new URL("./mutation-campaign.ts", import.meta.url).pathname;
const mutate = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", timeout: 60_000 });

test("bad input: one line naming what is wrong, exit 2, no stack trace", () => {
  for (const [args, want] of [
    [["--sites", "0"], /^bad value "0" for --sites: expected 1\.\.100000$/],
    [["--sites", "x"], /^bad value "x" for --sites: expected an integer$/],
    [["--scale", "-1"], /^bad value "-1" for --scale/],
    [["--only", "../etc"], /^bad value "\.\.\/etc" for --only: expected a path under core\//],
    [["--frobnicate"], /^mutate: Unknown option '--frobnicate'/],
  ] as [string[], RegExp][]) {
    const r = mutate(...args);
    assert.is(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0]!, want);
    assert.is(r.stdout, "");
  }
});

test("--help describes the options and exits 0", () => {
  const r = mutate("--help");
  assert.is(r.status, 0);
  assert.match(r.stdout, /--sites N/);
  assert.match(r.stdout, /--all-lines/);
});

test.run();
