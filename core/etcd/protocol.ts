// What clients and members say to each other over the simulated network (etcd's gRPC, reduced to
// messages). Raft messages between members travel as they are (type "Msg…").
import type { EtcdErrorCode, EtcdRequest, EtcdResponse, WatchCreateRequest, WatchResponse } from "../mvcc/rpc.ts";

export type ClientMessage =
  | { type: "KvRequest"; reqId: number; request: EtcdRequest }
  | { type: "WatchCreate"; streamId: number; request: WatchCreateRequest }
  | { type: "WatchCancel"; streamId: number }
  /** Liveness of a watch stream: the member answers StreamPong, or StreamUnknown after a restart. */
  | { type: "StreamPing"; streamId: number };

export type MemberMessage =
  | { type: "KvResponse"; reqId: number; response?: EtcdResponse; error?: EtcdErrorCode; leaderHint?: string }
  /** seq numbers a stream's responses from 0: a watch stream is ordered and gap-free like the TCP stream it models. */
  | { type: "WatchEvent"; streamId: number; seq: number; response: WatchResponse }
  /** `sent`: how many responses the stream has sent (the next seq) — a TCP ack in reverse: responses sent but never received are a gap. */
  | { type: "StreamPong"; streamId: number; sent?: number }
  | { type: "StreamUnknown"; streamId: number };

/** Errors that prove the request had no effect (rejected before it was proposed or applied). */
export const DEFINITE_ERRORS: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  "compacted", "future-revision", "key-not-found", "lease-not-found", "duplicate-key", "empty-key", "too-many-ops",
  "lease-exists", "not-leader", "no-leader",
]);

/** Errors after which a client may retry the same request on another member. */
export const RETRYABLE_ERRORS: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>(["not-leader", "no-leader", "stopped"]);

export function isClientMessage(m: unknown): m is ClientMessage {
  const t = (m as { type?: unknown })?.type;
  return t === "KvRequest" || t === "WatchCreate" || t === "WatchCancel" || t === "StreamPing";
}
