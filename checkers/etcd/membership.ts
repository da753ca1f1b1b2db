// After a membership plan: every step was done, and every member that is still in the cluster agrees on
// the voters the plan leads to (no learner left over); a member the plan removed no longer counts itself
// a voter (it stopped, or at least learned it is out).
import type { CheckResult } from "../types.ts";

/**
 * Add `add` (as a learner, then promoted), or remove `remove` ("@leader": whoever leads when the step
 * starts). Steps of one lane run in order; lanes run side by side, as two admins would (lane 0 unless
 * given), so one lane's change can be proposed while another's is still pending.
 */
export type MembershipStep = ({ add: string } | { remove: string }) & { lane?: number };

export interface MembershipOutcome {
  plan: readonly MembershipStep[];
  /** Which steps the operator completed, by index. */
  done: ReadonlySet<number>;
  /** What each "@leader" removal resolved to, by step index. */
  resolved: ReadonlyMap<number, string>;
  /** The last thing the operator did (for a stuck plan's message). */
  lastAction?: string;
  refusals: ReadonlyMap<string, number>;
}

export interface MemberEnd {
  id: string;
  /** undefined: the process is down at the end. */
  status: { removed: boolean; voters: readonly string[]; learners: readonly string[] } | undefined;
}

export function checkMembership(
  initial: readonly string[],
  out: MembershipOutcome,
  members: readonly MemberEnd[],
): CheckResult {
  const name = "membership";
  const { plan } = out;
  const stuck = plan.findIndex((_, i) => !out.done.has(i));
  if (stuck >= 0)
    return {
      name,
      verdict: "fail",
      message: `the operator is stuck at step ${stuck + 1} of ${plan.length}: ${out.lastAction ?? "nothing done"}`,
    };
  const voters = new Set(initial);
  const removed: string[] = [];
  // Adds before removals, not in plan order: with lanes, an "@leader" removal may take a member another
  // lane added later in the plan (a removed member never comes back, so the order is otherwise moot).
  for (const s of plan) if ("add" in s) voters.add(s.add);
  plan.forEach((s, i) => {
    if ("add" in s) return;
    const v = out.resolved.get(i) ?? s.remove;
    voters.delete(v);
    removed.push(v);
  });
  const expected = [...voters].sort().join(",");
  const everMember = new Set([...initial, ...plan.flatMap((s) => ("add" in s ? [s.add] : []))]);
  for (const { id, status } of members) {
    if (!everMember.has(id)) continue;
    if (status === undefined) return { name, verdict: "fail", message: `${id} is down at the end` };
    if (removed.includes(id)) {
      if (!status.removed && status.voters.includes(id))
        return { name, verdict: "fail", message: `${id} was removed but still counts itself a voter` };
      continue;
    }
    const got = [...status.voters].sort().join(",");
    if (got !== expected || status.learners.length > 0) {
      return {
        name,
        verdict: "fail",
        message: `${id} ends with voters ${got}${status.learners.length ? ` and learners ${status.learners.join(",")}` : ""}, expected ${expected}`,
      };
    }
  }
  const refusals = [...out.refusals].map(([k, n]) => `${k} ×${n}`).join(", ");
  return {
    name,
    verdict: "pass",
    message: `${plan.length} steps done (voters now ${expected}; removed ${removed.join(", ")})${refusals ? `; refused on the way: ${refusals}` : ""}`,
  };
}
