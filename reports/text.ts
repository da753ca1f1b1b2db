// The run summary printed by `etcdsim run`: seed and resolved options first, a verdict per checker,
// stats, and the repro command.
import type { RunResult } from "../scenarios/types.ts";
import { describeFault } from "../sim/nemesis.ts";

export interface Paint {
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}
export const plain: Paint = { ok: (s) => s, bad: (s) => s, dim: (s) => s, bold: (s) => s };
export const ansi: Paint = {
  ok: (s) => `\x1b[32m${s}\x1b[39m`,
  bad: (s) => `\x1b[31m${s}\x1b[39m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
};

export function header(
  r: Pick<RunResult, "scenario" | "seed" | "bugs" | "options" | "faults">,
  p: Paint = plain,
): string {
  const lines = [
    p.bold(`etcdsim run  scenario=${r.scenario}  seed=${r.seed}${r.bugs.length ? `  bugs=${r.bugs.join(",")}` : ""}`),
    p.dim(`options: ${compactJson(r.options)}`),
    p.dim(
      `faults (${r.faults.length}): ${r.faults
        .slice(0, 8)
        .map((f) => `${(f.at / 1000).toFixed(0)}ms ${describeFault(f)}`)
        .join("; ")}${r.faults.length > 8 ? "; …" : ""}`,
    ),
  ];
  return lines.join("\n");
}

/** JSON on one line with long strings (manifests) cut short: the header is for reading; --json has it all. */
export function compactJson(v: unknown, maxString = 40): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "string" && x.length > maxString ? `${x.slice(0, maxString)}… (${x.length} chars)` : x,
  );
}

export function summary(r: RunResult, p: Paint = plain): string {
  const mark = (v: string) => (v === "pass" ? p.ok("PASS") : v === "fail" ? p.bad("FAIL") : p.bad("UNKNOWN"));
  const lines: string[] = [];
  for (const c of r.checks) lines.push(`  ${mark(c.verdict)}  ${c.name.padEnd(22)} ${c.message}`);
  const s = r.stats;
  lines.push(
    p.dim(
      `stats: ${s.events} events, ${s.messages} messages, ${s.ops} ops, ${s.simTimeMs.toFixed(0)} ms simulated in ${s.wallMs.toFixed(0)} ms wall (${s.wallMs > 0 ? Math.round(s.simTimeMs / s.wallMs) : "∞"}× real time)`,
    ),
  );
  lines.push(`verdict: ${mark(r.verdict)}   traceHash: ${r.traceHash}`);
  lines.push(`repro: ${r.repro}`);
  return lines.join("\n");
}

/** The object `run --json` prints (docs/FORMATS.md), plus the resolved options. */
export function runJson(r: RunResult): object {
  return {
    scenario: r.scenario,
    seed: r.seed,
    bugs: r.bugs,
    verdict: r.verdict,
    traceHash: r.traceHash,
    stats: r.stats,
    // A failing check carries its checker's evidence (typed by the check's name: checkers/types.ts).
    checks: r.checks.map((c) => ({
      name: c.name,
      verdict: c.verdict,
      message: c.message,
      ...(c.verdict === "fail" && c.evidence !== undefined ? { evidence: c.evidence } : {}),
    })),
    repro: r.repro,
    options: r.options,
  };
}
