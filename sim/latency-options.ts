// The scenario options `disk` and `network` applied to a world: fsync latency drawn per member disk from
// a profile (with one slow member, or a slow disk that follows the Raft leader), and a round-trip time
// per link (with one slow member's links). Absent options change nothing: today's fixed latencies stay.
import { PROFILES, withMedian, type DiskProfile, type FsyncDistribution } from "./latency.ts";
import type { World } from "./world.ts";

export interface DiskLatencyOptions {
  /** Every member disk's profile (default "nvme" when only fsyncUs is given). */
  profile?: DiskProfile;
  /** The profile's median fsync, moved here (µs). */
  fsyncUs?: number;
  /** One member with a slow disk: a name, or "@leader" (whichever member leads at each fsync). */
  slowMember?: string;
  /** The slow member's profile (default "noisy-neighbour"). */
  slowProfile?: DiskProfile;
}

export interface NetworkLatencyOptions {
  /** Round-trip time of every link (µs): one way is half, with a quarter of it as jitter. */
  rttUs?: number;
  /** One member whose links (both ways, to every process) have slowRttUs. */
  slowMember?: string;
  slowRttUs?: number;
}

export interface LatencyOptions {
  disk?: DiskLatencyOptions;
  network?: NetworkLatencyOptions;
}

/** A problem with the options for these members, as [field, what], or undefined. */
export function latencyOptionProblem(o: LatencyOptions, members: number): [string, string] | undefined {
  const isMember = (s: string) => /^n[1-9][0-9]*$/.test(s) && Number(s.slice(1)) <= members;
  const ds = o.disk?.slowMember;
  if (ds !== undefined && ds !== "@leader" && !isMember(ds))
    return ["options.disk.slowMember", `must name a member (n1..n${members}) or "@leader", not ${JSON.stringify(ds)}`];
  const ns = o.network?.slowMember;
  if (ns !== undefined && !isMember(ns))
    return ["options.network.slowMember", `must name a member (n1..n${members}), not ${JSON.stringify(ns)}`];
  if (ns !== undefined && o.network?.slowRttUs === undefined)
    return ["options.network.slowRttUs", "is required with network.slowMember"];
  return undefined;
}

/**
 * Applies the options to the members' disks and the world's links. leader() names the current Raft
 * leader (for a "@leader" slow disk); others are every process a slow member's links reach.
 */
export function applyLatencyOptions(
  world: World,
  members: readonly string[],
  o: LatencyOptions,
  leader: () => string | undefined,
  others: readonly string[] = [],
): void {
  const d = o.disk;
  if (d !== undefined && Object.keys(d).length > 0) {
    const profile = d.profile ?? "nvme";
    const base: FsyncDistribution =
      d.fsyncUs !== undefined ? withMedian(PROFILES[profile], d.fsyncUs) : PROFILES[profile];
    const slow = PROFILES[d.slowProfile ?? "noisy-neighbour"];
    for (const m of members) {
      const disk = world.process(m).disk;
      if (d.slowMember === "@leader") disk.setFsyncLatency(() => (leader() === m ? slow : base));
      else if (d.slowMember === m) disk.setFsyncLatency(() => slow);
      else disk.setFsyncLatency(() => base);
    }
  }
  const n = o.network;
  if (n === undefined) return;
  if (n.rttUs !== undefined) {
    world.network.defaultLink = {
      ...world.network.defaultLink,
      latencyUs: Math.round(n.rttUs / 2),
      jitterUs: Math.round(n.rttUs / 4),
    };
  }
  if (n.slowMember !== undefined && n.slowRttUs !== undefined) {
    const link = { latencyUs: Math.round(n.slowRttUs / 2), jitterUs: Math.round(n.slowRttUs / 4) };
    for (const p of [...members, ...others]) {
      if (p === n.slowMember) continue;
      world.network.configureLink(n.slowMember, p, link);
      world.network.configureLink(p, n.slowMember, link);
    }
  }
}
