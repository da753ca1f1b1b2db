// The verdict every checker returns: pure data, so reports can render it and tests can assert on it.

export type Verdict = "pass" | "fail" | "unknown";

export interface CheckResult {
  /** e.g. "linearizability", "watch", "raft-safety", "delivery-accounting". */
  name: string;
  verdict: Verdict;
  /** One line a person reads first: what failed, where (revision, key, member, event number). */
  message: string;
  /** Machine-readable evidence (e.g. the longest linearizable prefix), rendered by reports. */
  evidence?: unknown;
}

export function combineVerdicts(vs: readonly Verdict[]): Verdict {
  if (vs.includes("fail")) return "fail";
  if (vs.includes("unknown")) return "unknown";
  return "pass";
}
