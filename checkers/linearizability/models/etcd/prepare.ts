// From a recorded history (core/history.ts) to the operations the etcd model checks.
//
// - Outcomes: a response is a success; a definite error that depends on the store (compacted,
//   future revision, missing key or lease, existing lease) is checked; a rejection that does not
//   depend on the store (request validation, not leader, no leader) had no effect and is dropped;
//   no return, or any other error (timeout, stopped), is an unknown outcome.
// - Reads with an unknown outcome have no effect: dropped. So is an unknown LeaseGrant without an
//   ID (nothing can tell which lease it made).
// - Unique written values: if a value written by exactly one request is seen by a known response,
//   that request took effect before the observer returned, so its return time becomes the
//   observer's (it stays "unknown" as to its response). Watch events are not used: the watch
//   checker judges them, and a watch bug should not turn into a linearizability verdict.
// - Revision facts for the model: which revisions known writes created, and what responses showed
//   of each revision (see EtcdModelConfig).
// - Leases may expire at any time: one `expire` operation with unknown outcome per lease.

import type {
  EtcdErrorCode,
  EtcdRequest,
  EtcdResponse,
  KeyValue,
  RequestOp,
  ResponseOp,
} from "../../../../core/mvcc/rpc.ts";
import { writeRevision } from "../../../../core/mvcc/rpc.ts";
import type { EtcdOperation } from "../../../../core/history.ts";
import { isReadOnlyRequest, type EtcdModelConfig, type EtcdModelOperation } from "./model.ts";

const CHECKED_ERRORS: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  "compacted",
  "future-revision",
  "key-not-found",
  "lease-not-found",
  "lease-exists",
]);
/** Request validation and member-side rejections: nothing was applied, whatever the store held. */
const NO_EFFECT_ERRORS: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  "duplicate-key",
  "empty-key",
  "too-many-ops",
  "request-too-large",
  "no-space", // refused before proposing or by the NOSPACE-capped applier (the quota applier's applied-anyway answer has no return: unknown)
  "value-provided",
  "lease-provided",
  "lease-ttl-too-large",
  "not-leader",
  "no-leader",
  "not-supported-for-learner",
  // Auth refusals depend on the auth store, not the key-value store: nothing was applied.
  "permission-denied",
  "invalid-auth-token",
  "user-empty",
  "auth-old-revision",
  "auth-failed",
]);

export interface PreparedEtcdHistory {
  operations: EtcdModelOperation[];
  config: EtcdModelConfig;
  /** Operations left out because they cannot have had an effect (failed reads, rejected requests). */
  dropped: number;
  /** Unknown writes whose effect was seen, so their return was bounded. */
  observedUnknownWrites: number;
}

type Outcome = "ok" | "checked-error" | "no-effect" | "unknown";

export function outcomeOf(op: EtcdOperation): Outcome {
  if (op.return === null) return "unknown";
  if (op.response?.kind === "leaseKeepAlive" && op.response.leaseKeepAlive.TTL <= 0) return "checked-error"; // the lease is gone
  if (op.error !== undefined) {
    if (CHECKED_ERRORS.has(op.error)) return "checked-error";
    if (NO_EFFECT_ERRORS.has(op.error)) return "no-effect";
    return "unknown";
  }
  return op.response === null ? "unknown" : "ok";
}

function* putValues(ops: readonly RequestOp[]): Generator<string> {
  for (const op of ops) {
    if ("requestPut" in op) yield op.requestPut.value;
    else if ("requestTxn" in op) {
      yield* putValues(op.requestTxn.success);
      yield* putValues(op.requestTxn.failure);
    }
  }
}

function writtenValues(r: EtcdRequest): string[] {
  if (r.kind === "put") return r.put.ignoreValue ? [] : [r.put.value];
  if (r.kind === "txn") return [...putValues(r.txn.success), ...putValues(r.txn.failure)];
  return [];
}

function* observedKvs(r: EtcdResponse): Generator<KeyValue> {
  const fromOps = function* (ops: readonly ResponseOp[]): Generator<KeyValue> {
    for (const op of ops) {
      if ("responseRange" in op) yield* op.responseRange.kvs;
      else if ("responsePut" in op) {
        if (op.responsePut.prevKv) yield op.responsePut.prevKv;
      } else if ("responseDeleteRange" in op) yield* op.responseDeleteRange.prevKvs ?? [];
      else yield* fromOps(op.responseTxn.responses);
    }
  };
  switch (r.kind) {
    case "range":
      yield* r.range.kvs;
      break;
    case "put":
      if (r.put.prevKv) yield r.put.prevKv;
      break;
    case "deleteRange":
      yield* r.deleteRange.prevKvs ?? [];
      break;
    case "txn":
      yield* fromOps(r.txn.responses);
      break;
    default:
  }
}

function* rangesOf(r: EtcdRequest): Generator<{ revision?: number; serializable?: boolean }> {
  const fromOps = function* (ops: readonly RequestOp[]): Generator<{ revision?: number; serializable?: boolean }> {
    for (const op of ops) {
      if ("requestRange" in op) yield op.requestRange;
      else if ("requestTxn" in op) {
        yield* fromOps(op.requestTxn.success);
        yield* fromOps(op.requestTxn.failure);
      }
    }
  };
  if (r.kind === "range") yield r.range;
  else if (r.kind === "txn") {
    yield* fromOps(r.txn.success);
    yield* fromOps(r.txn.failure);
  }
}

function leasesOf(r: EtcdRequest, resp: EtcdResponse | null): number[] {
  const out: number[] = [];
  const fromOps = (ops: readonly RequestOp[]): void => {
    for (const op of ops) {
      if ("requestPut" in op && op.requestPut.lease) out.push(op.requestPut.lease);
      else if ("requestTxn" in op) {
        fromOps(op.requestTxn.success);
        fromOps(op.requestTxn.failure);
      }
    }
  };
  switch (r.kind) {
    case "put":
      if (r.put.lease) out.push(r.put.lease);
      break;
    case "txn":
      fromOps(r.txn.success);
      fromOps(r.txn.failure);
      break;
    case "leaseGrant":
      if (r.leaseGrant.ID) out.push(r.leaseGrant.ID);
      if (resp?.kind === "leaseGrant" && resp.leaseGrant.ID) out.push(resp.leaseGrant.ID);
      break;
    case "leaseRevoke":
      out.push(r.leaseRevoke.ID);
      break;
    case "leaseKeepAlive":
      out.push(r.leaseKeepAlive.ID);
      break;
    default:
  }
  return out;
}

export interface PrepareOptions {
  /** Bound the return of unknown writes whose unique value was seen (default true; off for the brute-force reference). */
  boundObservedWrites?: boolean;
}

/** Every pair a successful response shows, with whether its value was left out (keys_only). */
function* shownPairs(req: EtcdRequest, resp: EtcdResponse): Generator<{ kv: KeyValue; keysOnly: boolean }> {
  const fromOps = function* (
    ops: readonly RequestOp[],
    responses: readonly ResponseOp[],
  ): Generator<{ kv: KeyValue; keysOnly: boolean }> {
    for (let i = 0; i < responses.length; i++) {
      const op = ops[i];
      const r = responses[i]!;
      if ("responseRange" in r)
        for (const kv of r.responseRange.kvs)
          yield { kv, keysOnly: op !== undefined && "requestRange" in op && op.requestRange.keysOnly === true };
      else if ("responsePut" in r) {
        if (r.responsePut.prevKv) yield { kv: r.responsePut.prevKv, keysOnly: false };
      } else if ("responseDeleteRange" in r)
        for (const kv of r.responseDeleteRange.prevKvs ?? []) yield { kv, keysOnly: false };
      else if (op !== undefined && "requestTxn" in op) {
        const t = r.responseTxn;
        yield* fromOps(t.succeeded ? op.requestTxn.success : op.requestTxn.failure, t.responses);
      }
    }
  };
  if (req.kind === "range" && resp.kind === "range")
    for (const kv of resp.range.kvs) yield { kv, keysOnly: req.range.keysOnly === true };
  else if (resp.kind === "put" && resp.put.prevKv) yield { kv: resp.put.prevKv, keysOnly: false };
  else if (resp.kind === "deleteRange") for (const kv of resp.deleteRange.prevKvs ?? []) yield { kv, keysOnly: false };
  else if (req.kind === "txn" && resp.kind === "txn")
    yield* fromOps(resp.txn.succeeded ? req.txn.success : req.txn.failure, resp.txn.responses);
}

/** Whether a successful response shows that its request created a new revision (the header's). */
export function createsRevision(req: EtcdRequest, resp: EtcdResponse): boolean {
  const branchWrites = (ops: readonly RequestOp[], responses: readonly ResponseOp[]): boolean =>
    ops.some((op, i) => {
      const r = responses[i];
      if ("requestPut" in op) return true;
      if ("requestDeleteRange" in op)
        return r !== undefined && "responseDeleteRange" in r && r.responseDeleteRange.deleted > 0;
      if ("requestTxn" in op && r !== undefined && "responseTxn" in r) {
        const t = r.responseTxn;
        return branchWrites(t.succeeded ? op.requestTxn.success : op.requestTxn.failure, t.responses);
      }
      return false;
    });
  if (req.kind === "put" && resp.kind === "put") return true;
  if (req.kind === "deleteRange" && resp.kind === "deleteRange") return resp.deleteRange.deleted > 0;
  if (req.kind === "txn" && resp.kind === "txn")
    return branchWrites(resp.txn.succeeded ? req.txn.success : req.txn.failure, resp.txn.responses);
  return false;
}

export function prepareEtcdHistory(
  history: readonly EtcdOperation[],
  options: PrepareOptions = {},
): PreparedEtcdHistory {
  const bound = options.boundObservedWrites ?? true;
  const ops = [...history].sort((a, b) => a.call - b.call || a.id - b.id);
  const outcome = new Map<EtcdOperation, Outcome>();
  for (const op of ops) outcome.set(op, outcomeOf(op));

  // Unique values and when each was first seen returned.
  const writers = new Map<string, number>();
  for (const op of ops) {
    if (outcome.get(op) === "no-effect") continue;
    for (const v of new Set(writtenValues(op.request))) writers.set(v, (writers.get(v) ?? 0) + 1);
  }
  const seenBy = new Map<string, number>();
  const observe = (v: string, t: number): void => {
    if (writers.get(v) === 1 && t < (seenBy.get(v) ?? Infinity)) seenBy.set(v, t);
  };
  for (const op of ops) {
    if (outcome.get(op) !== "ok" || op.return === null) continue;
    for (const kv of observedKvs(op.response!)) observe(kv.value, op.return);
  }

  const trackedLeases = new Set<number>();
  const leaseFirstCall = new Map<number, number>();
  let keepHistory = false;
  let dropped = 0;
  let observedUnknownWrites = 0;
  const operations: EtcdModelOperation[] = [];

  for (const op of ops) {
    const kind = outcome.get(op)!;
    const request = op.request;
    const readOnly = isReadOnlyRequest(request);
    if (kind === "no-effect" || (kind === "unknown" && readOnly)) {
      dropped++;
      continue;
    }
    if (kind === "unknown" && request.kind === "leaseGrant" && !request.leaseGrant.ID) {
      dropped++;
      continue;
    }
    for (const r of rangesOf(request)) if ((r.revision ?? 0) > 0 || r.serializable) keepHistory = true;
    if (request.kind === "leaseGrant") {
      if (request.leaseGrant.ID) trackedLeases.add(request.leaseGrant.ID);
      if (kind === "ok" && op.response?.kind === "leaseGrant") trackedLeases.add(op.response.leaseGrant.ID);
    }
    for (const id of leasesOf(request, kind === "ok" ? op.response : null)) {
      if (!leaseFirstCall.has(id)) leaseFirstCall.set(id, op.call);
    }

    let ret = kind === "unknown" ? Infinity : op.return!;
    if (kind === "unknown" && bound) {
      let seen = Infinity;
      for (const v of writtenValues(request)) seen = Math.min(seen, seenBy.get(v) ?? Infinity);
      // Seen before it was even called: leave it; the search reports the contradiction.
      if (seen !== Infinity && seen >= op.call) {
        ret = seen;
        observedUnknownWrites++;
      }
    }
    operations.push({
      clientId: op.client,
      call: op.call,
      return: ret,
      input: {
        kind: "request",
        id: op.id,
        request,
        serializable: request.kind === "range" && request.range.serializable === true,
        readOnly,
      },
      output:
        kind === "ok"
          ? { unknown: false, response: op.response, error: null }
          : kind === "checked-error"
            ? { unknown: false, response: null, error: op.error ?? "lease-not-found" }
            : { unknown: true, response: null, error: null },
    });
  }

  const claimedRevisions = new Set<number>();
  const revisionContents = new Map<number, { key: string; value: string | undefined }[]>();
  for (const op of ops) {
    if (outcome.get(op) !== "ok" || !op.response) continue;
    if (createsRevision(op.request, op.response)) claimedRevisions.add(writeRevision(op.response)!);
    for (const { kv, keysOnly } of shownPairs(op.request, op.response)) {
      let list = revisionContents.get(kv.modRevision);
      if (!list) revisionContents.set(kv.modRevision, (list = []));
      const value = keysOnly ? undefined : kv.value;
      if (!list.some((e) => e.key === kv.key && e.value === value)) list.push({ key: kv.key, value });
    }
  }

  const leaseIds = [...leaseFirstCall.keys()].sort((a, b) => a - b);
  for (const lease of leaseIds) {
    operations.push({
      clientId: -1,
      call: leaseFirstCall.get(lease)!,
      return: Infinity,
      input: { kind: "expire", lease },
      output: { unknown: true, response: null, error: null },
    });
  }
  operations.sort((a, b) => a.call - b.call);
  return {
    operations,
    config: { keepHistory, trackedLeases, claimedRevisions, revisionContents },
    dropped,
    observedUnknownWrites,
  };
}
