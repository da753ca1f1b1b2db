// Escaping for the three contexts the report writes into: HTML text/attributes, SVG numbers, and JSON
// embedded in a <script> element.

/** For HTML text and double- or single-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that is safe inside <script type="application/json">: "<" is written as \u003c so no value can
 * close the element ("</script>") or open a comment; U+2028/9 are escaped for older parsers.
 */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** An SVG coordinate with at most one decimal: keeps the file small and the output stable. */
export function px(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

/** Cuts a label to fit `maxChars`, marking the cut. */
export function clip(s: string, maxChars: number): string {
  if (maxChars <= 0) return "";
  return s.length <= maxChars ? s : s.slice(0, Math.max(0, maxChars - 1)) + "…";
}

/** JSON text of a value, cut to `max` characters (request/response bodies in the detail panel). */
export function jsonCapped(v: unknown, max: number): string {
  const s = JSON.stringify(v, null, 1) ?? "undefined";
  return s.length <= max ? s : s.slice(0, max) + `\n… (${s.length - max} more characters)`;
}

/** A CSS class token from free text (a role, a fault kind): lower case letters, digits and dashes. */
export function cssToken(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
}
