// A scenario file (or replay) checked whole before the run starts: the file's own fields, every option
// against the scenario family's schema (unknown keys at any depth, types, bounds, units), every fault
// against its kind, the process names and symbolic targets faults name, the membership plan, and the
// Kubernetes manifests and actions. Any problem is one UsageError naming the field.
import { z } from "zod";
import { BUG_NAMES, isBugName, type BugName } from "../../core/bugs.ts";
import { parseManifests } from "../../core/kube/manifest.ts";
import { workloadSteps, type WorkloadAction } from "../../harness/kube/workload.ts";
import { FAULT_KINDS, type FaultEvent } from "../../sim/nemesis.ts";
import { UsageError, type Options } from "../types.ts";
import { FAULT_SPECS, faultSchema, type FaultKindName } from "./faults.ts";
import { FAMILIES, familyOf, type Family } from "./options.ts";
import { checkName, pausableOnly, processNames } from "./processes.ts";
import { MAX_US } from "./fields.ts";

export const FILE_FIELDS = ["scenario", "seed", "bugs", "options", "faults", "description"] as const;

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);

export type Bad = (field: string, what: string) => UsageError;

/** "options.traffic.bogus" style path. */
export function pathText(base: string, path: readonly PropertyKey[]): string {
  let s = base;
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? String(p) : `.${String(p)}`;
  return s;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? s.slice(0, 40) + "…" : s;
};

/** One zod issue as "field … what": the first issue only (one line). */
function issueText(issue: z.core.$ZodIssue, base: string, input: unknown): [string, string] {
  const at = (path: readonly PropertyKey[]) => {
    let v: unknown = input;
    for (const p of path)
      v = isObj(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[p as string] : undefined;
    return v;
  };
  const field = pathText(base, issue.path);
  const got = at(issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = Object.keys((issue as unknown as { known?: string[] }).known ?? []);
      return [
        pathText(base, [...issue.path, issue.keys[0]!]),
        `is not a known field${known.length ? ` (known: ${known.join(", ")})` : ""}`,
      ];
    }
    case "invalid_type":
      if (got === undefined) return [field, `is required (${issue.expected})`];
      return [field, `must be ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}, not ${show(got)}`];
    case "too_small": {
      const i = issue as z.core.$ZodIssueTooSmall;
      if (i.origin === "array" || i.origin === "string")
        return [field, `needs at least ${String(i.minimum)} ${i.origin === "array" ? "element(s)" : "character(s)"}`];
      return [field, `must be >= ${String(i.minimum)}, not ${show(got)}`];
    }
    case "too_big": {
      const i = issue as z.core.$ZodIssueTooBig;
      if (i.origin === "array" || i.origin === "string")
        return [field, `has more than ${String(i.maximum)} ${i.origin === "array" ? "elements" : "characters"}`];
      return [field, `must be <= ${String(i.maximum)}, not ${show(got)}`];
    }
    case "invalid_value":
      return [field, `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, not ${show(got)}`];
    case "invalid_union": {
      const options = (issue as unknown as { options?: unknown[] }).options;
      if (options)
        return [field, `must be one of ${options.map((v) => JSON.stringify(v)).join(", ")}, not ${show(got)}`];
      return [field, `has an unexpected shape: ${show(got)}`];
    }
    default:
      return [field, issue.message];
  }
}

/** Parses with a zod schema; the first issue becomes a UsageError naming its field. */
export function parseOr<T>(
  schema: z.ZodType<T>,
  value: unknown,
  base: string,
  bad: Bad,
  known?: (path: readonly PropertyKey[]) => string[],
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === "unrecognized_keys" && known)
    (issue as unknown as { known: Record<string, true> }).known = Object.fromEntries(
      known(issue.path).map((k) => [k, true]),
    );
  const [field, what] = issueText(issue, base, value);
  throw bad(field, what);
}

/** Plain objects merge key by key (a file's `traffic: {put: 5}` keeps the other weights); anything else replaces. */
function deepMerge(t: unknown, g: unknown): unknown {
  if (!isObj(t) || !isObj(g)) return g;
  const out: Record<string, unknown> = { ...t };
  for (const k of Object.keys(g)) out[k] = deepMerge(t[k], g[k]);
  return out;
}

/** The keys a schema object (possibly wrapped in refinements) knows, at a path inside the family shape. */
function knownKeys(shape: z.ZodRawShape, path: readonly PropertyKey[]): string[] {
  let cur: unknown = z.object(shape);
  for (const p of path) {
    const def = (cur as { def?: { shape?: Record<string, unknown>; innerType?: unknown } }).def;
    const sh = (cur as { shape?: Record<string, unknown> }).shape ?? def?.shape;
    if (sh && typeof p === "string") cur = sh[p];
    while ((cur as { def?: { innerType?: unknown } })?.def?.innerType)
      cur = (cur as { def: { innerType: unknown } }).def.innerType;
  }
  const sh = (cur as { shape?: Record<string, unknown> } | undefined)?.shape;
  return sh ? Object.keys(sh) : [];
}

/**
 * The scenario's options with the file's merged in, validated. Keys the scenario resolves but the schema
 * does not list yet (an option added to a scenario without a schema line) are checked by type only.
 */
export function validateOptions(template: Options, given: unknown, bad: Bad): Options {
  if (!isObj(given)) throw bad("options", "must be an object");
  const family = familyOf(template);
  const shape = FAMILIES[family].shape;
  const merged = deepMerge(template, given) as Options;
  const loose: Options = {};
  for (const k of Object.keys(merged)) {
    if (k in shape) continue;
    if (!(k in template))
      throw bad(`options.${k}`, `is not an option of this scenario (known: ${Object.keys(template).join(", ")})`);
    if (k in given && typeof given[k] !== typeof template[k])
      throw bad(`options.${k}`, `must be a ${typeof template[k]}`);
    loose[k] = merged[k];
    delete merged[k];
  }
  const out = parseOr(z.strictObject(shape), merged, "options", bad, (p) => knownKeys(shape, p)) as Options;
  for (const limit of FAMILIES[family].limits) {
    const problem = limit(out as Record<string, number>);
    if (problem) throw bad(problem[0], problem[1]);
  }
  validateMembership(out, bad);
  if (family === "kube") validateKube(out, bad);
  return { ...out, ...loose };
}

/** A membership plan's steps name spares to add and members (or "@leader") to remove. */
function validateMembership(o: Options, bad: Bad): void {
  const steps = o.membership;
  if (!Array.isArray(steps)) return;
  const members = Number(o.members ?? 0);
  const all = members + Number(o.spares ?? 0);
  const index = (name: unknown) =>
    typeof name === "string" && /^n[1-9][0-9]*$/.test(name) ? Number(name.slice(1)) : 0;
  // Lanes run side by side, so a plan must mean the same in any interleaving of its lanes: every step
  // that names a spare is in one lane (an add racing its own removal could land either side of it), and a
  // spare is removed by name only after a step adds it.
  const laneOf = new Map<string, { step: number; lane: number }>();
  steps.forEach((step: Record<string, unknown>, i) => {
    const f = `options.membership[${i}]`;
    const lane = typeof step.lane === "number" ? step.lane : 0;
    const name = String("add" in step ? step.add : step.remove);
    let k: number;
    if ("add" in step) {
      k = index(step.add);
      if (k <= members || k > all)
        throw bad(`${f}.add`, `must name a spare (n${members + 1}..n${all}; set options.spares)`);
    } else {
      if (step.remove === "@leader") return;
      k = index(step.remove);
      if (k < 1 || k > all) throw bad(`${f}.remove`, `must name a member (n1..n${all}) or "@leader"`);
      if (k > members && !laneOf.has(name))
        throw bad(`${f}.remove`, `removes spare ${name} before any step adds it (add it first, in this lane)`);
    }
    if (k <= members) return;
    const first = laneOf.get(name);
    if (first === undefined) laneOf.set(name, { step: i, lane });
    else if (first.lane !== lane)
      throw bad(
        `${f}.${"add" in step ? "add" : "remove"}`,
        `names ${name} in lane ${lane}, but options.membership[${first.step}] names it in lane ${first.lane}: lanes run side by side, so keep ${name}'s steps in lane ${first.lane}`,
      );
  });
}

/** Manifests must be valid YAML Kubernetes objects; actions must name deployments and valid manifests. */
function validateKube(o: Options, bad: Bad): void {
  const objects = [];
  for (const [i, m] of (o.manifests as string[]).entries()) {
    try {
      objects.push(...parseManifests(m, `manifests[${i}]`));
    } catch (e) {
      throw bad(`options.manifests[${i}]`, `is not a valid manifest: ${firstLine(e).replace(/:\s*$/, "")}`);
    }
  }
  try {
    workloadSteps(objects, o.actions as WorkloadAction[]);
  } catch (e) {
    const msg = firstLine(e);
    const m = /^(actions\[\d+\][.\w]*)[:,]?\s*(.*)$/.exec(msg);
    throw m ? bad(`options.${m[1]}`, m[2]!) : bad("options.actions", msg);
  }
}

const firstLine = (e: unknown) =>
  String((e as Error).message ?? e)
    .split("\n")[0]!
    .replace(/:\s*$/, "");

/** Faults: each against its kind, `until` after `at`. Names are checked by checkFaultNames once the options are known. */
export function validateFaults(given: unknown, bad: Bad): FaultEvent[] {
  if (!Array.isArray(given)) throw bad("faults", "must be an array of fault events");
  if (given.length > 100_000) throw bad("faults", "has more than 100000 faults");
  return given.map((f: unknown, i): FaultEvent => {
    const path = `faults[${i}]`;
    if (!isObj(f)) throw bad(path, "must be an object");
    const kind = f.kind;
    if (typeof kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(kind))
      throw bad(
        `${path}.kind`,
        `must be one of ${FAULT_KINDS.join(", ")}${kind === undefined ? "" : `, not ${show(kind)}`}`,
      );
    if (!(kind in FAULT_SPECS)) return looseFault(f, path, bad); // a kind the schema does not describe yet
    const schema = faultSchema(kind as FaultKindName);
    const v = parseOr(schema, f, path, bad, () => Object.keys(schema.shape)) as Record<string, unknown>;
    if (v.until !== undefined && (v.until as number) < (v.at as number))
      throw bad(`${path}.until`, `must not be before at (${String(v.at)})`);
    return v as unknown as FaultEvent;
  });
}

/** The process names and symbolic targets of faults, against the processes these options start. */
export function checkFaultNames(out: readonly FaultEvent[], options: Options, bad: Bad): void {
  const family: Family = familyOf(options);
  const known = processNames(family, options);
  const pausable = [...known, ...pausableOnly(family, options)];
  // Names, in the order the nemesis starts them (by `at`, stable), so a label is bound before it is used.
  const labels = new Set<string>();
  const order = out.map((f, i) => ({ f, i })).sort((a, b) => a.f.at - b.f.at || a.i - b.i);
  for (const { f, i } of order) {
    const spec = FAULT_SPECS[f.kind as FaultKindName];
    if (spec === undefined) continue;
    for (const [field, value] of namedFields(f as unknown as Record<string, unknown>)) {
      const err = checkName(family, value, f.kind === "pause" ? pausable : known, labels);
      if (err !== undefined) throw bad(`faults[${i}].${field}`, err);
    }
  }
}

/** Every string-valued process field of a fault, with its path ("groups[1][0]"). */
function namedFields(f: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (v: unknown, p: string) => {
    if (Array.isArray(v)) v.forEach((x, j) => walk(x, `${p}[${j}]`));
    else out.push([p, v]);
  };
  const spec = FAULT_SPECS[f.kind as FaultKindName];
  for (const k of Object.keys(spec.fields)) {
    if (f[k] === undefined || ["p", "extraUs", "byUs", "ppm", "disk", "maxUs", "stepUs"].includes(k)) continue;
    walk(f[k], k);
  }
  return out;
}

function looseFault(f: Record<string, unknown>, path: string, bad: Bad): FaultEvent {
  for (const k of ["at", "until"]) {
    const v = f[k];
    if (v === undefined && k === "until") continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_US)
      throw bad(`${path}.${k}`, `must be an integer in 0..${MAX_US} (µs)`);
  }
  return f as unknown as FaultEvent;
}

/** The file's own top-level fields (not options or faults). */
export function validateTop(
  data: unknown,
  bad: Bad,
  ref: string,
): { scenario: string; seed?: number; bugs?: BugName[] } {
  if (!isObj(data)) throw new UsageError(`scenario file ${ref}: expected a JSON object`);
  for (const k of Object.keys(data).sort()) {
    if (!(FILE_FIELDS as readonly string[]).includes(k))
      throw bad(k, `is not a known field (${FILE_FIELDS.join(", ")})`);
  }
  if (typeof data.scenario !== "string") throw bad("scenario", "must be the name of a scenario");
  const out: { scenario: string; seed?: number; bugs?: BugName[] } = { scenario: data.scenario };
  if (data.seed !== undefined) {
    if (typeof data.seed !== "number" || !Number.isInteger(data.seed) || data.seed < 0 || data.seed > 0xffffffff)
      throw bad("seed", "must be an unsigned 32-bit integer");
    out.seed = data.seed;
  }
  if (data.description !== undefined && typeof data.description !== "string")
    throw bad("description", "must be a string");
  if (data.bugs !== undefined) {
    if (!Array.isArray(data.bugs)) throw bad("bugs", "must be an array of bug names");
    data.bugs.forEach((b, i) => {
      if (typeof b !== "string" || !isBugName(b))
        throw bad(`bugs[${i}]`, `is not a known bug (${show(b)}; known: ${BUG_NAMES.join(", ")})`);
    });
    out.bugs = [...new Set(data.bugs as BugName[])];
  }
  return out;
}
