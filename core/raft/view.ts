// What a safety monitor sees of one node after each step: cheap scalars from the node, a live term lookup
// into its in-memory log, and the host's report of what became durable and what was applied since the
// previous view. Nothing here copies a log; a monitor keeps its own shadows from the deltas.
import type { Entry, Message, ReadState, RoleKind } from "./types.ts";

/** What became durable on a node's disk since its previous view. */
export interface DurableChange {
  /**
   * The durable log was replaced (a restart read it back, or a leader's snapshot was installed): it now
   * holds the snapshot point (index, term) followed by `entries`.
   */
  readonly reset?: { readonly snapshotIndex: number; readonly snapshotTerm: number };
  /** The host compacted its log up to here (the entries live on in a durable snapshot). */
  readonly compactedTo?: { readonly index: number; readonly term: number };
  /** Entries now durable; they replace the durable log from entries[0].index on. */
  readonly entries: readonly Entry[];
}

/** Host-side observations merged into a node's view. */
export interface HostObservations {
  readonly durable?: DurableChange;
  /** The state machine was restored from a snapshot at this point (before `appliedEntries`). */
  readonly appliedSnapshot?: { readonly index: number; readonly term: number };
  /** Entries handed to the state machine since the previous view, in order. */
  readonly appliedEntries?: readonly Entry[];
  /** The highest term of any message this node handed to the network since its previous view. */
  readonly sentTerm?: number;
  /**
   * The peer message the node stepped just before this view (hosts that report it: the driver, the test
   * cluster). The monitor's term-adoption and commit-coverage rules need it and skip views without it.
   */
  readonly stepped?: Message;
  /**
   * A linearizable read the host is about to ask the node for (its context): a view that carries it comes
   * before the node steps the request, so a monitor knows what was committed when the read began.
   */
  readonly readRequested?: string;
  /** ReadIndex answers the node handed the host since the previous view (hosts that report them: the driver). */
  readonly readsAnswered?: readonly ReadState[];
  /**
   * A linearizable read the host serves now from its state machine, at the ReadIndex answer it waited for:
   * the view's applied index must have reached it (hosts that report them: the driver).
   */
  readonly readServed?: ReadState;
}

/**
 * A node's view, valid only during the observer's call: a host may hand the same object to every call,
 * refreshed in place (the driver does: RaftState.liveView), so an observer keeps values, never the view.
 * What the view points to — configuration arrays, entries, the stepped message — is never mutated.
 */
export interface RaftView extends HostObservations {
  readonly id: string;
  readonly term: number;
  readonly vote: string;
  readonly role: RoleKind;
  /** "" when unknown. */
  readonly leader: string;
  readonly commitIndex: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Entries at or below this index exist only in the snapshot. */
  readonly compactedIndex: number;
  /** The node's current (applied) configuration; while joint, the incoming voters. */
  readonly voters: readonly string[];
  /** While joint, the outgoing voters (a quorum needs a majority of each); empty otherwise. */
  readonly votersOutgoing: readonly string[];
  readonly learners: readonly string[];
  /**
   * The log index the configuration above reflects: the applied index, or the index of a leader's snapshot
   * restored but not yet applied (its configuration takes effect at once).
   */
  readonly configIndex: number;
  /** Times the in-memory log had a suffix overwritten or discarded (a leader must keep this constant). */
  readonly logOverwrites: number;
  /** Term of the in-memory entry at i (undefined if compacted or absent). Valid only during the observe call. */
  termAt(index: number): number | undefined;
}

export type RaftObserver = (view: RaftView) => void;

/**
 * The term a sent message shows its sender to be in: a node must have made that term durable first.
 * Pre-vote messages carry a prospective term (the sender's term + 1) and reveal nothing.
 */
export function termRevealedBy(m: Message): number {
  return m.type === "MsgPreVote" || m.type === "MsgPreVoteResp" ? 0 : m.term;
}
