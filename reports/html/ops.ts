// Operations as the report draws them, whatever history they came from: a run's etcd operations or
// an external history checked by `etcdsim check` (a Porcupine log), plus the cap on how many are drawn.
import type { EtcdOperation, History } from "../../checkers/history.ts";
import type { Operation } from "../../checkers/linearizability/types.ts";
import { describeRequest, describeResponse } from "./describe.ts";

export type OpStatus = "ok" | "error" | "unknown";

export interface OpView {
  /** EtcdOperation.id, or the position in the checked operation list. */
  id: number;
  client: number;
  call: number;
  /** null: the outcome is unknown; drawn open-ended to the right edge. */
  return: number | null;
  status: OpStatus;
  /** One line: request → response. */
  label: string;
  /**
   * Shown in the detail panel: the request/response object, or when its JSON is longer than
   * DETAIL_CHARS, the cut JSON text, so one huge value cannot bloat the file.
   */
  request?: unknown;
  response?: unknown;
  error?: string;
}

/** An operation of an external history, as `etcdsim check` hands it over. */
export interface ReportOperation {
  clientId: number;
  call: number;
  /** null (or Infinity): unknown outcome. */
  return: number | null;
  description: string;
}

const DETAIL_CHARS = 1500;

function capped(v: unknown): unknown {
  const s = JSON.stringify(v);
  return s.length <= DETAIL_CHARS ? v : `${s.slice(0, DETAIL_CHARS)}… (${s.length - DETAIL_CHARS} more characters)`;
}

export function opFromEtcd(op: EtcdOperation): OpView {
  const unknown = op.return === null;
  const status: OpStatus = unknown ? "unknown" : op.response === null || op.error !== undefined ? "error" : "ok";
  const v: OpView = {
    id: op.id,
    client: op.client,
    call: op.call,
    return: op.return,
    status,
    label: `${describeRequest(op.request)} → ${describeResponse(op.response, op.error, unknown)}`,
    request: capped(op.request),
  };
  if (op.response !== null) v.response = capped(op.response);
  if (op.error !== undefined) v.error = op.error;
  return v;
}

export function opsFromHistory(h: History): OpView[] {
  return h.operations.map(opFromEtcd);
}

export function opsFromReport(ops: readonly ReportOperation[]): OpView[] {
  return ops.map((o, i) => {
    const ret = o.return === null || !Number.isFinite(o.return) ? null : o.return;
    return {
      id: i,
      client: o.clientId,
      call: o.call,
      return: ret,
      status: ret === null ? "unknown" : "ok",
      label: o.description,
    };
  });
}

/**
 * Adapts a checker's operation list (e.g. a parsed Porcupine log) for renderCheckHtml; `describe` is
 * the model's describeOperation. Positions are kept, so evidence indices still match.
 */
export function reportOperations<I, O>(
  ops: readonly Operation<I, O>[],
  describe?: (input: I, output: O) => string,
): ReportOperation[] {
  return ops.map((o) => ({
    clientId: o.clientId,
    call: o.call,
    return: o.return === Infinity ? null : o.return,
    description: describe ? describe(o.input, o.output) : JSON.stringify(o.input),
  }));
}

export const MAX_DRAWN_OPS = 5000;

export interface Selection {
  drawn: OpView[];
  /** Set when some operations were left out of the drawing. */
  note?: string;
}

/**
 * Caps the drawn operations. With a focus (the first operation that could not be linearized) the
 * operations called nearest to it are kept; otherwise the earliest. Operations in `must` (evidence)
 * are always kept. The result is in call order.
 */
export function selectOps(
  ops: readonly OpView[],
  must: ReadonlySet<number>,
  max: number,
  focus: number | undefined,
): Selection {
  if (ops.length <= max) return { drawn: [...ops].sort(byCall) };
  const kept = ops.filter((o) => must.has(o.id));
  const rest = ops.filter((o) => !must.has(o.id));
  const room = Math.max(0, max - kept.length);
  const chosen =
    focus === undefined
      ? [...rest].sort(byCall).slice(0, room)
      : [...rest]
          .sort((a, b) => Math.abs(a.call - focus) - Math.abs(b.call - focus) || a.call - b.call || a.id - b.id)
          .slice(0, room);
  const drawn = [...kept, ...chosen].sort(byCall);
  const where = focus === undefined ? "the earliest" : "those called nearest the failure";
  return {
    drawn,
    note: `Drawing ${drawn.length.toLocaleString("en-US")} of ${ops.length.toLocaleString("en-US")} operations (${where}); every operation is in history.jsonl.`,
  };
}

function byCall(a: OpView, b: OpView): number {
  return a.call - b.call || a.id - b.id;
}
