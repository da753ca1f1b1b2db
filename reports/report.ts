// `--report DIR`: the run's files — result.json, history.jsonl, watches.jsonl, trace.jsonl (when kept)
// and index.html, which links the others.
import { join } from "node:path";
import type { RunResult } from "../scenarios/types.ts";
import { runJson } from "./text.ts";
import { jsonl, writeFileAtomic } from "./files.ts";
import { renderCheckHtml, renderRunHtml, type CheckReportInput } from "./html.ts";

export function writeRunReport(dir: string, r: RunResult): void {
  const files = ["result.json"];
  writeFileAtomic(join(dir, "result.json"), JSON.stringify({ ...runJson(r), faults: r.faults }, null, 1) + "\n");
  if (r.history) {
    writeFileAtomic(join(dir, "history.jsonl"), jsonl(r.history.operations));
    files.push("history.jsonl");
  }
  if (r.history?.watches.length) {
    writeFileAtomic(join(dir, "watches.jsonl"), jsonl(r.history.watches));
    files.push("watches.jsonl");
  }
  if (r.traceLines) {
    writeFileAtomic(join(dir, "trace.jsonl"), jsonl(r.traceLines));
    files.push("trace.jsonl");
  }
  writeFileAtomic(join(dir, "index.html"), renderRunHtml(r, { files }));
}

/** `etcdsim check --report DIR`: index.html with the linearizability evidence view, and result.json. */
export function writeCheckReport(dir: string, input: CheckReportInput): void {
  const result = { history: input.history, format: input.format, checks: input.checks };
  writeFileAtomic(join(dir, "result.json"), JSON.stringify(result, null, 1) + "\n");
  writeFileAtomic(join(dir, "index.html"), renderCheckHtml(input));
}
