// kube-bind-precondition: every bind carries the pod's resourceVersion, and that version is one in
// which the pod was not yet bound. A bind is then a compare-and-swap on the pod: of two schedulers (a
// deposed leader and its successor, or one retrying a bind whose answer it lost) only one can bind a
// pod, and a stale bind is refused instead of moving a bound pod to another node. (kube-scheduler
// binds through the pods/binding subresource, which refuses a pod that already has a node; an update
// of spec.nodeName with the resourceVersion precondition is the same guarantee.)
// A pod being deleted is never bound: the scheduler does not bind one it has seen being deleted
// (skipPodSchedule), and the subresource refuses one whose stored version is (setPodHostAndAnnotations),
// so no stored version of a pod names a node after one that showed it being deleted without a node.
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import { fmtTime, violationsResult } from "./safety.ts";

export function checkBindPreconditions(obs: KubeObservations): CheckResult {
  const binds = obs.binds ?? [];
  // key@rv → nodeName ("" unbound) and whether it was being deleted, of every known version
  const podAt = new Map<string, { node: string; deleting: boolean }>();
  // uid → the first version that showed the pod being deleted without a node, and the first bound one after it
  const deletingUnbound = new Map<string, number>();
  let deletedUnbound = 0;
  const violations: string[] = [];
  const pods = obs.versions.filter((v) => v.object?.kind === "Pod").sort((a, b) => a.rv - b.rv);
  for (const v of pods) {
    if (v.object?.kind !== "Pod") continue;
    const node = v.object.spec.nodeName ?? "";
    const deleting = v.object.metadata.deletionTimestamp !== undefined;
    podAt.set(`${v.key}@${v.rv}`, { node, deleting });
    const uid = v.object.metadata.uid ?? v.key;
    const since = deletingUnbound.get(uid);
    if (since === undefined) {
      if (deleting && node === "") {
        deletingUnbound.set(uid, v.rv);
        deletedUnbound++;
      }
    } else if (node !== "" && since !== Number.POSITIVE_INFINITY) {
      violations.push(
        `${v.key} (uid ${uid}) was bound to ${node} at rv ${v.rv} (${fmtTime(v.time)}), though rv ${since} had it being deleted without a node`,
      );
      deletingUnbound.set(uid, Number.POSITIVE_INFINITY); // named once
    }
  }
  for (const b of binds) {
    const what = `bind of ${b.key} (uid ${b.uid}) to ${b.node} at ${b.apiserver}, ${fmtTime(b.time)}`;
    if (b.resourceVersion === undefined || b.resourceVersion === "") {
      violations.push(
        `${what} carried no resourceVersion precondition (the stored version was rv ${b.storedRv}${b.storedNode ? `, already bound to ${b.storedNode}` : ""})`,
      );
      continue;
    }
    const from = podAt.get(`${b.key}@${b.resourceVersion}`);
    if (from !== undefined && from.node !== "")
      violations.push(
        `${what} was computed from rv ${b.resourceVersion}, in which the pod was already bound to ${from.node}`,
      );
    else if (from?.deleting === true)
      violations.push(`${what} was computed from rv ${b.resourceVersion}, in which the pod was being deleted`);
  }
  return violationsResult(
    "kube-bind-precondition",
    violations,
    `${binds.length} binds, each conditional on an unbound version of its pod that was not being deleted; ${deletedUnbound} pods deleted before they had a node, none bound after`,
  );
}
