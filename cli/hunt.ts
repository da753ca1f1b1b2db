// etcdsim bugs --hunt: seeds-to-detection and wall time per mutant, plus the clean build's check.
import { performance } from "node:perf_hooks";
import { hunt } from "../scenarios/hunt.ts";
import { BUG_NAMES, isBugName, type BugName } from "../core/bugs.ts";
import { interactive, intArg, parse, UsageError } from "./args.ts";

export async function huntCommand(argv: string[]): Promise<number> {
  const { values } = parse("bugs", argv, {
    hunt: { type: "boolean" },
    seeds: { type: "string" },
    json: { type: "boolean" },
    bug: { type: "string", multiple: true },
    "budget-s": { type: "string" },
  });
  const only: BugName[] = [];
  for (const b of values.bug ?? []) {
    if (!isBugName(b)) throw new UsageError(`unknown bug "${b}" (known: ${BUG_NAMES.join(", ")})`);
    only.push(b);
  }
  const json = values.json === true;
  const tty = interactive(json);
  const rows = hunt({
    seeds: intArg(values.seeds, "--seeds", 1, 100_000) ?? 200,
    budgetMs: (intArg(values["budget-s"], "--budget-s", 1, 36_000) ?? 60) * 1000,
    clock: () => performance.now(),
    ...(only.length ? { only } : {}),
    ...(tty ? { onProgress: (l: string) => process.stdout.write(`\r\x1b[K… ${l}`) } : {}),
  });
  if (tty) process.stdout.write("\r\x1b[K");
  const ok = rows.every((r) => r.caught && r.cleanPassed);
  if (json) console.log(JSON.stringify({ ok, rows }));
  else {
    const w = Math.max(6, ...rows.map((r) => r.bug.length));
    console.log(
      `${"mutant".padEnd(w)} ${"caught".padEnd(7)} ${"seeds".padStart(6)} ${"wall s".padStart(7)}  ${"checker".padEnd(18)} clean  repro`,
    );
    for (const r of rows) {
      console.log(
        `${r.bug.padEnd(w)} ${(r.skipped ? "skip" : r.caught ? "yes" : "NO").padEnd(7)} ${String(r.seedsRun).padStart(6)} ${(r.wallMs / 1000).toFixed(1).padStart(7)}  ${(r.checker ?? r.skipped ?? "-").slice(0, 18).padEnd(18)} ${r.cleanPassed ? "pass " : "FAIL "}  ${r.repro ?? ""}`,
      );
    }
    console.log(
      ok
        ? "every mutant caught; the clean build passed the same seeds"
        : "some mutants were not caught (or the clean build failed)",
    );
  }
  return ok ? 0 : 1;
}
