// The code-probe table in text: how often each probe fired (and in how many seeds), and which were
// never hit — required ones flagged, since a CI sweep that misses them fails.
import type { ProbeTable } from "../scenarios/probes.ts";

/** A compact table for `run` / `sweep` text output. */
export function probeTableText(t: ProbeTable, opts: { perSeed?: boolean } = {}): string {
  const hit = t.rows.filter((r) => r.hits > 0);
  const lines = [`probes: ${hit.length} of ${t.rows.length} hit${opts.perSeed ? ` over ${t.runs} seeds` : ""}`];
  const width = Math.max(10, ...hit.map((r) => r.name.length));
  for (const r of hit) {
    lines.push(
      `  ${r.name.padEnd(width)} ${String(r.hits).padStart(8)}${opts.perSeed ? `  in ${String(r.runs).padStart(5)} seeds` : ""}`,
    );
  }
  if (t.neverHit.length > 0) {
    const req = new Set(t.requiredNeverHit);
    lines.push(`  never hit: ${t.neverHit.map((n) => (req.has(n) ? `${n} (required)` : n)).join(", ")}`);
  }
  return lines.join("\n");
}

/** The JSON form (`run --json`, `sweep --json`): every probe with its counts, and the never-hit lists. */
export function probeTableJson(t: ProbeTable): object {
  return {
    runs: t.runs,
    hits: Object.fromEntries(t.rows.filter((r) => r.hits > 0).map((r) => [r.name, { hits: r.hits, runs: r.runs }])),
    neverHit: t.neverHit,
    requiredNeverHit: t.requiredNeverHit,
  };
}
