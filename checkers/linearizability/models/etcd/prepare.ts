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
// - Leases may expire at any time: one `expire` operation with unknown outcome per lease, and one more
//   for each later grant of its ID (an explicit ID granted again once the lease had ended: each lifetime
//   may expire).

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
import { requestError } from "./apply.ts";
import { type EtcdLimits, mustFit } from "./limits.ts";
import { RevisionSet } from "./revision-set.ts";
import { ArrayTable, ColumnTableBuilder, type EtcdOperationTable, OperationWindow } from "./operation-table.ts";
import { isReadOnlyRequest, type EtcdModelConfig, type EtcdModelOperation, type EtcdOutput } from "./model.ts";

const CHECKED_ERRORS: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  "compacted",
  "future-revision",
  "key-not-found",
  "lease-not-found",
  "lease-exists",
]);
/**
 * Refusals that follow from the request alone, which the model restates from etcd (requestError): one
 * the model agrees with had no effect; any other is judged like a checked error, so a member that
 * refuses a valid request, or refuses it for another reason, fails the check. "too-many-ops" follows
 * from the request and the cluster's --max-txn-ops: judged when the checker was told the limit,
 * trusted (no effect) otherwise. "request-too-large" is judged apart (limits.ts).
 */
const REQUEST_ERRORS: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  "duplicate-key",
  "empty-key",
  "value-provided",
  "lease-provided",
  "lease-ttl-too-large",
  "too-many-ops",
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
  /**
   * The operations to check, in call order (lease expiries merged in). A long history's are built
   * when first read: the guess reads `table` instead.
   */
  readonly operations: EtcdModelOperation[];
  /** The same operations by index, without building them all (operation-table.ts). */
  readonly table: EtcdOperationTable;
  config: EtcdModelConfig;
  /** Operations left out because they cannot have had an effect (failed reads, rejected requests). */
  dropped: number;
  /** Unknown writes whose effect was seen, so their return was bounded. */
  observedUnknownWrites: number;
}

type Outcome = "ok" | "checked-error" | "no-effect" | "unknown";
/** Outcomes by their code (a byte per operation while preparing). */
const OUTCOMES: readonly Outcome[] = ["ok", "checked-error", "no-effect", "unknown"];

export function outcomeOf(op: EtcdOperation, limits?: EtcdLimits): Outcome {
  // A request etcd refuses before proposing cannot have taken effect, answered or not (an answer that
  // it did is judged: the model refuses to take it).
  // A TimeToLive reads the leader's lessor, by its clock, which the model does not know: lease-safety and
  // lease-expiry judge its answers. It changes nothing, answered or not.
  if (op.request.kind === "leaseTimeToLive") return "no-effect";
  if (op.return === null) return requestError(op.request, limits) === undefined ? "unknown" : "no-effect";
  if (op.response?.kind === "leaseKeepAlive" && op.response.leaseKeepAlive.TTL <= 0) return "checked-error"; // the lease is gone
  if (op.error !== undefined) {
    if (CHECKED_ERRORS.has(op.error)) return "checked-error";
    if (op.error === "too-many-ops" && limits?.maxTxnOps === undefined) return "no-effect";
    if (REQUEST_ERRORS.has(op.error))
      return requestError(op.request, limits) === op.error ? "no-effect" : "checked-error";
    // Too large: wrong if the request fits whatever the encoding (or is never measured); past the limit
    // in every encoding, or in between (etcd's own encoding decides), no effect.
    if (op.error === "request-too-large")
      return limits?.maxRequestBytes !== undefined && mustFit(op.request, limits.maxRequestBytes)
        ? "checked-error"
        : "no-effect";
    if (NO_EFFECT_ERRORS.has(op.error)) return "no-effect";
    return "unknown";
  }
  return op.response === null ? "unknown" : "ok";
}

// The walks below visit requests and responses depth first, in order, and call back (no generators:
// they run for every operation of every checked history).

function pushPutValues(ops: readonly RequestOp[], out: string[]): void {
  for (const op of ops) {
    // An ignore_value put writes the value the key already has, not its own (empty) one.
    if ("requestPut" in op) {
      if (!op.requestPut.ignoreValue) out.push(op.requestPut.value);
    } else if ("requestTxn" in op) {
      pushPutValues(op.requestTxn.success, out);
      pushPutValues(op.requestTxn.failure, out);
    }
  }
}

const NO_VALUES: readonly string[] = [];

function writtenValues(r: EtcdRequest): readonly string[] {
  if (r.kind === "put") return r.put.ignoreValue ? NO_VALUES : [r.put.value];
  if (r.kind === "txn") {
    const out: string[] = [];
    pushPutValues(r.txn.success, out);
    pushPutValues(r.txn.failure, out);
    return out;
  }
  return NO_VALUES;
}

/** Whether a request has a Range (nested Txns included) that reads at an old revision or serializably. */
function readsHistory(r: EtcdRequest): boolean {
  const old = (range: { revision?: number; serializable?: boolean }): boolean =>
    (range.revision ?? 0) > 0 || range.serializable === true;
  const fromOps = (ops: readonly RequestOp[]): boolean => {
    for (const op of ops) {
      if ("requestRange" in op) {
        if (old(op.requestRange)) return true;
      } else if ("requestTxn" in op && (fromOps(op.requestTxn.success) || fromOps(op.requestTxn.failure))) return true;
    }
    return false;
  };
  if (r.kind === "range") return old(r.range);
  if (r.kind === "txn") return fromOps(r.txn.success) || fromOps(r.txn.failure);
  return false;
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
  /** Read the history through a window (default: when it is long and in call order; see WINDOWED_FROM). */
  window?: boolean;
  /** The cluster's limits, as far as known: refusals by them are then judged, not trusted. */
  limits?: EtcdLimits;
}

/** Calls `visit` with every pair a successful response shows and whether its value was left out (keys_only). */
function forEachShownPair(
  req: EtcdRequest,
  resp: EtcdResponse,
  visit: (kv: KeyValue, keysOnly: boolean) => void,
): void {
  const fromOps = (ops: readonly RequestOp[], responses: readonly ResponseOp[]): void => {
    for (let i = 0; i < responses.length; i++) {
      const op = ops[i];
      const r = responses[i]!;
      if ("responseRange" in r) {
        const keysOnly = op !== undefined && "requestRange" in op && op.requestRange.keysOnly === true;
        for (const kv of r.responseRange.kvs) visit(kv, keysOnly);
      } else if ("responsePut" in r) {
        if (r.responsePut.prevKv) visit(r.responsePut.prevKv, false);
      } else if ("responseDeleteRange" in r) for (const kv of r.responseDeleteRange.prevKvs ?? []) visit(kv, false);
      else if (op !== undefined && "requestTxn" in op) {
        const t = r.responseTxn;
        fromOps(t.succeeded ? op.requestTxn.success : op.requestTxn.failure, t.responses);
      }
    }
  };
  if (req.kind === "range" && resp.kind === "range") {
    const keysOnly = req.range.keysOnly === true;
    for (const kv of resp.range.kvs) visit(kv, keysOnly);
  } else if (resp.kind === "put" && resp.put.prevKv) visit(resp.put.prevKv, false);
  else if (resp.kind === "deleteRange") for (const kv of resp.deleteRange.prevKvs ?? []) visit(kv, false);
  else if (req.kind === "txn" && resp.kind === "txn")
    fromOps(resp.txn.succeeded ? req.txn.success : req.txn.failure, resp.txn.responses);
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

/** The operations by call time, then id (the recorder's order, already sorted in practice: then no copy is sorted). */
function sortedByCall(history: readonly EtcdOperation[]): EtcdOperation[] {
  const ops = history.slice();
  if (!inCallOrder(ops)) ops.sort((x, y) => x.call - y.call || x.id - y.id);
  return ops;
}

function inCallOrder(history: readonly EtcdOperation[]): boolean {
  let a = history[0];
  for (let i = 1; i < history.length; i++) {
    const b = history[i]!;
    if (a!.call > b.call || (a!.call === b.call && a!.id > b.id)) return false;
    a = b;
  }
  return true;
}

/**
 * A history at least this long is read through a window (OperationWindow) when it is already in call
 * order, as a recorded one is: a long run's recorded history is a view that rebuilds an operation each
 * time one is read (core/etcd/client.ts), and holding every rebuilt request and response at once would
 * undo what packing saved: its operations become columns (operation-table.ts). Shorter ones (every
 * scenario's usual seed) are copied and read directly.
 */
export const WINDOWED_FROM = 32_768;
export function prepareEtcdHistory(
  history: readonly EtcdOperation[],
  options: PrepareOptions = {},
): PreparedEtcdHistory {
  const bound = options.boundObservedWrites ?? true;
  const n = history.length;
  // Operation i in call order: through a window (a long recorded history, if it is in call order:
  // the first pass checks as it goes), or from a sorted copy.
  let window = (options.window ?? n >= WINDOWED_FROM) ? new OperationWindow(history) : undefined;
  let first = window !== undefined ? firstPass(n, (i) => window!.get(i), true, options.limits) : undefined;
  let sorted: EtcdOperation[] | undefined;
  if (first === undefined) {
    window = undefined;
    const copy = (sorted = sortedByCall(history));
    first = firstPass(n, (i) => copy[i]!, false, options.limits)!;
  }
  const opAt = (i: number): EtcdOperation => (sorted !== undefined ? sorted[i]! : window!.get(i));
  const { outcomes, writers, leaseFirstCall, leaseRegrants, dropped } = first;

  // One lease expiry per lease (unknown outcome), called when the lease is first named, and one per
  // later grant of its ID (called with that grant): merged into the requests (in call order) as they
  // are listed below, as a stable sort by call of the requests then the expiries would place them.
  const leaseIds = [...leaseFirstCall.keys()].sort((a, b) => a - b);
  const expiries: EtcdModelOperation[] = [];
  const expiry = (lease: number, call: number): EtcdModelOperation => ({
    clientId: -1,
    call,
    return: Infinity,
    input: { kind: "expire", lease },
    output: { unknown: true, response: null, error: null },
  });
  for (const lease of leaseIds) {
    expiries.push(expiry(lease, leaseFirstCall.get(lease)!));
    for (const call of leaseRegrants.get(lease) ?? []) expiries.push(expiry(lease, call));
  }
  expiries.sort((a, b) => a.call - b.call);

  // The second pass: how many requests wrote each of the values unknown outcomes wrote and when a
  // known response first showed it (a unique one, checked once all are counted), the model
  // operations, and the revision facts. The values each request writes are listed again where
  // needed, not kept per operation.
  const firstShown = new Map<string, number>();
  const trackedLeases = new Set<number>();
  let keepHistory = false;
  // The operations in call order: objects, or (read through the window) columns of exactly the
  // operations kept and the expiries.
  const operations: EtcdModelOperation[] = [];
  const columns = window !== undefined ? new ColumnTableBuilder(n - dropped + expiries.length, window) : undefined;
  let expiriesListed = 0;
  const list = (o: EtcdModelOperation): void => {
    if (columns !== undefined) columns.pushKept(o);
    else operations.push(o);
  };
  /** Lists the expiries called before `call` (all of them if Infinity). */
  const listExpiriesBefore = (call: number): void => {
    while (expiriesListed < expiries.length && expiries[expiriesListed]!.call < call) list(expiries[expiriesListed++]!);
  };
  /** The unknown writes among the operations (their return is bounded once every value's sightings are in). */
  const unknownWrites: number[] = [];
  const claimedRevisions = new RevisionSet();
  const servedRevisions = new RevisionSet();
  // Only revisions no known write claimed: the model reads a revision's contents only when it is
  // not claimed (etcdModel's `claimed`), and a long history's writes claim nearly every revision,
  // each seen in many responses (hundreds of thousands of entries no one would read).
  let revisionContents = new Map<number, { key: string; value: string | undefined }[]>();
  const show = (kv: KeyValue, keysOnly: boolean): void => {
    if (claimedRevisions.has(kv.modRevision)) return;
    let list = revisionContents.get(kv.modRevision);
    if (!list) revisionContents.set(kv.modRevision, (list = []));
    const value = keysOnly ? undefined : kv.value;
    if (!list.some((e) => e.key === kv.key && e.value === value)) list.push({ key: kv.key, value });
  };

  for (let i = 0; i < n; i++) {
    const op = opAt(i);
    const code = outcomes[i]!;
    const kind = OUTCOMES[code & OUTCOME_MASK]!;
    const request = op.request;
    if (kind !== "no-effect" && writers.size > 0) {
      const values = writtenValues(request);
      for (let j = 0; j < values.length; j++) {
        const v = values[j]!;
        const count = writers.get(v);
        if (count === undefined) continue;
        if (values.indexOf(v) !== j) continue; // a value written twice by one request counts once
        writers.set(v, count + 1);
      }
    }
    if (kind === "ok" && op.return !== null) {
      const t = op.return;
      const response = op.response!;
      if (writers.size > 0)
        forEachShownPair(request, response, (kv, keysOnly) => {
          // A keys_only range shows every value empty: it saw no value, least of all an empty one.
          if (keysOnly) return;
          const v = kv.value;
          if (writers.has(v) && t < (firstShown.get(v) ?? Infinity)) firstShown.set(v, t);
        });
      if (createsRevision(request, response)) claimedRevisions.add(writeRevision(response)!);
      forEachShownPair(request, response, show);
    }
    if (code & DROPPED) continue;
    listExpiriesBefore(op.call);

    if (!keepHistory && readsHistory(request)) keepHistory = true;
    if (request.kind === "leaseGrant") {
      if (request.leaseGrant.ID) trackedLeases.add(request.leaseGrant.ID);
      if (kind === "ok" && op.response?.kind === "leaseGrant") trackedLeases.add(op.response.leaseGrant.ID);
    }
    if (kind === "unknown") unknownWrites.push(columns !== undefined ? columns.length : operations.length);
    const readOnly = isReadOnlyRequest(request);
    const serializable = request.kind === "range" && request.range.serializable === true;
    if (serializable && kind === "ok" && op.response?.kind === "range") {
      servedRevisions.add(op.response.range.header.revision);
      if ((request.range.revision ?? 0) > 0) servedRevisions.add(request.range.revision!);
    }
    // Through the window: the successes and definite errors, nearly all of a long history, which
    // the guess places in order. Unknown outcomes (a few percent) are tried again and again
    // wherever they may fit, so they keep their request.
    if (columns !== undefined && kind === "ok") {
      columns.pushSuccess(op, i, serializable, readOnly);
      continue;
    }
    if (columns !== undefined && kind === "checked-error") {
      columns.pushError(op, i, serializable, readOnly, op.error ?? "lease-not-found");
      continue;
    }
    list({
      clientId: op.client,
      call: op.call,
      return: kind === "unknown" ? Infinity : op.return!,
      input: { kind: "request", id: op.id, request, serializable, readOnly },
      output:
        kind === "ok"
          ? { unknown: false, response: op.response, error: null }
          : kind === "checked-error"
            ? { unknown: false, response: null, error: op.error ?? "lease-not-found" }
            : columns !== undefined
              ? UNKNOWN_OUTPUT
              : { unknown: true, response: null, error: null },
    });
  }
  listExpiriesBefore(Infinity);

  // Those shown before a later response's write claimed them go too.
  if (revisionContents.size > 0 && claimedRevisions.size > 0) {
    const unclaimed = new Map<number, { key: string; value: string | undefined }[]>();
    for (const [revision, list] of revisionContents) if (!claimedRevisions.has(revision)) unclaimed.set(revision, list);
    revisionContents = unclaimed;
  }

  // An unknown write whose unique value a known response showed took effect before that response
  // returned: that bounds its return.
  let observedUnknownWrites = 0;
  if (bound)
    for (const k of unknownWrites) {
      const u = columns !== undefined ? columns.keptAt(k) : operations[k]!;
      if (u.input.kind !== "request") continue;
      let seen = Infinity;
      for (const v of writtenValues(u.input.request))
        if (writers.get(v) === 1) seen = Math.min(seen, firstShown.get(v) ?? Infinity);
      // Seen before it was even called: leave it; the search reports the contradiction.
      if (seen !== Infinity && seen >= u.call) {
        if (columns !== undefined) columns.setReturn(k, seen);
        else u.return = seen;
        observedUnknownWrites++;
      }
    }

  const config = {
    keepHistory,
    servedRevisions,
    limits: options.limits,
    trackedLeases,
    claimedRevisions,
    revisionContents,
  };
  if (columns === undefined)
    return { operations, table: new ArrayTable(operations), config, dropped, observedUnknownWrites };
  const table = columns.finish();
  let all: EtcdModelOperation[] | undefined;
  return {
    // Built only if read (the search, when the guess fails; tests): the guess reads the table.
    get operations() {
      all ??= table.materialize();
      return all;
    },
    table,
    config,
    dropped,
    observedUnknownWrites,
  };
}

/**
 * The output of every unknown outcome a long history lists (tens of thousands of them in an hour):
 * one frozen object, as nothing writes an operation's output (the model and the search only read it).
 */
export const UNKNOWN_OUTPUT: EtcdOutput = Object.freeze({ unknown: true, response: null, error: null });

/** An outcome code with this bit: the operation is dropped (it cannot have had an effect). */
const DROPPED = 8;
const OUTCOME_MASK = 7;

/**
 * The first pass over the history (in call order): each operation's outcome and whether it is
 * dropped, the values unknown outcomes wrote (only those matter, so only those are counted: a long
 * history writes hundreds of thousands), and when each lease is first named by an operation kept.
 * Reading through the window, undefined if the history is not in call order after all.
 */
function firstPass(
  n: number,
  opAt: (i: number) => EtcdOperation,
  checkOrder: boolean,
  limits: EtcdLimits | undefined,
):
  | {
      outcomes: Uint8Array;
      writers: Map<string, number>;
      leaseFirstCall: Map<number, number>;
      /** Calls of the grants of a lease ID already granted before (that succeeded, or may have). */
      leaseRegrants: Map<number, number[]>;
      dropped: number;
    }
  | undefined {
  const outcomes = new Uint8Array(n);
  const writers = new Map<string, number>();
  const leaseFirstCall = new Map<number, number>();
  const leaseRegrants = new Map<number, number[]>();
  const granted = new Set<number>();
  let dropped = 0;
  let lastCall = -Infinity;
  let lastId = -Infinity;
  for (let i = 0; i < n; i++) {
    const op = opAt(i);
    if (checkOrder) {
      if (lastCall > op.call || (lastCall === op.call && lastId > op.id)) return undefined;
      lastCall = op.call;
      lastId = op.id;
    }
    const outcome = outcomeOf(op, limits);
    const request = op.request;
    let code = OUTCOMES.indexOf(outcome);
    if (outcome === "unknown") for (const v of writtenValues(request)) writers.set(v, 0);
    if (
      outcome === "no-effect" ||
      (outcome === "unknown" && isReadOnlyRequest(request)) ||
      (outcome === "unknown" && request.kind === "leaseGrant" && !request.leaseGrant.ID)
    ) {
      code |= DROPPED;
      dropped++;
    } else {
      for (const id of leasesOf(request, outcome === "ok" ? op.response : null))
        if (!leaseFirstCall.has(id)) leaseFirstCall.set(id, op.call);
      // A grant of an ID granted before (a request's ID and its response's are one grant): a lifetime
      // after the first, which may expire too.
      if (request.kind === "leaseGrant" && (outcome === "ok" || outcome === "unknown")) {
        const id = request.leaseGrant.ID || (op.response?.kind === "leaseGrant" ? op.response.leaseGrant.ID : 0);
        if (id) {
          if (!granted.has(id)) granted.add(id);
          else {
            const calls = leaseRegrants.get(id);
            if (calls === undefined) leaseRegrants.set(id, [op.call]);
            else calls.push(op.call);
          }
        }
      }
    }
    outcomes[i] = code;
  }
  return { outcomes, writers, leaseFirstCall, leaseRegrants, dropped };
}
