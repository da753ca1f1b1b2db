// The Kubernetes layer's code probes (core/probes.ts): rare paths of the apiserver, informers,
// controllers and kubelets that a sweep should reach. Each is hit by a test (core/kube/probes.test.ts
// or the unit test beside the code).
import { probesOf, type ProbeCatalog } from "../probes.ts";

export const KUBE_PROBES = {
  "kube.informer-relist-after-410": {
    what: "an informer's watch answered 410 Gone (resource version too old) and it relists",
    required: true,
  },
  "kube.informer-rewatch-after-broken-stream": {
    what: "an informer's watch stream broke (silent apiserver or lost frame) and it re-watches from its last revision",
  },
  "kube.watch-cache-reinitialized": {
    what: "an apiserver's watch cache lost its etcd watch: it ended every watch it served and relisted from etcd",
  },
  "kube.watch-cache-wait": {
    what: "a list or watch asked an apiserver's watch cache for a revision it had not reached (or before it was ready) and waited",
  },
  "kube.watch-cache-too-old": {
    what: "a watch asked a watch cache for changes from before its window: 410 Gone, and the informer relists",
  },
  "kube.watch-cache-consistent-read": {
    what: "a list with no resourceVersion was served from a watch cache as a consistent read (etcd's revision first, then the cache once it reached it)",
  },
  "kube.watch-cache-consistent-read-fallback": {
    what: "a watch cache did not reach etcd's current revision within the block timeout, and a consistent read went to etcd",
  },
  "kube.informer-relist-after-watch-timeout": {
    what: "an informer's watch waited past the watch cache's block timeout for its revision (\"Too large resource version\") and it relists",
  },
  "kube.informer-relist-not-older": {
    what: 'an informer relisted "not older than" the last revision it had seen (client-go\'s relistResourceVersion)',
  },
  "kube.guaranteed-update-cas-retry": {
    what: "GuaranteedUpdate's Txn lost its mod_revision compare and the update function ran again on the fresh object",
    required: true,
  },
  "kube.update-conflict": { what: "an update carried a resourceVersion that was no longer current: 409 Conflict" },
  "kube.patch-conflict": {
    what: "a patch carried a resourceVersion (its precondition) that was no longer current: 409 Conflict",
  },
  "kube.bind-conflict": {
    what: "a scheduler's bind carried a stale pod resourceVersion: the bind was refused with Conflict",
  },
  "kube.bind-deleting-refused": {
    what: "a scheduler's bind reached a pod being deleted (its cache had the pod from before the delete): refused, 500",
  },
  "kube.delete-precondition-failed": {
    what: "a delete's uid or resourceVersion precondition did not match the stored object",
  },
  "kube.delete-graceful": {
    what: "a delete of a running pod began its grace period: the pod is stored terminating (deletionTimestamp set)",
  },
  "kube.delete-already-terminating": {
    what: "a delete of a terminating object asked for no shorter grace period: nothing changes, the object is answered",
  },
  "kube.update-removed-finalized": {
    what: "an update took off a terminating object's last finalizer, and the apiserver removed the object",
  },
  "kube.finalizer-refused-while-terminating": {
    what: "an update or patch tried to add a finalizer to a terminating object: 422, no new finalizers while being deleted",
  },
  "kube.create-already-exists": { what: "a create found the key taken (Txn mod_revision == 0 failed): AlreadyExists" },
  "kube.list-continue-expired": {
    what: "a paged list's continue token pointed at a compacted revision: 410, the informer starts the list over",
  },
  "kube.client-request-timeout": {
    what: "an apiserver request got no answer in time: the client fails over and the caller sees Timeout (outcome unknown)",
    required: true,
  },
  "kube.watch-stream-gap": { what: "a watch frame was lost and the gap did not fill: the client breaks the stream" },
  "kube.watch-delete-without-prev-kv": {
    what: "an apiserver's etcd watch delivered a delete whose prev_kv was compacted: the watch ends with 410 and the informer relists",
  },
  "kube.expectations-unsatisfied": {
    what: "the ReplicaSet controller skipped managing pods because its expected creations/deletions were not yet observed",
  },
  "kube.expectations-expired": { what: "a ReplicaSet's expectations were older than the TTL and counted as satisfied" },
  "kube.expectations-write-failed": {
    what: "a pod create or delete the ReplicaSet controller expected failed or was never sent, and its expectation was lowered",
  },
  "kube.workqueue-backoff": {
    what: "a key failed again before succeeding: the work queue re-added it after a doubled backoff",
  },
  "kube.gate-refused": { what: "a leader-elected process had a write ready but its lease no longer allowed it to act" },
  "kube.kubelet-grace-shortened": {
    what: "a delete with a shorter grace period reached a pod whose containers were stopping: its kubelet kills them sooner",
  },
  "kube.kubelet-pod-terminating": {
    what: "a kubelet saw a pod of its node terminating: it stops the containers, then removes the pod (grace period 0)",
  },
  "kube.terminal-phase-kept": {
    what: "an apiserver refused a pod status that would take the pod out of its terminal phase (a late Running report after Failed or Succeeded)",
  },
  "kube.kubelet-pod-terminal-phase": {
    what: "a kubelet wrote a terminating pod's terminal phase (Succeeded or Failed) before removing it, as since Kubernetes 1.27",
  },
  "kube.kubelet-pod-deleted": { what: "a kubelet saw a pod it was running deleted and stopped its containers" },
  "kube.kubelet-pod-rejected": {
    what: "a kubelet rejected a pod bound to its node (no room left: phase Failed, reason OutOfpods)",
  },
  "kube.kubelet-container-restarted": {
    what: "a pod's container died (a container kill) and its kubelet started it again after the back-off",
  },
  "kube.duplicate-request-dropped": {
    what: "an apiserver dropped a copy of a request the network duplicated (HTTP over TCP never delivers one twice)",
  },
  "kube.compactor-lost-election": {
    what: "an apiserver's compaction round lost the compact_rev_key Txn to another apiserver",
  },
  "kube.gc-orphan-deleted": { what: "the garbage collector deleted an object whose controller owner is gone" },
  "kube.deployment-adopts-replicaset": {
    what: "the Deployment controller adopted a ReplicaSet no controller owned (left by an orphaning delete)",
  },
  "kube.adoption-recheck-refused": {
    what: "an adoption was not sent: a live GET found its owner gone, made again or terminating (RecheckDeletionTimestamp)",
  },
  "kube.gc-foreground-dependent-deleted": {
    what: "the garbage collector deleted a dependent of an owner being deleted in the foreground",
  },
  "kube.gc-foreground-finalizer-removed": {
    what: "the garbage collector took foregroundDeletion off an owner with no dependent left",
  },
  "kube.gc-dependent-orphaned": {
    what: "the garbage collector took an owner's reference off a dependent (the owner deleted with propagationPolicy Orphan)",
  },
  "kube.gc-orphan-finalizer-removed": {
    what: "the garbage collector took orphan off an owner once its dependents no longer named it",
  },
  "kube.node-marked-unknown": {
    what: "the node lifecycle controller saw no renewal of a node's Lease for its grace period and marked the node's Ready Unknown",
  },
  "kube.kubelet-node-ready-again": {
    what: "a kubelet found its Node not Ready (the node lifecycle controller marked it Unknown) and posted Ready again",
  },
  "kube.node-pods-marked-not-ready": {
    what: "a node's Ready left True and the node lifecycle controller marked its pods not ready (MarkPodsNotReady)",
  },
  "kube.node-tainted": { what: "the node lifecycle controller tainted an Unknown node node.kubernetes.io/unreachable" },
  "kube.node-untainted": {
    what: "a tainted node was Ready again and the node lifecycle controller took its taint off",
  },
  "kube.node-untainted-full-disruption": {
    what: "every node looked unhealthy at once (a full disruption): the node lifecycle controller took a node's taint off rather than evict",
  },
  "kube.node-pod-evicted": {
    what: "a pod outlived its toleration of its node's unreachable:NoExecute taint and the node lifecycle controller deleted it",
  },
  // ---- quotas and limits (core/kube/admission/)
  "kube.quota-exceeded": { what: "ResourceQuota admission refused a pod: 403 Forbidden, exceeded quota" },
  "kube.quota-charge-conflict": {
    what: "a quota charge lost its status.used CAS to another admission and was checked again on the fresh quota",
  },
} as const satisfies ProbeCatalog;

export const kubeProbe = probesOf(KUBE_PROBES);
