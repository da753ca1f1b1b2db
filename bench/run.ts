// Runs the benchmark suites: tinybench loops and whole-run measurements, one table and JSON.
import { Bench } from "tinybench";
import type { BenchCase, BenchRow, Measurement } from "./types.ts";

export interface Suite {
  name: string;
  cases?: () => BenchCase[] | Promise<BenchCase[]>;
  measure?: () => Measurement[] | Promise<Measurement[]>;
}

export async function runSuites(
  suites: Suite[],
  opts: { timeMs?: number; onProgress?: (label: string) => void } = {},
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const suite of suites) {
    if (suite.cases) {
      const cases = await suite.cases();
      for (const c of cases) {
        opts.onProgress?.(`${suite.name}: ${c.name}`);
        const bench = new Bench({ time: opts.timeMs ?? 400, warmupTime: 100 });
        bench.add(c.name, c.fn);
        await bench.run();
        const task = bench.tasks[0]!;
        const r = task.result as unknown as
          | {
              throughput?: { mean: number; rme?: number };
              latency?: { samplesCount?: number };
              hz?: number;
              rme?: number;
              samples?: unknown[];
            }
          | undefined;
        const opsPerSec = r?.throughput?.mean ?? r?.hz ?? 0;
        const row: BenchRow = {
          group: c.group,
          name: c.name,
          unit: `${c.unit}/s`,
          value: Math.round(opsPerSec * c.units),
          samples: r?.latency?.samplesCount ?? (Array.isArray(r?.samples) ? r.samples.length : undefined),
          rmePercent: Number((r?.throughput?.rme ?? r?.rme ?? 0).toFixed(2)),
        };
        if (c.target !== undefined) {
          row.target = c.target;
          row.meetsTarget = row.value >= c.target;
        }
        rows.push(row);
      }
      for (const c of cases) {
        if (c.baselineOf === undefined) continue;
        const me = rows.find((r) => r.group === c.group && r.name === c.name);
        const base = rows.find((r) => r.group === c.group && r.name === c.baselineOf);
        if (me && base && base.value > 0) me.ratioToBaseline = Number((me.value / base.value).toFixed(3));
      }
    }
    if (suite.measure) {
      opts.onProgress?.(`${suite.name}: measuring`);
      for (const m of await suite.measure()) {
        const row: BenchRow = { ...m };
        if (m.target !== undefined) row.meetsTarget = m.lowerIsBetter ? m.value <= m.target : m.value >= m.target;
        rows.push(row);
      }
    }
  }
  return rows;
}

export function formatTable(rows: BenchRow[]): string {
  const fmt = (n: number) =>
    Math.abs(n) >= 1000 ? Math.round(n).toLocaleString("en-US") : String(Number(n.toFixed(3)));
  const lines = [`${"group".padEnd(12)} ${"benchmark".padEnd(64)} ${"value".padStart(16)}  unit            target`];
  for (const r of rows) {
    const target =
      r.target === undefined
        ? ""
        : `${r.lowerIsBetter ? "<=" : ">="} ${fmt(r.target)} ${r.meetsTarget ? "ok" : "MISSED"}`;
    const extra = r.ratioToBaseline !== undefined ? ` (${r.ratioToBaseline}x baseline)` : "";
    lines.push(
      `${r.group.padEnd(12)} ${r.name.slice(0, 64).padEnd(64)} ${fmt(r.value).padStart(16)}  ${r.unit.padEnd(15)} ${target}${extra}`,
    );
  }
  return lines.join("\n");
}
