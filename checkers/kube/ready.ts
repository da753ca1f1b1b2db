// kube-ready-truthful — a kubelet's readiness reports follow the pod's container, as the node's container
// runtime logged it:
// - every report of Ready is backed, at the instant it is sent, by a running container of that pod (by
//   uid) on that node;
// - when a pod the kubelet last reported Ready (and had that acknowledged) loses its container — it dies
//   on its own (a container kill) or the node reboots — the kubelet reports the pod not ready within a
//   second (Kubernetes' PLEG relists every second): from the death, or from the answer to the Ready
//   write if that was still in flight (a kubelet writes a pod's status one write at a time), or from the
//   reboot (the new incarnation's first chance). Nothing is owed when the Ready write failed (its pod may
//   never have been Ready), when the node rebooted or the pod was deleted first, or when a fault other
//   than a container kill or the node's own crash was active in the explain window before or in the
//   second after (a kubelet paused or cut off cannot report).
//
// - every stored version of a pod in phase Running comes after a container of that pod ran (Kubernetes'
//   getPhase: a pod whose containers have been created but none has started is Pending), and its
//   restart count is never above the containers created for it less one (a restart is a new container;
//   one that a node's reboot took is restarted as one more, as Kubernetes counts it).
//
// A pod's status is the system's word about itself, and every rule that counts available pods
// (kube-min-available above all) reads readiness from it: a kubelet that reports a pod Ready while its
// container still starts lets a rollout delete old pods before the new ones serve, and one that leaves a
// dead container's pod Ready keeps it behind a Service. The runtime's log is the ground truth (what the
// pod's clients get), recorded outside the kubelet's logic, in one stream with the kubelet's reports.
import type { CheckResult } from "../types.ts";
import type { KubeObservations, NodeEvent } from "../../core/kube/observations.ts";
import type { Pod } from "../../core/kube/types.ts";
import { fmtTime, violationsResult } from "./safety.ts";
import { DEFAULT_EXPLAIN_US, type FaultWindow } from "./rollout.ts";

/** How soon a kubelet must report a pod whose container is gone not ready (the PLEG's relist period). */
export const EXIT_REPORT_US = 1_000_000;

export interface ReadyCheckOptions {
  faults?: readonly FaultWindow[];
  explainUs?: number;
}

/** A not-ready report a kubelet owes: its pod's container died (events[i]) or its node rebooted. */
interface Debt {
  node: string;
  uid: string;
  /** The death's or the reboot's index in the log, and its time. */
  i: number;
  time: number;
  cause: "death" | "reboot";
}

export function checkReadyTruthful(obs: KubeObservations, opts: ReadyCheckOptions = {}): CheckResult {
  const explainUs = opts.explainUs ?? DEFAULT_EXPLAIN_US;
  const faults = (opts.faults ?? []).filter((f) => f.kind !== "container-kill");
  const events = obs.nodeEvents ?? [];
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
  const pod = (uid: string) => `pod ${podOf.get(uid) ?? "?"} (uid ${uid})`;

  const violations: string[] = [];
  const debts: Debt[] = [];
  let started = 0;
  let readyReports = 0;
  /** node → uid → what its container did last: running since, or stopped at. */
  const state = new Map<string, Map<string, { running: boolean; at: number }>>();
  /** node → uid → the last report's readiness, and its answer (undefined while in flight). */
  const lastReport = new Map<string, Map<string, { ready: boolean; ok: boolean | undefined }>>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    let node = state.get(e.node);
    if (node === undefined) state.set(e.node, (node = new Map()));
    let reports = lastReport.get(e.node);
    if (reports === undefined) lastReport.set(e.node, (reports = new Map()));
    switch (e.kind) {
      case "reboot":
        for (const c of node.values()) if (c.running) Object.assign(c, { running: false, at: e.time });
        for (const [uid, r] of reports)
          if (r.ready && r.ok === true) debts.push({ node: e.node, uid, i, time: e.time, cause: "reboot" });
        reports.clear();
        break;
      case "running":
      case "stopped":
      case "exited":
        if (e.kind === "running") started++;
        node.set(e.uid, { running: e.kind === "running", at: e.time });
        if (e.kind === "exited" && reports.get(e.uid)?.ready === true)
          debts.push({ node: e.node, uid: e.uid, i, time: e.time, cause: "death" });
        break;
      case "report-done": {
        const r = reports.get(e.uid);
        if (r !== undefined && r.ok === undefined) r.ok = e.ok;
        break;
      }
      case "report": {
        reports.set(e.uid, { ready: e.ready, ok: undefined });
        if (!e.ready) break;
        readyReports++;
        const c = node.get(e.uid);
        if (c?.running === true) break;
        const why =
          c === undefined
            ? "its container had not run yet"
            : `its container had stopped at ${fmtTime(c.at)} (a stop, a death or a reboot) and not run since`;
        violations.push(`${e.node} reported ${pod(e.uid)} Ready at ${fmtTime(e.time)}, but ${why}`);
        break;
      }
    }
  }

  checkStoredStatus(obs, events, pod, violations);

  let judged = 0;
  let excused = 0;
  for (const d of debts) {
    const paid = judgeDebt(events, d, deletedAt.get(d.uid));
    if (paid === undefined) continue;
    const excuse = faults.find(
      (f) =>
        !(d.cause === "reboot" && f.kind === "crash" && f.target === d.node) &&
        f.start <= d.time + EXIT_REPORT_US &&
        (f.end === undefined || f.end + explainUs >= d.time),
    );
    if (excuse !== undefined) {
      excused++;
      continue;
    }
    judged++;
    if (!paid)
      violations.push(
        `${d.node} did not report ${pod(d.uid)} not ready within ${fmtTime(EXIT_REPORT_US)} of ${d.cause === "death" ? "its container's death" : "the node's reboot"} at ${fmtTime(d.time)} (it had last reported it Ready), and no fault but container kills${d.cause === "reboot" ? " and the node's own crash" : ""} in the ${fmtTime(explainUs)} before`,
      );
  }
  const owed =
    judged + excused > 0
      ? `; ${judged + excused} Ready pods lost their container (a death or a reboot): ${judged} reported not ready within ${fmtTime(EXIT_REPORT_US)}${excused ? `, ${excused} while another fault could delay the report` : ""}`
      : "";
  return violationsResult(
    "kube-ready-truthful",
    violations,
    `${readyReports} Ready reports by kubelets, each sent while its pod's container ran (${started} containers started${owed})`,
  );
}

/**
 * The pod statuses in the store against the runtimes' log: phase Running only once a container of the pod
 * ran, and no more restarts than containers created for it, less one. A status lands after the runtime
 * event it reports, so each version is judged on the events logged by its own time.
 */
function checkStoredStatus(
  obs: KubeObservations,
  events: readonly NodeEvent[],
  pod: (uid: string) => string,
  violations: string[],
): void {
  const ran = new Map<string, number>(); // uid → when a container of it first ran
  const created = new Map<string, number>(); // uid → containers created for it so far
  const versions = obs.versions.filter((v) => v.object?.kind === "Pod").sort((a, b) => a.time - b.time || a.rv - b.rv);
  let i = 0;
  for (const v of versions) {
    for (; i < events.length && events[i]!.time <= v.time; i++) {
      const e = events[i]!;
      if (e.kind === "running" && !ran.has(e.uid)) ran.set(e.uid, e.time);
      else if (e.kind === "created") created.set(e.uid, (created.get(e.uid) ?? 0) + 1);
    }
    const p = v.object as Pod;
    const uid = p.metadata.uid ?? "";
    if (p.status?.phase === "Running" && !ran.has(uid))
      violations.push(
        `${pod(uid)} stored Running at rv ${v.rv} (${fmtTime(v.time)}), but no container of it had run yet`,
      );
    const restarts = Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount));
    const made = created.get(uid) ?? 0;
    if (restarts > Math.max(0, made - 1))
      violations.push(
        `${pod(uid)} stored with restartCount ${restarts} at rv ${v.rv} (${fmtTime(v.time)}), but only ${made} of its containers had been created`,
      );
  }
}

/**
 * Whether the kubelet paid the debt: reported the pod not ready within EXIT_REPORT_US of the death or
 * reboot, or of the answer to its Ready write if that was in flight at the death; undefined when nothing
 * is owed after all: the Ready write failed or never came back, or the node rebooted (again) or the pod
 * was deleted by then.
 */
function judgeDebt(events: readonly NodeEvent[], d: Debt, deletedAt: number | undefined): boolean | undefined {
  let deadline = d.time + EXIT_REPORT_US;
  let j = d.i + 1;
  if (d.cause === "death") {
    // The answer to the last report (the Ready one): before the death, or after it if still in flight.
    let answered: boolean | undefined;
    for (let k = d.i - 1; k >= 0; k--) {
      const e = events[k]!;
      if (e.node !== d.node || (e.kind !== "report" && e.kind !== "report-done") || e.uid !== d.uid) continue;
      if (e.kind === "report-done") answered = e.ok;
      break;
    }
    if (answered === undefined) {
      for (; j < events.length; j++) {
        const e = events[j]!;
        if (e.node !== d.node) continue;
        if (e.kind === "reboot") return undefined;
        if (e.kind === "report-done" && e.uid === d.uid) break;
      }
      if (j === events.length) return undefined;
      answered = (events[j] as NodeEvent & { kind: "report-done" }).ok;
      deadline = Math.max(deadline, events[j]!.time + EXIT_REPORT_US);
    }
    if (!answered) return undefined;
  }
  if (deletedAt !== undefined && deletedAt <= deadline) return undefined;
  for (; j < events.length && events[j]!.time <= deadline; j++) {
    const e = events[j]!;
    if (e.node !== d.node) continue;
    if (e.kind === "reboot") return undefined;
    if (e.kind === "report" && e.uid === d.uid && !e.ready) return true;
  }
  return false;
}
