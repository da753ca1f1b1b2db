// A mutation campaign: plant one slip at a time in a copy of the built code (see sites.ts), screen each
// mutant with the layer's scenarios over a few seeds, and report which ones every checker let through.
// Real processes, files and time live here, outside the simulated world.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type MutationSite, applySite, sitesIn } from "./sites.ts";

export interface ScreenOutcome {
  caught: boolean;
  /** Seeds run, over all of the screen's scenarios. */
  seedsRun: number;
  /** Where it was caught: the scenario, its seed, and the failed checks (or "crash: …", "timeout"). */
  scenario?: string;
  seed?: number;
  by?: string;
}

export interface MutantResult extends ScreenOutcome {
  site: MutationSite;
  wallMs: number;
}

/**
 * Scenario:seeds screened per layer, cheapest first (a mutant stops at the first failing seed). The seed
 * counts are small on purpose: a campaign wants many mutants screened, and a survivor is run deeper by
 * hand (`etcdsim sweep`) before anyone calls it a blind spot.
 */
export const SCREENS: Record<"etcd" | "kube", readonly [string, number][]> = {
  etcd: [
    ["smoke", 3],
    ["kv-chaos", 40],
    ["kv-crash", 15],
    ["kv-partition", 15],
    ["leader-isolation", 15],
    ["lease-sessions", 15],
    ["watch-compaction", 15],
    ["membership-change", 15],
    ["clock-skew", 10],
    ["auth-revoke", 10],
    ["quota-pressure", 5],
    // The only scenario whose members send watch responses through a send loop (prev_kv read late).
    ["compacted-deletes", 5],
    ["deployment-rollout", 5],
    // The only scenario with etcd's lease checkpoints on.
    ["lease-checkpoints", 10],
    // The only one that moves leadership by hand (MoveLeader) and stops every member gracefully.
    ["rolling-restart", 10],
  ],
  kube: [
    ["kube-smoke", 3],
    ["deployment-rollout", 15],
    ["controller-conflicts", 15],
    ["container-crashes", 8],
    ["tight-nodes", 15],
    ["quota-pressure", 8],
    ["compacted-deletes", 8],
    ["watch-compaction", 10],
    ["slow-disk", 5],
    // The only scenario that runs the node lifecycle controller (nodes marked Unknown, tainted, emptied).
    ["node-failures", 8],
    // The only scenario whose apiservers serve lists and watches from watch caches.
    ["watch-cache", 10],
    // The only one with controllers scoped to a namespace.
    ["tenants", 5],
    // The only one whose pods are deleted gracefully and held by a finalizer.
    ["terminating-pods", 10],
    // The only one that stops the control plane gracefully (a scheduler releasing its Lease).
    ["control-plane-upgrade", 5],
  ],
};

export type ScreenLayer = keyof typeof SCREENS;

/** A campaign that cannot mean anything (the clean build fails a screen): reported in one line, not a trace. */
export class CampaignError extends Error {
  override name = "CampaignError";
}

/** The layer whose screen judges a built file: the Kubernetes layer for core/kube, etcd's (Raft, MVCC, members) else. */
export function layerOf(file: string): ScreenLayer {
  return file.startsWith("core/kube/") ? "kube" : "etcd";
}

/** The screen for a built file, as scenario:seeds pairs for screen-child. */
export function screenFor(file: string, scale = 1): string {
  return SCREENS[layerOf(file)].map(([name, seeds]) => `${name}:${Math.max(1, Math.round(seeds * scale))}`).join(",");
}

/**
 * How long a mutant's screen may run before it counts as a hang (caught: "timeout"): `factor` times the
 * clean build's screen of its layer, and never less than `minMs`. A fixed ten minutes let four hanging
 * Raft mutants take most of a campaign's time; a clean screen takes seconds.
 */
export const HANG = { factor: 5, minMs: 60_000 } as const;

/** The timeout of each layer's mutants, from the clean screens' wall times. */
export function hangTimeouts(cleanMs: Record<ScreenLayer, number>): (file: string) => number {
  return (file) => Math.max(HANG.minMs, Math.round(HANG.factor * cleanMs[layerOf(file)]));
}

const CHILD = import.meta.url.endsWith(".js")
  ? { entry: new URL("./screen-child.js", import.meta.url).pathname, execArgv: [] as string[] }
  : { entry: new URL("./screen-child.ts", import.meta.url).pathname, execArgv: ["--import", "tsx"] };

function screen(dist: string, spec: string, timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<ScreenOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CHILD.execArgv, CHILD.entry, dist, spec], {
      stdio: ["ignore", "pipe", "pipe"],
      env: env ?? process.env,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(last) as ScreenOutcome);
      } catch {
        // A mutant that hangs the simulator, or breaks it before the first seed, is caught too.
        const why = signal === "SIGKILL" ? "timeout" : `exit ${code}: ${err.trim().split("\n").at(-1) ?? ""}`;
        resolve({ caught: true, seedsRun: 0, by: why.slice(0, 160) });
      }
    });
  });
}

/** Every built file under dist/core, relative to dist. */
function coreFiles(dist: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".js")) out.push(relative(dist, p));
    }
  };
  walk(join(dist, "core"));
  return out;
}

/**
 * One clean run of each layer's screen: its wall time (what a mutant's timeout is measured against). The
 * clean build must pass it, or every mutant would count as caught.
 */
async function cleanScreens(
  dist: string,
  scale: number,
  env?: NodeJS.ProcessEnv,
): Promise<Record<ScreenLayer, number>> {
  const out = { etcd: 0, kube: 0 };
  for (const layer of ["etcd", "kube"] as const) {
    const t0 = performance.now();
    const o = await screen(dist, screenFor(`core/${layer}/`, scale), 30 * 60_000, env);
    if (o.caught)
      throw new CampaignError(
        `mutate: the clean build fails its ${layer} screen (${o.scenario === undefined ? o.by : `${o.scenario} seed ${o.seed}: ${o.by}`}): fix that first`,
      );
    out[layer] = performance.now() - t0;
  }
  return out;
}

/**
 * The offsets of each built core file that the screens executed, from V8's block coverage of one clean
 * run of both screens (a character counts if the innermost range covering it ran), and the screens' times.
 */
async function executedOffsets(
  dist: string,
  scale: number,
): Promise<{ executed: Map<string, Uint8Array>; cleanMs: Record<ScreenLayer, number> }> {
  const dir = mkdtempSync(join(tmpdir(), "etcdsim-coverage-"));
  try {
    const cleanMs = await cleanScreens(dist, scale, { ...process.env, NODE_V8_COVERAGE: dir });
    const executed = new Map<string, Uint8Array>();
    const prefix = `file://${dist}/`;
    for (const f of readdirSync(dir)) {
      const report = JSON.parse(readFileSync(join(dir, f), "utf8")) as {
        result: { url: string; functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[] }[];
      };
      for (const script of report.result) {
        if (!script.url.startsWith(`${prefix}core/`)) continue;
        const file = script.url.slice(prefix.length);
        const size = readFileSync(join(dist, file), "utf8").length;
        const counts = new Int32Array(size).fill(-1);
        const ranges = script.functions.flatMap((fn) => fn.ranges);
        // Outer ranges first, so the nested (smaller) ones override them.
        ranges.sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
        for (const r of ranges) counts.fill(r.count, r.startOffset, Math.min(r.endOffset, size));
        let ran = executed.get(file);
        if (ran === undefined) executed.set(file, (ran = new Uint8Array(size)));
        for (let i = 0; i < size; i++) if (counts[i]! > 0) ran[i] = 1;
      }
    }
    return { executed, cleanMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every site in the built core whose file starts with `only` (if given), restricted to executed code, and
 * the wall time of each layer's clean screen (measured on the same run that records what executes).
 */
export async function campaignSites(
  dist: string,
  opts: { only?: string; executedOnly?: boolean; scale?: number } = {},
): Promise<{ sites: MutationSite[]; cleanMs: Record<ScreenLayer, number> }> {
  const files = coreFiles(dist).filter((f) => opts.only === undefined || f.startsWith(opts.only));
  const scale = opts.scale ?? 1;
  const coverage = opts.executedOnly === false ? undefined : await executedOffsets(dist, scale);
  const executed = coverage?.executed;
  const sites = files.flatMap((f) => {
    const ran = executed?.get(f);
    if (executed !== undefined && ran === undefined) return [];
    return sitesIn(f, readFileSync(join(dist, f), "utf8"), ran === undefined ? undefined : (o) => ran[o] === 1);
  });
  return { sites, cleanMs: coverage?.cleanMs ?? (await cleanScreens(dist, scale)) };
}

/**
 * Screens each site's mutant, `workers` at a time, each worker in a scratch copy of dist/ that it restores
 * after every mutant; the copies are removed at the end, however the campaign ends.
 */
export async function runCampaign(
  dist: string,
  sites: readonly MutationSite[],
  opts: {
    workers?: number;
    scale?: number;
    /** A mutant's screen is killed after this (per file: see hangTimeouts); ten minutes unless given. */
    timeoutMs?: number | ((file: string) => number);
    onResult?: (r: MutantResult, done: number) => void;
  } = {},
): Promise<MutantResult[]> {
  const root = mkdtempSync(join(tmpdir(), "etcdsim-mutants-"));
  const results: MutantResult[] = [];
  const stop = () => rmSync(root, { recursive: true, force: true });
  process.once("exit", stop);
  try {
    const queue = [...sites];
    const lane = async (k: number) => {
      const copy = join(root, `w${k}`);
      cpSync(dist, join(copy, "dist"), { recursive: true });
      // The copy resolves its packages and its module type where the real dist/ does.
      symlinkSync(join(dist, "..", "node_modules"), join(copy, "node_modules"));
      symlinkSync(join(dist, "..", "package.json"), join(copy, "package.json"));
      for (let site = queue.shift(); site !== undefined; site = queue.shift()) {
        const file = join(copy, "dist", site.file);
        const original = readFileSync(file, "utf8");
        writeFileSync(file, applySite(original, site));
        const t0 = performance.now();
        const timeout = opts.timeoutMs;
        const outcome = await screen(
          join(copy, "dist"),
          screenFor(site.file, opts.scale),
          typeof timeout === "function" ? timeout(site.file) : (timeout ?? 10 * 60_000),
        );
        writeFileSync(file, original);
        const r: MutantResult = { site, ...outcome, wallMs: Math.round(performance.now() - t0) };
        results.push(r);
        opts.onResult?.(r, results.length);
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(opts.workers ?? 2, sites.length)) }, (_, k) => lane(k)),
    );
  } finally {
    process.off("exit", stop);
    stop();
  }
  const order = new Map(sites.map((s, i) => [s, i]));
  return results.sort((a, b) => order.get(a.site)! - order.get(b.site)!);
}
