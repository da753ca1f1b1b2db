// What a real run measured: operations judged per minute, outcomes per operation kind, and unknown
// outcomes per fault kind (each unknown operation is charged to the faults active when it was invoked,
// or to "none").
import type { EtcdOperation, History } from "../../checkers/history.ts";
import type { RealRunOutput } from "./run.ts";

/** The workload's operation kind, read off the request's shape (the same for simulated histories). */
export function opKind(op: EtcdOperation): string {
  const q = op.request;
  switch (q.kind) {
    case "range":
      return (q.range.revision ?? 0) > 0
        ? "staleGet"
        : q.range.rangeEnd !== undefined && q.range.rangeEnd !== ""
          ? "list"
          : "get";
    case "put":
      return (q.put.lease ?? 0) !== 0 ? "putWithLease" : "put";
    case "deleteRange":
      return "delete";
    case "txn":
      return q.txn.compare.some((c) => c.target === "MOD") ? "cas" : "txn";
    case "compact":
      return "compact";
    case "leaseGrant":
      return "leaseGrant";
    case "leaseRevoke":
      return "leaseRevoke";
    case "leaseKeepAlive":
      return "leaseKeepAlive";
    case "leaseTimeToLive":
      return "leaseTimeToLive";
  }
}

export interface KindStats {
  count: number;
  ok: number;
  /** Definite errors by etcd error code. */
  errors: Record<string, number>;
  unknown: number;
}

export function kindStats(h: History): Record<string, KindStats> {
  const out: Record<string, KindStats> = {};
  for (const op of h.operations) {
    if (op.client === 0) continue; // probes
    const k = opKind(op);
    const s = (out[k] ??= { count: 0, ok: 0, errors: {}, unknown: 0 });
    s.count++;
    if (op.return === null) s.unknown++;
    else if (op.response !== null) s.ok++;
    else if (op.error !== undefined) s.errors[op.error] = (s.errors[op.error] ?? 0) + 1;
  }
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]!]),
  );
}

/** How long after a fault ended an unknown outcome is still charged to it ("after kill"). */
export const AFTERMATH_US = 2_000_000;

export interface RealStats {
  durationS: number;
  operations: number;
  /** Operations handed to the linearizability checker, per minute of workload. */
  opsPerMinute: number;
  unknown: number;
  /** Unknown outcomes charged to the fault kinds active at invoke time, else to one that ended within 2 s ("after kill"), else "none". */
  unknownByFault: Record<string, number>;
  /** Why outcomes were unknown (deadline, unavailable, leader changed…). */
  unknownReasons: Record<string, number>;
  faultsApplied: Record<string, number>;
  byKind: Record<string, KindStats>;
  watches: number;
  watchEvents: number;
}

export function realStats(out: RealRunOutput): RealStats {
  const h = out.result.history!;
  const ops = h.operations.filter((o) => o.client !== 0);
  const unknownByFault: Record<string, number> = {};
  const unknownReasons: Record<string, number> = {};
  for (const op of ops) {
    if (op.return !== null) continue;
    const active = out.applied
      .filter((a) => a.start <= op.call && (a.end === undefined || op.call <= a.end))
      .map((a) => a.fault.kind);
    // A member restarted or resumed takes a moment to serve again: charge the fault that just ended.
    const recent = out.applied
      .filter((a) => a.end !== undefined && a.end < op.call && op.call - a.end <= AFTERMATH_US)
      .map((a) => `after ${a.fault.kind}`);
    const charged = active.length ? active : recent.length ? recent : ["none"];
    for (const k of [...new Set(charged)]) unknownByFault[k] = (unknownByFault[k] ?? 0) + 1;
    const why = out.unknownReasons.get(op.id) ?? "?";
    unknownReasons[why] = (unknownReasons[why] ?? 0) + 1;
  }
  const faultsApplied: Record<string, number> = {};
  for (const a of out.applied) faultsApplied[a.fault.kind] = (faultsApplied[a.fault.kind] ?? 0) + 1;
  const minutes = out.durationMs / 60_000;
  return {
    durationS: out.durationMs / 1000,
    operations: ops.length,
    opsPerMinute: Math.round(ops.length / minutes),
    unknown: ops.filter((o) => o.return === null).length,
    unknownByFault,
    unknownReasons,
    faultsApplied,
    byKind: kindStats(h),
    watches: h.watches.length,
    watchEvents: h.watches.reduce((s, w) => s + w.responses.reduce((t, r) => t + r.response.events.length, 0), 0),
  };
}

export function formatRealStats(s: RealStats): string {
  const kv = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  return [
    `operations: ${s.operations} in ${s.durationS}s (${s.opsPerMinute}/min judged), ${s.unknown} unknown outcomes; ${s.watches} watches, ${s.watchEvents} events`,
    `faults applied: ${kv(s.faultsApplied)}`,
    `unknown outcomes by active fault: ${kv(s.unknownByFault)}; by reason: ${kv(s.unknownReasons)}`,
  ].join("\n");
}
