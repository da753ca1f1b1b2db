// Parser for Porcupine's kv logs (test_data/kv/*.txt): one flat EDN map per line, line order is time:
//   {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
// `:ok` completes; `:fail` means no effect (dropped); `:info` or no completion leaves the outcome
// unknown. A get without a result has no effect and is dropped.

import { HistoryParseError, lines, parsePoint } from "./errors.ts";
import { kvInput, kvOutput, type KvInput, type KvOperation } from "../models/kv.ts";

type EdnValue =
  | { kind: "keyword"; name: string }
  | { kind: "string"; text: string }
  | { kind: "int"; value: number }
  | { kind: "nil" };

/** Parses a flat EDN map of keyword keys to scalars. Throws a message (without line) on bad syntax. */
export function parseEdnMap(line: string): Map<string, EdnValue> {
  const out = new Map<string, EdnValue>();
  let i = 0;
  const ws = (): void => {
    while (i < line.length && (line[i] === " " || line[i] === "," || line[i] === "\t")) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at column ${i + 1}`);
  };
  const keyword = (): string => {
    if (line[i] !== ":") fail("expected a keyword");
    const start = ++i;
    while (i < line.length && /[A-Za-z0-9_\-?!*+./]/.test(line[i]!)) i++;
    if (i === start) fail("empty keyword");
    return line.slice(start, i);
  };
  const value = (): EdnValue => {
    const c = line[i];
    if (c === ":") return { kind: "keyword", name: keyword() };
    if (c === '"') {
      let text = "";
      i++;
      for (;;) {
        if (i >= line.length) fail("unterminated string");
        const ch = line[i++]!;
        if (ch === '"') break;
        if (ch === "\\") {
          const esc = line[i++];
          if (esc === "n") text += "\n";
          else if (esc === "t") text += "\t";
          else if (esc === '"' || esc === "\\") text += esc;
          else fail("unknown escape");
        } else text += ch;
      }
      return { kind: "string", text };
    }
    const m = /^-?\d+/.exec(line.slice(i));
    if (m) {
      i += m[0].length;
      return { kind: "int", value: Number(m[0]) };
    }
    if (line.startsWith("nil", i)) {
      i += 3;
      return { kind: "nil" };
    }
    return fail("expected a keyword, string, integer or nil");
  };
  ws();
  if (line[i] !== "{") fail("expected {");
  i++;
  for (;;) {
    ws();
    if (line[i] === "}") {
      i++;
      break;
    }
    if (i >= line.length) fail("expected }");
    const k = keyword();
    ws();
    if (out.has(k)) fail(`duplicate key :${k}`);
    out.set(k, value());
  }
  ws();
  if (i < line.length) fail("unexpected text after }");
  return out;
}

const KIND_NAMES: Record<EdnValue["kind"], string> = {
  keyword: "a keyword",
  string: "a string",
  int: "an integer",
  nil: "nil",
};

interface Pending {
  input: KvInput;
  call: number;
}

export function parsePorcupineKv(text: string): KvOperation[] {
  const ops: KvOperation[] = [];
  const pending = new Map<number, Pending & { line: number; f: string }>();
  const all = lines(text);
  for (let k = 0; k < all.length; k++) {
    parsePoint(k);
    const lineNo = k + 1;
    const line = all[k]!;
    if (line.trim() === "") continue;
    let m: Map<string, EdnValue>;
    try {
      m = parseEdnMap(line);
    } catch (e) {
      throw new HistoryParseError(lineNo, `not an EDN map: ${(e as Error).message}`);
    }
    const field = <K extends EdnValue["kind"]>(name: string, kind: K): Extract<EdnValue, { kind: K }> => {
      const v = m.get(name);
      if (!v) throw new HistoryParseError(lineNo, `missing :${name}`);
      if (v.kind !== kind)
        throw new HistoryParseError(lineNo, `:${name} should be ${KIND_NAMES[kind]}, got ${KIND_NAMES[v.kind]}`);
      return v as Extract<EdnValue, { kind: K }>;
    };
    const process = field("process", "int").value;
    const type = field("type", "keyword").name;
    const f = field("f", "keyword").name;
    if (f !== "get" && f !== "put" && f !== "append")
      throw new HistoryParseError(lineNo, `unknown :f :${f} (expected :get, :put or :append)`);
    const key = field("key", "string").text;
    const value = m.get("value");
    if (!value) throw new HistoryParseError(lineNo, "missing :value");

    if (type === "invoke") {
      const open = pending.get(process);
      if (open)
        throw new HistoryParseError(
          lineNo,
          `process ${process} invokes while its operation from line ${open.line} is open`,
        );
      let input: KvInput;
      if (f === "get") input = kvInput.get(key);
      else {
        if (value.kind !== "string") throw new HistoryParseError(lineNo, `:${f} needs a string :value`);
        input = f === "put" ? kvInput.put(key, value.text) : kvInput.append(key, value.text);
      }
      pending.set(process, { input, call: lineNo, line: lineNo, f });
      continue;
    }
    const p = pending.get(process);
    if (!p) throw new HistoryParseError(lineNo, `process ${process} completes (:${type}) with no open operation`);
    if (p.f !== f || p.input.key !== key) {
      throw new HistoryParseError(
        lineNo,
        `process ${process} completes :${f} on ${JSON.stringify(key)} but invoked :${p.f} on ${JSON.stringify(p.input.key)} (line ${p.line})`,
      );
    }
    pending.delete(process);
    if (type === "info") {
      if (f !== "get")
        ops.push({ clientId: process, input: p.input, call: p.call, output: kvOutput.unknown(), return: Infinity });
      continue;
    }
    if (type === "fail") continue;
    if (type !== "ok") throw new HistoryParseError(lineNo, `unknown :type :${type}`);
    let output = kvOutput.done();
    if (f === "get") {
      if (value.kind !== "string") throw new HistoryParseError(lineNo, "a completed :get needs a string :value");
      output = kvOutput.value(value.text);
    }
    ops.push({ clientId: process, input: p.input, call: p.call, output, return: lineNo });
  }
  for (const [process, p] of pending) {
    if (p.f !== "get")
      ops.push({ clientId: process, input: p.input, call: p.call, output: kvOutput.unknown(), return: Infinity });
  }
  return ops.sort((a, b) => a.call - b.call);
}
