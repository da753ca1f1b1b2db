// The etcd scenarios (contract names in DESIGN.md). Each resolves its options from the seed — swarm
// testing: kv-chaos draws a different fault mix, cluster size and traffic per seed — and generates an
// explicit fault schedule that a replay can carry.
import { generateSchedule, type FaultEvent, type FaultKind, type FaultMix } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ScenarioDef, ShrinkKnob } from "../types.ts";
import { KV_DEFAULTS, memberNames, runKvCluster, type KvOptions } from "./cluster.ts";
import { DEFAULT_MIX } from "../../core/etcd/workload.ts";

const knobs: ShrinkKnob<KvOptions>[] = [
  { name: "clients", min: 1, get: (o) => o.clients, set: (o, v) => ({ ...o, clients: v }) },
  { name: "faultPhaseMs", min: 300, get: (o) => Math.round(o.faultPhaseUs / 1000), set: (o, v) => ({ ...o, faultPhaseUs: v * 1000 }) },
  { name: "keys", min: 1, get: (o) => o.keys, set: (o, v) => ({ ...o, keys: v }) },
];

function mix(weights: Partial<Record<FaultKind, number>>, extra: Partial<FaultMix> = {}): FaultMix {
  return { ...KV_DEFAULTS.mix, weights, ...extra };
}

function kvScenario(name: string, description: string, resolve: (rng: Rng) => KvOptions, schedule?: (rng: Rng, o: KvOptions) => FaultEvent[]): ScenarioDef<KvOptions> {
  return {
    name,
    description,
    resolve,
    schedule: schedule ?? ((rng, o) => generateSchedule(rng, o.mix, memberNames(o.members), 200_000, o.faultPhaseUs)),
    execute: (input) => runKvCluster(input),
    shrinkKnobs: knobs,
  };
}

export const smoke = kvScenario("smoke", "3 etcd members and 3 clients, no faults: the baseline every checker must pass", () => ({
  ...KV_DEFAULTS, clients: 3, faultPhaseUs: 2_000_000, mix: mix({}),
}));

export const kvPartition = kvScenario("kv-partition", "etcd under partitions: symmetric, one-way, isolation and bridges among 3 or 5 members", (rng) => ({
  ...KV_DEFAULTS,
  members: rng.pick([3, 5]),
  // Frequent snapshots, so a member cut off for long catches up from one (with watchers attached).
  snapshotEvery: 20,
  maxCheckSteps: 5_000_000,
  watchLifeUs: [500_000, 2_000_000],
  // Clogs and delays let messages of a deposed leader arrive late.
  mix: mix({ partition: 3, "partition-oneway": 1, isolate: 2, bridge: 1, clog: 2, delay: 1 }, { meanGapUs: 300_000 }),
}), (rng, o) => {
  const faults = generateSchedule(rng, o.mix, memberNames(o.members), 200_000, o.faultPhaseUs);
  // The leader also drops out in time (a long pause: a partition from everyone, then a return with a
  // stale term) and is cut off from the other members while clients still reach it.
  for (let t = 500_000; t < o.faultPhaseUs - 300_000; t += rng.int(700_000, 1_400_000)) {
    // Short cuts race CheckQuorum: the old leader may return before it noticed it lost its quorum.
    faults.push(rng.chance(0.5)
      ? { at: t, until: t + rng.int(150_000, 600_000), kind: "pause", target: "@leader" }
      : { at: t, until: t + rng.int(60_000, 400_000), kind: "isolate", target: "@leader", among: memberNames(o.members) });
  }
  return faults.sort((a, b) => a.at - b.at);
});

export const kvCrash = kvScenario("kv-crash", "etcd members crash and restart from their disks (clean, torn and corrupt tails); clusters of 1, 3 and 5", (rng) => ({
  ...KV_DEFAULTS,
  members: rng.pick([1, 3, 3, 5]),
  mix: mix({ crash: 4, "disk-slow": 1 }, { meanGapUs: 250_000, minDurationUs: 50_000, maxDurationUs: 500_000, diskFaults: true }),
}));

export const kvChaos = kvScenario("kv-chaos", "swarm: a random mix of every fault, cluster size and traffic per seed", (rng) => {
  const weights: Partial<Record<FaultKind, number>> = {};
  for (const k of ["partition", "partition-oneway", "isolate", "bridge", "loss", "delay", "duplicate", "clog", "crash", "pause", "skew", "drift", "disk-slow"] as const) {
    if (rng.chance(0.5)) weights[k] = rng.int(1, 4);
  }
  const traffic = { ...DEFAULT_MIX };
  for (const k of Object.keys(traffic).sort() as (keyof typeof traffic)[]) traffic[k] = rng.chance(0.2) ? 0 : rng.int(1, 20);
  traffic.put = Math.max(traffic.put, 5);
  traffic.get = Math.max(traffic.get, 5);
  return {
    ...KV_DEFAULTS,
    members: rng.pick([1, 3, 3, 5]),
    clients: rng.int(2, 6),
    keys: rng.int(2, 10),
    thinkUs: rng.pick([10_000, 30_000, 60_000]),
    traffic,
    compaction: rng.chance(0.7),
    compactEveryUs: rng.pick([150_000, 400_000]),
    snapshotEvery: rng.pick([20, 100, 500]),
    lossP: rng.pick([0, 0, 0.01]),
    mix: mix(weights, { meanGapUs: rng.pick([150_000, 300_000, 600_000]), diskFaults: rng.chance(0.5), maxSkewUs: 3_000_000 }),
  };
});

/** Cuts the current leader off from the other members (clients still reach it), again and again. */
export const leaderIsolation = kvScenario("leader-isolation", "the leader is cut off from the other members while clients still reach it: reads must not go stale", () => ({
  ...KV_DEFAULTS, members: 3, clients: 4, thinkUs: 15_000,
  traffic: { ...DEFAULT_MIX, get: 40, list: 10, put: 30, cas: 10, watch: 0, leaseRevoke: 0, putWithLease: 0, staleGet: 0, delete: 5, txn: 5 },
}), (rng, o) => {
  const faults: FaultEvent[] = [];
  const members = memberNames(o.members);
  for (let t = 300_000; t < o.faultPhaseUs - 200_000; t += rng.int(500_000, 900_000)) {
    faults.push({ at: t, until: t + rng.int(300_000, 600_000), kind: "isolate", target: "@leader", among: members });
  }
  return faults;
});

export const clockSkew = kvScenario("clock-skew", "members' wall clocks jump and drift while clients hold leases: no lease may expire early", () => ({
  ...KV_DEFAULTS, members: 3, clients: 4, leaseTtlSec: 2, faultPhaseUs: 4_000_000,
  traffic: { ...DEFAULT_MIX, putWithLease: 30, leaseRevoke: 2 },
  mix: mix({ skew: 4, drift: 1, isolate: 1 }, { meanGapUs: 300_000, minDurationUs: 500_000, maxDurationUs: 2_000_000, maxSkewUs: 5_000_000 }),
}), (rng, o) => {
  const base = generateSchedule(rng, o.mix, memberNames(o.members), 200_000, o.faultPhaseUs);
  // The leader's clock jumps forward while leases are live.
  for (let t = 600_000; t < o.faultPhaseUs - 500_000; t += rng.int(700_000, 1_200_000)) {
    base.push({ at: t, until: t + rng.int(800_000, 1_500_000), kind: "skew", target: "@leader", byUs: rng.int(1_500_000, 4_000_000) });
  }
  return base.sort((a, b) => a.at - b.at);
});

export const watchCompaction = kvScenario("watch-compaction", "watches that start, resume and fall behind while the store compacts aggressively", (rng) => ({
  ...KV_DEFAULTS, members: 3, clients: 5, keys: 3, compactEveryUs: 60_000, compactLag: 2, thinkUs: 15_000,
  watchBacklog: 12, watchLifeUs: [200_000, 800_000],
  traffic: { ...DEFAULT_MIX, watch: 25, delete: 25, put: 30, staleGet: 4, cas: 5, txn: 3, putWithLease: 0, leaseRevoke: 0 },
  mix: mix({ crash: 1, partition: 1, pause: 1 }, { meanGapUs: rng.pick([500_000, 900_000]) }),
}));

export const ETCD_SCENARIOS = [smoke, kvPartition, kvCrash, kvChaos, leaderIsolation, clockSkew, watchCompaction];
