// kube-node-health — the node lifecycle controller acts only on what it saw, and only after waiting:
//  - it marks a node's Ready Unknown only after a whole grace period in which its own informer delivered
//    no renewal of the node's Lease (a new version of it): judged from the moment it sent the status
//    write (its leader act) back to the last Lease version its informers had delivered before then;
//  - it deletes a pod (a taint eviction) only after the pod's node had carried the
//    node.kubernetes.io/unreachable:NoExecute taint, in every version of the Node its informer delivered,
//    for the pods' whole toleration.
// Its clock may run fast by the run's largest drift, which shortens both waits in true time by as much.
// What the controller was told is a fact of the run, recorded as delivered (not the controller's own
// account), so a controller that misreads a renewal, or counts its toleration from the wrong moment, fails.
import type { KubeObservations, InformerObservation } from "../../core/kube/observations.ts";
import { NODE_LEASE_NAMESPACE } from "../../core/kube/controllers/scheduler.ts";
import { hasUnreachableTaint, readyStatus } from "../../core/kube/controllers/nodelifecycle.ts";
import { registryKey } from "../../core/kube/resources.ts";
import type { KubeObject, Node, Pod } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { violationsResult } from "./safety.ts";

export interface NodeHealthOptions {
  graceUs: number;
  tolerationUs: number;
  /** The largest clock drift of the run, in ppm (a fast clock's waits end early in true time). */
  maxDriftPpm?: number;
}

const CONTROLLER = "node-lifecycle";
const s = (us: number) => `${(us / 1e6).toFixed(3)}s`;

export function checkNodeHealth(obs: KubeObservations, opts: NodeHealthOptions): CheckResult {
  const fast = 1 + Math.max(0, opts.maxDriftPpm ?? 0) / 1e6;
  const grace = opts.graceUs / fast;
  const toleration = opts.tolerationUs / fast;
  const objects = new Map<string, KubeObject | null>();
  for (const v of obs.versions) objects.set(`${v.key}@${v.rv}`, v.object);
  const at = (key: string, rv: number) => objects.get(`${key}@${rv}`);
  /** What each process's informers delivered of one key, in order. */
  const delivered = (process: string, key: string, before: number): InformerObservation[] =>
    obs.observed.filter((o) => o.key === key && o.time <= before && o.observer.startsWith(`${process}#`));
  const violations: string[] = [];
  let unknowns = 0;
  let evictions = 0;

  // Each Node's versions in revision order: an updateStatus is a CAS, so the version a status write
  // landed on is the one before it, and the act that sent it names that revision.
  const nodeVersions = new Map<string, { rv: number; time: number; object: Node }[]>();
  for (const v of obs.versions) {
    if (v.object?.kind !== "Node") continue;
    let a = nodeVersions.get(v.key);
    if (a === undefined) nodeVersions.set(v.key, (a = []));
    if (!a.some((x) => x.rv === v.rv)) a.push({ rv: v.rv, time: v.time, object: v.object });
  }
  for (const versions of nodeVersions.values()) {
    versions.sort((a, b) => a.rv - b.rv);
    for (let i = 1; i < versions.length; i++) {
      const before = versions[i - 1]!;
      const now = versions[i]!;
      if (readyStatus(now.object) !== "Unknown" || readyStatus(before.object) === "Unknown") continue;
      const name = now.object.metadata.name;
      const act = latestAct(obs, `${CONTROLLER}: updateStatus Node ${name}@${before.rv}`, now.time);
      if (act === undefined) continue;
      unknowns++;
      const leaseKey = registryKey("Lease", NODE_LEASE_NAMESPACE, name);
      const renewed = lastNewVersion(delivered(act.process, leaseKey, act.time));
      if (renewed !== undefined && act.time - renewed.time < grace)
        violations.push(
          `${act.process} marked ${name} Unknown at ${s(act.time)} though its informer had delivered a renewal of the node's Lease (revision ${renewed.rv}) at ${s(renewed.time)}, ${s(act.time - renewed.time)} before: less than the ${s(opts.graceUs)} grace period`,
        );
    }
  }

  for (const a of obs.acts) {
    const prefix = `${CONTROLLER}: delete Pod `;
    if (!a.what.startsWith(prefix) || a.deletes === undefined) continue;
    const pod = latestObject(obs, a.deletes, a.time);
    if (pod?.kind !== "Pod" || !pod.spec.nodeName) continue;
    evictions++;
    const node = pod.spec.nodeName;
    const seen = delivered(a.process, registryKey("Node", undefined, node), a.time);
    let since: number | undefined;
    for (const o of seen) {
      const n = at(o.key, o.rv);
      if (n?.kind !== "Node" || !hasUnreachableTaint(n as Node, "NoExecute")) since = undefined;
      else since ??= o.time;
    }
    if (since === undefined)
      violations.push(
        `${a.process} evicted ${a.deletes} at ${s(a.time)} though the last version of ${node} its informer delivered carried no unreachable:NoExecute taint`,
      );
    else if (a.time - since < toleration)
      violations.push(
        `${a.process} evicted ${a.deletes} at ${s(a.time)}, ${s(a.time - since)} after its informer first delivered ${node} tainted unreachable:NoExecute: less than the pods' ${s(opts.tolerationUs)} toleration`,
      );
  }
  return violationsResult(
    "kube-node-health",
    violations,
    `${unknowns} nodes marked Unknown, each after a grace period with no renewal delivered; ${evictions} pods evicted, each after its node's toleration`,
  );
}

function latestAct(obs: KubeObservations, what: string, notAfter: number) {
  let found: KubeObservations["acts"][number] | undefined;
  for (const a of obs.acts) if (a.what === what && a.time <= notAfter) found = a;
  return found;
}

/** The last delivery that brought a version newer than any delivered before it (a renewal). */
function lastNewVersion(seen: readonly InformerObservation[]): InformerObservation | undefined {
  let max = 0;
  let last: InformerObservation | undefined;
  for (const o of seen) {
    if (o.event === "DELETED" || o.rv <= max) continue;
    max = o.rv;
    last = o;
  }
  return last;
}

/** The key's object as last stored at or before `time` (ignoring deletes). */
function latestObject(obs: KubeObservations, key: string, time: number): Pod | KubeObject | undefined {
  let found: KubeObject | undefined;
  let rv = -1;
  for (const v of obs.versions)
    if (v.key === key && v.object !== null && v.time <= time && v.rv > rv) {
      rv = v.rv;
      found = v.object;
    }
  return found;
}
