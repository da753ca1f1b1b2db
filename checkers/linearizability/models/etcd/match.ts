// Whether an actual etcd response is the one the model expects. Compared: header revisions at the
// top level, key-values with all their fields, counts, `more`, deleted counts, prev kvs, Txn
// branches, lease IDs. Not compared: raft terms, member IDs, TTLs, inner headers of Txn responses.
// Keys sorted by a target other than KEY may come in any order among equal targets (etcd sorts
// with an unstable sort), and a limit may cut such a tie anywhere.

import type {
  DeleteRangeResponse,
  EtcdResponse,
  KeyValue,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  EtcdRequest,
} from "../../../../core/mvcc/rpc.ts";
import { effectiveSort, sortValue, type ExpectedRange } from "./apply.ts";
import { sameKeyValue } from "./state.ts";

function sameKvList(a: readonly KeyValue[], b: readonly KeyValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameKeyValue(a[i]!, b[i]!)) return false;
  return true;
}

function sameOptionalKv(a: KeyValue | undefined, b: KeyValue | undefined): boolean {
  if (!a || !b) return !a && !b;
  return sameKeyValue(a, b);
}

export function rangeMatches(req: RangeRequest, expected: ExpectedRange, actual: RangeResponse): boolean {
  if (actual.count !== expected.count || actual.more !== expected.more) return false;
  if (actual.kvs.length !== expected.kvs.length) return false;
  const { target, order } = effectiveSort(req);
  if (target === "KEY" || order === "NONE") return sameKvList(expected.kvs, actual.kvs);
  // Ties: the sequence of sort values must agree, and each actual pair must be a real, distinct one.
  const candidates = new Map<string, KeyValue>();
  for (const kv of expected.tieCandidates ?? []) candidates.set(kv.key, kv);
  for (const kv of expected.kvs) candidates.set(kv.key, kv);
  const seen = new Set<string>();
  for (let i = 0; i < actual.kvs.length; i++) {
    const a = actual.kvs[i]!;
    if (sortValue(a, target) !== sortValue(expected.kvs[i]!, target)) return false;
    if (seen.has(a.key)) return false;
    seen.add(a.key);
    const e = candidates.get(a.key);
    if (!e || !sameKeyValue(e, a)) return false;
  }
  return true;
}

function putMatches(expected: PutResponse, actual: PutResponse): boolean {
  return sameOptionalKv(expected.prevKv, actual.prevKv);
}

function deleteMatches(expected: DeleteRangeResponse, actual: DeleteRangeResponse): boolean {
  return actual.deleted === expected.deleted && sameKvList(expected.prevKvs, actual.prevKvs ?? []);
}

function txnMatches(req: TxnRequest, expected: TxnResponse, actual: TxnResponse): boolean {
  if (actual.succeeded !== expected.succeeded) return false;
  const ops: RequestOp[] = expected.succeeded ? req.success : req.failure;
  if (actual.responses.length !== expected.responses.length) return false;
  for (let i = 0; i < ops.length; i++) {
    if (!responseOpMatches(ops[i]!, expected.responses[i]!, actual.responses[i]!)) return false;
  }
  return true;
}

function responseOpMatches(op: RequestOp, e: ResponseOp, a: ResponseOp): boolean {
  if ("requestRange" in op)
    return (
      "responseRange" in e && "responseRange" in a && rangeMatches(op.requestRange, e.responseRange, a.responseRange)
    );
  if ("requestPut" in op) return "responsePut" in e && "responsePut" in a && putMatches(e.responsePut, a.responsePut);
  if ("requestDeleteRange" in op) {
    return (
      "responseDeleteRange" in e &&
      "responseDeleteRange" in a &&
      deleteMatches(e.responseDeleteRange, a.responseDeleteRange)
    );
  }
  return "responseTxn" in e && "responseTxn" in a && txnMatches(op.requestTxn, e.responseTxn, a.responseTxn);
}

/** Compares a whole response (the expected one as `applyRequest` builds it). */
export function responseMatches(req: EtcdRequest, expected: EtcdResponse, actual: EtcdResponse): boolean {
  if (expected.kind !== actual.kind) return false;
  switch (expected.kind) {
    case "range": {
      const a = (actual as typeof expected).range;
      return (
        a.header.revision === expected.range.header.revision &&
        req.kind === "range" &&
        rangeMatches(req.range, expected.range, a)
      );
    }
    case "put": {
      const a = (actual as typeof expected).put;
      return a.header.revision === expected.put.header.revision && putMatches(expected.put, a);
    }
    case "deleteRange": {
      const a = (actual as typeof expected).deleteRange;
      return a.header.revision === expected.deleteRange.header.revision && deleteMatches(expected.deleteRange, a);
    }
    case "txn": {
      const a = (actual as typeof expected).txn;
      return (
        req.kind === "txn" && a.header.revision === expected.txn.header.revision && txnMatches(req.txn, expected.txn, a)
      );
    }
    case "compact":
      return (actual as typeof expected).compact.header.revision === expected.compact.header.revision;
    case "leaseGrant":
      return (actual as typeof expected).leaseGrant.ID === expected.leaseGrant.ID;
    case "leaseRevoke":
      return (actual as typeof expected).leaseRevoke.header.revision === expected.leaseRevoke.header.revision;
    case "leaseKeepAlive":
      return (actual as typeof expected).leaseKeepAlive.TTL > 0;
    case "leaseTimeToLive":
      return false; // never modelled: prepare drops every TimeToLive (outcomeOf)
  }
}
