// Raft throughput: messages stepped per second by pure nodes, and a 5-node cluster of drivers in the
// simulated world under 1,000 proposals per simulated second with 1% loss (events per wall second and
// the speed-up over real time).
//
// The cluster uses etcd's default timing (100 ms heartbeat = one tick, 1 s election timeout). Proposals
// arrive as a group every 10 ms and are proposed as one MsgProp with many entries (etcd's raft takes
// that; a host that buffers proposals between Ready cycles proposes this way). A group costs ~24 events
// whatever its size — the leader's fsync, MsgApp + fsync + MsgAppResp per follower, the commit broadcast
// and its answers, ticks — so the speed-up over real time is set by events per proposal: the detail
// rows give the curve over group sizes, and the same load with Raft stubbed out (raft-stub.ts), which
// is the event loop's own ceiling.
import { performance } from "node:perf_hooks";
import { benchRaftMessages } from "./raft-nodes.ts";
import { stubClusterUnderLoad } from "./raft-stub.ts";
import { raftActor, type RaftDriver } from "../core/raft/driver.ts";
import { World } from "../sim/world.ts";
import type { Measurement } from "./types.ts";

interface LoadRun {
  events: number;
  wallMs: number;
  simSeconds: number;
  committedPerNode: number;
}

/** 1,000 proposals per simulated second, in groups of `group` every `group` ms; timed after a 3 s election phase. */
export function clusterUnderLoad(simSeconds: number, group: number): LoadRun {
  const world = new World({
    seed: 1,
    link: { lossP: 0.01, latencyUs: 500, jitterUs: 500 },
    maxEvents: Number.MAX_SAFE_INTEGER,
  });
  const ids = ["n1", "n2", "n3", "n4", "n5"];
  let applied = 0;
  const drivers: RaftDriver[] = [];
  for (const id of ids) {
    world.spawn(id, (env) => {
      const a = raftActor({
        peers: ids,
        tickUs: 100_000,
        electionTicks: 10,
        heartbeatTicks: 1,
        snapshotEvery: 1000,
        stateMachine: () => ({
          apply: () => {
            applied++;
          },
          snapshot: () => null,
          restore: () => {},
        }),
      })(env);
      drivers.push(a.driver);
      return a;
    });
  }
  let n = 0;
  const propose = () => {
    const leader = drivers.find((d) => d.node.roleKind === "leader");
    if (leader !== undefined) {
      const data: unknown[] = [];
      for (let i = 0; i < group; i++) data.push(n++);
      leader.proposeBatch(data);
    }
    world.scheduler.schedule(group * 1_000, propose);
  };
  world.scheduler.schedule(0, propose);
  world.runUntil(3_000_000);
  const events0 = world.scheduler.executed;
  const applied0 = applied;
  const t0 = performance.now();
  world.runUntil((3 + simSeconds) * 1_000_000);
  return {
    events: world.scheduler.executed - events0,
    wallMs: performance.now() - t0,
    simSeconds,
    committedPerNode: Math.round((applied - applied0) / ids.length),
  };
}

/** Best of `runs` (these machines are noisy; the best run is the least disturbed one). */
function best<R extends { wallMs: number }>(runs: number, f: () => R): R {
  let b: R | undefined;
  for (let i = 0; i < runs; i++) {
    const r = f();
    if (b === undefined || r.wallMs < b.wallMs) b = r;
  }
  return b!;
}

export function raftMeasurements(): Measurement[] {
  // Warmed up and the best of three, like the cluster runs (the first run is mostly the JIT compiling).
  benchRaftMessages(300_000);
  const r = [0, 1, 2]
    .map(() => benchRaftMessages(300_000, { clockMs: () => performance.now() }))
    .sort((a, b) => a.seconds! - b.seconds!)[0]!;
  clusterUnderLoad(20, 10); // warm-up: let the JIT compile the hot paths before timing
  const curve: Record<string, { eventsPerSec: number; speedUp: number }> = {};
  for (const group of [1, 10, 20, 25, 30, 50]) {
    const c = best(3, () => clusterUnderLoad(group === 1 ? 10 : 60, group));
    curve[`group ${group}`] = {
      eventsPerSec: Math.round((c.events / c.wallMs) * 1000),
      speedUp: Math.round((c.simSeconds * 1000) / c.wallMs),
    };
  }
  const c = best(3, () => clusterUnderLoad(60, 10));
  const speedUp = (c.simSeconds * 1000) / c.wallMs;
  stubClusterUnderLoad(10, 10);
  const stub = best(3, () => stubClusterUnderLoad(60, 10));
  // What the same load and message pattern cost with Raft replaced by a stub: the event loop's ceiling.
  const raftStubbedOut = {
    eventsPerSimSecond: Math.round(stub.events / stub.simSeconds),
    speedUp: Math.round((stub.simSeconds * 1000) / stub.wallMs),
  };
  return [
    {
      group: "raft",
      name: "pure nodes: messages stepped per second (3 nodes)",
      value: Math.round(r.messages / (r.seconds ?? 1)),
      unit: "msgs/s",
      target: 1_000_000,
      detail: { messages: r.messages, committed: r.committed },
    },
    {
      group: "raft",
      name: "5 drivers, 1,000 proposals/sim-s in groups of 10, 1% loss: events/s",
      value: Math.round((c.events / c.wallMs) * 1000),
      unit: "events/s",
      target: 1_000_000,
      detail: { ...c, wallMs: Math.round(c.wallMs) },
    },
    {
      group: "raft",
      name: "5 drivers, 1,000 proposals/sim-s in groups of 10, 1% loss: speed-up",
      value: Math.round(speedUp),
      unit: "x real time",
      target: 1_000,
      detail: { eventsPerSimSecond: Math.round(c.events / c.simSeconds), byGroupSize: curve, raftStubbedOut },
    },
  ];
}
