// etcd-nospace: the space quota's promises, judged from each member's apply loop.
// Safety: no member applies a write (a put, a Txn with puts, a LeaseGrant that added data) while its
// own view has a NOSPACE alarm active — etcd's capped applier refuses them until `alarm disarm`.
// (The one write etcd applies past the quota is the one that *raises* the alarm: its quota applier
// applies it, answers "database space exceeded" and proposes the alarm, which lands later.)
// Liveness: once an alarm was raised, the operator's compaction + defrag + disarm brings the cluster
// back — every member ends with no alarm, and some write is applied after the last disarm.
import type { CheckResult } from "../types.ts";

/** One member's apply loop, as the member reports it (in apply order per member). */
export type NoSpaceObservation =
  | { member: string; kind: "alarm" | "disarm"; raisedBy: string; index: number }
  | { member: string; kind: "write"; index: number; revision: number }
  /** The member (re)started or installed a snapshot: its view is exactly these alarms from here on (a restart replays the log after it). */
  | { member: string; kind: "restore"; alarms: readonly string[]; index: number };

export function checkNoSpace(
  events: readonly NoSpaceObservation[],
  opts: { requireRecovery?: boolean } = {},
): CheckResult {
  const name = "etcd-nospace";
  const active = new Map<string, Set<string>>();
  const lastDisarm = new Map<string, number>();
  const writesAfterDisarm = new Map<string, number>();
  let raised = 0,
    disarmed = 0,
    writes = 0;
  const bad: string[] = [];
  for (const e of events) {
    let view = active.get(e.member);
    if (view === undefined) active.set(e.member, (view = new Set()));
    if (e.kind === "restore") {
      active.set(e.member, new Set(e.alarms));
    } else if (e.kind === "alarm") {
      raised++;
      view.add(e.raisedBy);
    } else if (e.kind === "disarm") {
      disarmed++;
      view.delete(e.raisedBy);
      lastDisarm.set(e.member, e.index);
      writesAfterDisarm.set(e.member, 0);
    } else if (e.kind === "write") {
      writes++;
      if (view.size > 0)
        bad.push(
          `${e.member} applied a write at revision ${e.revision} (index ${e.index}) while NOSPACE was active (raised by ${[...view].join(", ")})`,
        );
      else if (lastDisarm.has(e.member)) writesAfterDisarm.set(e.member, (writesAfterDisarm.get(e.member) ?? 0) + 1);
    }
  }
  if (bad.length > 0) {
    return {
      name,
      verdict: "fail",
      message: `${bad[0]}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ""}`,
      evidence: { violations: bad.slice(0, 20) },
    };
  }
  const summary = `${writes} writes applied, ${raised} NOSPACE activations and ${disarmed} disarms across members`;
  if (raised === 0) {
    if (opts.requireRecovery)
      return { name, verdict: "fail", message: `the space quota was never reached (${summary}): nothing was tested` };
    return { name, verdict: "pass", message: `${summary}: the quota was never reached` };
  }
  const stillActive = [...active].filter(([, v]) => v.size > 0).map(([m]) => m);
  if (stillActive.length > 0)
    return {
      name,
      verdict: "fail",
      message: `did not recover: NOSPACE still active on ${stillActive.join(", ")} at the end (${summary})`,
    };
  const recovered = [...writesAfterDisarm].filter(([, n]) => n > 0).map(([m]) => m);
  if (recovered.length === 0)
    return { name, verdict: "fail", message: `did not recover: no write applied after the last disarm (${summary})` };
  return {
    name,
    verdict: "pass",
    message: `${summary}: no write applied during NOSPACE; writes applied again after disarm on ${recovered.join(", ")}`,
  };
}
