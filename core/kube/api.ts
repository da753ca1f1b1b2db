// The request/response protocol between controllers and apiservers over the simulated network, and
// the Status values the Kubernetes API answers with. Expected failures are values (a Conflict, a
// Gone, a Timeout whose outcome is unknown); only bugs throw.
import type { Kind, KubeObject, PropagationPolicy } from "./types.ts";

export type StatusReason =
  | "NotFound" // 404
  | "Forbidden" // 403: refused by admission (e.g. "exceeded quota")
  | "AlreadyExists" // 409
  | "Conflict" // 409: the resourceVersion precondition failed
  | "Gone" // 410: "too old resource version" (watch) or an expired continue token (list)
  | "Invalid" // 422
  | "Timeout" // 504: the apiserver (or the client) gave up; the write may or may not have happened
  | "InternalError" // 500
  | "StreamBroken"; // the watch stream stopped (apiserver crash, partition); re-watch from the last revision

export interface ApiStatus {
  code: number;
  reason: StatusReason;
  message: string;
  /** True when a write may have taken effect anyway (timeouts, lost connections). */
  unknown: boolean;
}

/** `accepted`: a delete that left the object in place, terminating (HTTP 202: a grace period or finalizers). */
export type ApiResult<T> = { ok: true; value: T; accepted?: true } | { ok: false; status: ApiStatus };

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  Forbidden: 403,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Invalid: 422,
  Timeout: 504,
  InternalError: 500,
  StreamBroken: 500,
};

export function status(reason: StatusReason, message: string, unknown = false): ApiStatus {
  return { code: CODES[reason], reason, message, unknown };
}

export function fail<T>(reason: StatusReason, message: string, unknown = false): ApiResult<T> {
  return { ok: false, status: status(reason, message, unknown) };
}

export interface ListResult {
  items: KubeObject[];
  /** The revision every page was read at. */
  resourceVersion: string;
  /** Present when more pages follow. */
  continue?: string;
}

/** Preconditions of a delete (the object must still be this one). */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export type ApiRequest =
  | { verb: "get"; kind: Kind; namespace?: string; name: string }
  /**
   * resourceVersion as Kubernetes reads it on a list: absent or "" the most recent state (a quorum read
   * from etcd), "0" any state (the apiserver's watch cache as it is), "N" a state not older than N. An
   * apiserver without a watch cache reads etcd for all three.
   */
  | { verb: "list"; kind: Kind; namespace?: string; limit?: number; continue?: string; resourceVersion?: string }
  | { verb: "create"; object: KubeObject }
  /** Replaces the object; its resourceVersion is the precondition (absent: unconditional). */
  | { verb: "update"; object: KubeObject; subresource?: "status" }
  /** A JSON merge patch (RFC 7386), applied by the apiserver inside GuaranteedUpdate. */
  | { verb: "patch"; kind: Kind; namespace?: string; name: string; patch: unknown; subresource?: "status" }
  /**
   * gracePeriodSeconds as DeleteOptions carries it: absent, the object's default (a pod's
   * terminationGracePeriodSeconds); 0, at once. A graceful delete answers the object, now terminating.
   */
  | {
      verb: "delete";
      kind: Kind;
      namespace?: string;
      name: string;
      preconditions?: Preconditions;
      gracePeriodSeconds?: number;
      /** Absent: Background. */
      propagationPolicy?: PropagationPolicy;
    };

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export type WatchEvent =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: KubeObject }
  /** Every event at or below resourceVersion has been sent (etcd's progress notification). */
  | { type: "BOOKMARK"; resourceVersion: string }
  /** The stream ends (410 Gone after compaction, or a broken stream). */
  | { type: "ERROR"; status: ApiStatus };

// ---- messages on the simulated network ----

export interface KubeRequestMsg {
  type: "kube-req";
  id: string;
  req: ApiRequest;
}
export interface KubeResponseMsg {
  type: "kube-resp";
  id: string;
  result: ApiResult<unknown>;
}
export interface KubeWatchMsg {
  type: "kube-watch";
  watchId: string;
  kind: Kind;
  namespace?: string;
  /** Events after this revision are sent (0: from now). */
  resourceVersion: number;
}
export interface KubeWatchCancelMsg {
  type: "kube-watch-cancel";
  watchId: string;
}
/**
 * A numbered frame of a watch stream: the client delivers frames in seq order and treats a gap it
 * cannot fill as a broken stream. A heartbeat (no events) carries the last seq sent.
 */
export interface KubeWatchFrameMsg {
  type: "kube-watch-ev";
  watchId: string;
  seq: number;
  heartbeat?: boolean;
  events: WatchEvent[];
}

export type KubeMessage = KubeRequestMsg | KubeResponseMsg | KubeWatchMsg | KubeWatchCancelMsg | KubeWatchFrameMsg;

export function isKubeMessage(m: unknown): m is KubeMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return typeof t === "string" && t.startsWith("kube-");
}
