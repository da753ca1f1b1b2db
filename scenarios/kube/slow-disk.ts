// slow-disk: when etcd is the bottleneck. The Deployment flow of deployment-rollout (nginx ×3 → scale to
// 5 → image rollout → scale to 4) on etcd members with SSDs, except that whichever member leads fsyncs on
// a slow disk (an hdd: 10 ms median, p99 ≈ 40 ms). Every write waits for the leader's fsync, so its
// latency flows through the apiservers into the Kubernetes SLOs, and `slo: "require"` makes kube-slo
// (mutating API p99 ≤ 1 s, pod startup p99 ≤ 5 s) part of the verdict.
//
// Tuned so the clean build holds the SLOs on every seed of its sweep (1..300) while a slower disk misses
// them (slow-disk.test.ts). A run has only a few calls per (resource, verb), so its "p99" is nearly its
// slowest call, and any call that waits out the etcd client's 1 s request timeout misses the SLO by
// itself. So the faults are latency, not outages, and nothing that loses an etcd request stays in:
//  - heavy-tailed slow messages, each at most 80 ms late: below the 100 ms election timeout, so a late
//    heartbeat never costs the leader its term (at 200 ms, a seed in 300 lost a write to the election);
//  - pauses of ≤ 400 ms of apiservers, controller managers, schedulers and kubelets — never of an etcd
//    member (a paused leader is an election, and a write in flight waits out the timeout);
//  - no crash, partition, isolation, loss or link-wide delay (each stalls a write past 1 s), no BUGGIFY,
//    no scheduler paused past its lease, and no background message loss (KUBE_LINK's 0.2 % is a
//    lost request, hence a 1 s call, on most seeds).
// The election timeout is 200 ms (etcdElectionTicks 20, twice the other scenarios'): etcd's leader sends
// no heartbeat while it waits for an fsync, and at 100 ms a rare slow hdd fsync cost it its term (below).
// The leader's disk is an hdd rather than a noisy neighbour: noisy-neighbour's Pareto tail (up to
// 500 ms per fsync) outlasts even that election timeout now and then (3 of seeds 1..20; 5 at 100 ms) with
// no fault at all, and the writes in flight miss the 1 s SLO — etcd is then the bottleneck past what the
// SLO allows, which `disk.slowProfile: "noisy-neighbour"` shows.
import type { FaultKind } from "../../sim/nemesis.ts";
import { generateSchedule } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ScenarioDef } from "../types.ts";
import { KUBE_LINK, NGINX_MANIFEST, ROLLOUT_FLOW, runKube, type KubeOptions } from "./scenarios.ts";

const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const controlPlane = (o: KubeOptions) => [
  ...range(o.apiservers, "apiserver-"),
  "kcm-1",
  "kcm-2",
  "scheduler-1",
  "scheduler-2",
  ...range(o.nodes, "node-"),
];

const WEIGHTS: Partial<Record<FaultKind, number>> = { "slow-messages": 2, pause: 1 };

/**
 * etcd keeps entries behind each snapshot (--snapshot-catchup-entries, 5,000 by default; its robustness tests
 * also run 100), so a follower a little behind catches up from the log. With none kept, a follower a few
 * entries behind at a snapshot was sent one, and a write it had forwarded to the leader was covered by that
 * snapshot and never applied on it one by one: its waiter was never answered, and the call waited out the
 * 1 s timeout — an SLO miss on about one seed in seventy (seeds 394, 403, 489, 531, 547, 581 and 728 of
 * 301..800) with no outage at all.
 */
const SNAPSHOT_CATCH_UP_ENTRIES = 100;

/**
 * etcd's leader sends no heartbeat while it waits for an fsync (its raft loop ticks and saves in one
 * goroutine: "leader failed to send out heartbeat on time; took too long, leader is overloaded likely from
 * slow disk"). Every other timing here is a tenth of etcd's (10 ms ticks, a 100 ms election timeout) but an
 * hdd's fsync is not: about one in 15,000 takes over 100 ms, and then the followers elect another leader and
 * the writes in flight wait out the 1 s timeout (seeds 900193 and 900618 of 900151..900750 missed the SLO
 * so, with no fault at all). An operator who puts etcd's leader on an hdd raises the election timeout, as
 * etcd's tuning guide asks: 200 ms, which about one hdd fsync in three million exceeds.
 */
const ELECTION_TICKS = 20;

export const slowDisk: ScenarioDef<KubeOptions> = {
  name: "slow-disk",
  description:
    "when etcd is the bottleneck: the Deployment flow on etcd whose leader fsyncs on a slow disk (an hdd; the others on SSDs), under slow messages and short pauses of the control plane; kube-slo is required",
  resolve: (rng) => ({
    members: rng.pick([3, 3, 5]),
    apiservers: rng.int(1, 3),
    nodes: 3,
    faultPhaseUs: 6_000_000,
    livenessBoundUs: 15_000_000,
    manifests: [NGINX_MANIFEST],
    actions: [...ROLLOUT_FLOW],
    mix: {
      meanGapUs: 600_000,
      minDurationUs: 100_000,
      maxDurationUs: 400_000,
      weights: { ...WEIGHTS },
      maxMessageDelayUs: 80_000,
    },
    pauseSchedulerLeader: false,
    compactIntervalUs: 500_000,
    conflictWriters: 0,
    buggify: [],
    disk: { profile: "ssd", slowMember: "@leader", slowProfile: "hdd" },
    etcdSnapshotCatchUpEntries: SNAPSHOT_CATCH_UP_ENTRIES,
    etcdElectionTicks: ELECTION_TICKS,
    slo: "require",
  }),
  schedule: (rng: Rng, o) => generateSchedule(rng, o.mix, controlPlane(o), 500_000, o.faultPhaseUs),
  execute: (input) => runKube(input, [], { ...KUBE_LINK, lossP: 0 }),
  shrinkKnobs: [
    {
      name: "faultPhaseMs",
      min: 2_000,
      get: (o) => Math.round(o.faultPhaseUs / 1000),
      set: (o, v) => ({ ...o, faultPhaseUs: v * 1000 }),
    },
  ],
};
