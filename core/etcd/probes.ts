// Code probes of the etcd member and its clients (core/probes.ts): the rare paths a sweep should reach.
import type { ProbeCatalog } from "../probes.ts";

export const ETCD_PROBES = {
  "etcd.request-too-large": {
    what: "a write larger than --max-request-bytes was rejected before it was proposed",
    required: true,
  },
  "etcd.lease-expired-with-keys": { what: "the leader expired a lease that still had keys attached", required: true },
  "etcd.duplicate-request-dropped": {
    what: "a duplicated client request or forward was dropped before it could be proposed twice",
    required: true,
  },
  "etcd.write-forwarded": { what: "a follower forwarded a client's write to the leader" },
  "etcd.keepalive-waited-for-revoke": {
    what: "a keep-alive of an expired lease waited for its revoke to go through Raft (etcd's lessor.Renew)",
  },
  "etcd.timetolive-waited-for-apply": {
    what: "a LeaseTimeToLive reached a leader that had not applied everything committed, and waited for the apply (waitAppliedIndex)",
  },
  "etcd.timetolive-leader-changed": {
    what: "a LeaseTimeToLive's leader stopped leading while it waited for the apply: its lessor was demoted, and the request was refused",
  },
  "etcd.keepalive-leadership-unconfirmed": {
    what: "a leader could not confirm it still leads before renewing a lease (etcd's ensureLeadership): the keep-alive was refused",
  },
  // ---- lease checkpoints (only with leaseCheckpointIntervalUs set)
  "etcd.lease-checkpointed": { what: "a leader proposed the remaining TTLs of leases due for a checkpoint" },
  "etcd.keepalive-cleared-checkpoint": {
    what: "a keep-alive cleared its lease's checkpointed remaining TTL through Raft before answering",
  },
  "etcd.proposal-timeout": {
    what: "a proposal was not applied within the request timeout: the client learns nothing of its outcome",
    required: true,
  },
  "etcd.snapshot-restored": {
    what: "a member restored its store from a snapshot (a leader's, or its own at restart)",
    required: true,
  },
  "etcd.cas-retry-after-conflict": {
    what: "a client's compare-and-swap lost to another writer and retried with the revision it read",
    required: true,
  },
  "etcd.watch-resumed-after-compaction": {
    what: "a client watch canceled by compaction resumed from the compaction revision",
    required: true,
  },
  // ---- space quota (only with --quota-backend-bytes set)
  "etcd.quota-refused": { what: "a write over the space quota was refused before it was proposed (no-space)" },
  "etcd.quota-applied-over": {
    what: "a write applied past the space quota was answered no-space (etcd's quota applier) and raised the alarm",
  },
  "etcd.quota-skipped-on-replay": {
    what: "a restarted member replayed an entry its backend already held that would now be past the quota: as etcd skips it, it was applied as before",
  },
  "etcd.quota-capped-apply": {
    what: "a write reached the apply loop while NOSPACE was active and was refused by the capped applier",
  },
  "etcd.nospace-alarm-raised": { what: "a member applied a NOSPACE alarm" },
  "etcd.nospace-alarm-disarmed": { what: "a member applied an alarm disarm" },
  "etcd.defragment": { what: "a member's backend was defragmented" },
  "etcd.move-leader-done": { what: "a MoveLeader call saw the transferee lead and answered" },
  "etcd.move-leader-timed-out": {
    what: "a MoveLeader call did not see the transferee lead by its deadline (ErrTimeoutLeaderTransfer)",
  },
  "etcd.move-leader-bad-transferee": {
    what: "a MoveLeader call named a member that is not a voter and was refused (ErrBadLeaderTransferee)",
  },
  "etcd.stop-transferred-leadership": {
    what: "a leader asked to stop gracefully handed leadership to a peer before it stopped",
  },
  "etcd.stop-cut-pending-requests": {
    what: "a member stopping gracefully still had requests or watch streams open at the drain's deadline and cut them",
  },
  "etcd.stop-without-transfer": {
    what: "a leader asked to stop gracefully found no connected voter to hand leadership to (ErrUnhealthy) and stopped as it was",
  },
} as const satisfies ProbeCatalog;
