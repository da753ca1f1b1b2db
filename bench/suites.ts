// Every benchmark suite `etcdsim bench` runs, in order.
import type { Suite } from "./run.ts";
import { kernelCases } from "./kernel.ts";

export const SUITES: Suite[] = [
  { name: "kernel", cases: kernelCases },
];
