// Test support: run the simulated world until a callback-style call answers.

export interface Runnable {
  readonly now: number;
  runUntilPredicate(pred: () => boolean, deadline: number): boolean;
}

/** Starts f, runs the world until f's callback fires (within maxUs of virtual time), returns its value. */
export function settle<T>(world: Runnable, f: (cb: (x: T) => void) => void, maxUs = 5_000_000): T {
  let out: { v: T } | undefined;
  f((v) => {
    if (out === undefined) out = { v };
  });
  world.runUntilPredicate(() => out !== undefined, world.now + maxUs);
  if (out === undefined) throw new Error(`no answer within ${maxUs}us of virtual time`);
  return out.v;
}
