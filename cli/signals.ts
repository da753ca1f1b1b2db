// SIGINT/SIGTERM handling. A handler runs only between synchronous stretches of work, so while one is
// installed a signal waits for the current step (a file write, a seed) to finish; without one, Node
// exits at once — right for a long synchronous simulation, which has written nothing yet.

export interface Deferred {
  /** Whether a signal arrived while deferred; gives pending ones a turn to be delivered, then stops deferring. */
  caught(): Promise<boolean>;
  /** Stops deferring at once (on an error path). */
  release(): void;
}

/** Defers SIGINT/SIGTERM until release(); the caller exits 130 if caught() says one came. */
export function deferSignals(onSignal?: (sig: NodeJS.Signals) => void): Deferred {
  let got: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    got ??= sig;
    onSignal?.(sig);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    release() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
    async caught() {
      await new Promise((r) => setImmediate(r));
      this.release();
      return got !== undefined;
    },
  };
}
