// The CLI's contract for bad input, table-driven: every case must exit 2 with exactly one stderr line
// naming the field or path, no stack trace, nothing on stdout, and nothing left on disk. The cases run
// in this process (main() with stdout/stderr captured), so a few hundred take seconds: every one of them
// fails before a simulation would start.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "./main.ts";

const root = mkdtempSync("/tmp/etcdsim-bad-");
const files = join(root, "in");
const out = join(root, "out");
mkdirSync(files);
mkdirSync(out);
mkdirSync(join(files, "adir.json"));
// Fixtures the output-path cases aim at.
writeFileSync(join(out, "a-file"), "keep\n");
mkdirSync(join(out, "a-dir"));
mkdirSync(join(out, "report-index-dir", "index.html"), { recursive: true });
mkdirSync(join(out, "report-result-dir", "result.json"), { recursive: true });

/** Every path under a directory with its size and mtime: "nothing left on disk" is this not changing. */
function snapshot(dir: string): string[] {
  const outList: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = statSync(p);
      outList.push(`${p} ${st.isDirectory() ? "dir" : st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return outList;
}

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
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    console.log = log;
    process.exitCode = undefined;
  }
}

type Case = [what: string, argv: string[], expect: RegExp];
const cases: Case[] = [];

// ── Usage ───────────────────────────────────────────────────────────────────────────────────────────
const usage: Case[] = [
  ["no arguments", [], /^etcdsim — /],
  ["unknown command", ["frobnicate"], /unknown command "frobnicate"/],
  ["unknown flag on run", ["run", "--frob"], /run: Unknown option '--frob'/],
  ["unknown flag on sweep", ["sweep", "--frob"], /sweep: Unknown option '--frob'/],
  ["unknown flag on shrink", ["shrink", "--frob"], /shrink: Unknown option '--frob'/],
  ["unknown flag on bugs", ["bugs", "--frob"], /bugs: Unknown option '--frob'/],
  ["unknown flag on scenarios", ["scenarios", "--frob"], /scenarios: Unknown option '--frob'/],
  ["unknown flag on bench", ["bench", "--frob"], /bench: Unknown option '--frob'/],
  ["positional on run", ["run", "smoke"], /run: Unexpected argument 'smoke'/],
  ["--seed twice", ["run", "--seed", "1", "--seed", "2"], /--seed given more than once/],
  ["--scenario twice", ["run", "--scenario", "smoke", "--scenario", "kv-chaos"], /--scenario given more than once/],
  ["--workers twice", ["sweep", "--workers", "1", "--workers", "2"], /--workers given more than once/],
  ["--seed without a value", ["run", "--seed"], /--seed/],
  ["negative seed", ["run", "--scenario", "sim-selftest", "--seed", "-1"], /bad seed "-1"/],
  ["seed 2^32", ["run", "--scenario", "sim-selftest", "--seed", "4294967296"], /bad seed "4294967296"/],
  ["seed not a number", ["run", "--seed", "abc"], /bad seed "abc"/],
  ["fractional seed", ["run", "--seed", "1.5"], /bad seed "1.5"/],
  ["seed 1e3", ["run", "--seed", "1e3"], /bad seed "1e3"/],
  ["empty seed", ["run", "--seed", ""], /--seed needs a non-empty value/],
  ["unknown scenario", ["run", "--scenario", "no-such"], /unknown scenario "no-such"/],
  ["unknown scenario on sweep", ["sweep", "--scenario", "no-such"], /unknown scenario "no-such"/],
  ["unknown bug on run", ["run", "--bug", "nope"], /unknown bug "nope"/],
  ["unknown bug on sweep", ["sweep", "--bug", "nope"], /unknown bug "nope"/],
  ["unknown bug on bugs", ["bugs", "--bug", "nonexistent"], /unknown bug "nonexistent"/],
  ["unknown bug on bugs --hunt", ["bugs", "--hunt", "--bug", "nonexistent"], /unknown bug "nonexistent"/],
  ["bugs --seeds without --hunt", ["bugs", "--seeds", "3"], /--seeds and --budget-s go with --hunt/],
  [
    "--replay with --seed",
    ["run", "--replay", join(files, "none.json"), "--seed", "9"],
    /--replay runs the seed saved in .*drop --seed/,
  ],
  ["--replay with --scenario", ["run", "--replay", "x.json", "--scenario", "smoke"], /either --scenario or --replay/],
  [
    "missing replay file",
    ["run", "--replay", join(files, "none.json")],
    /cannot read scenario file .*none\.json: ENOENT/,
  ],
  ["replay is a directory", ["run", "--replay", join(files, "adir.json")], /cannot read scenario file .*EISDIR/],
  [
    "scenario file is a directory",
    ["run", "--scenario", join(files, "adir.json")],
    /cannot read scenario file .*EISDIR/,
  ],
  ["--seeds and --count", ["sweep", "--seeds", "1..3", "--count", "3"], /either --seeds or --count/],
  ["seed range reversed", ["sweep", "--seeds", "9..3"], /bad seed range "9\.\.3"/],
  ["seed range garbage", ["sweep", "--seeds", "a..b"], /bad seed range "a\.\.b"/],
  ["seed range too large", ["sweep", "--seeds", "0..4294967295"], /more than 10,000,000 seeds/],
  ["--count 0", ["sweep", "--count", "0"], /bad value "0" for --count/],
  ["--count -1", ["sweep", "--count", "-1"], /bad value "-1" for --count/],
  ["--count 1.5", ["sweep", "--count", "1.5"], /bad value "1\.5" for --count/],
  ["--workers 0", ["sweep", "--workers", "0"], /bad value "0" for --workers/],
  ["--workers 65", ["sweep", "--workers", "65"], /bad value "65" for --workers/],
  ["--workers two", ["sweep", "--workers", "two"], /bad value "two" for --workers/],
  [
    "empty shard",
    ["sweep", "--scenario", "sim-selftest", "--seeds", "1..3", "--shard", "5/10"],
    /shard 5\/10 of seeds 1\.\.3 holds no seed/,
  ],
  ["absurd shard", ["sweep", "--shard", "1/99999999999999999999"], /bad shard "1\/99999999999999999999"/],
  ["shard 0/3", ["sweep", "--shard", "0/3"], /bad shard "0\/3"/],
  ["shard 4/3", ["sweep", "--shard", "4/3"], /bad shard "4\/3"/],
  ["shard garbage", ["sweep", "--shard", "half"], /bad shard "half"/],
  ["shrink without --scenario", ["shrink", "--seed", "1"], /--scenario is required/],
  ["shrink without --seed", ["shrink", "--scenario", "smoke"], /--seed is required/],
  ["shrink bad seed", ["shrink", "--scenario", "smoke", "--seed", "x"], /bad seed "x"/],
  [
    "shrink --max-evaluations 0",
    ["shrink", "--scenario", "smoke", "--seed", "1", "--max-evaluations", "0"],
    /bad value "0" for --max-evaluations/,
  ],
  ["bench unknown suite", ["bench", "--only", "nope"], /unknown suite "nope"/],
  ["bench --time-ms 0", ["bench", "--time-ms", "0"], /bad value "0" for --time-ms/],
  ["bugs --hunt --seeds 0", ["bugs", "--hunt", "--seeds", "0"], /bad value "0" for --seeds/],
];
cases.push(...usage);

// ── Output paths: checked before the run ─────────────────────────────────────────────────────────────
const targets: [string, string, RegExp][] = [
  ["a directory", join(out, "a-dir"), /is a directory|not a regular file/],
  ["under a file", join(out, "a-file", "x"), /a parent is not a directory/],
  ["deep under a file", join(out, "a-file", "x", "y", "z"), /a parent is not a directory/],
  ["under /proc", "/proc/1/nope", /refusing to write under \/proc/],
  ["deep under /proc", "/proc/1/nope/deeper/x", /refusing to write under \/proc/],
  ["under /sys", "/sys/etcdsim-x", /refusing to write under \/sys/],
  ["an empty string", "", /needs a non-empty value|empty path/],
];
for (const [what, path, re] of targets) {
  const flagRe = (flag: string) => new RegExp(`${flag}.*(${re.source})`);
  cases.push([
    `--trace to ${what}`,
    ["run", "--scenario", "sim-selftest", "--seed", "1", "--trace", path],
    flagRe("--trace"),
  ]);
  cases.push([
    `--save-replay to ${what}`,
    ["run", "--scenario", "sim-selftest", "--seed", "1", "--save-replay", path],
    flagRe("--save-replay"),
  ]);
  cases.push([
    `--junit to ${what}`,
    ["sweep", "--scenario", "sim-selftest", "--count", "1", "--junit", path],
    flagRe("--junit"),
  ]);
  cases.push([
    `--out to ${what}`,
    ["shrink", "--scenario", "sim-selftest", "--seed", "1", "--out", path],
    flagRe("--out"),
  ]);
  if (what !== "a directory")
    cases.push([
      `--report to ${what}`,
      ["run", "--scenario", "sim-selftest", "--seed", "1", "--report", path],
      flagRe("--report"),
    ]);
}
cases.push([
  "--report to a file",
  ["run", "--scenario", "sim-selftest", "--seed", "1", "--report", join(out, "a-file")],
  /--report .*is not a directory/,
]);
cases.push([
  "--report whose index.html is a directory",
  ["run", "--scenario", "sim-selftest", "--seed", "1", "--report", join(out, "report-index-dir")],
  /--report .*index\.html exists and is not a regular file/,
]);
cases.push([
  "--report whose result.json is a directory",
  ["run", "--scenario", "sim-selftest", "--seed", "1", "--report", join(out, "report-result-dir")],
  /--report .*result\.json exists and is not a regular file/,
]);

// ── Scenario files: the whole file, by the schema, before the run ────────────────────────────────────
let fileNo = 0;
function fileCase(what: string, content: unknown, re: RegExp, command: "run" | "sweep" = "run"): void {
  const path = join(files, `case-${++fileNo}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  cases.push([
    `scenario file: ${what}`,
    command === "run" ? ["run", "--scenario", path, "--seed", "1"] : ["sweep", "--scenario", path, "--count", "2"],
    re,
  ]);
}
const field = (f: string) => new RegExp(`field "${f.replace(/[.[\]]/g, (c) => "\\" + c)}"`);

fileCase("not JSON", "{ nope", /is not valid JSON/);
fileCase("empty", "", /is not valid JSON/);
fileCase("an array", [], /expected a JSON object/);
fileCase("no scenario", {}, field("scenario"));
fileCase("unknown scenario", { scenario: "nope" }, field("scenario"));
fileCase("unknown top-level key", { scenario: "smoke", bogus: 1 }, field("bogus"));
fileCase("seed negative", { scenario: "smoke", seed: -1 }, field("seed"));
fileCase("seed fractional", { scenario: "smoke", seed: 1.5 }, field("seed"));
fileCase("seed a string", { scenario: "smoke", seed: "1" }, field("seed"));
fileCase("bugs not an array", { scenario: "smoke", bugs: "x" }, field("bugs"));
fileCase("unknown bug", { scenario: "smoke", bugs: ["nope"] }, field("bugs[0]"));
fileCase("description a number", { scenario: "smoke", description: 5 }, field("description"));
fileCase("options not an object", { scenario: "smoke", options: [] }, field("options"));
fileCase("faults not an array", { scenario: "smoke", faults: {} }, field("faults"));

// Every etcd option: wrong type, negative, fractional (integers), absurdly large.
const KV_NUMBERS: [string, boolean][] = [
  ["members", true],
  ["spares", true],
  ["clients", true],
  ["keys", true],
  ["faultPhaseUs", true],
  ["livenessBoundUs", true],
  ["thinkUs", true],
  ["compactEveryUs", true],
  ["compactLag", true],
  ["tickUs", true],
  ["electionTicks", true],
  ["maxInflight", true],
  ["maxEntriesPerMsg", true],
  ["snapshotEvery", true],
  ["requestTimeoutUs", true],
  ["leaseTtlSec", true],
  ["leaseGrantP", false],
  ["latencyUs", true],
  ["jitterUs", true],
  ["lossP", false],
  ["watchBacklog", true],
  ["maxCheckSteps", true],
];
for (const [k, int] of KV_NUMBERS) {
  fileCase(
    `options.${k} a string`,
    { scenario: "kv-chaos", options: { [k]: "three" } },
    new RegExp(`${field(`options.${k}`).source} must be a number`),
  );
  fileCase(
    `options.${k} negative`,
    { scenario: "kv-chaos", options: { [k]: -1 } },
    new RegExp(`${field(`options.${k}`).source} must be >=`),
  );
  fileCase(
    `options.${k} 1e300`,
    { scenario: "kv-chaos", options: { [k]: 1e300 } },
    new RegExp(`${field(`options.${k}`).source} must be (<=|an integer)`),
  );
  if (int)
    fileCase(
      `options.${k} fractional`,
      { scenario: "kv-chaos", options: { [k]: 2.5 } },
      new RegExp(`${field(`options.${k}`).source} must be an integer`),
    );
}
// Zero or impossible knobs.
for (const [k, v] of [
  ["tickUs", 0],
  ["electionTicks", 0],
  ["electionTicks", 1],
  ["maxInflight", 0],
  ["requestTimeoutUs", 0],
  ["snapshotEvery", 0],
  ["thinkUs", 0],
  ["compactEveryUs", 0],
  ["members", 0],
  ["members", 10],
  ["clients", 0],
  ["keys", 0],
  ["faultPhaseUs", 0],
  ["faultPhaseUs", 1e300],
  ["lossP", 5],
  ["leaseGrantP", 1.5],
  ["maxEntriesPerMsg", 0],
  ["watchBacklog", 0],
  ["leaseTtlSec", 0],
] as const) {
  fileCase(`options.${k} = ${v}`, { scenario: "smoke", options: { [k]: v } }, field(`options.${k}`));
}
fileCase(
  "too many operations together (64 clients, 1 µs think, 10 min)",
  { scenario: "smoke", options: { clients: 64, thinkUs: 1, faultPhaseUs: 600_000_000 } },
  /field "options\.thinkUs" is too small for 64 clients/,
);
fileCase(
  "too many ticks together (tickUs 1, 10 min)",
  { scenario: "smoke", options: { tickUs: 1, thinkUs: 600_000_000, faultPhaseUs: 600_000_000 } },
  /field "options\.tickUs" is too small/,
);
fileCase(
  "too many faults together (meanGapUs 1)",
  { scenario: "kv-chaos", options: { mix: { meanGapUs: 1 } } },
  /field "options\.mix\.meanGapUs" is too small/,
);
fileCase(
  "selftest too many ticks",
  { scenario: "sim-selftest", options: { tickUs: 1, faultPhaseUs: 600_000_000 } },
  /field "options\.tickUs" is too small/,
);
fileCase(
  "kube too long for its processes",
  { scenario: "deployment-rollout", options: { nodes: 64, faultPhaseUs: 600_000_000 } },
  /field "options\.faultPhaseUs" is too long for/,
);
fileCase(
  "kube apiservers 4",
  { scenario: "deployment-rollout", options: { apiservers: 4 } },
  /field "options\.apiservers" must be <= 3/,
);
fileCase(
  "kube action after the fault phase",
  { scenario: "deployment-rollout", options: { faultPhaseUs: 2_000_000 } },
  /field "options\.actions\[1\]\.at" must be before faultPhaseUs \(2000000\), not 3000000/,
);
fileCase(
  "kube livenessBoundUs 1 s",
  { scenario: "deployment-rollout", options: { livenessBoundUs: 1_000_000 } },
  /field "options\.livenessBoundUs" must be >= 5000000/,
);
fileCase(
  "heartbeats slower than the election timeout",
  { scenario: "smoke", options: { latencyUs: 60_000 } },
  /field "options\.latencyUs" plus jitterUs .* must be at most a quarter of the election timeout/,
);
fileCase(
  "keyspace rewrites on a cluster the control plane shares",
  { scenario: "watch-compaction", options: { traffic: { rewrite: 3 } } },
  /field "options\.traffic\.rewrite" must be 0 with kube on/,
);
fileCase(
  "request timeout too short to complete anything",
  { scenario: "smoke", options: { requestTimeoutUs: 1 } },
  /field "options\.requestTimeoutUs" must be at least/,
);
fileCase(
  "liveness bound shorter than an election",
  { scenario: "smoke", options: { livenessBoundUs: 100_000 } },
  /field "options\.livenessBoundUs" must be at least 5 election timeouts/,
);
fileCase(
  "election timeout longer than the liveness bound",
  { scenario: "smoke", options: { tickUs: 1_000_000 } },
  /field "options\.livenessBoundUs" must be at least 5 election timeouts/,
);
fileCase(
  "lossP 1 (nothing would converge)",
  { scenario: "smoke", options: { lossP: 1 } },
  /field "options\.lossP" must be <= 0\.3/,
);
fileCase(
  "selftest liveness bound 1 µs",
  { scenario: "sim-selftest", options: { livenessBoundUs: 1 } },
  /field "options\.livenessBoundUs" must be at least/,
);
fileCase(
  "kube too many faults",
  { scenario: "deployment-rollout", options: { mix: { meanGapUs: 5 } } },
  /field "options\.mix\.meanGapUs" is too small/,
);
fileCase("booleans as strings", { scenario: "smoke", options: { compaction: "yes" } }, field("options.compaction"));
fileCase("kube as a number", { scenario: "smoke", options: { kube: 1 } }, field("options.kube"));
fileCase("unknown option", { scenario: "smoke", options: { bogus: 1 } }, field("options.bogus"));
fileCase("traffic.bogus", { scenario: "smoke", options: { traffic: { bogus: 1 } } }, field("options.traffic.bogus"));
fileCase(
  "traffic weight negative",
  { scenario: "smoke", options: { traffic: { put: -1 } } },
  field("options.traffic.put"),
);
fileCase(
  "traffic weight a string",
  { scenario: "smoke", options: { traffic: { put: "5" } } },
  field("options.traffic.put"),
);
fileCase(
  "all traffic weights 0",
  {
    scenario: "smoke",
    options: {
      traffic: {
        get: 0,
        list: 0,
        staleGet: 0,
        put: 0,
        delete: 0,
        txn: 0,
        cas: 0,
        putWithLease: 0,
        leaseRevoke: 0,
        watch: 0,
      },
    },
  },
  /field "options\.traffic" needs at least one weight above 0/,
);
fileCase("traffic not an object", { scenario: "smoke", options: { traffic: 5 } }, field("options.traffic"));
fileCase(
  "mix.weights.meteor",
  { scenario: "smoke", options: { mix: { weights: { meteor: 1 } } } },
  field("options.mix.weights.meteor"),
);
fileCase("mix.bogus", { scenario: "smoke", options: { mix: { bogus: 1 } } }, field("options.mix.bogus"));
fileCase(
  "mix weight negative",
  { scenario: "smoke", options: { mix: { weights: { crash: -2 } } } },
  field("options.mix.weights.crash"),
);
fileCase("mix meanGapUs 0", { scenario: "smoke", options: { mix: { meanGapUs: 0 } } }, field("options.mix.meanGapUs"));
fileCase(
  "mix meanGapUs 1e300",
  { scenario: "smoke", options: { mix: { meanGapUs: 1e300 } } },
  field("options.mix.meanGapUs"),
);
fileCase(
  "mix min above max",
  { scenario: "smoke", options: { mix: { minDurationUs: 900_000, maxDurationUs: 100 } } },
  field("options.mix.maxDurationUs"),
);
fileCase(
  "mix maxSkewUs 1e18",
  { scenario: "smoke", options: { mix: { maxSkewUs: 1e18 } } },
  field("options.mix.maxSkewUs"),
);
fileCase(
  "mix diskFaults a string",
  { scenario: "smoke", options: { mix: { diskFaults: "yes" } } },
  field("options.mix.diskFaults"),
);
fileCase(
  "watchLifeUs strings",
  { scenario: "smoke", options: { watchLifeUs: ["a", "b"] } },
  field("options.watchLifeUs[0]"),
);
fileCase(
  "watchLifeUs reversed",
  { scenario: "smoke", options: { watchLifeUs: [500, 100] } },
  field("options.watchLifeUs"),
);
fileCase(
  "watchLifeUs three elements",
  { scenario: "smoke", options: { watchLifeUs: [1, 2, 3] } },
  field("options.watchLifeUs"),
);
fileCase("watchLifeUs a number", { scenario: "smoke", options: { watchLifeUs: 5 } }, field("options.watchLifeUs"));
fileCase(
  "buggify unknown point",
  { scenario: "kv-chaos", options: { buggify: ["melt-cpu"] } },
  field("options.buggify[0]"),
);
fileCase("buggify a string", { scenario: "kv-chaos", options: { buggify: "melt-cpu" } }, field("options.buggify"));
fileCase(
  "membership adds no spare",
  { scenario: "membership-change", options: { members: 3, spares: 1, membership: [{ add: "n5" }] } },
  field("options.membership[0].add"),
);
fileCase(
  "membership removes n9",
  { scenario: "membership-change", options: { members: 3, spares: 1, membership: [{ remove: "n9" }] } },
  field("options.membership[0].remove"),
);
fileCase(
  "membership removes a spare in another lane than its add",
  {
    scenario: "membership-change",
    options: {
      members: 3,
      spares: 1,
      membership: [
        { add: "n4", lane: 0 },
        { remove: "n4", lane: 1 },
      ],
    },
  },
  /field "options\.membership\[1\]\.remove" names n4 in lane 1, but options\.membership\[0\] names it in lane 0/,
);
fileCase(
  "membership removes a spare before adding it",
  { scenario: "membership-change", options: { members: 3, spares: 1, membership: [{ remove: "n4" }, { add: "n4" }] } },
  /field "options\.membership\[0\]\.remove" removes spare n4 before any step adds it/,
);
fileCase(
  "membership adds a spare in two lanes",
  {
    scenario: "membership-change",
    options: { members: 3, spares: 1, membership: [{ add: "n4" }, { add: "n4", lane: 2 }] },
  },
  /field "options\.membership\[1\]\.add" names n4 in lane 2, but options\.membership\[0\] names it in lane 0/,
);
fileCase(
  "membership step unknown",
  { scenario: "membership-change", options: { membership: [{ promote: "n4" }] } },
  field("options.membership[0].promote"),
);
fileCase(
  "membership step adds and removes",
  { scenario: "membership-change", options: { members: 3, spares: 1, membership: [{ add: "n4", remove: "n1" }] } },
  /field "options\.membership\[0\]".*exactly one of "add" or "remove"/,
);
fileCase(
  "membership lane 8",
  { scenario: "membership-change", options: { members: 3, spares: 1, membership: [{ add: "n4", lane: 8 }] } },
  field("options.membership[0].lane"),
);
fileCase(
  "membership lane a string",
  { scenario: "membership-change", options: { members: 3, spares: 1, membership: [{ remove: "n1", lane: "b" }] } },
  field("options.membership[0].lane"),
);
fileCase(
  "traffic nestedTxn negative",
  { scenario: "kv-chaos", options: { traffic: { nestedTxn: -1 } } },
  field("options.traffic.nestedTxn"),
);
fileCase(
  "traffic aheadRead fractional",
  { scenario: "kv-chaos", options: { traffic: { aheadRead: 0.5 } } },
  field("options.traffic.aheadRead"),
);
fileCase("selftest processes 1", { scenario: "sim-selftest", options: { processes: 1 } }, field("options.processes"));
fileCase("selftest unknown option", { scenario: "sim-selftest", options: { members: 3 } }, field("options.members"));
fileCase("selftest tickUs 0", { scenario: "sim-selftest", options: { tickUs: 0 } }, field("options.tickUs"));
fileCase("bad option in a sweep", { scenario: "kv-chaos", options: { members: 0 } }, field("options.members"), "sweep");

// Kubernetes options: manifests and actions.
fileCase(
  "bad YAML in manifests",
  { scenario: "deployment-rollout", options: { manifests: ["kind: [unclosed"] } },
  /field "options\.manifests\[0\]" is not a valid manifest: .*invalid YAML/,
);
fileCase(
  "manifest without kind",
  { scenario: "deployment-rollout", options: { manifests: ["metadata: {name: x}"] } },
  field("options.manifests[0]"),
);
fileCase(
  "manifests a string",
  { scenario: "deployment-rollout", options: { manifests: "kind: Deployment" } },
  field("options.manifests"),
);
fileCase(
  "unknown action kind",
  { scenario: "deployment-rollout", options: { actions: [{ at: 1, kind: "explode", deployment: "nginx" }] } },
  field("options.actions[0].kind"),
);
fileCase(
  "action replicas -1",
  {
    scenario: "deployment-rollout",
    options: { actions: [{ at: 1, kind: "scale", deployment: "nginx", replicas: -1 }] },
  },
  field("options.actions[0].replicas"),
);
fileCase(
  "action at 1e300",
  {
    scenario: "deployment-rollout",
    options: { actions: [{ at: 1e300, kind: "scale", deployment: "nginx", replicas: 2 }] },
  },
  field("options.actions[0].at"),
);
fileCase(
  "action unknown field",
  {
    scenario: "deployment-rollout",
    options: { actions: [{ at: 1, kind: "scale", deployment: "nginx", replicas: 2, force: true }] },
  },
  field("options.actions[0].force"),
);
fileCase(
  "action apply bad YAML",
  { scenario: "deployment-rollout", options: { actions: [{ at: 1, kind: "apply", manifest: "a: [b" }] } },
  field("options.actions[0].manifest"),
);
fileCase(
  "kube apiservers 0",
  { scenario: "deployment-rollout", options: { apiservers: 0 } },
  field("options.apiservers"),
);
fileCase("kube nodes 1e6", { scenario: "deployment-rollout", options: { nodes: 1e6 } }, field("options.nodes"));
fileCase(
  "kube compactIntervalUs 0",
  { scenario: "deployment-rollout", options: { compactIntervalUs: 0 } },
  field("options.compactIntervalUs"),
);

// Faults: every kind's fields, names, symbolic targets and times.
const F = (f: Record<string, unknown>, scenario = "smoke", options: Record<string, unknown> = { members: 3 }) => ({
  scenario,
  options,
  faults: [f],
});
fileCase("fault not an object", { scenario: "smoke", faults: [5] }, field("faults[0]"));
fileCase("fault without kind", F({ at: 1 }), field("faults[0].kind"));
fileCase("fault unknown kind", F({ at: 1, kind: "meteor" }), field("faults[0].kind"));
fileCase("fault without at", F({ kind: "loss", p: 0.1 }), field("faults[0].at"));
fileCase("fault at negative", F({ at: -5, kind: "loss", p: 0.1 }), field("faults[0].at"));
fileCase("fault at fractional", F({ at: 1.5, kind: "loss", p: 0.1 }), field("faults[0].at"));
fileCase("fault at 1e300", F({ at: 1e300, kind: "loss", p: 0.1 }), field("faults[0].at"));
fileCase("fault at a string", F({ at: "1s", kind: "loss", p: 0.1 }), field("faults[0].at"));
fileCase("fault until before at", F({ at: 100, until: 50, kind: "loss", p: 0.1 }), field("faults[0].until"));
fileCase("fault until 1e300", F({ at: 100, until: 1e300, kind: "loss", p: 0.1 }), field("faults[0].until"));
fileCase("fault unknown field", F({ at: 1, kind: "loss", p: 0.1, severity: 3 }), field("faults[0].severity"));
fileCase("loss p 5", F({ at: 1, kind: "loss", p: 5 }), field("faults[0].p"));
fileCase("loss p negative", F({ at: 1, kind: "loss", p: -0.1 }), field("faults[0].p"));
fileCase("duplicate p missing", F({ at: 1, kind: "duplicate" }), field("faults[0].p"));
fileCase("delay negative", F({ at: 1, kind: "delay", extraUs: -10 }), field("faults[0].extraUs"));
fileCase("delay fractional", F({ at: 1, kind: "delay", extraUs: 1.5 }), field("faults[0].extraUs"));
fileCase("delay 1e18", F({ at: 1, kind: "delay", extraUs: 1e18 }), field("faults[0].extraUs"));
fileCase("skew 1e18", F({ at: 1, kind: "skew", target: "n1", byUs: 1e18 }), field("faults[0].byUs"));
fileCase("skew -1e18", F({ at: 1, kind: "skew", target: "n1", byUs: -1e18 }), field("faults[0].byUs"));
fileCase("skew fractional", F({ at: 1, kind: "skew", target: "n1", byUs: 0.5 }), field("faults[0].byUs"));
fileCase("drift 1e9 ppm", F({ at: 1, kind: "drift", target: "n1", ppm: 1e9 }), field("faults[0].ppm"));
fileCase("disk-slow negative", F({ at: 1, kind: "disk-slow", target: "n1", extraUs: -1 }), field("faults[0].extraUs"));
fileCase("crash disk mode unknown", F({ at: 1, kind: "crash", target: "n1", disk: "melted" }), field("faults[0].disk"));
fileCase("crash without target", F({ at: 1, kind: "crash" }), field("faults[0].target"));
fileCase(
  "crash target n99",
  F({ at: 1, kind: "crash", target: "n99" }),
  /field "faults\[0\]\.target" names no process of this run: "n99"/,
);
fileCase("pause target a number", F({ at: 1, kind: "pause", target: 1 }), field("faults[0].target"));
fileCase("pause target empty", F({ at: 1, kind: "pause", target: "" }), field("faults[0].target"));
fileCase("isolate target c1 (a client)", F({ at: 1, kind: "isolate", target: "c1" }), field("faults[0].target"));
fileCase(
  "isolate among n7",
  F({ at: 1, kind: "isolate", target: "n1", among: ["n2", "n7"] }),
  field("faults[0].among[1]"),
);
fileCase(
  "partition side zz",
  F({ at: 1, kind: "partition", groups: [["n1"], ["zz"]] }),
  field("faults[0].groups[1][0]"),
);
fileCase(
  "partition groups not arrays",
  F({ at: 1, kind: "partition", groups: ["n1", "n2"] }),
  field("faults[0].groups[0]"),
);
fileCase("partition without groups", F({ at: 1, kind: "partition" }), field("faults[0].groups"));
fileCase("one-way to n9", F({ at: 1, kind: "partition-oneway", from: ["n1"], to: ["n9"] }), field("faults[0].to[0]"));
fileCase(
  "one-way from a string",
  F({ at: 1, kind: "partition-oneway", from: "n1", to: ["n2"] }),
  field("faults[0].from"),
);
fileCase("bridge one side", F({ at: 1, kind: "bridge", sides: [["n1"]], bridge: "n2" }), field("faults[0].sides"));
fileCase(
  "bridge unknown bridge",
  F({ at: 1, kind: "bridge", sides: [["n1"], ["n2"]], bridge: "n8" }),
  field("faults[0].bridge"),
);
fileCase("clog without until", F({ at: 1, kind: "clog", from: "n1", to: "n2" }), field("faults[0].until"));
fileCase("clog to n4", F({ at: 1, until: 5, kind: "clog", from: "n1", to: "n4" }), field("faults[0].to"));
fileCase(
  "symbolic target unknown role",
  F({ at: 1, kind: "pause", target: "@captain" }),
  /field "faults\[0\]\.target" cannot resolve: "@captain"/,
);
fileCase(
  "symbolic label never bound",
  F({ at: 1, kind: "pause", target: "@L" }),
  /field "faults\[0\]\.target" cannot resolve: "@L"/,
);
fileCase(
  "symbolic label bound later",
  {
    scenario: "smoke",
    options: { members: 3 },
    faults: [
      { at: 1, kind: "pause", target: "@L" },
      { at: 5, kind: "pause", target: "@leader=L" },
    ],
  },
  field("faults[0].target"),
);
fileCase("symbolic target two =", F({ at: 1, kind: "pause", target: "@leader=L=M" }), field("faults[0].target"));
fileCase("symbolic label bad", F({ at: 1, kind: "pause", target: "@leader=9x" }), field("faults[0].target"));
fileCase("bare @", F({ at: 1, kind: "pause", target: "@" }), field("faults[0].target"));
fileCase(
  "kube target node-9",
  F({ at: 1, kind: "pause", target: "node-9" }, "deployment-rollout", { nodes: 3 }),
  /field "faults\[0\]\.target" names no process of this run: "node-9"/,
);
fileCase(
  "kube label binding",
  F({ at: 1, kind: "pause", target: "@leader=L" }, "deployment-rollout", { nodes: 3 }),
  field("faults[0].target"),
);
fileCase(
  "kube unknown role",
  F({ at: 1, kind: "pause", target: "@follower" }, "deployment-rollout", { nodes: 3 }),
  field("faults[0].target"),
);
fileCase(
  "selftest target n1",
  F({ at: 1, kind: "pause", target: "n1" }, "sim-selftest", { processes: 3 }),
  field("faults[0].target"),
);
fileCase(
  "selftest symbolic target",
  F({ at: 1, kind: "pause", target: "@leader" }, "sim-selftest", { processes: 3 }),
  field("faults[0].target"),
);
fileCase(
  "faults without options name n9 (checked for the seed)",
  { scenario: "smoke", faults: [{ at: 1, kind: "crash", target: "n9" }] },
  /field "faults\[0\]\.target" names no process.*\(for seed 1\)/,
);
fileCase(
  "spare named without spares",
  F({ at: 1, kind: "crash", target: "n4" }, "smoke", { members: 3, spares: 0 }),
  field("faults[0].target"),
);
fileCase(
  "a second bad fault",
  {
    scenario: "smoke",
    options: { members: 3 },
    faults: [
      { at: 1, kind: "loss", p: 0.1 },
      { at: 2, kind: "loss", p: 2 },
    ],
  },
  field("faults[1].p"),
);

test(`at least 200 bad-input cases (${cases.length})`, () => {
  assert.ok(cases.length >= 200, String(cases.length));
});

const seen = new Set<string>();
for (const [what, argv, re] of cases) {
  assert.ok(!seen.has(what), `duplicate case name ${what}`);
  seen.add(what);
  test(`bad input: ${what} → exit 2, one line naming it, no stack, nothing on disk`, async () => {
    const before = snapshot(root);
    const cwd = process.cwd();
    process.chdir(out);
    let r;
    try {
      r = await runMain(argv);
    } finally {
      process.chdir(cwd);
    }
    const msg = `${argv.join(" ")}\nstdout: ${r.stdout.slice(0, 300)}\nstderr: ${r.stderr.slice(0, 500)}`;
    assert.is(r.code, 2, msg);
    if (argv.length > 0) {
      assert.is(r.stderr.split("\n").length, 2, msg); // one line and its newline
      assert.is(r.stdout, "", msg);
    }
    assert.match(r.stderr, re, msg);
    assert.not.match(r.stderr, /\n\s+at |internal error/, msg);
    assert.equal(snapshot(root), before, `left something on disk: ${msg}`);
  });
}

// The scratch directory goes with the suite: test runs leave nothing in /tmp.
test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
