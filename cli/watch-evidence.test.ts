// A real failing run's watch evidence, end to end: the watch checker's violations reach `run --json`
// (the failing check's `evidence`) and the HTML report (the checks table and the watch chart), not
// only fixtures. watch-compaction seed 3 with mvcc-watch-drop-on-compact: a watch resumed at a
// compaction that landed on a delete skips the delete.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { esc } from "../reports/html/esc.ts";

const root = new URL("..", import.meta.url).pathname;
const dir = join(mkdtempSync("/tmp/etcdsim-watch-evidence-"), "report");
const r = spawnSync(
  process.execPath,
  [
    join(root, "bin/etcdsim.js"),
    "run",
    "--scenario",
    "watch-compaction",
    "--seed",
    "3",
    "--bug",
    "mvcc-watch-drop-on-compact",
    "--json",
    "--report",
    dir,
  ],
  { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } },
);

interface JsonCheck {
  name: string;
  verdict: string;
  message: string;
  evidence?: {
    violations: { guarantee: string; watch: number; revision: number; message: string }[];
    violationCount: number;
  };
}

test("the failing watch check carries its evidence in run --json; passing checks carry none", () => {
  assert.is(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { verdict: string; checks: JsonCheck[] };
  assert.is(out.verdict, "fail");
  const watch = out.checks.find((c) => c.name === "watch")!;
  assert.is(watch.verdict, "fail");
  const v = watch.evidence!.violations[0]!;
  assert.is(v.guarantee, "resumable");
  assert.is(v.message, watch.message.replace(/ \(\d+ violations in [^()]*\)$/, ""));
  assert.ok(watch.evidence!.violationCount >= 1);
  for (const c of out.checks.filter((x) => x.verdict === "pass")) assert.is(c.evidence, undefined, c.name);
});

test("the report's result.json and index.html show the same watch evidence", () => {
  const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as { checks: JsonCheck[] };
  const v = result.checks.find((c) => c.name === "watch")!.evidence!.violations[0]!;
  const html = readFileSync(join(dir, "index.html"), "utf8");
  // The checks table: the evidence row lists the violation with its guarantee.
  assert.ok(html.includes(`<li><b>resumable</b> ${esc(v.message)}</li>`), "the violation in the checks table");
  // The watch chart: the faulted watch is outlined and the violation marked at its revision.
  assert.match(html, /class="[^"]*violated[^"]*"/);
  assert.ok(html.includes(`<g class="wviolation">`), "the violation marked on the watch chart");
  assert.ok(html.includes(`<title>${esc(v.message)}</title>`), "the mark names the violation");
});

// The scratch directory goes with the suite: test runs leave nothing in /tmp.
test.after(() => rmSync(dirname(dir), { recursive: true, force: true }));

test.run();
