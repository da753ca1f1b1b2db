// Bad input is an expected outcome at the parser boundary: a typed error naming the line and the problem.

export class HistoryParseError extends Error {
  override readonly name = "HistoryParseError";
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(line > 0 ? `line ${line}: ${problem}` : problem);
  }
}

/** Splits text into lines (LF or CRLF), numbering from 1. */
export function lines(text: string): string[] {
  const out = text.split("\n");
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/** Thrown between lines when the caller's stop hook asks (the CLI's --timeout covers parsing too). */
export class ParseStopped extends Error {
  override readonly name = "ParseStopped";
  constructor() {
    super("parsing stopped");
  }
}

let stopHook: (() => boolean) | undefined;

/** Runs a parse with a stop hook that the parsers consult every 4,096 lines. */
export function withParseStop<T>(stop: (() => boolean) | undefined, parse: () => T): T {
  const previous = stopHook;
  stopHook = stop;
  try {
    return parse();
  } finally {
    stopHook = previous;
  }
}

/** A parser calls this at line index k: it throws ParseStopped when the hook says stop. */
export function parsePoint(k: number): void {
  if ((k & 4095) === 4095 && stopHook !== undefined && stopHook()) throw new ParseStopped();
}
