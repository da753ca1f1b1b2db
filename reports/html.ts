// The self-contained HTML run report (no network: inline CSS/SVG/JS).
import type { RunResult } from "../scenarios/types.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderRunHtml(r: RunResult): string {
  const rows = r.checks.map((c) => `<tr class="${c.verdict}"><td>${esc(c.name)}</td><td>${c.verdict}</td><td>${esc(c.message)}</td></tr>`).join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>etcdsim ${esc(r.scenario)} seed ${r.seed}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}td{padding:2px 8px}.fail{color:#b00}.pass{color:#070}</style></head>
<body><h1>etcdsim: ${esc(r.scenario)} — seed ${r.seed} — <span id="verdict" class="${r.verdict}">${r.verdict}</span></h1>
<p>traceHash <code>${r.traceHash}</code>; repro <code>${esc(r.repro)}</code></p>
<table id="checks">${rows}</table></body></html>
`;
}
