// `--report DIR`: the run's files — result.json, history.jsonl, trace.jsonl (when kept) and index.html.
import { join } from "node:path";
import type { RunResult } from "../scenarios/types.ts";
import { runJson } from "./text.ts";
import { jsonl, writeFileAtomic } from "./files.ts";
import { renderRunHtml } from "./html.ts";

export function writeRunReport(dir: string, r: RunResult): void {
  writeFileAtomic(join(dir, "result.json"), JSON.stringify({ ...runJson(r), faults: r.faults }, null, 1) + "\n");
  if (r.history) writeFileAtomic(join(dir, "history.jsonl"), jsonl(r.history.operations));
  if (r.history?.watches.length) writeFileAtomic(join(dir, "watches.jsonl"), jsonl(r.history.watches));
  if (r.traceLines) writeFileAtomic(join(dir, "trace.jsonl"), jsonl(r.traceLines));
  writeFileAtomic(join(dir, "index.html"), renderRunHtml(r));
}
