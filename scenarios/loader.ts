// Scenario references: a registered name, or a JSON file { scenario, seed?, bugs?, options?, faults? }
// validated whole by the schema (scenarios/schema/) before anything runs, with errors that name the
// bad field. Replay files use the same shape.
import { readFileSync, statSync } from "node:fs";
import type { BugName } from "../core/bugs.ts";
import type { FaultEvent } from "../sim/nemesis.ts";
import { Rng } from "../sim/rng.ts";
import { findScenario, scenarios } from "./registry.ts";
import { resolveRun } from "./runner.ts";
import { UsageError, type Options, type ScenarioDef } from "./types.ts";
import { checkFaultNames, validateFaults, validateOptions, validateTop, type Bad } from "./schema/file.ts";

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

/** Scenario files larger than this are not scenarios. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export function scenarioNames(): string[] {
  return scenarios().map((s) => s.name);
}

export function loadScenario(ref: string): LoadedScenario {
  if (!ref.endsWith(".json")) {
    const def = findScenario(ref);
    if (def === undefined)
      throw new UsageError(`unknown scenario "${ref}" (known: ${scenarioNames().join(", ")}; or a FILE.json)`);
    return { def, ref };
  }
  let text: string;
  try {
    const st = statSync(ref);
    if (!st.isFile())
      throw Object.assign(new Error(), { code: st.isDirectory() ? "EISDIR (a directory)" : "not a regular file" });
    if (st.size > MAX_FILE_BYTES)
      throw Object.assign(new Error(), { code: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB` });
    text = readFileSync(ref, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read scenario file ${ref}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`scenario file ${ref} is not valid JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  return validateScenarioFile(data, ref);
}

export function validateScenarioFile(data: unknown, ref: string): LoadedScenario {
  const bad: Bad = (field, what) => new UsageError(`scenario file ${ref}: field "${field}" ${what}`);
  const top = validateTop(data, bad, ref);
  const def = findScenario(top.scenario);
  if (def === undefined)
    throw bad("scenario", `names an unknown scenario "${top.scenario}" (known: ${scenarioNames().join(", ")})`);
  const file = data as Record<string, unknown>;
  const out: LoadedScenario = { def, ref };
  if (top.seed !== undefined) out.seed = top.seed;
  if (top.bugs !== undefined) out.bugs = top.bugs;
  // Options are checked against the scenario's own (as it resolves them for seed 0) merged with the file's.
  if (file.options !== undefined) out.options = validateOptions(resolveRun(def, 0).options, file.options, bad);
  if (file.faults !== undefined) {
    out.faults = validateFaults(file.faults, bad);
    // Options alone keep the seed's fault schedule (drawn for these options); faults alone keep the
    // seed's options, so their names are checked per seed (checkLoadedFor).
    if (out.options !== undefined) checkFaultNames(out.faults, out.options, bad);
    else if (out.seed !== undefined) checkLoadedFor(out, out.seed);
  }
  return out;
}

/** A file's faults without options name the processes of the seed's options: checks them for this seed. */
export function checkLoadedFor(loaded: LoadedScenario, seed: number): void {
  if (loaded.faults === undefined || loaded.options !== undefined) return;
  const options = loaded.def.resolve(new Rng(seed).fork("options"));
  checkFaultNames(
    loaded.faults,
    options,
    (field, what) => new UsageError(`scenario file ${loaded.ref}: field "${field}" ${what} (for seed ${seed})`),
  );
}
