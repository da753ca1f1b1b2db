// A benchmark case: a synchronous function tinybench calls repeatedly; `units` says how many
// units of work (events, deliveries, ops) one call performs, so rows report units per second.
export interface BenchCase {
  group: string;
  name: string;
  unit: string;
  units: number;
  fn: () => void;
  /** Target (units/s) from the issue, shown beside the measurement. */
  target?: number;
  /** A baseline case in the same group to report a ratio against. */
  baselineOf?: string;
}

/** A measurement that is not a tinybench loop (e.g. a whole scenario run or a corpus check). */
export interface Measurement {
  group: string;
  name: string;
  value: number;
  unit: string;
  target?: number;
  /** Lower is better (times) instead of higher (rates). */
  lowerIsBetter?: boolean;
  detail?: Record<string, unknown>;
}

export interface BenchRow extends Measurement {
  samples?: number;
  rmePercent?: number;
  ratioToBaseline?: number;
  meetsTarget?: boolean;
}
