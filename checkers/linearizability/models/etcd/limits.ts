// The limits a cluster is configured with, as the etcd model judges refusals by them: --max-txn-ops
// (v3rpc's checkTxnRequest, restated in apply.ts) and --max-request-bytes (etcdserver refuses a
// proposal whose encoding is longer, "etcdserver: request is too large"). A history file does not say
// them; the scenarios do, and the real harness starts etcd with its defaults.
//
// The size is etcd's protobuf encoding of the proposal; the simulated etcd measures a request's JSON.
// The model needs neither exactly: it judges by bounds that hold for both. A request whose keys and
// values alone are past the limit must be refused; one whose whole JSON, in UTF-8, with room for the
// header etcd adds, fits must not be; in between the refusal is taken on trust.

import type { EtcdRequest, RequestOp, TxnRequest } from "../../../../core/mvcc/rpc.ts";

export interface EtcdLimits {
  /** --max-txn-ops: the longest of a Txn's compares and branches. */
  maxTxnOps?: number;
  /** --max-request-bytes: the encoded size of a request that goes through Raft. */
  maxRequestBytes?: number;
}

/**
 * Room for what etcd's proposal carries besides the request (InternalRaftRequest's ID and header:
 * a request ID, the user name, the auth revision, their tags and lengths).
 */
const HEADER_BYTES = 128;

/** Whether etcd measures the request: what it proposes through Raft (not a Range, nor a Txn of Ranges only). */
export function isProposed(request: EtcdRequest): boolean {
  switch (request.kind) {
    case "range":
    case "leaseKeepAlive":
      return false;
    case "txn":
      // etcd's IsTxnReadonly: only Ranges (a nested Txn is proposed).
      return !(request.txn.success.every(isRange) && request.txn.failure.every(isRange));
    default:
      return true;
  }
}

const isRange = (op: RequestOp): boolean => "requestRange" in op;

/**
 * A lower bound on the request's encoded size in any encoding: the length of its keys, values and
 * range ends (every encoding carries them; a UTF-16 unit is at least one byte of UTF-8).
 */
export function sizeAtLeast(request: EtcdRequest): number {
  switch (request.kind) {
    case "put":
      return request.put.key.length + (request.put.value?.length ?? 0);
    case "deleteRange":
      return request.deleteRange.key.length + (request.deleteRange.rangeEnd?.length ?? 0);
    case "txn":
      return txnStrings(request.txn);
    default:
      return 0;
  }
}

function txnStrings(txn: TxnRequest): number {
  let n = 0;
  for (const c of txn.compare) n += c.key.length + (c.rangeEnd?.length ?? 0) + (c.value?.length ?? 0);
  for (const ops of [txn.success, txn.failure])
    for (const op of ops) {
      if ("requestPut" in op) n += op.requestPut.key.length + (op.requestPut.value?.length ?? 0);
      else if ("requestDeleteRange" in op)
        n += op.requestDeleteRange.key.length + (op.requestDeleteRange.rangeEnd?.length ?? 0);
      else if ("requestRange" in op) n += op.requestRange.key.length + (op.requestRange.rangeEnd?.length ?? 0);
      else n += txnStrings(op.requestTxn);
    }
  return n;
}

/**
 * An upper bound on the size of what etcd proposes for the request: its JSON in UTF-8 (field names,
 * quotes and enum names outweigh protobuf's tags, lengths and enum numbers) and room for the header.
 */
export function sizeAtMost(request: EtcdRequest): number {
  return Buffer.byteLength(JSON.stringify(request), "utf8") + HEADER_BYTES;
}

/** "request-too-large" if the request must be refused for its size (when the limit is known). */
export function sizeError(request: EtcdRequest, limits: EtcdLimits | undefined): "request-too-large" | undefined {
  const max = limits?.maxRequestBytes;
  return max !== undefined && isProposed(request) && sizeAtLeast(request) > max ? "request-too-large" : undefined;
}

/** Whether a refusal as too large is wrong: the request fits in every encoding, or is not measured at all. */
export function mustFit(request: EtcdRequest, maxRequestBytes: number): boolean {
  return !isProposed(request) || sizeAtMost(request) <= maxRequestBytes;
}
