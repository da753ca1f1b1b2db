// A grow-only set with add / read, the model of Jepsen's set workloads (Knossos `set`): every add
// inserts an element, a read returns the whole set. Elements are compared by their printed form.
// The state's hash is a sum over elements, so it is updated in O(1) and independent of order:
// adds that commute reach the same state, and the memo sees it.
import { fmix32, hashString } from "../hash.ts";
import type { Model, Operation } from "../types.ts";

export const ADD = 0;
export const READ_SET = 1;

export interface SetInput {
  f: typeof ADD | typeof READ_SET;
  /** The element added (add only). */
  element: string;
  elementHash: number;
}

export interface SetOutput {
  unknown: boolean;
  /** What a read returned, sorted. */
  elements: readonly string[];
}

export interface SetState {
  readonly items: ReadonlySet<string>;
  readonly h: number;
}

export type SetOperation = Operation<SetInput, SetOutput>;

const EMPTY: SetState = { items: new Set(), h: 0 };

function sameElements(state: SetState, elements: readonly string[]): boolean {
  if (state.items.size !== elements.length) return false;
  for (const e of elements) if (!state.items.has(e)) return false;
  return true;
}

export const setModel: Model<SetState, SetInput, SetOutput> = {
  init: () => EMPTY,
  step(state, input, output) {
    if (input.f === READ_SET) return [output.unknown || sameElements(state, output.elements), state];
    if (state.items.has(input.element)) return [true, state];
    const items = new Set(state.items);
    items.add(input.element);
    return [true, { items, h: (state.h + input.elementHash) | 0 }];
  },
  readOnly: (input) => input.f === READ_SET,
  // Nothing is ever removed: a read needs the state to be within its result, and every missing
  // element of the result to be added by one of the others.
  mayBecomeLegal(state, op, others, count) {
    if (op.input.f !== READ_SET || op.output.unknown) return true;
    const want = new Set(op.output.elements);
    for (const e of state.items) if (!want.has(e)) return false;
    for (let i = 0; i < count; i++) {
      const o = others[i]!.input;
      if (o.f === ADD) want.delete(o.element);
    }
    for (const e of want) if (!state.items.has(e)) return false;
    return true;
  },
  // An add no completed read (returning after its call) contains changes no read: leave it out.
  unobservable(ops) {
    const seen = new Map<string, number>(); // element → latest return of a read containing it
    for (const o of ops) {
      if (o.input.f !== READ_SET || o.output.unknown) continue;
      for (const e of o.output.elements) seen.set(e, Math.max(seen.get(e) ?? -Infinity, o.return));
    }
    return ops.map(
      (o) => o.input.f === ADD && o.output.unknown && !((seen.get(o.input.element) ?? -Infinity) >= o.call),
    );
  },
  forget: (op) => (op.input.f === READ_SET ? undefined : { ...op, output: setOutput.unknown(), return: Infinity }),
  equal: (a, b) =>
    a === b || (a.h === b.h && a.items.size === b.items.size && [...a.items].every((e) => b.items.has(e))),
  hash: (s) => s.h,
  describeOperation(input, output) {
    if (input.f === ADD) return `add(${input.element})${output.unknown ? " → ?" : ""}`;
    return `read() → ${output.unknown ? "?" : `#{${output.elements.join(" ")}}`}`;
  },
  describeState: (s) => `#{${[...s.items].sort().join(" ")}}`,
};

export const setInput = {
  add: (element: string): SetInput => ({ f: ADD, element, elementHash: fmix32(hashString(element) ^ 0x2545f491) }),
  read: (): SetInput => ({ f: READ_SET, element: "", elementHash: 0 }),
};

export const setOutput = {
  unknown: (): SetOutput => ({ unknown: true, elements: [] }),
  done: (): SetOutput => ({ unknown: false, elements: [] }),
  read: (elements: readonly string[]): SetOutput => ({ unknown: false, elements: [...new Set(elements)].sort() }),
};
