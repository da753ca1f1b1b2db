// Linearizability of a recorded etcd client history against the etcd KV model: the checker the
// scenario runner calls. Pure: history in, CheckResult out (evidence names EtcdOperation ids).

import type { CheckOf, Verdict } from "../types.ts";
import type { EtcdOperation, History } from "../../core/history.ts";
import { budgetOf, checkOperations } from "./engine.ts";
import { etcdModel } from "./models/etcd/model.ts";
import type { EtcdLimits } from "./models/etcd/limits.ts";
import type { EtcdOperationTable } from "./models/etcd/operation-table.ts";
import { prepareEtcdHistory } from "./models/etcd/prepare.ts";
import { type Contradiction, refuteByRevisions } from "./models/etcd/refute.ts";
import { describeEtcdOperation } from "./models/etcd/describe.ts";
import { guessEtcdLinearization } from "./models/etcd/witness.ts";
import type { CheckOptions, IllegalEvidence, LinearizabilityResult, LinearizabilityVerdict } from "./types.ts";

export const VERDICTS: Record<LinearizabilityVerdict, Verdict> = { ok: "pass", illegal: "fail", unknown: "unknown" };

export interface EtcdLinearizabilityResult extends CheckOf<"linearizability"> {
  result: LinearizabilityResult;
  /** Operations checked (after dropping failed reads and rejected requests; lease expiries included). */
  checked: number;
  dropped: number;
}

/** One line naming what could not be placed after the longest linearizable prefix. */
export function summarizeEvidence(e: IllegalEvidence): string {
  if (e.contradiction !== undefined && e.stuck[0] !== undefined) {
    const read = e.stuck[0];
    const write = e.contradiction.write;
    const by = write ? ` (the write: ${write.description}, client ${write.clientId}, call ${write.call})` : "";
    return `not linearizable: ${read.description} (client ${read.clientId}, call ${read.call}) fits no order: ${e.contradiction.reason}${by}`;
  }
  const first =
    e.stuck.find((s) => s.reason === "rejected" && s.return !== null) ??
    e.stuck.find((s) => s.reason === "rejected") ??
    e.stuck[0];
  const after = e.longestPrefix.length;
  const where = first ? ` (client ${first.clientId}, call ${first.call})` : "";
  const what = first ? `: ${first.description}${where} cannot be placed next` : "";
  return `not linearizable after ${after} operation${after === 1 ? "" : "s"}${what}${e.stateAfterPrefix ? `; state ${e.stateAfterPrefix}` : ""}`;
}

/**
 * Histories from this many operations on are first refuted by revisions when the guess fails: their
 * search may run out of steps (or take minutes) where one impossible read settles it. Shorter ones keep
 * the search's evidence (the longest linearizable prefix) and are refuted by revisions only if the
 * search ends inconclusive.
 */
export const REFUTE_BEFORE_SEARCH = 2_000;

/** The result of a refutation by revisions: the read that fits no order, and the write it contradicts. */
function refutedResult(table: EtcdOperationTable, c: Contradiction, steps: number): LinearizabilityResult {
  const describe = (i: number) => {
    const op = table.at(i);
    return {
      op: i,
      clientId: op.clientId,
      call: op.call,
      return: op.return === Infinity ? null : op.return,
      description: describeEtcdOperation(op.input, op.output),
    };
  };
  const operations = table.length;
  return {
    verdict: "illegal",
    steps,
    operations,
    partitions: [{ index: 0, operations, verdict: "illegal", steps }],
    evidence: {
      partition: 0,
      longestPrefix: [],
      stuck: [{ ...describe(c.read), reason: "rejected" }],
      contradiction: { reason: c.reason, ...(c.write !== undefined ? { write: describe(c.write) } : {}) },
    },
  };
}

/** The result of a check the fast path answered: one partition (the model does not split), linearizable. */
function witnessResult(operations: number, order: number[], steps: number): LinearizabilityResult {
  return {
    verdict: "ok",
    steps,
    operations,
    partitions: [{ index: 0, operations, verdict: "ok", steps }],
    linearization: order,
  };
}

export interface EtcdCheckOptions extends CheckOptions {
  /** The cluster's --max-txn-ops and --max-request-bytes, when known: refusals by them are then judged. */
  limits?: EtcdLimits;
}

export function checkEtcdHistory(
  history: History | readonly EtcdOperation[],
  options: EtcdCheckOptions = {},
): EtcdLinearizabilityResult {
  // Watches are the watch checker's: only client operations are judged here.
  const operations = Array.isArray(history) ? (history as readonly EtcdOperation[]) : (history as History).operations;
  const prepared = prepareEtcdHistory(operations, { limits: options.limits });
  const model = etcdModel(prepared.config);
  // The fast path: a guessed linearization, checked step by step (models/etcd/witness.ts). Only a
  // complete one counts; otherwise the search decides, as it always did.
  // It reads the operations by index (a long history's are columns, built when read).
  const { table } = prepared;
  const witness = guessEtcdLinearization(model, table, prepared.config, budgetOf(options).maxSteps);
  // Evidence and the linearization name operations by their id in the recorded history (lease expiries: -1).
  const idOf = (i: number): number => (i >= 0 && i < table.length ? table.idOf(i) : -1);
  // No guess: a long history is refuted by revisions first; the search decides the rest, and a read no
  // order explains still refutes a history the search gave up on.
  const searchOrRefute = (): LinearizabilityResult => {
    const early = table.length >= REFUTE_BEFORE_SEARCH ? refuteByRevisions(table) : undefined;
    if (early !== undefined) return refutedResult(table, early, 0);
    const searched = checkOperations(model, prepared.operations, options);
    if (searched.verdict !== "unknown") return searched;
    const late = refuteByRevisions(table);
    return late !== undefined ? refutedResult(table, late, searched.steps) : searched;
  };
  if (witness) {
    // The witness's order is this check's own: named in place (a long history's is large).
    const { order } = witness;
    for (let k = 0; k < order.length; k++) order[k] = idOf(order[k]!);
  }
  const result = witness ? witnessResult(table.length, witness.order, witness.steps) : searchOrRefute();
  if (result.evidence) {
    for (const o of result.evidence.longestPrefix) o.op = idOf(o.op);
    for (const o of result.evidence.stuck) o.op = idOf(o.op);
    const write = result.evidence.contradiction?.write;
    if (write) write.op = idOf(write.op);
  }
  if (!witness && result.linearization) result.linearization = result.linearization.map(idOf);
  const counts = `${table.length} operations checked, ${prepared.dropped} dropped, ${result.steps} steps`;
  const message =
    result.verdict === "ok"
      ? `linearizable (${counts})`
      : result.verdict === "unknown"
        ? `inconclusive: the search stopped after ${result.steps} steps (${counts})`
        : result.evidence
          ? summarizeEvidence(result.evidence)
          : `not linearizable (${counts})`;
  return {
    name: "linearizability",
    verdict: VERDICTS[result.verdict],
    message,
    ...(result.evidence ? { evidence: result.evidence } : {}),
    result,
    checked: table.length,
    dropped: prepared.dropped,
  };
}
