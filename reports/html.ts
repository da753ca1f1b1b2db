// The self-contained HTML reports: `etcdsim run --report DIR` (renderRunHtml) and
// `etcdsim check --report DIR` (renderCheckHtml). One index.html with inline CSS, SVG and script and
// the data as JSON in <script type="application/json" id="etcdsim-data">; it makes no network request.
// The timelines are drawn here, in TypeScript, so the page reads without its script; the script adds
// details on click, tooltips, a shared time cursor and scrolling to a linearizability failure.
import { basename } from "node:path";
import type { CheckResult } from "../checkers/types.ts";
import { combineVerdicts } from "../checkers/types.ts";
import type { History } from "../checkers/history.ts";
import type { RunResult } from "../scenarios/types.ts";
import { esc } from "./html/esc.ts";
import type { FaultSpan } from "./html/charts/faults.ts";
import { readKube } from "./html/charts/kube.ts";
import { readMembership } from "./html/membership.ts";
import { opsFromHistory, opsFromReport, type OpView, type ReportOperation } from "./html/ops.ts";
import { renderPage } from "./html/page.ts";
import type { TimeUnit } from "./html/scale.ts";
import { probesSection } from "./html/probes.ts";
import { probeTable } from "../scenarios/probes.ts";
import { latencySection, readLatency } from "./html/latency-charts.ts";

export { reportOperations, MAX_DRAWN_OPS, type ReportOperation } from "./html/ops.ts";
export type { KubeObject, KubeEvent } from "./html/charts/kube.ts";
export type { TimeUnit } from "./html/scale.ts";

export interface RunHtmlOptions {
  /** Sibling files written with the report (linked from the header), e.g. ["result.json", "history.jsonl"]. */
  files?: readonly string[];
  /** Cap on drawn client operations (default MAX_DRAWN_OPS = 5000). */
  maxOps?: number;
}

export function renderRunHtml(r: RunResult, opts: RunHtmlOptions = {}): string {
  const ops = r.history ? opsFromHistory(r.history) : [];
  const faults: FaultSpan[] = r.faultLog
    ? r.faultLog.map((f) => ({ fault: f.fault, start: f.start, end: f.end }))
    : r.faults.map((f) => ({ fault: f, start: f.at, end: f.until }));
  const timeline = r.timeline ?? [];
  const watches = r.history?.watches ?? [];
  const kube = readKube(r.extra?.kube);
  const membership = readMembership(r.extra?.membership);
  const latency = readLatency(r.extra?.latency);

  let t1 = r.stats.simTimeMs * 1000;
  for (const o of ops) t1 = Math.max(t1, o.call, o.return ?? 0);
  for (const f of faults) t1 = Math.max(t1, f.start, f.end ?? 0);
  for (const p of timeline) t1 = Math.max(t1, p.time);
  for (const w of watches) for (const x of w.responses) t1 = Math.max(t1, x.time);
  for (const o of kube?.objects ?? []) for (const e of o.events) t1 = Math.max(t1, e.time);

  const s = r.stats;
  const files = (opts.files ?? []).map((f) => `<a href="${esc(f)}">${esc(f)}</a>`).join(" · ");
  const seedHex = `0x${r.seed.toString(16)}`;
  const header = `<header>
<h1>etcdsim run · ${esc(r.scenario)} · seed ${r.seed} <span id="verdict" class="verdict ${r.verdict}">${r.verdict.toUpperCase()}</span></h1>
<dl class="facts">
<dt>scenario</dt><dd id="scenario">${esc(r.scenario)}</dd>
<dt>seed</dt><dd id="seed">${r.seed} <span class="dim">(${seedHex})</span></dd>
<dt>bugs</dt><dd id="bugs">${r.bugs.length ? r.bugs.map((b) => `<code>${esc(b)}</code>`).join(" ") : `<span class="dim">none</span>`}</dd>
<dt>traceHash</dt><dd><code id="trace-hash">${esc(r.traceHash)}</code></dd>
<dt>repro</dt><dd><code id="repro">${esc(r.repro)}</code> <button id="copy-repro" type="button">copy</button></dd>
<dt>stats</dt><dd id="stats">${s.events.toLocaleString("en-US")} events · ${s.messages.toLocaleString("en-US")} messages · ${s.ops.toLocaleString("en-US")} ops · ${s.simTimeMs.toFixed(1)} ms simulated · ${s.wallMs.toFixed(0)} ms wall</dd>
<dt>faults</dt><dd>${r.faults.length} scheduled${r.faultLog ? `, ${r.faultLog.length} applied` : ""}</dd>
${files ? `<dt>files</dt><dd>${files}</dd>` : ""}
</dl>
<details><summary>resolved options</summary><pre id="options">${esc(JSON.stringify(r.options, null, 2))}</pre></details>
</header>`;
  return renderPage({
    kind: "run",
    title: `etcdsim ${r.scenario} seed ${r.seed}: ${r.verdict}`,
    header,
    verdict: r.verdict,
    checks: r.checks,
    ops,
    unit: "us",
    t0: 0,
    t1: Math.max(1, t1),
    faults,
    ...(r.faultLog ? {} : { faultNote: "Scheduled times: this run kept no log of applied faults." }),
    timeline,
    watches,
    ...(kube ? { kube } : {}),
    ...(membership ? { membership } : {}),
    ...(r.probes !== undefined ? { probesHtml: probesSection(probeTable([r.probes])) } : {}),
    ...(latency ? { latencyHtml: latencySection(latency, faults) } : {}),
    noOpsNote: `No client operations were recorded in this run (the ${r.scenario} scenario keeps no client history).`,
    meta: {
      scenario: r.scenario,
      seed: r.seed,
      bugs: r.bugs,
      verdict: r.verdict,
      traceHash: r.traceHash,
      repro: r.repro,
      stats: r.stats,
      checks: r.checks.map((c) => ({ name: c.name, verdict: c.verdict, message: c.message })),
    },
    ...(opts.maxOps !== undefined ? { maxOps: opts.maxOps } : {}),
  });
}

/** What `etcdsim check --report DIR` hands over: the checked history and the checks' results. */
export interface CheckReportInput {
  /** The history file as named on the command line. */
  history: string;
  /** "jsonl" | "porcupine-kv" | "porcupine-etcd" … */
  format: string;
  checks: readonly CheckResult[];
  /**
   * The operations in the order the checker received them: linearizability evidence indexes into this
   * list (build it with reportOperations(ops, model.describeOperation)).
   */
  operations?: readonly ReportOperation[];
  /** Or an etcdsim client history (`--format jsonl`). */
  etcdHistory?: History;
  /** Default: "line" for Porcupine logs (time is the line number), "us" otherwise. */
  timeUnit?: TimeUnit;
  /** The command that reproduces this check (copyable in the header). */
  command?: string;
  wallMs?: number;
  /** Extra header facts, e.g. { steps: 123456, partitions: 1 }. */
  facts?: Readonly<Record<string, string | number>>;
  maxOps?: number;
}

export function renderCheckHtml(input: CheckReportInput): string {
  const ops: OpView[] = input.etcdHistory ? opsFromHistory(input.etcdHistory) : opsFromReport(input.operations ?? []);
  const unit: TimeUnit = input.timeUnit ?? (input.format.startsWith("porcupine") ? "line" : "us");
  const verdict = combineVerdicts(input.checks.map((c) => c.verdict));
  let t0 = Infinity,
    t1 = -Infinity;
  for (const o of ops) {
    t0 = Math.min(t0, o.call);
    t1 = Math.max(t1, o.call, o.return ?? o.call);
  }
  if (!Number.isFinite(t0)) {
    t0 = 0;
    t1 = 1;
  }
  // Room past the last return, so operations with an unknown outcome visibly run on.
  t1 += Math.max(1, Math.round((t1 - t0) * 0.03));
  const unknown = ops.filter((o) => o.status === "unknown").length;
  const facts = Object.entries(input.facts ?? {})
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(String(v))}</dd>`)
    .join("");
  const name = basename(input.history);
  const header = `<header>
<h1>etcdsim check · ${esc(name)} <span id="verdict" class="verdict ${verdict}">${verdict.toUpperCase()}</span></h1>
<dl class="facts">
<dt>history</dt><dd><code id="history">${esc(input.history)}</code></dd>
<dt>format</dt><dd id="format">${esc(input.format)}${unit === "line" ? ` <span class="dim">(time = line number)</span>` : ""}</dd>
<dt>operations</dt><dd>${ops.length} <span class="dim">(${unknown} with unknown outcome)</span></dd>
${facts}
${input.wallMs !== undefined ? `<dt>wall time</dt><dd>${input.wallMs.toFixed(0)} ms</dd>` : ""}
${input.command ? `<dt>command</dt><dd><code id="repro">${esc(input.command)}</code> <button id="copy-repro" type="button">copy</button></dd>` : ""}
</dl>
</header>`;
  return renderPage({
    kind: "check",
    title: `etcdsim check ${name}: ${verdict}`,
    header,
    verdict,
    checks: input.checks,
    ops,
    unit,
    t0,
    t1,
    faults: [],
    timeline: [],
    watches: input.etcdHistory?.watches ?? [],
    noOpsNote: "The history has no operations.",
    meta: {
      history: input.history,
      format: input.format,
      verdict,
      checks: input.checks.map((c) => ({ name: c.name, verdict: c.verdict, message: c.message })),
    },
    ...(input.maxOps !== undefined ? { maxOps: input.maxOps } : {}),
  });
}
