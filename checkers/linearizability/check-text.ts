// Checks a history given as text in one of the supported formats: what `etcdsim check` runs.
// Pure (no I/O, no clock): the caller reads the file and, if it wants a timeout, passes onProgress.

import { checkEtcdHistory } from "./check-etcd.ts";
import { checkOperations } from "./engine.ts";
import { kvModel } from "./models/kv.ts";
import { requestText, responseText } from "./models/etcd/describe.ts";
import { registerModel } from "./models/register.ts";
import { parseJsonlHistory } from "./parse/jsonl.ts";
import { parsePorcupineEtcd } from "./parse/porcupine-etcd.ts";
import { parsePorcupineKv } from "./parse/porcupine-kv.ts";
import type { HistoryFormat } from "./parse/detect.ts";
import type { CheckOptions, LinearizabilityResult } from "./types.ts";

/** An operation as reports draw it (reports/html/ops.ts ReportOperation). */
export interface DescribedOperation {
  clientId: number;
  call: number;
  return: number | null;
  description: string;
}

export interface TextCheck {
  format: HistoryFormat;
  /** Operations in the history as parsed (before the checker drops failed reads). */
  operations: number;
  result: LinearizabilityResult;
  /** The checked operations, described; evidence `op` indices point into this list (jsonl: EtcdOperation ids). */
  described: DescribedOperation[];
}

/** Throws HistoryParseError on bad input. */
export function checkHistoryText(text: string, format: HistoryFormat, options: CheckOptions = {}): TextCheck {
  const ret = (r: number): number | null => (r === Infinity ? null : r);
  switch (format) {
    case "porcupine-etcd": {
      const ops = parsePorcupineEtcd(text);
      const result = checkOperations(registerModel, ops, options);
      const described = ops.map((o) => ({ clientId: o.clientId, call: o.call, return: ret(o.return), description: registerModel.describeOperation!(o.input, o.output) }));
      return { format, operations: ops.length, result, described };
    }
    case "porcupine-kv": {
      const ops = parsePorcupineKv(text);
      const result = checkOperations(kvModel, ops, options);
      const described = ops.map((o) => ({ clientId: o.clientId, call: o.call, return: ret(o.return), description: kvModel.describeOperation!(o.input, o.output) }));
      return { format, operations: ops.length, result, described };
    }
    case "jsonl": {
      const ops = parseJsonlHistory(text);
      const r = checkEtcdHistory(ops, options);
      const described = ops.map((o) => ({
        clientId: o.client,
        call: o.call,
        return: o.return,
        description: `#${o.id} ${requestText(o.request)} → ${o.response && !o.error ? responseText(o.response) : o.error ? `error ${o.error}` : "?"}`,
      }));
      return { format, operations: ops.length, result: r.result, described };
    }
  }
}
