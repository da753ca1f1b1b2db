// etcd's space quota (--quota-backend-bytes), after server/etcdserver/quota.go and the bbolt backend:
// a write is admitted only while the backend's *physical* size plus the request's cost stays under the
// quota. The size is the bbolt file's: compaction frees pages inside it, which later writes reuse, but
// the file never shrinks — only a defragmentation rewrites it to the live data. So after a NOSPACE
// alarm, compaction alone does not make room: defrag does, and `alarm disarm` lifts the alarm.
//
// The size model is deterministic and need not match bbolt byte for byte: every stored version of a key
// costs KV_OVERHEAD + key + value bytes (as etcd's cost function counts a put), on top of a fixed base.
import type { BugSet } from "../bugs.ts";
import type { EtcdRequest, RequestOp } from "../mvcc/rpc.ts";
import type { MvccSnapshot } from "../mvcc/store.ts";

/** etcd's kvOverhead: the bytes a put costs beyond its key and value. */
export const KV_OVERHEAD = 256;
/** etcd's leaseOverhead: what a LeaseGrant costs. */
export const LEASE_OVERHEAD = 64;
/** The size of an empty backend (bbolt's meta pages and etcd's buckets; a fresh etcd 3.4 db is ~20 KiB). */
export const BACKEND_BASE_BYTES = 20_480;

/**
 * etcd's Quota.Cost: what a request may add to the backend (0 for reads and deletes). A Txn costs its
 * costlier branch, nested Txns included (etcd #22134: a nested Txn's puts cost nothing before, so they
 * passed the quota and the NOSPACE applier); `nested` false is that older cost, for the mutant.
 */
export function requestCost(req: EtcdRequest, nested = true): number {
  switch (req.kind) {
    case "put":
      return KV_OVERHEAD + req.put.key.length + req.put.value.length;
    case "txn":
      return txnCost(req.txn, nested);
    case "leaseGrant":
      return LEASE_OVERHEAD;
    default:
      return 0;
  }
}

/** etcd's costTxnReq: the costlier branch, its puts and (since #22134) its nested Txns' costs. */
function txnCost(txn: { success: readonly RequestOp[]; failure: readonly RequestOp[] }, nested: boolean): number {
  const branch = (ops: readonly RequestOp[]): number => {
    let n = 0;
    for (const op of ops)
      if ("requestPut" in op) n += KV_OVERHEAD + op.requestPut.key.length + op.requestPut.value.length;
      else if (nested && "requestTxn" in op) n += txnCost(op.requestTxn, nested);
    return n;
  };
  return Math.max(branch(txn.success), branch(txn.failure));
}

/** The requests etcd's quota guards: Put, Txn and LeaseGrant (its quotaKVServer and quotaLeaseServer). */
export function quotaGuarded(req: EtcdRequest, bugs?: BugSet): boolean {
  // The mutant guards Put and LeaseGrant only: a Txn's puts pass the quota, and the capped applier too.
  if (req.kind === "txn") return bugs?.has("etcd-quota-txn-unguarded") !== true;
  return req.kind === "put" || req.kind === "leaseGrant";
}

/**
 * etcd's backendQuota.Available: size + cost < quota. A request that writes nothing (a read-only or
 * delete-only Txn) passes even when the backend is full (etcd #13429, in 3.4 since #14254).
 */
export function available(sizeBytes: number, cost: number, quotaBytes: number): boolean {
  return cost === 0 || sizeBytes + cost < quotaBytes;
}

/** The versions a store retains (every stored version of every key) and their keys' and values' lengths. */
export function retainedVersions(s: MvccSnapshot): { versions: number; bytes: number } {
  let versions = 0;
  let bytes = 0;
  for (const k of s.keys)
    for (const c of k.changes) {
      versions++;
      bytes += k.key.length + c[4].length;
    }
  return { versions, bytes };
}

/** The bytes retained versions take in the backend: its live data. */
export function liveBytes(r: { versions: number; bytes: number }): number {
  return BACKEND_BASE_BYTES + r.versions * KV_OVERHEAD + r.bytes;
}

/**
 * One member's backend file: `live` bytes of data in `size` bytes of file. Writes add to live and grow
 * the file only past its high-water mark (freed pages are reused first); compaction lowers live;
 * defragmentation shrinks the file to live.
 */
export class BackendSize {
  live = BACKEND_BASE_BYTES;
  size: number;

  /**
   * `fileBytes`: the file's length on disk at (re)start — a restarted member's file is as long as it was
   * (0: a new file). `resized`: called with each new length, to keep it on disk.
   */
  constructor(
    fileBytes = 0,
    private readonly resized: (bytes: number) => void = () => {},
  ) {
    this.size = Math.max(BACKEND_BASE_BYTES, fileBytes);
  }

  /** A committed revision wrote these versions. */
  onWrite(bytes: number): void {
    this.live += bytes;
    if (this.live > this.size) this.grow();
  }

  /** After a compaction (or a restore): the live data is recounted; the file keeps its size. */
  recount(liveBytes: number): void {
    this.live = liveBytes;
    if (this.live > this.size) this.grow();
  }

  /** Defragment: the file is rewritten with the live data only. */
  defragment(): void {
    this.size = this.live;
    this.resized(this.size);
  }

  private grow(): void {
    this.size = this.live;
    this.resized(this.size);
  }
}
