// Reads checkers' evidence for the views that explain a failure. Evidence is `unknown` on CheckResult,
// so each reader accepts documented shapes and returns undefined for anything else (the page then
// shows the evidence as JSON).
import type { IllegalEvidence, LinearizabilityResult } from "../../checkers/linearizability/types.ts";
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

/**
 * The linearizability evidence shapes accepted:
 * 1. checkers/linearizability IllegalEvidence `{ partition, longestPrefix: EvidenceOperation[], stateAfterPrefix?, stuck: StuckOperation[] }`;
 * 2. a LinearizabilityResult whose `evidence` is (1);
 * 3. an array of (1);
 * 4. `{ partitions: [{ longestPrefix, couldNotPlace (or stuck), stateAfterPrefix? }] }` where each
 *    operation is an EvidenceOperation-like object or a bare number (an index into the history).
 */
export function readLinEvidence(e: unknown): LinPartition[] | undefined {
  if (Array.isArray(e)) {
    const parts = e.map(readPartition);
    return parts.every((p) => p !== undefined) && parts.length > 0 ? (parts as LinPartition[]) : undefined;
  }
  if (!isObject(e)) return undefined;
  if (Array.isArray(e.partitions) && e.partitions.some((p) => isObject(p) && "longestPrefix" in p)) {
    const parts = e.partitions.map(readPartition).filter((p): p is LinPartition => p !== undefined);
    return parts.length ? parts : undefined;
  }
  if (isObject(e.evidence)) return readLinEvidence((e as unknown as LinearizabilityResult).evidence);
  const one = readPartition(e);
  return one ? [one] : undefined;
}

function readPartition(p: unknown): LinPartition | undefined {
  if (!isObject(p) || !Array.isArray(p.longestPrefix)) return undefined;
  const stuck = (p as Partial<IllegalEvidence>).stuck ?? (p as { couldNotPlace?: unknown }).couldNotPlace;
  if (!Array.isArray(stuck)) return undefined;
  const out: LinPartition = {
    longestPrefix: p.longestPrefix.map(readRef).filter((r): r is EvidenceRef => r !== undefined),
    couldNotPlace: stuck.map(readRef).filter((r): r is EvidenceRef => r !== undefined),
  };
  if (typeof p.partition === "number") out.partition = p.partition;
  if (typeof p.stateAfterPrefix === "string") out.stateAfterPrefix = p.stateAfterPrefix;
  const m = (p as Partial<IllegalEvidence>).minimalSubset;
  if (isObject(m) && Array.isArray(m.operations)) {
    out.minimalSubset = { operations: m.operations.map(readRef).filter((r): r is EvidenceRef => r !== undefined), complete: m.complete === true };
  }
  return out;
}

function readRef(r: unknown): EvidenceRef | undefined {
  if (typeof r === "number" && Number.isInteger(r)) return { op: r };
  if (!isObject(r)) return undefined;
  const out: EvidenceRef = {};
  if (typeof r.op === "number") out.op = r.op;
  else if (typeof r.id === "number") out.op = r.id;
  if (typeof r.clientId === "number") out.clientId = r.clientId;
  else if (typeof r.client === "number") out.clientId = r.client;
  if (typeof r.call === "number") out.call = r.call;
  if (typeof r.return === "number" || r.return === null) out.return = r.return;
  if (typeof r.description === "string") out.description = r.description;
  if (typeof r.reason === "string") out.reason = r.reason;
  return out.op !== undefined || out.call !== undefined ? out : undefined;
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

/** The watch checker's evidence (checkers/watch/types.ts WatchEvidence), if that is what this is. */
export function readWatchEvidence(e: unknown): WatchEvidence | undefined {
  if (!isObject(e) || !Array.isArray(e.violations)) return undefined;
  const ok = e.violations.every((v) => isObject(v) && typeof v.watch === "number" && typeof v.message === "string");
  return ok ? (e as unknown as WatchEvidence) : undefined;
}

/** What a liveness check says is pending: `{ pending: string[] }` or a bare string array. */
export function readPending(e: unknown): string[] | undefined {
  const list = Array.isArray(e) ? e : isObject(e) && Array.isArray(e.pending) ? e.pending : undefined;
  if (!list || list.length === 0) return undefined;
  return list.map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
