// Argument parsing on util.parseArgs with one-line, friendly errors (exit 2, no stack trace).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { isBugName, BUG_NAMES, type BugName } from "../core/bugs.ts";
import { parseSeed } from "../sim/rng.ts";
import { UsageError } from "../scenarios/types.ts";

export { UsageError };

type Opts = NonNullable<ParseArgsConfig["options"]>;

const HELP = { help: { type: "boolean", short: "h" } } as const;

export function parse<T extends Opts>(command: string, argv: string[], options: T, allowPositionals = false) {
  // "--seed -1" would read as two options; keep a dash-number as the value so the checker can name it.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!,
      next = argv[i + 1];
    if (a.startsWith("--") && !a.includes("=") && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, ...HELP } as T & typeof HELP,
      strict: true,
      allowPositionals,
      tokens: true,
    });
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0] ?? String(e);
    throw new UsageError(`${command}: ${msg.replace(/\. To specify a positional argument.*$/, "")}`);
  }
  // A flag given twice (`--seed 1 --seed 2`) would silently keep the last one: refuse it.
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== "option" || (options[t.name] as { multiple?: boolean } | undefined)?.multiple) continue;
    if (seen.has(t.name)) throw new UsageError(`${command}: --${t.name} given more than once`);
    seen.add(t.name);
    if (
      typeof t.value === "string" &&
      t.value === "" &&
      (options[t.name] as { type?: string } | undefined)?.type === "string"
    ) {
      throw new UsageError(`${command}: --${t.name} needs a non-empty value`);
    }
  }
  const { values, positionals } = parsed;
  return { values, positionals };
}

export function seedArg(text: string | undefined, flag = "--seed"): number | undefined {
  if (text === undefined) return undefined;
  const s = parseSeed(text);
  if (s === undefined)
    throw new UsageError(
      `bad seed "${text}" for ${flag}: expected an unsigned 32-bit integer (0..4294967295, decimal or 0x-hex)`,
    );
  return s;
}

export function bugArgs(list: string[] | undefined): BugName[] {
  const out: BugName[] = [];
  for (const b of list ?? []) {
    if (!isBugName(b))
      throw new UsageError(`unknown bug "${b}" (see \`etcdsim bugs\`; known: ${BUG_NAMES.join(", ")})`);
    if (!out.includes(b)) out.push(b);
  }
  return out;
}

export function intArg(
  text: string | undefined,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text.trim())) throw new UsageError(`bad value "${text}" for ${flag}: expected an integer`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`bad value "${text}" for ${flag}: expected ${min}..${max}`);
  return n;
}

/** stdout is a terminal and JSON was not asked for: show progress and colours. */
export function interactive(json: boolean): boolean {
  return !json && process.stdout.isTTY === true && process.env.CI !== "true";
}
