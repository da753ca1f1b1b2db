// The report's stylesheet, inlined into the page (no network).
const FAULT_COLOURS: Record<string, string> = {
  partition: "#e8710a",
  "partition-oneway": "#f29900",
  isolate: "#c5221f",
  bridge: "#a142f4",
  loss: "#12b5cb",
  delay: "#1a73e8",
  duplicate: "#80868b",
  clog: "#8d6e63",
  crash: "#202124",
  pause: "#5f6368",
  skew: "#e52592",
  drift: "#f06fb6",
  "disk-slow": "#188038",
  "slow-messages": "#4285f4",
  swizzle: "#6d4c41",
  "container-kill": "#b31412",
  stop: "#9334e6",
};
const MEMBER_COLOURS = ["#1a73e8", "#e8710a", "#188038", "#a142f4", "#c5221f", "#12b5cb", "#b06000", "#5f6368"];

export const CSS = `
*{box-sizing:border-box}
[hidden]{display:none!important}
dl.facts>div{display:contents}
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#202124;margin:0;background:#fff}
header,section{padding:10px 20px}
h1{font-size:20px;margin:6px 0 10px;display:flex;gap:12px;align-items:center;flex-wrap:wrap}
h2{font-size:16px;margin:14px 0 6px;border-bottom:1px solid #e0e0e0;padding-bottom:4px}
h3{font-size:14px;margin:10px 0 4px}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12px}
pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:4px;padding:8px;overflow:auto;max-height:360px;margin:4px 0}
.dim{color:#5f6368}
.note{color:#5f6368;font-style:italic;margin:4px 0}
.verdict{font-size:14px;font-weight:700;padding:2px 10px;border-radius:12px;color:#fff;letter-spacing:.04em}
.verdict.pass{background:#188038}.verdict.fail{background:#c5221f}.verdict.unknown{background:#b06000}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0}
dl.facts dt{color:#5f6368}dl.facts dd{margin:0}
button{font:inherit;font-size:12px;padding:1px 8px;border:1px solid #bdc1c6;border-radius:4px;background:#f8f9fa;cursor:pointer}
button:hover{background:#e8eaed}
#repro{background:#f1f3f4;padding:2px 6px;border-radius:3px;user-select:all}
table.checks{border-collapse:collapse;width:100%}
table.checks th{text-align:left;color:#5f6368;font-weight:600;border-bottom:1px solid #dadce0;padding:4px 8px}
table.checks td{padding:4px 8px;vertical-align:top;border-bottom:1px solid #f1f3f4}
tr.check td.v{font-weight:700;white-space:nowrap}
tr.check.pass td.v{color:#188038}tr.check.fail td.v{color:#c5221f}tr.check.unknown td.v{color:#b06000}
tr.check.fail{background:#fce8e6}tr.check.unknown{background:#fef7e0}
tr.check td.name{font-weight:600;white-space:nowrap}
tr.evidence-row td{padding:0 8px 8px 24px}
ul.pending li{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px;padding:0;margin:4px 0 6px}
ul.legend li{display:flex;align-items:center;gap:5px}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px;background:var(--c,#bdc1c6)}
.chart{margin:4px 0 10px;border:1px solid #e0e0e0;border-radius:4px}
.scroller{overflow-x:auto;overflow-y:hidden}
.canvas{display:flex;align-items:flex-start}
svg{display:block;overflow:visible}
svg.gutter{position:sticky;left:0;z-index:2;flex:none;border-right:1px solid #dadce0}
svg.plot{flex:none}
.gutterbg{fill:#fff}
.rowlabel rect{fill:#fff}.rowlabel.odd rect{fill:#f7f8fa}
.rowlabel text{font-size:12px;fill:#3c4043}
.rowlabel.violated text,.rowlabel.has-stuck text{fill:#c5221f;font-weight:700}
.rowbg{fill:#fff}.rowbg.odd{fill:#f7f8fa}.rowbg.violated{fill:#fce8e6}
.grid{stroke:#e8eaed;stroke-width:1}
.tick{font-size:10px;fill:#5f6368;text-anchor:middle}
.cursor{stroke:#202124;stroke-width:1;stroke-dasharray:2 2;pointer-events:none}
.band{fill:#fbbc04;fill-opacity:.16;pointer-events:none}
.op{cursor:pointer;stroke:none}
.op.ok{fill:#5b8def}.op.error{fill:#f4a340}
.op.unknown{fill:url(#hatch-unknown);stroke:#8e6bbf;stroke-width:1;stroke-dasharray:4 2}
.openend{fill:none;stroke:#6a4c93;stroke-width:1.8;pointer-events:none}
.op:hover{stroke:#202124;stroke-width:1.5}
.op.lin-prefix{fill:#34a853}
.op.lin-stuck{fill:#ea4335;stroke:#7f0000;stroke-width:2.5;stroke-dasharray:none;animation:pulse 1.2s ease-in-out 4}
.op.unknown.lin-stuck{fill:url(#hatch-stuck);stroke-dasharray:6 2}.op.unknown.lin-prefix{fill:url(#hatch-prefix)}
.halo{fill:#ea4335;fill-opacity:.12;stroke:#ea4335;stroke-width:1.5;pointer-events:none}
.op.selected{stroke:#000;stroke-width:2.5;stroke-dasharray:none}
@keyframes pulse{50%{stroke-width:6;stroke-opacity:.5}}
body.dim-others .op:not(.lin-prefix):not(.lin-stuck):not(.selected){opacity:.22}
.oplabel{font-size:9.5px;fill:#fff;pointer-events:none;font-family:ui-monospace,Menlo,Consolas,monospace}
.oplabel.open{fill:#3c2a5a;font-size:8.5px;stroke:#fff;stroke-width:2.5px;stroke-opacity:.85;paint-order:stroke}
.fault rect{fill:var(--c);fill-opacity:.28;stroke:var(--c);stroke-width:1}
.fault.open rect{stroke-dasharray:4 2}
.fault:hover rect{fill-opacity:.5}
.faultlabel{font-size:10px;fill:#202124;pointer-events:none}
.strip{fill:var(--c)}
.down.k-crash{fill:url(#hatch-crash)}.down.k-pause{fill:#000;fill-opacity:.07}
.swatch.down.k-crash{background:repeating-linear-gradient(45deg,#9aa0a6 0 2px,#fff 2px 5px)}.swatch.down.k-pause{background:#e8eaed}
${Object.entries(FAULT_COLOURS)
  .map(([k, c]) => `.k-${k}{--c:${c}}`)
  .join("")}
.role rect{fill:#bdc1c6}.role text{font-size:10px;fill:#202124;pointer-events:none}
.role-leader rect{fill:#188038}.role-leader text{fill:#fff}
.role-candidate rect{fill:#f9ab00}.role-pre-candidate rect,.role-precandidate rect{fill:#fdd663}
.role-follower rect{fill:#dadce0}.role-learner rect{fill:#c6dafc}
.swatch.role-leader{background:#188038}.swatch.role-candidate{background:#f9ab00}.swatch.role-pre-candidate,.swatch.role-precandidate{background:#fdd663}.swatch.role-follower{background:#dadce0}.swatch.role-learner{background:#c6dafc}
.leader rect{fill:var(--m);fill-opacity:.85}.leader text{font-size:10px;fill:#fff;pointer-events:none}
.leader.conflict rect{stroke:#c5221f;stroke-width:2.5;stroke-dasharray:4 2}
${MEMBER_COLOURS.map((c, i) => `.m${i}{--m:${c}}`).join("")}
.wline{stroke:#bdc1c6;stroke-width:2}
.wcreated{stroke:#5f6368;stroke-width:1.5}
.ev.put{fill:#1a73e8}.ev.del{fill:#c5221f}
.wprogress{fill:#fff;stroke:#188038;stroke-width:1.5}
.wcancel path{stroke:#c5221f;stroke-width:2;fill:none}
.wviolation circle{fill:none;stroke:#c5221f;stroke-width:2.5}
.revlabel{font-size:9px;fill:#9aa0a6}
.kstate rect{fill:#e8f0fe;stroke:#aecbfa}.kstate text{font-size:9.5px;fill:#174ea6;pointer-events:none}
.kev{stroke:#fff;stroke-width:.8}.kev.added{fill:#188038}.kev.modified{fill:#1a73e8}.kev.deleted{fill:#c5221f}
table.membership{border-collapse:collapse;margin:4px 0}
table.membership td,table.membership th{padding:3px 8px;border-bottom:1px solid #f1f3f4;text-align:left}
table.membership td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.mc-done td{font-weight:600}tr.mc-refused td.mono{color:#b06000}
table.lin{border-collapse:collapse;margin:4px 0}
table.lin td,table.lin th{padding:3px 8px;border-bottom:1px solid #f1f3f4;text-align:left}
table.lin tr[data-goto-op]{cursor:pointer}table.lin tr[data-goto-op]:hover{background:#e8f0fe}
tr.stuck td:first-child{border-left:4px solid #ea4335}
ol.prefix{margin:4px 0;padding-left:48px}
ol.prefix li{cursor:pointer}ol.prefix li:hover{background:#e8f0fe}
#panel{position:fixed;right:14px;bottom:14px;width:min(560px,calc(100vw - 28px));max-height:38vh;overflow:auto;background:#fff;border:1px solid #bdc1c6;border-radius:6px;box-shadow:0 4px 18px rgba(0,0,0,.18);padding:8px 12px;z-index:10}
#panel h3{margin:2px 0 6px;padding-right:24px}
#panel-close{position:absolute;right:8px;top:6px}
#panel pre{max-height:160px}
#tip{position:fixed;z-index:20;pointer-events:none;background:#202124;color:#fff;font-size:11px;padding:3px 7px;border-radius:3px;max-width:560px;white-space:pre-wrap}
.toolbar{display:flex;gap:16px;align-items:center;margin:2px 0 4px;color:#5f6368}
`;
