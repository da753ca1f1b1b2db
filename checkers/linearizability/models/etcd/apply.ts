// What etcd answers to a request in a given state, and the state after it: the sequential
// specification of the etcd KV model. Follows etcd's server/etcdserver/apply.go (Range filters,
// sorting and limit; Txn compares evaluated once before running the chosen branch, and the
// branch's puts and ranges pre-checked so a bad lease or revision rejects the whole Txn), checked
// against a real etcd 3.4 by the differential tests (core/mvcc/differential.test.ts).

import type {
  Compare,
  CompactionRequest,
  DeleteRangeRequest,
  DeleteRangeResponse,
  EtcdErrorCode,
  EtcdRequest,
  EtcdResponse,
  KeyValue,
  LeaseGrantRequest,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from "../../../../core/mvcc/rpc.ts";
import { type EtcdLimits, sizeError } from "./limits.ts";
import { atRevision, StateBuilder, type EtcdState, type HistoryPolicy } from "./state.ts";

export interface ApplyContext extends HistoryPolicy {
  /** The cluster's limits, as far as known (an unknown one refuses nothing). */
  limits?: EtcdLimits;
  /** Leases whose existence the model tracks (granted with a known ID in this history). */
  isTracked(lease: number): boolean;
}

export type Outcome =
  | { ok: true; state: EtcdState; response: EtcdResponse }
  | { ok: false; state: EtcdState; error: EtcdErrorCode };

/**
 * A request etcd rejects as a whole, thrown from deep in a Txn and caught by applyRequest. Not an
 * Error: the model throws it for every rejected step the search or the guess tries, and capturing
 * a stack trace each time was a measurable share of the check.
 */
class RequestError {
  constructor(readonly code: EtcdErrorCode) {}
}

/** Keys in [key, rangeEnd) (or the one key), in key order. */
export function keysInRange(kvs: ReadonlyMap<string, KeyValue>, key: string, rangeEnd: string | undefined): KeyValue[] {
  if (rangeEnd === undefined || rangeEnd === "") {
    const kv = kvs.get(key);
    return kv ? [kv] : [];
  }
  const all = rangeEnd === "\0";
  const out: KeyValue[] = [];
  for (const kv of kvs.values()) if (kv.key >= key && (all || kv.key < rangeEnd)) out.push(kv);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * An expected Range response. When a limit cuts a list sorted by a non-KEY target, `tieCandidates`
 * holds the pairs sharing the last kept sort value: etcd's unstable sort may return any of them.
 */
export interface ExpectedRange extends RangeResponse {
  tieCandidates?: KeyValue[];
}

/** Checks a Range's revision against the state; returns the error etcd gives, if any. */
export function rangeRevisionError(
  state: { revision: number; compactRevision: number },
  req: RangeRequest,
): EtcdErrorCode | undefined {
  const rev = req.revision ?? 0;
  if (rev > state.revision) return "future-revision";
  if (rev > 0 && rev < state.compactRevision) return "compacted";
  return undefined;
}

export function sortValue(kv: KeyValue, target: string): number | string {
  switch (target) {
    case "VERSION":
      return kv.version;
    case "CREATE":
      return kv.createRevision;
    case "MOD":
      return kv.modRevision;
    case "VALUE":
      return kv.value;
    default:
      return kv.key;
  }
}

/** etcd's sort decision: a non-KEY target without an order sorts ascending; KEY ascending is the natural order. */
export function effectiveSort(req: RangeRequest): { target: string; order: "NONE" | "ASCEND" | "DESCEND" } {
  const target = req.sortTarget ?? "KEY";
  let order = req.sortOrder ?? "NONE";
  if (target !== "KEY" && order === "NONE") order = "ASCEND";
  else if (target === "KEY" && order === "ASCEND") order = "NONE";
  return { target, order };
}

/** Evaluates a Range over `kvs` (the store at the read revision); `revision` goes in the header. */
export function evalRange(kvs: ReadonlyMap<string, KeyValue>, req: RangeRequest, revision: number): ExpectedRange {
  const all = keysInRange(kvs, req.key, req.rangeEnd);
  let kept = all;
  const {
    minModRevision: minMod,
    maxModRevision: maxMod,
    minCreateRevision: minCreate,
    maxCreateRevision: maxCreate,
  } = req;
  if (minMod || maxMod || minCreate || maxCreate) {
    kept = all.filter(
      (kv) =>
        !(maxMod && kv.modRevision > maxMod) &&
        !(minMod && kv.modRevision < minMod) &&
        !(maxCreate && kv.createRevision > maxCreate) &&
        !(minCreate && kv.createRevision < minCreate),
    );
  }
  const { target, order } = effectiveSort(req);
  const limit = req.limit ?? 0;
  // etcd reads limit + 1 pairs from the index (key order) unless a sort order is given explicitly or a
  // revision filter is set: a target other than KEY with order NONE still sorts, but only those pairs.
  if (limit > 0 && (req.sortOrder ?? "NONE") === "NONE" && kept === all && kept.length > limit + 1)
    kept = kept.slice(0, limit + 1);
  if (order !== "NONE") {
    const dir = order === "ASCEND" ? 1 : -1;
    kept = kept.slice().sort((a, b) => {
      const x = sortValue(a, target);
      const y = sortValue(b, target);
      return x < y ? -dir : x > y ? dir : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    });
  }
  // count_only returns no pairs, so nothing is cut and `more` stays false (etcd's apply.go).
  const more = !req.countOnly && limit > 0 && kept.length > limit;
  let kvs2 = more ? kept.slice(0, limit) : kept;
  let tieCandidates: KeyValue[] | undefined;
  if (more && order !== "NONE" && target !== "KEY" && !req.countOnly) {
    const cut = sortValue(kvs2[kvs2.length - 1]!, target);
    tieCandidates = kept.filter((kv) => sortValue(kv, target) === cut);
  }
  const strip = (list: KeyValue[]): KeyValue[] => (req.keysOnly ? list.map((kv) => ({ ...kv, value: "" })) : list);
  if (req.countOnly) kvs2 = [];
  else kvs2 = strip(kvs2);
  const response: ExpectedRange = { header: { revision, raftTerm: 0 }, kvs: kvs2, more, count: all.length };
  if (tieCandidates) response.tieCandidates = strip(tieCandidates);
  return response;
}

function compareHolds(c: Compare, kv: KeyValue | undefined): boolean {
  let cmp: number;
  switch (c.target) {
    case "VALUE": {
      if (!kv) return false; // no value to compare with a missing key
      const want = c.value ?? "";
      cmp = kv.value < want ? -1 : kv.value > want ? 1 : 0;
      break;
    }
    case "VERSION":
      cmp = (kv?.version ?? 0) - (c.version ?? 0);
      break;
    case "CREATE":
      cmp = (kv?.createRevision ?? 0) - (c.createRevision ?? 0);
      break;
    case "MOD":
      cmp = (kv?.modRevision ?? 0) - (c.modRevision ?? 0);
      break;
    case "LEASE":
      cmp = (kv?.lease ?? 0) - (c.lease ?? 0);
      break;
  }
  switch (c.result) {
    case "EQUAL":
      return cmp === 0;
    case "NOT_EQUAL":
      return cmp !== 0;
    case "GREATER":
      return cmp > 0;
    case "LESS":
      return cmp < 0;
  }
}

/** A compare over a range must hold for every key; an empty range compares as one missing key. */
function evalCompare(kvs: ReadonlyMap<string, KeyValue>, c: Compare): boolean {
  const found = keysInRange(kvs, c.key, c.rangeEnd);
  if (found.length === 0) return compareHolds(c, undefined);
  return found.every((kv) => compareHolds(c, kv));
}

/** The branch a Txn takes, with its nested Txns' branches, all decided on the view before it runs. */
interface TxnPath {
  succeeded: boolean;
  nested: TxnPath[];
}

function txnPath(kvs: ReadonlyMap<string, KeyValue>, txn: TxnRequest): TxnPath {
  const succeeded = txn.compare.every((c) => evalCompare(kvs, c));
  const nested: TxnPath[] = [];
  for (const op of succeeded ? txn.success : txn.failure)
    if ("requestTxn" in op) nested.push(txnPath(kvs, op.requestTxn));
  return { succeeded, nested };
}

function* pathOps(txn: TxnRequest, path: TxnPath): Generator<RequestOp> {
  let n = 0;
  for (const op of path.succeeded ? txn.success : txn.failure) {
    yield op;
    if ("requestTxn" in op) yield* pathOps(op.requestTxn, path.nested[n++]!);
  }
}

export function isReadOnlyTxn(txn: TxnRequest): boolean {
  const ro = (ops: RequestOp[]): boolean =>
    ops.every((op) => "requestRange" in op || ("requestTxn" in op && isReadOnlyTxn(op.requestTxn)));
  return ro(txn.success) && ro(txn.failure);
}

/**
 * A put's checks against the store. etcd makes them in a different order in a Txn (checkRequestPut: the
 * key an ignore flag needs, then the lease) than for a plain Put (applierV3backend.Put: the lease, then
 * the key): `leaseFirst` for a plain Put.
 */
function checkPut(b: StateBuilder, req: PutRequest, ctx: ApplyContext, leaseFirst = false): void {
  const lease = req.lease ?? 0;
  const leaseMissing = lease !== 0 && !req.ignoreLease && ctx.isTracked(lease) && !b.hasLease(lease);
  if (leaseFirst && leaseMissing) throw new RequestError("lease-not-found");
  if ((req.ignoreValue || req.ignoreLease) && !b.get(req.key)) throw new RequestError("key-not-found");
  if (leaseMissing) throw new RequestError("lease-not-found");
}

function doPut(b: StateBuilder, req: PutRequest, ctx: ApplyContext): PutResponse {
  // A Txn's puts were checked before it ran (in its order); this order only tells for a plain Put.
  checkPut(b, req, ctx, true);
  const old = b.get(req.key);
  const rev = b.writeRevision;
  const kv: KeyValue = {
    key: req.key,
    value: req.ignoreValue ? old!.value : req.value,
    createRevision: old ? old.createRevision : rev,
    modRevision: rev,
    version: old ? old.version + 1 : 1,
    lease: req.ignoreLease ? old!.lease : (req.lease ?? 0),
  };
  b.put(kv);
  const resp: PutResponse = { header: { revision: rev, raftTerm: 0 } };
  if (req.prevKv && old) resp.prevKv = old;
  return resp;
}

function doDelete(b: StateBuilder, req: DeleteRangeRequest): DeleteRangeResponse {
  const found = keysInRange(b.currentKvs(), req.key, req.rangeEnd);
  for (const kv of found) b.delete(kv.key);
  return {
    header: { revision: found.length ? b.writeRevision : b.base.revision, raftTerm: 0 },
    deleted: found.length,
    prevKvs: req.prevKv ? found : [],
  };
}

function doRange(b: StateBuilder, req: RangeRequest, ctx: ApplyContext): RangeResponse {
  const err = rangeRevisionError({ revision: b.base.revision, compactRevision: b.compactRevision }, req);
  if (err) throw new RequestError(err);
  // Inside a Txn a range sees the Txn's own earlier writes.
  const rev = req.revision ?? 0;
  const current = b.changed ? b.writeRevision : b.base.revision;
  // A read at an explicit revision sees the store as of then (not this Txn's writes).
  let kvs = b.currentKvs();
  if (rev > 0) {
    const old = rev >= b.base.revision ? b.base : ctx.keepHistory ? atRevision(b.base, rev) : undefined;
    if (old) kvs = old.kvs;
  }
  return evalRange(kvs, req, current);
}

function doTxn(b: StateBuilder, txn: TxnRequest, path: TxnPath, ctx: ApplyContext): TxnResponse {
  const responses: ResponseOp[] = [];
  let n = 0;
  for (const op of path.succeeded ? txn.success : txn.failure) {
    if ("requestRange" in op) responses.push({ responseRange: doRange(b, op.requestRange, ctx) });
    else if ("requestPut" in op) responses.push({ responsePut: doPut(b, op.requestPut, ctx) });
    else if ("requestDeleteRange" in op) responses.push({ responseDeleteRange: doDelete(b, op.requestDeleteRange) });
    else responses.push({ responseTxn: doTxn(b, op.requestTxn, path.nested[n++]!, ctx) });
  }
  return { header: { revision: 0, raftTerm: 0 }, succeeded: path.succeeded, responses };
}

/**
 * What etcd's gRPC layer refuses before proposing (v3rpc's checkRangeRequest, checkPutRequest,
 * checkDeleteRequest, for a Txn on every operation of both branches): an empty key, a value with
 * ignore_value, a lease with ignore_lease. Restated here from etcd, not taken from the store under test.
 */
function requestOpError(op: RequestOp, maxTxnOps: number | undefined): EtcdErrorCode | undefined {
  if ("requestRange" in op) return op.requestRange.key === "" ? "empty-key" : undefined;
  if ("requestDeleteRange" in op) return op.requestDeleteRange.key === "" ? "empty-key" : undefined;
  if ("requestPut" in op) return putError(op.requestPut);
  return txnError(op.requestTxn, maxTxnOps);
}

function putError(put: PutRequest): EtcdErrorCode | undefined {
  if (put.key === "") return "empty-key";
  if (put.ignoreValue === true && (put.value ?? "") !== "") return "value-provided";
  if (put.ignoreLease === true && (put.lease ?? 0) !== 0) return "lease-provided";
  return undefined;
}

/**
 * checkTxnRequest: the longest of the compares and the two branches against --max-txn-ops (when the
 * limit is known; a nested Txn gets what its parent left), then the compares' keys, then each
 * operation of both branches.
 */
function txnError(txn: TxnRequest, maxTxnOps: number | undefined): EtcdErrorCode | undefined {
  const opc = Math.max(txn.compare.length, txn.success.length, txn.failure.length);
  if (maxTxnOps !== undefined && opc > maxTxnOps) return "too-many-ops";
  for (const c of txn.compare) if (c.key === "") return "empty-key";
  const nested = maxTxnOps === undefined ? undefined : maxTxnOps - opc;
  for (const op of txn.success) {
    const err = requestOpError(op, nested);
    if (err !== undefined) return err;
  }
  for (const op of txn.failure) {
    const err = requestOpError(op, nested);
    if (err !== undefined) return err;
  }
  return undefined;
}

/** etcd's lease.MaxLeaseTTL (seconds): a longer grant is refused before it is proposed. */
const MAX_LEASE_TTL = 9_000_000_000;

/**
 * What etcd refuses from the request alone, before proposing it: v3rpc's checks, then etcdserver's
 * lease TTL bound and the proposal's size. `limits` are the cluster's, as far as the history says
 * them. Run on every step of the search: no object is built for the check.
 */
export function requestError(request: EtcdRequest, limits?: EtcdLimits): EtcdErrorCode | undefined {
  return staticError(request, limits?.maxTxnOps) ?? sizeError(request, limits);
}

function staticError(request: EtcdRequest, maxTxnOps: number | undefined): EtcdErrorCode | undefined {
  switch (request.kind) {
    case "range":
      return request.range.key === "" ? "empty-key" : undefined;
    case "put":
      return putError(request.put);
    case "deleteRange":
      return request.deleteRange.key === "" ? "empty-key" : undefined;
    case "txn":
      // v3rpc's order: every operation's own checks (checkTxnRequest), then the duplicate keys.
      return txnError(request.txn, maxTxnOps) ?? (hasDuplicateKey(request.txn) ? "duplicate-key" : undefined);
    case "leaseGrant":
      return request.leaseGrant.TTL > MAX_LEASE_TTL ? "lease-ttl-too-large" : undefined;
    default:
      return undefined;
  }
}

/** A delete's interval as etcd's checkIntervals holds it: [key, end), or the key alone when end is absent. */
type DeleteInterval = readonly [key: string, end: string | undefined];

function inDeletes(dels: readonly DeleteInterval[], k: string): boolean {
  for (const [key, end] of dels) if (end === undefined ? k === key : k >= key && k < end) return true;
  return false;
}

/**
 * etcd's checkIntervals (kvServer.Txn, "duplicate key given in txn request"), restated: within one
 * branch no key is put twice, and no put falls in a delete of that branch or of a Txn nested in it; the
 * two branches of one nested Txn may put the same key (only one runs); deletes may overlap. A "\0"
 * range end makes an empty interval there, as in etcd. Returns the branch's puts and deletes, or
 * undefined on a duplicate.
 */
function branchWrites(ops: readonly RequestOp[]): { puts: string[]; dels: DeleteInterval[] } | undefined {
  const dels: DeleteInterval[] = [];
  for (const op of ops) {
    if (!("requestDeleteRange" in op)) continue;
    const d = op.requestDeleteRange;
    dels.push([d.key, d.rangeEnd === undefined || d.rangeEnd === "" ? undefined : d.rangeEnd]);
  }
  const puts: string[] = [];
  for (const op of ops) {
    if (!("requestTxn" in op)) continue;
    const then = branchWrites(op.requestTxn.success);
    const otherwise = branchWrites(op.requestTxn.failure);
    if (then === undefined || otherwise === undefined) return undefined;
    for (const k of then.puts) {
      if (puts.includes(k) || inDeletes(dels, k)) return undefined;
      puts.push(k);
    }
    for (const k of otherwise.puts) {
      if (then.puts.includes(k)) continue;
      if (puts.includes(k) || inDeletes(dels, k)) return undefined;
      puts.push(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (!("requestPut" in op)) continue;
    const k = op.requestPut.key;
    if (puts.includes(k) || inDeletes(dels, k)) return undefined;
    puts.push(k);
  }
  return { puts, dels };
}

/** The verdict per Txn: requestError runs on every step of the search, and a request never changes. */
const duplicateVerdicts = new WeakMap<TxnRequest, boolean>();

function hasDuplicateKey(txn: TxnRequest): boolean {
  let v = duplicateVerdicts.get(txn);
  if (v === undefined) {
    v = branchWrites(txn.success) === undefined || branchWrites(txn.failure) === undefined;
    duplicateVerdicts.set(txn, v);
  }
  return v;
}

function applyTxn(state: EtcdState, txn: TxnRequest, ctx: ApplyContext): Outcome {
  const path = txnPath(state.kvs, txn);
  const b = new StateBuilder(state);
  // Pre-checks on the chosen path, puts first (etcd's checkRequests order); nothing runs if one fails.
  if (!isReadOnlyTxn(txn)) {
    for (const op of pathOps(txn, path)) {
      if (!("requestPut" in op)) continue;
      try {
        checkPut(b, op.requestPut, ctx);
      } catch (e) {
        return { ok: false, state, error: (e as RequestError).code };
      }
    }
  }
  for (const op of pathOps(txn, path)) {
    if (!("requestRange" in op)) continue;
    const err = rangeRevisionError(state, op.requestRange);
    if (err) return { ok: false, state, error: err };
  }
  const resp = doTxn(b, txn, path, ctx);
  const next = b.finish(ctx);
  resp.header = { revision: next.revision, raftTerm: 0 };
  return { ok: true, state: next, response: { kind: "txn", txn: resp } };
}

function applyCompact(state: EtcdState, req: CompactionRequest, ctx: ApplyContext): Outcome {
  const rev = req.revision;
  if (rev <= state.compactRevision) return { ok: false, state, error: "compacted" };
  if (rev > state.revision) return { ok: false, state, error: "future-revision" };
  const b = new StateBuilder(state);
  b.compactRevision = Math.max(rev, state.compactRevision);
  return {
    ok: true,
    state: b.finish(ctx),
    response: { kind: "compact", compact: { header: { revision: state.revision, raftTerm: 0 } } },
  };
}

/** Deletes the lease and its keys (one revision for all of them). */
export function revokeLease(state: EtcdState, id: number, ctx: ApplyContext): EtcdState {
  const b = new StateBuilder(state);
  for (const kv of state.kvs.values()) if (kv.lease === id) b.delete(kv.key);
  b.revokeLease(id);
  return b.finish(ctx);
}

function applyGrant(
  state: EtcdState,
  req: LeaseGrantRequest,
  responseId: number | undefined,
  ctx: ApplyContext,
): Outcome {
  const id = req.ID ? req.ID : responseId;
  if (id === undefined)
    return {
      ok: true,
      state,
      response: {
        kind: "leaseGrant",
        leaseGrant: { header: { revision: state.revision, raftTerm: 0 }, ID: 0, TTL: req.TTL },
      },
    };
  const b = new StateBuilder(state);
  if (state.leases.has(id)) {
    // Granting an ID again: only if the old lease could have expired unnoticed (it holds no keys).
    if (responseId === undefined || [...state.kvs.values()].some((kv) => kv.lease === id))
      return { ok: false, state, error: "lease-exists" };
    b.revokeLease(id);
  }
  b.grantLease(id);
  return {
    ok: true,
    state: b.finish(ctx),
    response: {
      kind: "leaseGrant",
      leaseGrant: { header: { revision: state.revision, raftTerm: 0 }, ID: id, TTL: req.TTL },
    },
  };
}

/**
 * Applies a request. `observed` is the actual response when known: it supplies what the model
 * cannot choose itself (a server-assigned lease ID; whether an untracked lease existed).
 */
export function applyRequest(
  state: EtcdState,
  request: EtcdRequest,
  ctx: ApplyContext,
  observed?: EtcdResponse | null,
  observedError?: EtcdErrorCode,
): Outcome {
  const invalid = requestError(request, ctx.limits);
  if (invalid !== undefined) return { ok: false, state, error: invalid };
  try {
    switch (request.kind) {
      case "range": {
        const err = rangeRevisionError(state, request.range);
        if (err) return { ok: false, state, error: err };
        const b = new StateBuilder(state);
        return { ok: true, state, response: { kind: "range", range: doRange(b, request.range, ctx) } };
      }
      case "put": {
        const b = new StateBuilder(state);
        const lease = request.put.lease ?? 0;
        // An untracked lease may have existed or not: follow what the client saw.
        if (lease !== 0 && !ctx.isTracked(lease) && observedError === "lease-not-found")
          return { ok: false, state, error: "lease-not-found" };
        const resp = doPut(b, request.put, ctx);
        return { ok: true, state: b.finish(ctx), response: { kind: "put", put: resp } };
      }
      case "deleteRange": {
        const b = new StateBuilder(state);
        const resp = doDelete(b, request.deleteRange);
        const next = b.finish(ctx);
        resp.header = { revision: next.revision, raftTerm: 0 };
        return { ok: true, state: next, response: { kind: "deleteRange", deleteRange: resp } };
      }
      case "txn":
        return applyTxn(state, request.txn, ctx);
      case "compact":
        return applyCompact(state, request.compact, ctx);
      case "leaseGrant": {
        const id = observed?.kind === "leaseGrant" ? observed.leaseGrant.ID : undefined;
        return applyGrant(state, request.leaseGrant, id, ctx);
      }
      case "leaseRevoke": {
        const id = request.leaseRevoke.ID;
        const exists = ctx.isTracked(id) ? state.leases.has(id) : observedError !== "lease-not-found";
        if (!exists) return { ok: false, state, error: "lease-not-found" };
        const next = revokeLease(state, id, ctx);
        return {
          ok: true,
          state: next,
          response: { kind: "leaseRevoke", leaseRevoke: { header: { revision: next.revision, raftTerm: 0 } } },
        };
      }
      case "leaseKeepAlive": {
        const id = request.leaseKeepAlive.ID;
        const exists = ctx.isTracked(id)
          ? state.leases.has(id)
          : observedError !== "lease-not-found" &&
            !(observed?.kind === "leaseKeepAlive" && observed.leaseKeepAlive.TTL <= 0);
        if (!exists) return { ok: false, state, error: "lease-not-found" };
        return {
          ok: true,
          state,
          response: {
            kind: "leaseKeepAlive",
            leaseKeepAlive: { header: { revision: state.revision, raftTerm: 0 }, ID: id, TTL: 1 },
          },
        };
      }
      case "leaseTimeToLive":
        throw new Error("a LeaseTimeToLive reached the model: prepare drops them (outcomeOf)");
    }
  } catch (e) {
    if (e instanceof RequestError) return { ok: false, state, error: e.code };
    throw e;
  }
}
