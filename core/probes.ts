// Code probes (after FoundationDB's CODE_PROBE): a named marker at a rare path, counted whenever the
// path runs, so a sweep can say which rare paths it reached and which it never did. A probe never
// changes behaviour and is not part of the trace hash: counting it is all it does.
//
// Each layer declares its probes in a catalog of its own (`core/raft/probes.ts`, …) and calls the
// typed function `probesOf(catalog)` returns; the harness collects the catalogs, resets the counts
// before a run and reads them after. One process runs one simulation at a time, so the counts are
// module state, as FoundationDB's are.

export interface ProbeSpec {
  /** What reaching this path means, in a sentence. */
  readonly what: string;
  /** A CI sweep must reach it at least once (a test fails otherwise). */
  readonly required?: boolean;
}

export type ProbeCatalog = Readonly<Record<string, ProbeSpec>>;

let counts = new Map<string, number>();

/** Counts one pass through the named rare path. */
export function probe(name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}

/** Forgets every count (the harness calls it before a run). */
export function resetProbes(): void {
  counts = new Map();
}

/** The counts since the last reset, in the order the probes were first hit. */
export function probeCounts(): ReadonlyMap<string, number> {
  return counts;
}

/** The probe function of one layer, typed by its catalog so a misspelt name does not compile. */
export function probesOf<C extends ProbeCatalog>(_catalog: C): (name: keyof C & string) => void {
  return probe;
}
