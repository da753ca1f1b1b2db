// The data Raft exchanges with its host and its peers, after etcd-io/raft's raftpb. Everything here is a
// plain JSON-able value (entry data must be JSON-able too), so a message can cross the simulated network
// or be written to the simulated disk as is. Nothing is mutated after it is created.

export type EntryType = "normal" | "confChange";

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** A proposal's payload; null for a leader's empty entry; a ConfChange for "confChange" entries. */
  readonly data: unknown;
}

/** One server at a time (§6, etcd's ConfChangeV1). Promoting a learner is "addVoter" for its id. */
export type ConfChangeType = "addVoter" | "removeVoter" | "addLearner";

export interface ConfChangeSingle {
  readonly type: ConfChangeType;
  readonly nodeId: string;
}

/**
 * Joint consensus (§6 of the paper, etcd's ConfChangeV2): several changes at once. Entering makes the
 * configuration C_old,new — every decision (commit, election, read quorum) needs a majority of the old
 * voters and a majority of the new ones; leaving makes it C_new. With autoLeave (the default) the leader
 * proposes the leave itself once the joint entry is applied. Only new servers can become learners here.
 */
export interface ConfChangeEnterJoint {
  readonly type: "enterJoint";
  readonly changes: readonly ConfChangeSingle[];
  readonly autoLeave?: boolean;
}

export interface ConfChangeLeaveJoint {
  readonly type: "leaveJoint";
}

export type ConfChange = ConfChangeSingle | ConfChangeEnterJoint | ConfChangeLeaveJoint;

export interface ConfState {
  /** The voters; while joint, the incoming ones (C_new). */
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  /** Only while joint: the outgoing voters (C_old). */
  readonly votersOutgoing?: readonly string[];
  /** Only while joint: whether the leader leaves the joint configuration by itself. */
  readonly autoLeave?: boolean;
}

export interface SnapshotMetadata {
  /** The last entry the snapshot covers, and its term. */
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: unknown;
}

/** What must survive a crash (figure 2: currentTerm, votedFor; etcd adds commit). vote "" means none. */
export interface HardState {
  readonly term: number;
  readonly vote: string;
  readonly commit: number;
}

export type RoleKind = "follower" | "precandidate" | "candidate" | "leader";

export interface SoftState {
  /** "" when no leader is known. */
  readonly leader: string;
  readonly role: RoleKind;
}

/** A confirmed read: serve it once the state machine has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

export type MessageType =
  // local: never cross the network
  | "MsgHup"
  | "MsgBeat"
  | "MsgCheckQuorum"
  // local, forwarded by followers to the leader
  | "MsgProp"
  | "MsgReadIndex"
  | "MsgTransferLeader"
  // between peers
  | "MsgApp"
  | "MsgAppResp"
  | "MsgVote"
  | "MsgVoteResp"
  | "MsgPreVote"
  | "MsgPreVoteResp"
  | "MsgSnap"
  | "MsgHeartbeat"
  | "MsgHeartbeatResp"
  | "MsgReadIndexResp"
  | "MsgTimeoutNow";

export const PEER_MESSAGE_TYPES: ReadonlySet<string> = new Set<MessageType>([
  "MsgProp",
  "MsgReadIndex",
  "MsgTransferLeader",
  "MsgApp",
  "MsgAppResp",
  "MsgVote",
  "MsgVoteResp",
  "MsgPreVote",
  "MsgPreVoteResp",
  "MsgSnap",
  "MsgHeartbeat",
  "MsgHeartbeatResp",
  "MsgReadIndexResp",
  "MsgTimeoutNow",
]);

export interface Message {
  readonly type: MessageType;
  readonly from: string;
  readonly to: string;
  /** 0 for local messages and for forwarded MsgProp / MsgReadIndex (etcd's convention). */
  readonly term: number;
  /** MsgApp: term of the entry at `index` (prevLogTerm). Votes: the candidate's last log term. Rejections: the hint's term. */
  readonly logTerm: number;
  /** MsgApp: prevLogIndex. Votes: the candidate's last index. MsgAppResp: the last index matched, or the rejected index. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  /** On a rejected MsgAppResp: the follower's guess of where the logs diverge (fast backtracking). */
  readonly rejectHint: number;
  /** ReadIndex request id, or "transfer" on a vote forced by leadership transfer. */
  readonly context?: string;
  readonly snapshot?: Snapshot;
}

/** Everything the host must do, in this order: persist, sync, send, apply, then `advance(ready)`. */
export interface Ready {
  /** Present when the role or the known leader changed. */
  readonly softState?: SoftState;
  /** Present when term, vote or commit changed: write it (durably before `messages` when mustSync). */
  readonly hardState?: HardState;
  /** A snapshot from the leader: persist it (the log before it is gone), then restore the state machine. */
  readonly snapshot?: Snapshot;
  /** Entries to persist: replace the stored log from entries[0].index on. */
  readonly entries: readonly Entry[];
  /** Entries to apply, in order, after persisting. */
  readonly committedEntries: readonly Entry[];
  /** Send only after the writes above are durable. */
  readonly messages: readonly Message[];
  /**
   * Messages the host hands to the network at once, before it writes or syncs anything. Always empty in
   * a correct build; the raft-ack-before-fsync mutant puts follower acknowledgements here.
   */
  readonly messagesBeforeSync: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** True when the writes must be fsynced before `messages` are sent (a commit-only change need not be). */
  readonly mustSync: boolean;
}

/** The outcome of a proposal at this node. Expected failures are values (STYLE 9). */
export type ProposalOutcome =
  | { readonly kind: "appended"; readonly index: number; readonly term: number }
  | { readonly kind: "forwarded"; readonly leader: string }
  | { readonly kind: "dropped"; readonly reason: DropReason };

export type DropReason = "no-leader" | "leadership-transfer" | "conf-change-pending" | "invalid-conf-change";

export const NONE = "";

/**
 * The one shared empty entry list (a Ready, a MsgApp, a log range with nothing in it). Typed readonly so
 * nothing can push into it; not Object.freeze'd: a frozen array has its own elements kind, and every site
 * that reads both kinds turns polymorphic.
 */
export const NO_ENTRIES: readonly Entry[] = [];
