// Parser for Porcupine's Jepsen etcd logs (test_data/jepsen/etcd_NNN.log): one register, line order
// is time. `:info` leaves the operation open forever (unknown outcome); a read with an unknown result
// has no effect and is dropped; `:fail :cas` ran and did not match.

import { HistoryParseError, lines, parsePoint } from "./errors.ts";
import {
  registerInput,
  registerOutput,
  registerValue,
  type RegisterInput,
  type RegisterOperation,
  type RegisterOutput,
} from "../models/register.ts";

const LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(\w+)\s+:(\w+)\s+(.*?)\s*$/;
const CAS_ARGS = /^\[(-?\d+)\s+(-?\d+)\]$/;
const INT = /^-?\d+$/;

interface Pending {
  f: string;
  input: RegisterInput;
  call: number;
  line: number;
}

export function parsePorcupineEtcd(text: string): RegisterOperation[] {
  const ops: RegisterOperation[] = [];
  const pending = new Map<number, Pending>();
  const open: { p: Pending; process: number }[] = [];
  const all = lines(text);
  for (let k = 0; k < all.length; k++) {
    parsePoint(k);
    const lineNo = k + 1;
    const line = all[k]!;
    if (line.trim() === "") continue;
    const m = LINE.exec(line);
    if (!m) throw new HistoryParseError(lineNo, "expected `INFO jepsen.util - <process> :<type> :<f> <value>`");
    const process = Number(m[1]);
    const type = m[2]!;
    const f = m[3]!;
    const value = m[4]!;
    if (f !== "read" && f !== "write" && f !== "cas") throw new HistoryParseError(lineNo, `unknown operation :${f}`);

    if (type === "invoke") {
      if (pending.has(process)) {
        throw new HistoryParseError(
          lineNo,
          `process ${process} invokes while its operation from line ${pending.get(process)!.line} is open`,
        );
      }
      pending.set(process, { f, input: parseInput(f, value, lineNo), call: lineNo, line: lineNo });
      continue;
    }
    const p = pending.get(process);
    if (!p) throw new HistoryParseError(lineNo, `process ${process} completes (:${type}) with no open operation`);
    if (p.f !== f)
      throw new HistoryParseError(lineNo, `process ${process} completes :${f} but invoked :${p.f} on line ${p.line}`);
    pending.delete(process);

    if (type === "info") {
      // Indeterminate: may take effect at any time after the call, or never.
      if (f !== "read") open.push({ p, process });
      continue;
    }
    if (type !== "ok" && type !== "fail") throw new HistoryParseError(lineNo, `unknown type :${type}`);
    const output = parseOutput(type, f, value, p.input, lineNo);
    if (output === undefined) continue; // definitely no effect (a failed read or write)
    ops.push({ clientId: process, input: p.input, call: p.call, output, return: lineNo });
  }
  // Still open at the end of the log: same as :info.
  for (const [process, p] of pending) if (p.f !== "read") open.push({ p, process });
  for (const { p, process } of open.sort((a, b) => a.p.call - b.p.call)) {
    ops.push({ clientId: process, input: p.input, call: p.call, output: registerOutput.unknown(), return: Infinity });
  }
  return ops.sort((a, b) => a.call - b.call);
}

function parseInput(f: string, value: string, lineNo: number): RegisterInput {
  if (f === "read") {
    if (value !== "nil")
      throw new HistoryParseError(lineNo, `a read is invoked with nil, not ${JSON.stringify(value)}`);
    return registerInput.read();
  }
  if (f === "write") {
    if (!INT.test(value)) throw new HistoryParseError(lineNo, `a write needs an integer, got ${JSON.stringify(value)}`);
    return registerInput.write(registerValue(value));
  }
  const m = CAS_ARGS.exec(value);
  if (!m) throw new HistoryParseError(lineNo, `a cas needs [from to], got ${JSON.stringify(value)}`);
  return registerInput.cas(registerValue(m[1]!), registerValue(m[2]!));
}

function parseOutput(
  type: string,
  f: string,
  value: string,
  input: RegisterInput,
  lineNo: number,
): RegisterOutput | undefined {
  if (f === "read") {
    if (type === "fail") return undefined; // `:fail :read :timed-out`: a read without a result has no effect
    if (value === "nil") return registerOutput.read(null);
    if (!INT.test(value))
      throw new HistoryParseError(lineNo, `a read returns nil or an integer, got ${JSON.stringify(value)}`);
    return registerOutput.read(registerValue(value));
  }
  if (f === "write") return type === "ok" ? registerOutput.written() : undefined;
  const m = CAS_ARGS.exec(value);
  if (!m) throw new HistoryParseError(lineNo, `a cas completes with [from to], got ${JSON.stringify(value)}`);
  if (registerValue(m[1]!) !== input.a || registerValue(m[2]!) !== input.b) {
    throw new HistoryParseError(lineNo, `cas completes with ${value} but was invoked with [${input.a} ${input.b}]`);
  }
  return registerOutput.cas(type === "ok");
}
