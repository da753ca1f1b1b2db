// Checker `auth-requests`: the Auth service's admin requests (UserAdd, RoleGrantPermission, AuthEnable…)
// keep the promise every etcd request makes. Each goes through Raft as one entry, so:
//  - an answer of success means the request was applied: some member applied an equal request between
//    the call and the answer;
//  - a definite refusal (no leader, invalid token…) means it took no effect: every applied admin request
//    that changed the auth state was asked for, before it was applied, by a call that succeeded or whose
//    outcome is unknown (a timeout). An entry the auth store refused when applying it (no user on the
//    request, say) changes nothing, and its call is answered with that refusal.
// The operator is the only client of these requests; an equal request called twice may be applied twice,
// so calls and entries are matched by content and time, not one to one. The `membership` checker holds
// membership changes to the same rule.
// Authenticate is judged by its password instead: one answered with a token named a user and the password
// that some auth state applied by the answer gives that user (a member checks it on its own state, which
// may lag, so any earlier state will do).
import type { AuthRequest, AuthState } from "../../core/etcd/auth.ts";
import type { CheckOf } from "../types.ts";

export interface AuthCall {
  request: AuthRequest;
  /** True time, µs. */
  call: number;
  /** Infinity: never answered. */
  return: number;
  outcome: "ok" | "refused" | "unknown";
}

export interface AppliedAuthRequest {
  member: string;
  index: number;
  /** True time, µs. */
  time: number;
  request: AuthRequest;
  /** It changed the auth state. */
  changed: boolean;
}

const MAX_LINES = 20;

export function checkAuthRequests(input: {
  calls: readonly AuthCall[];
  applied: readonly AppliedAuthRequest[];
  /** The auth states, each with the time its first member applied it: Authenticate calls are judged by them. */
  states?: readonly { time: number; state: AuthState }[];
}): CheckOf<"auth-requests"> {
  // Each log entry once, at the time its first member applied it.
  const entries = new Map<number, { time: number; key: string; changed: boolean }>();
  for (const a of input.applied) {
    if (a.request.op === "authenticate") continue;
    const e = entries.get(a.index);
    if (e === undefined) entries.set(a.index, { time: a.time, key: JSON.stringify(a.request), changed: a.changed });
    else {
      e.time = Math.min(e.time, a.time);
      e.changed ||= a.changed;
    }
  }
  const calls = input.calls
    .filter((c) => c.request.op !== "authenticate")
    .map((c) => ({ ...c, key: JSON.stringify(c.request) }));
  const violations: string[] = [];
  for (const [index, e] of [...entries].sort((a, b) => a[0] - b[0])) {
    if (!e.changed) continue;
    const asked = calls.some(
      (c) =>
        c.key === e.key && c.call <= e.time && (c.outcome === "unknown" || (c.outcome === "ok" && e.time <= c.return)),
    );
    if (!asked)
      violations.push(
        `${e.key} was applied at index ${index} (${e.time}us) though no call of it succeeded or may have: ${
          calls
            .filter((c) => c.key === e.key && c.call <= e.time)
            .map((c) => `${c.outcome} [${c.call}, ${c.return}]us`)
            .join(", ") || "none was made before"
        }`,
      );
  }
  const applied = [...entries.values()];
  let ok = 0;
  for (const c of calls) {
    if (c.outcome !== "ok") continue;
    ok++;
    if (!applied.some((e) => e.key === c.key && e.time >= c.call && e.time <= c.return))
      violations.push(`${c.key} succeeded [${c.call}, ${c.return}]us but no member applied it meanwhile`);
  }
  let logins = 0;
  for (const c of input.calls) {
    if (c.request.op !== "authenticate" || c.outcome !== "ok" || input.states === undefined) continue;
    logins++;
    const { name: user, password } = c.request;
    const holds = input.states.some(
      (p) => p.time <= c.return && p.state.users.some((u) => u.name === user && u.password === password),
    );
    if (!holds)
      violations.push(
        `authenticate as ${user} succeeded [${c.call}, ${c.return}]us with a password that no auth state applied by then gives ${user}`,
      );
  }
  const name = "auth-requests";
  if (violations.length === 0)
    return {
      name,
      verdict: "pass",
      message: `${calls.length} admin calls (${ok} succeeded) and ${entries.size} admin entries applied: each success applied, each entry asked for by a call that succeeded or may have${input.states !== undefined ? `; ${logins} logins judged, each with its user's password` : ""}`,
      evidence: { violations: [] },
    };
  return {
    name,
    verdict: "fail",
    message: `${violations.length} broken promise(s) of the Auth service: ${violations[0]}`,
    evidence: { violations: violations.slice(0, MAX_LINES) },
  };
}
