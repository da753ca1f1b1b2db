// The catalog of deliberately injectable bugs (mutants). Each re-creates a known class of real bug;
// all are off by default. A run carries its own BugSet (no global switch), so workers never share state.

export interface BugInfo {
  name: string;
  bug: string;
  modelledOn: string;
  /** The scenario expected to expose it. */
  scenario: string;
}

export const BUG_CATALOG = [
  {
    name: "raft-commit-old-term",
    bug: "leader commits an entry of an earlier term by counting replicas",
    modelledOn: "Raft paper, figure 8",
    scenario: "kv-chaos",
  },
  {
    name: "raft-forget-vote",
    bug: "term and vote not durable before the vote reply: two leaders in one term after a crash",
    modelledOn: "Raft §5.2, figure 2",
    scenario: "kv-crash",
  },
  {
    name: "raft-vote-ignores-log",
    bug: "vote granted without the up-to-date check: a leader lacks committed entries",
    modelledOn: "Raft §5.4.1",
    scenario: "kv-partition",
  },
  {
    name: "raft-skip-term-check",
    bug: "follower accepts AppendEntries from a leader of an older term",
    modelledOn: "Raft §5.1",
    scenario: "kv-partition",
  },
  {
    name: "raft-ack-before-fsync",
    bug: "follower acknowledges entries before they are durable: a committed write is lost after crashes",
    modelledOn: "Raft figure 2",
    scenario: "kv-crash",
  },
  {
    name: "raft-stale-read",
    bug: "leader answers linearizable reads without confirming leadership (no ReadIndex round)",
    modelledOn: "etcd #20418 class",
    scenario: "leader-isolation",
  },
  {
    name: "etcd-apply-before-persist",
    bug: "a lone member applies and answers committed entries before its log is durable: an acknowledged write is lost, the revision goes backwards",
    modelledOn: "etcd #14370",
    scenario: "kv-crash",
  },
  {
    name: "etcd-reapply-after-crash",
    bug: "applied index not made durable atomically with the store: entries re-applied after restart, members' revisions diverge",
    modelledOn: "etcd #13766",
    scenario: "kv-crash",
  },
  {
    name: "etcd-txn-check-leader-only",
    bug: "a Txn whose Range hits a compacted revision is rejected only on the member that received it; others apply it",
    modelledOn: "etcd #18667",
    scenario: "kv-chaos",
  },
  {
    name: "mvcc-txn-compare-ignored",
    bug: "Txn compare on mod_revision always succeeds: compare-and-swap is lost",
    modelledOn: "—",
    scenario: "controller-conflicts",
  },
  {
    name: "mvcc-watch-drop-on-compact",
    bug: "a watch resumed at a compaction that landed on a delete silently skips the delete",
    modelledOn: "etcd #18089, #17529",
    scenario: "watch-compaction",
  },
  {
    name: "mvcc-watch-progress-ahead",
    bug: "a progress notification is sent ahead of events not yet delivered",
    modelledOn: "etcd #15220",
    scenario: "watch-compaction",
  },
  {
    name: "mvcc-watch-progress-below-start",
    bug: "a watch on a revision its member has not reached yet hears progress notifications at the member's own revision, below the start",
    modelledOn:
      "etcd #20221 (etcd's robustness track record, 2025; fixed by #20241 in v3.6.2): on a lagging member a watch from a future revision was told of revisions below it, and clientv3, resuming after the last notification on another member, received events below the revision it asked for; Kubernetes' watch cache takes a notification's revision as its resourceVersion",
    scenario: "kv-chaos",
  },
  {
    name: "etcd-watch-rewind-after-snapshot",
    bug: "a member that restores a leader snapshot re-sends old revisions to its watchers",
    modelledOn: "etcd #15271",
    scenario: "kv-partition",
  },
  {
    name: "etcd-lease-stale-leader",
    bug: "a deposed leader with a skewed clock still expires leases",
    modelledOn: "—",
    scenario: "clock-skew",
  },
  {
    name: "kube-informer-no-relist",
    bug: 'informer never relists after "resource version too old": its controller stalls',
    modelledOn: "—",
    scenario: "watch-compaction",
  },
  {
    name: "kube-update-no-precondition",
    bug: "update writes without the resourceVersion precondition: lost update",
    modelledOn: "—",
    scenario: "controller-conflicts",
  },
  {
    name: "kube-leader-wall-clock",
    bug: "leader election times the lease on the wall clock: a leader whose clock steps back keeps acting after a candidate took over",
    modelledOn: "client-go leaderelection measures on Go's monotonic clock",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-leader-no-fencing",
    bug: "a paused scheduler keeps acting after its lease expired: two schedulers bind",
    modelledOn: "client-go leaderelection has no fencing",
    scenario: "deployment-rollout",
  },
  // Issue 15, item 6: the scheduler's bind without the pod's resourceVersion, and two real bugs the new kube
  // rules found, fixed and kept as mutants: kube-max-surge in the Deployment controller (controller-conflicts
  // seed 21), kube-informer-reliable in the apiserver's watch (controller-conflicts seed 77).
  {
    name: "kube-deployment-no-surge-trim",
    bug: "a scale down in the middle of a rollout keeps every ReplicaSet's size: they stay above replicas + maxSurge until the rolling update's own scale down of the old ones takes the excess (at once only if enough of their pods are ready)",
    modelledOn:
      "Kubernetes scales a rollout's ReplicaSets proportionally on a scaling event (deployment sync.go scale, GetProportion); weak since this controller handles scaling events as Kubernetes does: the rolling update takes most of the excess within one sync (deployment-rollout seeds 9 and 84 of 1..150)",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-deployment-scale-skips-stale-annotation",
    bug: "a scaling event that finds one active ReplicaSet already of the Deployment's size returns without re-annotating it, as Kubernetes' scale() does: its desired-replicas annotation stays stale, the change of replicas stays a scaling event for good, and the next rollout never runs",
    modelledOn:
      "kubernetes PRs #138036 and #138840 (open in 2026: a Deployment scaled mid-rollout back to the size of its only active ReplicaSet deadlocks on its stale desired-replicas annotation; argo-rollouts #412 and gardener machine-controller-manager #821 fixed the same in their copies); found here by a sweep of controller-conflicts (seed 2223) once the simulated controller scaled as Kubernetes' does",
    scenario: "controller-conflicts",
  },
  {
    name: "kube-deployment-scale-keeps-annotations",
    bug: "the Deployment controller resizes a ReplicaSet without updating its desired-replicas and max-replicas annotations: the Deployment's change of replicas stays a scaling event for ever, so its rolling update never runs again (a new template is never rolled out), and a later proportional scale reads sizes of an older Deployment",
    modelledOn:
      "Kubernetes' scaleReplicaSet writes SetReplicasAnnotations with every new size, and syncDeployment takes the scaling path instead of rolloutRolling while isScalingEvent finds an active ReplicaSet annotated for another count (the review of proportional scaling, kubernetes PR #20273, weighed this bookkeeping — a scale applied only in part skews the proportions — and its first release had proportional-scaling bugs, #28105 and #28145); written by hand for this testbed",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-watch-drop-unknown-delete",
    bug: "the apiserver drops a watched delete whose prev_kv was compacted: the informer keeps the deleted object",
    modelledOn: "Kubernetes' etcd3 watcher errors on an event without PrevKv (parseEvent)",
    // Found at controller-conflicts seed 77, which lost it when request ids changed the trace; compacted-deletes
    // drops prev_kv on purpose (paused members catching up, their watch send loops behind the apply batch).
    scenario: "compacted-deletes",
  },
  {
    name: "kube-bind-no-precondition",
    bug: "the scheduler binds without the pod's resourceVersion precondition: a stale bind moves a bound pod to another node",
    modelledOn: "kube-scheduler binds through pods/binding, which refuses a bound pod",
    scenario: "controller-conflicts",
  },
  // Found by kube-min-available (deployment-rollout seed 1134): a restarted apiserver's etcd client numbered
  // its requests from 1 again, and members dropped them as duplicates of its previous incarnation's.
  {
    name: "etcd-client-reuses-request-ids",
    bug: "a restarted process's etcd client numbers its requests from 1 again: members drop them as duplicates of the previous incarnation's until the ids pass the old ones",
    modelledOn:
      "request ids must be unique per sender across restarts (etcd's own proposals carry a per-boot member id)",
    scenario: "deployment-rollout",
  },
  {
    name: "etcd-auth-grant-matches-key-only",
    bug: "a role's permission is looked up by its key alone when granted again: where the role holds that key with another range end too, the grant is appended as a second permission and the one it meant to change keeps its type, so a downgrade from READWRITE to READ has no effect and the principal keeps writing",
    modelledOn:
      "etcd-io/etcd PR #21845 (open, 2026): RoleGrantPermission binary-searches KeyPermission by Key alone and appends a duplicate instead of updating the (key, range end) pair; the auth checker, which judges requests against the members' own auth states, let it through until auth-store restated etcd's auth store",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-client-reuses-watch-ids",
    bug: "a restarted process's etcd client numbers its watch streams from 1 again: a member still serving the previous incarnation's stream of that id ignores the new create, and the new stream gets the old one's responses until it breaks",
    modelledOn:
      "watch ids are per gRPC stream in etcd, which a restarted client opens afresh; this simulated client reused its predecessor's stream ids (an apiserver restarted at deployment-rollout seed 15) until members began checking that a second create under a taken id is the very message",
    scenario: "watch-cache",
  },
  // Issue 19, part 2: quotas and limits.
  {
    name: "etcd-write-during-nospace",
    bug: "the capped applier is never installed: a write that fits the backend is applied while the NOSPACE alarm is active (between defrag and disarm)",
    modelledOn: "etcd's applierV3Capped refuses Put, Txn with puts and LeaseGrant until alarm disarm",
    scenario: "quota-pressure",
  },
  {
    name: "kube-quota-check-before-cas",
    bug: "ResourceQuota admission checks usage on a read, then writes status.used without its resourceVersion precondition: two apiservers admit past the quota",
    modelledOn:
      "the quota evaluator charges status.used by a conflict-checked UpdateStatus before the object is stored (plugin/pkg/admission/resourcequota)",
    scenario: "quota-pressure",
  },
  // Issue 19, part 3: etcd auth (core/etcd/auth*.ts), caught by the auth checker in auth-revoke.
  {
    name: "etcd-auth-stale-revision",
    bug: "a write is checked only where it was received, at that member's auth revision: one that raced a revoke is applied after it",
    modelledOn:
      "etcd re-checks at apply and refuses a request resolved at an older auth revision (ErrAuthOldRevision, auth/store.go isOpPermitted)",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-range-end-ignored",
    bug: "a permission on a single key is treated as a permission on every key with that prefix",
    modelledOn: "etcd's range_perm_cache.go: a permission without range_end is a point",
    scenario: "auth-revoke",
  },
  // Found by a slow-disk sweep (seeds 301..800): the simulated etcd kept no entries behind its snapshots.
  {
    name: "etcd-snapshot-no-catchup",
    bug: "the Raft log is compacted to the snapshot index, ignoring --snapshot-catchup-entries: a follower a few entries behind is sent a snapshot, and a write it forwarded, covered by that snapshot, is never answered until its timeout",
    modelledOn:
      "etcd compacts its raft storage to the snapshot index minus SnapshotCatchUpEntries (server.go), so a slow follower catches up from the log",
    scenario: "slow-disk",
  },
  {
    name: "raft-read-index-before-term-commit",
    bug: "a new leader answers ReadIndex before an entry of its own term commits: its commit index can lag one its predecessor reached, and a read misses a write that had completed",
    modelledOn: "Raft thesis §6.4; etcd-io/raft's committedEntryInCurrentTerm check in stepLeader",
    scenario: "kv-crash",
  },
  {
    name: "etcd-lease-renew-expired",
    bug: "a keep-alive renews a lease that already expired while its revoke goes through Raft: the client is promised a full TTL and the lease is revoked moments later",
    modelledOn:
      "etcd's lessor.Renew waits on an expired lease's revoke (then ErrLeaseNotFound); found by this testbed's kv-chaos sweep once clients kept leases alive (lease-sessions stages it)",
    scenario: "lease-sessions",
  },
  {
    name: "kube-rs-deletes-ready-first",
    bug: "a ReplicaSet scaled down deletes its ready pods before the ones still starting, so a Deployment taken back from a scale up loses the pods that served",
    modelledOn:
      "Kubernetes' ActivePodsWithRanks (pkg/controller/controller_utils.go) deletes not-ready pods before ready ones; written by hand for this testbed's bug hunt, it got past every checker while kube-min-available started over at every scale",
    scenario: "kube-smoke",
  },
  {
    name: "etcd-lease-revoke-after-stepdown",
    bug: "a leader that stepped down keeps its lessor primary until it applies the next entry, and its expiry loop revokes, through proposals Raft forwards to the new leader, leases that leader has just renewed",
    modelledOn:
      "etcd-io/etcd #12528 and #15247, fixed by #16822 (a member confirms it leads before revoking); found by this testbed's lease-safety on a real etcd 3.4.23 (docs/REAL.md)",
    scenario: "lease-sessions",
  },
  {
    name: "etcd-lease-regrant-replaces",
    bug: "a grant naming the ID of a live lease replaces it (a fresh TTL, the old lease's keys kept) instead of answering lease-exists",
    modelledOn:
      "etcd's lessor.Grant refuses an ID in its lease map (ErrLeaseExists); written by hand for this testbed's bug hunt, it got past every checker while a lease that holds no keys could vanish unseen",
    scenario: "lease-sessions",
  },
  {
    name: "etcd-lease-renew-no-leadership-check",
    bug: "a leader renews a lease on a keep-alive without confirming it still leads: a stalled, cut-off leader answers keep-alives the new leader never sees, and the lease expires before its TTL from the renewal",
    modelledOn: "etcd #15247, fixed by ensureLeadership in LeaseRenew (3.5.13)",
    scenario: "lease-sessions",
  },
  {
    name: "raft-stale-append-ack-counted",
    bug: "a leader re-elected in a later term counts an append acknowledgement from its earlier term: it commits an entry no quorum holds, or its heartbeat tells the follower to commit entries it never took from this leader",
    modelledOn:
      "nats-server #7955 (its Raft counted append responses of earlier terms); Raft §5.1 says drop a stale-term message",
    scenario: "kv-partition",
  },
  {
    name: "kube-list-continue-current-revision",
    bug: "a paged list reads its next pages at the current revision, not the first page's: the list mixes two snapshots and its resourceVersion passes changes the informer never watches for",
    modelledOn:
      "the continue token of Kubernetes' storage/etcd3 GetList carries the first page's revision (one consistent snapshot; 410 once it is compacted); found missing by a hand-written bug while no scenario listed in pages",
    scenario: "compacted-deletes",
  },
  {
    name: "kube-rollout-unavailable-rounded-up",
    bug: "the Deployment controller rounds a percentage maxUnavailable up: a rollout of 3 replicas at 25% takes a ready pod down before its replacement is ready",
    modelledOn:
      "Kubernetes rounds maxUnavailable down (intstr.GetScaledValueFromIntOrPercent, roundUp false); missed while the rollout checker took its bound from the controller's own rollingParams and every Kubernetes scenario had faults to excuse the dip",
    scenario: "kube-smoke",
  },
  {
    name: "kube-controller-starts-unsynced",
    bug: "a controller's workers start once the first informer it reads has listed, not every one: a new controller-manager leader's ReplicaSet controller, its pods not yet listed, creates every ReplicaSet's pods a second time",
    modelledOn:
      "client-go's cache.WaitForCacheSync, which every Kubernetes controller calls on all its informers before its workers run; found missing by a hand-written bug while the rollout rules counted a ReplicaSet's pods only up to its replicas",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-get-serializable",
    bug: "the apiserver serves a GET without a resourceVersion by a serializable etcd read: a member that lags answers with an object older than writes already acknowledged",
    modelledOn:
      "the API’s “most recent” read (resourceVersion unset: a quorum read from etcd, which KEP-2340 keeps consistent when served from the watch cache); found missing by a hand-written bug while every caller followed its GET with a compare-and-swap that hid the stale read",
    scenario: "deployment-rollout",
  },
  {
    name: "mvcc-txn-duplicate-put-accepted",
    bug: "a Txn whose branch puts one key twice is applied (both puts at one revision) instead of refused with duplicate-key",
    modelledOn:
      'etcd\'s kvServer.Txn refuses it (checkIntervals: "duplicate key given in txn request"); found missing by a hand-written bug while no workload sent such a Txn and the linearizability model took any request it was given',
    scenario: "kv-chaos",
  },
  {
    name: "mvcc-put-ignore-flags-unchecked",
    bug: "a Put with ignore_value and a value, or ignore_lease and a lease, is applied (keeping the key's value or lease, or taking the request's) instead of refused",
    modelledOn:
      "etcd's v3rpc checkPutRequest (ErrGRPCValueProvided, ErrGRPCLeaseProvided); found missing by a hand-written bug while no workload sent a request etcd must refuse and the etcd model took any request it was given",
    scenario: "kv-chaos",
  },
  {
    name: "raft-conf-change-while-pending",
    bug: "a leader appends a membership change while an earlier one is still unapplied: two changes in flight, so majorities of the configurations the members pass through need not intersect",
    modelledOn:
      "etcd-io/raft's pendingConfIndex guard (a second change is dropped until the first is applied; etcd #7280 for why apply-time changes need it); unreachable before membership-change ran two admins at once",
    scenario: "membership-change",
  },
  {
    name: "mvcc-range-future-revision-served",
    bug: "a Range at a revision past the store's current one is served at the current revision instead of refused with future-revision",
    modelledOn:
      'etcd\'s mvcc rangeKeys (ErrFutureRev: "mvcc: required revision is a future revision"); found missing by a hand-written bug while no workload read past the last revision it had seen',
    scenario: "kv-chaos",
  },
  {
    name: "kube-conflict-retry-stale-body",
    bug: "a controller whose update meets a Conflict reads the object again and resends its own stale body with the fresh resourceVersion: the change it never saw is overwritten",
    modelledOn:
      "client-go's retry.RetryOnConflict used with a mutation of the stale object instead of the one fetched inside the retry (a recurring controller bug)",
    scenario: "controller-conflicts",
  },
  {
    name: "mvcc-txn-nested-compare-late",
    bug: "a Txn nested in another has its compare judged when it runs, after the outer Txn's earlier writes, not on the store the request found",
    modelledOn:
      "etcd's applyTxn decides every branch, nested ones included, before the first write (compareToPath over the read view); found missing by a hand-written bug while no workload nested a Txn",
    scenario: "kv-chaos",
  },
  {
    name: "mvcc-txn-nested-branches-refused",
    bug: "a Txn is refused as duplicate-key when both branches of a Txn nested in it put one key, though only one of them runs",
    modelledOn:
      "etcd's checkIntervals (putsThen/putsElse: the same key in both branches is safe); found missing by a hand-written bug while the etcd model took every duplicate-key refusal on trust",
    scenario: "kv-chaos",
  },
  {
    name: "kube-gc-owner-by-name",
    bug: "the garbage collector takes a live owner of the same name for the dependent's owner, whatever its uid: the ReplicaSets and pods of a Deployment deleted and created again are never collected",
    modelledOn:
      "ownerReferences name their owner by uid because names are reused (Kubernetes' garbage collection); unreachable before controller-conflicts began deleting and re-creating its Deployment",
    scenario: "controller-conflicts",
  },
  {
    name: "mvcc-compact-future-accepted",
    bug: "a Compact at a revision past the store's current one is accepted instead of refused with future-revision",
    modelledOn:
      "etcd's mvcc Compact (ErrFutureRev); found missing by a hand-written bug while only the compactor, always behind, compacted — and its store assertion, raised in an fsync's completion, crashed the whole sweep instead of failing the seed",
    scenario: "kv-chaos",
  },
  {
    name: "mvcc-compact-drops-recreated-key",
    bug: "a compaction at exactly the revision in which a Txn deleted a key and put it again loses the key's new value: the key reads as deleted from then on",
    modelledOn:
      "etcd #22376 (open; a regression from #18274's tombstone >= compact revision): keyIndex.doCompact stops at the generation whose tombstone sits on the compact revision, so the re-created generation's value is deleted from the backend while the index still points at it — the next read of it is fatal and the restarted member serves the key as gone (what this mutant models on every member). Reached through a from-key delete (range end \"\\0\"), which etcd's duplicate-key check reads as an empty interval; unreachable before kv-chaos drew such Txns",
    scenario: "kv-chaos",
  },
  {
    name: "mvcc-delete-keeps-lease-attachment",
    bug: "a DeleteRange (or a Txn's delete) leaves each deleted key attached to its lease: a LeaseTimeToLive lists keys the store no longer holds, and the lease's revoke deletes the key again, whatever was put there since without the lease",
    modelledOn:
      "etcd's storeTxnWrite.delete, which detaches each deleted key from its lease (lessor.Detach; etcd PR #16035 fixed a detach that failed for a revoked lease on main, leaking the lessor's item map); found missing by a mutation campaign over core/mvcc, when a TimeToLive that listed keys it had not been asked for went unseen: no check read the keys a TimeToLive lists",
    scenario: "kv-chaos",
  },
  {
    name: "mvcc-put-keeps-old-lease",
    bug: "a put that moves a key to another lease, or takes it off its lease, leaves it on the old lease's list too: when the old lease is revoked or expires, the key is deleted though it no longer belongs to that lease",
    modelledOn:
      "etcd's storeTxnWrite.put, which detaches the key from the lease its previous version named before attaching it to the new one (lessor.Detach); found missing by a hand-written bug, which the clients saw on a quarter of kv-chaos's seeds and store-reference, the store replayed against the etcd model, on a third",
    scenario: "kv-chaos",
  },
  {
    name: "mvcc-revoke-skips-empty-lease",
    bug: "a revoke (or an expiry) of a lease that holds no keys returns before it removes the lease: the lease lives on in every member's lessor, renewed by keep-alives and taking new keys, though its revoke was answered",
    modelledOn:
      "etcd's lessor.Revoke, which deletes the lease from its map whether or not it held keys (the keys go in one txn first); found missing by a hand-written bug that lease-safety saw on 4 of 100 lease-sessions seeds and the clients on none, and store-reference, once it compared the lessors' lease counts with the etcd model's, on all of them",
    scenario: "lease-sessions",
  },
  {
    name: "kube-delete-keeps-generation",
    bug: "a delete that starts an object's termination (a graceful delete, or one its finalizers hold) sets deletionTimestamp but leaves metadata.generation as it was: a controller comparing status.observedGeneration with generation takes the status it wrote before the deletion as current",
    modelledOn:
      "Kubernetes' rest.BeforeDelete (\"we need to bump object's Generation\" on the first graceful deletion) and its store's markAsDeleting for objects held by finalizers; this simulation's apiserver did the same until kube-object-meta compared every stored version's metadata with the one before it",
    scenario: "terminating-pods",
  },
  {
    name: "etcd-txn-ops-summed",
    bug: "a Txn's compares and both branches are counted together against --max-txn-ops, not the longest of the three: valid Txns are refused as too many operations",
    modelledOn:
      "etcd's v3rpc checkTxnRequest (the longest of compare, success and failure against --max-txn-ops, a nested Txn against what its parent leaves; etcd #7826, #7976); found missing by a hand-written bug while the etcd model took every too-many-ops refusal on trust",
    scenario: "kv-chaos",
  },
  {
    name: "etcd-request-size-bound-decides",
    bug: "a member refuses a write as too large when a cheap upper bound on its size (every character counted as a six-byte escape) passes --max-request-bytes, without measuring the request: valid writes refused",
    modelledOn:
      "etcd's processInternalRaftRequestOnce (len(data) > MaxRequestBytes on the encoded proposal) with an optimisation gone wrong: the simulated member's own size check bounds before it measures; found missing by a hand-written bug while the etcd model took every request-too-large refusal on trust",
    scenario: "kv-chaos",
  },
  {
    name: "etcd-quota-refuses-free-requests",
    bug: "once the backend is full, the space quota refuses requests that write nothing too (a Txn that only deletes or reads): no client can free space through a Txn",
    modelledOn:
      "etcd #13435 (backendQuota.Available without its cost == 0 pass-through; fixed in 3.4 by #14254); found missing by a hand-written bug while the etcd-nospace check took every quota refusal on trust",
    scenario: "quota-pressure",
  },
  {
    name: "etcd-auth-perm-cache-stale",
    bug: "a member reads users' permissions from a cache that a role's permission grant does not refresh (every other auth change does): until the next change, the role's users are refused what the grant allows",
    modelledOn:
      "etcd's rangePermCache, which every auth change must refresh (etcd #14355: not loaded on restart, users refused until the next auth change; #13883 and #14571: not refreshed on snapshot recovery); found missing by a hand-written bug while the auth check judged only what was served, never what was refused",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-tokens-survive-password-change",
    bug: "a member applying a user's password change or deletion keeps the user's simple tokens: a client that authenticated before the change goes on reading and writing with its old token",
    modelledOn:
      "etcd's UserChangePassword and UserDelete call invalidateUser (auth/store.go), which drops the user's simple tokens from the member's memory; found missing by a hand-written bug while the auth checkers judged principals, never the token a request carried",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-old-revision-returned",
    bug: "a write its applier refuses for an older auth revision (the auth store changed between the member resolving the token and applying the entry) is answered auth-old-revision instead of being proposed again",
    modelledOn:
      "etcd's raftRequest loops on ErrAuthOldRevision (etcdserver/v3_server.go), so only a read, checked outside Raft, ever answers it; found missing by a hand-written bug in a mutation campaign over core/etcd, while the auth check judged only permission-denied refusals",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-nested-txn-unchecked",
    bug: "the auth applier checks a Txn's compares and operations but not those of a Txn nested in it: any user reads and writes any key through a nested Txn",
    modelledOn:
      "etcd's GHSA-rfx7-8w68-q57q (2026): checkTxnReqsPermission had no case for RequestTxn; etcd 3.4.23 serves it (harness/real/auth-advisories.test.ts)",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-txn-put-side-reads-unchecked",
    bug: "a Put inside a Txn is checked by its key alone: a user allowed only to write reads the previous value through prev_kv, and attaches keys to a lease holding keys it may not write",
    modelledOn:
      "etcd's GHSA-x35m-3gp4-4fh5 / CVE-2026-44283 (fixed by #21677, backported to 3.4 by #21688): checkTxnReqsPermission checked a RequestPut's key but not its prev_kv or lease; etcd 3.4.23 serves it (harness/real/auth-advisories.test.ts)",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-watch-from-key-as-key",
    bug: 'a watch from a key to the end of the keyspace (range end "\\0") is permission-checked as a watch of that one key: a user allowed to read a single key watches every key after it',
    modelledOn:
      "etcd's GHSA-xg4h-6gfc-h4m8 (2026): the watch server rewrote a from-key range end to an empty one before isWatchPermitted; etcd 3.4.23 serves it (a READ grant on /p streamed a put of /q/secret)",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-dropped-during-nospace",
    bug: "while a member's NOSPACE alarm is active it checks no request's permissions: any user deletes any key (puts are refused for the alarm anyway) and any user's auth admin request is applied, auth disable included",
    modelledOn:
      "etcd PR #22386 (open, 2026): raising NOSPACE rebuilt the applier chain as capped(backend), without the auth applier, so DeleteRange, a Txn that only deletes, LeaseRevoke and the auth admin requests went unchecked until the disarm; etcd 3.4.23 does it too (a tenant deleted a key outside its grant and disabled auth during an alarm)",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-alarm-unchecked",
    bug: "etcd's Maintenance service lets anyone call Alarm with auth on: a user without the root role, or a client with no token at all, raises a NOSPACE alarm (every write refused until an operator disarms it) or disarms one",
    modelledOn:
      "GHSA-q8m4-xhhv-38mg (CVE-2026-33413, fixed in 3.4.42, 3.5.28 and 3.6.9): authMaintenanceServer passed Alarm through unchecked; etcd 3.4.23 does it too (a client with no token raised NOSPACE, after which every write was refused)",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-lease-revoke-unchecked",
    bug: "with auth on, a LeaseRevoke passes without the permission check: any user (one with no role at all) revokes a lease and so deletes every key attached to it, keys it may not write",
    modelledOn:
      'etcd before PR #8031 ("protecting lease revoking with auth", 2017: "current leases can be revoked by anyone"); since then the applier checks write permission on every key the lease holds (checkLeasePuts). auth-revoke\'s principals began keeping keys on leases and revoking leases they know of when the auth checker began judging the keys a revoke deletes',
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-member-change-unchecked",
    bug: "with auth on, a membership change needs no permission: a user without the root role, or a client with no token, removes a voter or adds a learner",
    modelledOn:
      "etcd #7181 (3.1-rc1: a member removed without authentication while auth was on); membership RPCs went around the v3 apply loop's auth checks until #6903 (etcd #6899) made them check the caller's root role",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-enabled-lost-on-recovery",
    bug: "a member that recovers from a snapshot (a restart, or one sent by the leader) gets its users and roles back but not the enabled flag: it serves every request without checking who sent it, until the next auth enable",
    modelledOn:
      "etcd #7165 (2017): after a reboot, auth's enabled/disabled state could be lost, because NewAuthStore did not revive the flag from a backend recovered from a snapshot (a small --snapshot-count reproduced it); fixed by PR #7260",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-empty-password-accepted",
    bug: "Authenticate takes an empty password for any existing user: a client that names root with no password gets root's token",
    modelledOn:
      "etcd #5182 (2016): bcrypt.CompareHashAndPassword returned no error for an empty password, so `curl -u root:` passed etcd's v2 auth until #5196 refused empty passwords; found missing by a mutation campaign over core/etcd, when a member that skipped the password check of an existing user survived because nobody logged in with a wrong password",
    scenario: "auth-revoke",
  },
  {
    name: "kube-create-keeps-status",
    bug: "the apiserver stores the status a client sends with a create: a Deployment applied from an exported manifest starts out claiming ready replicas it does not have, a Pod sent as Running starts Running",
    modelledOn:
      "Kubernetes' PrepareForCreate resets status (pods to Pending, Deployments and ReplicaSets to empty); custom resources kept a status sent on create until their strategy began clearing it (kubernetes #50764); this testbed's own apiserver kept it until the kube-create-status check was written",
    scenario: "kube-smoke",
  },
  {
    name: "etcd-quota-txn-unguarded",
    bug: "the space quota guards Put and LeaseGrant but not Txn: a Txn's puts are admitted past the quota without raising NOSPACE, and applied while the alarm is active",
    modelledOn:
      "etcd's quotaKVServer, which checks Txn as it checks Put (and since #22134 counts nested Txns); a survivor of a mutation campaign over core/etcd/quota (Txn dropped from the guarded requests) that no checker saw, because the member reported to etcd-nospace only the writes its own, mutated, rule guarded: it now reports every request it applies, and the checker restates which ones cost",
    scenario: "quota-pressure",
  },
  {
    name: "etcd-backend-size-lost-on-restart",
    bug: "a restarted member counts its backend file as long as its live data, as if a crash defragmented it: writes the space quota refused before the crash are admitted after it",
    modelledOn:
      "bbolt's file keeps its length through a restart (only a defragmentation shrinks it, and until etcd #5132 not even that); this testbed's own etcd had the bug until etcd-nospace began keeping its own account of each member's backend instead of trusting the member's figure",
    scenario: "quota-pressure",
  },
  {
    name: "etcd-quota-counts-size-in-use",
    bug: "the space quota admits a write by the backend's size in use (its live data) instead of its file's size: after a compaction, writes fill the pages it freed past the quota the file already reached, and compaction alone lifts the pressure",
    modelledOn:
      "etcd's backendQuota.Available checks Backend().Size(), the bbolt file's length, and a compaction frees pages inside the file without shrinking it: only a defrag does (etcd #16779 asked why compaction alone does not recover, and the answer is this rule)",
    scenario: "quota-pressure",
  },
  {
    name: "etcd-quota-nested-txn-free",
    bug: "a Txn costs only its branches' top-level puts: puts inside a nested Txn pass the space quota and the NOSPACE applier, so a client writes on through an alarm",
    modelledOn:
      "etcd #22134 (costTxnReq ignored nested RequestTxn and so bypassed the backend quota check; fixed in 2026, backported to 3.5 by #22167); found on the way: the simulated etcd had that very cost function, and the member reported no write for such a Txn, so etcd-nospace could not see it",
    scenario: "quota-pressure",
  },
  {
    name: "kube-kubelet-ready-before-running",
    bug: "a kubelet reports a pod Ready as soon as it creates the pod's container, before the container runs: a rollout deletes old pods while the new ones still start",
    modelledOn:
      "kubernetes #135795 (a restarted kubelet marks a NotReady pod Ready before its probe workers exist: no worker was taken for no probe); written by hand for this testbed's bug hunt, it got past every checker while each read readiness from the pods' status",
    scenario: "kube-smoke",
  },
  {
    name: "kube-kubelet-ignores-container-exit",
    bug: "a kubelet restarts a container that died but does not report its pod not ready: the pod stays Ready through the restart back-off while nothing serves",
    modelledOn:
      "kubernetes #5927 and #5668 (pods shown Running while their containers kept dying: the kubelet's status followed its sync loop, not the container's death); written by hand once the nemesis could kill containers",
    scenario: "container-crashes",
  },
  {
    name: "kube-kubelet-reboot-keeps-ready",
    bug: "a rebooted node's kubelet says nothing of its pods until their containers run again: the pods it had reported Ready stay Ready through the reboot's restarts",
    modelledOn:
      "the status a kubelet keeps across its restart (kubernetes #100277 and #125397, where containers outlive the kubelet and keeping Ready is wished for) applied to a node whose containers died with it; written by hand once container-crashes rebooted nodes",
    scenario: "container-crashes",
  },
  {
    name: "kube-kubelet-reboot-resets-phase",
    bug: "a rebooted node's kubelet counts its pods' containers from nothing: a pod that ran there is reported Pending, restart count 0, until its container runs again",
    modelledOn:
      "etcdsim's own kubelet before kube-binding judged phases (container-crashes seed 1, node-failures seed 1: Running, then Pending after the node's reboot); Kubernetes' getPhase keeps a pod Running while a container that ran restarts (restartPolicy Always), and the runtime's exited container carries the restart count across the reboot",
    scenario: "container-crashes",
  },
  {
    name: "kube-kubelet-rejects-keeping-ready",
    bug: "a kubelet that rejects a pod (OutOfpods) writes phase Failed and leaves the pod's Ready condition as it was: a pod that ran before the kubelet restarted, rejected on re-admission, is stored Failed and Ready",
    modelledOn:
      "kubernetes #108594 (a 1.22 regression: terminal pods reported with Ready true), fixed by PR #110256, which has mergePodStatus set the ready conditions false for a terminal phase; found in this testbed's own kubelet by a sweep (tight-nodes seed 3006: a restarted kubelet re-admitting the pods of an overfilled node), which kube-binding's rule that a ready pod is Running caught",
    scenario: "tight-nodes",
  },
  {
    name: "kube-kubelet-first-start-counted-restart",
    bug: "a kubelet counts a pod's first container as the restart of one before it: the pod is reported Running, restart count 1, while its container is only being created",
    modelledOn:
      "a survivor of a mutation campaign over this testbed's own kubelet (the reboot fix's condition, && for ||), which no checker saw: kube-ready-truthful now holds the stored phase and restart count to the runtime's log, as Kubernetes' getPhase and restart counting have them",
    scenario: "kube-smoke",
  },
  {
    name: "kube-kubelet-no-admission",
    bug: "a kubelet runs every pod bound to its node, however many: nothing on the node checks the pods against its capacity, so a scheduler that binds on a stale view overfills it",
    modelledOn:
      "etcdsim's own kubelet before kube-node-capacity (deployment-rollout seed 59 at capacity 2: a bind of unknown outcome, forgotten by the scheduler, put a third pod on a two-pod node); Kubernetes leaves the last word to the kubelet's admission because the scheduler's view lags (kubernetes #10928, #76772, #115325: pods rejected OutOfpods/OutOfcpu/OutOfmemory after the scheduler bound them)",
    scenario: "tight-nodes",
  },
  {
    name: "kube-kubelet-keeps-deleted-pods",
    bug: "a kubelet leaves the container of a pod deleted from the API running: a rollout's old pods, a scale down's extra ones, serve on after the API says they are gone",
    modelledOn:
      "kubelets that kept the containers of deleted pods running: kubernetes #68738 (after a redeployment an old pod the API no longer knew kept its containers, and its leader-election lease), #9833 (nodes that did not kill the containers of deleted pods); written by hand: liveness read only the API's objects, and a deleted pod leaves no status to read",
    scenario: "kube-smoke",
  },
  {
    name: "kube-kubelet-counts-rejected-pods",
    bug: "a kubelet's admission counts a pod it rejected as one it holds until the rejection's status write is acknowledged: a pod that arrives meanwhile is turned away (OutOfpods) from a node with room",
    modelledOn:
      "kubernetes #135296 (fixed by PR #136508): a rejected pod's status round trip left it counted as active in the kubelet's resource accounting, so the next pod was rejected too; written by hand once kubelets admitted pods",
    scenario: "tight-nodes",
  },
  {
    name: "etcd-lease-promote-unscheduled",
    bug: "a new leader gives every lease a fresh TTL but queues none of them for expiry: a lease granted under an earlier leader and never kept alive since lives on, and so do its keys",
    modelledOn:
      "etcd's lessor.Promote, which must register each refreshed lease with the expiry queue (leaseExpiredNotifier.RegisterOrUpdate) that Demote cleared; expired leases left out of that queue were never revoked in etcd-io/etcd #10686 (fixed by PR #10693) and #9935; written by hand for this testbed's mutation campaign, it got past every checker until lease-expiry",
    scenario: "lease-sessions",
  },
  {
    name: "etcd-client-retries-unknown-outcome",
    bug: "an etcd client resends a request its member answered with a timeout, whose outcome is unknown (the entry may be in the log), as if it had failed: a put the cluster applied is applied again under a second revision, a Txn a second time",
    modelledOn:
      'etcd clientv3 before PR #6691 ("do not retry on mutable operations", 2016: retrying on Put might put the same key twice and save two revisions), and etcd #18424 on the retry interceptor; a survivor of a mutation campaign over core/etcd/client (every error retried) that no checker saw: both entries are legal, and only a read between the two revisions contradicts the history',
    scenario: "kv-chaos",
  },
  {
    name: "etcd-reconfig-remove-unchecked",
    bug: "a leader proposes any voter's removal without asking whether the voters left make an active quorum: an admin who removes a healthy member while another is down leaves a cluster that can commit nothing until the down member returns",
    modelledOn:
      'etcd before PR #6156 ("reject member removal that breaks active quorum", 2016), whose strict reconfiguration check counted started members, not connected ones; a survivor of a mutation campaign over core/etcd (the health check computed on the removed member alone) that no checker saw: a stuck cluster breaks no safety rule, and liveness waits for the down member to return',
    scenario: "membership-change",
  },
  {
    name: "etcd-member-change-refused-on-stepdown",
    bug: "a leader that steps down answers the membership requests it proposed with not-leader, a definite refusal, though each change is in the log and the next leader may commit it: the admin retries, or gives up, on a cluster that already changed",
    modelledOn:
      "Jepsen's definite versus indeterminate failures; kubespray PR #6587 met an etcd member add that failed yet added the member; written by hand for this testbed's mutation campaign, where a member answering a proposed change with an error got past every checker until the membership check held each applied change to a request that succeeded or may have",
    scenario: "membership-change",
  },
  {
    name: "kube-apiserver-serves-duplicates",
    bug: "an apiserver serves a request again when a copy of it arrives, as if a client or proxy had resent a POST after a connection reset: a create naming its object by generateName makes a second object under another name",
    modelledOn:
      "client-go retries only GETs after a connection reset because writes are not idempotent (kubernetes #55860); this simulated apiserver served every copy the network duplicated until kube-replica-creations, written for this testbed's mutation campaign, found the ReplicaSets' extra pods",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-apiserver-leaks-etcd-watch",
    bug: "an apiserver stops serving a watch its client cancelled but leaves the etcd watch under it open: the stream lives on, fed every change of its resource, read by nobody, and each cancelled watch adds one",
    modelledOn:
      "kubernetes #66312: watches stopped by their clients leaked streams in the apiserver's etcd client until it ran out and every call on the resource timed out (504); etcd's own watch leaks, etcd-io/etcd #9416 and #6134; a survivor of this testbed's mutation campaign (the registry's cancel inverted), caught once watch-leaks accounted for every etcd watch an apiserver holds",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-taint-manager-deaf",
    bug: "the node lifecycle controller taints an unreachable node NoExecute, but its taint manager never hears of the node's taints: the pods on a dead node are never evicted, and their ReplicaSet never replaces them",
    modelledOn:
      "kubernetes #42733 (2017; fixed by PR #42913, broken again and reported as #45342): the node informer's handlers that feed the NoExecute taint manager were registered in one branch of an if (allocate-node-cidrs set) and not the other, so on clusters without it taint-based eviction never evicted a pod; found missing by a mutation campaign over core/kube, when a controller that never evicted survived: kube-node-health judged each eviction's timing but not that one happens",
    scenario: "node-failures",
  },
  {
    name: "kube-node-lease-renew-time-before",
    bug: "the node lifecycle controller counts a node's Lease renewal only if its renewTime is later than the last one it saved: after the kubelet's clock steps back, its renewals go unseen, and a node whose kubelet never stopped is marked Unknown, tainted and emptied",
    modelledOn:
      "kubernetes #113081 (open): nodeHealth.probeTimestamp moves only when savedLease.Spec.RenewTime.Before(observedLease.Spec.RenewTime), so a node whose clock jumps back goes Unknown (PR #114112 proposed comparing for a change instead; this testbed's controller does)",
    scenario: "node-failures",
  },
  {
    name: "kube-client-watch-wall-clock",
    bug: "a Kubernetes client times a watch's silence on the wall clock: after the clock steps back, a watch that died is never found silent, and a kubelet cut off meanwhile never sees its pods deleted (their containers run on)",
    modelledOn:
      "Go's time.Since reads the monotonic clock precisely so that wall-clock steps cannot stretch or shrink a timeout (kubernetes #113081 and #108844 show nodes' clocks stepping); this testbed's own client measured silence with the wall clock until node-failures seed 31 left a deleted pod's container running 20 s after heal",
    scenario: "node-failures",
  },
  {
    name: "kube-kubelet-trusts-status-cache",
    bug: "a kubelet does not send a pod's status again while it equals the last one acknowledged, whatever the API holds now: pods the node lifecycle controller marked not ready while their node was unreachable stay not ready once it is back",
    modelledOn:
      'kubernetes #80968 and #88964: after a node was Unknown for a while, MarkPodsNotReady left its pods Ready=False for good, since the kubelet\'s status manager logged "Ignoring same status" against its own cache',
    scenario: "node-failures",
  },
  {
    name: "etcd-lease-checkpoint-unscheduled-on-promote",
    bug: "with lease checkpoints on, a new leader schedules no checkpoint: leases are checkpointed only until the first leader change, and every later leader restarts them from that old remainder, so a lease no one renews outlives its TTL by each tenure",
    modelledOn:
      "etcd-io/etcd PR #13491: checkpoints were scheduled only at grant and at a checkpoint's apply on the primary, so after the first leader change none was scheduled again (fixed by scheduling every lease in lessor.Promote)",
    scenario: "lease-checkpoints",
  },
  {
    name: "etcd-lease-checkpoint-not-persisted",
    bug: "a checkpoint's remaining TTL lives only in memory: a member restored from its snapshot (a restart, or a snapshot from the leader) forgets it and, once leader, restarts the lease's whole TTL",
    modelledOn:
      "etcd-io/etcd PR #13508 (LeaseCheckpointPersist): remainingTTL was not written to the backend, so after a restart, or any state restored from a snapshot, checkpointing stopped working",
    scenario: "lease-checkpoints",
  },
  {
    name: "etcd-lease-renew-stale-checkpoint",
    bug: "a keep-alive clears its lease's checkpointed remainder as etcd's lessor.Renew does: only if a checkpoint has already applied, answering even if the clear failed, and refreshing only after the clear: a checkpoint still in flight, or taken while the clear was, leaves a remainder from before the renewal for the next leader, which ends the lease before the TTL the keep-alive promised",
    modelledOn:
      "etcd's lessor.Renew and its checkpointer (server/lease/lessor.go, server/etcdserver/server.go, v3.6): clearRemainingTTL reads the applied remainingTTL, the checkpointer returns nil whatever raftRequestOnce returned, and refresh(0) runs after the clear; found by lease-safety in lease-checkpoints on a lessor that followed that code, not reported upstream",
    scenario: "lease-checkpoints",
  },
  {
    name: "etcd-lease-keepalive-clear-unproposed",
    bug: "a leader never proposes the clear a keep-alive of a checkpointed lease waits for: once a checkpoint has recorded a lease's remainder, every keep-alive of it fails (timeout), and its holder loses the lease on a healthy cluster",
    modelledOn:
      "a survivor of a mutation campaign over core/etcd (a negated leader check in the clear's proposal): no checker judged that a healed cluster keeps a checkpointed lease alive, since a failed keep-alive promises nothing; the liveness probe now keeps its lease alive again after a checkpoint interval",
    scenario: "lease-checkpoints",
  },
  {
    name: "etcd-lease-ttl-after-demote",
    bug: "a leader that stops leading while a LeaseTimeToLive waits for its apply answers from its demoted lessor, whose leases never expire: TTL 9223372036 seconds, a promise the next leader does not keep",
    modelledOn:
      'etcd PR #17642 (3.6), backported as #17704 (3.5.14) and #17705 (3.4.32): "LeaseTimeToLive returns error if leader changed"; before it, leaseTimeToLive read Remaining() of a lease its lessor had demoted during waitAppliedIndex, which is math.MaxInt64 nanoseconds',
    scenario: "lease-sessions",
  },
  {
    name: "mvcc-watch-range-end-inclusive",
    bug: "a watch over [key, range_end) also delivers the changes of range_end itself: a watcher of a key range hears a key it did not ask for",
    modelledOn:
      "a survivor of this testbed's mutation campaign (the watch hub's range test read < as <=), which no watch of a range ending at a written key could notice until kv-chaos began watching single keys and key ranges; the class of etcd's range-end slips in watch (#4697, the full key range watched wrongly, fixed by PR #4698; PR #7748, clientv3/namespace's prefix end)",
    scenario: "kv-chaos",
  },
  {
    name: "kube-reflector-relists-from-zero",
    bug: 'an informer lists with resourceVersion "0" every time, its first list and every relist: a list through an apiserver whose watch cache lags behind what the informer has seen hands it an older state, and its controller acts on the past',
    modelledOn:
      'client-go\'s Reflector before kubernetes #67998 and #83520 ("Avoid going back in time in Reflector relist"): ListAndWatch always listed at "0", served from the watch cache, so a reflector could go back in time within one run (kubernetes #59848); its first list stayed "0" until the WatchListClient gate (on by default in client-go 1.35, kubernetes PR #134180) made it consistent',
    scenario: "watch-cache",
  },
  {
    name: "kube-watch-cache-consistent-read-unblocked",
    bug: "a list with no resourceVersion served from the watch cache as it is, without first waiting for the cache to reach etcd's current revision: a consistent read that misses writes etcd acknowledged before it began",
    modelledOn:
      "Kubernetes' consistent reads from cache (KEP-2340, ConsistentListFromCache, beta in 1.31): the cacher reads etcd's current revision, requests a progress notification and waits until the cache reaches it; the feature waited on etcd #15220 (progress notifications ahead of events), whose absence would serve such a stale read",
    scenario: "watch-cache",
  },
  {
    name: "kube-watch-cache-watch-during-reinit",
    bug: "a watch cache that is relisting after losing its etcd watch still starts watches, from the window it had, and keeps them across the relist: the changes between that window and the new list never reach them",
    modelledOn:
      'kubernetes #116122 ("Cacher may not send events if it reinitializes at the time of watch initialization"), fixed by PR #116172, which terminates every watcher when the cache is replaced; found by a mutation campaign over this testbed\'s watch cache (its readiness check in wake() relaxed)',
    scenario: "watch-cache",
  },
  {
    name: "kube-watch-cache-expired-window",
    bug: "a watch cache asked for changes from before its window serves the changes it still holds instead of answering 410 Gone: the changes in between are never sent and the informer's cache keeps objects that changed or were deleted",
    modelledOn:
      'kubernetes #91415 (fixed by PR #91417): the watch cache accepted watches it should have answered "too old resource version"; and #49992, an off-by-one in the oldest revision an empty window could serve, which missed the event right after the cache\'s list',
    scenario: "watch-cache",
  },
  {
    name: "kube-watch-cache-list-unblocked",
    bug: 'a watch cache answers a list "not older than" N as soon as it is ready, even before it has reached N: an informer relisting from its last revision through a lagging apiserver still goes back in time',
    modelledOn:
      "the Cacher's waitUntilFreshAndBlock (k8s.io/apiserver), which holds such a list until the cache reaches N or 3 s pass (\"Too large resource version\"); the consistency the reflector's fix in kubernetes #83520 relies on",
    scenario: "watch-cache",
  },
  {
    name: "kube-watch-cache-namespace-prefix",
    bug: 'a watch cache matches a namespace\'s keys as a bare string prefix ("/registry/pods/shop"): a list or watch of namespace "shop" also returns the objects of "shop-canary", and a namespaced controller acts on another namespace\'s objects',
    modelledOn:
      'kubernetes PR #25342 ("prevent API server cache list/watch from other namespaces"): the cacher\'s filter tested strings.HasPrefix(objKey, key), so a list or watch of ns1 also returned the pods of ns11',
    scenario: "tenants",
  },
  {
    name: "kube-watch-cache-namespace-watch-silent",
    bug: "a watch cache replays its window to a watch of one namespace and then sends it nothing: every later change goes only to the watches of the whole kind, and a namespaced controller's caches stand still",
    modelledOn:
      "kubernetes #125133 (fixed by PR #125145, 1.27+ regression): the cacher indexed a single-namespace watch under its namespace but dispatched the events under none, so the watch was established and then heard nothing",
    scenario: "tenants",
  },
  {
    name: "raft-read-index-dropped-before-term-commit",
    bug: "a new leader drops a ReadIndex request that comes before an entry of its term commits, instead of answering it once one does: the read waits for its member's timeout (200 ms here) and fails, on a cluster with nothing wrong",
    modelledOn:
      "etcd-io/etcd PR #7332 (2017), which made the leader drop such requests silently; etcd #12680 saw reads stall after elections, and PR #12762 (backported to 3.4 in #14258) postpones them until the first commit of the term; caught by `responsive`, which holds a fault-free run to prompt answers (a campaign survivor in the ReadIndex queue had shown no check judged latency)",
    scenario: "smoke",
  },
  {
    name: "kube-graceful-delete-extends-deadline",
    bug: "a delete of a pod that is already terminating, with a grace period no longer than its own, sets the deletion deadline afresh from now: each repeated `kubectl delete --grace-period` moves deletionTimestamp later",
    modelledOn:
      'kubernetes PR #27539 (2016, a 1.3 regression): BeforeDelete reset deletionTimestamp to now + the requested period, so "it was possible to extend delete timestamp to infinity by issuing repeated DELETE calls"; since then a later delete may only shorten the period, moving the deadline back by the difference',
    scenario: "terminating-pods",
  },
  {
    name: "kube-kubelet-terminating-without-container",
    bug: "a kubelet removes a terminating pod only once it has stopped the pod's container: a pod with nothing running on the node (its node rebooted while it terminated) stays Terminating for good",
    modelledOn:
      "as kubernetes PR #106711 (2021) describes it: before 1.22 the kubelet's pod worker could exit with every container already gone, and a terminating pod was never deleted unless forced or the kubelet restarted; pods stuck Terminating after a node's reboot are a long-running class (kubernetes #118286)",
    scenario: "terminating-pods",
  },
  {
    name: "kube-kubelet-removes-without-terminal-phase",
    bug: "a kubelet removes a terminating pod once its containers have stopped without first writing the pod's terminal phase: the pod goes while its phase still says Running, and a controller holding it with a finalizer until it is Failed or Succeeded (as the Job controller does) waits for good",
    modelledOn:
      'the kubelet before Kubernetes 1.27: kubernetes PR #115331 ("Give terminal phase correctly to all pods that will not be restarted") made it transition deleted pods to Failed or Succeeded before their deletion from the API server, so that the Job controller can take its tracking finalizer off deleted pods (KEP-3329)',
    scenario: "terminating-pods",
  },
  {
    name: "kube-finalizers-ignored-at-grace-zero",
    bug: "a delete with grace period 0 removes the object whatever finalizers it still has: a kubelet's last delete of a terminating pod takes it away before the controllers holding it have done their part",
    modelledOn:
      'kubernetes PR #32351 (2016): "Non-empty Finalizers fails to prevent a pod from being deleted, if deleteOptions.GracefulPeriod=0" — the storage of a kind with graceful deletion went straight to the removal',
    scenario: "terminating-pods",
  },
  {
    name: "kube-finalizer-added-while-terminating",
    bug: "the apiserver takes a new finalizer on an object that is already terminating: a controller acting on a stale copy puts its finalizer back after another took its own off, and the object's removal waits on work that began after its deletion",
    modelledOn:
      "Kubernetes' ValidateNoNewFinalizers (apimachinery's objectmeta.go, checked on every update of an object whose deletionTimestamp is set): \"no new finalizers can be added if the object is being deleted\"; written by hand — the rule operators' controllers trip over (kubebuilder adds a finalizer only while DeletionTimestamp is zero)",
    scenario: "terminating-pods",
  },
  {
    name: "kube-rs-status-counts-unready",
    bug: "the ReplicaSet controller counts every active pod as ready in its status: a new ReplicaSet reports its pods ready while they still start, and a rolling update scales the old one down by them before they serve",
    modelledOn:
      "Kubernetes defines ReplicaSetStatus.readyReplicas as \"the number of non-terminating pods targeted by this ReplicaSet with a Ready Condition\", and the Deployment controller scales an old ReplicaSet down by the new one's status; written by hand for this testbed's bug hunt, it passed 300 deployment-rollout seeds (kube-min-available forgives every shortfall with a fault near) until kube-replicaset-status judged the status itself",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-rollout-scale-down-one-too-many",
    bug: "the Deployment controller's scale down of old ReplicaSets allows one replica more than the ready ones above replicas − maxUnavailable: every step of a rolling update takes one ready pod too many away",
    modelledOn:
      "Kubernetes' scaleDownOldReplicaSetsForRollingUpdate (totalScaleDownCount = availablePodCount − minAvailable); written by hand for this testbed's bug hunt, it passed 99 of 100 deployment-rollout seeds and 60 controller-conflicts seeds (kube-min-available forgives a shortfall with a fault near) until kube-rollout-decisions judged the controller's scales on its own caches' view",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-rs-deletes-one-too-many",
    bug: "the ReplicaSet controller's scale down deletes one pod more than the ReplicaSet has beyond its replicas: each scale down dips below the count, and the controller makes a pod again",
    modelledOn:
      "Kubernetes' manageReplicas deletes len(filteredPods) − replicas; written by hand for this testbed's bug hunt, it passed 100 deployment-rollout and 60 controller-conflicts seeds (kube-min-available forgives the dip with a fault near; only the fault-free kube-smoke caught it) until kube-replica-deletions judged the controller's deletions on its own caches' view",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-scheduler-ignores-capacity",
    bug: "the scheduler binds pods to a node whatever room its cache shows there: a full node's kubelet turns them away (OutOfpods), and the ReplicaSet controller makes them again",
    modelledOn:
      "kube-scheduler's NodeResourcesFit filter on its cache, its own binds assumed in it; written by hand for this testbed's bug hunt, it passed 100 tight-nodes seeds (the kubelets' admission kept every node within its capacity, so kube-node-capacity held) until kube-scheduler-fit judged each bind on the scheduler's own view",
    scenario: "tight-nodes",
  },
  {
    name: "kube-deployment-unavailable-unclamped",
    bug: "a Deployment's status counts its unavailable replicas as the desired less the available ones without the floor at 0: while a scale down has more pods ready than wanted, the count goes negative",
    modelledOn:
      "kubernetes #21900 (2016, fixed by PR #21902) and PR #38299 (2016: the scale-down case): the Deployment controller wrote unavailableReplicas -1, which the apiserver's validation refused, so the status stopped updating; found missing by a mutation campaign over core/kube, when a controller whose unavailable count was always 0 or below went unseen: no check read it",
    scenario: "deployment-rollout",
  },
  {
    name: "etcd-replay-rechecks-quota",
    bug: "a restarted member applies again, through the quota applier, the entries its backend already held: a write admitted before the crash is judged against the file's length after it, answered no-space and made to raise a NOSPACE alarm",
    modelledOn:
      "etcd PR #3746 (2015: a member restoring from disk applied again entries its v3 store already held; since then applyEntryNormal skips any entry at or below the backend's consistent index) and PR #7856 (the consistent index set for every entry type); the simulated etcd itself replayed from its last Raft snapshot through the quota until it kept a consistent index (about one quota-pressure seed in ten raised an alarm etcd would not have)",
    scenario: "quota-pressure",
  },
  {
    name: "kube-kubelet-ran-from-api-status",
    bug: "a rebooted node's kubelet decides whether a pod's container ran before from the pod's status in the API, not from its runtime's record: when the previous incarnation's Running status lands late, the kubelet takes the pod for new and writes it back to Pending",
    modelledOn:
      'kubernetes #10319 (2015: a pod went from Running back to Pending; "regardless of container restarts, pod status should not transit back to pending") and PR #59228 (2018: the kubelet fell back to the API\'s previous phase when it had no container statuses); after a reboot the kubelet reads the exited containers from the runtime (kubernetes #126650). Found in the simulated kubelet itself by a sweep (tight-nodes seed 159)',
    scenario: "tight-nodes",
  },
  {
    name: "etcd-reconfig-quorum-overcounted",
    bug: "the strict reconfiguration check asks for one active voter more than a quorum of the configuration a change leads to: a leader refuses as unhealthy a removal or promotion that leaves an active quorum, and an admin cannot replace a member while another is down",
    modelledOn:
      'etcd #6305 (2016: a regression of the strict reconfiguration check refused a remove from a two-member cluster as "unhealthy cluster") and #15710 (2023: "unexpected \'unhealthy cluster\' when removing a downed member"); a survivor of a mutation campaign over core/etcd (the active count compared with > instead of >=) that no check saw, because etcd-reconfig-health judged only the changes a leader let through, never its refusals',
    scenario: "membership-change",
  },
  {
    name: "kube-lease-transitions-uncounted",
    bug: "a replica that takes over a leader-election Lease keeps its leaseTransitions: the Lease says its holder never changed, and whoever counts failovers by it (kubectl describe lease, dashboards, alerts) sees none",
    modelledOn:
      "client-go's tryAcquireOrRenew, which adds one to LeaderTransitions whenever a replica that is not the leader acquires the lock; a survivor of a mutation campaign over core/kube (the takeover's increment inverted) that no check saw, because no check read leaseTransitions",
    scenario: "deployment-rollout",
  },
  {
    name: "etcd-compaction-frees-nothing",
    bug: "the pages a compaction frees never return to the backend's freelist: the member's file grows as if nothing had been compacted, and it reaches the space quota (and raises NOSPACE) long before etcd would",
    modelledOn:
      "etcd #8009 / kubernetes #45037 (2017: GKE clusters' etcd databases grew from 16 MB to the 4 GB quota over two days, while their last key sat 32 MB into a 5 GB file: the space was never reused); a survivor of a mutation campaign over core/etcd (the recount after a compaction inverted) that no check saw: etcd-nospace recounted only on the member's report, and the member judged its size by its own count",
    scenario: "quota-pressure",
  },
  {
    name: "kube-compactor-stops-on-error",
    bug: "an apiserver's compaction loop ends after a round that could not reach etcd: once every apiserver has had one such round, nothing compacts etcd again and its history grows until the space quota stops every write",
    modelledOn:
      "kops #5936 (2018: a cluster left alone for days until every apply failed with \"mvcc: database space exceeded\"; its apiservers' compaction had stopped) and kubernetes #68172 (2018: the compactor's goroutine panicked on an answer it did not expect); a survivor of a mutation campaign over core/kube (a loop that stopped after its first round) that only a unit test saw, until kube-compaction judged each apiserver's rounds",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-deployment-status-counts-wanted",
    bug: "the Deployment controller's status counts the replicas its ReplicaSets want as ready and available: `kubectl rollout status` and the Available condition see a rollout done before its new pods serve",
    modelledOn:
      "Kubernetes' calculateStatus sums the ReplicaSets' readyReplicas and availableReplicas; written by hand for this testbed's bug hunt, it passed every seed of deployment-rollout and kube-smoke (no check read a Deployment's status) until kube-deployment-status judged it against its ReplicaSets' statuses",
    scenario: "deployment-rollout",
  },
  {
    name: "kube-workqueue-hands-out-busy-key",
    bug: "a controller's work queue hands out a key added while a worker still processes it: two workers reconcile one object at once, each on the same view, and both act",
    modelledOn:
      "client-go's workqueue (\"Stingy: a single item will not be processed multiple times concurrently\"; its processing set defers a key added meanwhile); written by hand for this testbed's bug hunt, it passed 54 of 60 deployment-rollout seeds and every kube-smoke seed, until the controller runtime asserted the contract",
    scenario: "deployment-rollout",
  },
  {
    name: "raft-read-served-unapplied",
    bug: "a linearizable read is served as soon as the leader confirms its read index, before the member has applied up to it: a lagging member answers from a state without writes already acknowledged",
    modelledOn:
      "etcd's linearizableReadLoop waits until the applied index reaches the ReadIndex answer (raft thesis §6.4 step 4: \"waits for its state machine to advance at least as far as the readIndex\"); written by hand for this testbed's bug hunt, it passed 299 of 300 kv-chaos and 199 of 200 kv-partition seeds (a member applies what it commits within the same step, so the window is rare) until raft-safety's read-served-applied judged the applied index at each read served",
    scenario: "kv-chaos",
  },
  {
    name: "raft-check-quorum-needs-every-voter",
    bug: "CheckQuorum counts a quorum as every voter: a leader steps down whenever one voter has not answered within an election timeout, so a single crashed or cut-off member keeps the cluster electing",
    modelledOn:
      "etcd #5879 (2016): a leader with CheckQuorum stepped down though a quorum was active (reporting a finished snapshot reset the follower's recent activity); a survivor of a mutation campaign over core/raft (a majority counted with > instead of >=) that no check saw, because raft-check-quorum judged only leaders that stayed too long, never one that stepped down needlessly",
    scenario: "kv-partition",
  },
  {
    name: "raft-check-quorum-ignores-activity",
    bug: "a leader's CheckQuorum counts every voter as active, whether it answered since the last check or not: a leader cut off from a quorum never steps down and keeps its clients' requests waiting until the partition heals",
    modelledOn:
      "etcd-io/raft's stepLeader on MsgCheckQuorum (QuorumActive reads each progress's RecentActive, reset every election timeout); a survivor of a mutation campaign over core/raft (id !== this.id for ===), which no checker saw: a leader that cannot commit breaks no safety rule",
    scenario: "kv-partition",
  },
  {
    name: "raft-stale-vote-counted",
    bug: "a candidate counts a vote granted in an earlier term: a grant delayed past the candidate's election timeout elects it in a later term in which no quorum voted for it, and a second leader of that term may follow",
    modelledOn:
      "andreev-io/little-raft #44 and ktoso/akka-raft #46 (vote responses not checked against the candidate's term); etcd-io/raft's Step drops every message of a lower term. Written by hand for this testbed's bug hunt, it passed all 380 seeds swept of kv-chaos, kv-partition, leader-isolation, membership-change and kv-crash (raft-safety's leader-voted then caught 2 of the 100 kv-partition ones): a grant must outlive an election timeout, and pre-vote keeps the candidate's term until it hears a quorum",
    scenario: "elections",
  },
  {
    name: "kube-rs-expectations-by-name",
    bug: "the ReplicaSet controller resolves a pod's owner by name alone: when a ReplicaSet is deleted and made again under the same name (a Deployment deleted and re-applied), the old one's pods satisfy the new one's expectations, and it makes its pods twice",
    modelledOn:
      "Kubernetes' resolveControllerRef, which looks the owner up by name and gives up unless its UID matches (kubernetes PR #41984 made RC/RS use ControllerRef for their expectations, #42659 added the UID check; #69376 is the same-name race on deletion); this testbed's own ReplicaSet controller had the bug until a sweep found controller-conflicts seed 7120 (kube-replica-creations)",
    scenario: "controller-conflicts",
  },
  {
    name: "kube-rs-ignores-expectations",
    bug: "the ReplicaSet controller syncs a ReplicaSet while its expectations are unsatisfied: on a pod cache that has not yet seen its own creations it creates the pods again (or deletes again what it has already deleted)",
    modelledOn:
      "client-go's ControllerExpectations exist for this (kubernetes #41675, \"started too many pods\" on a slow pod cache; #129795, extra pods once expectations expire); kuberay #704/#715 created pods twice from a stale cache with no such accounting. Written by hand for this testbed's bug hunt, it passed every Kubernetes scenario while the simulated controller runtime held the ReplicaSet controller's own writes in its cache (a mutation cache client-go's ReplicaSet controller does not have)",
    scenario: "controller-conflicts",
  },
  {
    name: "kube-bind-deleting-pod",
    bug: "the scheduler binds a pod that is being deleted and the apiserver lets the bind land: a pod deleted before it had a node (its delete took no grace period, a finalizer keeps it) is sent to a node anyway",
    modelledOn:
      "the pods/binding subresource's setPodHostAndAnnotations (\"pod is being deleted, cannot be assigned to a host\") and kube-scheduler's skipPodSchedule (kubernetes PR #39081); this testbed's scheduler and apiserver did both until a bug hunt counted 57 such binds landing in terminating-pods seeds 1..30",
    scenario: "terminating-pods",
  },
  {
    name: "etcd-lease-renew-wait-unanswered",
    bug: "a keep-alive of an expired lease waits for its revoke, but the revoke's apply answers the keep-alives waiting on the leases still there (not found, too early) and leaves those of the revoked lease waiting: their clients time out",
    modelledOn:
      "etcd's lessor.Renew, whose wait on an expired lease ends when its revokec closes (ErrLeaseNotFound) or the member is demoted (ErrNotPrimary); a survivor of this testbed's mutation campaign (the check turned around): a keep-alive that times out promises nothing, so no checker saw it until the member asserted, after every apply, that no keep-alive waits on a lease already gone",
    scenario: "lease-sessions",
  },
  {
    name: "etcd-alarm-proposed-answered-no-leader",
    bug: 'a member answers an alarm change it has proposed "no leader" (a definite error: nothing was done), and lets one it could not propose wait out its timeout: a disarm the operator was told failed takes effect',
    modelledOn:
      "etcd's Alarm RPC, which proposes the change through raftRequest and answers an error only if the proposal could not be made or was not applied in time; a survivor of this testbed's mutation campaign (the proposal's outcome turned around): etcd-nospace judged the alarms members applied, never the answers the callers got, until it began holding every applied disarm to a call answered ok or not at all",
    scenario: "quota-pressure",
  },
  {
    name: "etcd-member-change-acked-at-propose",
    bug: "the leader answers a membership change ok once it has proposed it, not once the change applied: the admin is told a member was added, promoted or removed before the cluster holds it, and a change lost with its leader was promised",
    modelledOn:
      "etcd's EtcdServer.configure, which registers a waiter for the ConfChange and answers only once the change applied (else ErrTimeout or ErrStopped); written by hand for this testbed's bug hunt, it passed 40 of 40 membership-change seeds until membership began holding every request answered ok to a change applied between its call and its answer",
    scenario: "membership-change",
  },
  {
    name: "kube-kubelet-ignores-shortened-grace",
    bug: "a kubelet already stopping a pod's containers keeps the grace period it first saw: a later delete with a shorter period (kubectl delete --grace-period hurrying a stuck pod) does not bring the kill sooner",
    modelledOn:
      "kubernetes #83916 (the kubelet did not honour a shortened grace period on a pod already being deleted), handled since the pod worker's calculateEffectiveGracePeriod (Kubernetes 1.22); this testbed's kubelet did the same until a bug hunt counted 54 shortened periods in terminating-pods seeds 1..20 that it ignored",
    scenario: "terminating-pods",
  },
  {
    name: "kube-node-never-tainted",
    bug: "the node lifecycle controller marks a silent node's Ready Unknown but never taints it node.kubernetes.io/unreachable: no NoSchedule keeps pods off it and no NoExecute evicts the pods it holds, which stay bound to a dead node",
    modelledOn:
      "kubernetes #101674, #77981 and #94183 (nodes NotReady or Unknown left without the NoExecute taint, their pods never rescheduled; #98168 fixed one path); a campaign survivor (the taint's condition turned around) that kube-node-health passed until it began holding an Unknown node, under one leader and with another node Ready, to being tainted within 4 s",
    scenario: "node-failures",
  },
  {
    name: "kube-kubelet-starts-deleted-pod",
    bug: "a kubelet that first sees a pod already terminating (deleted after its bind, before the kubelet heard of it) starts its container anyway, and stops it only once it runs",
    modelledOn:
      "the kubelet's pod worker, which takes a pod first seen with a deletionTimestamp straight to termination without starting it (Kubernetes 1.22's pod lifecycle rework); written by hand for this testbed's bug hunt, judged by kube-grace-period's rule that no container is created once its kubelet saw the pod terminating",
    scenario: "terminating-pods",
  },
  {
    name: "kube-gc-foreground-skips-dependents",
    bug: "the garbage collector takes foregroundDeletion off an owner deleted in the foreground while its dependents are still there: the Deployment goes first, and its ReplicaSets and pods after it, as orphans",
    modelledOn:
      "Kubernetes' processDeletingDependentsItem, which removes the finalizer only once no dependent with blockOwnerDeletion is left (the foreground cascading deletion's promise); written by hand for this testbed",
    scenario: "controller-conflicts",
  },
  {
    name: "kube-gc-orphan-keeps-references",
    bug: "the garbage collector takes orphan off an owner deleted with propagationPolicy Orphan without taking its reference off the dependents: once the owner is gone they name a missing owner, and the collector deletes what it was told to keep",
    modelledOn:
      "Kubernetes' orphanDependents, which patches every dependent's ownerReferences before removeFinalizer (kubectl delete --cascade=orphan); written by hand for this testbed",
    scenario: "controller-conflicts",
  },
  {
    name: "kube-rs-manages-deleting",
    bug: "the ReplicaSet controller keeps making and deleting pods for a ReplicaSet being deleted: in the foreground it makes again the pods the garbage collector takes",
    modelledOn:
      "Kubernetes' syncReplicaSet, which calls manageReplicas only while rs.DeletionTimestamp is nil; written by hand for this testbed",
    scenario: "controller-conflicts",
  },
  {
    name: "kube-deployment-syncs-deleting",
    bug: "the Deployment controller goes on rolling out a Deployment being deleted: it makes and scales ReplicaSets while the garbage collector takes them or sets them free",
    modelledOn:
      "Kubernetes' syncDeployment, which only syncs the status (syncStatusOnly) once d.DeletionTimestamp is set; written by hand for this testbed",
    scenario: "controller-conflicts",
  },
  {
    name: "etcd-auth-disable-keeps-tokens",
    bug: "auth disable leaves every simple token alive: once auth is on again, a token issued before the disable is served",
    modelledOn:
      'etcd PR #5748 (2016, "disabling auth in v3 API"), whose AuthDisable began to invalidate every token; reached once auth-revoke\'s operator began turning auth off for a maintenance window',
    scenario: "auth-revoke",
  },
  {
    name: "etcd-auth-checks-while-disabled",
    bug: "a member goes on checking requests against the auth store after auth was disabled: a request without a token, or a user's outside its grant, is refused while auth is off",
    modelledOn:
      "etcd's isOpPermitted, which permits everything while auth is off (\"now auth passes unconditionally\", PR #5748's e2e test); written by hand for this testbed, reached once auth-revoke's operator began turning auth off for a maintenance window",
    scenario: "auth-revoke",
  },
  {
    name: "etcd-client-keeps-dead-token",
    bug: "a client whose token was refused and whose Authenticate answers that auth is not enabled keeps the dead token: every request it sends is refused as an invalid auth token until auth is on again, and the operator's auth enable itself never gets through",
    modelledOn:
      'clientv3 before etcd PR #13577 ("Reset auth token when failing to authenticate due to auth being disabled", backported to 3.4 by PR #16240); the simulated client had it until auth-revoke\'s operator began turning auth off and on (each of the 11 seeds of 1..40 that do so ended with auth off)',
    scenario: "auth-revoke",
  },
  {
    name: "kube-delete-ignores-propagation-policy",
    bug: "the apiserver ignores a delete's propagationPolicy: a Deployment deleted with --cascade=orphan or =foreground goes at once, and the collector then deletes the ReplicaSets and pods the user asked to keep (or deletes them after their owner instead of before)",
    modelledOn:
      "the store's deletionFinalizersForGarbageCollection, which turns DeleteOptions' propagationPolicy into the finalizers orphan and foregroundDeletion; written by hand for this testbed after a campaign's mutant that swapped the two policies survived (seed 5858: no check knew what kubectl had asked for)",
    scenario: "controller-conflicts",
  },
  {
    name: "etcd-move-leader-answers-early",
    bug: "MoveLeader answers as soon as it has asked Raft to transfer, without waiting until this member follows the transferee: etcdctl move-leader reports success for a transfer that may never happen (Raft abandons one that does not finish within an election timeout)",
    modelledOn:
      "EtcdServer.MoveLeader, which polls s.Lead() every tick until it is the transferee or the context ends (ErrTimeoutLeaderTransfer); written by hand for this testbed",
    scenario: "rolling-restart",
  },
  {
    name: "etcd-move-leader-unchecked-transferee",
    bug: "MoveLeader skips its membership check: a transfer to a member that is not a voter (unknown, or a learner) is handed to Raft, which ignores it, and the call waits out its deadline and times out instead of being refused at once",
    modelledOn:
      "EtcdServer.MoveLeader as it was when PR #8153 exposed it (2017): no check of the transferee, which later releases refuse with ErrBadLeaderTransferee when it is not a member or is a learner; written by hand for this testbed",
    scenario: "rolling-restart",
  },
  {
    name: "etcd-stop-waits-for-watches",
    bug: "a member stopping gracefully waits for every open watch stream to end before it goes on, with no deadline: a watch its client never ends (an apiserver's) holds the member up for ever, refusing every new request, and the upgrade that waits for it never goes on",
    modelledOn:
      "etcd #8224 (etcd 3.2 failed to shut down on SIGINT/SIGTERM while a watch was open: gRPC's GracefulStop waits for every stream), fixed by PR #8267, which cuts the streams left at the request timeout",
    scenario: "control-plane-upgrade",
  },
  {
    name: "kube-leader-release-before-stop",
    bug: "a leader elected with ReleaseOnCancel, stopped gracefully, writes its Lease released first and lets its controllers finish their work for a while after: a standby takes the released Lease at its next retry and acts while the old leader still does",
    modelledOn:
      "client-go's ReleaseOnCancel contract (release only once the caller's code has stopped running) and controller-runtime's warning on LeaderElectionReleaseOnCancel for a manager that works on after it stops; written by hand for this testbed",
    scenario: "control-plane-upgrade",
  },
  {
    name: "etcd-move-leader-check-inverted",
    bug: "MoveLeader's leader check turned around: the leader refuses the move as not leader, and a follower takes it, hands it to Raft (which forwards it to the leader) and answers once the transferee leads",
    modelledOn:
      "etcd's maintenance server, which refuses MoveLeader unless the member asked leads (ErrGRPCNotLeader); a mutation campaign's survivor (seed 6060 on core/etcd/member: no check judged a not-leader answer)",
    scenario: "rolling-restart",
  },
] as const satisfies readonly BugInfo[];

export type BugName = (typeof BUG_CATALOG)[number]["name"];

export const BUG_NAMES: readonly BugName[] = BUG_CATALOG.map((b) => b.name);

export function isBugName(s: string): s is BugName {
  return (BUG_NAMES as readonly string[]).includes(s);
}

/** The mutants switched on for one run. */
export class BugSet {
  private readonly on: ReadonlySet<BugName>;
  constructor(names: Iterable<BugName> = []) {
    this.on = new Set([...names].sort());
  }
  has(name: BugName): boolean {
    return this.on.has(name);
  }
  list(): BugName[] {
    return [...this.on];
  }
  static readonly none = new BugSet();
}
