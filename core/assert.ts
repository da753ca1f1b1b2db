// Assertions as executable documentation: a failed one inside the simulated system is a finding,
// reported with the seed by the runner, not a crash of the tool.

export class AssertionFailure extends Error {
  override readonly name = "AssertionFailure";
}

export function assert(cond: unknown, msg: string | (() => string)): asserts cond {
  if (!cond) throw new AssertionFailure(typeof msg === "string" ? msg : msg());
}

export function unreachable(x: never, what = "value"): never {
  throw new AssertionFailure(`unexpected ${what}: ${JSON.stringify(x)}`);
}
