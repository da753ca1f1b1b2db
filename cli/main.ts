// The etcdsim command: argument parsing and wiring only.
import { BUG_CATALOG } from "../core/bugs.ts";
import { scenarios } from "../scenarios/registry.ts";
import "../scenarios/all.ts";
import { parse, UsageError } from "./args.ts";
import { runCommand } from "./run.ts";
import { sweepCommand } from "./sweep.ts";

type CommandModule = Partial<Record<"checkCommand" | "shrinkCommand" | "benchCommand" | "huntCommand", (argv: string[]) => Promise<number>>>;
/** Commands loaded on first use (they pull in checkers and benchmarks that `run` does not need). */
async function lazy(name: string): Promise<CommandModule> {
  return (await import(`./${name}.ts`)) as CommandModule;
}

export const HELP = `etcdsim — deterministic simulation and fault injection for etcd, Raft and the Kubernetes control plane

Usage:
  etcdsim run       [--scenario NAME|FILE.json] [--seed N] [--bug NAME]... [--report DIR] [--json]
                    [--replay FILE.json] [--trace FILE.jsonl] [--verify-determinism]
  etcdsim sweep     [--scenario NAME] [--seeds A..B | --count N] [--workers N] [--shard I/N]
                    [--bug NAME]... [--stop-on-failure] [--json] [--junit FILE]
  etcdsim shrink    --scenario NAME --seed N [--bug NAME]... [--out FILE.json]
  etcdsim check     HISTORY [--format jsonl|porcupine-kv|porcupine-etcd] [--timeout SECONDS] [--json] [--report DIR]
  etcdsim scenarios
  etcdsim bugs      [--hunt] [--seeds N] [--json]
  etcdsim bench     [--json]
  etcdsim real      [--scenario NAME|FILE] [--members N] [--etcd-binary PATH] [--duration S] [--seed N] [--json] [--report DIR]

Exit codes: 0 every check passed, 1 a check failed, 2 bad usage or input, 3 inconclusive.
Run \`etcdsim COMMAND --help\` for a command's flags.`;

async function scenariosCommand(argv: string[]): Promise<number> {
  const { values } = parse("scenarios", argv, { json: { type: "boolean" } });
  if (values.help) {
    console.log("etcdsim scenarios [--json]\n\nLists the named scenarios.");
    return 0;
  }
  const list = scenarios().map((s) => ({ name: s.name, description: s.description }));
  if (values.json) console.log(JSON.stringify(list));
  else for (const s of list) console.log(`${s.name.padEnd(22)} ${s.description}`);
  return 0;
}

async function bugsCommand(argv: string[]): Promise<number> {
  const { values } = parse("bugs", argv, {
    hunt: { type: "boolean" }, seeds: { type: "string" }, json: { type: "boolean" },
    bug: { type: "string", multiple: true }, "budget-s": { type: "string" },
  });
  if (values.help) {
    console.log("etcdsim bugs [--hunt] [--seeds N] [--json] [--bug NAME]... [--budget-s S]\n\nLists the mutant catalog; --hunt runs each mutant's scenario over seeds 1..N (default 200, at most S seconds each, default 60)\nuntil a checker catches it, then runs the clean build over the same seeds, which must pass.");
    return 0;
  }
  if (values.hunt) {
    return (await lazy("hunt")).huntCommand!(argv);
  }
  if (values.json) console.log(JSON.stringify(BUG_CATALOG));
  else for (const b of BUG_CATALOG) console.log(`${b.name.padEnd(34)} ${b.scenario.padEnd(22)} ${b.bug}`);
  return 0;
}

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand,
  sweep: sweepCommand,
  scenarios: scenariosCommand,
  bugs: bugsCommand,
  check: async (argv) => (await lazy("check")).checkCommand!(argv),
  shrink: async (argv) => (await lazy("shrink")).shrinkCommand!(argv),
  bench: async (argv) => (await lazy("bench")).benchCommand!(argv),
  real: async (argv) => (await import("./real.ts")).realCommand(argv),
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") {
      console.log(HELP);
      return cmd === undefined ? 2 : 0;
    }
    const fn = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
    if (fn === undefined) throw new UsageError(`unknown command "${cmd}" (commands: ${Object.keys(commands).join(", ")})`);
    return await fn(rest);
  } catch (e) {
    if (e instanceof UsageError || (e as { name?: string }).name === "UsageError") {
      process.stderr.write(`etcdsim: ${(e as Error).message}\n`);
      return 2;
    }
    if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && /cli\/(check|shrink|bench|hunt)\.ts/.test(String((e as Error).message))) {
      process.stderr.write(`etcdsim: ${cmd}: not available in this build yet\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`etcdsim: internal error: ${err.message}${process.env.ETCDSIM_DEBUG ? "\n" + err.stack : " (set ETCDSIM_DEBUG=1 for the stack)"}\n`);
    return 70;
  }
}
