// Reads checkers' evidence for the views that explain a failure. A CheckResult's name fixes its
// evidence's type (checkers/types.ts), so each reader narrows by name; evidence of any other check is
// shown as JSON.
import type { CheckResult } from "../../checkers/types.ts";
import type { EvidenceOperation, StuckOperation } from "../../checkers/linearizability/types.ts";
import type { WatchEvidence } from "../../checkers/watch/types.ts";
import type { OpView } from "./ops.ts";

/** An operation as evidence names it: an index into the checked history and/or client + call time. */
export interface EvidenceRef {
  op?: number;
  clientId?: number;
  call?: number;
  return?: number | null;
  description?: string;
  reason?: string;
}

export interface LinPartition {
  partition?: number;
  /** In linearization order. */
  longestPrefix: EvidenceRef[];
  /** What could not follow the prefix (the checker's `stuck`). */
  couldNotPlace: EvidenceRef[];
  stateAfterPrefix?: string;
  /** The checker's minimal failing subset, in history order (IllegalEvidence.minimalSubset). */
  minimalSubset?: { operations: EvidenceRef[]; complete: boolean };
}

/** The linearizability checker's evidence (one partition: the one that failed), read by the check's name. */
export function readLinEvidence(c: CheckResult): LinPartition[] | undefined {
  if (c.name !== "linearizability" || c.evidence === undefined) return undefined;
  const e = c.evidence;
  const out: LinPartition = {
    partition: e.partition,
    longestPrefix: e.longestPrefix.map(refOf),
    couldNotPlace: e.stuck.map(refOf),
  };
  if (e.stateAfterPrefix !== undefined) out.stateAfterPrefix = e.stateAfterPrefix;
  if (e.minimalSubset !== undefined)
    out.minimalSubset = { operations: e.minimalSubset.operations.map(refOf), complete: e.minimalSubset.complete };
  return [out];
}

function refOf(o: EvidenceOperation | StuckOperation): EvidenceRef {
  const r: EvidenceRef = { op: o.op, clientId: o.clientId, call: o.call, return: o.return, description: o.description };
  if ("reason" in o) r.reason = o.reason;
  return r;
}

/**
 * Finds the drawn operation an evidence entry names. Client + call time is preferred: it survives a
 * checker that filtered or re-indexed the history (e.g. dropped failed reads) before checking it.
 */
export function resolver(ops: readonly OpView[]): (r: EvidenceRef) => OpView | undefined {
  const byId = new Map<number, OpView>();
  const byClientCall = new Map<string, OpView[]>();
  for (const o of ops) {
    byId.set(o.id, o);
    const k = `${o.client}:${o.call}`;
    const list = byClientCall.get(k);
    if (list) list.push(o);
    else byClientCall.set(k, [o]);
  }
  return (r) => {
    if (r.clientId !== undefined && r.call !== undefined) {
      const list = byClientCall.get(`${r.clientId}:${r.call}`);
      if (list && list.length > 0) return list.find((o) => o.id === r.op) ?? list[0];
    }
    return r.op !== undefined ? byId.get(r.op) : undefined;
  };
}

/** The watch checker's evidence (checkers/watch/types.ts WatchEvidence), read by the check's name. */
export function readWatchEvidence(c: CheckResult): WatchEvidence | undefined {
  return c.name === "watch" ? c.evidence : undefined;
}

/** What a Kubernetes liveness check says is pending. */
export function readPending(c: CheckResult): string[] | undefined {
  return c.name === "kube-liveness" && c.evidence !== undefined && c.evidence.pending.length > 0
    ? c.evidence.pending
    : undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
