// etcdsim bench: the benchmark table (tinybench), or JSON for tracking.
import { formatTable, runSuites } from "../bench/run.ts";
import { SUITES } from "../bench/suites.ts";
import { interactive, intArg, parse, UsageError } from "./args.ts";
import { cpus } from "node:os";

export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parse("bench", argv, {
    json: { type: "boolean" },
    only: { type: "string" },
    "time-ms": { type: "string" },
  });
  if (values.help) {
    console.log(
      `etcdsim bench [--json] [--only SUITE[,SUITE…]] [--time-ms MS]\n\nRuns the microbenchmarks (tinybench) and whole-run measurements; prints one table, or JSON with --json.\nSuites: ${SUITES.map((s) => s.name).join(", ")}. --time-ms: time per tinybench case.`,
    );
    return 0;
  }
  const json = values.json === true;
  const tty = interactive(json);
  // --only a,b: those suites, in the table's order.
  const only = values.only?.split(",").map((x) => x.trim());
  const unknown = only?.find((n) => !SUITES.some((s) => s.name === n));
  if (unknown !== undefined)
    throw new UsageError(`bench: unknown suite "${unknown}" (known: ${SUITES.map((s) => s.name).join(", ")})`);
  const suites = only ? SUITES.filter((s) => only.includes(s.name)) : SUITES;
  const timeMs = intArg(values["time-ms"], "--time-ms", 1, 600_000);
  const rows = await runSuites(suites, {
    ...(timeMs !== undefined ? { timeMs } : {}),
    onProgress: tty ? (label) => process.stdout.write(`\r\x1b[K… ${label}`) : undefined,
  });
  if (tty) process.stdout.write("\r\x1b[K");
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? "" };
  if (json) console.log(JSON.stringify({ machine, rows }));
  else {
    console.log(`etcdsim bench — node ${machine.node}, ${machine.cpus} cores (${machine.cpu})`);
    console.log(formatTable(rows));
  }
  return 0;
}
