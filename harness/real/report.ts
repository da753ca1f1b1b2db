// `etcdsim real --report DIR`: the files `etcdsim run --report` writes (reports/report.ts), with the
// page's header saying what a real run is: the etcd that ran, the real fault schedule as applied, and
// that the seed reproduces the schedule and the workload, not the interleaving.
import { join } from "node:path";
import { writeRunReport } from "../../reports/report.ts";
import { renderRunHtml } from "../../reports/html.ts";
import { writeFileAtomic } from "../../reports/files.ts";
import type { RunResult } from "../../scenarios/types.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function writeRealReport(dir: string, r: RunResult, etcd: { version: string; binary: string }): void {
  writeRunReport(dir, r);
  const real = (r.extra?.real ?? {}) as {
    applied?: { fault: string; target?: string; start: number; end?: number; outcome: string }[];
  };
  const files = [
    "result.json",
    ...(r.history ? ["history.jsonl"] : []),
    ...(r.history?.watches.length ? ["watches.jsonl"] : []),
  ];
  const applied = (real.applied ?? [])
    .map(
      (a) =>
        `${(a.start / 1e6).toFixed(1)}s–${a.end === undefined ? "end" : `${(a.end / 1e6).toFixed(1)}s`}  ${a.fault}: ${a.outcome}`,
    )
    .join("\n");
  const facts = `<dt>etcd</dt><dd id="etcd">${esc(etcd.version)} <span class="dim">(${esc(etcd.binary)})</span></dd>
<dt>note</dt><dd>a real cluster: the seed reproduces the fault schedule and the clients' choices, not the interleaving; times are real (µs since the workload started)</dd>
<dt>real faults</dt><dd><details><summary>${(real.applied ?? []).length} applied</summary><pre id="real-faults">${esc(applied || "none")}</pre></details></dd>
`;
  let html = renderRunHtml(r, { files });
  html = html
    .replace("<h1>etcdsim run · ", "<h1>etcdsim real · ")
    .replace("<title>etcdsim ", "<title>etcdsim real ")
    .replace(" ms simulated · ", " ms of real time · ");
  html = html.replace("<dt>stats</dt>", `${facts}<dt>stats</dt>`);
  writeFileAtomic(join(dir, "index.html"), html);
}
