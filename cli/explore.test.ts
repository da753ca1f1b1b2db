// etcdsim explore: bad input is one line and exit 2 before anything runs; a small grid runs, prints
// JSON only with --json, and a slower disk shows up as slower etcd requests.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { main } from "./main.ts";
import { exploreTable, type ExploreResult } from "./explore.ts";

async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "",
    stderr = "";
  const ow = process.stdout.write.bind(process.stdout),
    ew = process.stderr.write.bind(process.stderr);
  const log = console.log;
  process.stdout.write = ((s: string) => {
    stdout += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    stderr += s;
    return true;
  }) as typeof process.stderr.write;
  console.log = (...a: unknown[]) => {
    stdout += a.join(" ") + "\n";
  };
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    console.log = log;
    process.exitCode = undefined;
  }
}

const E = (...a: string[]) => ["explore", "--scenario", "deployment-rollout", ...a];
const bad: [string, string[], RegExp][] = [
  ["no scenario", ["explore", "--vary", "disk.fsyncUs=1"], /explore: --scenario NAME\|FILE is required/],
  ["no --vary", E(), /explore: --vary PATH=V1,V2,… is required/],
  ["no = in --vary", E("--vary", "disk.fsyncUs"), /bad --vary "disk.fsyncUs": expected PATH=V1,V2/],
  [
    "a path that is not an option",
    E("--vary", "disk.fsyncUz=1"),
    /--vary disk.fsyncUz: "disk.fsyncUz" is not an option of deployment-rollout \(known under disk: profile, fsyncUs, slowMember, slowProfile\)/,
  ],
  [
    "a top-level name that is not an option",
    E("--vary", "bogus=1"),
    /"bogus" is not an option of deployment-rollout \(known: members, /,
  ],
  ["a path through a non-object", E("--vary", "members.x=1"), /"members.x" is not an option/],
  ["an empty path segment", E("--vary", "disk..fsyncUs=1"), /bad --vary path "disk..fsyncUs"/],
  ["an empty value list", E("--vary", "disk.fsyncUs="), /--vary disk.fsyncUs: needs at least one value/],
  ["an empty value in the list", E("--vary", "disk.fsyncUs=1,,2"), /--vary disk.fsyncUs: an empty value in "1,,2"/],
  [
    "a value of the wrong type",
    E("--vary", "disk.fsyncUs=fast"),
    /explore: disk.fsyncUs=fast: options.disk.fsyncUs must be a number, not "fast"/,
  ],
  ["a value out of range", E("--vary", "disk.fsyncUs=0"), /options.disk.fsyncUs must be >= 1, not 0/],
  [
    "an unknown profile",
    E("--vary", "disk.profile=floppy"),
    /options.disk.profile must be one of "nvme", "ssd", "hdd", "noisy-neighbour", not "floppy"/,
  ],
  [
    "a slow member that does not exist",
    E("--vary", "disk.slowMember=n9"),
    /options.disk.slowMember must name a member/,
  ],
  [
    "the same path twice",
    E("--vary", "disk.fsyncUs=1", "--vary", "disk.fsyncUs=2"),
    /--vary disk.fsyncUs given more than once/,
  ],
  ["a bad seed range", E("--vary", "disk.fsyncUs=1", "--seeds", "5..1"), /bad seed range "5..1": 1 is below 5/],
  ["a seed range that is not one", E("--vary", "disk.fsyncUs=1", "--seeds", "1-5"), /bad seed range "1-5"/],
  ["too many runs", E("--vary", "disk.fsyncUs=1,2,3", "--seeds", "1..5000"), /15000 runs \(at most 10000\)/],
  [
    "a scenario that records no latencies",
    ["explore", "--scenario", "sim-selftest", "--vary", "tickUs=1000"],
    /scenario sim-selftest records no latencies/,
  ],
  [
    "a network option the etcd scenarios do not have",
    ["explore", "--scenario", "smoke", "--vary", "network.rttUs=1000"],
    /"network" is not an option of smoke/,
  ],
  ["an unknown scenario", ["explore", "--scenario", "nope", "--vary", "a=1"], /unknown scenario "nope"/],
  ["an unknown flag", E("--frob"), /explore: Unknown option '--frob'/],
];

for (const [what, argv, expect] of bad) {
  test(`explore refuses ${what}: one line, exit 2`, async () => {
    const r = await runMain(argv);
    assert.is(r.code, 2, r.stderr);
    assert.is(r.stdout, "");
    const lines = r.stderr.trimEnd().split("\n");
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0]!, expect);
    assert.not.match(r.stderr, /\n\s+at /);
  });
}

test("explore lists itself in etcdsim --help and has its own --help", async () => {
  assert.match((await runMain(["--help"])).stdout, /etcdsim explore\s+--scenario NAME\|FILE.json --vary PATH=V1,V2/);
  const h = await runMain(["explore", "--help"]);
  assert.is(h.code, 0);
  assert.match(h.stdout, /--vary PATH=V1,V2,…/);
});

test("a small grid: JSON only on stdout, a point per value, and a 20 ms disk makes etcd's leader slower than a 1 ms one", async () => {
  const dir = mkdtempSync("/tmp/etcdsim-explore-");
  const report = join(dir, "grid.html");
  const r = await runMain(E("--vary", "disk.fsyncUs=1000,20000", "--seeds", "1..2", "--json", "--report", report));
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as ExploreResult;
  assert.equal(out.vary, [{ path: "disk.fsyncUs", values: [1000, 20000] }]);
  assert.equal(
    out.points.map((p) => [p.values, p.runs, p.verdicts.pass]),
    [
      [{ "disk.fsyncUs": 1000 }, 2, 2],
      [{ "disk.fsyncUs": 20000 }, 2, 2],
    ],
  );
  const fast = out.points[0]!.metrics["etcd leader"]!,
    slow = out.points[1]!.metrics["etcd leader"]!;
  assert.ok(
    slow.median > 5 * fast.median && slow.median >= 20_000,
    `etcd leader median ${fast.median} → ${slow.median} µs`,
  );
  for (const m of ["api mutating", "pod startup", "workqueue wait", "informer lag"])
    assert.ok(out.points[0]!.metrics[m]!.n > 0, m);
  assert.ok(existsSync(report) && readFileSync(report, "utf8").includes("etcdsim explore · deployment-rollout"));
  const table = exploreTable(out).split("\n");
  assert.match(table[0]!, /^explore deployment-rollout: disk.fsyncUs × seeds 1..2 — 2 grid point\(s\), 4 runs/);
  assert.ok(
    table.some((l) => /^20000\s+etcd leader\s+\d+\s+\S+ms/.test(l)),
    table.join("\n"),
  );
  rmSync(dir, { recursive: true, force: true });
});

test.run();
