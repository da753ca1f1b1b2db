// The checker's scaling series (issue 16): Porcupine-format histories from seeded generators
// (checkers/linearizability/series.ts), register and kv with append, growing in operations,
// clients, pending writes and keys, linearizable and not. Each file is checked cold in its own
// process, so its time and peak RSS are its own; growth exponents are fitted over the size rows.
import { inChild } from "./child.ts";
import { seriesName, type SeriesShape } from "../checkers/linearizability/series.ts";
import type { Measurement } from "./types.ts";

export interface SeriesRow {
  name: string;
  shape: SeriesShape;
  verdict: string;
  expected: string;
  operations: number;
  partitions: number;
  steps: number;
  ms: number;
  peakRssMB: number;
}

const LIMIT_MS = 60_000;

type Base = Omit<SeriesShape, "linearizable">;
const both = (b: Base): SeriesShape[] => [
  { ...b, linearizable: true },
  { ...b, linearizable: false },
];

/** The series; `quick` is the small smoke subset `npm test` runs. */
export function seriesShapes(quick = false): SeriesShape[] {
  if (quick)
    return [
      ...both({ model: "kv", clients: 5, keys: 3, operations: 300, pending: 0.1, seed: 1 }),
      ...both({ model: "register", clients: 5, keys: 1, operations: 300, pending: 0.1, seed: 1 }),
    ];
  const out: SeriesShape[] = [];
  // the shapes of the table (all undecided or > 60 s before)
  for (const [clients, keys, operations, pending] of [
    [5, 1, 1000, 0.1],
    [10, 10, 6000, 0.05],
    [10, 10, 10000, 0.05],
    [20, 5, 2000, 0.1],
    [50, 5, 2000, 0.11],
  ] as const) {
    out.push(...both({ model: "kv", clients, keys, operations, pending, seed: 1 }));
  }
  // size: 100 → 20,000 operations
  for (const operations of [100, 300, 1000, 3000, 10000, 20000]) {
    out.push(...both({ model: "kv", clients: 10, keys: 10, operations, pending: 0.05, seed: 2 }));
    out.push(...both({ model: "register", clients: 5, keys: 1, operations, pending: 0.05, seed: 2 }));
  }
  // clients 5 → 50, pending 0 → 15 %, keys 1 → 50
  for (const clients of [5, 10, 20, 50]) {
    out.push(...both({ model: "kv", clients, keys: 5, operations: 2000, pending: 0.1, seed: 3 }));
    out.push(...both({ model: "register", clients, keys: 1, operations: 2000, pending: 0.1, seed: 3 }));
  }
  for (const pending of [0, 0.05, 0.1, 0.15])
    out.push(...both({ model: "kv", clients: 10, keys: 10, operations: 6000, pending, seed: 4 }));
  for (const keys of [1, 5, 20, 50])
    out.push(...both({ model: "kv", clients: keys === 1 ? 5 : 20, keys, operations: 4000, pending: 0.05, seed: 5 }));
  out.push(...oneKeyManyAppenders());
  // a register written by 50 and 100 clients with 5 values (seed 7: unknown before known-return twins were merged)
  out.push(...both({ model: "register", clients: 50, keys: 1, operations: 1000, pending: 0, seed: 7 }));
  out.push(...both({ model: "register", clients: 100, keys: 1, operations: 5000, pending: 0, seed: 7 }));
  return out;
}

/**
 * One key, many concurrent appenders (seed 6): clients 5 → 50, operations 200 → 5,000, pending
 * 0 → 15 %; linearizable, and not by a "swap" (two appended values read in the other order, which
 * no early check refutes) or, for a few, a phantom value.
 */
function oneKeyManyAppenders(): SeriesShape[] {
  const out: SeriesShape[] = [];
  const add = (clients: number, operations: number, pending: number, phantom = false): void => {
    const b = { model: "kv" as const, clients, keys: 1, operations, pending, seed: 6 };
    if (out.some((s) => s.clients === clients && s.operations === operations && s.pending === pending)) return;
    out.push({ ...b, linearizable: true }, { ...b, linearizable: false, corruption: "swap" });
    if (phantom) out.push({ ...b, linearizable: false });
  };
  for (const clients of [5, 10, 20, 30, 50]) add(clients, 1000, 0.1, clients === 20);
  for (const operations of [200, 2000, 5000]) add(20, operations, 0.1);
  for (const pending of [0, 0.05, 0.15]) add(20, 2000, pending);
  add(50, 5000, 0.15, true);
  return out;
}

async function runOne(shape: SeriesShape): Promise<SeriesRow> {
  const got = await inChild<Omit<SeriesRow, "name" | "shape" | "expected">>("checker-series-child", {
    ...shape,
    limitMs: LIMIT_MS,
  });
  return { name: seriesName(shape), shape, expected: shape.linearizable ? "ok" : "illegal", ...got };
}

/** Least-squares slope of log(ms) over log(operations): time ~ operations^k. */
export function growthExponent(rows: readonly { operations: number; ms: number }[]): number {
  const pts = rows.filter((r) => r.ms > 0).map((r) => [Math.log(r.operations), Math.log(r.ms)] as const);
  if (pts.length < 2) return NaN;
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of pts) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export async function runSeries(shapes: readonly SeriesShape[], onRow?: (r: SeriesRow) => void): Promise<SeriesRow[]> {
  const rows: SeriesRow[] = [];
  for (const s of shapes) {
    const r = await runOne(s);
    onRow?.(r);
    rows.push(r);
  }
  return rows;
}

export async function checkerSeriesMeasurements(quick = false): Promise<Measurement[]> {
  const rows = await runSeries(seriesShapes(quick));
  const sizeRows = (model: string, ok: boolean): SeriesRow[] =>
    rows.filter((r) => r.shape.model === model && r.shape.linearizable === ok && r.shape.seed === 2);
  const out: Measurement[] = rows.map((r) => ({
    group: "checker-series",
    name: `${r.name} (${r.operations} ops, ${r.partitions} part.) → ${r.verdict}`,
    value: Number(r.ms.toFixed(1)),
    unit: "ms",
    target: LIMIT_MS,
    lowerIsBetter: true,
    detail: { peakRssMB: Math.round(r.peakRssMB), steps: r.steps, verdict: r.verdict, expected: r.expected },
  }));
  out.push(
    {
      group: "checker-series",
      name: "files not decided (unknown) or wrong",
      value: rows.filter((r) => r.verdict !== r.expected).length,
      unit: "files",
      target: 0,
      lowerIsBetter: true,
    },
    {
      group: "checker-series",
      name: "largest peak RSS of one file",
      value: Math.round(Math.max(...rows.map((r) => r.peakRssMB))),
      unit: "MB",
      target: 1024,
      lowerIsBetter: true,
    },
  );
  if (!quick) {
    for (const model of ["kv", "register"])
      for (const ok of [true, false]) {
        const k = growthExponent(sizeRows(model, ok));
        out.push({
          group: "checker-series",
          name: `growth exponent, ${model} ${ok ? "linearizable" : "not"} (time ~ ops^k, 100 → 20,000 ops)`,
          value: Number(k.toFixed(2)),
          unit: "k",
        });
      }
    for (const ok of [true, false]) {
      const oneKey = rows.filter(
        (r) =>
          r.shape.seed === 6 &&
          r.shape.clients === 20 &&
          r.shape.pending === 0.1 &&
          r.shape.linearizable === ok &&
          (ok || r.shape.corruption === "swap"),
      );
      const k = growthExponent(oneKey);
      out.push({
        group: "checker-series",
        name: `growth exponent, kv 1 key 20 clients ${ok ? "linearizable" : "swapped"} (200 → 5,000 ops)`,
        value: Number(k.toFixed(2)),
        unit: "k",
      });
    }
  }
  return out;
}
