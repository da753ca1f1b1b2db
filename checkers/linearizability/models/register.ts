// A single register with read / write / compare-and-set: the model of Porcupine's Jepsen etcd logs.
// The register starts absent (null). A cas that came back :fail ran and found a different value;
// an operation whose output is unknown is legal anywhere (an unknown cas applies iff it would match).

import { fmix32, hashString } from "../hash.ts";
import type { Model, Operation } from "../types.ts";

export const READ = 0;
export const WRITE = 1;
export const CAS = 2;

/**
 * A register value: an integer, exact. Safe integers are numbers and only integers beyond 2^53
 * are bigints (registerValue), so `===` compares any two values exactly.
 */
export type RegisterValue = number | bigint;

/** The canonical RegisterValue of an integer literal: a number when exact, else a bigint. */
export function registerValue(literal: string): RegisterValue {
  const n = Number(literal);
  return Number.isSafeInteger(n) ? n : BigInt(literal);
}

/** `f`: READ, WRITE(a) or CAS(from a, to b). Monomorphic shape, for the hot loop. */
export interface RegisterInput {
  f: typeof READ | typeof WRITE | typeof CAS;
  a: RegisterValue;
  b: RegisterValue;
}

/** `value`: what a read returned (null = absent). `ok`: whether a cas matched. */
export interface RegisterOutput {
  unknown: boolean;
  ok: boolean;
  value: RegisterValue | null;
}

export type RegisterState = RegisterValue | null;
export type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

const ABSENT_HASH = 0x3c6ef372;

export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  init: () => null,
  step(state, input, output) {
    if (input.f === READ) return [output.unknown || output.value === state, state];
    if (input.f === WRITE) return [true, input.a];
    const matches = state === input.a;
    return [output.unknown || output.ok === matches, matches ? input.b : state];
  },
  // A read, and a cas known to have failed, never change the register.
  readOnly: (input, output) => input.f === READ || (input.f === CAS && !output.unknown && !output.ok),
  mayBecomeLegal(state, op, others, count) {
    // A read of v needs the register to hold v, now or after something writes v; a failed cas
    // needs it to differ from `from`, now or after any write. Nothing deletes, so nil never returns.
    if (op.input.f === READ) {
      const want = op.output.value;
      if (state === want) return true;
      if (want === null) return false;
      for (let i = 0; i < count; i++) {
        const o = others[i]!.input;
        if (o.f !== READ && others[i] !== op && (o.f === WRITE ? o.a : o.b) === want) return true;
      }
      return false;
    }
    if (op.input.f === WRITE || op.output.unknown || op.output.ok) return true; // legal, or a matter of order
    if (state !== op.input.a) return true;
    for (let i = 0; i < count; i++) if (others[i]!.input.f !== READ && others[i] !== op) return true;
    return false;
  },
  forget: (op) =>
    op.input.f === READ || (op.input.f === CAS && !op.output.unknown && !op.output.ok)
      ? undefined
      : { ...op, output: registerOutput.unknown(), return: Infinity },
  equal: (a, b) => a === b,
  hash: (s) => (s === null ? ABSENT_HASH : typeof s === "bigint" ? hashString(String(s)) : fmix32(s)),
  describeOperation(input, output) {
    const result = output.unknown ? "?" : null;
    if (input.f === READ) return `read() → ${result ?? (output.value === null ? "nil" : output.value)}`;
    if (input.f === WRITE) return `write(${input.a})${result ? " → ?" : ""}`;
    return `cas(${input.a}, ${input.b}) → ${result ?? (output.ok ? "ok" : "fail")}`;
  },
  describeState: (s) => (s === null ? "nil" : String(s)),
};

export const registerInput = {
  read: (): RegisterInput => ({ f: READ, a: 0, b: 0 }),
  write: (v: RegisterValue): RegisterInput => ({ f: WRITE, a: v, b: 0 }),
  cas: (from: RegisterValue, to: RegisterValue): RegisterInput => ({ f: CAS, a: from, b: to }),
};

export const registerOutput = {
  unknown: (): RegisterOutput => ({ unknown: true, ok: false, value: null }),
  read: (value: RegisterValue | null): RegisterOutput => ({ unknown: false, ok: true, value }),
  written: (): RegisterOutput => ({ unknown: false, ok: true, value: null }),
  cas: (ok: boolean): RegisterOutput => ({ unknown: false, ok, value: null }),
};
