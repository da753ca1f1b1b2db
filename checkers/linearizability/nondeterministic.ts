// A nondeterministic model becomes a deterministic one over sets of states (as in Porcupine's
// NondeterministicModel.ToModel): a step maps every state and keeps the distinct results; the
// operation is legal if any result remains.

import { fmix32 } from "./hash.ts";
import type { Model, NondeterministicModel } from "./types.ts";

export function determinize<S, I, O>(m: NondeterministicModel<S, I, O>): Model<readonly S[], I, O> {
  const dedup = (states: readonly S[]): S[] => {
    const out: S[] = [];
    const hashes: number[] = [];
    for (const s of states) {
      const h = m.hash(s);
      let dup = false;
      for (let i = 0; i < out.length; i++) {
        if (hashes[i] === h && m.equal(out[i]!, s)) {
          dup = true;
          break;
        }
      }
      if (!dup) {
        out.push(s);
        hashes.push(h);
      }
    }
    return out;
  };
  const model: Model<readonly S[], I, O> = {
    init: () => dedup(m.init()),
    step(states, input, output) {
      const next: S[] = [];
      for (const s of states) for (const n of m.step(s, input, output)) next.push(n);
      const set = dedup(next);
      return [set.length > 0, set];
    },
    // Sets: order-independent hash, equality as mutual inclusion.
    equal(a, b) {
      if (a === b) return true;
      if (a.length !== b.length) return false;
      return a.every((x) => b.some((y) => m.equal(x, y)));
    },
    hash(states) {
      let h = states.length;
      for (const s of states) h = (h + fmix32(m.hash(s))) | 0;
      return h;
    },
  };
  if (m.partition) model.partition = m.partition.bind(m);
  if (m.describeOperation) model.describeOperation = m.describeOperation.bind(m);
  const describe = m.describeState;
  if (describe) model.describeState = (states) => `{${states.map((s) => describe.call(m, s)).join(" | ")}}`;
  return model;
}
