// The keys a request reads or writes (or may write), as half-open spans of the keyspace: what the guessed linearization
// (witness.ts) asks when an operation is illegal in the state it reached. Only an earlier choice that
// wrote one of those keys can have made it illegal, so that is the choice to revise (backjumping), not
// merely the latest one.
import type {
  EtcdRequest,
  KeyValue,
  RangeRequest,
  RangeResponse,
  RequestOp,
  TxnRequest,
} from "../../../../core/mvcc/rpc.ts";
import { keysInRange } from "./apply.ts";

/** Keys from `start` up to (not including) `end`; `end` undefined: every key from `start` on. */
export interface KeySpan {
  start: string;
  end: string | undefined;
}

/** The span of one key. */
export function keySpan(key: string): KeySpan {
  return { start: key, end: `${key}\0` };
}

/** The span of one key, or of a range in etcd's spelling (rangeEnd "\0": every key from `key` on). */
function spanOf(key: string, rangeEnd: string | undefined): KeySpan {
  if (rangeEnd === undefined || rangeEnd === "") return keySpan(key);
  return { start: key, end: rangeEnd === "\0" ? undefined : rangeEnd };
}

function fromTxn(txn: TxnRequest, out: KeySpan[]): boolean {
  for (const c of txn.compare) out.push(spanOf(c.key, c.rangeEnd));
  return fromOps(txn.success, out) && fromOps(txn.failure, out);
}

function fromOps(ops: readonly RequestOp[], out: KeySpan[]): boolean {
  for (const op of ops) {
    if ("requestRange" in op) out.push(spanOf(op.requestRange.key, op.requestRange.rangeEnd));
    else if ("requestPut" in op) {
      if (dependsOnLease(op.requestPut)) return false;
      out.push(spanOf(op.requestPut.key, undefined));
    } else if ("requestDeleteRange" in op) out.push(spanOf(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd));
    else if (!fromTxn(op.requestTxn, out)) return false;
  }
  return true;
}

/** A put whose legality or effect hangs on a lease (which fillers may change without touching its key). */
function dependsOnLease(put: { lease?: number; ignoreLease?: boolean }): boolean {
  return (put.lease ?? 0) !== 0 || put.ignoreLease === true;
}

/** A plain Range, Put or DeleteRange as the request op a Txn would carry; undefined for the rest. */
function asOp(request: EtcdRequest): RequestOp | undefined {
  if (request.kind === "range") return { requestRange: request.range };
  if (request.kind === "put") return { requestPut: request.put };
  if (request.kind === "deleteRange") return { requestDeleteRange: request.deleteRange };
  return undefined;
}

/**
 * The spans a request reads or writes (compares, ranges, puts, deletes, nested Txns included), or
 * undefined if what it does hangs on more than the contents of some keys: a lease's state, a compaction.
 */
export function keySpansOf(request: EtcdRequest): KeySpan[] | undefined {
  const out: KeySpan[] = [];
  if (request.kind === "txn") return fromTxn(request.txn, out) ? out : undefined;
  const op = asOp(request);
  return op !== undefined && fromOps([op], out) ? out : undefined;
}

/**
 * The keys a listing of the current store showed otherwise than `kvs` holds them (missing, extra, or of
 * another modRevision), as spans; undefined where the listing cannot say (an old revision, a count, a
 * filter or an order that leaves keys out), and empty where it shows nothing amiss.
 */
export function keysShownOtherwise(
  kvs: ReadonlyMap<string, KeyValue>,
  req: RangeRequest,
  resp: RangeResponse,
): KeySpan[] | undefined {
  if ((req.revision ?? 0) > 0 || req.countOnly) return undefined;
  const out: KeySpan[] = [];
  const shown = new Set<string>();
  for (const kv of resp.kvs) {
    shown.add(kv.key);
    if (kvs.get(kv.key)?.modRevision !== kv.modRevision) out.push(spanOf(kv.key, undefined));
  }
  // A listing that may leave keys out shows only what it shows.
  const whole =
    !resp.more &&
    (req.limit ?? 0) <= 0 &&
    req.minModRevision === undefined &&
    req.maxModRevision === undefined &&
    req.minCreateRevision === undefined &&
    req.maxCreateRevision === undefined;
  if (whole)
    for (const kv of keysInRange(kvs, req.key, req.rangeEnd))
      if (!shown.has(kv.key)) out.push(spanOf(kv.key, undefined));
  return out;
}

/** Appends the spans the ops may write: puts and deletes, in both branches of nested Txns. */
function writesOf(ops: readonly RequestOp[], out: KeySpan[]): void {
  for (const op of ops) {
    if ("requestPut" in op) out.push(spanOf(op.requestPut.key, undefined));
    else if ("requestDeleteRange" in op) out.push(spanOf(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd));
    else if ("requestTxn" in op) {
      writesOf(op.requestTxn.success, out);
      writesOf(op.requestTxn.failure, out);
    }
  }
}

/**
 * The spans a request may write (puts and deletes, in either branch of a Txn, nested ones included), or
 * undefined if it may delete keys it does not name (a lease revoke) or is not a key-value request.
 */
export function writeSpansOf(request: EtcdRequest): KeySpan[] | undefined {
  const out: KeySpan[] = [];
  if (request.kind === "txn") {
    writesOf(request.txn.success, out);
    writesOf(request.txn.failure, out);
    return out;
  }
  const op = asOp(request);
  if (op === undefined) return undefined;
  writesOf([op], out);
  return out;
}

/** Whether two lists of spans share a key. */
export function spansOverlap(a: readonly KeySpan[], b: readonly KeySpan[]): boolean {
  for (const x of a)
    for (const y of b)
      if ((y.end === undefined || x.start < y.end) && (x.end === undefined || y.start < x.end)) return true;
  return false;
}
