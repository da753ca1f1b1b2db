// A small EDN reader for Jepsen histories: nil, booleans, integers (exact: beyond 2^53 they are
// bigints), floats, strings, keywords, symbols, vectors, lists, sets, maps, `#tag value` (the tag
// is ignored), `#_` discards and `;` comments. Throws a message with the column on bad syntax.

import { registerValue, type RegisterValue } from "../models/register.ts";

export type Edn =
  | null
  | boolean
  | RegisterValue
  | string
  | { kw: string }
  | { sym: string }
  | { float: number }
  | Edn[]
  | { set: Edn[] }
  | { map: [Edn, Edn][] };

export const isKeyword = (v: Edn | undefined, name?: string): v is { kw: string } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && "kw" in v && (name === undefined || v.kw === name);
export const isMap = (v: Edn | undefined): v is { map: [Edn, Edn][] } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && "map" in v;
export const isSet = (v: Edn | undefined): v is { set: Edn[] } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && "set" in v;
export const isInt = (v: Edn | undefined): v is RegisterValue => typeof v === "number" || typeof v === "bigint";

/** The value under keyword `:name` of an EDN map. */
export function field(m: { map: [Edn, Edn][] }, name: string): Edn | undefined {
  for (const [k, v] of m.map) if (isKeyword(k, name)) return v;
  return undefined;
}

export function showEdn(v: Edn): string {
  if (v === null) return "nil";
  if (typeof v === "boolean" || typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(showEdn).join(" ")}]`;
  if ("kw" in v) return `:${v.kw}`;
  if ("sym" in v) return v.sym;
  if ("float" in v) return String(v.float);
  if ("set" in v) return `#{${v.set.map(showEdn).join(" ")}}`;
  return `{${v.map.map(([k, x]) => `${showEdn(k)} ${showEdn(x)}`).join(", ")}}`;
}

const DELIM = new Set([" ", "\t", "\n", "\r", ",", "(", ")", "[", "]", "{", "}", '"', ";"]);

/** Reads every top-level form of `text`. */
export function readEdnAll(text: string): Edn[] {
  const r = new Reader(text);
  const out: Edn[] = [];
  for (;;) {
    r.ws();
    if (r.i >= text.length) return out;
    out.push(r.value());
  }
}

class Reader {
  i = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new Error(`${what} at column ${this.i + 1}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === " " || c === "," || c === "\t" || c === "\n" || c === "\r") this.i++;
      else if (c === ";") while (this.i < s.length && s[this.i] !== "\n") this.i++;
      else break;
    }
  }

  token(): string {
    const start = this.i;
    while (this.i < this.s.length && !DELIM.has(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  seq(close: string): Edn[] {
    const out: Edn[] = [];
    for (;;) {
      this.ws();
      if (this.i >= this.s.length) this.fail(`expected ${close}`);
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
    }
  }

  value(): Edn {
    this.ws();
    const s = this.s;
    const c = s[this.i];
    if (c === undefined) return this.fail("unexpected end of input");
    if (c === "[") return (this.i++, this.seq("]"));
    if (c === "(") return (this.i++, this.seq(")"));
    if (c === "{") {
      this.i++;
      const items = this.seq("}");
      if (items.length % 2 !== 0) this.fail("a map needs an even number of forms");
      const map: [Edn, Edn][] = [];
      for (let k = 0; k < items.length; k += 2) map.push([items[k]!, items[k + 1]!]);
      return { map };
    }
    if (c === "#") {
      const n = s[this.i + 1];
      if (n === "{") {
        this.i += 2;
        return { set: this.seq("}") };
      }
      if (n === "_") {
        this.i += 2;
        this.value();
        return this.value();
      }
      this.i++;
      this.token(); // a tag: #inst, #jepsen.history.Op, …
      return this.value();
    }
    if (c === '"') {
      this.i++;
      let text = "";
      for (;;) {
        if (this.i >= s.length) this.fail("unterminated string");
        const ch = s[this.i++]!;
        if (ch === '"') return text;
        if (ch !== "\\") {
          text += ch;
          continue;
        }
        const e = s[this.i++];
        if (e === "n") text += "\n";
        else if (e === "t") text += "\t";
        else if (e === "r") text += "\r";
        else if (e === '"' || e === "\\") text += e;
        else if (e === "u") {
          text += String.fromCharCode(parseInt(s.slice(this.i, this.i + 4), 16));
          this.i += 4;
        } else this.fail("unknown escape");
      }
    }
    if (c === ":") {
      this.i++;
      const name = this.token();
      if (name === "") this.fail("empty keyword");
      return { kw: name };
    }
    if (c === "\\") {
      this.i++;
      return this.token(); // a character literal, read as a string
    }
    const t = this.token();
    if (t === "") this.fail(`unexpected ${JSON.stringify(c)}`);
    if (t === "nil") return null;
    if (t === "true") return true;
    if (t === "false") return false;
    if (/^[+-]?\d+N?$/.test(t)) return registerValue(t.replace(/N$/, "").replace(/^\+/, ""));
    if (/^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/.test(t)) return { float: Number(t.replace(/M$/, "")) };
    return { sym: t };
  }
}
