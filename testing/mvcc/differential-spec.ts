// Test support for differential.test.ts (pure, not a test): the vocabulary of generated request
// sequences, their resolution into rpc.ts requests against the simulated store's state, the mapping
// of one run onto a shared real etcd, and field-by-field equality. One shared server serves many
// runs: each run gets its own key prefix (increasing, so a "\0" range end never reaches another
// run's keys), its revisions are translated by the server's revision at the start of the run, and
// its lease IDs are mapped (the server's may exceed 2^53, so they stay strings).
import type {
  Compare,
  EtcdRequest,
  RangeRequest,
  RequestOp,
  WatchCreateRequest,
  WatchResponse,
} from "../../core/mvcc/rpc.ts";

// ---- the generated vocabulary: requests whose revisions and leases are resolved at run time ----

/** A revision relative to the simulated store when the step runs: "7" (absolute), "c" (current), "c-2", "c+1". */
export type RevSpec = string;
/** "L0".."L3": the i-th lease granted in this run (mod count; unknown if none); "L?": a lease never granted. */
export type LeaseSpec = string;

export interface RangeSpec {
  key: string;
  rangeEnd?: string;
  limit?: number;
  revision?: RevSpec;
  sortOrder?: "NONE" | "ASCEND" | "DESCEND";
  sortTarget?: "KEY" | "VERSION" | "CREATE" | "MOD" | "VALUE";
  keysOnly?: boolean;
  countOnly?: boolean;
  serializable?: boolean;
  minModRevision?: RevSpec;
  maxModRevision?: RevSpec;
  minCreateRevision?: RevSpec;
  maxCreateRevision?: RevSpec;
}
export interface PutSpec {
  key: string;
  value: string;
  lease?: LeaseSpec;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}
export interface DeleteSpec {
  key: string;
  rangeEnd?: string;
  prevKv?: boolean;
}
export interface CompareSpec {
  key: string;
  rangeEnd?: string;
  target: "VERSION" | "CREATE" | "MOD" | "VALUE" | "LEASE";
  result: "EQUAL" | "GREATER" | "LESS" | "NOT_EQUAL";
  /** For CREATE/MOD. */
  rev?: RevSpec;
  version?: number;
  value?: string;
  /** For LEASE: a lease, or "0". */
  lease?: LeaseSpec;
}
export type OpSpec = { range: RangeSpec } | { put: PutSpec } | { del: DeleteSpec } | { txn: TxnSpec };
export interface TxnSpec {
  compare: CompareSpec[];
  success: OpSpec[];
  failure: OpSpec[];
}
export interface WatchSpec {
  key: string;
  rangeEnd?: string;
  /** "0" = from now; otherwise a RevSpec. */
  start: RevSpec;
  filters?: ("NOPUT" | "NODELETE")[];
  prevKv?: boolean;
  progressNotify?: boolean;
}
export type StepSpec =
  | OpSpec
  | { compact: RevSpec }
  | { grant: { id: number; ttl: number } }
  | { revoke: LeaseSpec }
  | { keepAlive: LeaseSpec }
  /** A watch opened now and kept open: it must be synced (start 0 or in the future). */
  | { watch: WatchSpec };

export interface RunSpec {
  steps: StepSpec[];
  /** Watches opened after the last step, from past revisions: the catch-up path, across compactions. */
  resume: WatchSpec[];
}

// ---- translation of one run onto the shared server ----

/** A simulated lease ID no run grants. */
export const UNKNOWN_LEASE = 999;

export class RunTranslation {
  private readonly toReal = new Map<number, string>();
  private readonly toSim = new Map<string, number>();
  /** Set before a grant with ID 0: the ID the simulated store chose, bound to whatever the server picks. */
  pendingAutoLease: number | undefined;

  constructor(
    readonly prefix: string,
    /** real revision = simulated revision + offset (positive revisions only). */
    readonly offset: number,
    /** Lease IDs of this run on the server: leaseBase + simulated ID, unless the server chose. */
    readonly leaseBase: number,
  ) {}

  key(k: string): string {
    return this.prefix + k;
  }
  rangeEnd(e: string): string {
    return e === "\0" || e === "" ? e : this.prefix + e;
  }
  keyBack(k: string): string {
    if (!k.startsWith(this.prefix))
      throw new Error(`server key ${JSON.stringify(k)} is outside the run's prefix ${this.prefix}`);
    return k.slice(this.prefix.length);
  }
  rev(r: number): number {
    return r > 0 ? r + this.offset : r;
  }
  revBack(r: number): number {
    if (r <= 0) return r;
    const s = r - this.offset;
    if (s < 1) throw new Error(`server revision ${r} predates the run (offset ${this.offset})`);
    return s;
  }
  lease(id: number): string {
    return this.toReal.get(id) ?? String(this.leaseBase + id);
  }
  leaseBack(id: string): number {
    const known = this.toSim.get(id);
    if (known !== undefined) return known;
    if (this.pendingAutoLease !== undefined) {
      const sim = this.pendingAutoLease;
      this.pendingAutoLease = undefined;
      this.toReal.set(sim, id);
      this.toSim.set(id, sim);
      return sim;
    }
    return Number(id) - this.leaseBase;
  }
  /** Every server lease ID this run may have created (for cleanup). */
  realLeases(simIds: Iterable<number>): string[] {
    return [...simIds].map((id) => this.lease(id));
  }
}

// ---- resolving specs into requests ----

export function resolveRev(s: RevSpec, cur: number, clampMin?: number): number {
  let v: number;
  if (s.startsWith("c")) v = cur + (s.length > 1 ? Number(s.slice(1)) : 0);
  else v = Number(s);
  if (clampMin !== undefined && v < clampMin) v = clampMin;
  return v;
}

export function watchRequest(w: WatchSpec, cur: number, clampMin?: number): WatchCreateRequest {
  const req: WatchCreateRequest = { key: w.key };
  if (w.rangeEnd !== undefined) req.rangeEnd = w.rangeEnd;
  const start = w.start === "0" ? 0 : resolveRev(w.start, cur, clampMin);
  if (start !== 0) req.startRevision = start;
  if (w.filters !== undefined && w.filters.length > 0) req.filters = [...w.filters];
  if (w.prevKv === true) req.prevKv = true;
  if (w.progressNotify === true) req.progressNotify = true;
  return req;
}

/** A watch stream as items: created/cancel responses, then each event alone (catch-up batching differs by timing). */
export function flatten(rs: readonly WatchResponse[]): unknown[] {
  const out: unknown[] = [];
  for (const r of rs) {
    if (r.created === true || r.canceled === true)
      out.push({ header: r.header, created: r.created, canceled: r.canceled, compactRevision: r.compactRevision });
    for (const e of r.events) out.push(e);
  }
  return out;
}

export function splitRevision(rs: readonly WatchResponse[]): number | undefined {
  const seen = new Map<number, number>();
  for (let i = 0; i < rs.length; i++) {
    for (const e of (rs[i] as WatchResponse).events) {
      const first = seen.get(e.kv.modRevision);
      if (first === undefined) seen.set(e.kv.modRevision, i);
      else if (first !== i) return e.kv.modRevision;
    }
  }
  return undefined;
}

export function resolveStep(
  step: Exclude<StepSpec, { watch: WatchSpec }>,
  cur: number,
  leaseOf: (s: LeaseSpec | undefined) => number,
): EtcdRequest {
  if ("compact" in step)
    return { kind: "compact", compact: { revision: resolveRev(step.compact, cur, 1), physical: true } };
  if ("grant" in step)
    return {
      kind: "leaseGrant",
      leaseGrant: step.grant.id === 0 ? { TTL: step.grant.ttl } : { TTL: step.grant.ttl, ID: step.grant.id },
    };
  if ("revoke" in step) return { kind: "leaseRevoke", leaseRevoke: { ID: leaseOf(step.revoke) } };
  if ("keepAlive" in step) return { kind: "leaseKeepAlive", leaseKeepAlive: { ID: leaseOf(step.keepAlive) } };
  const op = resolveOp(step, cur, leaseOf, true);
  if ("requestRange" in op) return { kind: "range", range: op.requestRange };
  if ("requestPut" in op) return { kind: "put", put: op.requestPut };
  if ("requestDeleteRange" in op) return { kind: "deleteRange", deleteRange: op.requestDeleteRange };
  return { kind: "txn", txn: op.requestTxn };
}

function resolveOp(
  op: OpSpec,
  cur: number,
  leaseOf: (s: LeaseSpec | undefined) => number,
  standalone: boolean,
): RequestOp {
  if ("range" in op) return { requestRange: resolveRange(op.range, cur, standalone) };
  if ("put" in op) {
    const p = op.put;
    const out: RequestOp = { requestPut: { key: p.key, value: p.value } };
    const lease = leaseOf(p.lease);
    if (lease !== 0) out.requestPut.lease = lease;
    if (p.prevKv === true) out.requestPut.prevKv = true;
    if (p.ignoreValue === true) out.requestPut.ignoreValue = true;
    if (p.ignoreLease === true) out.requestPut.ignoreLease = true;
    return out;
  }
  if ("del" in op) {
    const d = op.del;
    const out: RequestOp = { requestDeleteRange: { key: d.key } };
    if (d.rangeEnd !== undefined) out.requestDeleteRange.rangeEnd = d.rangeEnd;
    if (d.prevKv === true) out.requestDeleteRange.prevKv = true;
    return out;
  }
  const t = op.txn;
  return {
    requestTxn: {
      compare: t.compare.map((c) => resolveCompare(c, cur, leaseOf)),
      success: t.success.map((o) => resolveOp(o, cur, leaseOf, false)),
      failure: t.failure.map((o) => resolveOp(o, cur, leaseOf, false)),
    },
  };
}

function resolveRange(r: RangeSpec, cur: number, standalone: boolean): RangeRequest {
  const out: RangeRequest = { key: r.key };
  if (r.rangeEnd !== undefined) out.rangeEnd = r.rangeEnd;
  if (r.limit !== undefined) out.limit = r.limit;
  // Inside a Txn a negative revision means "compacted" relative to the server's compact revision,
  // which a shared server does not share with a fresh store: keep Txn reads at >= 0.
  if (r.revision !== undefined) out.revision = resolveRev(r.revision, cur, standalone ? undefined : 0);
  if (r.sortOrder !== undefined) out.sortOrder = r.sortOrder;
  if (r.sortTarget !== undefined) out.sortTarget = r.sortTarget;
  if (r.keysOnly === true) out.keysOnly = true;
  if (r.countOnly === true) out.countOnly = true;
  if (r.serializable === true) out.serializable = true;
  if (r.minModRevision !== undefined) out.minModRevision = resolveRev(r.minModRevision, cur);
  if (r.maxModRevision !== undefined) out.maxModRevision = resolveRev(r.maxModRevision, cur);
  if (r.minCreateRevision !== undefined) out.minCreateRevision = resolveRev(r.minCreateRevision, cur);
  if (r.maxCreateRevision !== undefined) out.maxCreateRevision = resolveRev(r.maxCreateRevision, cur);
  return out;
}

function resolveCompare(c: CompareSpec, cur: number, leaseOf: (s: LeaseSpec | undefined) => number): Compare {
  const out: Compare = { key: c.key, target: c.target, result: c.result };
  if (c.rangeEnd !== undefined) out.rangeEnd = c.rangeEnd;
  switch (c.target) {
    case "CREATE":
      out.createRevision = resolveRev(c.rev ?? "0", cur);
      break;
    case "MOD":
      out.modRevision = resolveRev(c.rev ?? "0", cur);
      break;
    case "VERSION":
      out.version = c.version ?? 0;
      break;
    case "VALUE":
      out.value = c.value ?? "";
      break;
    case "LEASE":
      out.lease = leaseOf(c.lease);
      break;
  }
  return out;
}

// ---- equality and reporting ----

export interface Mismatch {
  step: number;
  what: string;
  request: unknown;
  sim: unknown;
  real: unknown;
}

/** Deep equality of plain data (responses are JSON-shaped), key sets included. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => equal(x, bb[i]));
  }
  const ka = Object.keys(a as object)
    .filter((k) => (a as Record<string, unknown>)[k] !== undefined)
    .sort();
  const kb = Object.keys(b as object)
    .filter((k) => (b as Record<string, unknown>)[k] !== undefined)
    .sort();
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

export function describeMismatch(m: Mismatch, spec: RunSpec): string {
  const j = (x: unknown) => JSON.stringify(x);
  return [
    `step ${m.step}: ${m.what}`,
    `  request: ${j(m.request)}`,
    `  sim:     ${j(m.sim)}`,
    `  real:    ${j(m.real)}`,
    `  run:     ${j(spec)}`,
  ].join("\n");
}
