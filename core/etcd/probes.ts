// Code probes of the etcd member and its clients (core/probes.ts): the rare paths a sweep should reach.
import type { ProbeCatalog } from "../probes.ts";

export const ETCD_PROBES = {
  "etcd.request-too-large": { what: "a write larger than --max-request-bytes was rejected before it was proposed", required: true },
  "etcd.lease-expired-with-keys": { what: "the leader expired a lease that still had keys attached", required: true },
  "etcd.duplicate-request-dropped": { what: "a duplicated client request or forward was dropped before it could be proposed twice", required: true },
  "etcd.write-forwarded": { what: "a follower forwarded a client's write to the leader" },
  "etcd.proposal-timeout": { what: "a proposal was not applied within the request timeout: the client learns nothing of its outcome", required: true },
  "etcd.snapshot-restored": { what: "a member restored its store from a snapshot (a leader's, or its own at restart)", required: true },
  "etcd.cas-retry-after-conflict": { what: "a client's compare-and-swap lost to another writer and retried with the revision it read", required: true },
  "etcd.watch-resumed-after-compaction": { what: "a client watch canceled by compaction resumed from the compaction revision", required: true },
} as const satisfies ProbeCatalog;
