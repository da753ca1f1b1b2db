// etcdsim check: judge a recorded history (ours as JSON Lines, or Porcupine's logs) for linearizability.
// Exit 0 linearizable, 1 not, 3 inconclusive (budget or --timeout), 2 bad usage or input.

import { checkOutputDir, writeDirAtomic, writeFileAtomic } from "../reports/files.ts";

/** The files `check --report DIR` writes (index.html last, so a directory without it is never left). */
const CHECK_REPORT_FILES = ["result.json", "check.json", "index.html"];
import { createReadStream } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import { checkHistoryText, checkHistoryTextParallel, type TextCheck } from "../checkers/linearizability/check-text.ts";
import { summarizeEvidence } from "../checkers/linearizability/check-etcd.ts";
import { benchCorpusWith, type BenchResult } from "../checkers/linearizability/corpus.ts";
import {
  detectFormat,
  HISTORY_FORMATS,
  isHistoryFormat,
  type HistoryFormat,
} from "../checkers/linearizability/parse/detect.ts";
import { HistoryParseError, ParseStopped } from "../checkers/linearizability/parse/errors.ts";
import type { LinearizabilityVerdict } from "../checkers/linearizability/types.ts";
import type { EtcdLimits } from "../checkers/linearizability/models/etcd/limits.ts";
import { parse, UsageError } from "./args.ts";

const HELP = `etcdsim check HISTORY [--format jsonl|porcupine-kv|porcupine-etcd|jepsen-edn] [--timeout SECONDS] [--threads N]
              [--max-txn-ops N] [--max-request-bytes N] [--json] [--report DIR]

Checks a client history for linearizability (formats: docs/HISTORY-FORMATS.md).
  HISTORY            a file: JSON Lines of EtcdOperation (etcd KV model), a Porcupine Jepsen etcd log
                     (register model), a Porcupine kv log (get/put/append, checked per key) or a
                     Jepsen history.edn (register / cas-register, independent key map, set)
  --format F         the file's format (default: detected from its content, then its extension)
  --timeout SECONDS  stop and answer "unknown" after this much wall time (reading and parsing included)
  --threads N        worker threads for independent partitions (default: the cores, for large
                     histories); the answer is the same with any N
  --max-txn-ops N    an etcd history's cluster ran with --max-txn-ops N: a "too-many-ops" refusal is
                     judged against it (without: taken on trust)
  --max-request-bytes N
                     the same for --max-request-bytes and "request-too-large" (judged by bounds that
                     hold in any encoding, docs/HISTORY-FORMATS.md)
  --json             print one JSON object: { file, format, operations, verdict, partitions, wallMs, evidence? }
  --report DIR       also write DIR/check.json with the full result

Exit codes: 0 linearizable, 1 not linearizable, 2 bad usage or input, 3 inconclusive.`;

const EXIT: Record<LinearizabilityVerdict, number> = { ok: 0, illegal: 1, unknown: 3 };
const WORDS: Record<LinearizabilityVerdict, string> = {
  ok: "linearizable",
  illegal: "NOT linearizable",
  unknown: "unknown (inconclusive)",
};

/** One-line input error: exit 2, message on stderr, no stack. */
function badInput(message: string): number {
  process.stderr.write(`etcdsim: check: ${message}\n`);
  return 2;
}

export async function checkCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    "check",
    argv,
    {
      format: { type: "string" },
      timeout: { type: "string" },
      threads: { type: "string" },
      "max-txn-ops": { type: "string" },
      "max-request-bytes": { type: "string" },
      json: { type: "boolean" },
      report: { type: "string" },
    },
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
    if (values.timeout.trim() === "" || !Number.isFinite(t) || t <= 0)
      throw new UsageError(`check: bad value "${values.timeout}" for --timeout: expected a positive number of seconds`);
    timeoutMs = t * 1000;
  }

  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!/^\d+$/.test(values.threads.trim()) || threads < 1 || threads > 64)
      throw new UsageError(`check: bad value "${values.threads}" for --threads: expected an integer from 1 to 64`);
  }

  const limits: EtcdLimits = {};
  const limit = (flag: string, raw: string | undefined, max: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < 1 || n > max)
      throw new UsageError(`check: bad value "${raw}" for ${flag}: expected an integer from 1 to ${max}`);
    return n;
  };
  const maxTxnOps = limit("--max-txn-ops", values["max-txn-ops"] as string | undefined, 10_000);
  const maxRequestBytes = limit("--max-request-bytes", values["max-request-bytes"] as string | undefined, 2 ** 31);
  if (maxTxnOps !== undefined) limits.maxTxnOps = maxTxnOps;
  if (maxRequestBytes !== undefined) limits.maxRequestBytes = maxRequestBytes;

  // The report directory is checked before the history is read or judged, not after.
  if (values.report !== undefined) checkOutputDir(values.report, "--report", CHECK_REPORT_FILES);

  const started = performance.now();
  const deadline = timeoutMs === undefined ? undefined : started + timeoutMs;
  const read = await readHistory(file, values.format as HistoryFormat | undefined, deadline);
  if (read === TIMED_OUT) {
    if (values.json) console.log(JSON.stringify({ file, verdict: "unknown", timedOut: true, phase: "reading" }));
    else
      console.log(
        `${basename(file)}: unknown (inconclusive)\n  stopped by --timeout ${values.timeout} while reading the file`,
      );
    return EXIT.unknown;
  }
  if (typeof read === "string") return badInput(read);
  const { text, format } = read;

  // Stopping is a flag in shared memory, so worker threads see it too; the engine never reads a clock.
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const timer =
    deadline === undefined
      ? undefined
      : setTimeout(() => Atomics.store(stop, 0, 1), Math.max(0, deadline - performance.now()));
  let check: TextCheck;
  try {
    // Worker threads pay a start-up, so only large histories get them unless asked.
    const n = threads ?? (text.length > 2_000_000 ? Math.min(4, availableParallelism()) : 1);
    check =
      n > 1
        ? await checkHistoryTextParallel(text, format, {
            threads: n,
            limits,
            stop,
            shouldStop: () => deadline !== undefined && performance.now() > deadline,
          })
        : checkHistoryText(text, format, {
            limits,
            onProgress: () => Atomics.load(stop, 0) === 1 || (deadline !== undefined && performance.now() > deadline),
            progressEvery: 4096,
          });
  } catch (e) {
    if (e instanceof HistoryParseError) return badInput(`${file}: ${e.message}`);
    if (e instanceof ParseStopped) {
      if (values.json) console.log(JSON.stringify({ file, verdict: "unknown", timedOut: true, phase: "parsing" }));
      else
        console.log(
          `${basename(file)}: unknown (inconclusive)\n  stopped by --timeout ${values.timeout} while parsing the file`,
        );
      return EXIT.unknown;
    }
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
  }
  const wallMs = Math.round((performance.now() - started) * 1000) / 1000;
  const { result } = check;
  const timedOut = result.verdict === "unknown" && deadline !== undefined && performance.now() > deadline;

  const summary = {
    file,
    format,
    operations: check.operations,
    verdict: result.verdict,
    partitions: result.partitions.map((p) => ({
      index: p.index,
      operations: p.operations,
      verdict: p.verdict,
      steps: p.steps,
      ...(p.skipped ? { skipped: true } : {}),
    })),
    steps: result.steps,
    wallMs,
    ...(timedOut ? { timedOut: true } : {}),
    ...(result.evidence ? { evidence: result.evidence } : {}),
  };

  if (values.report !== undefined) {
    // The HTML failure view (longest linearizable prefix, operations that could not be placed) plus the raw result.
    try {
      const { writeCheckReport } = await import("../reports/report.ts");
      const message =
        result.verdict === "ok"
          ? `linearizable (${check.operations} operations, ${result.steps} steps)`
          : result.verdict === "unknown"
            ? `inconclusive after ${result.steps} steps`
            : `not linearizable`;
      writeDirAtomic(
        values.report,
        (staging) => {
          writeCheckReport(staging, {
            history: file,
            format,
            checks: [
              {
                name: "linearizability",
                verdict: result.verdict === "ok" ? "pass" : result.verdict === "illegal" ? "fail" : "unknown",
                message,
                ...(result.evidence ? { evidence: result.evidence } : {}),
              },
            ],
            operations: check.described,
            command: `npx etcdsim check ${file} --format ${format}`,
            wallMs,
            facts: { steps: result.steps, partitions: result.partitions.length },
          });
          writeFileAtomic(
            join(staging, "check.json"),
            JSON.stringify({ ...summary, linearization: result.linearization, history: check.described }, null, 1) +
              "\n",
          );
        },
        CHECK_REPORT_FILES,
      );
    } catch (e) {
      return badInput(`cannot write the report to ${values.report}: ${(e as Error).message}`);
    }
  }

  if (values.json) console.log(JSON.stringify(summary));
  else {
    const parts = result.partitions.length;
    console.log(`${basename(file)}: ${WORDS[result.verdict]}`);
    console.log(
      `  ${check.operations} operations (${format}), ${parts} partition${parts === 1 ? "" : "s"}, ${result.steps} steps, ${wallMs.toFixed(1)} ms`,
    );
    if (result.verdict === "unknown")
      console.log(`  ${timedOut ? `stopped by --timeout ${values.timeout}` : "stopped by the step budget"}`);
    if (result.evidence) {
      const e = result.evidence;
      console.log(`  ${summarizeEvidence(e)}`);
      const shown = e.longestPrefix.slice(-5);
      if (shown.length)
        console.log(
          `  longest linearizable prefix (partition ${e.partition}, last ${shown.length} of ${e.longestPrefix.length}):`,
        );
      for (const o of shown)
        console.log(`    client ${o.clientId} [${o.call}, ${o.return ?? "?"}] ${clip(o.description)}`);
      const w = e.contradiction?.write;
      console.log(e.contradiction ? "  fits no order:" : "  could not be placed next:");
      for (const o of e.stuck)
        console.log(`    client ${o.clientId} [${o.call}, ${o.return ?? "?"}] ${clip(o.description)} (${o.reason})`);
      if (w)
        console.log(
          `  against the write:\n    client ${w.clientId} [${w.call}, ${w.return ?? "?"}] ${clip(w.description)}`,
        );
      const m = e.minimalSubset;
      if (m) {
        console.log(
          `  minimal failing subset (${m.operations.length} operation${m.operations.length === 1 ? "" : "s"}${m.complete ? "" : ", not proven minimal"}; the partition's other writes may or may not have happened):`,
        );
        for (const o of m.operations)
          console.log(`    client ${o.clientId} [${o.call}, ${o.return ?? "?"}] ${clip(o.description)}`);
      }
    }
  }
  return EXIT[result.verdict];
}

/** A description as a terminal line: long values (a 10 MB string) are cut, with their length said. */
function clip(s: string): string {
  return s.length <= 200 ? s : `${s.slice(0, 160)}… (${s.length} characters)`;
}

const TIMED_OUT = Symbol("timed out");
/** No line of a history is this long; past it the file is refused without reading on. */
const LINE_LIMIT = 64 * 1024 * 1024;

/**
 * Reads the history in chunks: the format is told (or its name checked) from the first chunk, so a
 * large file that is no history at all is refused at line 1 without being read whole; --timeout
 * covers the reading. Returns the text and format, an error message, or "timeout".
 */
async function readHistory(
  file: string,
  given: HistoryFormat | undefined,
  deadline: number | undefined,
): Promise<{ text: string; format: HistoryFormat } | string | typeof TIMED_OUT> {
  const chunks: string[] = [];
  let format = given;
  let checked = false;
  let sinceNewline = 0;
  try {
    for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 16 })) {
      const c = chunk as string;
      chunks.push(c);
      const nl = c.lastIndexOf("\n");
      sinceNewline = nl < 0 ? sinceNewline + c.length : c.length - nl - 1;
      if (!checked) {
        const head = chunks.join("");
        if (head.trim() !== "" || head.length > 4096) {
          checked = true;
          format ??= detectFormat(file, head);
          if (format === undefined)
            return `${file}: cannot tell the format; pass --format ${HISTORY_FORMATS.join("|")}`;
          if (!looksLike(format, head))
            return `${file}: line 1: not a ${format} history (starts with ${JSON.stringify(head.trimStart().slice(0, 24))})`;
        }
      }
      if (sinceNewline > LINE_LIMIT) return `${file}: a line is longer than ${LINE_LIMIT / (1 << 20)} MB`;
      if (deadline !== undefined && performance.now() > deadline) return TIMED_OUT;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === "ENOENT"
        ? "no such file"
        : err.code === "EISDIR"
          ? "is a directory"
          : err.code === "EACCES"
            ? "permission denied"
            : err.message;
    return `cannot read ${file}: ${why}`;
  }
  const text = chunks.join("");
  if (text.trim() === "") return `${file}: empty history (no operations to check)`;
  format ??= detectFormat(file, text);
  if (format === undefined) return `${file}: cannot tell the format; pass --format ${HISTORY_FORMATS.join("|")}`;
  return { text, format };
}

/** Whether the start of a file can be a history of `format` (its first non-blank characters). */
function looksLike(format: HistoryFormat, head: string): boolean {
  const t = head.trimStart();
  if (t === "") return true;
  if (format === "porcupine-etcd") return "INFO".startsWith(t.slice(0, 4)) || t.startsWith("INFO");
  if (format === "jepsen-edn") return t.startsWith("{") || t.startsWith("[") || t.startsWith(";");
  return t.startsWith("{");
}

/** The corpus benchmark with the wall clock (for `npm run bench`): per-file medians and totals vs Porcupine. */
export function benchCorpus(options: { reps?: number; warmup?: number } = {}): BenchResult {
  return benchCorpusWith(() => performance.now(), options);
}
