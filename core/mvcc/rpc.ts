// Requests and responses shaped after etcd's api/etcdserverpb/rpc.proto and mvccpb/kv.proto, in
// camelCase. Keys and values are strings; revisions, versions and lease IDs are plain numbers (< 2^53
// inside the simulation; the differential tests convert etcd's int64 strings).

export interface ResponseHeader {
  /** The store's revision after the request (a Range reports the current revision, not the one it read at). */
  revision: number;
  raftTerm: number;
  memberId?: string;
}

export interface KeyValue {
  key: string;
  createRevision: number;
  modRevision: number;
  version: number;
  value: string;
  /** 0 = no lease. */
  lease: number;
}

export type SortOrder = "NONE" | "ASCEND" | "DESCEND";
export type SortTarget = "KEY" | "VERSION" | "CREATE" | "MOD" | "VALUE";

export interface RangeRequest {
  key: string;
  /** Absent: a point read. "\0": every key >= key. Otherwise [key, rangeEnd). */
  rangeEnd?: string;
  limit?: number;
  /** <= 0 or absent: the latest revision. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  /** Skips the linearizable (ReadIndex) step. */
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}
export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface PutRequest {
  key: string;
  value: string;
  lease?: number;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}
export interface PutResponse {
  header: ResponseHeader;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: string;
  rangeEnd?: string;
  prevKv?: boolean;
}
export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prevKvs: KeyValue[];
}

export type CompareTarget = "VERSION" | "CREATE" | "MOD" | "VALUE" | "LEASE";
export type CompareResult = "EQUAL" | "GREATER" | "LESS" | "NOT_EQUAL";
/** One compare; exactly the field named by `target` is read (proto's target_union). */
export interface Compare {
  key: string;
  rangeEnd?: string;
  target: CompareTarget;
  result: CompareResult;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: string;
  lease?: number;
}

export type RequestOp =
  | { requestRange: RangeRequest }
  | { requestPut: PutRequest }
  | { requestDeleteRange: DeleteRangeRequest }
  | { requestTxn: TxnRequest };
export type ResponseOp =
  | { responseRange: RangeResponse }
  | { responsePut: PutResponse }
  | { responseDeleteRange: DeleteRangeResponse }
  | { responseTxn: TxnResponse };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}
export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  physical?: boolean;
}
export interface CompactionResponse {
  header: ResponseHeader;
}

export interface LeaseGrantRequest {
  TTL: number;
  /** 0 or absent: the server picks. */
  ID?: number;
}
export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
}
export interface LeaseRevokeRequest {
  ID: number;
}
export interface LeaseRevokeResponse {
  header: ResponseHeader;
}
export interface LeaseKeepAliveRequest {
  ID: number;
}
export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
}

export interface LeaseTimeToLiveRequest {
  ID: number;
  /** Also list the keys attached to the lease. */
  keys?: boolean;
}
export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  ID: number;
  /** Remaining seconds; -1 when the lease does not exist. */
  TTL: number;
  grantedTTL: number;
  keys: string[];
}

/** etcd's error kinds, with the server's message text kept alongside. */
export type EtcdErrorCode =
  | "compacted" // mvcc: required revision has been compacted
  | "future-revision" // mvcc: required revision is a future revision
  | "key-not-found" // etcdserver: key not found (ignore_value/ignore_lease on a missing key)
  | "lease-not-found" // etcdserver: requested lease not found
  | "duplicate-key" // etcdserver: duplicate key given in txn request
  | "empty-key" // etcdserver: key is not provided
  | "too-many-ops" // etcdserver: too many operations in txn request
  | "lease-exists" // etcdserver: lease already exists
  | "not-leader" // etcdserver: not leader (a member-side rejection; retried by clients)
  | "no-leader" // etcdserver: no leader
  | "timeout" // etcdserver: request timed out (outcome unknown)
  | "stopped" // etcdserver: server stopped
  | "not-supported-for-learner" // etcdserver: rpc not supported for learner
  | "value-provided" // etcdserver: value is provided (ignore_value with a value)
  | "lease-provided" // etcdserver: lease is provided (ignore_lease with a lease)
  | "lease-ttl-too-large" // etcdserver: too large lease TTL
  | "request-too-large" // etcdserver: request is too large (--max-request-bytes, checked before proposing)
  | "no-space" // etcdserver: mvcc: database space exceeded (--quota-backend-bytes; the NOSPACE alarm)
  // Auth (core/etcd/auth.ts): every one is definite — the request had no effect.
  | "permission-denied"
  | "invalid-auth-token"
  | "user-empty"
  | "auth-old-revision"
  | "auth-failed"
  | "auth-not-enabled"
  | "root-user-not-exist"
  | "root-role-not-exist"
  | "user-already-exist"
  | "user-not-found"
  | "role-already-exist"
  | "role-not-found"
  | "role-empty"
  | "role-not-granted"
  | "permission-not-granted"
  | "invalid-auth-mgmt";

/** etcd's auth refusals: each proves the request had no effect (refused before or at apply). */
export const AUTH_ERRORS = [
  "permission-denied",
  "invalid-auth-token",
  "user-empty",
  "auth-old-revision",
  "auth-failed",
  "auth-not-enabled",
  "root-user-not-exist",
  "root-role-not-exist",
  "user-already-exist",
  "user-not-found",
  "role-already-exist",
  "role-not-found",
  "role-empty",
  "role-not-granted",
  "permission-not-granted",
  "invalid-auth-mgmt",
] as const satisfies readonly EtcdErrorCode[];

export const ERROR_MESSAGES: Record<EtcdErrorCode, string> = {
  compacted: "etcdserver: mvcc: required revision has been compacted",
  "future-revision": "etcdserver: mvcc: required revision is a future revision",
  "key-not-found": "etcdserver: key not found",
  "lease-not-found": "etcdserver: requested lease not found",
  "duplicate-key": "etcdserver: duplicate key given in txn request",
  "empty-key": "etcdserver: key is not provided",
  "too-many-ops": "etcdserver: too many operations in txn request",
  "lease-exists": "etcdserver: lease already exists",
  "not-leader": "etcdserver: not leader",
  "no-leader": "etcdserver: no leader",
  timeout: "etcdserver: request timed out",
  stopped: "etcdserver: server stopped",
  "not-supported-for-learner": "etcdserver: rpc not supported for learner",
  "value-provided": "etcdserver: value is provided",
  "lease-provided": "etcdserver: lease is provided",
  "lease-ttl-too-large": "etcdserver: too large lease TTL",
  "request-too-large": "etcdserver: request is too large",
  "no-space": "etcdserver: mvcc: database space exceeded",
  "permission-denied": "etcdserver: permission denied",
  "invalid-auth-token": "etcdserver: invalid auth token",
  "user-empty": "etcdserver: user name is empty",
  "auth-old-revision": "etcdserver: revision of auth store is old",
  "auth-failed": "etcdserver: authentication failed, invalid user ID or password",
  "auth-not-enabled": "etcdserver: authentication is not enabled",
  "root-user-not-exist": "etcdserver: root user does not exist",
  "root-role-not-exist": "etcdserver: root user does not have root role",
  "user-already-exist": "etcdserver: user name already exists",
  "user-not-found": "etcdserver: user name not found",
  "role-already-exist": "etcdserver: role name already exists",
  "role-not-found": "etcdserver: role name not found",
  "role-empty": "etcdserver: role name is empty",
  "role-not-granted": "etcdserver: role is not granted to the user",
  "permission-not-granted": "etcdserver: permission is not granted to the role",
  "invalid-auth-mgmt": "etcdserver: invalid auth management",
};

export interface EtcdError {
  error: EtcdErrorCode;
}

// ---- Watch (rpc.proto WatchCreateRequest / WatchResponse, mvccpb.Event) ----

export type WatchFilter = "NOPUT" | "NODELETE";
export interface WatchCreateRequest {
  key: string;
  rangeEnd?: string;
  /** Inclusive; 0 or absent = from the next revision. */
  startRevision?: number;
  progressNotify?: boolean;
  filters?: WatchFilter[];
  prevKv?: boolean;
}
export interface Event {
  type: "PUT" | "DELETE";
  /** For DELETE: the key with modRevision = the deletion's revision (other fields zero). */
  kv: KeyValue;
  prevKv?: KeyValue;
}
export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  created?: boolean;
  canceled?: boolean;
  /** Set when the watch was cancelled because its start revision was compacted. */
  compactRevision?: number;
  cancelReason?: string;
  events: Event[];
}

// ---- Requests and responses as one tagged union, for histories ----

export type EtcdRequest =
  | { kind: "range"; range: RangeRequest }
  | { kind: "put"; put: PutRequest }
  | { kind: "deleteRange"; deleteRange: DeleteRangeRequest }
  | { kind: "txn"; txn: TxnRequest }
  | { kind: "compact"; compact: CompactionRequest }
  | { kind: "leaseGrant"; leaseGrant: LeaseGrantRequest }
  | { kind: "leaseRevoke"; leaseRevoke: LeaseRevokeRequest }
  | { kind: "leaseKeepAlive"; leaseKeepAlive: LeaseKeepAliveRequest }
  | { kind: "leaseTimeToLive"; leaseTimeToLive: LeaseTimeToLiveRequest };

export type EtcdResponse =
  | { kind: "range"; range: RangeResponse }
  | { kind: "put"; put: PutResponse }
  | { kind: "deleteRange"; deleteRange: DeleteRangeResponse }
  | { kind: "txn"; txn: TxnResponse }
  | { kind: "compact"; compact: CompactionResponse }
  | { kind: "leaseGrant"; leaseGrant: LeaseGrantResponse }
  | { kind: "leaseRevoke"; leaseRevoke: LeaseRevokeResponse }
  | { kind: "leaseKeepAlive"; leaseKeepAlive: LeaseKeepAliveResponse }
  | { kind: "leaseTimeToLive"; leaseTimeToLive: LeaseTimeToLiveResponse };

/** The header every response carries. */
export function responseHeader(r: EtcdResponse): ResponseHeader {
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
    case "leaseGrant":
      return r.leaseGrant.header;
    case "leaseRevoke":
      return r.leaseRevoke.header;
    case "leaseKeepAlive":
      return r.leaseKeepAlive.header;
    case "leaseTimeToLive":
      return r.leaseTimeToLive.header;
  }
}

/** The revision a key-writing response (Put, DeleteRange, Txn) reports; undefined for other kinds. */
export function writeRevision(r: EtcdResponse): number | undefined {
  return r.kind === "put" || r.kind === "deleteRange" || r.kind === "txn" ? responseHeader(r).revision : undefined;
}
