// A small garbage collector: a ReplicaSet or Pod whose controller owner (matched by uid) is gone is
// deleted. Absence is trusted only once the owner kind's cache is complete up to the dependent's
// own revision — lists of different kinds are taken at different revisions, and an owner created
// just before its dependent may not have reached the cache yet.
//
// It also finishes the deletions that wait for it (Kubernetes' processDeletingDependentsItem and
// orphanDependents): an owner deleted with propagationPolicy Foreground stays, terminating with the
// finalizer foregroundDeletion, while the collector deletes its dependents (in the foreground too, when
// they have dependents of their own), and loses the finalizer once none is left; one deleted with Orphan
// stays, with the finalizer orphan, until the collector has taken its reference off every dependent.
import {
  defineController,
  deleteExactly,
  type CacheReader,
  type ControllerDef,
  type Reconciled,
  type Write,
} from "../controller.ts";
import { kubeProbe } from "../probes.ts";
import {
  controllerOf,
  FOREGROUND_FINALIZER,
  hasFinalizer,
  isTerminating,
  nsName,
  objectKey,
  ORPHAN_FINALIZER,
  rvOf,
  type Kind,
  type KubeObject,
} from "../types.ts";

const DEPENDENTS: Partial<Record<Kind, Kind>> = { Deployment: "ReplicaSet", ReplicaSet: "Pod" };
const OWNERS: Partial<Record<Kind, Kind>> = { ReplicaSet: "Deployment", Pod: "ReplicaSet" };

/** Whether obj is terminating and waits for the collector (foregroundDeletion or orphan). */
function waitsForCollector(obj: KubeObject): boolean {
  return isTerminating(obj) && (hasFinalizer(obj, FOREGROUND_FINALIZER) || hasFinalizer(obj, ORPHAN_FINALIZER));
}

function keysFor(kind: Kind, obj: KubeObject, cache: CacheReader): string[] {
  const out: string[] = [];
  const ownerKind = OWNERS[kind];
  if (ownerKind !== undefined) {
    out.push(`${kind}:${objectKey(obj)}`);
    // A dependent changed (or went): an owner waiting for its dependents looks again.
    const ref = controllerOf(obj);
    const ownerKey = ref?.kind === ownerKind ? nsName(obj.metadata.namespace, ref.name) : undefined;
    const owner = ownerKey === undefined ? undefined : cache.get(ownerKind, ownerKey);
    if (owner !== undefined && owner.metadata.uid === ref!.uid && waitsForCollector(owner))
      out.push(`${ownerKind}:${ownerKey}`);
  } else if (waitsForCollector(obj)) out.push(`${kind}:${objectKey(obj)}`);
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
  /** The kube-gc-foreground-skips-dependents mutant: foregroundDeletion comes off with dependents left. */
  foregroundSkipsDependents?: boolean;
  /** The kube-gc-orphan-keeps-references mutant: orphan comes off with the dependents still naming the owner. */
  orphanKeepsReferences?: boolean;
}

export function reconcileGarbage(key: string, cache: CacheReader, opts: GarbageCollectorOptions = {}): Reconciled {
  const i = key.indexOf(":");
  const kind = key.slice(0, i) as Kind;
  const obj = cache.get(kind, key.slice(i + 1));
  if (obj === undefined) return { writes: [] };
  if (waitsForCollector(obj)) return finishDeletion(kind, obj, cache, opts);
  const ownerKind = OWNERS[kind];
  // A dependent already terminating is on its way (attemptToDeleteItem leaves it be).
  if (ownerKind === undefined || isTerminating(obj)) return { writes: [] };
  const ref = controllerOf(obj);
  if (ref === undefined || ref.kind !== ownerKind) return { writes: [] };
  if (cache.syncedRevision(ownerKind) < rvOf(obj)) return { writes: [], requeueAfterUs: 100_000 };
  const owner = cache.get(ownerKind, nsName(obj.metadata.namespace, ref.name));
  if (owner !== undefined && (owner.metadata.uid === ref.uid || opts.ownerByName === true)) {
    if (owner.metadata.uid !== ref.uid || !isTerminating(owner) || !hasFinalizer(owner, FOREGROUND_FINALIZER))
      return { writes: [] };
    // The owner waits for its dependents to go: this one goes, in the foreground too if it has its own.
    kubeProbe("kube.gc-foreground-dependent-deleted");
    const dep = DEPENDENTS[kind];
    const hasOwn = dep !== undefined && cache.ownedBy(dep, obj).length > 0;
    return { writes: [{ ...deleteExactly(obj), ...(hasOwn ? { propagationPolicy: "Foreground" as const } : {}) }] };
  }
  kubeProbe("kube.gc-orphan-deleted");
  return { writes: [deleteExactly(obj)] };
}

/**
 * An owner terminating with the collector's finalizer: once its dependents kind's cache has caught up
 * with it (a dependent made just before may not be there yet), take the references off its dependents
 * (orphan) or wait until none is left (foregroundDeletion), then take the finalizer off — conditional on
 * the version read, so that a finalizer another writer changed meanwhile is not lost.
 */
function finishDeletion(kind: Kind, owner: KubeObject, cache: CacheReader, opts: GarbageCollectorOptions): Reconciled {
  const dep = DEPENDENTS[kind];
  if (dep !== undefined && cache.syncedRevision(dep) < rvOf(owner)) return { writes: [], requeueAfterUs: 100_000 };
  const dependents = dep === undefined ? [] : cache.ownedBy(dep, owner);
  const uid = owner.metadata.uid;
  const writes: Write[] = [];
  const orphaning = hasFinalizer(owner, ORPHAN_FINALIZER);
  if (orphaning && opts.orphanKeepsReferences !== true) {
    // MUTANT kube-gc-orphan-keeps-references: the dependents keep naming their owner, and are collected once it is gone.
    for (const d of dependents) {
      const refs = (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      kubeProbe("kube.gc-dependent-orphaned");
      writes.push({
        op: "patch",
        kind: d.kind,
        namespace: d.metadata.namespace!,
        name: d.metadata.name,
        patch: {
          metadata: { resourceVersion: d.metadata.resourceVersion, ownerReferences: refs.length > 0 ? refs : null },
        },
      });
    }
  } else if (!orphaning && dependents.length > 0 && opts.foregroundSkipsDependents !== true) {
    // MUTANT kube-gc-foreground-skips-dependents: the owner goes first, its dependents after it as orphans.
    return { writes: [], requeueAfterUs: 500_000 };
  }
  const finalizers = (owner.metadata.finalizers ?? []).filter(
    (f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER,
  );
  kubeProbe(orphaning ? "kube.gc-orphan-finalizer-removed" : "kube.gc-foreground-finalizer-removed");
  writes.push({
    op: "patch",
    kind,
    namespace: owner.metadata.namespace!,
    name: owner.metadata.name,
    patch: {
      metadata: {
        resourceVersion: owner.metadata.resourceVersion,
        finalizers: finalizers.length > 0 ? finalizers : null,
      },
    },
  });
  return { writes };
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
