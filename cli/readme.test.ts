// The README's examples stay true: every `$ npx etcdsim …` command in it runs, and its verdict,
// traceHash, repro line and exit code (a following `$ echo $?`) must be what the README shows; the
// scenario-file example must load.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { main } from "./main.ts";
import { validateScenarioFile } from "../scenarios/loader.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));

interface Example {
  command: string;
  shown: string[];
  exit?: number;
}
const examples: Example[] = [];
for (const b of blocks) {
  const lines = b.text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\$ npx etcdsim (.*)$/.exec(lines[i]!);
    if (!m) continue;
    const shown: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.startsWith("$ "); j++) shown.push(lines[j]!);
    const ex: Example = { command: m[1]!, shown };
    if (lines[j] === "$ echo $?") ex.exit = Number(lines[j + 1]);
    examples.push(ex);
  }
}

async function capture(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const log = console.log,
    write = process.stdout.write.bind(process.stdout);
  console.log = (...a: unknown[]) => {
    stdout += a.join(" ") + "\n";
  };
  process.stdout.write = ((s: string) => {
    stdout += s;
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await main(argv), stdout };
  } finally {
    console.log = log;
    process.stdout.write = write;
    process.exitCode = undefined;
  }
}

test("the README has runnable examples", () => {
  assert.ok(examples.length >= 2, String(examples.length));
});

const cwd = mkdtempSync("/tmp/etcdsim-readme-");
for (const ex of examples) {
  test(`README example: etcdsim ${ex.command}`, async () => {
    const here = process.cwd();
    process.chdir(cwd); // --report report lands in a scratch directory
    let r;
    try {
      r = await capture(ex.command.split(/\s+/));
    } finally {
      process.chdir(here);
    }
    const got = r.stdout.split("\n");
    for (const key of [/^verdict: /, /^repro: /, /^report: /]) {
      const want = ex.shown.find((l) => key.test(l));
      if (want !== undefined)
        assert.is(
          got.find((l) => key.test(l)),
          want,
          `${ex.command}: ${key}`,
        );
    }
    for (const l of ex.shown.filter((x) => /^\s+(PASS|FAIL|UNKNOWN)\s/.test(x))) {
      // Check lines are shown abridged ("…"): what is shown must start the real line.
      const prefix = l.replace(/\s*…$/, "").split("…")[0]!;
      assert.ok(
        got.some((g) => g.startsWith(prefix)),
        `${ex.command}: no line starting ${JSON.stringify(prefix)}`,
      );
    }
    if (ex.exit !== undefined) assert.is(r.code, ex.exit, ex.command);
  });
}

test("the README's scenario-file example loads", () => {
  const json = blocks.filter((b) => b.lang === "json").map((b) => JSON.parse(b.text) as unknown);
  assert.ok(json.length >= 1);
  for (const j of json) validateScenarioFile(j, "README.md example");
});

// The scratch directory goes with the suite: test runs leave nothing in /tmp.
test.after(() => rmSync(cwd, { recursive: true, force: true }));

test.run();
