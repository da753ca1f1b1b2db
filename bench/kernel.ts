// Kernel throughput: the bare scheduler and the packet network.
import { Scheduler } from "../sim/scheduler.ts";
import { World } from "../sim/world.ts";
import type { BenchCase } from "./types.ts";

const N = 10_000;

export function kernelCases(): BenchCase[] {
  const s = new Scheduler(Number.MAX_SAFE_INTEGER);
  // biome-ignore lint/correctness/noUnusedVariables: the handlers write it so the loop has an effect
  let sink = 0;
  const handler = () => {
    sink++;
  };
  const world = new World({ seed: 1, maxEvents: Number.MAX_SAFE_INTEGER, link: { latencyUs: 1_000, jitterUs: 1_000 } });
  let received = 0;
  for (const id of ["a", "b"])
    world.spawn(id, () => ({
      onMessage() {
        received++;
      },
    }));
  const msg = { type: "bench" };
  return [
    {
      group: "kernel",
      name: "scheduler: push + pop, trivial handler",
      unit: "events",
      units: N,
      target: 5_000_000,
      fn: () => {
        const base = s.now;
        // Interleaved pushes keep the heap at a realistic depth (~1,000 pending).
        for (let i = 0; i < 1_000; i++) s.at(base + ((i * 7919) % 1_000), handler);
        for (let i = 1_000; i < N; i++) {
          s.at(base + 1_000 + ((i * 7919) % 1_000), handler);
          s.step();
        }
        while (s.step());
      },
    },
    {
      group: "kernel",
      name: "network: send + deliver (latency, jitter)",
      unit: "deliveries",
      units: N,
      target: 2_000_000,
      fn: () => {
        for (let i = 0; i < N; i++) world.network.send("a", "b", msg);
        world.runUntil(world.now + 10_000);
        void received;
      },
    },
  ];
}
