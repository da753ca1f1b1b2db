// Parser for Jepsen's own history.edn: one op map per line (optionally inside one [ … ]), e.g.
//   {:type :invoke, :f :cas, :value [1 2], :process 3, :time 1234, :index 17}
// Models, told apart by content: a register / cas-register (`:f :read/:write/:cas`), Jepsen's
// `independent` key map of registers (values are [key value] tuples), and a set (`:f :add/:read`).
// Semantics are Jepsen's: `:ok` happened, `:fail` definitely did not (dropped), `:info` or no
// completion may have happened at any point after the invoke (reads then say nothing: dropped).
// Line order is time. Ops of non-integer processes (the nemesis) are skipped. Integers stay exact.

import { field, isInt, isKeyword, isMap, isSet, readEdnAll, showEdn, type Edn } from "./edn.ts";
import { HistoryParseError, lines, parsePoint } from "./errors.ts";
import type { IndependentInput, IndependentOperation } from "../models/independent.ts";
import {
  registerInput,
  registerOutput,
  type RegisterInput,
  type RegisterOperation,
  type RegisterOutput,
  type RegisterValue,
} from "../models/register.ts";
import { setInput, setOutput, type SetOperation } from "../models/set.ts";

export type JepsenHistory =
  | { model: "register"; ops: RegisterOperation[] }
  | { model: "independent"; ops: IndependentOperation[] }
  | { model: "set"; ops: SetOperation[] };

interface Event {
  line: number;
  process: number;
  type: string;
  f: string;
  value: Edn;
}

function events(text: string): Event[] {
  const out: Event[] = [];
  const all = lines(text);
  // one outer vector around the whole history: drop its brackets
  const first = all.findIndex((l) => l.trim() !== "");
  let last = all.length - 1;
  while (last >= 0 && all[last]!.trim() === "") last--;
  if (first >= 0 && all[first]!.trimStart().startsWith("[") && all[last]!.trimEnd().endsWith("]")) {
    all[first] = all[first]!.replace("[", " ");
    const l = all[last]!;
    const at = l.lastIndexOf("]");
    all[last] = l.slice(0, at) + " " + l.slice(at + 1);
  }
  for (let k = 0; k < all.length; k++) {
    parsePoint(k);
    const lineNo = k + 1;
    if (all[k]!.trim() === "") continue;
    let forms: Edn[];
    try {
      forms = readEdnAll(all[k]!);
    } catch (e) {
      throw new HistoryParseError(lineNo, `not EDN: ${(e as Error).message}`);
    }
    for (const m of forms) {
      if (!isMap(m))
        throw new HistoryParseError(
          lineNo,
          `expected an op map {:type … :f … :process …}, got ${showEdn(m).slice(0, 40)}`,
        );
      const process = field(m, "process");
      const type = field(m, "type");
      const f = field(m, "f");
      if (!isKeyword(type))
        throw new HistoryParseError(lineNo, ":type should be a keyword (:invoke, :ok, :fail or :info)");
      if (!isKeyword(f)) throw new HistoryParseError(lineNo, ":f should be a keyword");
      if (!isInt(process)) {
        if (process === undefined) throw new HistoryParseError(lineNo, "missing :process");
        continue; // :nemesis and other non-client processes
      }
      if (!["invoke", "ok", "fail", "info"].includes(type.kw))
        throw new HistoryParseError(lineNo, `unknown :type :${type.kw}`);
      out.push({ line: lineNo, process: Number(process), type: type.kw, f: f.kw, value: field(m, "value") ?? null });
    }
  }
  return out;
}

interface Op {
  invoke: Event;
  done?: Event;
}

/** Pairs invokes with completions per process; `:fail` pairs are dropped. */
function pair(evs: Event[]): Op[] {
  const open = new Map<number, Op>();
  const out: Op[] = [];
  for (const e of evs) {
    if (e.type === "invoke") {
      const o = open.get(e.process);
      if (o)
        throw new HistoryParseError(
          e.line,
          `process ${e.process} invokes while its operation from line ${o.invoke.line} is open`,
        );
      const op: Op = { invoke: e };
      open.set(e.process, op);
      out.push(op);
      continue;
    }
    const o = open.get(e.process);
    if (!o) throw new HistoryParseError(e.line, `process ${e.process} completes (:${e.type}) with no open operation`);
    if (o.invoke.f !== e.f)
      throw new HistoryParseError(
        e.line,
        `process ${e.process} completes :${e.f} but invoked :${o.invoke.f} on line ${o.invoke.line}`,
      );
    open.delete(e.process);
    o.done = e;
  }
  return out.filter((o) => o.done?.type !== "fail");
}

const int = (v: Edn, line: number, what: string): RegisterValue => {
  if (!isInt(v)) throw new HistoryParseError(line, `${what} should be an integer, got ${showEdn(v)}`);
  return v;
};

export function parseJepsenEdn(text: string): JepsenHistory {
  const ops = pair(events(text));
  const fs = new Set(ops.map((o) => o.invoke.f));
  if (fs.has("add")) return { model: "set", ops: setOps(ops) };
  for (const f of fs)
    if (!["read", "write", "cas"].includes(f))
      throw new HistoryParseError(
        ops.find((o) => o.invoke.f === f)!.invoke.line,
        `unknown :f :${f} (expected :read, :write, :cas, or :add and :read for a set)`,
      );
  // independent: every value a [key value] tuple, a read's invoke included ([k nil])
  const independent = ops.some((o) => o.invoke.f === "read" && Array.isArray(o.invoke.value));
  return independent
    ? { model: "independent", ops: registerOps(ops, true) as IndependentOperation[] }
    : { model: "register", ops: registerOps(ops, false) };
}

function registerOps(ops: Op[], keyed: boolean): (RegisterOperation | IndependentOperation)[] {
  const out: (RegisterOperation | IndependentOperation)[] = [];
  for (const o of ops) {
    const line = o.invoke.line;
    let key = "";
    const unwrap = (v: Edn, l: number): Edn => {
      if (!keyed) return v;
      if (!Array.isArray(v) || v.length !== 2)
        throw new HistoryParseError(l, `an independent op's :value should be [key value], got ${showEdn(v)}`);
      const k = showEdn(v[0]!);
      if (l === line) key = k;
      else if (k !== key)
        throw new HistoryParseError(l, `completes on key ${k} but was invoked on ${key} (line ${line})`);
      return v[1]!;
    };
    const iv = unwrap(o.invoke.value, line);
    let input: RegisterInput;
    if (o.invoke.f === "read") input = registerInput.read();
    else if (o.invoke.f === "write") input = registerInput.write(int(iv, line, "a write's value"));
    else {
      if (!Array.isArray(iv) || iv.length !== 2)
        throw new HistoryParseError(line, `a cas needs [from to], got ${showEdn(iv)}`);
      input = registerInput.cas(int(iv[0]!, line, "cas from"), int(iv[1]!, line, "cas to"));
    }
    const done = o.done;
    if (!done || done.type === "info") {
      if (o.invoke.f === "read") continue; // an unknown read says nothing
      out.push({
        clientId: o.invoke.process,
        call: line,
        return: Infinity,
        input: keyed ? ({ ...input, key } as IndependentInput) : input,
        output: registerOutput.unknown(),
      } as RegisterOperation);
      continue;
    }
    const dv = unwrap(done.value, done.line);
    let output: RegisterOutput;
    if (o.invoke.f === "read") output = registerOutput.read(dv === null ? null : int(dv, done.line, "a read's value"));
    else if (o.invoke.f === "write") output = registerOutput.written();
    else output = registerOutput.cas(true); // :ok cas matched; a :fail one did not happen (dropped)
    out.push({
      clientId: o.invoke.process,
      call: line,
      return: done.line,
      input: keyed ? ({ ...input, key } as IndependentInput) : input,
      output,
    } as RegisterOperation);
  }
  return out;
}

function setOps(ops: Op[]): SetOperation[] {
  const out: SetOperation[] = [];
  for (const o of ops) {
    const line = o.invoke.line;
    const done = o.done;
    if (o.invoke.f === "add") {
      const input = setInput.add(showEdn(o.invoke.value));
      const unknown = !done || done.type === "info";
      out.push({
        clientId: o.invoke.process,
        call: line,
        return: unknown ? Infinity : done.line,
        input,
        output: unknown ? setOutput.unknown() : setOutput.done(),
      });
    } else if (o.invoke.f === "read") {
      if (!done || done.type === "info") continue;
      const v = done.value;
      if (!isSet(v) && !Array.isArray(v))
        throw new HistoryParseError(done.line, `a set read returns #{…}, got ${showEdn(v)}`);
      out.push({
        clientId: o.invoke.process,
        call: line,
        return: done.line,
        input: setInput.read(),
        output: setOutput.read((isSet(v) ? v.set : v).map(showEdn)),
      });
    } else throw new HistoryParseError(line, `unknown :f :${o.invoke.f} in a set history (expected :add or :read)`);
  }
  return out;
}
