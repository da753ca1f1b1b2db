// The public face of core/mvcc: the store, its lessor, the watch hub and the request checks.
export { MvccStore, isEtcdError, isTxnReadonly } from "./store.ts";
export type { ApplyContext, CommitListener, HashKVResult, MvccSnapshot, StoreOptions } from "./store.ts";
export { Lessor, MAX_LEASE_TTL, FOREVER } from "./lease.ts";
export type { Lease, LessorOptions, LessorSnapshot } from "./lease.ts";
export { WatchHub, WatchStream } from "./watch.ts";
export type { WatchHubOptions, WatchSend } from "./watch.ts";
export { checkRequest, checkTxn, checkPutRequest, DEFAULT_MAX_TXN_OPS } from "./checks.ts";
export { prefixEnd, normalizeRangeEnd, inRange } from "./keys.ts";
export { Change } from "./key-history.ts";
