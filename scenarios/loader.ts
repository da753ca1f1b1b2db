// Scenario references: a registered name, or a JSON file { scenario, seed?, bugs?, options?, faults? }
// validated field by field, with errors that name the bad field. Replay files use the same shape.
import { BUGGIFY_SITE_NAMES, isBuggifySite } from "../core/buggify.ts";
import { readFileSync } from "node:fs";
import { isBugName, type BugName } from "../core/bugs.ts";
import { FAULT_KINDS, type FaultEvent } from "../sim/nemesis.ts";
import { findScenario, scenarios } from "./registry.ts";
import { resolveRun } from "./runner.ts";
import { UsageError, type Options, type ScenarioDef } from "./types.ts";

export interface LoadedScenario {
  def: ScenarioDef;
  /** What to print in a repro line. */
  ref: string;
  /** From a file: explicit options and schedule (replay), a seed and bugs if the file names them. */
  options?: Options;
  faults?: FaultEvent[];
  seed?: number;
  bugs?: BugName[];
}

export function scenarioNames(): string[] {
  return scenarios().map((s) => s.name);
}

export function loadScenario(ref: string): LoadedScenario {
  if (!ref.endsWith(".json")) {
    const def = findScenario(ref);
    if (def === undefined) throw new UsageError(`unknown scenario "${ref}" (known: ${scenarioNames().join(", ")})`);
    return { def, ref };
  }
  let text: string;
  try {
    text = readFileSync(ref, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read scenario file ${ref}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`scenario file ${ref} is not valid JSON: ${(e as Error).message}`);
  }
  return validateScenarioFile(data, ref);
}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);

export function validateScenarioFile(data: unknown, ref: string): LoadedScenario {
  const bad = (field: string, what: string) => new UsageError(`scenario file ${ref}: field "${field}" ${what}`);
  if (!isObj(data)) throw new UsageError(`scenario file ${ref}: expected a JSON object`);
  for (const k of Object.keys(data).sort()) {
    if (!["scenario", "seed", "bugs", "options", "faults", "description"].includes(k)) throw bad(k, "is not a known field (scenario, seed, bugs, options, faults, description)");
  }
  if (typeof data.scenario !== "string") throw bad("scenario", "must be the name of a scenario");
  const def = findScenario(data.scenario);
  if (def === undefined) throw bad("scenario", `names an unknown scenario "${data.scenario}" (known: ${scenarioNames().join(", ")})`);
  const out: LoadedScenario = { def, ref };
  if (data.seed !== undefined) {
    if (typeof data.seed !== "number" || !Number.isInteger(data.seed) || data.seed < 0 || data.seed > 0xffffffff) throw bad("seed", "must be an unsigned 32-bit integer");
    out.seed = data.seed;
  }
  if (data.bugs !== undefined) {
    if (!Array.isArray(data.bugs)) throw bad("bugs", "must be an array of bug names");
    data.bugs.forEach((b, i) => {
      if (typeof b !== "string" || !isBugName(b)) throw bad(`bugs[${i}]`, `is not a known bug (${String(b)})`);
    });
    out.bugs = data.bugs as BugName[];
  }
  // Options are checked against the shape the scenario resolves for seed 0: same keys, same types.
  const template = resolveRun(def, 0).options;
  if (data.options !== undefined) {
    if (!isObj(data.options)) throw bad("options", "must be an object");
    out.options = mergeOptions(template, data.options, "options", bad);
  }
  if (data.faults !== undefined) {
    if (!Array.isArray(data.faults)) throw bad("faults", "must be an array of fault events");
    out.faults = data.faults.map((f, i) => validateFault(f, `faults[${i}]`, bad));
  }
  // Options alone keep the seed's fault schedule (drawn for these options); faults alone keep the seed's options.
  return out;
}

/** Counts of things a scenario builds: a cluster of 0 members or 10,000 apiservers is a typo, not a test. */
const SIZE_OPTIONS: Record<string, readonly [number, number]> = {
  members: [1, 9], spares: [0, 8], clients: [1, 64], keys: [1, 100_000], apiservers: [1, 9], nodes: [1, 64], processes: [1, 64],
};

/** A membership plan's steps name spares to add and members (or "@leader") to remove, one key each. */
function validateMembership(o: Options, field: string, bad: (f: string, w: string) => UsageError): void {
  const steps = o.membership;
  if (!Array.isArray(steps)) return;
  const members = Number(o.members ?? 0);
  const all = members + Number(o.spares ?? 0);
  const index = (name: unknown) => (typeof name === "string" && /^n[1-9][0-9]*$/.test(name) ? Number(name.slice(1)) : 0);
  steps.forEach((step, i) => {
    const f = `${field}[${i}]`;
    if (!isObj(step) || Object.keys(step).length !== 1 || !("add" in step || "remove" in step)) throw bad(f, 'must be { "add": "nK" } or { "remove": "nK" | "@leader" }');
    if ("add" in step) {
      const k = index(step.add);
      if (k <= members || k > all) throw bad(`${f}.add`, `must name a spare (n${members + 1}..n${all}; set options.spares)`);
    } else if (step.remove !== "@leader") {
      const k = index(step.remove);
      if (k < 1 || k > all) throw bad(`${f}.remove`, `must name a member (n1..n${all}) or "@leader"`);
    }
  });
}

function mergeOptions(template: Options, given: Record<string, unknown>, path: string, bad: (f: string, w: string) => UsageError): Options {
  const out: Options = { ...template };
  for (const k of Object.keys(given).sort()) {
    const field = `${path}.${k}`;
    if (!(k in template)) throw bad(field, `is not an option of this scenario (known: ${Object.keys(template).join(", ")})`);
    const t = template[k];
    const g = given[k];
    if (isObj(t)) {
      if (!isObj(g)) throw bad(field, "must be an object");
      out[k] = mergeOptionsLoose(t, g, field, bad);
    } else if (Array.isArray(t)) {
      if (!Array.isArray(g)) throw bad(field, "must be an array");
      if (k === "buggify") {
        g.forEach((x, i) => {
          if (typeof x !== "string" || !isBuggifySite(x)) throw bad(`${field}[${i}]`, `is not a BUGGIFY point (${BUGGIFY_SITE_NAMES.join(", ")})`);
        });
      }
      out[k] = g;
    } else if (typeof g !== typeof t) {
      throw bad(field, `must be a ${typeof t}`);
    } else {
      if (typeof g === "number" && (!Number.isFinite(g) || g < 0)) throw bad(field, "must be a non-negative number");
      const size = SIZE_OPTIONS[k];
      if (size !== undefined && (!Number.isInteger(g) || (g as number) < size[0] || (g as number) > size[1])) throw bad(field, `must be an integer in ${size[0]}..${size[1]}`);
      out[k] = g;
    }
  }
  if ("membership" in given) validateMembership(out, `${path}.membership`, bad);
  return out;
}

function mergeOptionsLoose(t: Record<string, unknown>, g: Record<string, unknown>, path: string, bad: (f: string, w: string) => UsageError): Record<string, unknown> {
  const out: Record<string, unknown> = { ...t };
  for (const k of Object.keys(g).sort()) {
    const v = g[k];
    const field = `${path}.${k}`;
    if (k in t && t[k] !== undefined && !isObj(t[k]) && typeof v !== typeof t[k]) throw bad(field, `must be a ${typeof t[k]}`);
    if (typeof v === "number" && (!Number.isFinite(v) || v < 0)) throw bad(field, "must be a non-negative number");
    out[k] = isObj(v) && isObj(t[k]) ? mergeOptionsLoose(t[k] as Record<string, unknown>, v, field, bad) : v;
  }
  return out;
}

function validateFault(f: unknown, path: string, bad: (f: string, w: string) => UsageError): FaultEvent {
  if (!isObj(f)) throw bad(path, "must be an object");
  const kind = f.kind;
  if (typeof kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(kind)) throw bad(`${path}.kind`, `must be one of ${FAULT_KINDS.join(", ")}`);
  const num = (k: string, required: boolean) => {
    const v = f[k];
    if (v === undefined && !required) return;
    if (typeof v !== "number" || !Number.isFinite(v)) throw bad(`${path}.${k}`, "must be a number");
  };
  const str = (k: string) => { if (typeof f[k] !== "string") throw bad(`${path}.${k}`, "must be a process name"); };
  const strs = (k: string) => {
    const v = f[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw bad(`${path}.${k}`, "must be an array of process names");
  };
  num("at", true);
  if ((f.at as number) < 0) throw bad(`${path}.at`, "must be >= 0");
  num("until", kind === "clog" || kind === "swizzle");
  if (f.until !== undefined && (f.until as number) < (f.at as number)) throw bad(`${path}.until`, "must not be before at");
  switch (kind) {
    case "partition": {
      const g = f.groups;
      if (!Array.isArray(g) || !g.every((x) => Array.isArray(x) && x.every((y) => typeof y === "string"))) throw bad(`${path}.groups`, "must be an array of arrays of process names");
      break;
    }
    case "partition-oneway": strs("from"); strs("to"); break;
    case "isolate": case "pause": str("target"); break;
    case "bridge": {
      str("bridge");
      const s = f.sides;
      if (!Array.isArray(s) || s.length !== 2 || !s.every((x) => Array.isArray(x) && x.every((y) => typeof y === "string"))) throw bad(`${path}.sides`, "must be two arrays of process names");
      break;
    }
    case "loss": case "duplicate": num("p", true); if ((f.p as number) < 0 || (f.p as number) > 1) throw bad(`${path}.p`, "must be a probability in [0, 1]"); break;
    case "delay": num("extraUs", true); break;
    case "clog": str("from"); str("to"); break;
    case "crash":
      str("target");
      if (f.disk !== undefined && !["clean", "torn", "corrupt"].includes(f.disk as string)) throw bad(`${path}.disk`, "must be clean, torn or corrupt");
      break;
    case "skew": str("target"); num("byUs", true); break;
    case "drift": str("target"); num("ppm", true); break;
    case "disk-slow": str("target"); num("extraUs", true); break;
    case "slow-messages": num("p", true); num("maxUs", true); if ((f.p as number) < 0 || (f.p as number) > 1) throw bad(`${path}.p`, "must be a probability in [0, 1]"); break;
    case "swizzle": {
      const l = f.links;
      if (!Array.isArray(l) || !l.every((x) => Array.isArray(x) && x.length === 2 && x.every((y) => typeof y === "string"))) throw bad(`${path}.links`, "must be an array of [from, to] process-name pairs");
      num("stepUs", true);
      break;
    }
  }
  return f as unknown as FaultEvent;
}
