// Assembles one self-contained page from a PageModel (built from a RunResult or from an external
// history check): header, checks, linearizability explanation, then every timeline on one shared axis.
import type { CheckResult, Verdict } from "../../checkers/types.ts";
import type { WatchRecord } from "../../checkers/history.ts";
import type { TimelinePoint } from "../../scenarios/types.ts";
import type { WatchViolation } from "../../checkers/watch/types.ts";
import { CLIENT_JS } from "./client.ts";
import { clientsChart, type OpMark } from "./charts/clients.ts";
import { faultLegend, faultsChart, type FaultSpan } from "./charts/faults.ts";
import { kubeChart, MAX_KUBE_OBJECTS, type KubeView } from "./charts/kube.ts";
import { membersChart, roleLegend } from "./charts/members.ts";
import { membershipSection, type MembershipAction } from "./membership.ts";
import { MAX_WATCHES, watchesChart } from "./charts/watches.ts";
import { esc, scriptJson } from "./esc.ts";
import { readLinEvidence, readWatchEvidence, resolver } from "./evidence.ts";
import { MAX_DRAWN_OPS, selectOps, type OpView } from "./ops.ts";
import { chooseWidth, makeScale, type TimeUnit } from "./scale.ts";
import { checksSection, linSection, type ResolvedLin } from "./sections.ts";
import { CSS } from "./style.ts";

export interface PageModel {
  kind: "run" | "check";
  title: string;
  /** The header's HTML (facts, repro). */
  header: string;
  verdict: Verdict;
  checks: readonly CheckResult[];
  ops: readonly OpView[];
  unit: TimeUnit;
  /** The time window every chart shares; open-ended operations run to t1. */
  t0: number;
  t1: number;
  faults: readonly FaultSpan[];
  /** Said under the fault chart, e.g. that these are scheduled, not applied, times. */
  faultNote?: string;
  timeline: readonly TimelinePoint[];
  watches: readonly WatchRecord[];
  kube?: KubeView;
  membership?: { actions: readonly MembershipAction[]; skipped: number };
  /** The code-probe section (reports/html/probes.ts), for runs that counted probes. */
  probesHtml?: string;
  /** The latency charts (reports/html/latency-charts.ts), for runs that recorded latencies. */
  latencyHtml?: string;
  /** Shown where the client timeline would be when there are no operations. */
  noOpsNote: string;
  /** Machine-readable summary embedded with the data. */
  meta: Record<string, unknown>;
  maxOps?: number;
}

/**
 * The watches the chart draws (at most MAX_WATCHES, in their order): every one the watch checker
 * faulted, then the first others; violations renumbered to the drawn rows.
 */
function drawnWatches(
  watches: readonly WatchRecord[],
  violations: readonly WatchViolation[],
): { watches: WatchRecord[]; violations: WatchViolation[] } {
  // A long run keeps only its first records (checkers/watch/online.ts): later watches' violations have no row.
  const drawable = violations.filter((v) => v.watch < watches.length);
  if (watches.length <= MAX_WATCHES) return { watches: [...watches], violations: drawable };
  const keep = new Set<number>();
  for (const v of drawable) if (keep.size < MAX_WATCHES) keep.add(v.watch);
  for (let i = 0; i < watches.length && keep.size < MAX_WATCHES; i++) keep.add(i);
  const order = [...keep].sort((a, b) => a - b);
  const row = new Map(order.map((w, i) => [w, i]));
  return {
    watches: order.map((w) => watches[w]!),
    violations: drawable.filter((v) => row.has(v.watch)).map((v) => ({ ...v, watch: row.get(v.watch)! })),
  };
}

/** Keeps the end of a long prefix drawn even when the history is capped. */
const PREFIX_KEPT = 200;

export function renderPage(m: PageModel): string {
  const find = resolver(m.ops);
  const lins: ResolvedLin[] = [];
  for (const c of m.checks) {
    if (c.verdict === "pass") continue;
    const partitions = readLinEvidence(c);
    if (partitions) lins.push({ check: c, partitions, find });
  }
  const marks = new Map<number, OpMark>();
  /** For the page script: ["prefix", position, prefix length] or ["stuck", reason]. */
  const markData = new Map<number, (string | number)[]>();
  const must = new Set<number>();
  // The operation the page opens on: of those that could not be placed, the latest-called one the
  // model rejected (else the latest-called): it sits at the frontier where the search got stuck, while
  // long-pending unknown outcomes are candidates everywhere.
  let focusOp: { op: OpView; rejected: boolean } | undefined;
  for (const l of lins) {
    for (const p of l.partitions) {
      p.longestPrefix.forEach((r, i) => {
        const o = find(r);
        if (!o || marks.get(o.id) === "lin-stuck") return;
        marks.set(o.id, "lin-prefix");
        markData.set(o.id, ["prefix", i + 1, p.longestPrefix.length]);
        if (i >= p.longestPrefix.length - PREFIX_KEPT) must.add(o.id);
      });
      for (const r of p.couldNotPlace) {
        const o = find(r);
        if (!o) continue;
        marks.set(o.id, "lin-stuck");
        markData.set(o.id, ["stuck", r.reason ?? ""]);
        must.add(o.id);
        const rejected = r.reason === "rejected";
        if (!focusOp || (rejected && !focusOp.rejected) || (rejected === focusOp.rejected && o.call > focusOp.op.call))
          focusOp = { op: o, rejected };
      }
    }
  }
  const violations: WatchViolation[] = [];
  for (const c of m.checks) {
    const w = readWatchEvidence(c);
    if (w) violations.push(...w.violations);
  }

  const sel = selectOps(m.ops, must, m.maxOps ?? MAX_DRAWN_OPS, focusOp?.op.call);
  const durations = sel.drawn.filter((o) => o.return !== null).map((o) => o.return! - o.call);
  const s = makeScale(m.t0, m.t1, chooseWidth(m.t1 - m.t0, durations), m.unit);

  const sections: string[] = [checksSection(m.checks), linSection(lins, m.unit)];
  if (m.faults.length > 0) {
    sections.push(
      `<section id="faults-section"><h2>Faults (${m.faults.length})</h2>${faultLegend(m.faults)}${m.faultNote ? `<p class="note">${esc(m.faultNote)}</p>` : ""}${faultsChart(m.faults, s)}</section>`,
    );
  }
  const touched =
    m.timeline.length > 0 ||
    m.faults.some((f) => f.fault.kind !== "loss" && f.fault.kind !== "delay" && f.fault.kind !== "duplicate");
  if (touched) {
    const title = m.timeline.length > 0 ? "Leader and term per member" : "Processes and the faults that touched them";
    const note = m.faults.length
      ? `<p class="note">Beneath each member, the faults that touched it, coloured as in the fault legend; crashed time is hatched, paused time grey.</p>`
      : "";
    sections.push(
      `<section id="members-section"><h2>${title}</h2>${roleLegend(m.timeline)}${note}${membersChart(m.timeline, m.faults, s, m.t1)}</section>`,
    );
  }
  if (sel.drawn.length > 0) {
    const toolbar = lins.length
      ? `<div class="toolbar"><label><input type="checkbox" id="dim-toggle" checked> dim operations that are not in the evidence</label></div>`
      : "";
    const legend = `<ul class="legend"><li><span class="swatch" style="--c:#5b8def"></span>completed</li><li><span class="swatch" style="--c:#f4a340"></span>failed (no effect)</li><li><span class="swatch" style="background:repeating-linear-gradient(45deg,#8e6bbf 0 2px,#ece4f7 2px 5px)"></span>unknown outcome (open-ended)</li>${lins.length ? `<li><span class="swatch" style="--c:#34a853"></span>in the longest linearizable prefix</li><li><span class="swatch" style="--c:#ea4335"></span>could not be placed</li>` : ""}</ul>`;
    sections.push(
      `<section id="clients-section"><h2>Client operations (${m.ops.length})</h2>${legend}${toolbar}${sel.note ? `<p class="note" id="ops-cap-note">${esc(sel.note)}</p>` : ""}${clientsChart(sel.drawn, s, marks, focusOp?.op.id)}</section>`,
    );
  } else {
    sections.push(
      `<section id="clients-section"><h2>Client operations</h2><p class="note">${esc(m.noOpsNote)}</p></section>`,
    );
  }
  if (m.watches.length > 0) {
    const drawn = drawnWatches(m.watches, violations);
    const note =
      m.watches.length > MAX_WATCHES
        ? `<p class="note">Drawing ${drawn.watches.length} of ${m.watches.length} watches (every faulted one, then the first); all are in watches.jsonl.</p>`
        : "";
    const legend = `<ul class="legend"><li><span class="swatch" style="--c:#1a73e8;border-radius:50%"></span>PUT event</li><li><span class="swatch" style="--c:#c5221f;border-radius:50%"></span>DELETE event</li><li><span class="swatch" style="background:#fff;border:1.5px solid #188038"></span>progress notification</li><li>✕ canceled</li><li class="dim">each row: revision (up) over time</li></ul>`;
    sections.push(
      `<section id="watches-section"><h2>Watch streams (${m.watches.length})</h2>${legend}${note}${watchesChart(drawn.watches, s, m.t1, drawn.violations)}</section>`,
    );
  }
  if (m.kube && m.kube.objects.length > 0) {
    const notes = [
      m.kube.objects.length > MAX_KUBE_OBJECTS
        ? `Drawing the first ${MAX_KUBE_OBJECTS} of ${m.kube.objects.length} objects.`
        : "",
      m.kube.skipped > 0 ? `${m.kube.skipped} malformed entries of extra.kube were skipped.` : "",
    ]
      .filter(Boolean)
      .join(" ");
    const legend = `<ul class="legend"><li><span class="swatch" style="--c:#188038"></span>added</li><li><span class="swatch" style="--c:#1a73e8"></span>modified</li><li><span class="swatch" style="--c:#c5221f"></span>deleted</li></ul>`;
    sections.push(
      `<section id="kube-section"><h2>Kubernetes objects (${m.kube.objects.length})</h2>${legend}${notes ? `<p class="note">${esc(notes)}</p>` : ""}${kubeChart(m.kube, s, m.t1)}</section>`,
    );
  }

  if (m.membership && (m.membership.actions.length > 0 || m.membership.skipped > 0))
    sections.push(membershipSection(m.membership, m.unit));
  if (m.latencyHtml !== undefined) sections.push(m.latencyHtml);
  if (m.probesHtml !== undefined) sections.push(m.probesHtml);

  const opData: Record<string, unknown> = {};
  for (const o of sel.drawn) opData[o.id] = markData.has(o.id) ? { ...o, mark: markData.get(o.id) } : o;
  const data = { kind: m.kind, meta: m.meta, unit: m.unit, t0: m.t0, t1: m.t1, ops: opData };
  const dim = lins.length > 0 && sel.drawn.length > 0 ? ` class="dim-others"` : "";

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(m.title)}</title>
<style>${CSS}</style></head>
<body${dim}>
<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
<pattern id="hatch-unknown" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ece4f7"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8e6bbf" stroke-width="2.2"/></pattern>
<pattern id="hatch-stuck" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fad2cf"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ea4335" stroke-width="2.2"/></pattern>
<pattern id="hatch-prefix" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ceead6"/><line x1="0" y1="0" x2="0" y2="6" stroke="#34a853" stroke-width="2.2"/></pattern>
<pattern id="hatch-crash" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f1f3f4" fill-opacity=".7"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9aa0a6" stroke-width="1.5"/></pattern>
</defs></svg>
${m.header}
${sections.join("\n")}
<aside id="panel" hidden><button id="panel-close" title="close (Esc)">×</button><h3 id="panel-title"></h3>
<dl class="facts"><div data-field><dt>operation</dt><dd id="panel-label" class="mono"></dd></div><div data-field><dt>time</dt><dd id="panel-span"></dd></div>
<div data-field><dt>evidence</dt><dd id="panel-mark"></dd></div><div data-field><dt>error</dt><dd id="panel-error"></dd></div></dl>
<div data-field><h3>request</h3><pre id="panel-request"></pre></div><div data-field><h3>response</h3><pre id="panel-response"></pre></div></aside>
<div id="tip" hidden></div>
<script type="application/json" id="etcdsim-data">${scriptJson(data)}</script>
<script>${CLIENT_JS}</script>
</body></html>
`;
}
