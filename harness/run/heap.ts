// How much garbage a long run lets V8 keep. A run's live heap stays flat however long it runs (~20 MB
// after a full collection at the end of a simulated hour of kv-chaos: the history and long columns are
// on disk, the stores and monitors compacted), but its resident memory does not, because of how V8
// sizes the old generation: after each full collection it lets the heap grow to a multiple of what
// survived before collecting again, and that multiple is at most 4 on any machine with 8 GB of RAM or
// more (V8 keeps 1.3–2 on small ones). A run that promotes steadily keeps it at 4 the whole time, so
// the hour peaked at ~2.4× the minute's RSS with ~5× its live heap as garbage.
//
// So a long run asks for a growth step of HEAP_GROWING_PERCENT instead: a full collection each time the
// old generation grows by a quarter of what was live. On the hour that is 20 full collections instead of 6
// (each ~5–10 ms, against a ~10 s run) and ~70 MB less peak RSS (the README's "Benchmarks"); 50% had
// kept ~8 MB more at the peak for 4 collections fewer.
// Short runs, the default seeds, sweeps and benchmarks of seeds keep V8's default, which is the faster
// one there. The setting is the process's and stays for the rest of it; nothing in a run's result can
// depend on when the garbage collector runs (docs/DETERMINISM.md).
import { setFlagsFromString } from "node:v8";

/** A fault phase of at least this many virtual µs makes a run long (every built-in scenario's is ≤ 6 s). */
export const LONG_RUN_US = 300_000_000;

/** The old generation's growth step of a long run, in percent of the heap live after a full collection. */
export const HEAP_GROWING_PERCENT = 25;

/** The V8 flag a run with this fault phase sets, or undefined for a run that keeps V8's default. */
export function heapFlagFor(faultPhaseUs: number): string | undefined {
  return faultPhaseUs >= LONG_RUN_US ? `--heap-growing-percent=${HEAP_GROWING_PERCENT}` : undefined;
}

let applied: string | undefined;

/** The flag this process set for a long run, if one started. */
export function appliedHeapFlag(): string | undefined {
  return applied;
}

/** Sets the long-run growth step once per process, when the first long run starts its fault phase. */
export function boundHeapGrowth(faultPhaseUs: number): void {
  const flag = heapFlagFor(faultPhaseUs);
  if (flag === undefined || applied !== undefined) return;
  setFlagsFromString(flag);
  applied = flag;
}
