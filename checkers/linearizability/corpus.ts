// Porcupine's test histories (vendored in testdata/porcupine) with the verdicts its tests expect, and the
// benchmark over them that `npm run bench` calls.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { checkOperations } from "./engine.ts";
import { kvMapModel, kvModel, type KvOperation } from "./models/kv.ts";
import { registerModel, type RegisterOperation } from "./models/register.ts";
import { parsePorcupineEtcd } from "./parse/porcupine-etcd.ts";
import { parsePorcupineKv } from "./parse/porcupine-kv.ts";
import type { LinearizabilityVerdict } from "./types.ts";

/** The vendored corpus (testdata/porcupine, with Porcupine's licence and source beside it). */
export function corpusDir(): string {
  return fileURLToPath(new URL("./testdata/porcupine/", import.meta.url));
}

/** Jepsen logs porcupine's tests expect to be linearizable (README "Expected verdicts"); 095 is empty. */
const JEPSEN_LINEARIZABLE = new Set([
  2, 5, 7, 18, 25, 31, 38, 45, 48, 49, 51, 53, 56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102, 95,
]);

export type CorpusModel = "register" | "kv-by-key" | "kv-map";

export interface CorpusCase {
  /** Path relative to the corpus directory, e.g. "jepsen/etcd_002.log". */
  file: string;
  model: CorpusModel;
  expected: LinearizabilityVerdict;
}

export function corpusCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (let i = 0; i <= 102; i++) {
    cases.push({
      file: `jepsen/etcd_${String(i).padStart(3, "0")}.log`,
      model: "register",
      expected: JEPSEN_LINEARIZABLE.has(i) ? "ok" : "illegal",
    });
  }
  for (const c of ["c01", "c10", "c50"]) {
    for (const kind of ["ok", "bad"] as const) {
      const expected = kind === "ok" ? "ok" : "illegal";
      cases.push({ file: `kv/${c}-${kind}.txt`, model: "kv-by-key", expected });
      // porcupine checks c01 and c10 unpartitioned too; c50 is out of reach without partitions.
      if (c !== "c50") cases.push({ file: `kv/${c}-${kind}.txt`, model: "kv-map", expected });
    }
  }
  return cases;
}

export type LoadedCase = CorpusCase &
  ({ model: "register"; ops: RegisterOperation[] } | { model: "kv-by-key" | "kv-map"; ops: KvOperation[] });

export function loadCase(c: CorpusCase, dir = corpusDir()): LoadedCase {
  const text = readFileSync(join(dir, c.file), "utf8");
  if (c.model === "register") return { ...c, model: "register", ops: parsePorcupineEtcd(text) };
  return { ...c, model: c.model, ops: parsePorcupineKv(text) };
}

export function checkCase(c: LoadedCase): { verdict: LinearizabilityVerdict; steps: number } {
  const r =
    c.model === "register"
      ? checkOperations(registerModel, c.ops, { evidence: false })
      : c.model === "kv-map"
        ? checkOperations(kvMapModel, c.ops, { evidence: false })
        : checkOperations(kvModel, c.ops, { evidence: false });
  return { verdict: r.verdict, steps: r.steps };
}

export interface BenchRow {
  file: string;
  model: CorpusModel;
  ops: number;
  verdict: LinearizabilityVerdict;
  expected: LinearizabilityVerdict;
  /** Median wall time of the check (parsing excluded), milliseconds. */
  ms: number;
  steps: number;
}

export interface BenchTotals {
  /** Sums of medians, ms, per group as TIMINGS.md reports them. */
  jepsenMs: number;
  kvByKeyMs: number;
  kvMapMs: number;
  /** Porcupine's sums on this machine kind (TIMINGS.md, GOMAXPROCS=2 medians). */
  porcupineJepsenMs: number;
  porcupineKvByKeyMs: number;
  porcupineKvMapMs: number;
  mismatches: number;
}

export interface BenchResult {
  perFile: BenchRow[];
  totals: BenchTotals;
}

/**
 * Checks every corpus history `reps` times and reports the median per file, as TIMINGS.md does
 * for Porcupine (7 reps). Timing starts after `warmup` passes over the whole corpus, so the JIT has
 * optimized the search (Porcupine is compiled ahead of time). The clock is passed in: checkers
 * never read time themselves (cli/check.ts's `benchCorpus` supplies the wall clock).
 */
export function benchCorpusWith(clock: () => number, options: { reps?: number; warmup?: number } = {}): BenchResult {
  const reps = Math.max(1, options.reps ?? 7);
  const cases = corpusCases().map((c) => loadCase(c));
  for (let pass = 0; pass < (options.warmup ?? 5); pass++) for (const c of cases) checkCase(c);
  const perFile: BenchRow[] = [];
  for (const c of cases) {
    const times: number[] = [];
    let last = { verdict: "unknown" as LinearizabilityVerdict, steps: 0 };
    for (let i = 0; i < reps; i++) {
      const t0 = clock();
      last = checkCase(c);
      times.push(clock() - t0);
    }
    times.sort((a, b) => a - b);
    perFile.push({
      file: c.file,
      model: c.model,
      ops: c.ops.length,
      verdict: last.verdict,
      expected: c.expected,
      ms: times[times.length >> 1]!,
      steps: last.steps,
    });
  }
  const sum = (m: CorpusModel): number => perFile.filter((r) => r.model === m).reduce((a, r) => a + r.ms, 0);
  return {
    perFile,
    totals: {
      jepsenMs: sum("register"),
      kvByKeyMs: sum("kv-by-key"),
      kvMapMs: sum("kv-map"),
      porcupineJepsenMs: 371.0,
      porcupineKvByKeyMs: 119.3,
      porcupineKvMapMs: 3752.4,
      mismatches: perFile.filter((r) => r.verdict !== r.expected).length,
    },
  };
}
