// The README's tables of scenario-file fields, generated from the schema (npm run schema-table), so the
// documentation cannot drift from what the loader accepts (scenarios/schema/table.test.ts checks it).
import { z } from "zod";
import { Rng } from "../../sim/rng.ts";
import { findScenario } from "../registry.ts";
import { FAULT_SPECS, faultSchema, type FaultKindName } from "./faults.ts";
import { FAMILIES, LIMITS, type Family } from "./options.ts";

type Json = Record<string, unknown>;

const num = (n: number) =>
  Math.abs(n) >= 10_000 && Number.isInteger(n) ? n.toLocaleString("en-US").replace(/,/g, "_") : String(n);

function typeOf(s: Json): string {
  if (Array.isArray(s.enum))
    return (s.enum as unknown[]).length <= 4
      ? (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(" \\| ")
      : "enum";
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === "array") {
    if (Array.isArray(s.prefixItems)) return `[${(s.prefixItems as Json[]).map(typeOf).join(", ")}]`;
    const inner = typeOf((s.items ?? {}) as Json);
    return inner.includes("|") ? `(${inner})[]` : `${inner}[]`;
  }
  const alternatives = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (Array.isArray(alternatives)) {
    const kinds = alternatives.map(
      (a) => (a.properties as Record<string, Json> | undefined)?.kind?.const as string | undefined,
    );
    if (kinds.every((k) => k !== undefined)) return `{kind: ${kinds.map((k) => JSON.stringify(k)).join(" \\| ")}, …}`;
    return [...new Set(alternatives.map(typeOf))].join(" \\| ");
  }
  return String(s.type ?? "any");
}

function rangeOf(s: Json): string {
  if (s.type === "array" && Array.isArray(s.prefixItems))
    return (
      rangeOf((s.prefixItems as Json[])[0]!) + (s.description?.toString().includes("min <= max") ? ", min ≤ max" : "")
    );
  if (s.type === "array") {
    const items = (s.items ?? {}) as Json;
    const inner = items.type === "string" || items.type === "array" ? "" : rangeOf(items);
    const n = [
      s.minItems !== undefined && s.minItems !== 0 ? `≥ ${String(s.minItems)}` : "",
      s.maxItems !== undefined ? `≤ ${String(s.maxItems)} items` : "",
    ]
      .filter(Boolean)
      .join(", ");
    if (Array.isArray((s.items as Json | undefined)?.enum))
      return `${((s.items as Json).enum as string[]).join(", ")}; ${n}`;
    return [inner, n].filter(Boolean).join("; ");
  }
  if (Array.isArray(s.enum) && (s.enum as unknown[]).length > 4) return (s.enum as unknown[]).join(", ");
  if (typeof s.minimum === "number" || typeof s.maximum === "number")
    return `${s.minimum !== undefined ? num(s.minimum as number) : "…"}..${s.maximum !== undefined ? num(s.maximum as number) : "…"}`;
  if (typeof s.minLength === "number" && s.minLength > 0) return "non-empty";
  return "";
}

function unitOf(s: Json): string {
  if (typeof s.unit === "string") return s.unit;
  if (s.type === "array" && Array.isArray(s.prefixItems)) return unitOf((s.prefixItems as Json[])[0]!);
  return "";
}

function show(v: unknown): string {
  if (v === undefined) return "—";
  const text = JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "string" && x.length > 24 ? `${x.slice(0, 12)}…` : x,
  );
  return "`" + (text.length > 48 ? text.slice(0, 47) + "…" : text) + "`";
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** One table row per field; objects with fixed keys (traffic, mix) get a row per inner field. */
function rows(shape: z.ZodRawShape, defaults: Json, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, schema] of Object.entries(shape)) {
    const js = z.toJSONSchema(schema as z.ZodType, { unrepresentable: "any" }) as Json;
    const name = prefix + k;
    const props = js.properties as Record<string, Json> | undefined;
    if (js.type === "object" && props && Object.keys(props).length > 0 && prefix === "") {
      out.push(`| \`${name}\` | object | | | | ${cell(String(js.description ?? ""))} |`);
      const inner = schema as unknown as {
        def: { shape?: z.ZodRawShape; innerType?: { def: { shape: z.ZodRawShape } } };
      };
      const innerShape =
        (schema as unknown as { shape?: z.ZodRawShape }).shape ?? inner.def.shape ?? inner.def.innerType?.def.shape;
      if (innerShape) out.push(...rows(innerShape, (defaults[k] ?? {}) as Json, `${name}.`));
      continue;
    }
    if (js.type === "object" && props) {
      out.push(
        `| \`${name}.<kind>\` | ${typeOf(Object.values(props)[0]!)} | ${unitOf(Object.values(props)[0]!)} | ${rangeOf(Object.values(props)[0]!)} | ${show(defaults[k])} | ${cell(String(js.description ?? ""))} (${Object.keys(props).join(", ")}) |`,
      );
      continue;
    }
    out.push(
      `| \`${name}\` | ${typeOf(js)} | ${unitOf(js)} | ${cell(rangeOf(js))} | ${show(defaults[k])} | ${cell(String(js.description ?? ""))} |`,
    );
  }
  return out;
}

/** The markdown between the README's schema-table markers. */
export function schemaTables(): string {
  const parts: string[] = [];
  parts.push(
    "Fault kinds (`faults[]` of a scenario file or replay; every fault has `at` and optional `until`, integer µs in 0..600_000_000, `until` ≥ `at`; a fault starting at or after `faultPhaseUs` never starts — the schedules scenarios draw have such tails — and every fault ends at the heal):",
    "",
  );
  parts.push("| kind | fields | meaning |", "|---|---|---|");
  for (const kind of Object.keys(FAULT_SPECS) as FaultKindName[]) {
    const js = z.toJSONSchema(faultSchema(kind), { unrepresentable: "any" }) as Json;
    const props = js.properties as Record<string, Json>;
    const required = new Set((js.required as string[]) ?? []);
    const fields = Object.entries(props)
      .filter(([k]) => k !== "at" && k !== "kind" && (k !== "until" || required.has(k)))
      .map(([k, s]) => {
        const r = rangeOf(s),
          u = unitOf(s);
        return `\`${k}${required.has(k) ? "" : "?"}\`: ${typeOf(s)}${u ? ` ${u}` : ""}${r ? ` (${r})` : ""}`;
      });
    parts.push(`| \`${kind}\` | ${cell(fields.join("; "))} | ${cell(FAULT_SPECS[kind].doc)} |`);
  }
  for (const family of Object.keys(FAMILIES) as Family[]) {
    const f = FAMILIES[family];
    const def = findScenario(f.example);
    const defaults = (def ? def.resolve(new Rng(0).fork("options")) : {}) as Json;
    parts.push("", `Options of ${f.title} — default: \`${f.example}\`'s, seed 0:`, "");
    parts.push("| field | type | unit | range | default | meaning |", "|---|---|---|---|---|---|");
    parts.push(...rows(f.shape, defaults));
  }
  parts.push(
    "",
    `Together, the options must keep a run bounded: at most ${num(LIMITS.maxOps)} client operations (clients × faultPhaseUs / max(thinkUs, 1000 µs)), ${num(LIMITS.maxTicks)} ticks (processes × (faultPhaseUs + livenessBoundUs) / tickUs) and ${num(LIMITS.maxFaults)} drawn faults (faultPhaseUs / mix.meanGapUs); in Kubernetes scenarios at most ${num(LIMITS.maxKubeProcessSeconds)} process-seconds ((members + apiservers + nodes + 4) × faultPhaseUs / 10^6). A run past the per-run event budget (50_000_000 events) ends inconclusive (exit 3).`,
  );
  return parts.join("\n");
}

export const TABLE_START =
  "<!-- schema-table:start (generated by `npm run schema-table` from scenarios/schema/; do not edit) -->";
export const TABLE_END = "<!-- schema-table:end -->";

/** The README with its table section replaced by the generated one. */
export function withTables(readme: string): string {
  const a = readme.indexOf(TABLE_START),
    b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error("README.md lacks the schema-table markers");
  return readme.slice(0, a + TABLE_START.length) + "\n" + schemaTables() + "\n" + readme.slice(b);
}
