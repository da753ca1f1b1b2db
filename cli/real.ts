// etcdsim real: the scenario's workload and checkers against a real etcd cluster under real faults.
import { existsSync, readFileSync, statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { loadScenario } from "../scenarios/loader.ts";
import { writeFileAtomic } from "../reports/files.ts";
import { intArg, parse, seedArg, UsageError } from "./args.ts";
import { exitFor } from "./run.ts";

export const REAL_HELP = `etcdsim real [--scenario NAME|FILE.json] [--members N] [--etcd-binary PATH] [--duration S] [--seed N]
             [--faults KIND,…] [--json] [--report DIR] [--save-replay FILE] [--replay FILE] [--compare-sim]

Runs the scenario's clients and checkers against a real etcd cluster on 127.0.0.1 under real faults.
  --scenario NAME|FILE  an etcd KV scenario (default: smoke); its clients, keys, traffic mix and fault mix are used
  --members N           etcd processes (default 3)
  --etcd-binary PATH    the etcd to run (default /usr/bin/etcd, Debian's etcd-server; any 3.4/3.5/3.6 build)
  --duration S          seconds of workload and faults before heal (default 20)
  --seed N              seed of the fault schedule and the clients' choices (default: a random one, printed)
  --faults KIND,…       only these fault kinds: kill, pause, isolate, oneway, delay, drop, defrag, replace (none: no faults)
  --json                print one JSON object instead of the text summary
  --report DIR          the HTML report and the run's JSON/JSONL files
  --save-replay FILE    save the fault schedule (with scenario, seed and settings) as a replay file
  --replay FILE         run a saved schedule again
  --compare-sim         also run the scenario in the simulator with the same seed and print the
                        distributions that should agree, side by side
The seed reproduces the fault schedule and the workload's choices, not the interleaving (the real
cluster's timing decides it). Exit: 0 pass, 1 a check failed, 2 bad input, 3 inconclusive.`;

export async function realCommand(argv: string[]): Promise<number> {
  const { values } = parse("real", argv, {
    scenario: { type: "string" },
    members: { type: "string" },
    "etcd-binary": { type: "string" },
    duration: { type: "string" },
    seed: { type: "string" },
    faults: { type: "string" },
    json: { type: "boolean" },
    report: { type: "string" },
    "save-replay": { type: "string" },
    replay: { type: "string" },
    "compare-sim": { type: "boolean" },
  });
  if (values.help) {
    console.log(REAL_HELP);
    return 0;
  }
  // Imported here: the harness pulls in gRPC, which the other commands do not need.
  const { REAL_FAULT_KINDS } = await import("../harness/real/schedule.ts");
  const replay = values.replay !== undefined ? readReplay(values.replay) : undefined;
  if (replay && values.scenario !== undefined)
    throw new UsageError("real: give either --scenario or --replay, not both");
  const members = intArg(values.members, "--members", 1, 9) ?? replay?.members ?? 3;
  const durationS = intArg(values.duration, "--duration", 1, 3600) ?? replay?.durationS ?? 20;
  const binary = values["etcd-binary"] ?? "/usr/bin/etcd";
  if (!existsSync(binary) || !statSync(binary).isFile())
    throw new UsageError(
      `real: no etcd binary at ${binary} (install Debian's etcd-server, or give --etcd-binary PATH)`,
    );
  let faultKinds: (typeof REAL_FAULT_KINDS)[number][] | undefined;
  if (values.faults !== undefined) {
    faultKinds = values.faults
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "" && s !== "none") as typeof faultKinds;
    for (const k of faultKinds!)
      if (!REAL_FAULT_KINDS.includes(k))
        throw new UsageError(
          `real: unknown fault kind "${k}" in --faults (known: ${REAL_FAULT_KINDS.join(", ")}, none)`,
        );
  }
  const loaded = loadScenario(replay?.scenario ?? values.scenario ?? "smoke");
  const seed = seedArg(values.seed) ?? replay?.seed ?? loaded.seed ?? (Math.random() * 0x100000000) >>> 0;
  const json = values.json === true;
  const { kvOptions, realSchedule, runReal } = await import("../harness/real/run.ts");
  const { describeRealFault } = await import("../harness/real/schedule.ts");
  kvOptions(loaded.def, seed); // a scenario without a client workload is bad input: say so before starting etcd
  const schedule = replay?.schedule ?? realSchedule(loaded.def, seed, members, durationS, faultKinds);
  const say = (s: string) => {
    if (!json) console.log(s);
    else process.stderr.write(s + "\n");
  };

  // The schedule first: a failure report is complete even if the run dies.
  say(
    `etcdsim real  scenario=${loaded.def.name}  seed=${seed}  members=${members}  duration=${durationS}s  etcd=${binary}`,
  );
  say(
    `faults (${schedule.length}): ${schedule.map((f) => `${(f.at / 1000).toFixed(1)}s ${describeRealFault(f)} until ${(f.until / 1000).toFixed(1)}s`).join("; ") || "none"}`,
  );
  if (values["save-replay"] !== undefined) {
    writeFileAtomic(
      values["save-replay"],
      JSON.stringify({ real: true, scenario: loaded.ref, seed, members, durationS, faultKinds, schedule }, null, 1) +
        "\n",
    );
  }

  const t0 = performance.now();
  // ETCDSIM_REAL_TMPDIR: where the run's data dirs go (default /dev/shm, else the OS temp dir).
  const baseDir = process.env.ETCDSIM_REAL_TMPDIR;
  const out = await runReal({
    scenario: loaded.def,
    scenarioRef: loaded.ref,
    seed,
    members,
    binary,
    durationS,
    schedule,
    ...(faultKinds ? { faultKinds } : {}),
    ...(baseDir ? { baseDir } : {}),
    log: say,
  });
  const r = out.result;
  r.stats.wallMs = Math.round(performance.now() - t0);
  const { realStats, formatRealStats } = await import("../harness/real/stats.ts");
  const stats = realStats(out);
  r.extra = { ...r.extra, realStats: stats };
  let comparison: unknown;
  if (values["compare-sim"]) {
    const { compareWithSim, formatComparison } = await import("../harness/real/compare.ts");
    const cmp = compareWithSim(loaded.def, loaded.ref, seed, out);
    comparison = cmp;
    r.extra = { ...r.extra, compareSim: cmp };
    say(formatComparison(cmp));
  }
  if (values.report !== undefined) {
    const { writeRealReport } = await import("../harness/real/report.ts");
    writeRealReport(values.report, r, { version: out.etcdVersion, binary });
  }
  if (json) {
    console.log(
      JSON.stringify({
        scenario: r.scenario,
        seed,
        verdict: r.verdict,
        traceHash: r.traceHash,
        stats: r.stats,
        checks: r.checks.map((c) => ({ name: c.name, verdict: c.verdict, message: c.message })),
        repro: r.repro,
        note: "the seed reproduces the fault schedule and the workload's choices, not the interleaving",
        etcdVersion: out.etcdVersion,
        members,
        durationS,
        schedule,
        applied: (r.extra!.real as { applied: unknown }).applied,
        realStats: stats,
        ...(comparison !== undefined ? { compareSim: comparison } : {}),
      }),
    );
  } else {
    for (const c of r.checks)
      console.log(
        `  ${c.verdict === "pass" ? "PASS" : c.verdict === "fail" ? "FAIL" : "UNKNOWN"}  ${c.name.padEnd(22)} ${c.message}`,
      );
    console.log(formatRealStats(stats));
    console.log(`verdict: ${r.verdict.toUpperCase()}   schedule: ${r.traceHash}`);
    console.log(`repro: ${r.repro}   (reproduces the schedule and the workload's choices, not the interleaving)`);
    if (values.report !== undefined) console.log(`report: ${values.report}/index.html`);
  }
  return exitFor(r.verdict);
}

interface ReplayFile {
  scenario: string;
  seed: number;
  members: number;
  durationS: number;
  schedule: import("../harness/real/schedule.ts").RealFault[];
}

function readReplay(path: string): ReplayFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UsageError(
      `real: cannot read replay ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const d = data as Partial<ReplayFile> & { real?: boolean };
  if (
    d.real !== true ||
    typeof d.scenario !== "string" ||
    typeof d.seed !== "number" ||
    !Array.isArray(d.schedule) ||
    typeof d.members !== "number" ||
    typeof d.durationS !== "number"
  ) {
    throw new UsageError(`real: ${path} is not a real-run replay (saved by \`etcdsim real --save-replay\`)`);
  }
  return d as ReplayFile;
}
