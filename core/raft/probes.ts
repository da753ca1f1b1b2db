// Raft's code probes (core/probes.ts): rare paths a sweep should reach now and then. Each name says what
// happened; each is hit by a transcript (testdata/*.txt) or a unit test (probes.test.ts checks all of them).
// `required` marks those a kv-chaos sweep reaches in most seeds (measured: 12–34 of seeds 1..40 each), so a CI
// sweep that never hits one has lost a fault it used to inject.
import { probesOf, type ProbeCatalog } from "../probes.ts";

export const RAFT_PROBES = {
  "raft.stale-vote-response-ignored": {
    what: "a (pre-)vote response of an older term, or of an election already decided, was ignored",
    required: true,
  },
  "raft.stale-append-response-ignored": {
    what: "an append or heartbeat response from an older term reached a node and was ignored",
  },
  "raft.append-response-superseded": {
    what: "a leader got an acknowledgement or rejection that later ones had already superseded (out of order)",
    required: true,
  },
  "raft.append-rejected": {
    what: "a follower rejected an append (prevLogIndex missing or of another term) and the leader backtracked (§5.3)",
    required: true,
  },
  "raft.follower-truncated-conflict": {
    what: "a follower discarded a conflicting suffix of its log for the leader's entries (§5.3)",
    required: true,
  },
  "raft.snapshot-sent": {
    what: "a leader no longer had the entries a follower needed and sent its snapshot (§7)",
    required: true,
  },
  "raft.snapshot-over-conflicting-log": {
    what: "InstallSnapshot replaced a log holding uncommitted entries the snapshot does not confirm (a conflicting suffix)",
  },
  "raft.snapshot-restored-conf-change-in-flight": {
    what: "a snapshot was restored while the log held a conf change not yet applied",
  },
  "raft.conf-change-covered-by-snapshot": {
    what: "a committed conf change handed out in a Ready was superseded by a snapshot restored meanwhile",
  },
  "raft.read-index-awaits-heartbeat-quorum": {
    what: "a ReadIndex request waited for a quorum of heartbeat acknowledgements (§8)",
    required: true,
  },
  "raft.read-index-awaits-term-commit": {
    what: "a new leader held a ReadIndex request until an entry of its own term committed (§8)",
  },
  "raft.leader-stepped-down-higher-term": { what: "a leader saw a higher term and became a follower", required: true },
  "raft.check-quorum-step-down": {
    what: "a leader stepped down: it had not heard from a quorum within an election timeout (CheckQuorum)",
    required: true,
  },
  "raft.prevote-rejected": {
    what: "a pre-vote was refused (the candidate's log is behind, or a leader is known)",
    required: true,
  },
  "raft.vote-rejected-log-behind": { what: "a vote was refused to a candidate whose log is not up to date (§5.4.1)" },
  "raft.vote-ignored-in-lease": {
    what: "a vote request of a higher term was ignored under the leader lease (thesis §4.2.3)",
  },
  "raft.election-lost": { what: "a candidate or pre-candidate lost: a majority refused it" },
  "raft.transfer-aborted": {
    what: "a leadership transfer did not finish within an election timeout and was abandoned",
  },
  "raft.proposal-dropped": {
    what: "a proposal was dropped (no leader, a transfer in progress, a conf change pending, or invalid)",
  },
  "raft.joint-auto-left": {
    what: "a leader left a joint configuration by itself (autoLeave) once the joint entry applied",
  },
  "raft.removed-leader-hands-off": {
    what: "a leader removed from the configuration handed leadership to the most caught-up voter",
  },
  "raft.campaign-blocked-unapplied-conf": {
    what: "a node did not campaign: a committed conf change was not applied yet",
  },
} as const satisfies ProbeCatalog;

export const raftProbe = probesOf(RAFT_PROBES);
