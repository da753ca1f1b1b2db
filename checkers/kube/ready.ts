// kube-ready-truthful — a kubelet reports a pod Ready only while the pod's container runs: every report
// of Ready it sends is backed, at the instant it is sent, by a running container of that pod (by uid)
// on that node, as the node's container runtime reported it.
//
// A pod's status is the system's word about itself, and every rule that counts available pods
// (kube-min-available above all) reads readiness from it: a kubelet that reports a pod Ready while its
// container is still starting lets a rollout delete old pods before the new ones serve, and each of those
// rules then judges the rollout on what it was told. The runtime's log is the ground truth (what the
// pod's clients get), recorded outside the kubelet's logic, in one stream with the kubelet's reports.
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import { fmtTime, violationsResult } from "./safety.ts";

export function checkReadyTruthful(obs: KubeObservations): CheckResult {
  /** node → uid → what its container did last: running since, or stopped at. */
  const state = new Map<string, Map<string, { running: boolean; at: number }>>();
  const podOf = new Map<string, string>();
  for (const v of obs.versions) {
    const uid = v.object?.metadata.uid;
    if (uid !== undefined && v.object?.kind === "Pod" && !podOf.has(uid))
      podOf.set(uid, `${v.object.metadata.namespace}/${v.object.metadata.name}`);
  }
  const violations: string[] = [];
  let started = 0;
  let readyReports = 0;
  for (const e of obs.nodeEvents ?? []) {
    let node = state.get(e.node);
    if (node === undefined) state.set(e.node, (node = new Map()));
    if (e.kind === "reboot") {
      for (const c of node.values()) if (c.running) Object.assign(c, { running: false, at: e.time });
      continue;
    }
    if (e.kind !== "report") {
      if (e.kind === "running") started++;
      node.set(e.uid, { running: e.kind === "running", at: e.time });
      continue;
    }
    if (!e.ready) continue;
    readyReports++;
    const c = node.get(e.uid);
    if (c?.running === true) continue;
    const why =
      c === undefined
        ? "its container had not run yet"
        : `its container had stopped at ${fmtTime(c.at)} (a stop or a reboot) and not run since`;
    violations.push(
      `${e.node} reported pod ${podOf.get(e.uid) ?? "?"} (uid ${e.uid}) Ready at ${fmtTime(e.time)}, but ${why}`,
    );
  }
  return violationsResult(
    "kube-ready-truthful",
    violations,
    `${readyReports} Ready reports by kubelets, each sent while its pod's container ran (${started} containers started)`,
  );
}
