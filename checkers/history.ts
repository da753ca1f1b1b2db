// What clients observed: the input of every checker. Times are virtual microseconds.
import type { EtcdErrorCode, EtcdRequest, EtcdResponse, WatchCreateRequest, WatchResponse } from "../core/mvcc/rpc.ts";

/**
 * One client operation. `return === null` means the outcome is unknown (timeout, lost connection):
 * it may take effect at any time after `call`, or never. A definite failure (the request was
 * rejected and had no effect, e.g. a read at a compacted revision) has a return time, `response`
 * null and `error` set.
 */
export interface EtcdOperation {
  /** Position in the history, 0-based. */
  id: number;
  client: number;
  call: number;
  return: number | null;
  request: EtcdRequest;
  response: EtcdResponse | null;
  error?: EtcdErrorCode;
}

/** One watch stream as a client saw it: the request and every response in arrival order. */
export interface WatchRecord {
  client: number;
  /** The member that served the stream. */
  member: string;
  watchId: number;
  call: number;
  request: WatchCreateRequest;
  responses: { time: number; response: WatchResponse }[];
  /**
   * An authenticating client's create went without a token: it had none yet (its Authenticate was
   * answered "authentication is not enabled" by a member that had not applied auth enable) or its old
   * one was refused and the new one not yet fetched. A member with auth off serves it to anyone.
   */
  tokenless?: true;
}

export interface History {
  operations: EtcdOperation[];
  watches: WatchRecord[];
}
