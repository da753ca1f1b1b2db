// Why a node drops, ignores or refuses a message (etcd-io/raft logs the same moments): a code, handed to the
// host's `onReason` hook as one line. The driver writes it into the trace as an aside that is not part of the
// trace hash (sim/trace.ts); the transcripts (testdata/*.txt) print it under the step that caused it.
import type { DropReason } from "./types.ts";

export type IgnoreReason =
  /** The message names another node (a misrouted or stale-addressed message). */
  | "not-addressed"
  /** From an older term: ignored (a stale leader's append or heartbeat is answered with our term). */
  | "stale-term"
  /** A vote request of a higher term while we hear from a leader (thesis §4.2.3). */
  | "lease"
  /** Refused: we voted for another candidate in this term, or follow a leader. */
  | "vote-rejected:already-voted"
  /** Refused: the candidate's log is not as up to date as ours (§5.4.1). */
  | "vote-rejected:log-behind"
  | "prevote-rejected:already-voted"
  | "prevote-rejected:log-behind"
  /** A response or request that only a leader (or only a candidate) acts on. */
  | "not-leader"
  | "not-candidate"
  /** A leader got a message from a server outside its configuration. */
  | "unknown-peer"
  /** A proposal, read or transfer request dropped: no leader is known. */
  | "no-leader"
  /** A proposal forwarded to the leader and dropped there (ProposalOutcome's reasons). */
  | `proposal-dropped:${DropReason}`
  /** An acknowledgement or rejection that later ones already superseded. */
  | "stale-response"
  /** The append's prevLogIndex is missing here or holds another term (§5.3). */
  | "append-rejected:log-mismatch"
  /** The append starts below our commit index: we answer with the commit index. */
  | "append-below-commit"
  /** A snapshot at or below our commit index, or whose last entry we already hold. */
  | "snapshot-ignored:stale"
  | "transfer-ignored:learner"
  | "transfer-ignored:in-progress"
  | "transfer-ignored:self"
  /** No campaign: not a voter, or a snapshot or a committed conf change is not applied yet. */
  | "campaign-blocked:not-promotable"
  | "campaign-blocked:unapplied-conf";
