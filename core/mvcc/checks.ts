// The checks etcd's gRPC layer makes before a request is proposed (etcdserver/api/v3rpc/key.go):
// they depend only on the request, so any member may run them, and they never consume a revision.
import type { EtcdErrorCode, EtcdRequest, PutRequest, RequestOp, TxnRequest } from "./rpc.ts";
import { probesOf } from "../probes.ts";
import { MVCC_PROBES } from "./probes.ts";
import { RecentCache } from "../recent-cache.ts";

const probe = probesOf(MVCC_PROBES);

/** etcd's default --max-txn-ops. */
export const DEFAULT_MAX_TXN_OPS = 128;

/** The request-only checks of v3rpc: empty keys, ignore_* with a value/lease, too many ops, duplicate keys in a Txn. */
export function checkRequest(req: EtcdRequest, maxTxnOps = DEFAULT_MAX_TXN_OPS): EtcdErrorCode | undefined {
  switch (req.kind) {
    case "range":
      return req.range.key === "" ? "empty-key" : undefined;
    case "put":
      return checkPutRequest(req.put);
    case "deleteRange":
      return req.deleteRange.key === "" ? "empty-key" : undefined;
    case "txn":
      return checkTxn(req.txn, maxTxnOps);
    default:
      return undefined;
  }
}

export function checkPutRequest(r: PutRequest): EtcdErrorCode | undefined {
  if (r.key === "") return "empty-key";
  if (r.ignoreValue === true && (r.value ?? "") !== "") return "value-provided";
  if (r.ignoreLease === true && (r.lease ?? 0) !== 0) return "lease-provided";
  return undefined;
}

type TxnVerdict = { maxTxnOps: number; error: EtcdErrorCode | undefined };

/**
 * The verdict of checkTxn per request object: a replicated Txn is checked by the member that takes
 * it and again by every member that applies it, always the same object (entries travel by reference
 * and are never mutated), and the verdict depends only on the request and --max-txn-ops. Those checks
 * come within a short while of each other, so only the recently checked requests are kept (see RecentCache).
 */
export const TXN_VERDICT_GENERATION = 1024;
const txnVerdicts = new RecentCache<TxnRequest, TxnVerdict>(TXN_VERDICT_GENERATION);

/** Txn requests whose verdict is cached (for tests: at most 2 × TXN_VERDICT_GENERATION). */
export function cachedTxnVerdicts(): number {
  return txnVerdicts.size;
}

/** checkTxnRequest, then the duplicate-key check of each branch (kvServer.Txn). */
export function checkTxn(r: TxnRequest, maxTxnOps = DEFAULT_MAX_TXN_OPS): EtcdErrorCode | undefined {
  let v = txnVerdicts.get(r);
  if (v === undefined || v.maxTxnOps !== maxTxnOps) {
    v = { maxTxnOps, error: checkTxnUncached(r, maxTxnOps) };
    txnVerdicts.set(r, v);
  }
  // The probe counts every check that refuses, cached or not.
  if (v.error === "too-many-ops") probe("mvcc.txn-too-many-ops");
  return v.error;
}

function checkTxnUncached(r: TxnRequest, maxTxnOps: number): EtcdErrorCode | undefined {
  const err = checkTxnRequest(r, maxTxnOps);
  if (err !== undefined) return err;
  if (checkIntervals(r.success) === undefined) return "duplicate-key";
  if (checkIntervals(r.failure) === undefined) return "duplicate-key";
  return undefined;
}

function checkTxnRequest(r: TxnRequest, maxTxnOps: number): EtcdErrorCode | undefined {
  const opc = Math.max(r.compare.length, r.success.length, r.failure.length);
  if (opc > maxTxnOps) return "too-many-ops";
  for (const c of r.compare) if (c.key === "") return "empty-key";
  for (const op of r.success) {
    const err = checkRequestOp(op, maxTxnOps - opc);
    if (err !== undefined) return err;
  }
  for (const op of r.failure) {
    const err = checkRequestOp(op, maxTxnOps - opc);
    if (err !== undefined) return err;
  }
  return undefined;
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): EtcdErrorCode | undefined {
  if ("requestRange" in op) return op.requestRange.key === "" ? "empty-key" : undefined;
  if ("requestPut" in op) return checkPutRequest(op.requestPut);
  if ("requestDeleteRange" in op) return op.requestDeleteRange.key === "" ? "empty-key" : undefined;
  return checkTxnRequest(op.requestTxn, maxTxnOps);
}

/**
 * A delete's interval as etcd's adt interval tree holds it: [key, end), a point when end is
 * absent. etcd builds it from the raw range_end, so a "\0" end (meaning "every key >= key" when
 * executed) makes an empty interval here: a put under such a delete is NOT reported as a duplicate
 * by etcd 3.4 (checked against a real etcd in differential.test.ts).
 */
interface DeleteInterval {
  key: string;
  end: string | undefined;
}

function intersects(dels: readonly DeleteInterval[], k: string): boolean {
  for (const d of dels) {
    if (d.end === undefined ? k === d.key : k >= d.key && k < d.end) return true;
  }
  return false;
}

interface Writes {
  puts: Set<string>;
  dels: DeleteInterval[];
}

/**
 * etcd's checkIntervals: within one branch, no key is put twice and no put falls in a delete of the
 * same branch or of a nested Txn; the two branches of a nested Txn may put the same key (only one
 * runs). Overlapping deletes are allowed. Returns undefined on a duplicate.
 */
function checkIntervals(reqs: readonly RequestOp[]): Writes | undefined {
  // Fast path for the common shapes (CAS, single writes): no nesting and at most one delete.
  let nested = false;
  let deletes = 0;
  for (const r of reqs) {
    if ("requestTxn" in r) nested = true;
    else if ("requestDeleteRange" in r) deletes++;
  }
  if (!nested && deletes === 0) {
    const puts = new Set<string>();
    for (const r of reqs) {
      if (!("requestPut" in r)) continue;
      if (puts.has(r.requestPut.key)) return undefined;
      puts.add(r.requestPut.key);
    }
    return { puts, dels: [] };
  }

  const dels: DeleteInterval[] = [];
  for (const r of reqs) {
    if (!("requestDeleteRange" in r)) continue;
    const d = r.requestDeleteRange;
    dels.push({ key: d.key, end: d.rangeEnd === undefined || d.rangeEnd === "" ? undefined : d.rangeEnd });
  }
  const puts = new Set<string>();
  for (const r of reqs) {
    if (!("requestTxn" in r)) continue;
    const then = checkIntervals(r.requestTxn.success);
    if (then === undefined) return undefined;
    const otherwise = checkIntervals(r.requestTxn.failure);
    if (otherwise === undefined) return undefined;
    for (const k of then.puts) {
      if (puts.has(k) || intersects(dels, k)) return undefined;
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      // The same key in both branches of one nested Txn is fine: only one branch runs.
      if (puts.has(k) && !then.puts.has(k)) return undefined;
      if (intersects(dels, k)) return undefined;
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const r of reqs) {
    if (!("requestPut" in r)) continue;
    const k = r.requestPut.key;
    if (puts.has(k) || intersects(dels, k)) return undefined;
    puts.add(k);
  }
  return { puts, dels };
}
