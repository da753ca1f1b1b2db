// The etcdsim command: argument parsing and wiring only. Every command module is imported on first use,
// so `etcdsim --help` and `--version` load nothing but this file and the help texts.
import { BUGS_HELP, HELP, SCENARIOS_HELP } from "./help.ts";

export { HELP };

/** Bad usage or input: the CLI prints the message on one line and exits 2. */
function isUsageError(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === "UsageError";
}

async function scenariosCommand(argv: string[]): Promise<number> {
  const { parse } = await import("./args.ts");
  const { values } = parse("scenarios", argv, { json: { type: "boolean" } });
  if (values.help) {
    console.log(SCENARIOS_HELP);
    return 0;
  }
  const { scenarios } = await import("../scenarios/registry.ts");
  const list = scenarios().map((s) => ({ name: s.name, description: s.description }));
  if (values.json) console.log(JSON.stringify(list));
  else for (const s of list) console.log(`${s.name.padEnd(22)} ${s.description}`);
  return 0;
}

async function bugsCommand(argv: string[]): Promise<number> {
  const { parse, bugArgs } = await import("./args.ts");
  const { values } = parse("bugs", argv, {
    hunt: { type: "boolean" },
    seeds: { type: "string" },
    json: { type: "boolean" },
    bug: { type: "string", multiple: true },
    "budget-s": { type: "string" },
  });
  if (values.help) {
    console.log(BUGS_HELP);
    return 0;
  }
  const only = bugArgs(values.bug);
  if (values.hunt) return (await import("./hunt.ts")).huntCommand(argv);
  const { UsageError } = await import("./args.ts");
  if (values.seeds !== undefined || values["budget-s"] !== undefined)
    throw new UsageError("bugs: --seeds and --budget-s go with --hunt");
  const { BUG_CATALOG } = await import("../core/bugs.ts");
  const list = only.length ? BUG_CATALOG.filter((b) => only.includes(b.name as (typeof only)[number])) : BUG_CATALOG;
  if (values.json) console.log(JSON.stringify(list));
  else {
    const w = Math.max(0, ...list.map((b) => b.name.length));
    for (const b of list) console.log(`${b.name.padEnd(w)} ${b.scenario.padEnd(22)} ${b.bug}`);
  }
  return 0;
}

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  run: async (argv) => (await import("./run.ts")).runCommand(argv),
  sweep: async (argv) => (await import("./sweep.ts")).sweepCommand(argv),
  scenarios: scenariosCommand,
  bugs: bugsCommand,
  check: async (argv) => (await import("./check.ts")).checkCommand(argv),
  shrink: async (argv) => (await import("./shrink.ts")).shrinkCommand(argv),
  bench: async (argv) => (await import("./bench.ts")).benchCommand(argv),
  real: async (argv) => (await import("./real.ts")).realCommand(argv),
  explore: async (argv) => (await import("./explore.ts")).exploreCommand(argv),
};

/** The package version, read from package.json beside the sources or the built files. */
async function version(): Promise<string> {
  const { readFileSync } = await import("node:fs");
  for (const rel of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "etcdsim" && pkg.version) return pkg.version;
    } catch {
      // try the next place
    }
  }
  return "unknown";
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined) {
      process.stderr.write(`${HELP}\n`);
      return 2;
    }
    if (cmd === "help" || cmd === "--help" || cmd === "-h") {
      if (rest.length === 0) {
        console.log(HELP);
        return 0;
      }
      return await main([rest[0]!, "--help"]);
    }
    if (cmd === "--version" || cmd === "-V" || cmd === "version") {
      console.log(`etcdsim ${await version()}`);
      return 0;
    }
    const fn = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
    if (fn === undefined) {
      process.stderr.write(
        `etcdsim: unknown command "${cmd}" (commands: ${Object.keys(commands).join(", ")}; see etcdsim --help)\n`,
      );
      return 2;
    }
    return await fn(rest);
  } catch (e) {
    if (isUsageError(e)) {
      process.stderr.write(`etcdsim: ${String((e as Error).message).split("\n")[0]}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(
      `etcdsim: internal error: ${String(err?.message ?? err).split("\n")[0]}${process.env.ETCDSIM_DEBUG ? "\n" + err?.stack : " (set ETCDSIM_DEBUG=1 for the stack)"}\n`,
    );
    return 70;
  }
}
