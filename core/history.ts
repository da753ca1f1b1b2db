// The client history is the checkers' input vocabulary (checkers/history.ts); the simulated client
// (etcd/client.ts) records in it, so core names it here, type-only: nothing above core runs in core.
export type { EtcdOperation, History, WatchRecord } from "../checkers/history.ts";
