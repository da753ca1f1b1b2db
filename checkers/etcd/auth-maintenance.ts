// Checker `auth-maintenance`: with auth on, etcd's Maintenance service, and the Cluster service's
// membership changes, answer only whom they should. Changing an alarm (activate, disarm), defragmenting
// and changing membership need the root role; listing alarms needs an authenticated user. etcd 3.4
// checked Defragment and membership changes (since #6903; 3.1-rc1 let anyone remove a member, #7181) and
// let anyone raise or disarm NOSPACE — with no token at all (GHSA-q8m4-xhhv-38mg, fixed in 3.4.42,
// 3.5.28 and 3.6.9).
//
// A call is judged only where its member surely had auth on from the send to the answer:
//  - the member applied an auth enable that changed the state before the call was sent, and did not
//    restart in between (a restarted member starts from its snapshot, which may predate the enable);
//  - no member anywhere applied an auth disable after that enable, before the answer came (a member
//    may also take a disable in from a snapshot, but some member applied it first).
// Such a call by a principal that never holds the root role must not be answered ok. Refusals and
// unanswered calls are not judged: a member may refuse for other reasons, and an unanswered alarm
// change that took effect shows in its effect, which the etcd-nospace check and liveness judge.
import type { AuthRequest } from "../../core/etcd/auth.ts";
import type { MaintenanceRequest } from "../../core/etcd/protocol.ts";
import type { CheckOf } from "../types.ts";

/** One Maintenance call by a principal, as its client saw it. */
export interface MaintenanceCall {
  client: number;
  /** The user its token speaks for; null: it sent no token. */
  user: string | null;
  member: string;
  /** A Maintenance call, or a membership change of the Cluster service. */
  op: MaintenanceRequest["op"] | "memberRemove" | "memberAddLearner";
  /** True times, µs. */
  sentAt: number;
  answeredAt: number;
  outcome: "ok" | "refused" | "unknown";
}

/** An auth request a member applied (only enables and disables matter here). */
export interface MemberAuthApply {
  member: string;
  time: number;
  index: number;
  request: AuthRequest;
  changed: boolean;
}

export interface AuthMaintenanceInput {
  calls: readonly MaintenanceCall[];
  applies: readonly MemberAuthApply[];
  /** Member restarts: true time, µs. */
  restarts: readonly { member: string; time: number }[];
  /** Users that may hold the root role; every other principal's call is judged. */
  admins: ReadonlySet<string>;
}

const MAX_LINES = 20;

/** What the call needs when auth is on: root, or any authenticated user. */
function needs(op: MaintenanceCall["op"]): "root" | "user" | undefined {
  if (op === "alarmActivate" || op === "alarmDisarm" || op === "defragment") return "root";
  if (op === "memberRemove" || op === "memberAddLearner") return "root";
  return op === "alarmList" ? "user" : undefined;
}

/**
 * Whether a member surely had auth on throughout [from, to] (true times): it applied an auth enable that
 * changed the state before `from` and did not restart since, and no member applied a later auth disable
 * by `to`. Also the `auth` check's standard for a request a member served with no token at all.
 */
export function memberAuthOn(
  applies: readonly MemberAuthApply[],
  restarts: readonly { member: string; time: number }[],
): (member: string, from: number, to: number) => boolean {
  const enables = applies.filter((a) => a.changed && a.request.op === "authEnable");
  const disables = applies.filter((a) => a.changed && a.request.op === "authDisable");
  return (member, from, to) =>
    enables.some(
      (e) =>
        e.member === member &&
        e.time < from &&
        !restarts.some((r) => r.member === member && r.time >= e.time && r.time <= to) &&
        !disables.some((d) => d.index > e.index && d.time <= to),
    );
}

export function checkAuthMaintenance(input: AuthMaintenanceInput): CheckOf<"auth-maintenance"> {
  const surelyOn = memberAuthOn(input.applies, input.restarts);
  const violations: string[] = [];
  let judged = 0;
  for (const c of input.calls) {
    const need = needs(c.op);
    if (need === undefined || (c.user !== null && input.admins.has(c.user))) continue;
    if (need === "user" && c.user !== null) continue;
    if (!surelyOn(c.member, c.sentAt, c.answeredAt)) continue;
    judged++;
    if (c.outcome !== "ok") continue;
    violations.push(
      `${c.op} by client ${c.client} (${c.user === null ? "no token" : `user ${c.user}, not root`}) was answered ok by ${c.member} at ${c.answeredAt}us, though ${c.member} had auth on since before the call (${c.sentAt}us)`,
    );
  }
  const name = "auth-maintenance";
  if (violations.length === 0)
    return {
      name,
      verdict: "pass",
      message: `${judged} Maintenance calls that needed a permission their principal lacks reached a member with auth on (of ${input.calls.length} calls): none was served`,
      evidence: { violations: [] },
    };
  return {
    name,
    verdict: "fail",
    message: `${violations.length} Maintenance call(s) served without the permission etcd's auth requires: ${violations[0]}`,
    evidence: { violations: violations.slice(0, MAX_LINES) },
  };
}
