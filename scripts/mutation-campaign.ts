// npm run mutate -- [--sites N] [--seed N] [--only core/raft] [--workers N] [--scale X] [--all-lines] [--json]
// A mutation campaign over the simulated system's built code (harness/mutation/): N random slips, each
// screened by its layer's scenarios; prints the mutants every checker let through. Needs `npm run build`.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { intArg, interactive, parse, UsageError } from "../cli/args.ts";
import { newestSource } from "../bin/sources.js";
import { campaignSites, hangTimeouts, type MutantResult, runCampaign } from "../harness/mutation/campaign.ts";
import { pickSites } from "../harness/mutation/sites.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

async function main(argv: string[]): Promise<number> {
  const { values } = parse("mutate", argv, {
    sites: { type: "string" },
    seed: { type: "string" },
    only: { type: "string" },
    workers: { type: "string" },
    scale: { type: "string" },
    "all-lines": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const count = intArg(values.sites, "--sites", 1, 100_000) ?? 50;
  const seed = intArg(values.seed, "--seed", 0, 0xffffffff) ?? 1;
  const workers = intArg(values.workers, "--workers", 1, 64) ?? 2;
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 100)
    throw new UsageError(`bad value "${values.scale}" for --scale: expected a number in (0, 100]`);
  if (values.only !== undefined && !/^core\/[a-z0-9/._-]*$/.test(values.only))
    throw new UsageError(
      `bad value "${values.only}" for --only: expected a path under core/ (core/raft, core/kube/kubelet)`,
    );
  const dist = join(root, "dist");
  if (!existsSync(join(dist, "cli/main.js")) || statSync(join(dist, "cli/main.js")).mtimeMs < newestSource(root))
    throw new UsageError("mutate: the built code is missing or older than the sources: run `npm run build` first");
  const json = values.json === true;
  const tty = interactive(json);
  const say = (s: string) => {
    if (!json) process.stdout.write(`${s}\n`);
  };

  say(`finding sites${values["all-lines"] ? "" : " (in code the screens execute: one clean run of each screen)"}…`);
  const { sites: all, cleanMs } = await campaignSites(dist, {
    ...(values.only !== undefined ? { only: values.only } : {}),
    executedOnly: values["all-lines"] !== true,
    scale,
  });
  if (all.length === 0) throw new UsageError(`mutate: no mutation site under ${values.only ?? "core/"}`);
  const sites = pickSites(all, count, seed);
  say(`${all.length} sites; screening ${sites.length} mutants (seed ${seed}, ${workers} workers)`);
  const timeoutMs = hangTimeouts(cleanMs);
  say(
    `clean screens: etcd ${(cleanMs.etcd / 1000).toFixed(1)} s, kube ${(cleanMs.kube / 1000).toFixed(1)} s; a mutant's screen still running after ${(timeoutMs("core/etcd/") / 1000).toFixed(0)} s (etcd) or ${(timeoutMs("core/kube/") / 1000).toFixed(0)} s (kube) counts as a hang`,
  );
  const t0 = performance.now();
  const results = await runCampaign(dist, sites, {
    workers,
    scale,
    timeoutMs,
    onResult: (r, done) => {
      if (!tty) return;
      const s = r.site;
      process.stdout.write(
        `\r\x1b[K${done}/${sites.length} ${r.caught ? "caught  " : "SURVIVED"} ${s.file}:${s.line + 1} ${s.operator}`,
      );
    },
  });
  if (tty) process.stdout.write("\r\x1b[K");
  const survivors = results.filter((r) => !r.caught);
  const summary = {
    seed,
    sites: all.length,
    mutants: results.length,
    caught: results.length - survivors.length,
    survived: survivors.length,
    score: Number(((results.length - survivors.length) / results.length).toFixed(3)),
    byCheck: countBy(results.filter((r) => r.caught).map((r) => (r.by ?? "?").split(",")[0]!.replace(/:.*/, ""))),
    wallMs: Math.round(performance.now() - t0),
    cleanScreenMs: { etcd: Math.round(cleanMs.etcd), kube: Math.round(cleanMs.kube) },
    hangAfterMs: { etcd: timeoutMs("core/etcd/"), kube: timeoutMs("core/kube/") },
    results: results.map(({ site, ...r }) => ({ ...site, ...r })),
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  }
  say(
    `${summary.mutants} mutants: ${summary.caught} caught, ${summary.survived} survived (score ${(summary.score * 100).toFixed(1)}%) in ${(summary.wallMs / 1000).toFixed(0)} s`,
  );
  say(
    `caught by: ${Object.entries(summary.byCheck)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
  );
  for (const r of survivors) say(describe(r));
  if (survivors.length > 0)
    say("A survivor is a blind spot or an equivalent mutant: run it deeper (more seeds) before deciding which.");
  return 0;
}

function describe(r: MutantResult): string {
  const s = r.site;
  return `SURVIVED ${s.file}:${s.line + 1} (${s.operator}, ${r.seedsRun} seeds)\n    - ${s.original}\n    + ${s.mutated}`;
}

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

const HELP = `npm run mutate -- [options]   a mutation campaign over the built simulated system (npm run build first)
  --sites N      mutants to screen (default 50), drawn from every site in dist/core
  --seed N       which ones (default 1): the same seed and build give the same mutants
  --only PATH    only files under this path (core/raft, core/kube/kubelet)
  --workers N    mutants screened at once (default 2)
  --scale X      seeds per screen, times X (default 1)
  --all-lines    also sites the screens never execute (by default a clean run's coverage rules them out)
  --json         one JSON object: summary, and every mutant with where it was caught`;

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    if (e.name === "UsageError") {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    if (e.name === "CampaignError") {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  },
);
