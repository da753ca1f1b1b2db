// Every benchmark suite `etcdsim bench` runs, in order (`--only NAME` runs one).
import type { Suite } from "./run.ts";
import { kernelCases } from "./kernel.ts";
import { mvccCases } from "./mvcc.ts";
import { raftMeasurements } from "./raft.ts";
import { scenarioMeasurements } from "./scenarios.ts";
import { checkerMeasurements } from "./checker.ts";
import { memoryMeasurements } from "./memory.ts";
import { sweepMeasurements } from "./sweep.ts";
import { startupMeasurements } from "./startup.ts";

export const SUITES: Suite[] = [
  { name: "kernel", cases: kernelCases },
  { name: "raft", measure: raftMeasurements },
  { name: "mvcc", cases: mvccCases },
  { name: "checker", measure: checkerMeasurements },
  { name: "scenario", measure: scenarioMeasurements },
  { name: "memory", measure: memoryMeasurements },
  { name: "sweep", measure: sweepMeasurements },
  { name: "startup", measure: startupMeasurements },
];
