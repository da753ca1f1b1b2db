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
