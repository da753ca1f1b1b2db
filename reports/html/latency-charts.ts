// The run report's latency section, in the style of Jepsen's latency-raw and latency-quantiles plots:
// every operation a point at (start time, latency) on a log axis, one colour per metric, with the
// fault windows shaded; then p50/p95/p99 per time window of the main metrics. Drawn with uPlot.
import type { LatencyReport } from "../../harness/metrics/kube.ts";
import { metricOrder } from "../../harness/metrics/grid.ts";
import { quantile } from "../../checkers/quantile.ts";
import { esc, scriptJson } from "./esc.ts";
import type { FaultSpan } from "./charts/faults.ts";
import { uplotTags } from "./uplot.ts";

/** More points than this are thinned evenly (every k-th), so the page stays quick. */
export const MAX_POINTS = 20_000;
const WINDOW_US = 500_000;
const QUANTILE_METRICS = ["etcd leader", "api mutating", "informer lag", "client put", "client range"];
const COLORS = [
  "#1a73e8",
  "#e8710a",
  "#188038",
  "#9334e6",
  "#c5221f",
  "#12b5cb",
  "#f9ab00",
  "#5f6368",
  "#b31412",
  "#0d652d",
  "#a142f4",
  "#185abc",
];

/** Reads extra.latency of a run result (undefined when absent or malformed). */
export function readLatency(x: unknown): LatencyReport | undefined {
  const r = x as LatencyReport | undefined;
  if (!r?.points || !Array.isArray(r.points.t) || !Array.isArray(r.points.metrics) || typeof r.samples !== "object")
    return undefined;
  return r;
}

/** Aligned uPlot data for the scatter: x = start (s), one y column (ms) per metric, null where another metric's point is. */
export function rawData(r: LatencyReport): { names: string[]; data: (number | null)[][] } {
  const names = metricOrder(r.points.metrics);
  const col = new Map(names.map((n, i) => [n, i]));
  const n = r.points.t.length;
  const step = Math.max(1, Math.ceil(n / MAX_POINTS));
  const idx: number[] = [];
  for (let i = 0; i < n; i += step) idx.push(i);
  idx.sort((a, b) => r.points.t[a]! - r.points.t[b]!);
  const xs: number[] = [];
  const ys: (number | null)[][] = names.map(() => []);
  for (const i of idx) {
    const c = col.get(r.points.metrics[r.points.m[i]!]!)!;
    xs.push(r.points.t[i]! / 1e6);
    for (let k = 0; k < names.length; k++) ys[k]!.push(k === c ? Math.max(r.points.d[i]!, 1) / 1000 : null);
  }
  return { names, data: [xs, ...ys] };
}

/** p50/p95/p99 per window of the main metrics: x = window middle (s), one column per metric × quantile (ms). */
export function quantileData(r: LatencyReport): { names: string[]; data: (number | null)[][] } {
  const metrics = QUANTILE_METRICS.filter((m) => r.points.metrics.includes(m));
  let tEnd = 0;
  for (const t of r.points.t) tEnd = Math.max(tEnd, t);
  const windows = Math.max(1, Math.ceil((tEnd + 1) / WINDOW_US));
  const buckets = metrics.map(() => Array.from({ length: windows }, () => [] as number[]));
  for (let i = 0; i < r.points.t.length; i++) {
    const k = metrics.indexOf(r.points.metrics[r.points.m[i]!]!);
    if (k >= 0) buckets[k]![Math.floor(r.points.t[i]! / WINDOW_US)]!.push(Math.max(r.points.d[i]!, 1));
  }
  const names: string[] = [];
  const cols: (number | null)[][] = [];
  for (const [k, m] of metrics.entries()) {
    for (const q of [0.5, 0.95, 0.99]) {
      names.push(`${m} p${Math.round(q * 100)}`);
      cols.push(buckets[k]!.map((b) => (b.length ? quantile(b, q) / 1000 : null)));
    }
  }
  return { names, data: [Array.from({ length: windows }, (_, w) => ((w + 0.5) * WINDOW_US) / 1e6), ...cols] };
}

export function latencySection(r: LatencyReport, faults: readonly FaultSpan[]): string {
  const raw = rawData(r);
  const qs = quantileData(r);
  const spans = faults.map((f) => [f.start / 1e6, (f.end ?? f.start) / 1e6]);
  const steps = r.steps
    .map(
      (s) =>
        `<li>#${s.index} ${esc(s.description)}: ${s.ready === undefined ? `<span class="dim">not ready within the run (or a later step changed the goal first)</span>` : `ready after ${((s.ready - s.start) / 1000).toFixed(1)} ms`}</li>`,
    )
    .join("");
  const data = {
    raw: { names: raw.names, data: raw.data, colors: raw.names.map((_, i) => COLORS[i % COLORS.length]) },
    quantiles: {
      names: qs.names,
      data: qs.data,
      colors: qs.names.map((_, i) => COLORS[Math.floor(i / 3) % COLORS.length]),
    },
    faults: spans,
  };
  return `<section id="latency-section"><h2>Latency</h2>
<p class="note">Every operation as a point: x is when it started, y how long it took (log scale, ms); grey bands are fault windows. Click a legend entry to hide a metric.</p>
<div id="latency-raw"></div>
<p class="note">p50, p95 and p99 per ${WINDOW_US / 1000} ms window (same colour per metric, lighter for lower quantiles).</p>
<div id="latency-quantiles"></div>
${steps ? `<h3>kubectl steps: time to ready</h3><ul id="latency-steps">${steps}</ul>` : ""}
${uplotTags()}
<script type="application/json" id="latency-data">${scriptJson(data)}</script>
<script>${LATENCY_JS}</script>
</section>`;
}

/** Builds both charts; window.etcdsimLatencyCharts keeps them (tests read their data). */
export const LATENCY_JS = `(function(){
var d=JSON.parse(document.getElementById("latency-data").textContent);
var W=Math.max(600,Math.min(1400,(document.body.clientWidth||1000)-40));
function shade(u){var c=u.ctx;c.save();c.fillStyle="rgba(95,99,104,0.07)";d.faults.forEach(function(f){var a=u.valToPos(f[0],"x",true),b=u.valToPos(Math.max(f[1],f[0]),"x",true);c.fillRect(a,u.bbox.top,Math.max(2,b-a),u.bbox.height);});c.restore();}
function fmt(v){return v==null?"-":v<1?(v*1000).toFixed(0)+" µs":v<1000?v.toFixed(2)+" ms":(v/1000).toFixed(2)+" s";}
function decadeSplits(u,i,min,max){var out=[];for(var e=Math.floor(Math.log10(Math.max(min,1e-6)));Math.pow(10,e)<=max*1.0001;e++){var v=Math.pow(10,e);if(v>=min*0.9999)out.push(v);}return out;}
function decadeLabels(u,vs){return vs.map(function(v){return v<1?Math.round(v*1000)+" µs":v<1000?Math.round(v)+" ms":Math.round(v/1000)+" s";});}
var charts=[];
var raw=d.raw, series=[{label:"start (s)"}];
raw.names.forEach(function(n,i){series.push({label:n,stroke:raw.colors[i],fill:raw.colors[i],paths:function(){return null;},points:{show:true,size:3,width:0,fill:raw.colors[i]},value:function(u,v){return fmt(v);}});});
if(raw.data[0].length>0)charts.push(new uPlot({title:"latency by time (every operation)",width:W,height:360,scales:{x:{time:false},y:{distr:3}},axes:[{label:"time (s)"},{label:"latency",size:60,splits:decadeSplits,values:decadeLabels}],series:series,hooks:{drawClear:[shade]}},raw.data,document.getElementById("latency-raw")));
var q=d.quantiles, qs=[{label:"window (s)"}];
q.names.forEach(function(n,i){var k=i%3;qs.push({label:n,stroke:q.colors[i],width:k==2?2:1,dash:k==0?[4,4]:k==1?[2,2]:undefined,spanGaps:false,value:function(u,v){return fmt(v);}});});
if(q.names.length>0)charts.push(new uPlot({title:"latency quantiles over time",width:W,height:300,scales:{x:{time:false},y:{distr:3}},axes:[{label:"time (s)"},{label:"latency",size:60,splits:decadeSplits,values:decadeLabels}],series:qs,hooks:{drawClear:[shade]}},q.data,document.getElementById("latency-quantiles")));
window.etcdsimLatencyCharts=charts;
})();`;
