// A small garbage collector: a ReplicaSet or Pod whose controller owner (matched by uid) is gone is
// deleted. Absence is trusted only once the owner kind's cache is complete up to the dependent's
// own revision — lists of different kinds are taken at different revisions, and an owner created
// just before its dependent may not have reached the cache yet.
import {
  defineController,
  deleteExactly,
  type CacheReader,
  type ControllerDef,
  type Reconciled,
} from "../controller.ts";
import { kubeProbe } from "../probes.ts";
import { controllerOf, isTerminating, nsName, objectKey, rvOf, type Kind, type KubeObject } from "../types.ts";

const DEPENDENTS: Partial<Record<Kind, Kind>> = { Deployment: "ReplicaSet", ReplicaSet: "Pod" };
const OWNERS: Partial<Record<Kind, Kind>> = { ReplicaSet: "Deployment", Pod: "ReplicaSet" };

function keysFor(kind: Kind, obj: KubeObject, cache: CacheReader): string[] {
  const out: string[] = [];
  if (OWNERS[kind] !== undefined) out.push(`${kind}:${objectKey(obj)}`);
  const dep = DEPENDENTS[kind];
  if (dep !== undefined) {
    // An owner changed (or went): look at everything that names it.
    for (const o of cache.list(dep, obj.metadata.namespace)) {
      if (controllerOf(o)?.name === obj.metadata.name) out.push(`${dep}:${objectKey(o)}`);
    }
  }
  return out;
}

export interface GarbageCollectorOptions {
  /** The kube-gc-owner-by-name mutant: a live owner of the same name counts, whatever its uid. */
  ownerByName?: boolean;
}

export function reconcileGarbage(key: string, cache: CacheReader, opts: GarbageCollectorOptions = {}): Reconciled {
  const i = key.indexOf(":");
  const kind = key.slice(0, i) as Kind;
  const obj = cache.get(kind, key.slice(i + 1));
  const ownerKind = OWNERS[kind];
  // A dependent already terminating is on its way (attemptToDeleteItem leaves it be).
  if (obj === undefined || ownerKind === undefined || isTerminating(obj)) return { writes: [] };
  const ref = controllerOf(obj);
  if (ref === undefined || ref.kind !== ownerKind) return { writes: [] };
  if (cache.syncedRevision(ownerKind) < rvOf(obj)) return { writes: [], requeueAfterUs: 100_000 };
  const owner = cache.get(ownerKind, nsName(obj.metadata.namespace, ref.name));
  if (owner !== undefined && (owner.metadata.uid === ref.uid || opts.ownerByName === true)) return { writes: [] };
  kubeProbe("kube.gc-orphan-deleted");
  return { writes: [deleteExactly(obj)] };
}

export function garbageCollector(opts: GarbageCollectorOptions = {}): ControllerDef {
  return defineController({
    name: "garbage-collector",
    watches: ["ReplicaSet", "Pod", "Deployment"],
    // Kubernetes' garbage collector acts on its graph of what its informers delivered; a delete it has
    // sent shows only when the watch brings it (a second delete of the same object fails its precondition).
    mutationCache: false,
    keysFor,
    reconcile: (key, cache) => reconcileGarbage(key, cache, opts),
  });
}
