// Signals, pipes and files, as a user meets them: separate processes started the way a shell starts
// them (their own process group, so a Ctrl-C reaches every process in it, workers too).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { main } from "./main.ts";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "bin/etcdsim.js");
const tmp = mkdtempSync("/tmp/etcdsim-sig-");

function start(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: tmp,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "true" },
  });
  let stdout = "",
    stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) =>
    child.on("close", (code) => res({ code, stdout, stderr })),
  );
  return { child, done, out: () => stdout };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, ms = 60_000) {
  const t0 = Date.now();
  while (!pred() && Date.now() - t0 < ms) await sleep(50);
}

/** The process has started child processes (sweep workers: its signal handlers are installed by then). */
function hasChildren(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim() !== "";
  } catch {
    return false;
  }
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  test(`${sig} during sweep --workers 2: partial summary, partial JUnit marked interrupted, exit 130, no stack trace`, async () => {
    const junit = join(tmp, `junit-${sig}.xml`);
    const p = start(["sweep", "--scenario", "sim-selftest", "--count", "5000", "--workers", "2", "--junit", junit]);
    await until(() => hasChildren(p.child.pid!));
    await sleep(1500); // the workers are running seeds
    process.kill(-p.child.pid!, sig); // the whole process group, as a terminal's Ctrl-C does
    const r = await p.done;
    assert.is(r.code, 130, r.stderr);
    assert.match(r.stdout, /INTERRUPTED \(SIG(INT|TERM)\) after \d+ of 5000 seeds/);
    assert.not.match(r.stderr, /EPIPE|\n\s+at |Error/, r.stderr);
    const xml = readFileSync(junit, "utf8");
    assert.match(xml, /<property name="interrupted" value="true"\/>/);
    assert.match(xml, /<error type="interrupted"/);
  });
}

test("SIGINT during an in-process sweep (--workers 1) stops between seeds with exit 130", async () => {
  let out = "";
  const log = console.log;
  console.log = (...a: unknown[]) => {
    out += a.join(" ") + "\n";
  };
  try {
    const running = main(["sweep", "--scenario", "sim-selftest", "--count", "5000", "--json"]);
    await until(() => process.listenerCount("SIGINT") > 0);
    await sleep(500);
    process.kill(process.pid, "SIGINT");
    assert.is(await running, 130);
  } finally {
    console.log = log;
    process.exitCode = undefined;
  }
  const j = JSON.parse(out);
  assert.is(j.interrupted, true);
  assert.ok(j.results.length > 0 && j.results.length < 5000);
});

test("sweep | head -1 with a failing seed exits 1, quietly", async () => {
  const p = start(["sweep", "--scenario", "kv-crash", "--bug", "etcd-reapply-after-crash", "--count", "40"]);
  await until(() => p.out().includes("\n"));
  p.child.stdout.destroy(); // head -1 has read its line and left
  const r = await p.done;
  assert.is(r.code, 1, r.stderr);
  assert.not.match(r.stderr, /EPIPE|\n\s+at /);
});

test("a run interrupted at any moment never leaves a report directory without index.html, nor a staging directory", async () => {
  for (const delay of [300, 900, 1500, 2100]) {
    const dir = join(tmp, `report-${delay}`);
    const p = start([
      "run",
      "--scenario",
      "sim-selftest",
      "--seed",
      "3",
      "--report",
      dir,
      "--trace",
      join(tmp, `t-${delay}.jsonl`),
    ]);
    await sleep(delay);
    try {
      process.kill(-p.child.pid!, "SIGINT");
    } catch {
      // it had finished already
    }
    await p.done;
    if (existsSync(dir)) assert.ok(existsSync(join(dir, "index.html")), `${dir} without index.html`);
    assert.equal(
      readdirSync(tmp).filter((n) => n.includes(".tmp-")),
      [],
      "staging left behind",
    );
  }
});

async function quiet(argv: string[]): Promise<number> {
  const log = console.log;
  console.log = () => {};
  try {
    return await main(argv);
  } finally {
    console.log = log;
    process.exitCode = undefined;
  }
}

test("device nodes are written through, never replaced: --trace, --save-replay and --junit to /dev/null", async () => {
  assert.is(
    await quiet([
      "run",
      "--scenario",
      "sim-selftest",
      "--seed",
      "2",
      "--trace",
      "/dev/null",
      "--save-replay",
      "/dev/null",
    ]),
    0,
  );
  assert.is(await quiet(["sweep", "--scenario", "sim-selftest", "--count", "1", "--junit", "/dev/null"]), 0);
  assert.ok(statSync("/dev/null").isCharacterDevice());
});

test("a reused report directory keeps no stale trace.jsonl; index.html is always there", async () => {
  const dir = join(tmp, "reused");
  assert.is(
    await quiet(["run", "--scenario", "sim-selftest", "--seed", "4", "--report", dir, "--trace", join(tmp, "t.jsonl")]),
    0,
  );
  assert.ok(existsSync(join(dir, "trace.jsonl")));
  assert.is(await quiet(["run", "--scenario", "sim-selftest", "--seed", "4", "--report", dir]), 0);
  assert.not.ok(existsSync(join(dir, "trace.jsonl")), "stale trace.jsonl kept");
  assert.ok(existsSync(join(dir, "index.html")));
  assert.ok(existsSync(join(dir, "result.json")));
  assert.equal(
    readdirSync(dir).filter((n) => n.startsWith(".")),
    [],
  );
});

test("--save-replay confirms what it wrote; --version and the top-level help are complete", () => {
  const r = spawnSync(
    process.execPath,
    [bin, "run", "--scenario", "sim-selftest", "--seed", "2", "--save-replay", join(tmp, "r.json")],
    { encoding: "utf8" },
  );
  assert.match(r.stdout, /saved replay: .*r\.json \(\d+ faults; re-run: npx etcdsim run --replay .*r\.json\)/);
  const v = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
  assert.match(v.stdout, /^etcdsim \d+\.\d+\.\d+\n$/);
  const h = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  for (const flag of [
    "--save-replay",
    "--trace",
    "--verify-determinism",
    "--junit",
    "--shard",
    "--stop-on-failure",
    "--max-evaluations",
    "--hunt",
    "--budget-s",
    "--only",
    "--time-ms",
    "--timeout",
    "--format",
    "--version",
  ]) {
    assert.ok(h.stdout.includes(flag), `top-level help lacks ${flag}`);
  }
  const none = spawnSync(process.execPath, [bin], { encoding: "utf8" });
  assert.is(none.status, 2);
  assert.is(none.stdout, "");
  assert.match(none.stderr, /^etcdsim — /);
});

// The scratch directory goes with the suite: test runs leave nothing in /tmp.
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
