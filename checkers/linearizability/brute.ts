// The reference the fast checker is judged against: try every order consistent with real time,
// straight from the definition. No memoization, no read-only shortcut, no pruning hooks; an
// operation with an unknown return may be placed anywhere after its call or left out entirely.
// Exponential: for small histories only.

import { assert } from "../../core/assert.ts";
import type { Model, Operation } from "./types.ts";

export const BRUTE_FORCE_MAX_OPERATIONS = 9;

/** True if some order of the operations (unknown-return ones optional) is legal and respects real time. */
export function bruteForceLinearizable<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): boolean {
  assert(
    ops.length <= BRUTE_FORCE_MAX_OPERATIONS,
    `brute force is for at most ${BRUTE_FORCE_MAX_OPERATIONS} operations`,
  );
  const placed = new Array<boolean>(ops.length).fill(false);
  const mustPlace = ops.filter((o) => o.return !== Infinity).length;

  const search = (state: S, placedKnown: number): boolean => {
    if (placedKnown === mustPlace) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      const op = ops[i]!;
      // i can go next only if no unplaced operation returned before i was called.
      let blocked = false;
      for (let j = 0; j < ops.length; j++) {
        if (j !== i && !placed[j] && ops[j]!.return < op.call) {
          blocked = true;
          break;
        }
      }
      if (blocked) continue;
      const [ok, next] = model.step(state, op.input, op.output);
      if (!ok) continue;
      placed[i] = true;
      const found = search(next, placedKnown + (op.return !== Infinity ? 1 : 0));
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(model.init(), 0);
}
