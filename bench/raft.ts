// Raft throughput: messages stepped per second by pure nodes, and a 5-node cluster of drivers in the
// simulated world under 1,000 proposals per simulated second with 1% loss (events per wall second and
// the speed-up over real time).
import { performance } from "node:perf_hooks";
import { benchRaftMessages } from "./raft-nodes.ts";
import { raftActor } from "../core/raft/driver.ts";
import type { Entry } from "../core/raft/types.ts";
import { World } from "../sim/world.ts";
import type { Measurement } from "./types.ts";

function clusterUnderLoad(simSeconds: number): { events: number; wallMs: number; committed: number } {
  const world = new World({ seed: 1, link: { lossP: 0.01, latencyUs: 500, jitterUs: 500 }, maxEvents: Number.MAX_SAFE_INTEGER });
  const ids = ["n1", "n2", "n3", "n4", "n5"];
  let applied = 0;
  const drivers = new Map<string, ReturnType<ReturnType<typeof raftActor>>["driver"]>();
  for (const id of ids) {
    world.spawn(id, (env) => {
      const a = raftActor({ peers: ids, snapshotEvery: 1000, stateMachine: () => ({ apply: (_e: Entry) => { applied++; }, snapshot: () => null, restore: () => {} }) })(env);
      drivers.set(id, a.driver);
      return a;
    });
  }
  // A proposer: 1,000 proposals per simulated second to whoever leads.
  let n = 0;
  const propose = () => {
    for (const d of drivers.values()) if (d.status().role === "leader") { d.propose({ n: n++ }); break; }
    world.scheduler.schedule(1_000, propose);
  };
  world.scheduler.schedule(300_000, propose);
  const t0 = performance.now();
  world.runUntil(simSeconds * 1_000_000);
  return { events: world.scheduler.executed, wallMs: performance.now() - t0, committed: applied / ids.length };
}

export function raftMeasurements(): Measurement[] {
  const r = benchRaftMessages(300_000, { clockMs: () => performance.now() });
  const c = clusterUnderLoad(10);
  return [
    { group: "raft", name: "pure nodes: messages stepped per second (3 nodes)", value: Math.round(r.messages / (r.seconds ?? 1)), unit: "msgs/s", target: 1_000_000, detail: { messages: r.messages, committed: r.committed } },
    { group: "raft", name: "5 drivers, 1,000 proposals/sim-s, 1% loss: events/s", value: Math.round((c.events / c.wallMs) * 1000), unit: "events/s", target: 1_000_000, detail: c },
    { group: "raft", name: "5 drivers, 1,000 proposals/sim-s, 1% loss: speed-up", value: Number(((10_000 / c.wallMs)).toFixed(1)), unit: "x real time", target: 1_000, detail: { committedPerNode: Math.round(c.committed) } },
  ];
}
