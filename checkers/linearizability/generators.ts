// fast-check generators of small histories for the agreement tests: a sequential execution whose
// operations get random intervals around their linearization points (so the history is
// linearizable by construction), optionally followed by one injected anomaly.

import fc from "fast-check";
import type { EtcdOperation } from "../../core/history.ts";
import type { Random } from "../../core/env.ts";
import type { EtcdRequest, EtcdResponse, KeyValue, RequestOp } from "../../core/mvcc/rpc.ts";
import { applyRequest, type ApplyContext } from "./models/etcd/apply.ts";
import { atRevision, initialState, type EtcdState } from "./models/etcd/state.ts";
import type { RevisionLookup } from "./models/etcd/revision-set.ts";
import { registerInput, registerOutput, type RegisterOperation } from "./models/register.ts";

// ---------------------------------------------------------------- register

export interface RegisterStepPlan {
  f: 0 | 1 | 2;
  a: number;
  b: number;
  /** How far the call is before the linearization point, and the return after it. */
  before: number;
  after: number;
  /** Writes and cas only: the client never learns the outcome. */
  unknown: boolean;
  /** For unknown outcomes: whether it took effect (at its point) or never did. */
  applied: boolean;
}

export type RegisterAnomaly =
  | { kind: "none" }
  | { kind: "read-value"; index: number; value: number | null } // stale read, lost write, never-written value
  | { kind: "flip-cas"; index: number } // a cas that succeeded on a stale value, or failed on a current one
  | { kind: "move"; index: number; shift: number } // shifts an interval: breaks real-time order
  | { kind: "seen-early"; index: number }; // a read sees an unknown write's value before that write was called

const registerStep: fc.Arbitrary<RegisterStepPlan> = fc.record({
  f: fc.constantFrom(0 as const, 1 as const, 1 as const, 2 as const),
  a: fc.integer({ min: 0, max: 2 }),
  b: fc.integer({ min: 0, max: 2 }),
  before: fc.integer({ min: 0, max: 25 }),
  after: fc.integer({ min: 0, max: 25 }),
  unknown: fc.integer({ min: 0, max: 3 }).map((x) => x === 0), // one in four
  applied: fc.boolean(),
});

export const registerAnomaly: fc.Arbitrary<RegisterAnomaly> = fc.oneof(
  fc.record({
    kind: fc.constant("read-value" as const),
    index: fc.nat(),
    value: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  }),
  fc.record({ kind: fc.constant("flip-cas" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("move" as const), index: fc.nat(), shift: fc.integer({ min: -40, max: 40 }) }),
  fc.record({ kind: fc.constant("seen-early" as const), index: fc.nat() }),
);

export const registerPlan = fc.array(registerStep, { minLength: 1, maxLength: 8 });

/** Builds the history a sequential execution of `plan` produces (linearizable by construction). */
export function registerHistory(plan: readonly RegisterStepPlan[]): RegisterOperation[] {
  const ops: RegisterOperation[] = [];
  let state: number | null = null;
  plan.forEach((p, i) => {
    const point = 10 * i + 10;
    const call = point - p.before;
    const ret = point + p.after;
    if (p.f === 0) {
      ops.push({ clientId: i, input: registerInput.read(), output: registerOutput.read(state), call, return: ret });
      return;
    }
    const input = p.f === 1 ? registerInput.write(p.a) : registerInput.cas(p.a, p.b);
    const matches = p.f === 1 || state === p.a;
    if (p.unknown) {
      if (p.applied && matches) state = p.f === 1 ? p.a : p.b;
      ops.push({ clientId: i, input, output: registerOutput.unknown(), call, return: Infinity });
      return;
    }
    if (p.f === 1) {
      state = p.a;
      ops.push({ clientId: i, input, output: registerOutput.written(), call, return: ret });
    } else {
      if (matches) state = p.b;
      ops.push({ clientId: i, input, output: registerOutput.cas(matches), call, return: ret });
    }
  });
  return ops;
}

/**
 * Applies one anomaly (indices wrap around the candidates); the result may or may not stay
 * linearizable. The generators above never produce "none"; it is for hand-written cases.
 */
export function injectRegisterAnomaly(ops: RegisterOperation[], a: RegisterAnomaly): RegisterOperation[] {
  const out = ops.map((o) => ({ ...o, output: { ...o.output }, input: { ...o.input } }));
  const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  switch (a.kind) {
    case "none":
      break;
    case "read-value": {
      const r = pick(
        out.filter((o) => o.input.f === 0),
        a.index,
      );
      if (r) r.output.value = a.value;
      break;
    }
    case "flip-cas": {
      const c = pick(
        out.filter((o) => o.input.f === 2 && !o.output.unknown),
        a.index,
      );
      if (c) c.output.ok = !c.output.ok;
      break;
    }
    case "move": {
      const m = pick(out, a.index);
      if (m) {
        const len = m.return === Infinity ? 0 : m.return - m.call;
        m.call = Math.max(0, m.call + a.shift);
        if (m.return !== Infinity) m.return = m.call + len;
      }
      break;
    }
    case "seen-early": {
      const w = pick(
        out.filter((o) => o.input.f === 1 && o.output.unknown),
        a.index,
      );
      const r = pick(
        out.filter((o) => o.input.f === 0),
        a.index,
      );
      if (w && r) {
        w.input.a = 7; // a value nobody else writes
        r.output.value = 7;
      }
      break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- etcd

export type EtcdStepKind =
  | "put"
  | "get"
  | "getAll"
  | "delete"
  | "txn"
  | "compact"
  | "staleGet"
  | "getAtRev"
  | "grant"
  | "putLease"
  | "revoke";

export interface EtcdStepPlan {
  kind: EtcdStepKind;
  key: 0 | 1;
  /** Writes "dup" instead of a unique value. */
  duplicateValue: boolean;
  before: number;
  after: number;
  unknown: boolean;
  applied: boolean;
  /** Chooses revisions and compare operands. */
  pick: number;
}

const etcdStep: fc.Arbitrary<EtcdStepPlan> = fc.record({
  kind: fc.constantFrom<EtcdStepKind>(
    "put",
    "put",
    "put",
    "get",
    "get",
    "getAll",
    "delete",
    "txn",
    "txn",
    "compact",
    "staleGet",
    "getAtRev",
    "grant",
    "putLease",
    "revoke",
  ),
  key: fc.constantFrom(0 as const, 1 as const),
  duplicateValue: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  before: fc.integer({ min: 0, max: 25 }),
  after: fc.integer({ min: 0, max: 25 }),
  unknown: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  applied: fc.boolean(),
  pick: fc.nat(),
});

export const etcdPlan = fc.array(etcdStep, { minLength: 1, maxLength: 7 });

export type EtcdAnomaly =
  | { kind: "none" }
  | { kind: "read-value"; index: number; stale: boolean }
  | { kind: "drop-kv"; index: number }
  | { kind: "revision"; index: number; delta: number }
  | { kind: "flip-txn"; index: number }
  | { kind: "move"; index: number; shift: number }
  | { kind: "seen-early"; index: number }
  | { kind: "forget-outcome"; index: number };

export const etcdAnomaly: fc.Arbitrary<EtcdAnomaly> = fc.oneof(
  fc.record({ kind: fc.constant("read-value" as const), index: fc.nat(), stale: fc.boolean() }),
  fc.record({ kind: fc.constant("drop-kv" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("revision" as const), index: fc.nat(), delta: fc.constantFrom(-1, 1) }),
  fc.record({ kind: fc.constant("flip-txn" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("move" as const), index: fc.nat(), shift: fc.integer({ min: -40, max: 40 }) }),
  fc.record({ kind: fc.constant("seen-early" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("forget-outcome" as const), index: fc.nat() }),
);

const KEYS = ["a", "b"] as const;
const LEASE = 5;
/** The generators keep every state: a lagging member's answer may come from below a compaction. */
const EVERY_REVISION: RevisionLookup = { has: () => true, size: Number.POSITIVE_INFINITY };
const genCtx: ApplyContext = { keepHistory: true, servedRevisions: EVERY_REVISION, isTracked: () => true };

/** A JSON copy, which also drops the model's internal extras (e.g. tie candidates). */
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function etcdRequestFor(p: EtcdStepPlan, i: number, state: EtcdState): EtcdRequest {
  const key = KEYS[p.key];
  const value = p.duplicateValue ? "dup" : `v${i}`;
  switch (p.kind) {
    case "put":
      return { kind: "put", put: { key, value, ...(p.pick % 3 === 0 ? { prevKv: true } : {}) } };
    case "putLease":
      return { kind: "put", put: { key, value, lease: LEASE } };
    case "get":
    case "staleGet":
      return { kind: "range", range: { key, ...(p.kind === "staleGet" ? { serializable: true } : {}) } };
    case "getAll":
      return { kind: "range", range: { key: "a", rangeEnd: "\0", ...(p.pick % 2 ? { limit: 1 } : {}) } };
    case "getAtRev":
      return { kind: "range", range: { key, revision: 1 + (p.pick % (state.revision + 1)) } };
    case "delete":
      return { kind: "deleteRange", deleteRange: { key, ...(p.pick % 2 ? { prevKv: true } : {}) } };
    case "txn": {
      const mod = p.pick % 3 === 0 ? 0 : p.pick % 3 === 1 ? (state.kvs.get(key)?.modRevision ?? 0) : 1 + (p.pick % 4);
      return {
        kind: "txn",
        txn: {
          compare: [{ key, target: "MOD", result: "EQUAL", modRevision: mod }],
          success: [{ requestPut: { key, value } }],
          failure: [{ requestRange: { key } }],
        },
      };
    }
    case "compact":
      return { kind: "compact", compact: { revision: p.pick % (state.revision + 1) } };
    case "grant":
      return { kind: "leaseGrant", leaseGrant: { TTL: 10, ID: LEASE } };
    case "revoke":
      return { kind: "leaseRevoke", leaseRevoke: { ID: LEASE } };
  }
}

/** Builds the history a sequential execution of `plan` produces (linearizable by construction). */
export function etcdHistory(plan: readonly EtcdStepPlan[]): EtcdOperation[] {
  const ops: EtcdOperation[] = [];
  let state = initialState();
  plan.forEach((p, i) => {
    const point = 10 * i + 10;
    const call = point - p.before;
    const ret = point + p.after;
    const request = etcdRequestFor(p, i, state);
    const base: EtcdOperation = { id: i, client: i, call, return: ret, request, response: null };
    if (p.kind === "staleGet") {
      // A lagging member answers from an older revision.
      const h = 1 + (p.pick % state.revision);
      const at = atRevision(state, h)!;
      const resp = applyRequest(at, { kind: "range", range: { key: KEYS[p.key] } }, genCtx);
      ops.push({ ...base, response: clone(resp.ok ? resp.response : null) });
      return;
    }
    const outcome = applyRequest(state, request, genCtx);
    const readOnly = request.kind === "range";
    if (p.unknown && !readOnly) {
      if (p.applied) state = outcome.state;
      ops.push({ ...base, return: null, error: "timeout" });
      return;
    }
    state = outcome.state;
    if (outcome.ok) ops.push({ ...base, response: clone(outcome.response) });
    else ops.push({ ...base, error: outcome.error });
  });
  return ops;
}

function headerOf(r: EtcdResponse): { revision: number } | undefined {
  switch (r.kind) {
    case "range":
      return r.range.header;
    case "put":
      return r.put.header;
    case "deleteRange":
      return r.deleteRange.header;
    case "txn":
      return r.txn.header;
    case "compact":
      return r.compact.header;
    default:
      return undefined;
  }
}

/** Applies one anomaly (indices wrap around the candidates); the result may or may not stay linearizable. */
export function injectEtcdAnomaly(history: EtcdOperation[], a: EtcdAnomaly): EtcdOperation[] {
  const out = clone(history).map((o) => ({ ...o, return: o.return })); // JSON keeps null returns
  const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  const reads = out.filter((o) => o.response?.kind === "range" && o.response.range.kvs.length > 0);
  switch (a.kind) {
    case "none":
      break;
    case "read-value": {
      const r = pick(reads, a.index);
      if (r?.response?.kind === "range") {
        const kv = r.response.range.kvs[0]!;
        kv.value = a.stale ? `v${Math.max(0, r.id - 1)}` : "never-written";
      }
      break;
    }
    case "drop-kv": {
      const r = pick(reads, a.index);
      if (r?.response?.kind === "range") {
        r.response.range.kvs.pop();
        r.response.range.count--;
      }
      break;
    }
    case "revision": {
      const r = pick(
        out.filter((o) => o.response && headerOf(o.response)),
        a.index,
      );
      if (r?.response) headerOf(r.response)!.revision += a.delta;
      break;
    }
    case "flip-txn": {
      const r = pick(
        out.filter((o) => o.response?.kind === "txn"),
        a.index,
      );
      if (r?.response?.kind === "txn") r.response.txn.succeeded = !r.response.txn.succeeded;
      break;
    }
    case "move": {
      const m = pick(out, a.index);
      if (m) {
        const len = m.return === null ? 0 : m.return - m.call;
        m.call = Math.max(0, m.call + a.shift);
        if (m.return !== null) m.return = m.call + len;
      }
      break;
    }
    case "seen-early": {
      const w = pick(
        out.filter((o) => o.return === null && o.request.kind === "put"),
        a.index,
      );
      const r = pick(reads, a.index);
      if (w?.request.kind === "put" && r?.response?.kind === "range") {
        w.request.put.value = "early";
        r.response.range.kvs[0]!.value = "early";
      }
      break;
    }
    case "forget-outcome": {
      const w = pick(
        out.filter((o) => o.return !== null && o.request.kind !== "range"),
        a.index,
      );
      if (w) {
        w.return = null;
        w.response = null;
        w.error = "timeout";
      }
      break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- workload-like etcd histories

export interface WorkloadHistoryOptions {
  operations: number;
  clients: number;
  keys: number;
  /** Share of requests that time out (outcome unknown); half of those still take effect. */
  timeoutRate: number;
}

/**
 * A history shaped like core/etcd/workload.ts traffic (etcd's robustness mix): clients with one
 * request in flight each, unique values, reads, lists, stale reads at a revision, puts, deletes,
 * multi-key Txns, compare-and-swap on mod revision, leases, a compaction loop. Each request takes
 * effect at a point inside its interval, in point order, through the model's own semantics, so
 * the history is linearizable by construction.
 */
export function workloadHistory(rng: Random, o: WorkloadHistoryOptions): EtcdOperation[] {
  type Pending = { client: number; call: number; point: number; ret: number };
  const key = (): string => `/k/${rng.int(0, o.keys - 1)}`;
  const ops: EtcdOperation[] = [];
  const ctx: ApplyContext = { keepHistory: true, servedRevisions: EVERY_REVISION, isTracked: () => true };
  let state = initialState();
  let seq = 0;
  let nextLease = 1000;
  const leases: number[] = [];
  const lastMod = new Map<string, number>();
  // Each client's next request: calls, points and returns strictly increase per client.
  const clock = Array.from({ length: o.clients }, () => rng.int(0, 20));
  const plan: Pending[] = [];
  for (let i = 0; i < o.operations; i++) {
    const client = rng.int(0, o.clients - 1);
    const call = clock[client]! + rng.int(1, 20);
    const point = call + rng.int(0, 30);
    const ret = point + rng.int(0, 30);
    clock[client] = ret;
    plan.push({ client, call, point, ret });
  }
  plan.sort((a, b) => a.point - b.point || a.client - b.client);
  for (const p of plan) {
    const r = rng.int(0, 99);
    let request: EtcdRequest;
    const k = key();
    if (p.client === 0 && r < 5 && state.revision > 22)
      request = { kind: "compact", compact: { revision: state.revision - 20 } };
    else if (r < 20) request = { kind: "range", range: { key: k } };
    else if (r < 28)
      request = { kind: "range", range: { key: "/k/", rangeEnd: "/k0", ...(rng.chance(0.3) ? { limit: 3 } : {}) } };
    else if (r < 34)
      request = {
        kind: "range",
        range: { key: "/k/", rangeEnd: "/k0", revision: Math.max(1, state.revision - rng.int(0, 10)) },
      };
    else if (r < 59)
      request = {
        kind: "put",
        put: { key: k, value: `c${p.client}-${++seq}`, ...(rng.chance(0.3) ? { prevKv: true } : {}) },
      };
    else if (r < 65) request = { kind: "deleteRange", deleteRange: { key: k } };
    else if (r < 73) {
      const k2 = key();
      const success: RequestOp[] = [{ requestPut: { key: k, value: `c${p.client}-${++seq}` } }];
      if (k2 !== k)
        success.push(
          rng.chance(0.5)
            ? { requestPut: { key: k2, value: `c${p.client}-${++seq}` } }
            : { requestDeleteRange: { key: k2 } },
        );
      const result = rng.pick(["EQUAL", "GREATER", "LESS", "NOT_EQUAL"] as const);
      request = {
        kind: "txn",
        txn: {
          compare: [{ key: k, target: "VERSION", result, version: rng.int(0, 3) }],
          success,
          failure: [{ requestRange: { key: k } }],
        },
      };
    } else if (r < 88) {
      const mod = rng.chance(0.8) ? (lastMod.get(k) ?? 0) : rng.int(0, state.revision);
      request = {
        kind: "txn",
        txn: {
          compare: [{ key: k, target: "MOD", result: "EQUAL", modRevision: mod }],
          success: [{ requestPut: { key: k, value: `c${p.client}-${++seq}` } }],
          failure: [{ requestRange: { key: k } }],
        },
      };
    } else if (r < 93) {
      if (leases.length === 0 || rng.chance(0.3)) request = { kind: "leaseGrant", leaseGrant: { TTL: 2 } };
      else request = { kind: "put", put: { key: k, value: `c${p.client}-${++seq}`, lease: rng.pick(leases) } };
    } else if (r < 96 && leases.length > 0) {
      request = { kind: "leaseRevoke", leaseRevoke: { ID: leases.splice(rng.int(0, leases.length - 1), 1)[0]! } };
    } else request = { kind: "range", range: { key: k, serializable: true } };

    const granted = request.kind === "leaseGrant" ? nextLease++ : undefined;
    const observed: EtcdResponse | undefined =
      granted !== undefined
        ? { kind: "leaseGrant", leaseGrant: { header: { revision: 0, raftTerm: 1 }, ID: granted, TTL: 2 } }
        : undefined;
    const base = { id: ops.length, client: p.client, call: p.call, request };
    const timedOut = rng.chance(o.timeoutRate) && request.kind !== "leaseGrant";
    const outcome = applyRequest(state, request, ctx, observed);
    if (timedOut) {
      if (rng.chance(0.5)) state = outcome.state;
      ops.push({ ...base, return: null, response: null, error: "timeout" });
      continue;
    }
    state = outcome.state;
    if (!outcome.ok) {
      ops.push({ ...base, return: p.ret, response: null, error: outcome.error });
      continue;
    }
    const response = clone(outcome.response);
    if (granted !== undefined) leases.push(granted);
    for (const kv of state.kvs.values()) lastMod.set(kv.key, kv.modRevision);
    ops.push({ ...base, return: p.ret, response });
  }
  return ops.sort((a, b) => a.call - b.call || a.id - b.id).map((op, id) => ({ ...op, id }));
}

/** A read that returns an older version of a key than the store held: the classic stale read. */
export function injectStaleRead(history: EtcdOperation[], rng: Random): EtcdOperation[] | undefined {
  const out = clone(history);
  const latest = new Map<string, KeyValue>();
  const candidates: { op: EtcdOperation; older: KeyValue }[] = [];
  for (const op of [...out].sort((a, b) => (a.return ?? Infinity) - (b.return ?? Infinity))) {
    if (
      op.response?.kind !== "range" ||
      op.request.kind !== "range" ||
      op.request.range.revision ||
      op.request.range.serializable
    )
      continue;
    for (const kv of op.response.range.kvs) {
      const prev = latest.get(kv.key);
      if (prev && prev.modRevision < kv.modRevision) candidates.push({ op, older: prev });
      latest.set(kv.key, kv);
    }
  }
  if (candidates.length === 0) return undefined;
  const { op, older } = rng.pick(candidates.slice(candidates.length >> 2));
  if (op.response?.kind !== "range") return undefined;
  op.response.range.kvs = op.response.range.kvs.map((kv) => (kv.key === older.key ? older : kv));
  return out;
}
