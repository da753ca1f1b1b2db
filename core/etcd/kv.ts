// The client-side view of etcd that higher layers (the Kubernetes registry, workloads) program
// against. Callbacks, not Promises: a Promise continuation would run after the scheduler's loop,
// at the wrong virtual time. Expected failures are values.
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  EtcdErrorCode,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from "../mvcc/rpc.ts";

/**
 * ok: the response. A definite error (`unknown: false`) had no effect (e.g. compacted revision).
 * `unknown: true` (timeout, lost connection) may or may not have taken effect.
 */
export type KvResult<T> = { ok: true; value: T } | { ok: false; error: EtcdErrorCode; unknown: boolean };

export type Callback<T> = (r: KvResult<T>) => void;

export interface WatchHandle {
  readonly watchId: number;
  cancel(): void;
  /** clientv3's RequestProgress: asks the member for a progress notification now (optional: not every KV can). */
  requestProgress?(): void;
}

export interface KV {
  range(req: RangeRequest, cb: Callback<RangeResponse>): void;
  put(req: PutRequest, cb: Callback<PutResponse>): void;
  deleteRange(req: DeleteRangeRequest, cb: Callback<DeleteRangeResponse>): void;
  txn(req: TxnRequest, cb: Callback<TxnResponse>): void;
  compact(req: CompactionRequest, cb: Callback<CompactionResponse>): void;
  leaseGrant(req: LeaseGrantRequest, cb: Callback<LeaseGrantResponse>): void;
  leaseRevoke(req: LeaseRevokeRequest, cb: Callback<LeaseRevokeResponse>): void;
  leaseKeepAlive(req: LeaseKeepAliveRequest, cb: Callback<LeaseKeepAliveResponse>): void;
  /** LeaseTimeToLive: the lease's remaining TTL as the leader's lessor counts it (TTL -1: no such lease). Optional: not every KV serves it. */
  leaseTimeToLive?(req: LeaseTimeToLiveRequest, cb: Callback<LeaseTimeToLiveResponse>): void;
  /**
   * Opens a watch stream. Every response (created, events, progress, canceled) goes to onResponse in
   * order. If the stream breaks (member crash, partition), onResponse receives a response with
   * `canceled: true` and `cancelReason` "stream broken"; the caller re-watches from its last revision + 1.
   */
  watch(req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle;
}
