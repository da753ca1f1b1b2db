// kube-bind-precondition: every bind carries the pod's resourceVersion, and that version is one in
// which the pod was not yet bound. A bind is then a compare-and-swap on the pod: of two schedulers (a
// deposed leader and its successor, or one retrying a bind whose answer it lost) only one can bind a
// pod, and a stale bind is refused instead of moving a bound pod to another node. (kube-scheduler
// binds through the pods/binding subresource, which refuses a pod that already has a node; an update
// of spec.nodeName with the resourceVersion precondition is the same guarantee.)
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import { fmtTime, violationsResult } from "./safety.ts";

export function checkBindPreconditions(obs: KubeObservations): CheckResult {
  const binds = obs.binds ?? [];
  const nodeAt = new Map<string, string>(); // key@rv → nodeName ("" unbound) of every known version
  for (const v of obs.versions)
    if (v.object?.kind === "Pod") nodeAt.set(`${v.key}@${v.rv}`, v.object.spec.nodeName ?? "");
  const violations: string[] = [];
  for (const b of binds) {
    const what = `bind of ${b.key} (uid ${b.uid}) to ${b.node} at ${b.apiserver}, ${fmtTime(b.time)}`;
    if (b.resourceVersion === undefined || b.resourceVersion === "") {
      violations.push(
        `${what} carried no resourceVersion precondition (the stored version was rv ${b.storedRv}${b.storedNode ? `, already bound to ${b.storedNode}` : ""})`,
      );
      continue;
    }
    const node = nodeAt.get(`${b.key}@${b.resourceVersion}`);
    if (node !== undefined && node !== "")
      violations.push(
        `${what} was computed from rv ${b.resourceVersion}, in which the pod was already bound to ${node}`,
      );
  }
  return violationsResult(
    "kube-bind-precondition",
    violations,
    `${binds.length} binds, each conditional on an unbound version of its pod`,
  );
}
