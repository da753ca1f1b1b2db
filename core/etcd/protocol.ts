// What clients and members say to each other over the simulated network (etcd's gRPC, reduced to
// messages). Raft messages between members travel as they are (type "Msg…").
import {
  AUTH_ERRORS,
  type EtcdErrorCode,
  type EtcdRequest,
  type EtcdResponse,
  type WatchCreateRequest,
  type WatchResponse,
} from "../mvcc/rpc.ts";
import type { AuthRequest, AuthResponse } from "./auth.ts";

/** etcd's Cluster service (MemberAddAsLearner, MemberPromote, MemberRemove), one server at a time. */
export type MemberChange = { op: "addLearner" | "promote" | "remove"; id: string };

/**
 * Why a membership request did not happen: not-leader / no-leader (ask the leader), learner-not-ready
 * (etcd's ErrLearnerNotReady: its log is not yet within 90% of the leader's), unhealthy (etcd's strict
 * reconfiguration check: the change would leave too few active voters for a quorum), conf-change-pending
 * (one change at a time), invalid (already so, or no such member), timeout (outcome unknown).
 */
export type MemberError =
  | "not-leader"
  | "no-leader"
  | "learner-not-ready"
  | "unhealthy"
  | "conf-change-pending"
  | "invalid"
  /** etcd's ErrIDRemoved: a member's ID, once removed, is never added again (a fresh member needs a new ID). */
  | "id-removed"
  /** With auth on, a change needs the root role (etcd's checkMembershipOperationPermission). */
  | "user-empty"
  | "permission-denied"
  | "invalid-auth-token"
  | "timeout";

export type ClientMessage =
  /** `token`: the simple token of an authenticated client (etcd's "token" gRPC metadata); absent without auth. */
  | { type: "KvRequest"; reqId: number; request: EtcdRequest; token?: string }
  | { type: "MemberRequest"; reqId: number; change: MemberChange; token?: string }
  /** The leader's configuration (etcd's MemberList). */
  | { type: "MemberList"; reqId: number }
  | { type: "WatchCreate"; streamId: number; request: WatchCreateRequest; token?: string }
  | { type: "WatchCancel"; streamId: number }
  /** etcd's WatchProgressRequest (clientv3 RequestProgress): a progress notification at the stream's revision, now. */
  | { type: "WatchProgress"; streamId: number }
  /** Liveness of a watch stream: the member answers StreamPong, or StreamUnknown after a restart. */
  | { type: "StreamPing"; streamId: number }
  // ---- space quota (core/etcd/quota.ts): etcd's Maintenance service, answered by the member asked
  /** `token`: the caller's simple token, as for KvRequest (the Maintenance service checks it with auth on). */
  | { type: "Maintenance"; reqId: number; request: MaintenanceRequest; token?: string }
  /** etcd's Auth service (core/etcd/auth.ts). */
  | { type: "AuthRequest"; reqId: number; request: AuthRequest; token?: string };

/**
 * etcd's Maintenance RPCs that the space quota needs: Alarm (list / activate / disarm NOSPACE, a change
 * through Raft), Defragment (this member's backend only) and Status (this member's backend size and alarms).
 */
export type MaintenanceRequest =
  | { op: "alarmList" }
  | { op: "alarmActivate"; member: string; alarm: "NOSPACE" }
  | { op: "alarmDisarm"; member: string; alarm: "NOSPACE" }
  | { op: "defragment" }
  | { op: "status" }
  /** etcdctl move-leader: answered by the leader once the transferee leads. */
  | { op: "moveLeader"; transferee: string };

/** An active alarm as etcd's AlarmMember: which member raised it, and which alarm. */
export interface AlarmMember {
  member: string;
  alarm: "NOSPACE";
}

export interface MaintenanceResult {
  alarms?: readonly AlarmMember[];
  /** Status: the backend's physical size (dbSize) and the live bytes in it (dbSizeInUse). */
  dbSize?: number;
  dbSizeInUse?: number;
  error?: EtcdErrorCode | MoveLeaderError;
}

/** MoveLeader's own refusals: etcd's ErrBadLeaderTransferee and ErrTimeoutLeaderTransfer. */
export type MoveLeaderError = "bad-leader-transferee" | "leader-transfer-timeout";

export type MemberMessage =
  /** `effectUnknown`: an error after the request was applied anyway (etcd's quota applier answers no-space for a write it applied). */
  | {
      type: "KvResponse";
      reqId: number;
      response?: EtcdResponse;
      error?: EtcdErrorCode;
      leaderHint?: string;
      effectUnknown?: true;
    }
  | { type: "MaintenanceResponse"; reqId: number; result: MaintenanceResult }
  | {
      type: "MemberResponse";
      reqId: number;
      voters?: readonly string[];
      learners?: readonly string[];
      error?: MemberError;
      leaderHint?: string;
    }
  /** seq numbers a stream's responses from 0: a watch stream is ordered and gap-free like the TCP stream it models. */
  | { type: "WatchEvent"; streamId: number; seq: number; response: WatchResponse }
  /** `sent`: how many responses the stream has sent (the next seq) — a TCP ack in reverse: responses sent but never received are a gap. */
  | { type: "StreamPong"; streamId: number; sent?: number }
  | { type: "StreamUnknown"; streamId: number }
  | { type: "AuthResponse"; reqId: number; response?: AuthResponse; error?: EtcdErrorCode; leaderHint?: string };

/** Errors that prove the request had no effect (rejected before it was proposed or applied). */
export const DEFINITE_ERRORS: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  "compacted",
  "future-revision",
  "key-not-found",
  "lease-not-found",
  "duplicate-key",
  "empty-key",
  "too-many-ops",
  "value-provided",
  "lease-provided",
  "lease-ttl-too-large",
  "lease-exists",
  "not-leader",
  "no-leader",
  "not-supported-for-learner",
  "request-too-large",
  "no-space", // refused before proposing, or by the NOSPACE-capped applier; the quota applier's "applied anyway" answer carries effectUnknown
  // Auth: refused before or at apply, never applied.
  ...AUTH_ERRORS,
]);

/** Errors after which a client may retry the same request on another member. */
export const RETRYABLE_ERRORS: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  "not-leader",
  "no-leader",
  "stopped",
  "not-supported-for-learner",
]);

export function isClientMessage(m: unknown): m is ClientMessage {
  const t = (m as { type?: unknown })?.type;
  return (
    t === "KvRequest" ||
    t === "WatchCreate" ||
    t === "WatchCancel" ||
    t === "WatchProgress" ||
    t === "StreamPing" ||
    t === "MemberRequest" ||
    t === "MemberList" ||
    t === "Maintenance" ||
    t === "AuthRequest"
  );
}
