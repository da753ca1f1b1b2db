// `etcdsim explore --report FILE.html`: the grid as charts, one per metric, x the grid points in order
// (their option values as labels), one line per quantile: the median and p99 over every operation, and
// the per-seed p99's min and max as a thinner band. Self-contained: uPlot inlined, data as JSON.
import type { ExploreResult } from "../../cli/explore.ts";
import { metricOrder } from "../../harness/metrics/grid.ts";
import { esc, scriptJson } from "./esc.ts";
import { uplotTags } from "./uplot.ts";

export function gridData(r: ExploreResult): {
  labels: string[];
  metrics: { name: string; data: (number | null)[][] }[];
} {
  const labels = r.points.map((p) =>
    Object.entries(p.values)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" "),
  );
  const names = metricOrder(r.points.flatMap((p) => Object.keys(p.metrics)));
  const metrics = names.map((name) => {
    const col = (f: (m: NonNullable<ExploreResult["points"][number]["metrics"][string]>) => number) =>
      r.points.map((p) => (p.metrics[name] ? Math.max(f(p.metrics[name]!), 1) / 1000 : null));
    return {
      name,
      data: [
        r.points.map((_, i) => i),
        col((m) => m.median),
        col((m) => m.p99),
        col((m) => m.seedP99.min),
        col((m) => m.seedP99.max),
      ],
    };
  });
  return { labels, metrics };
}

export function exploreHtml(r: ExploreResult): string {
  const g = gridData(r);
  const title = `etcdsim explore · ${r.scenario} · ${r.vary.map((a) => a.path).join(" × ")} · seeds ${r.seeds[0]}..${r.seeds[1]}`;
  const rows = r.points
    .map(
      (p, i) =>
        `<tr><td>${esc(g.labels[i]!)}</td><td>${p.runs}</td><td>${p.verdicts.pass}/${p.verdicts.fail}/${p.verdicts.unknown}</td><td>${p.sloHeld === null ? "-" : `${p.sloHeld}/${p.runs}`}</td></tr>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:20px;color:#202124}h1{font-size:18px}table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}.chart{margin:18px 0}.note{color:#5f6368}</style>
${uplotTags()}
</head><body>
<h1>${esc(title)}</h1>
<p class="note">One chart per metric. x: the grid points in order; y: latency (log scale). Lines: median and p99 over every operation of every seed at that point, and the smallest and largest per-seed p99 (dashed): how much one seed's tail differs from another's.</p>
<table id="grid-runs"><tr><th>grid point</th><th>runs</th><th>pass/fail/unknown</th><th>kube-slo held</th></tr>${rows}</table>
<div id="grid-charts"></div>
<script type="application/json" id="grid-data">${scriptJson(g)}</script>
<script>${GRID_JS}</script>
</body></html>
`;
}

const GRID_JS = `(function(){
var g=JSON.parse(document.getElementById("grid-data").textContent),root=document.getElementById("grid-charts"),charts=[];
function fmt(v){return v==null?"-":v<1?(v*1000).toFixed(0)+" µs":v<1000?v.toFixed(2)+" ms":(v/1000).toFixed(2)+" s";}
g.metrics.forEach(function(m){
  var div=document.createElement("div");div.className="chart";root.appendChild(div);
  charts.push(new uPlot({title:m.name,width:Math.min(1000,(document.body.clientWidth||900)-20),height:240,
    scales:{x:{time:false,range:function(u,a,b){return [a-0.3,b+0.3];}},y:{distr:3}},
    axes:[{splits:function(){return g.labels.map(function(_,i){return i;});},values:function(u,vs){return vs.map(function(v){return g.labels[v]||"";});}},{label:"latency",splits:function(u,i,min,max){var out=[];for(var e=Math.floor(Math.log10(Math.max(min,1e-6)));Math.pow(10,e)<=max*1.0001;e++){var v=Math.pow(10,e);if(v>=min*0.9999)out.push(v);}return out;},size:70,values:function(u,vs){return vs.map(function(v){return v<1?Math.round(v*1000)+" µs":v<1000?Math.round(v)+" ms":Math.round(v/1000)+" s";});}}],
    series:[{label:"grid point",value:function(u,v){return v==null?"-":g.labels[v];}},
      {label:"median",stroke:"#1a73e8",width:2,points:{show:true},value:function(u,v){return fmt(v);}},
      {label:"p99",stroke:"#c5221f",width:2,points:{show:true},value:function(u,v){return fmt(v);}},
      {label:"p99 of the fastest seed",stroke:"#e8710a",dash:[4,4],value:function(u,v){return fmt(v);}},
      {label:"p99 of the slowest seed",stroke:"#9334e6",dash:[4,4],value:function(u,v){return fmt(v);}}]},m.data,div));
});
window.etcdsimGridCharts=charts;
})();`;
