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
  /** Every change the operator asked for, with its answer (return null: none came, the outcome is unknown). */
  requests?: readonly MembershipRequest[];
  /** The configuration changes the members applied, in order (see configChanges). */
  applied?: readonly AppliedChange[];
}

export type MemberChangeOp = "addLearner" | "promote" | "remove";

export interface MembershipRequest {
  op: MemberChangeOp;
  id: string;
  call: number;
  return: number | null;
  /** The refusal; "timeout" means the member gave up waiting for the change to apply (outcome unknown). */
  error?: string;
}

export interface AppliedChange {
  op: MemberChangeOp;
  id: string;
  /** When a member first applied a configuration that holds it, and that configuration's index. */
  time: number;
  index: number;
}

export interface Config {
  voters: readonly string[];
  learners: readonly string[];
}

/**
 * The changes that lead from one configuration to the next (several when a member's view skipped some,
 * as after a snapshot): a new learner is added; a learner that became a voter is promoted; a new voter
 * was added as a learner and promoted (the only way this API adds one); a member in neither is removed.
 */
export function configChanges(prev: Config, next: Config): { op: MemberChangeOp; id: string }[] {
  const out: { op: MemberChangeOp; id: string }[] = [];
  const was = (id: string) => prev.voters.includes(id) || prev.learners.includes(id);
  for (const id of next.learners) if (!was(id)) out.push({ op: "addLearner", id });
  for (const id of next.voters) {
    if (prev.voters.includes(id)) continue;
    if (!prev.learners.includes(id)) out.push({ op: "addLearner", id });
    out.push({ op: "promote", id });
  }
  for (const id of [...prev.voters, ...prev.learners])
    if (!next.voters.includes(id) && !next.learners.includes(id)) out.push({ op: "remove", id });
  return out;
}

/**
 * Every applied change was asked for by a request that succeeded or whose outcome is unknown, called
 * before it took effect: a refusal is a promise that nothing happened (Jepsen's definite failure), and an
 * admin told "no leader" retries, or gives up, on a cluster that already changed. Undefined if so.
 */
function unexplainedChange(out: MembershipOutcome): string | undefined {
  if (out.requests === undefined || out.applied === undefined) return undefined;
  const ms = (t: number) => `${(t / 1000).toFixed(1)}ms`;
  for (const c of out.applied) {
    const asked = out.requests.filter((r) => r.op === c.op && r.id === c.id && r.call <= c.time);
    if (asked.some((r) => r.return === null || r.error === undefined || r.error === "timeout")) continue;
    const refusals = asked.map((r) => `${r.error} at ${ms(r.return!)}`).join(", ");
    return `${c.op} ${c.id} took effect at ${ms(c.time)} (configuration at index ${c.index}), but ${asked.length === 0 ? "no request asked for it" : `every request for it was refused: ${refusals}`}`;
  }
  return undefined;
}

/**
 * The converse: a request answered ok took effect, between its call and its answer (etcd answers a
 * membership change once its entry applied, and refuses one its cluster already has: a member that
 * exists, a learner already promoted). Undefined if so.
 */
function unappliedSuccess(out: MembershipOutcome): string | undefined {
  if (out.requests === undefined || out.applied === undefined) return undefined;
  const ms = (t: number) => `${(t / 1000).toFixed(1)}ms`;
  for (const r of out.requests) {
    if (r.return === null || r.error !== undefined) continue;
    const at = r.return;
    if (out.applied.some((c) => c.op === r.op && c.id === r.id && c.time >= r.call && c.time <= at)) continue;
    const other = out.applied.find((c) => c.op === r.op && c.id === r.id);
    return `${r.op} ${r.id} was answered ok at ${ms(at)} (called at ${ms(r.call)}), but ${other === undefined ? "no member ever applied it" : `it took effect only at ${ms(other.time)} (configuration at index ${other.index})`}`;
  }
  return undefined;
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
  const unexplained = unexplainedChange(out) ?? unappliedSuccess(out);
  if (unexplained !== undefined) return { name, verdict: "fail", message: unexplained };
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
    message: `${plan.length} steps done (voters now ${expected}; removed ${removed.join(", ")})${refusals ? `; refused on the way: ${refusals}` : ""}${out.applied === undefined ? "" : `; ${out.applied.length} changes applied, each asked for by a request that succeeded or may have, and every request answered ok applied`}`,
  };
}
