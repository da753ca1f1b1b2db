// Where a mutation campaign may plant a bug: small, plausible slips (a comparison off by one, a negated
// condition, && for ||, min for max, a dropped +1, a flipped boolean result) in the built JavaScript of
// the simulated system (dist/core), one per mutant. Bugs written this way are the ones nobody tuned the
// checkers for; a mutant that survives every screen points at a blind spot, or at code whose slip
// changes nothing anyone can observe (an equivalent mutant), which only a person can tell apart.
import seedrandom from "seedrandom";

export interface MutationSite {
  /** The built file, relative to dist/ (core/raft/log.js). */
  file: string;
  /** 0-based line and column of the text replaced. */
  line: number;
  col: number;
  length: number;
  replacement: string;
  operator: string;
  /** The line before and after, trimmed, for people. */
  original: string;
  mutated: string;
}

/** Each operator: what it matches and what it puts in its place. */
export const OPERATORS: readonly { name: string; pattern: RegExp; replacement: string }[] = [
  { name: "<= to <", pattern: / <= /g, replacement: " < " },
  { name: "< to <=", pattern: / < /g, replacement: " <= " },
  { name: ">= to >", pattern: / >= /g, replacement: " > " },
  { name: "> to >=", pattern: / > /g, replacement: " >= " },
  { name: "=== to !==", pattern: / === /g, replacement: " !== " },
  { name: "!== to ===", pattern: / !== /g, replacement: " === " },
  { name: "&& to ||", pattern: / && /g, replacement: " || " },
  { name: "|| to &&", pattern: / \|\| /g, replacement: " && " },
  { name: "+ 1 dropped", pattern: / \+ 1\b/g, replacement: "" },
  { name: "- 1 dropped", pattern: / - 1\b/g, replacement: "" },
  { name: "true to false", pattern: /return true;/g, replacement: "return false;" },
  { name: "false to true", pattern: /return false;/g, replacement: "return true;" },
  { name: "! dropped", pattern: /if \(!/g, replacement: "if (" },
  { name: "max to min", pattern: /Math\.max\(/g, replacement: "Math.min(" },
  { name: "min to max", pattern: /Math\.min\(/g, replacement: "Math.max(" },
];

/**
 * Files whose slips no checker is meant to see: the mutant catalog's switches, assertions, probes and
 * metrics (side channels), the environment's plumbing, and examples.
 */
const SKIPPED_FILES =
  /^core\/(bugs|buggify|assert|env|probes|fnv|name-table|recent-cache)\.js$|^core\/metrics\/|^core\/kube\/(examples|manifest|observations)/;

/** Lines that check, count or explain rather than act: a slip there is not a bug of the system. */
const SKIPPED_LINES = /assert|throw |[pP]robe\(|bugs\.|\.bugs|trace|note\(|why|console|ignore\(|`|^\s*import /;

/**
 * Every site in one built file. `executed(offset)`, if given, keeps only sites whose text a screening
 * run executed (a slip in code no scenario reaches tells nothing about the checkers).
 */
export function sitesIn(file: string, source: string, executed?: (offset: number) => boolean): MutationSite[] {
  if (!file.startsWith("core/") || !file.endsWith(".js") || SKIPPED_FILES.test(file)) return [];
  const out: MutationSite[] = [];
  let offset = 0;
  source.split("\n").forEach((text, line) => {
    const start = offset;
    offset += text.length + 1;
    if (SKIPPED_LINES.test(text)) return;
    const code = codeOf(text);
    for (const op of OPERATORS) {
      op.pattern.lastIndex = 0;
      for (let m = op.pattern.exec(code); m !== null; m = op.pattern.exec(code)) {
        if (executed !== undefined && !executed(start + m.index)) continue;
        const mutated = text.slice(0, m.index) + op.replacement + text.slice(m.index + m[0].length);
        out.push({
          file,
          line,
          col: m.index,
          length: m[0].length,
          replacement: op.replacement,
          operator: op.name,
          original: text.trim(),
          mutated: mutated.trim(),
        });
      }
    }
  });
  return out;
}

/**
 * The code of one line, without its comment: nothing for a comment line (one starting with a line
 * comment, a block comment's opening, or the star of its inner and closing lines), the part before a
 * trailing line comment outside a string literal otherwise. A slip in a comment changes nothing;
 * campaigns drew some until comments were left out.
 */
function codeOf(text: string): string {
  const t = text.trimStart();
  if (t.startsWith("//") || t.startsWith("/*") || t.startsWith("*")) return "";
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== "") {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "/" && text[i + 1] === "/") return text.slice(0, i);
  }
  return text;
}

/** The source with the site's slip made; throws if the site no longer matches it (a rebuilt file). */
export function applySite(source: string, site: MutationSite): string {
  const lines = source.split("\n");
  const text = lines[site.line];
  if (text === undefined || text.trim() !== site.original)
    throw new Error(
      `${site.file}:${site.line + 1} no longer reads "${site.original}" (rebuilt since the sites were chosen?)`,
    );
  lines[site.line] = text.slice(0, site.col) + site.replacement + text.slice(site.col + site.length);
  return lines.join("\n");
}

/** `count` sites drawn without replacement, the same for the same seed and the same sites. */
export function pickSites(sites: readonly MutationSite[], count: number, seed: number): MutationSite[] {
  const rng = seedrandom(`mutation-campaign:${seed}`);
  const pool = [...sites];
  const out: MutationSite[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]!);
  return out;
}
