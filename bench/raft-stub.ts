// The event loop's own ceiling for the Raft cluster benchmark: the same world (5 processes, 1% loss,
// 0.5–1 ms links and fsyncs), the same load (a group of proposals every `group` ms) and the same message
// pattern per group as the real drivers produce — the leader's fsync; MsgApp, fsync and MsgAppResp on
// each follower; the commit broadcast once a quorum acknowledged, and its answers; a heartbeat round per
// 100 ms tick — but with Raft replaced by a few lines that only count acknowledgements. The speed-up
// measured here bounds what any Raft on this simulator can reach under that load.
import { performance } from "node:perf_hooks";
import type { Env } from "../core/env.ts";
import { World } from "../sim/world.ts";

interface StubMessage {
  readonly type: "MsgApp" | "MsgAppResp" | "MsgHeartbeat" | "MsgHeartbeatResp";
  /** Group number; 0 on the commit broadcast and its answers. */
  readonly group: number;
  readonly entries: readonly number[];
}

export interface StubRun {
  events: number;
  wallMs: number;
  simSeconds: number;
}

const NO_ENTRIES: readonly number[] = [];

/** Runs the stub cluster for `simSeconds` after a 1 s warm-up phase; timed like clusterUnderLoad. */
export function stubClusterUnderLoad(simSeconds: number, group: number): StubRun {
  const world = new World({
    seed: 1,
    link: { lossP: 0.01, latencyUs: 500, jitterUs: 500 },
    maxEvents: Number.MAX_SAFE_INTEGER,
  });
  const ids = ["n1", "n2", "n3", "n4", "n5"];
  const quorum = Math.floor(ids.length / 2) + 1;
  let leader: Env | undefined;
  let current = 0;
  /** Acknowledgements per group (groups overlap when they come faster than a round). */
  const acks = new Map<number, number>();
  // Appends like the real log, bounded like it (the driver compacts and rewrites its log file).
  const appendAll = (env: Env, entries: readonly number[]) => {
    if (env.disk.read("log").length >= 1024) env.disk.truncate("log", 0);
    for (const e of entries) env.disk.append("log", e);
  };
  const broadcast = (env: Env, type: StubMessage["type"], g: number, entries: readonly number[]) => {
    for (const to of ids) if (to !== env.id) env.send(to, { type, group: g, entries } satisfies StubMessage);
  };
  for (const id of ids) {
    world.spawn(id, (env) => {
      if (id === "n1") leader = env;
      const tick = (): void => {
        env.setTimer(100_000, () => {
          if (env === leader) broadcast(env, "MsgHeartbeat", 0, NO_ENTRIES);
          tick();
        });
      };
      tick();
      return {
        onMessage(from, raw) {
          const m = raw as StubMessage;
          if (m.type === "MsgApp" && m.entries.length > 0) {
            appendAll(env, m.entries);
            env.disk.sync(() =>
              env.send(from, { type: "MsgAppResp", group: m.group, entries: NO_ENTRIES } satisfies StubMessage),
            );
          } else if (m.type === "MsgApp") {
            env.send(from, { type: "MsgAppResp", group: 0, entries: NO_ENTRIES } satisfies StubMessage);
          } else if (m.type === "MsgAppResp" && m.group > 0) {
            const n = (acks.get(m.group) ?? 0) + 1;
            acks.set(m.group, n);
            if (n === quorum - 1) broadcast(env, "MsgApp", 0, NO_ENTRIES);
          } else if (m.type === "MsgHeartbeat") {
            env.send(from, { type: "MsgHeartbeatResp", group: 0, entries: NO_ENTRIES } satisfies StubMessage);
          }
        },
      };
    });
  }
  let next = 0;
  const propose = (): void => {
    const env = leader!;
    current++;
    acks.delete(current - 100);
    const entries: number[] = [];
    for (let i = 0; i < group; i++) entries.push(next++);
    broadcast(env, "MsgApp", current, entries);
    appendAll(env, entries);
    env.disk.sync(() => {});
    world.scheduler.schedule(group * 1_000, propose);
  };
  world.scheduler.schedule(0, propose);
  world.runUntil(1_000_000);
  const events0 = world.scheduler.executed;
  const t0 = performance.now();
  world.runUntil((1 + simSeconds) * 1_000_000);
  return { events: world.scheduler.executed - events0, wallMs: performance.now() - t0, simSeconds };
}
