// One scenario's seed profile (bench/seed-profile.ts) in a process of its own, which bench/scenarios.ts
// forks per scenario: a user's run or sweep process runs one scenario's code and nothing else, and so
// does the process its speed is measured in. In the bench's own process each row would depend on what ran
// before it: the kernel, Raft and MVCC micro-benchmarks drive the same classes (the scheduler, Raft
// nodes, the MVCC store) with other shapes and handlers, and V8 optimizes for all it has seen (three
// alternating rounds: sim-selftest 287x fresh, 246x after the raft suite), while a scenario run after
// its neighbours in the registry starts warmer than a sweep of it does.
import { profileScenario } from "./seed-profile.ts";

const { scenario, seeds, warmupSeeds, warmupMs } = JSON.parse(process.argv[2]!) as {
  scenario: string;
  seeds: number;
  warmupSeeds: number;
  warmupMs: number;
};
const p = profileScenario(scenario, seeds, { warmup: warmupSeeds, warmupMs });
if (p === undefined) {
  console.error(`scenario child: unknown scenario ${scenario}`);
  process.exit(2);
}
process.send!(p);
