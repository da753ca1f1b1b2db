// Checks a history given as text in one of the supported formats: what `etcdsim check` runs.
// Pure (no I/O, no clock): the caller reads the file and, if it wants a timeout, passes onProgress.

import type { EtcdOperation } from "../../core/history.ts";
import { checkEtcdHistory } from "./check-etcd.ts";
import type { EtcdLimits } from "./models/etcd/limits.ts";
import { checkOperations } from "./engine.ts";
import { requestText, responseText } from "./models/etcd/describe.ts";
import { namedModel, type ModelName } from "./models/registry.ts";
import { checkOperationsParallel, type ParallelOptions } from "./parallel.ts";
import { parseJepsenEdn } from "./parse/jepsen-edn.ts";
import { parseJsonlHistory } from "./parse/jsonl.ts";
import { parsePorcupineEtcd } from "./parse/porcupine-etcd.ts";
import { parsePorcupineKv } from "./parse/porcupine-kv.ts";
import { withParseStop } from "./parse/errors.ts";
import type { HistoryFormat } from "./parse/detect.ts";
import type { CheckOptions, LinearizabilityResult, Operation } from "./types.ts";

/** An operation as reports draw it (reports/html/ops.ts ReportOperation). */
export interface DescribedOperation {
  clientId: number;
  call: number;
  return: number | null;
  description: string;
}

export interface TextCheck {
  format: HistoryFormat;
  /** The model that judged it (absent for jsonl: the etcd KV model). */
  model?: ModelName;
  /** Operations in the history as parsed (before the checker drops failed reads). */
  operations: number;
  result: LinearizabilityResult;
  /** The checked operations, described; evidence `op` indices point into this list (jsonl: EtcdOperation ids). */
  described: DescribedOperation[];
}

/** A parsed history: its operations and the model (by name) that judges them; jsonl is the etcd model's. */
type Parsed =
  | { kind: "named"; model: ModelName; ops: Operation<unknown, unknown>[] }
  | { kind: "etcd"; ops: EtcdOperation[] };

function parseHistory(text: string, format: HistoryFormat, stop?: () => boolean): Parsed {
  return withParseStop(stop, () => parseAs(text, format));
}

function parseAs(text: string, format: HistoryFormat): Parsed {
  const named = (model: ModelName, ops: readonly object[]): Parsed => ({
    kind: "named",
    model,
    ops: ops as unknown as Operation<unknown, unknown>[],
  });
  switch (format) {
    case "porcupine-etcd":
      return named("register", parsePorcupineEtcd(text));
    case "porcupine-kv":
      return named("kv", parsePorcupineKv(text));
    case "jepsen-edn": {
      const h = parseJepsenEdn(text);
      return named(h.model, h.ops);
    }
    case "jsonl":
      return { kind: "etcd", ops: parseJsonlHistory(text) };
  }
}

function describedOps(p: Parsed): DescribedOperation[] {
  const ret = (r: number): number | null => (r === Infinity ? null : r);
  if (p.kind === "named") {
    const model = namedModel(p.model);
    return p.ops.map((o) => ({
      clientId: o.clientId,
      call: o.call,
      return: ret(o.return),
      description: model.describeOperation!(o.input, o.output),
    }));
  }
  return p.ops.map((o) => ({
    clientId: o.client,
    call: o.call,
    return: o.return,
    description: `#${o.id} ${requestText(o.request)} → ${o.response && !o.error ? responseText(o.response) : o.error ? `error ${o.error}` : "?"}`,
  }));
}

/**
 * Throws HistoryParseError on bad input. The models of Porcupine's and Jepsen's formats also get a
 * minimal failing subset in the evidence (CheckOptions.minimize).
 */
export function checkHistoryText(
  text: string,
  format: HistoryFormat,
  options: CheckOptions & { limits?: EtcdLimits } = {},
): TextCheck {
  const onProgress = options.onProgress;
  const p = parseHistory(text, format, onProgress ? () => onProgress(0) : undefined);
  if (p.kind === "etcd")
    return {
      format,
      operations: p.ops.length,
      result: checkEtcdHistory(p.ops, options).result,
      described: describedOps(p),
    };
  const result = checkOperations(namedModel(p.model), p.ops, { minimize: true, ...options });
  return { format, model: p.model, operations: p.ops.length, result, described: describedOps(p) };
}

/**
 * The same check with partitions on `threads` worker threads (parallel.ts) when the model splits
 * the history; the result is the sequential one. `stop[0] = 1` (shared memory) stops it.
 */
export async function checkHistoryTextParallel(
  text: string,
  format: HistoryFormat,
  options: ParallelOptions,
): Promise<TextCheck> {
  const { stop: halt, shouldStop } = options;
  const stopNow =
    halt || shouldStop
      ? () => (halt !== undefined && Atomics.load(halt, 0) === 1) || (shouldStop?.() ?? false)
      : undefined;
  const p = parseHistory(text, format, stopNow);
  if (p.kind === "etcd" || options.threads <= 1 || !namedModel(p.model).partition) {
    return checkHistoryText(text, format, {
      ...options,
      ...(stopNow ? { onProgress: stopNow, progressEvery: options.progressEvery ?? 4096 } : {}),
    });
  }
  const result = await checkOperationsParallel(p.model, p.ops, { minimize: true, ...options });
  return { format, model: p.model, operations: p.ops.length, result, described: describedOps(p) };
}
