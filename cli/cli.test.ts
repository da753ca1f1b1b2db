// The CLI as a user meets it: separate processes, exit codes, one-line errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
function etcdsim(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "bin/etcdsim.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("the same seed gives the same traceHash in two separate processes", () => {
  const a = JSON.parse(etcdsim("run", "--scenario", "sim-selftest", "--seed", "7", "--json").stdout);
  const b = JSON.parse(etcdsim("run", "--scenario", "sim-selftest", "--seed", "7", "--json").stdout);
  assert.is(a.traceHash, b.traceHash);
  assert.match(a.traceHash, /^[0-9a-f]{16}$/);
  for (const k of ["scenario", "seed", "bugs", "verdict", "traceHash", "stats", "checks", "repro"])
    assert.ok(k in a, k);
  for (const k of ["events", "messages", "ops", "simTimeMs", "wallMs"]) assert.ok(k in a.stats, k);
  assert.is(a.repro, "npx etcdsim run --scenario sim-selftest --seed 7");
});

test("a different seed gives a different traceHash; hex seeds parse", () => {
  const a = JSON.parse(etcdsim("run", "--scenario", "sim-selftest", "--seed", "7", "--json").stdout);
  const b = JSON.parse(etcdsim("run", "--scenario", "sim-selftest", "--seed", "8", "--json").stdout);
  const c = JSON.parse(etcdsim("run", "--scenario", "sim-selftest", "--seed", "0x7", "--json").stdout);
  assert.is.not(a.traceHash, b.traceHash);
  assert.is(c.traceHash, a.traceHash);
});

const dir = mkdtempSync("/tmp/etcdsim-cli-");
writeFileSync(join(dir, "bad-json.json"), "{ nope");
writeFileSync(
  join(dir, "bad-field.json"),
  JSON.stringify({ scenario: "sim-selftest", faults: [{ at: 5, kind: "crash" }] }),
);
writeFileSync(
  join(dir, "bad-option.json"),
  JSON.stringify({ scenario: "sim-selftest", options: { processes: "three" } }),
);
writeFileSync(join(dir, "zero-members.json"), JSON.stringify({ scenario: "kv-chaos", options: { members: 0 } }));
writeFileSync(
  join(dir, "bad-membership.json"),
  JSON.stringify({ scenario: "membership-change", options: { members: 3, spares: 1, membership: [{ add: "n5" }] } }),
);
writeFileSync(
  join(dir, "bad-buggify.json"),
  JSON.stringify({ scenario: "kv-chaos", options: { buggify: ["slow-apply", "melt-cpu"] } }),
);

const badInputs: [string, string[], RegExp][] = [
  ["unknown command", ["frobnicate"], /unknown command "frobnicate"/],
  ["unknown flag", ["run", "--frob"], /Unknown option '--frob'/],
  ["unknown scenario", ["run", "--scenario", "no-such", "--seed", "1"], /unknown scenario "no-such"/],
  ["negative seed", ["run", "--scenario", "sim-selftest", "--seed", "-1"], /bad seed "-1"/],
  ["seed above 2^32-1", ["run", "--scenario", "sim-selftest", "--seed", "4294967296"], /bad seed "4294967296"/],
  ["seed not a number", ["run", "--scenario", "sim-selftest", "--seed", "abc"], /bad seed "abc"/],
  ["unreadable scenario file", ["run", "--scenario", join(dir, "missing.json")], /cannot read scenario file/],
  ["malformed scenario JSON", ["run", "--scenario", join(dir, "bad-json.json")], /not valid JSON/],
  ["scenario file with a bad field", ["run", "--scenario", join(dir, "bad-field.json")], /field "faults\[0\]\.target"/],
  [
    "scenario file with a badly typed option",
    ["run", "--scenario", join(dir, "bad-option.json")],
    /field "options\.processes" must be a number/,
  ],
  [
    "scenario file with a cluster of 0 members",
    ["sweep", "--scenario", join(dir, "zero-members.json"), "--count", "2", "--workers", "2"],
    /field "options\.members" must be >= 1, not 0/,
  ],
  [
    "scenario file with an unknown BUGGIFY point",
    ["run", "--scenario", join(dir, "bad-buggify.json")],
    /field "options\.buggify\[1\]" must be one of .*not "melt-cpu"/,
  ],
  [
    "scenario file whose membership plan adds no spare",
    ["run", "--scenario", join(dir, "bad-membership.json")],
    /field "options\.membership\[0\]\.add" must name a spare \(n4\.\.n4/,
  ],
  ["unknown bug", ["run", "--scenario", "sim-selftest", "--seed", "1", "--bug", "nope"], /unknown bug "nope"/],
  ["unknown bench suite", ["bench", "--only", "nope"], /unknown suite "nope" \(known: kernel, raft/],
  ["bad seed range", ["sweep", "--scenario", "sim-selftest", "--seeds", "9..3"], /bad seed range/],
  ["bad shard", ["sweep", "--scenario", "sim-selftest", "--shard", "5/4"], /bad shard/],
];
for (const [what, args, re] of badInputs) {
  test(`bad input — ${what} — exits 2 with one stderr line and no stack trace`, () => {
    const r = etcdsim(...args);
    assert.is(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
    assert.not.match(r.stderr, /\n\s+at /);
  });
}

test("--help works on every command", () => {
  for (const cmd of ["run", "sweep", "scenarios", "bugs"]) {
    const r = etcdsim(cmd, "--help");
    assert.is(r.code, 0, cmd);
    assert.match(r.stdout, new RegExp(`etcdsim ${cmd}`));
  }
});

test("sweep --json gives per-seed results identical with 1 and 2 workers", () => {
  const one = JSON.parse(etcdsim("sweep", "--scenario", "smoke", "--seeds", "1..4", "--json").stdout);
  const two = JSON.parse(etcdsim("sweep", "--scenario", "smoke", "--seeds", "1..4", "--workers", "2", "--json").stdout);
  assert.equal(one.results, two.results);
  assert.is(one.passed, 4);
  for (const k of ["scenario", "bugs", "seeds", "passed", "failed", "unknown", "results", "failures", "wallMs"])
    assert.ok(k in one, k);
});

test("sweep --junit writes one testcase per seed; shards cover the range exactly once", () => {
  const file = join(dir, "junit.xml");
  etcdsim("sweep", "--scenario", "sim-selftest", "--seeds", "1..4", "--junit", file);
  assert.ok(existsSync(file));
  assert.is((readFileSync(file, "utf8").match(/<testcase /g) ?? []).length, 4);
  const seeds: number[] = [];
  for (const s of ["1/3", "2/3", "3/3"]) {
    const r = JSON.parse(
      etcdsim("sweep", "--scenario", "sim-selftest", "--seeds", "10..20", "--shard", s, "--json").stdout,
    );
    seeds.push(...r.results.map((x: { seed: number }) => x.seed));
  }
  assert.equal(
    seeds.sort((a, b) => a - b),
    Array.from({ length: 11 }, (_, i) => 10 + i),
  );
});

test("a saved replay re-executes to the same traceHash", () => {
  const file = join(dir, "replay.json");
  const a = JSON.parse(
    etcdsim("run", "--scenario", "sim-selftest", "--seed", "12", "--json", "--save-replay", file).stdout,
  );
  const b = JSON.parse(etcdsim("run", "--replay", file, "--json").stdout);
  assert.is(b.traceHash, a.traceHash);
});

test("--verify-determinism reports both runs agree; --trace writes JSON lines", () => {
  const file = join(dir, "trace.jsonl");
  const r = etcdsim("run", "--scenario", "sim-selftest", "--seed", "5", "--verify-determinism", "--trace", file);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /deterministic: both runs/);
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const first = JSON.parse(lines[0]!);
  for (const k of ["i", "t", "k", "p", "h"]) assert.ok(k in first, k);
});

test("shrink turns a real failing seed into a smaller replay that still fails the same checker", () => {
  const out = join(dir, "shrunk.json");
  const r = etcdsim(
    "shrink",
    "--scenario",
    "kv-crash",
    "--seed",
    "1",
    "--bug",
    "etcd-reapply-after-crash",
    "--out",
    out,
    "--max-evaluations",
    "40",
    "--json",
  );
  assert.is(r.code, 0, r.stderr); // shrinking succeeded (the replay it wrote fails, as intended)
  const s = JSON.parse(r.stdout);
  assert.is(s.checker, "cross-member");
  assert.ok(s.after.faults < s.before.faults, JSON.stringify(s));
  const replay = JSON.parse(etcdsim("run", "--replay", out, "--json").stdout);
  assert.is(replay.verdict, "fail");
  assert.ok(
    replay.checks.some((c: { name: string; verdict: string }) => c.name === "cross-member" && c.verdict === "fail"),
  );
  assert.is(replay.traceHash, s.traceHash);
});

// The scratch directory goes with the suite: test runs leave nothing in /tmp.
test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
