// kube-cache-synced — client-go's contract for a controller (WaitForCacheSync): its workers start only
// once every informer it reads from has listed. A controller that acts on a cache that has not listed
// yet sees no objects where there are some: a new controller-manager leader whose ReplicaSet controller
// has not listed pods creates every ReplicaSet's pods a second time, and the ReplicaSet controller
// deletes the excess only later (the rollout rules count a ReplicaSet's pods up to its replicas, so
// they do not see it).
//
// Judged from outside, on the recorded acts: a leader starts its controllers, and so their informers,
// when it acquires its lease. So each act of a controller under a tenure must come after a LIST, since
// that tenure began, of every kind the controller reads, by an informer of the same process. The kinds
// are Kubernetes' own (the ReplicaSet controller waits for ReplicaSets and pods; the Deployment
// controller for Deployments and ReplicaSets; the scheduler for pods and nodes), written here rather
// than read from the controllers under test.
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import { lowerBound } from "../watch/change-index.ts";
import { fmtTime, violationsResult } from "./safety.ts";

/** The kinds each controller must have listed before it acts (acts are named "<controller>: <write>"). */
export const CONTROLLER_READS: Readonly<Record<string, readonly string[]>> = {
  replicaset: ["ReplicaSet", "Pod"],
  deployment: ["Deployment", "ReplicaSet"],
  scheduler: ["Pod", "Node"],
};

export function checkCacheSynced(obs: KubeObservations): CheckResult {
  // When each tenure began ("process lease@term").
  const began = new Map<string, number>();
  for (const l of obs.leaders)
    if (l.event === "acquired") {
      const k = `${l.process} ${l.lease}@${l.term}`;
      if (!(l.time >= (began.get(k) ?? Infinity))) began.set(k, l.time);
    }
  // When each process's informers of each kind received a whole list (its prefix record), in time order.
  const lists = new Map<string, number[]>(); // "process/Kind" → times
  for (const o of obs.observed) {
    if (o.event !== "LIST" || !o.key.endsWith("/")) continue;
    const hash = o.observer.indexOf("#");
    const slash = o.observer.lastIndexOf("/");
    if (hash < 0 || slash < hash) continue;
    const k = `${o.observer.slice(0, hash)}/${o.observer.slice(slash + 1)}`;
    (lists.get(k) ?? lists.set(k, []).get(k)!).push(o.time);
  }
  for (const times of lists.values()) times.sort((a, b) => a - b);

  const violations: string[] = [];
  let judged = 0;
  for (const a of obs.acts) {
    const controller = a.what.slice(0, a.what.indexOf(":"));
    const reads = CONTROLLER_READS[controller];
    const since = began.get(`${a.process} ${a.lease}@${a.term}`);
    if (reads === undefined || since === undefined) continue;
    judged++;
    for (const kind of reads) {
      const times = lists.get(`${a.process}/${kind}`) ?? [];
      const first = times[lowerBound(times, since, (t) => t)];
      if (first !== undefined && first <= a.time) continue;
      violations.push(
        `${a.process} acted at ${fmtTime(a.time)} (${a.what}) under its tenure of ${a.lease} (term ${a.term}, since ${fmtTime(since)}) before it had listed ${kind}s${first === undefined ? "" : ` (listed at ${fmtTime(first)})`}`,
      );
      break;
    }
  }
  return violationsResult(
    "kube-cache-synced",
    violations,
    `${judged} controller acts, each after its informers had listed in that tenure`,
  );
}
