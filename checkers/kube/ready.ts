// kube-ready-truthful — a kubelet's readiness reports follow the pod's container, as the node's container
// runtime logged it:
// - every report of Ready is backed, at the instant it is sent, by a running container of that pod (by
//   uid) on that node;
// - when the container of a pod last reported Ready dies on its own (a container kill), the kubelet
//   reports the pod not ready within a second (Kubernetes' PLEG relists every second) — a second from
//   the answer to the Ready write, if it was still in flight at the death: a kubelet writes a pod's
//   status one write at a time — unless the Ready write failed (its pod may never have been Ready), the
//   node rebooted or the pod was deleted first, or a fault other than a container kill was active in the
//   explain window before the death or in the second after it (a kubelet paused or cut off cannot).
//
// A pod's status is the system's word about itself, and every rule that counts available pods
// (kube-min-available above all) reads readiness from it: a kubelet that reports a pod Ready while its
// container still starts lets a rollout delete old pods before the new ones serve, and one that leaves a
// dead container's pod Ready keeps it behind a Service. The runtime's log is the ground truth (what the
// pod's clients get), recorded outside the kubelet's logic, in one stream with the kubelet's reports.
import type { CheckResult } from "../types.ts";
import type { KubeObservations, NodeEvent } from "../../core/kube/observations.ts";
import { fmtTime, violationsResult } from "./safety.ts";
import { DEFAULT_EXPLAIN_US, type FaultWindow } from "./rollout.ts";

/** How soon a kubelet must report a dead container's pod not ready (the PLEG's relist period). */
export const EXIT_REPORT_US = 1_000_000;

export interface ReadyCheckOptions {
  faults?: readonly FaultWindow[];
  explainUs?: number;
}

export function checkReadyTruthful(obs: KubeObservations, opts: ReadyCheckOptions = {}): CheckResult {
  const explainUs = opts.explainUs ?? DEFAULT_EXPLAIN_US;
  const otherFaults = (opts.faults ?? []).filter((f) => !f.what?.startsWith("container kill"));
  const events = obs.nodeEvents ?? [];
  /** node → uid → what its container did last: running since, or stopped at. */
  const state = new Map<string, Map<string, { running: boolean; at: number }>>();
  const podOf = new Map<string, string>();
  /** When each pod (by uid) left the store. */
  const deletedAt = new Map<string, number>();
  const uidOfKey = new Map<string, string>();
  for (const v of obs.versions) {
    const uid = v.object?.metadata.uid;
    if (uid !== undefined && v.object?.kind === "Pod") {
      if (!podOf.has(uid)) podOf.set(uid, `${v.object.metadata.namespace}/${v.object.metadata.name}`);
      uidOfKey.set(v.key, uid);
    } else if (v.object === null) {
      const gone = uidOfKey.get(v.key);
      if (gone !== undefined && !deletedAt.has(gone)) deletedAt.set(gone, v.time);
    }
  }
  const violations: string[] = [];
  let started = 0;
  let readyReports = 0;
  let exitsJudged = 0;
  let exitsExcused = 0;
  /** node → uid → the last report's readiness. */
  const lastReport = new Map<string, Map<string, boolean>>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    let node = state.get(e.node);
    if (node === undefined) state.set(e.node, (node = new Map()));
    let reports = lastReport.get(e.node);
    if (reports === undefined) lastReport.set(e.node, (reports = new Map()));
    if (e.kind === "reboot") {
      for (const c of node.values()) if (c.running) Object.assign(c, { running: false, at: e.time });
      reports.clear();
      continue;
    }
    if (e.kind === "report-done") continue;
    if (e.kind !== "report") {
      if (e.kind === "running") started++;
      node.set(e.uid, { running: e.kind === "running", at: e.time });
      if (e.kind === "exited" && reports.get(e.uid) === true) {
        const judged = judgeExit(events, i, e, deletedAt.get(e.uid));
        if (judged !== undefined) {
          const excuse = otherFaults.find(
            (f) => f.start <= e.time + EXIT_REPORT_US && (f.end === undefined || f.end + explainUs >= e.time),
          );
          if (excuse !== undefined) exitsExcused++;
          else {
            exitsJudged++;
            if (!judged)
              violations.push(
                `${e.node} did not report pod ${podOf.get(e.uid) ?? "?"} (uid ${e.uid}) not ready within ${fmtTime(EXIT_REPORT_US)} of its container's death at ${fmtTime(e.time)} (it had last reported it Ready), and no fault but container kills in the ${fmtTime(explainUs)} before`,
              );
          }
        }
      }
      continue;
    }
    reports.set(e.uid, e.ready);
    if (!e.ready) continue;
    readyReports++;
    const c = node.get(e.uid);
    if (c?.running === true) continue;
    const why =
      c === undefined
        ? "its container had not run yet"
        : `its container had stopped at ${fmtTime(c.at)} (a stop, a death or a reboot) and not run since`;
    violations.push(
      `${e.node} reported pod ${podOf.get(e.uid) ?? "?"} (uid ${e.uid}) Ready at ${fmtTime(e.time)}, but ${why}`,
    );
  }
  const deaths =
    exitsJudged + exitsExcused > 0
      ? `; ${exitsJudged} deaths of a Ready pod's container, each reported not ready within ${fmtTime(EXIT_REPORT_US)}${exitsExcused ? ` (${exitsExcused} more while another fault explained a delay)` : ""}`
      : "";
  return violationsResult(
    "kube-ready-truthful",
    violations,
    `${readyReports} Ready reports by kubelets, each sent while its pod's container ran (${started} containers started${deaths})`,
  );
}

/**
 * Whether the kubelet reported the dead container's pod not ready within EXIT_REPORT_US of events[i] (its
 * death), or of the answer to its Ready write if that was in flight then; undefined when nothing is owed:
 * the Ready write failed or never came back, or the node rebooted or the pod was deleted by then.
 */
function judgeExit(
  events: readonly NodeEvent[],
  i: number,
  exit: { time: number; node: string; uid: string },
  deletedAt: number | undefined,
): boolean | undefined {
  let deadline = exit.time + EXIT_REPORT_US;
  // The answer to the last report (the Ready one): before the death, or after it if still in flight.
  let answered: boolean | undefined;
  for (let j = i - 1; j >= 0; j--) {
    const e = events[j]!;
    if (e.node !== exit.node || (e.kind !== "report" && e.kind !== "report-done") || e.uid !== exit.uid) continue;
    if (e.kind === "report-done") answered = e.ok;
    break;
  }
  let j = i + 1;
  if (answered === undefined) {
    for (; j < events.length; j++) {
      const e = events[j]!;
      if (e.node !== exit.node) continue;
      if (e.kind === "reboot") return undefined;
      if (e.kind === "report-done" && e.uid === exit.uid) break;
    }
    if (j === events.length) return undefined;
    answered = (events[j] as NodeEvent & { kind: "report-done" }).ok;
    deadline = Math.max(deadline, events[j]!.time + EXIT_REPORT_US);
  }
  if (!answered) return undefined;
  if (deletedAt !== undefined && deletedAt <= deadline) return undefined;
  for (; j < events.length && events[j]!.time <= deadline; j++) {
    const e = events[j]!;
    if (e.node !== exit.node) continue;
    if (e.kind === "reboot") return undefined;
    if (e.kind === "report" && e.uid === exit.uid && !e.ready) return true;
  }
  return false;
}
