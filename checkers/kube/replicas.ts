// kube-replica-creations — a ReplicaSet controller creates a pod only for a ReplicaSet that lacks one:
// replayed revision by revision, every pod created for a ReplicaSet must land while the ReplicaSet's active
// pods (not failed, not deleted) number fewer than its replicas. This is what client-go's
// ControllerExpectations exist for: without them a controller syncing on a cache that has not yet seen
// its own creations makes the same pods again, and its ReplicaSet overshoots until it deletes the extras
// (kube-max-surge does not see it: pods beyond a ReplicaSet's replicas count as on their way out).
//
// A controller decides on its cache, which may hold an older replica count than the store: a creation
// is judged against the highest count the ReplicaSet had in the `viewLagUs` before the apiserver began it
// (before it landed, in logs that lack that: an etcd member paused with the write in flight holds it back
// for as long as it is paused; controller-conflicts seed 901175), or against the count the creating
// controller's own cache held when it decided, if that was higher: a ReplicaSet informer whose watch
// stalled (a lost event: the stream waits for its gap to be found, then re-watches or relists) may show
// an older count for longer than viewLagUs, and a client-go controller then makes pods for it, to delete
// them again once it sees the new count (terminating-pods seed 155: 1.3 s). The pods the controller has
// made are judged in the store, not in its cache: a controller that made them again on a cache that had
// not yet seen its own is caught whatever its view of the count. A creation
// whose outcome the controller never learned (a timeout) is forgotten by its expectations and may be
// made again, as in Kubernetes: an overshoot is excused while the controller has an unanswered creation
// for that ReplicaSet that landed but that it had not yet seen (the pods in excess are such creations).
import type { KubeObservations } from "../../core/kube/observations.ts";
import { controllerOf, podIsActive, type KubeObject } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { CACHE_PREFIX, CacheViews } from "./cache-view.ts";
import { fmtTime, violationsResult } from "./safety.ts";

/** Longer than a controller's view lag of a ReplicaSet's spec without faults; a paused one acts later still. */
export const DEFAULT_VIEW_LAG_US = 1_000_000;

export function checkReplicaCreations(
  obs: KubeObservations,
  opts: { viewLagUs?: number; caches?: CacheViews } = {},
): CheckResult {
  const viewLagUs = opts.viewLagUs ?? DEFAULT_VIEW_LAG_US;
  // The ReplicaSet controller's creates by ReplicaSet ("namespace/name"), in the order they were sent.
  const createsOf = new Map<string, { process: string; time: number; decidedAt: number }[]>();
  for (const a of obs.acts) {
    const m = /^replicaset: create Pod (\S+)-\*$/.exec(a.what);
    if (m === null) continue;
    const list = createsOf.get(m[1]!) ?? createsOf.set(m[1]!, []).get(m[1]!)!;
    list.push({ process: a.process, time: a.time, decidedAt: a.decidedAt ?? a.time });
  }
  let caches = opts.caches;
  /** The most replicas the cache of the controller that sent this create showed for its ReplicaSet (-1: unknown). */
  const viewedReplicas = (rsKey: string, begunAt: number): number => {
    const sent = (createsOf.get(rsKey) ?? []).filter((c) => c.time <= begunAt).at(-1);
    if (sent === undefined) return -1;
    caches ??= new CacheViews(obs);
    let most = -1;
    for (const view of caches.viewsAt(sent.process, "ReplicaSet", sent.decidedAt)) {
      const rv = view.get(`${CACHE_PREFIX.ReplicaSet}${rsKey}`);
      const o = typeof rv === "number" ? caches.objectAt(`${CACHE_PREFIX.ReplicaSet}${rsKey}`, rv) : undefined;
      if (o?.kind === "ReplicaSet") most = Math.max(most, o.spec.replicas);
    }
    return most;
  };
  let onView = 0;
  // When each owner's creates of unknown outcome were given up on, in order.
  const unknownOf = new Map<string, number[]>();
  for (const c of obs.unknownCreates ?? [])
    (unknownOf.get(c.owner) ?? unknownOf.set(c.owner, []).get(c.owner)!).push(c.time);
  let excused = 0;
  /** When the apiserver began each create that landed, by "rv key". */
  const begun = new Map<string, number>();
  for (const w of obs.writes)
    if (w.op === "create" && w.startedAt !== undefined) begun.set(`${w.rv} ${w.key}`, w.startedAt);
  // Each (key, rv) once, at the earliest time any source recorded it, in revision order.
  const first = new Map<string, { rv: number; time: number; key: string; object: KubeObject | null }>();
  for (const v of obs.versions) {
    const id = `${v.rv} ${v.key}`;
    const seen = first.get(id);
    if (seen === undefined || v.time < seen.time) first.set(id, v);
  }
  const versions = [...first.values()].sort((a, b) => a.rv - b.rv || (a.key < b.key ? -1 : 1));

  const objects = new Map<string, KubeObject>();
  /** Active pods by owning ReplicaSet uid, as keys. */
  const activeByRs = new Map<string, Set<string>>();
  /** Each ReplicaSet's replica counts over time, by uid: [time, replicas] pairs in order. */
  const replicasOf = new Map<string, [number, number][]>();
  const bad: string[] = [];
  let creations = 0;

  const ownerUid = (o: KubeObject): string | undefined => {
    const ref = controllerOf(o);
    return ref?.kind === "ReplicaSet" ? ref.uid : undefined;
  };
  const track = (key: string, o: KubeObject | undefined, add: boolean) => {
    if (o?.kind !== "Pod") return;
    const uid = ownerUid(o);
    if (uid === undefined) return;
    let set = activeByRs.get(uid);
    if (set === undefined) activeByRs.set(uid, (set = new Set()));
    if (add && podIsActive(o)) set.add(key);
    else set.delete(key);
  };
  /** The most replicas ReplicaSet `uid` had at any time in [from, to] (-1: none known by `to`). */
  const mostReplicas = (uid: string, from: number, to: number): number => {
    let most = -1;
    for (const [t, n] of replicasOf.get(uid) ?? []) {
      if (t > to) break;
      // The count in force at `from` is the last one set by then; every later one up to `to` counts too.
      most = t <= from ? n : Math.max(most, n);
    }
    return most;
  };

  for (const v of versions) {
    const before = objects.get(v.key);
    const o = v.object;
    if (o?.kind === "ReplicaSet" && o.metadata.uid !== undefined) {
      const h = replicasOf.get(o.metadata.uid) ?? replicasOf.set(o.metadata.uid, []).get(o.metadata.uid)!;
      if (h.at(-1)?.[1] !== o.spec.replicas) h.push([v.time, o.spec.replicas]);
    }
    if (o?.kind === "Pod" && before === undefined && podIsActive(o)) {
      const uid = ownerUid(o);
      if (uid !== undefined) {
        creations++;
        const active = activeByRs.get(uid)?.size ?? 0;
        const begunAt = Math.min(v.time, begun.get(`${v.rv} ${v.key}`) ?? v.time);
        const replicas = mostReplicas(uid, begunAt - viewLagUs, v.time);
        // Each create the controller gave up on may have landed, unseen, and been made again: one extra pod apiece.
        const unknown = (unknownOf.get(uid) ?? []).filter((t) => t <= v.time).length;
        if (replicas >= 0 && active >= replicas && active + 1 - replicas <= unknown) excused++;
        else if (
          replicas >= 0 &&
          active >= replicas &&
          viewedReplicas(`${o.metadata.namespace}/${controllerOf(o)!.name}`, begunAt) > active
        )
          onView++;
        else if (replicas >= 0 && active >= replicas) {
          bad.push(
            `pod ${o.metadata.name} was created at revision ${v.rv} (${fmtTime(v.time)}) for ReplicaSet ${controllerOf(o)!.name}, which already had ${active} active pods for at most ${replicas} replicas in the ${viewLagUs / 1000} ms before its apiserver began it`,
          );
        }
      }
    }
    track(v.key, before, false);
    if (o === null) objects.delete(v.key);
    else {
      objects.set(v.key, o);
      track(v.key, o, true);
    }
  }
  return violationsResult(
    "kube-replica-creations",
    bad,
    `${creations} pods created for ReplicaSets, each while its ReplicaSet lacked one${excused ? ` (${excused} more while a create of unknown outcome may have landed unseen)` : ""}${onView ? ` (${onView} more for a count the creating controller's cache still held)` : ""}`,
  );
}
