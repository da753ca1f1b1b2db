// etcdsim explore: a scenario over a grid of option values × seeds, printing per-layer latencies
// (median, p99, and the spread of the per-seed p99) for each grid point. Each `--vary PATH=V1,V2,…`
// is one axis; several make a cartesian grid. A grid point's options are each seed's own options with
// the point's values merged in, validated like a scenario file's.
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { loadScenario, type LoadedScenario } from "../scenarios/loader.ts";
import { resolveRun, runScenario } from "../scenarios/runner.ts";
import { parseSeedRange, shardSeeds } from "../scenarios/sweep.ts";
import { validateOptions } from "../scenarios/schema/file.ts";
import { FAMILIES, familyOf } from "../scenarios/schema/options.ts";
import { summarize, type MetricSummary } from "../harness/metrics/grid.ts";
import { fmtUs } from "../checkers/quantile.ts";
import type { LatencyReport } from "../harness/metrics/kube.ts";
import type { Options } from "../scenarios/types.ts";
import { checkOutputFile, writeFileAtomic } from "../reports/files.ts";
import { interactive, parse, UsageError } from "./args.ts";
import { EXPLORE_HELP } from "./help.ts";

export interface Axis {
  path: string;
  values: unknown[];
}

export interface GridPoint {
  values: Record<string, unknown>;
  runs: number;
  verdicts: { pass: number; fail: number; unknown: number };
  /** Seeds whose kube-slo measurement held both SLOs (null: the scenario has no kube-slo check). */
  sloHeld: number | null;
  metrics: Record<string, MetricSummary>;
  /** Repro commands of failing seeds (at most 5). */
  failures: string[];
}

export interface ExploreResult {
  scenario: string;
  seeds: [number, number];
  vary: Axis[];
  points: GridPoint[];
  wallMs: number;
}

const MAX_RUNS = 10_000;

/** The schema node at a dotted option path, unwrapping optional/refined wrappers; undefined: not an option. */
function schemaAt(shape: z.ZodRawShape, path: readonly string[]): { node: unknown; known: string[] } {
  let cur: unknown = z.object(shape);
  let known: string[] = Object.keys(shape);
  for (const p of path) {
    while ((cur as { def?: { innerType?: unknown } })?.def?.innerType)
      cur = (cur as { def: { innerType: unknown } }).def.innerType;
    const sh = (cur as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (sh === undefined || !Object.hasOwn(sh, p)) return { node: undefined, known };
    known = Object.keys(sh);
    cur = sh[p];
    const inner = (cur as { def?: { innerType?: unknown } })?.def?.innerType;
    const s2 = ((inner ?? cur) as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (s2) known = Object.keys(s2);
  }
  return { node: cur, known };
}

/** "disk.fsyncUs=1000,5000" → an axis; values read as JSON (numbers, true/false, "quoted") or else as text. */
export function parseVary(text: string, scenario: string, shape: z.ZodRawShape): Axis {
  const eq = text.indexOf("=");
  if (eq <= 0)
    throw new UsageError(`explore: bad --vary "${text}": expected PATH=V1,V2,… (e.g. disk.fsyncUs=1000,5000)`);
  const path = text.slice(0, eq).trim();
  const parts = path.split(".");
  if (parts.some((p) => p === ""))
    throw new UsageError(`explore: bad --vary path "${path}": expected names joined by dots (e.g. disk.fsyncUs)`);
  let parent: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const at = schemaAt(shape, parts.slice(0, i));
    if (at.node === undefined)
      throw new UsageError(
        `explore: --vary ${path}: "${parts.slice(0, i).join(".")}" is not an option of ${scenario} (known${i > 1 ? ` under ${parts.slice(0, i - 1).join(".")}` : ""}: ${at.known.join(", ")})`,
      );
    parent = at.known;
  }
  void parent;
  const list = text.slice(eq + 1);
  if (list.trim() === "") throw new UsageError(`explore: --vary ${path}: needs at least one value (PATH=V1,V2,…)`);
  const values = list.split(",").map((raw) => {
    const v = raw.trim();
    if (v === "") throw new UsageError(`explore: --vary ${path}: an empty value in "${list}"`);
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  });
  return { path, values };
}

/** Every combination of the axes' values, the first axis slowest. */
export function cartesian(axes: readonly Axis[]): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const a of axes) out = out.flatMap((o) => a.values.map((v) => ({ ...o, [a.path]: v })));
  return out;
}

/** { "disk.fsyncUs": 1000 } → { disk: { fsyncUs: 1000 } }. */
export function nest(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, v] of Object.entries(values)) {
    const parts = path.split(".");
    let cur = out;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1]!] = v;
  }
  return out;
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function optionsFor(loaded: LoadedScenario, seed: number, point: Record<string, unknown>, label: string): Options {
  const base = loaded.options ?? resolveRun(loaded.def, seed).options;
  return validateOptions(base, nest(point), (field, what) => new UsageError(`explore: ${label}: ${field} ${what}`));
}

export async function exploreCommand(argv: string[]): Promise<number> {
  const { values } = parse("explore", argv, {
    scenario: { type: "string" },
    vary: { type: "string", multiple: true },
    seeds: { type: "string" },
    json: { type: "boolean" },
    report: { type: "string" },
  });
  if (values.help) {
    console.log(EXPLORE_HELP);
    return 0;
  }
  if (values.scenario === undefined) throw new UsageError("explore: --scenario NAME|FILE is required");
  if (!values.vary?.length)
    throw new UsageError("explore: --vary PATH=V1,V2,… is required (e.g. --vary disk.fsyncUs=1000,5000)");
  const loaded = loadScenario(values.scenario);
  const template = loaded.options ?? resolveRun(loaded.def, 0).options;
  const family = familyOf(template);
  if (family === "selftest")
    throw new UsageError(
      `explore: scenario ${loaded.def.name} records no latencies (the etcd and Kubernetes scenarios do)`,
    );
  const axes = values.vary.map((v) => parseVary(v, loaded.def.name, FAMILIES[family].shape));
  const dup = axes.find((a, i) => axes.findIndex((b) => b.path === a.path) !== i);
  if (dup) throw new UsageError(`explore: --vary ${dup.path} given more than once (list its values in one --vary)`);
  const range = values.seeds !== undefined ? parseSeedRange(values.seeds) : { from: 1, to: 10 };
  const seeds = shardSeeds(range.from, range.to);
  const grid = cartesian(axes);
  if (grid.length * seeds.length > MAX_RUNS)
    throw new UsageError(
      `explore: ${grid.length} grid points × ${seeds.length} seeds = ${grid.length * seeds.length} runs (at most ${MAX_RUNS}); narrow --seeds or --vary`,
    );
  // Every value checked before anything runs (against the first seed's options): bad input costs nothing.
  for (const point of grid)
    optionsFor(
      loaded,
      seeds[0]!,
      point,
      Object.entries(point)
        .map(([p, v]) => `${p}=${show(v)}`)
        .join(" "),
    );
  if (values.report !== undefined) checkOutputFile(values.report, "--report");
  const json = values.json === true;
  const tty = interactive(json);
  const t0 = performance.now();
  const points: GridPoint[] = [];
  let done = 0;
  for (const point of grid) {
    const label = Object.entries(point)
      .map(([p, v]) => `${p}=${show(v)}`)
      .join(" ");
    const perSeed: Record<string, number[]>[] = [];
    const gp: GridPoint = {
      values: point,
      runs: 0,
      verdicts: { pass: 0, fail: 0, unknown: 0 },
      sloHeld: null,
      metrics: {},
      failures: [],
    };
    for (const seed of seeds) {
      const options = optionsFor(loaded, seed, point, label);
      const r = runScenario({
        scenario: loaded.def,
        scenarioRef: loaded.ref,
        seed,
        options,
        ...(loaded.faults ? { faults: loaded.faults } : {}),
        ...(loaded.bugs ? { bugs: loaded.bugs } : {}),
      });
      gp.runs++;
      gp.verdicts[r.verdict]++;
      if (r.verdict === "fail" && gp.failures.length < 5) gp.failures.push(`${r.repro}  # with ${label}`);
      const slo = r.checks.find((c) => c.name === "kube-slo");
      if (slo !== undefined) gp.sloHeld = (gp.sloHeld ?? 0) + (slo.message.includes("SLOs held") ? 1 : 0);
      const lat = r.extra?.latency as LatencyReport | undefined;
      if (lat) perSeed.push(lat.samples);
      done++;
      if (tty) {
        process.stdout.write(
          `\rexplore ${loaded.def.name}: ${done}/${grid.length * seeds.length} runs (${label}, seed ${seed})\x1b[K`,
        );
        await new Promise((res) => setImmediate(res));
      }
    }
    gp.metrics = summarize(perSeed);
    points.push(gp);
  }
  if (tty) process.stdout.write("\r\x1b[K");
  const result: ExploreResult = {
    scenario: loaded.def.name,
    seeds: [range.from, range.to],
    vary: axes,
    points,
    wallMs: Math.round(performance.now() - t0),
  };
  if (values.report !== undefined) {
    const { exploreHtml } = await import("../reports/html/latency-grid.ts");
    writeFileAtomic(values.report, exploreHtml(result));
  }
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(exploreTable(result));
    if (values.report !== undefined) console.log(`report: ${values.report}`);
  }
  const failed = points.some((p) => p.verdicts.fail > 0),
    unknown = points.some((p) => p.verdicts.unknown > 0);
  return failed ? 1 : unknown ? 3 : 0;
}

/** The text table: one row per grid point and metric. */
export function exploreTable(r: ExploreResult): string {
  const runs = r.points.reduce((a, p) => a + p.runs, 0);
  const lines = [
    `explore ${r.scenario}: ${r.vary.map((a) => a.path).join(" × ")} × seeds ${r.seeds[0]}..${r.seeds[1]} — ${r.points.length} grid point(s), ${runs} runs in ${(r.wallMs / 1000).toFixed(1)}s`,
  ];
  const head = r.vary.map((a) => a.path);
  const width = head.map((h, i) => Math.max(h.length, ...r.points.map((p) => show(p.values[r.vary[i]!.path]).length)));
  const metricW = Math.max(22, ...r.points.flatMap((p) => Object.keys(p.metrics).map((m) => m.length)));
  const colW = [7, 9, 9, 13, 9, 9];
  const row = (cells: string[], metric: string, rest: string[]) =>
    [...cells.map((c, i) => c.padEnd(width[i]!)), metric.padEnd(metricW), ...rest.map((x, i) => x.padStart(colW[i]!))]
      .join("  ")
      .trimEnd();
  lines.push(row(head, "metric", ["n", "median", "p99", "seed p99: min", "median", "max"]));
  for (const p of r.points) {
    const cells = r.vary.map((a) => show(p.values[a.path]));
    lines.push(
      row(
        cells,
        `(runs: ${p.verdicts.pass} pass, ${p.verdicts.fail} fail, ${p.verdicts.unknown} unknown${p.sloHeld !== null ? `; kube-slo held in ${p.sloHeld}/${p.runs}` : ""})`,
        [],
      ),
    );
    for (const [name, m] of Object.entries(p.metrics)) {
      lines.push(
        row(cells, name, [
          String(m.n),
          fmtUs(m.median),
          fmtUs(m.p99),
          fmtUs(m.seedP99.min),
          fmtUs(m.seedP99.median),
          fmtUs(m.seedP99.max),
        ]),
      );
    }
    for (const f of p.failures) lines.push(`  FAIL: ${f}`);
  }
  return lines.join("\n");
}
