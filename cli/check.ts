// etcdsim check: judge a recorded history (ours as JSON Lines, or Porcupine's logs) for linearizability.
// Exit 0 linearizable, 1 not, 3 inconclusive (budget or --timeout), 2 bad usage or input.

import { writeFileAtomic } from "../reports/files.ts";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import { checkHistoryText, type TextCheck } from "../checkers/linearizability/check-text.ts";
import { summarizeEvidence } from "../checkers/linearizability/check-etcd.ts";
import { benchCorpusWith, type BenchResult } from "../checkers/linearizability/corpus.ts";
import { detectFormat, HISTORY_FORMATS, isHistoryFormat, type HistoryFormat } from "../checkers/linearizability/parse/detect.ts";
import { HistoryParseError } from "../checkers/linearizability/parse/errors.ts";
import type { LinearizabilityVerdict } from "../checkers/linearizability/types.ts";
import { parse, UsageError } from "./args.ts";

const HELP = `etcdsim check HISTORY [--format jsonl|porcupine-kv|porcupine-etcd] [--timeout SECONDS] [--json] [--report DIR]

Checks a client history for linearizability.
  HISTORY            a file: JSON Lines of EtcdOperation (etcd KV model), a Porcupine Jepsen etcd log
                     (register model) or a Porcupine kv log (get/put/append, checked per key)
  --format F         the file's format (default: detected from its content, then its extension)
  --timeout SECONDS  stop and answer "unknown" after this much wall time
  --json             print one JSON object: { file, format, operations, verdict, partitions, wallMs, evidence? }
  --report DIR       also write DIR/check.json with the full result

Exit codes: 0 linearizable, 1 not linearizable, 2 bad usage or input, 3 inconclusive.`;

const EXIT: Record<LinearizabilityVerdict, number> = { ok: 0, illegal: 1, unknown: 3 };
const WORDS: Record<LinearizabilityVerdict, string> = { ok: "linearizable", illegal: "NOT linearizable", unknown: "unknown (inconclusive)" };

/** One-line input error: exit 2, message on stderr, no stack. */
function badInput(message: string): number {
  process.stderr.write(`etcdsim: check: ${message}\n`);
  return 2;
}

export async function checkCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    "check",
    argv,
    { format: { type: "string" }, timeout: { type: "string" }, json: { type: "boolean" }, report: { type: "string" } },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`check: expected one HISTORY file, got ${positionals.length}`);
  const file = positionals[0]!;
  if (values.format !== undefined && !isHistoryFormat(values.format)) {
    throw new UsageError(`check: bad value "${values.format}" for --format: expected ${HISTORY_FORMATS.join(", ")}`);
  }
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const t = Number(values.timeout);
    if (values.timeout.trim() === "" || !Number.isFinite(t) || t <= 0) throw new UsageError(`check: bad value "${values.timeout}" for --timeout: expected a positive number of seconds`);
    timeoutMs = t * 1000;
  }

  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.code === "EACCES" ? "permission denied" : err.message;
    return badInput(`cannot read ${file}: ${why}`);
  }
  const format: HistoryFormat | undefined = (values.format as HistoryFormat | undefined) ?? detectFormat(file, text);
  if (format === undefined) return badInput(`${file}: cannot tell the format; pass --format ${HISTORY_FORMATS.join("|")}`);

  const started = performance.now();
  const deadline = timeoutMs === undefined ? undefined : started + timeoutMs;
  let check: TextCheck;
  try {
    check = checkHistoryText(text, format, {
      // The engine never reads the clock; it asks here every few thousand steps.
      ...(deadline !== undefined ? { onProgress: () => performance.now() > deadline, progressEvery: 4096 } : {}),
    });
  } catch (e) {
    if (e instanceof HistoryParseError) return badInput(`${file}: ${e.message}`);
    throw e;
  }
  const wallMs = Math.round((performance.now() - started) * 1000) / 1000;
  const { result } = check;
  const timedOut = result.verdict === "unknown" && deadline !== undefined && performance.now() > deadline;

  const summary = {
    file,
    format,
    operations: check.operations,
    verdict: result.verdict,
    partitions: result.partitions.map((p) => ({ index: p.index, operations: p.operations, verdict: p.verdict, steps: p.steps, ...(p.skipped ? { skipped: true } : {}) })),
    steps: result.steps,
    wallMs,
    ...(timedOut ? { timedOut: true } : {}),
    ...(result.evidence ? { evidence: result.evidence } : {}),
  };

  if (values.report !== undefined) {
    // The HTML failure view (longest linearizable prefix, operations that could not be placed) plus the raw result.
    try {
      const { writeCheckReport } = await import("../reports/report.ts");
      const message = result.verdict === "ok" ? `linearizable (${check.operations} operations, ${result.steps} steps)`
        : result.verdict === "unknown" ? `inconclusive after ${result.steps} steps` : `not linearizable`;
      writeCheckReport(values.report, {
        history: file,
        format,
        checks: [{ name: "linearizability", verdict: result.verdict === "ok" ? "pass" : result.verdict === "illegal" ? "fail" : "unknown", message, ...(result.evidence ? { evidence: result.evidence } : {}) }],
        operations: check.described,
        command: `npx etcdsim check ${file} --format ${format}`,
        wallMs,
        facts: { steps: result.steps, partitions: result.partitions.length },
      });
      writeFileAtomic(join(values.report, "check.json"), JSON.stringify({ ...summary, linearization: result.linearization, history: check.described }, null, 1) + "\n");
    } catch (e) {
      return badInput(`cannot write the report to ${values.report}: ${(e as Error).message}`);
    }
  }

  if (values.json) console.log(JSON.stringify(summary));
  else {
    const parts = result.partitions.length;
    console.log(`${basename(file)}: ${WORDS[result.verdict]}`);
    console.log(`  ${check.operations} operations (${format}), ${parts} partition${parts === 1 ? "" : "s"}, ${result.steps} steps, ${wallMs.toFixed(1)} ms`);
    if (result.verdict === "unknown") console.log(`  ${timedOut ? `stopped by --timeout ${values.timeout}` : "stopped by the step budget"}`);
    if (result.evidence) {
      const e = result.evidence;
      console.log(`  ${summarizeEvidence(e)}`);
      const shown = e.longestPrefix.slice(-5);
      if (shown.length) console.log(`  longest linearizable prefix (partition ${e.partition}, last ${shown.length} of ${e.longestPrefix.length}):`);
      for (const o of shown) console.log(`    client ${o.clientId} [${o.call}, ${o.return ?? "?"}] ${o.description}`);
      console.log("  could not be placed next:");
      for (const o of e.stuck) console.log(`    client ${o.clientId} [${o.call}, ${o.return ?? "?"}] ${o.description} (${o.reason})`);
    }
  }
  return EXIT[result.verdict];
}

/** The corpus benchmark with the wall clock (for `npm run bench`): per-file medians and totals vs Porcupine. */
export function benchCorpus(options: { reps?: number; warmup?: number } = {}): BenchResult {
  return benchCorpusWith(() => performance.now(), options);
}
