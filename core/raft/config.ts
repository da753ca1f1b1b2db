// What a RaftNode is configured with, and the role states it moves between (after etcd-io/raft's Config and
// its tracker): kept apart from the node so each of its layers (state.ts, leader.ts, node.ts) can name them.
import type { BugSet } from "../bugs.ts";
import type { Random } from "../env.ts";
import type { Progress, ProgressState } from "./progress.ts";
import type { ReadOnly } from "./read_only.ts";
import type { Entry, HardState, Message, MessageType, Snapshot } from "./types.ts";

/** What a restarting node reads back from its disk: exactly what was made durable. */
export interface RaftStorage {
  hardState?: HardState;
  snapshot?: Snapshot;
  entries?: readonly Entry[];
}

/** The knobs every host of a RaftNode passes through unchanged (the driver, the test cluster). */
export type RaftTuning = Pick<
  RaftConfig,
  "electionTicks" | "heartbeatTicks" | "preVote" | "checkQuorum" | "maxInflight" | "maxEntriesPerMsg" | "bugs"
>;

export interface RaftConfig {
  id: string;
  /** The bootstrap voters, the same list on every node (etcd's --initial-cluster); later changes come from the log. */
  peers: readonly string[];
  /** Bootstrap learners. */
  learners?: readonly string[];
  /** Election jitter. Never a global random source (STYLE 2). */
  rng: Random;
  /** Election timeout in ticks; the randomized timeout is drawn from [electionTicks, 2·electionTicks). */
  electionTicks?: number;
  heartbeatTicks?: number;
  /** Default true. */
  preVote?: boolean;
  /** Default true. */
  checkQuorum?: boolean;
  /** Per follower, MsgApps in flight before the leader waits for acknowledgements. Default 256. */
  maxInflight?: number;
  /** Entries per MsgApp (etcd's MaxSizePerMsg, counted in entries). Default 64. */
  maxEntriesPerMsg?: number;
  bugs?: BugSet;
  /** Durable state to restart from. */
  storage?: RaftStorage;
  /** Index the state machine already reflects (it restored itself); defaults to the snapshot index. */
  applied?: number;
  /** Told, one line each, why the node drops, ignores or refuses a message (reasons.ts); lines are built only if set. */
  onReason?: (line: string) => void;
}

/** The context of a MsgVote / MsgPreVote forced by a leadership transfer (it skips the leader lease). */
export const CAMPAIGN_TRANSFER = "transfer";

export type CandidateState = { readonly kind: "precandidate" | "candidate"; readonly votes: Map<string, boolean> };

export interface LeaderState {
  readonly kind: "leader";
  /** nextIndex / matchIndex per server (voters and learners, self included). */
  readonly progress: Map<string, Progress>;
  /**
   * The same Progress objects as arrays, rebuilt whenever `progress` changes (syncProgress): the servers to
   * replicate to in the map's order, and each half's voters for counting a quorum — no lookups per message.
   */
  replicaIds: string[];
  replicaProgress: Progress[];
  incomingProgress: Progress[];
  outgoingProgress: Progress[];
  readonly readOnly: ReadOnly;
  /** ReadIndex requests held until an entry of this term commits (§8). */
  pendingReadIndex: Message[];
  leadTransferee: string;
  /** Index of the last conf change appended; a new one waits until it is applied. */
  pendingConfIndex: number;
}

/** Leader-only state lives in the leader variant, so a follower cannot reach it. */
export type Role = { readonly kind: "follower" } | CandidateState | LeaderState;

export type MessageInit = Partial<Message> & { readonly type: MessageType; readonly to: string };

export interface ProgressView {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
}
