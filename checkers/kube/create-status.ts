// kube-create-status — a new object starts with the status Kubernetes gives it, whatever the client sent:
// PrepareForCreate resets a Pod's status to phase Pending and a Deployment's or ReplicaSet's to empty,
// and sets generation 1; only controllers (through the status subresource) fill status in afterwards.
// A client that applies a manifest exported from a running cluster sends the old status with its
// create; stored as sent, a Deployment would claim ready replicas it does not have until its controller
// caught up (and a Pod sent as Running would start Running, never scheduled).
//
// Judged on every version whose revision is its key's create revision (the first version of each
// generation of the key), from whichever source saw it first.
import type { KubeObservations } from "../../core/kube/observations.ts";
import { canonicalEqual } from "../../core/kube/resources.ts";
import type { CheckResult } from "../types.ts";
import { violationsResult } from "./safety.ts";

const CREATED_STATUS: Partial<Record<string, unknown>> = {
  Pod: { phase: "Pending" },
  Deployment: {},
  ReplicaSet: {},
};

export function checkCreateStatus(obs: KubeObservations): CheckResult {
  const seen = new Set<string>();
  const violations: string[] = [];
  let judged = 0;
  for (const v of obs.versions) {
    if (v.object === null || v.createRevision === undefined || v.createRevision !== v.rv) continue;
    const want = CREATED_STATUS[v.object.kind];
    const id = `${v.rv} ${v.key}`;
    if (want === undefined || seen.has(id)) continue;
    seen.add(id);
    judged++;
    const status = (v.object as { status?: unknown }).status ?? {};
    if (!canonicalEqual(status, want))
      violations.push(
        `${v.key} was created at revision ${v.rv} with status ${JSON.stringify(status)}, not ${JSON.stringify(want)}`,
      );
    else if (v.object.metadata.generation !== 1)
      violations.push(
        `${v.key} was created at revision ${v.rv} with generation ${v.object.metadata.generation}, not 1`,
      );
  }
  return violationsResult(
    "kube-create-status",
    violations,
    `${judged} creates of pods, Deployments and ReplicaSets, each with the status and generation Kubernetes starts them with`,
  );
}
