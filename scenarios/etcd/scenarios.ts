// The etcd scenarios (their names are a contract: docs/FORMATS.md, README). Each resolves its options from the seed — swarm
// testing: kv-chaos draws a different fault mix, cluster size and traffic per seed — and generates an
// explicit fault schedule that a replay can carry.
import { BUGGIFY_SITE_NAMES } from "../../core/buggify.ts";
import { generateSchedule, type FaultEvent, type FaultKind, type FaultMix } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ScenarioDef, ShrinkKnob } from "../types.ts";
import { KV_DEFAULTS, memberNames, runKvCluster, type KvOptions } from "./cluster.ts";
import { DEFAULT_MIX, type TrafficMix } from "../../harness/etcd/workload.ts";

function knobs<O extends KvOptions>(): ShrinkKnob<O>[] {
  return [
    { name: "clients", min: 1, get: (o) => o.clients, set: (o, v) => ({ ...o, clients: v }) },
    {
      name: "faultPhaseMs",
      min: 300,
      get: (o) => Math.round(o.faultPhaseUs / 1000),
      set: (o, v) => ({ ...o, faultPhaseUs: v * 1000 }),
    },
    { name: "keys", min: 1, get: (o) => o.keys, set: (o, v) => ({ ...o, keys: v }) },
  ];
}

function mix(weights: Partial<Record<FaultKind, number>>, extra: Partial<FaultMix> = {}): FaultMix {
  return { ...KV_DEFAULTS.mix, weights, ...extra };
}

/**
 * A leader stalls (paused and cut off from the other members) long enough for them to elect a new one,
 * then resumes still believing it leads, and finds the old followers again but not the new leader: only
 * the followers' term check (§5.1) stops it — they must refuse its AppendEntries and tell it the newer
 * term. The new leader's link to it comes back later.
 */
function deposedLeaderReturns(rng: Rng, at: number, members: string[]): FaultEvent[] {
  const stallUs = rng.int(300_000, 500_000);
  const resume = at + stallUs;
  return [
    { at, until: resume, kind: "isolate", target: "@leader", among: members },
    { at, until: resume, kind: "pause", target: "@leader" },
    // Just before the resume, while the old leader is still paused: cut it off from the new leader only.
    {
      at: resume - 1,
      until: resume + rng.int(200_000, 600_000),
      kind: "isolate",
      target: "@stale-leader",
      among: ["@leader"],
    },
  ];
}

/**
 * Small limits, drawn from their own stream (so the other draws keep their meaning): a catch-up watch
 * response cut after a few revisions, a Txn over --max-txn-ops, a write over --max-request-bytes (and
 * one just under it), a listing cut by its `limit` — so sweeps cross every boundary.
 */
export function drawLimits(
  root: Rng,
  opts: { kube?: boolean } = {},
): Pick<
  KvOptions,
  "watchBatchMaxRevs" | "maxRequestBytes" | "maxTxnOps" | "listLimit" | "txnMaxOps" | "bigValueP" | "bigValueBytes"
> {
  const rng = root.fork("limits");
  const drawnBytes = rng.pick([384, 1_024, KV_DEFAULTS.maxRequestBytes]);
  const drawnOps = rng.pick([2, 3, KV_DEFAULTS.maxTxnOps]);
  // A Kubernetes control plane on the same members writes whole objects: etcd's defaults for it.
  const maxRequestBytes = opts.kube === true ? KV_DEFAULTS.maxRequestBytes : drawnBytes;
  const small = maxRequestBytes < KV_DEFAULTS.maxRequestBytes;
  return {
    watchBatchMaxRevs: rng.pick([1, 2, 3, 1000]),
    maxRequestBytes,
    maxTxnOps: opts.kube === true ? KV_DEFAULTS.maxTxnOps : drawnOps,
    listLimit: rng.int(1, 3),
    txnMaxOps: 4,
    bigValueP: small ? 0.05 : 0,
    // Just under or over the limit: the request's encoding adds about a hundred bytes to the value.
    bigValueBytes: small ? maxRequestBytes + rng.int(-150, 50) : 0,
  };
}

function kvScenario<O extends KvOptions>(
  name: string,
  description: string,
  resolve: (rng: Rng) => O,
  schedule?: (rng: Rng, o: O) => FaultEvent[],
): ScenarioDef<O> {
  return {
    name,
    description,
    resolve,
    schedule: schedule ?? ((rng, o) => generateSchedule(rng, o.mix, memberNames(o.members), 200_000, o.faultPhaseUs)),
    execute: (input) => runKvCluster(input),
    shrinkKnobs: knobs<O>(),
  };
}

export const smoke = kvScenario(
  "smoke",
  "3 etcd members and 3 clients, no faults: the baseline every checker must pass, and every request answered within 50 ms",
  () => ({
    ...KV_DEFAULTS,
    clients: 3,
    faultPhaseUs: 2_000_000,
    mix: mix({}),
    // Five heartbeats: the slowest answer over seeds 1..200 took 13.8 ms.
    responsiveUs: 50_000,
  }),
);

export const kvPartition = kvScenario(
  "kv-partition",
  "etcd under partitions: symmetric, one-way, isolation and bridges among 3 or 5 members",
  (rng) => ({
    ...KV_DEFAULTS,
    members: rng.pick([3, 5]),
    // Frequent snapshots, so a member cut off for long catches up from one (with watchers attached).
    snapshotEvery: 20,
    maxCheckSteps: 5_000_000,
    watchLifeUs: [500_000, 2_000_000],
    // Clogs and delays let messages of a deposed leader arrive late.
    mix: mix(
      { partition: 3, "partition-oneway": 1, isolate: 2, bridge: 1, clog: 2, delay: 1, "slow-messages": 1, swizzle: 1 },
      { meanGapUs: 300_000 },
    ),
  }),
  (rng, o) => {
    const faults = generateSchedule(rng, o.mix, memberNames(o.members), 200_000, o.faultPhaseUs);
    // The leader also drops out in time (a long pause: a partition from everyone, then a return with a
    // stale term), is cut off from the other members while clients still reach it, or stalls and comes
    // back to its old followers only (half of the time: raft-skip-term-check needs it).
    for (let t = 500_000; t < o.faultPhaseUs - 300_000; t += rng.int(700_000, 1_400_000)) {
      // Short cuts race CheckQuorum: the old leader may return before it noticed it lost its quorum.
      const pick = rng.int(0, 3);
      if (pick === 0) faults.push({ at: t, until: t + rng.int(150_000, 600_000), kind: "pause", target: "@leader" });
      else if (pick === 1)
        faults.push({
          at: t,
          until: t + rng.int(60_000, 400_000),
          kind: "isolate",
          target: "@leader",
          among: memberNames(o.members),
        });
      else faults.push(...deposedLeaderReturns(rng, t, memberNames(o.members)));
    }
    return faults.sort((a, b) => a.at - b.at);
  },
);

export const kvCrash = kvScenario(
  "kv-crash",
  "etcd members crash and restart from their disks (clean, torn and corrupt tails); clusters of 1, 3 and 5",
  (rng) => ({
    ...KV_DEFAULTS,
    members: rng.pick([1, 3, 3, 5]),
    mix: mix(
      { crash: 4, "disk-slow": 1 },
      { meanGapUs: 250_000, minDurationUs: 50_000, maxDurationUs: 500_000, diskFaults: true },
    ),
  }),
);

/**
 * Figure 8 of the Raft paper, staged on three members with one-entry replication. Roles are bound when
 * each step starts (see symbolicTargets): L leads at t0, F is the follower further behind, N the other.
 * (a) L freezes, cut off from the members (clients still reach it, their requests wait for it);
 * (b) F freezes just before its own election timer could fire, so N alone campaigns; when F wakes,
 *     with its leader lease expired, it votes for N in term T+1. N's slow disk holds N's first entry
 *     back, and N is cut off before it could send it: that entry lives on N alone;
 * (c) L wakes, still leading term T: it appends the client writes that waited for it (on L alone), then
 *     learns term T+1 from F. F freezes again until L has asked for its vote, so L wins term T+2 at a
 *     known time; F's slow disk then holds back its acknowledgement of L's first old entry;
 * (d) while F writes that entry, L loses its links to F (one way: F's answer still reaches L) and to N;
 *     N returns and wins term T+3 with F's vote, its last entry (term T+1) beating F's (term T).
 * A correct leader commits nothing in (d), its own-term entry not being on F (§5.4.2), so nothing is
 * lost; a leader that counts replicas of an old-term entry (raft-commit-old-term) commits L's old
 * entry, which N then lacks. Each step waits out a timer range, so most seeds stage it as intended;
 * on the others it degrades into ordinary pauses, partitions and slow disks. Returns the faults and
 * when the episode ends.
 */
function figure8Episode(t0: number, members: string[], electionUs: number): { faults: FaultEvent[]; end: number } {
  // Both below one election timeout: a candidacy that waits on a slow disk must not time out.
  const nDiskUs = 60_000;
  const fDiskUs = 80_000;
  const fWakes = t0 + 300_000;
  const nCutOff = fWakes + nDiskUs + 35_000; // N has won; its first entry is not yet durable
  const lWakes = nCutOff + 5_000;
  const fFreezes = lWakes + 6_000; // L has learned the term from F
  const fWakesAgain = lWakes + 2 * electionUs + 30_000; // L has asked for F's vote
  const lCutOff = fWakesAgain + fDiskUs + 10_000 + fDiskUs / 2; // F is writing L's first old entry
  const end = lCutOff + 900_000;
  const faults: FaultEvent[] = [
    { at: t0, until: lWakes, kind: "isolate", target: "@leader=L", among: members },
    { at: t0, until: lWakes, kind: "pause", target: "@L" },
    { at: t0 + electionUs - 10_000, until: fWakes, kind: "pause", target: "@follower=F" },
    {
      at: t0 + electionUs - 10_000 + 1,
      until: nCutOff + nDiskUs,
      kind: "disk-slow",
      target: "@follower=N",
      extraUs: nDiskUs,
    },
    { at: nCutOff, until: lCutOff, kind: "isolate", target: "@N", among: members },
    { at: lWakes, until: lCutOff + fDiskUs, kind: "disk-slow", target: "@F", extraUs: fDiskUs },
    { at: fFreezes, until: fWakesAgain, kind: "pause", target: "@F" },
    { at: lCutOff, until: end, kind: "isolate", target: "@L", among: ["@N"] },
    { at: lCutOff, until: end, kind: "partition-oneway", from: ["@L"], to: ["@F"] },
  ];
  return { faults, end };
}

/** The shortest election timeout. */
function electionTimeoutUs(o: KvOptions): number {
  return o.electionTicks * o.tickUs;
}

/** kv-chaos may stage a figure-8 episode at `figure8At` (µs; 0 for none). */
/**
 * Traffic kinds added after kv-chaos's draws were fixed: each is drawn after everything else. They are
 * the kinds the default mix leaves off (a new kind starts at 0, so every mix without it draws as before).
 */
export const LATER_TRAFFIC: ReadonlySet<string> = new Set(
  (Object.keys(DEFAULT_MIX) as (keyof TrafficMix)[]).filter((k) => DEFAULT_MIX[k] === 0),
);

/**
 * kv-chaos's traffic without the kinds drawn later, but for `kept`: a seed replayed as it was found
 * before those kinds existed.
 */
export function withoutLaterTraffic(
  traffic: Readonly<Record<string, number>>,
  kept: readonly string[] = [],
): Record<string, number> {
  const out = { ...traffic };
  for (const k of LATER_TRAFFIC) if (!kept.includes(k)) out[k] = 0;
  return out;
}

interface ChaosOptions extends KvOptions {
  figure8At: number;
}

export const kvChaos = kvScenario<ChaosOptions>(
  "kv-chaos",
  "swarm: a random mix of every fault, cluster size and traffic per seed",
  (rng) => {
    const weights: Partial<Record<FaultKind, number>> = {};
    for (const k of [
      "partition",
      "partition-oneway",
      "isolate",
      "bridge",
      "loss",
      "delay",
      "duplicate",
      "clog",
      "crash",
      "pause",
      "skew",
      "drift",
      "disk-slow",
      "slow-messages",
      "swizzle",
    ] as const) {
      if (rng.chance(0.5)) weights[k] = rng.int(1, 4);
    }
    const traffic = { ...DEFAULT_MIX };
    // Not the kinds added later (drawn last): the draws keep their meaning.
    for (const k of Object.keys(traffic).sort() as (keyof typeof traffic)[])
      if (!LATER_TRAFFIC.has(k)) traffic[k] = rng.chance(0.2) ? 0 : rng.int(1, 20);
    traffic.put = Math.max(traffic.put, 5);
    traffic.get = Math.max(traffic.get, 5);
    const o: ChaosOptions = {
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
      mix: mix(weights, {
        meanGapUs: rng.pick([150_000, 300_000, 600_000]),
        diskFaults: rng.chance(0.5),
        maxSkewUs: 3_000_000,
      }),
      figure8At: 0,
      ...drawLimits(rng),
    };
    // Drawn after the rest, so earlier draws keep their meaning. Short leases expire within the run,
    // so writes still name leases that are gone.
    const figure8 = rng.chance(0.35);
    o.leaseTtlSec = rng.pick([1, 2]);
    if (figure8) {
      // Three members replicating one entry at a time; writers that leave requests waiting for the
      // frozen leader. At most four clients and a 30 ms think time keep the long episode's history
      // (many requests of unknown outcome) cheap to check.
      const figure8At = 1_300_000 + 10_000 * rng.int(0, 20);
      return {
        ...o,
        members: 3,
        clients: Math.min(o.clients, 4),
        thinkUs: Math.max(o.thinkUs, 30_000),
        maxInflight: 1,
        maxEntriesPerMsg: 1,
        // The staging keeps a new leader's first entry on its own disk (step b): its leader must sync before
        // sending. Both ways are correct Raft; etcd's parallel send runs on every other seed.
        leaderSendsBeforeSync: false,
        traffic: { ...traffic, put: Math.max(traffic.put, 20) },
        figure8At,
        faultPhaseUs: Math.max(
          o.faultPhaseUs,
          figure8Episode(figure8At, memberNames(3), electionTimeoutUs(o)).end + 300_000,
        ),
      };
    }
    // BUGGIFY fault points for this seed (drawn last; the figure-8 staging runs without them).
    o.buggify = BUGGIFY_SITE_NAMES.filter(() => rng.chance(0.4));
    // Lease keep-alives on half the seeds (drawn after the rest, so the draws above keep their meaning).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, keepAlive: rng.int(5, 30) };
    // Txns comparing values, create revisions, leases (after the keep-alives, for the same reason).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, txnCompare: rng.int(3, 20) };
    // Watches with filters (NOPUT / NODELETE), likewise drawn last.
    if (rng.chance(0.5)) o.watchFilterP = 0.3;
    // Listings with Range's other options, and puts that keep a value or a lease (likewise).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, rangeOptions: rng.int(3, 15) };
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, putIgnore: rng.int(2, 10) };
    // Deletes over a range of keys (likewise).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, rangeDelete: rng.int(1, 5) };
    // Txns that read their own writes (likewise).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, txnWriteRead: rng.int(2, 10) };
    // Requests etcd must refuse (likewise).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, invalidRequest: rng.int(1, 3) };
    // Reads at a revision past the last one seen, often a future one (likewise).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, aheadRead: rng.int(1, 4) };
    // Txns nesting a Txn (likewise).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, nestedTxn: rng.int(1, 6) };
    // Txns rewriting the keyspace, at times compacted at their revision (likewise).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, rewrite: rng.int(1, 3) };
    // Watches of a single key, a key range or every key from one on (likewise).
    if (rng.chance(0.5)) o.watchRangeP = 0.5;
    // LeaseTimeToLive of leases held or let go (likewise).
    if (rng.chance(0.5)) o.traffic = { ...o.traffic, leaseTimeToLive: rng.int(10, 30) };
    // Graceful stops: a stopped leader hands leadership over first (likewise).
    if (rng.chance(0.5)) o.mix = { ...o.mix, weights: { ...o.mix.weights, stop: rng.int(1, 4) } };
    return o;
  },
  (rng, o) => {
    const members = memberNames(o.members);
    if (o.figure8At === 0) return generateSchedule(rng, o.mix, members, 200_000, o.faultPhaseUs);
    // The episode runs undisturbed; the random mix takes the time after it.
    const episode = figure8Episode(o.figure8At, members, electionTimeoutUs(o));
    return [...episode.faults, ...generateSchedule(rng, o.mix, members, episode.end, o.faultPhaseUs)].sort(
      (a, b) => a.at - b.at,
    );
  },
);

/**
 * A paused leader (a GC or VM stall) misses its own CheckQuorum deadline: when it resumes, still cut off
 * from the other members for `extraUs` more, it believes it leads for up to two election timeouts while
 * the others have elected a new leader and committed writes — the window a read without ReadIndex, or a
 * keep-alive renewed without confirming leadership, needs. Clients still reach it throughout.
 */
function stallAndCutOffLeader(rng: Rng, at: number, members: string[], extraUs: [number, number]): FaultEvent[] {
  const pauseUs = rng.int(250_000, 550_000);
  return [
    { at, until: at + pauseUs + rng.int(extraUs[0], extraUs[1]), kind: "isolate", target: "@leader", among: members },
    { at, until: at + pauseUs, kind: "pause", target: "@leader" },
  ];
}

/** The lease scenarios' traffic: no watches or stale reads, a few deletes and Txns, and these weights. */
function leaseTraffic(weights: Partial<TrafficMix>): TrafficMix {
  return { ...DEFAULT_MIX, watch: 0, staleGet: 0, delete: 5, txn: 5, ...weights };
}

/** Stalls the current leader and cuts it off from the other members (clients still reach it), again and again. */
export const leaderIsolation = kvScenario(
  "leader-isolation",
  "the leader stalls and is cut off from the other members while clients still reach it: reads must not go stale, nor keep-alives renew what the new leader never sees",
  () => ({
    ...KV_DEFAULTS,
    members: 3,
    // Six clients, keep-alives a fifth of the traffic and one-second leases: a client that reaches the
    // resumed leader in the moments before it learns it was deposed is often renewing a lease, and one it
    // then lets run out shows whether that renewal's TTL held at the new leader (lease-safety).
    clients: 6,
    thinkUs: 15_000,
    leaseTtlSec: 1,
    leaseGrantP: 0.3,
    traffic: leaseTraffic({ get: 40, list: 10, put: 30, cas: 10, leaseRevoke: 0, putWithLease: 8, keepAlive: 40 }),
  }),
  (rng, o) => {
    const faults: FaultEvent[] = [];
    const members = memberNames(o.members);
    for (let t = 300_000; t < o.faultPhaseUs - 200_000; t += rng.int(700_000, 1_000_000))
      faults.push(...stallAndCutOffLeader(rng, t, members, [250_000, 400_000]));
    return faults;
  },
);

/**
 * Clients that keep leases alive stall for about a TTL (a GC pause, a stopped VM) while the leader stalls
 * and is cut off as in leader-isolation. A client that resumes renews leases whose TTL has just run out:
 * some renewals land after the expiry but before the leader's revoke has gone through Raft, where
 * etcd's lessor.Renew waits for the revoke and answers "not found"; others reach a resumed leader that
 * was deposed meanwhile, which must confirm its leadership before it renews (etcd #15247). lease-safety
 * holds every answered renewal to the life the lease then had.
 */
export const leaseSessions = kvScenario(
  "lease-sessions",
  "clients holding leases stall for about a TTL while the leader now and then stalls and is cut off: no keep-alive may promise a TTL its lease does not live",
  (rng) => ({
    ...KV_DEFAULTS,
    members: 3,
    clients: 6,
    thinkUs: 15_000,
    faultPhaseUs: 8_000_000,
    leaseTtlSec: 1,
    // Few leases, often renewed: the search places each lease's expiry anywhere after its grant.
    leaseGrantP: 0.15,
    traffic: leaseTraffic({ get: 30, list: 6, put: 20, cas: 8, leaseRevoke: 2, putWithLease: 10, keepAlive: 60 }),
    // On half the seeds some grants name their own ID, some of them a lease still alive (lease-exists).
    ...(rng.chance(0.5) ? { explicitLeaseIdP: 0.3 } : {}),
    // After the heal a lease must still be kept alive (and a watch served).
    probeLeaseAndWatch: true,
  }),
  (rng, o) => {
    const faults: FaultEvent[] = [];
    const members = memberNames(o.members);
    const ttlUs = o.leaseTtlSec * 1_000_000;
    // Clients stall for about a TTL, three at a time (c1 or c4, c2 or c5, c3 or c6, one after another): each
    // resumes around the expiry of the leases it renewed last, and its first request may renew one — after
    // the expiry, maybe before the leader's revoke has gone through Raft (the lessor looks every 100 ms).
    for (const lane of [1, 2, 3]) {
      for (let t = 150_000 * lane; t < o.faultPhaseUs - 300_000; ) {
        const stallUs = rng.int(ttlUs - 50_000, ttlUs + 150_000);
        faults.push({ at: t, until: t + stallUs, kind: "pause", target: `c${rng.pick([lane, lane + 3])}` });
        t += stallUs + rng.int(50_000, 300_000);
      }
    }
    // Now and then the leader stalls and comes back cut off from the other members, as in leader-isolation.
    // Rarely: a new leader gives every lease a fresh TTL, and leases must also run out on a steady leader.
    for (let t = rng.int(1_000_000, 2_500_000); t < o.faultPhaseUs - 800_000; t += rng.int(2_500_000, 3_500_000))
      faults.push(...stallAndCutOffLeader(rng, t, members, [150_000, 400_000]));
    return faults.sort((a, b) => a.at - b.at);
  },
);

/**
 * Lease checkpoints on (etcd's LeaseCheckpoint): leases longer than the checkpoint interval, clients that
 * keep some alive and stall for a while (a lease left alone must run out), and a leader that changes
 * every two or three seconds — stalled and cut off, or crashed — with, late in the run, every member
 * crashed at once (they restart from their snapshots: a checkpoint's remainder must survive that).
 * lease-expiry holds the last leader to the remainder the log's last checkpoint left, and to
 * checkpointing at all; lease-safety holds every keep-alive to its TTL (a remainder from before a
 * renewal must not outlive it).
 */
export const leaseCheckpoints = kvScenario(
  "lease-checkpoints",
  "lease checkpoints on, leases longer than the interval, and a leader that changes every few seconds (stalled, cut off, crashed; late in the run every member restarts): a new leader restarts a lease from its last checkpoint, and no keep-alive may promise a TTL its lease does not live",
  (rng) => ({
    ...KV_DEFAULTS,
    members: 3,
    clients: 6,
    thinkUs: 20_000,
    faultPhaseUs: 12_000_000,
    // A checkpoint finds less than the whole TTL left only an interval of more than a second (and the
    // election timeout a new leader adds) after a promotion: etcd rounds the remainder up to seconds.
    leaseTtlSec: rng.pick([4, 5]),
    leaseCheckpointIntervalUs: rng.pick([1_500_000, 2_000_000]),
    // Snapshots often, so that a restarted member restores remainders from one rather than replaying them.
    snapshotEvery: 20,
    leaseGrantP: 0.15,
    traffic: leaseTraffic({ get: 30, list: 6, put: 20, cas: 8, leaseRevoke: 1, putWithLease: 10, keepAlive: 25 }),
    probeLeaseAndWatch: true,
  }),
  (rng, o) => {
    const faults: FaultEvent[] = [];
    const members = memberNames(o.members);
    // Clients stall now and then, for up to a TTL: the leases they hold go unrenewed across leader changes.
    const ttlUs = o.leaseTtlSec * 1_000_000;
    for (const c of [1, 2, 3, 4, 5, 6]) {
      for (let t = rng.int(100_000, 2_000_000); t < o.faultPhaseUs - 500_000; ) {
        const stallUs = rng.int(ttlUs / 4, ttlUs);
        faults.push({ at: t, until: t + stallUs, kind: "pause", target: `c${c}` });
        t += stallUs + rng.int(500_000, 3_000_000);
      }
    }
    // A new leader every two or three seconds (the leader stalls and comes back cut off, or crashes), then
    // every member crashes at once and restarts from its disk, and the last leader leads for the rest of
    // the run (five seconds and more): long enough to checkpoint, and for unrenewed leases to run out.
    const allDownAt = o.faultPhaseUs - rng.int(5_500_000, 6_000_000);
    for (let t = rng.int(1_000_000, 2_000_000); t < allDownAt - 600_000; t += rng.int(2_000_000, 3_200_000)) {
      if (rng.chance(0.5)) faults.push(...stallAndCutOffLeader(rng, t, members, [150_000, 400_000]));
      else faults.push({ at: t, until: t + rng.int(200_000, 600_000), kind: "crash", target: "@leader" });
    }
    for (const m of members)
      faults.push({ at: allDownAt, until: allDownAt + rng.int(150_000, 400_000), kind: "crash", target: m });
    // Slow stretches of network: a checkpoint or a keep-alive's clear takes tens of milliseconds to commit,
    // the window in which a keep-alive and a checkpoint of one lease cross.
    for (let t = rng.int(300_000, 1_000_000); t < o.faultPhaseUs - 500_000; t += rng.int(1_000_000, 2_000_000))
      faults.push({ at: t, until: t + rng.int(300_000, 900_000), kind: "delay", extraUs: rng.int(5_000, 20_000) });
    return faults.sort((a, b) => a.at - b.at);
  },
);

export const clockSkew = kvScenario(
  "clock-skew",
  "members' wall clocks jump and drift while clients hold leases: no lease may expire early",
  () => ({
    // Three clients that mostly reuse their leases: every lease in a history is an expiry the checker
    // may have to place anywhere after its grant, and with four clients granting freely (about 24 leases
    // a run) the search ran out of budget on most seeds. A few busy leases expose early expiry as well.
    ...KV_DEFAULTS,
    members: 3,
    clients: 3,
    leaseTtlSec: 2,
    leaseGrantP: 0.1,
    faultPhaseUs: 4_000_000,
    traffic: { ...DEFAULT_MIX, putWithLease: 30, leaseRevoke: 2 },
    mix: mix(
      { skew: 4, drift: 1, isolate: 1 },
      { meanGapUs: 300_000, minDurationUs: 500_000, maxDurationUs: 2_000_000, maxSkewUs: 5_000_000 },
    ),
  }),
  (rng, o) => {
    const base = generateSchedule(rng, o.mix, memberNames(o.members), 200_000, o.faultPhaseUs);
    // The leader's clock jumps forward while leases are live.
    for (let t = 600_000; t < o.faultPhaseUs - 500_000; t += rng.int(700_000, 1_200_000)) {
      base.push({
        at: t,
        until: t + rng.int(800_000, 1_500_000),
        kind: "skew",
        target: "@leader",
        byUs: rng.int(1_500_000, 4_000_000),
      });
    }
    return base.sort((a, b) => a.at - b.at);
  },
);

export const watchCompaction = kvScenario(
  "watch-compaction",
  "watches (clients' and Kubernetes informers') that start, resume and fall behind while the store compacts aggressively",
  (rng) => ({
    ...KV_DEFAULTS,
    members: 3,
    clients: 5,
    keys: 3,
    compactEveryUs: 60_000,
    compactLag: 2,
    thinkUs: 15_000,
    kube: true,
    watchBacklog: 12,
    watchLifeUs: [200_000, 800_000],
    // After the heal a watch from a revision must deliver it and then hear a progress notification.
    probeLeaseAndWatch: true,
    // Catch-ups cut into small batches (a Txn's revision kept whole), and listings cut by their limit.
    ...drawLimits(rng, { kube: true }),
    traffic: {
      ...DEFAULT_MIX,
      watch: 25,
      delete: 25,
      put: 30,
      staleGet: 4,
      cas: 5,
      txn: 3,
      putWithLease: 0,
      leaseRevoke: 0,
    },
    mix: mix({ crash: 1, partition: 1, pause: 1 }, { meanGapUs: rng.pick([500_000, 900_000]) }),
  }),
);

/**
 * A rolling replacement under faults, as an admin does it with etcdctl: each spare joins as a learner,
 * is promoted once caught up (etcd refuses earlier: learner-not-ready), then an original member — at
 * times whoever leads at that moment — is removed (refused while it would leave too few active voters:
 * unhealthy), one change at a time — or, on half the seeds, by two admins at once, each with its own
 * members to replace. Crashes, partitions, pauses and loss hit every member process, spares included,
 * while clients keep writing through the original members.
 */
export const membershipChange = kvScenario(
  "membership-change",
  "members replaced one at a time (learner, promote, remove — the leader too) under crashes, partitions and loss",
  (rng) => {
    const members = rng.pick([3, 3, 5]);
    const spares = members === 5 ? 3 : 2;
    const initial = memberNames(members);
    const victims = rng.shuffle([...initial]);
    const o: KvOptions = {
      ...KV_DEFAULTS,
      members,
      spares,
      // Learners catch up from snapshots as often as from the log.
      snapshotEvery: rng.pick([10, 20, 100]),
      faultPhaseUs: 4_000_000,
      lossP: rng.pick([0, 0.01, 0.02]),
      // Torn and corrupt crashes: a learner may die while it writes the leader's snapshot.
      mix: mix(
        { crash: 2, partition: 2, isolate: 1, pause: 1, clog: 1, loss: 1, duplicate: 1 },
        { meanGapUs: rng.pick([150_000, 300_000, 600_000]), diskFaults: rng.chance(0.8) },
      ),
      membership: memberNames(members + spares)
        .slice(members)
        .flatMap((spare, i) => [{ add: spare }, { remove: rng.chance(0.4) ? "@leader" : victims[i]! }]),
    };
    // BUGGIFY fault points for this seed (drawn last, so the draws above keep their meaning).
    o.buggify = BUGGIFY_SITE_NAMES.filter(() => rng.chance(0.4));
    // Two admins on half the seeds, each replacing its own members: one's change is proposed while the
    // other's is still pending, and etcd must refuse it until that one is applied (drawn last again).
    if (rng.chance(0.5)) o.membership = o.membership.map((s, i) => ({ ...s, lane: Math.floor(i / 2) % 2 }));
    // Graceful stops on half the seeds (drawn last again): a leader stopped while a change is pending
    // hands leadership to a peer first.
    if (rng.chance(0.5)) o.mix = { ...o.mix, weights: { ...o.mix.weights, stop: 1 } };
    return o;
  },
  (rng, o) => generateSchedule(rng, o.mix, memberNames(o.members + o.spares), 200_000, o.faultPhaseUs),
);

/**
 * Votes that arrive terms late. Each episode, on three members: the leader L is cut off from the other
 * members (its clients still reach it); a clog holds everything follower F sends to follower N for 3–6
 * election timeouts, so each vote F grants N is answered only when the clog ends; halfway through, N → F
 * is clogged too, so F stops hearing N's campaigns and starts its own. When the clogs end, N receives
 * grants of terms it has since left, then F's campaigns. With pre-vote off (etcd 3.4's default; two seeds
 * in three), N has campaigned term after term meanwhile, so a candidate that counted a grant of an earlier
 * term would win its current one with one real vote; with pre-vote on, F and N meet held pre-votes, a leader
 * that cannot hear its quorum, and CheckQuorum. Duplicated messages and slow disks besides.
 */
export const elections = kvScenario(
  "elections",
  "votes that arrive terms late: the leader cut off, a follower's answers to the other held by clogs for several election timeouts, pre-vote off on two seeds in three",
  (rng) => ({
    ...KV_DEFAULTS,
    members: 3,
    preVote: rng.pick([false, false, true]),
    faultPhaseUs: 4_000_000,
    mix: mix({ duplicate: 1, "disk-slow": 1 }, { meanGapUs: 600_000, maxDurationUs: 400_000 }),
  }),
  (rng, o) => {
    const members = memberNames(o.members);
    const electionUs = electionTimeoutUs(o);
    const faults = generateSchedule(rng, o.mix, members, 200_000, o.faultPhaseUs);
    for (let t = 400_000; t < o.faultPhaseUs - 800_000; ) {
      const heldUs = rng.int(3, 6) * electionUs;
      const end = t + heldUs;
      faults.push(
        { at: t, until: end + rng.int(50_000, 300_000), kind: "isolate", target: "@leader=L", among: members },
        { at: t, until: end, kind: "clog", from: "@follower=F", to: "@other=N" },
        { at: t + heldUs / 2, until: end + rng.int(0, 50_000), kind: "clog", from: "@N", to: "@F" },
      );
      t = end + rng.int(400_000, 800_000);
    }
    return faults.sort((a, b) => a.at - b.at);
  },
);

/**
 * A rolling restart, as an upgrade or a node rotation does it: every member in turn is stopped gracefully
 * (SIGTERM; etcd's Stop first hands a leader's leadership to the peer it has been connected to longest)
 * and started again a few hundred ms later, now and then whoever leads at that moment; in between an
 * operator moves leadership by hand with `etcdctl move-leader`, now and then to a name that is no member
 * (etcd must refuse it). Under light loss, delays, slow messages, pauses and short partitions, while
 * clients write, hold leases and watch: leadership changes hands every few hundred ms, each change a
 * forced election that skips pre-vote and the leader lease.
 */
export const rollingRestart = kvScenario(
  "rolling-restart",
  "every member stopped gracefully in turn (a leader hands over first) and restarted, and leadership moved by hand with etcdctl move-leader between, under loss, delays, pauses and short partitions: no write lost, no lease cut short, every move-leader answer true",
  (rng) => ({
    ...KV_DEFAULTS,
    members: rng.pick([3, 3, 5]),
    faultPhaseUs: 4_000_000,
    lossP: rng.pick([0, 0.01]),
    leaderMoves: { everyUs: rng.pick([200_000, 400_000, 800_000]), strangerP: 0.15 },
    mix: mix(
      { pause: 1, partition: 1, delay: 1, "slow-messages": 1, duplicate: 1 },
      { meanGapUs: rng.pick([400_000, 800_000]), maxDurationUs: 400_000 },
    ),
    probeLeaseAndWatch: true,
  }),
  (rng, o) => {
    const members = memberNames(o.members);
    const faults = generateSchedule(rng, o.mix, members, 200_000, o.faultPhaseUs);
    // The rolling restart: one member down at a time, in a random order, the leader now and then.
    let t = rng.int(200_000, 500_000);
    for (const m of rng.shuffle([...members])) {
      const until = t + rng.int(150_000, 500_000);
      if (until >= o.faultPhaseUs - 200_000) break;
      faults.push({ at: t, until, kind: "stop", target: rng.chance(0.3) ? "@leader" : m });
      t = until + rng.int(100_000, 400_000);
    }
    return faults.sort((a, b) => a.at - b.at);
  },
);

export const ETCD_SCENARIOS = [
  smoke,
  kvPartition,
  kvCrash,
  kvChaos,
  leaderIsolation,
  leaseSessions,
  leaseCheckpoints,
  clockSkew,
  watchCompaction,
  membershipChange,
  elections,
  rollingRestart,
];
