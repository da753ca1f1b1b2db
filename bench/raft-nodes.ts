// A micro-benchmark hook: three pure nodes in a tight loop (no network, no disk, every Ready persisted at
// once), a leader taking proposals in batches, until `messages` Raft messages have been stepped. The
// caller measures wall time (the simulated world never reads a clock; this file lives in bench/ for that reason): messages per second = result.messages / seconds.
import { assert } from "../core/assert.ts";
import type { Random } from "../core/env.ts";
import { RaftNode } from "../core/raft/node.ts";
import type { Message } from "../core/raft/types.ts";

export interface RaftBenchResult {
  /** Messages stepped by all nodes (network messages only). */
  readonly messages: number;
  /** Entries committed by the leader. */
  readonly committed: number;
  /** Wall seconds, when a clock was given. */
  readonly seconds?: number;
  /** messages / seconds, when a clock was given. */
  readonly messagesPerSecond?: number;
}

/** A fixed, dependency-free jitter source (the benchmark needs no real randomness). */
const fixedRandom = (): Random => {
  let s = 0x9e3779b9;
  const r: Random = {
    uint32: () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6b43a9b5) >>> 0),
    next: () => r.uint32() / 0x100000000,
    int: (lo, hi) => lo + Math.floor(r.next() * (hi - lo + 1)),
    chance: (p) => r.next() < p,
    pick: (xs) => xs[Math.floor(r.next() * xs.length)]!,
    shuffle: (xs) => xs,
    fork: () => fixedRandom(),
  };
  return r;
};

/**
 * Steps about `messages` Raft messages through a 3-node cluster (proposals of `batch` entries each).
 * Pass a monotonic clock in milliseconds (e.g. performance.now, from outside the simulated world) to get a rate.
 */
export function benchRaftMessages(
  messages: number,
  opts: { batch?: number; clockMs?: () => number } = {},
): RaftBenchResult {
  const ids = ["n1", "n2", "n3"];
  const nodes = new Map(
    ids.map((id) => [id, new RaftNode({ id, peers: ids, rng: fixedRandom(), maxEntriesPerMsg: 64, maxInflight: 256 })]),
  );
  const queue: Message[] = [];
  const drain = () => {
    for (const n of nodes.values()) {
      while (n.hasReady()) {
        const rd = n.ready();
        for (const m of rd.messages) queue.push(m);
        n.advance(rd);
      }
    }
  };
  let stepped = 0;
  const pump = () => {
    drain();
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      for (const m of batch) {
        nodes.get(m.to)!.step(m);
        stepped++;
      }
      drain();
    }
  };
  const leader = nodes.get("n1")!;
  leader.campaign();
  pump();
  assert(leader.roleKind === "leader", "bench: n1 should lead");
  const started = opts.clockMs?.();
  const batch = opts.batch ?? 16;
  let seq = 0;
  stepped = 0;
  while (stepped < messages) {
    for (let i = 0; i < batch; i++) leader.propose(`p${seq++}`);
    pump();
  }
  const ended = opts.clockMs?.();
  const result: RaftBenchResult = { messages: stepped, committed: leader.commitIndex };
  if (started === undefined || ended === undefined) return result;
  const seconds = Math.max(1e-9, (ended - started) / 1000);
  return { ...result, seconds, messagesPerSecond: Math.round(stepped / seconds) };
}
