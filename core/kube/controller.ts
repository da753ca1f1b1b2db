// The public API for controllers: a controller names the kinds it watches and a reconcile function
// from a key and the informer caches to the writes that move the cluster toward the desired state.
// The runtime (runtime.ts) owns everything else — informers, the work queue and its backoff,
// leader election and the check before each write, retries of failed or unknown writes — so the
// same controller runs under every fault the simulator injects. The built-in Deployment,
// ReplicaSet, garbage-collector and scheduler controllers are written against this API too.
import type { Random } from "../env.ts";
import type { Preconditions } from "./api.ts";
import { DNS_LABEL } from "./manifest.ts";
import {
  isKind,
  nsName,
  objectKey,
  type Kind,
  type KubeObject,
  type ObjectOf,
  type PropagationPolicy,
} from "./types.ts";

/** One write a reconcile asks for. Writes run in order; the first failure ends the pass and requeues the key. */
export type Write =
  | { op: "create"; object: KubeObject }
  /** Replaces the object if object.metadata.resourceVersion is still current (CAS); the status is kept. */
  | { op: "update"; object: KubeObject }
  /** Replaces the status if object.metadata.resourceVersion is still current; the spec is kept. */
  | { op: "updateStatus"; object: KubeObject }
  /** A JSON merge patch applied by the apiserver (retried there on conflict). */
  | {
      op: "patch";
      kind: Kind;
      namespace?: string;
      name: string;
      patch: unknown;
      subresource?: "status";
      /**
       * Sent only if a live GET (a quorum read, not the cache) still finds this object under that uid and not
       * terminating: client-go's RecheckDeletionTimestamp, asked before an adoption by an owner the cache may
       * show alive after it was deleted, or deleted and made again. Otherwise the write fails.
       */
      recheck?: { kind: Kind; namespace?: string; name: string; uid: string };
    }
  | {
      op: "delete";
      kind: Kind;
      namespace?: string;
      name: string;
      preconditions?: Preconditions;
      propagationPolicy?: PropagationPolicy;
    };

export type WriteOutcome = "ok" | "failed" | "skipped";

/** A delete of exactly this object: refused if the key now holds another one (a namesake). */
export function deleteExactly(obj: KubeObject): Write {
  return {
    op: "delete",
    kind: obj.kind,
    namespace: obj.metadata.namespace!,
    name: obj.metadata.name,
    preconditions: { uid: obj.metadata.uid! },
  };
}

export interface Reconciled {
  writes: Write[];
  /** Reconcile this key again after this long even if nothing changes (e.g. waiting for time to pass). */
  requeueAfterUs?: number;
}

/** Read-only view of the process's informer caches (which include its own acknowledged writes). */
export interface CacheReader {
  get<K extends Kind>(kind: K, key: string): ObjectOf<K> | undefined;
  /** Objects of a kind (in one namespace if given), by key. */
  list<K extends Kind>(kind: K, namespace?: string): ObjectOf<K>[];
  /** Objects of a kind whose controller ownerReference points at owner (by uid). */
  ownedBy<K extends Kind>(kind: K, owner: KubeObject): ObjectOf<K>[];
  /** The revision up to which the kind's cache is known complete. */
  syncedRevision(kind: Kind): number;
  /** When the cache last saw the object change, on the process's monotonic clock. */
  observedAt(kind: Kind, key: string): number | undefined;
}

export interface ReconcileContext {
  /** The process's own clock (µs). */
  now(): number;
  /** The process's monotonic clock (µs): for measuring how long something took, as Go's time.Since does. */
  monotonic(): number;
  rng: Random;
  process: string;
}

export interface ControllerDef {
  name: string;
  /** Kinds to inform on; the first is the primary kind whose keys the queue holds by default. */
  watches: readonly Kind[];
  /** Queue keys an event maps to. Default: the object's own key for the primary kind, its controller owner's key otherwise. */
  keysFor?(kind: Kind, obj: KubeObject, cache: CacheReader): string[];
  reconcile(key: string, cache: CacheReader, ctx: ReconcileContext): Write[] | Reconciled;
  /**
   * Told of every informer event of a watched kind, before the keys it maps to are queued (client-go's
   * event handlers: the ReplicaSet controller lowers its expectations here).
   */
  observe?(
    event: "add" | "update" | "delete",
    kind: Kind,
    obj: KubeObject,
    ctx: ReconcileContext,
    cache: CacheReader,
  ): void;
  /**
   * Told of every write a reconcile asked for once its fate is known: "ok" (acknowledged), "failed"
   * (refused or outcome unknown) or "skipped" (never sent: an earlier write failed or the lease refused).
   */
  written?(key: string, write: Write, outcome: WriteOutcome, ctx: ReconcileContext): void;
  /** A runtime starts (a new tenure): state a controller keeps between reconciles starts over, as in a restarted process. */
  onStart?(ctx: ReconcileContext): void;
  /** Re-queue every primary object this often (0: never). */
  resyncUs?: number;
  /**
   * Whether the runtime holds this controller's acknowledged writes in its process's informer caches until
   * the watch delivers them (a mutation cache; default true). The ReplicaSet controller sets false, as
   * client-go's keeps none: its expectations are what stop it creating or deleting twice on a cache that
   * has not yet seen its own writes.
   */
  mutationCache?: boolean;
  /** Keys reconciled at once. */
  concurrency?: number;
  /**
   * The one namespace this controller informs on (controller-runtime's namespaced cache, client-go's
   * WithNamespace): its informers list and watch only that namespace's objects, which is all its caches
   * hold. Absent: every namespace. Cluster-scoped kinds (Node) are informed on whole either way.
   */
  namespace?: string;
  /**
   * What this controller still has to do, given every live object (empty once the cluster is as it
   * wants it): a Kubernetes run waits for it as for its own objects, and kube-liveness reports it.
   */
  pending?(objects: readonly KubeObject[]): string[];
}

/** Validates a controller definition (a friendly error for user input) and fills in defaults. */
export function defineController(def: ControllerDef): ControllerDef {
  if (typeof def.name !== "string" || !DNS_LABEL.test(def.name)) {
    throw new Error(`controller name: expected a lowercase DNS label, got ${JSON.stringify(def.name)}`);
  }
  if (!Array.isArray(def.watches) || def.watches.length === 0)
    throw new Error(`controller ${def.name}: watches: expected at least one kind`);
  for (const k of def.watches)
    if (!isKind(k)) throw new Error(`controller ${def.name}: watches: unknown kind ${JSON.stringify(k)}`);
  if (typeof def.reconcile !== "function") throw new Error(`controller ${def.name}: reconcile: expected a function`);
  if (def.namespace !== undefined && (typeof def.namespace !== "string" || !DNS_LABEL.test(def.namespace)))
    throw new Error(
      `controller ${def.name}: namespace: expected a lowercase DNS label, got ${JSON.stringify(def.namespace)}`,
    );
  if (def.pending !== undefined && typeof def.pending !== "function")
    throw new Error(`controller ${def.name}: pending: expected a function`);
  if (def.resyncUs !== undefined && !(Number.isInteger(def.resyncUs) && def.resyncUs >= 0)) {
    throw new Error(`controller ${def.name}: resyncUs: expected a non-negative integer`);
  }
  if (def.mutationCache !== undefined && typeof def.mutationCache !== "boolean")
    throw new Error(`controller ${def.name}: mutationCache: expected true or false`);
  return def;
}

export function defaultKeysFor(def: ControllerDef, kind: Kind, obj: KubeObject): string[] {
  const primary = def.watches[0];
  if (kind === primary) return [objectKey(obj)];
  // filter + map in one loop (every informer event of a secondary kind asks): the same keys, in order.
  const refs = obj.metadata.ownerReferences ?? [];
  const keys: string[] = [];
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    if (r === undefined && !(i in refs)) continue; // a hole, which filter skips
    if (r.kind === primary) keys.push(nsName(obj.metadata.namespace, r.name));
  }
  return keys;
}

export function normalizeReconciled(r: Write[] | Reconciled): Reconciled {
  return Array.isArray(r) ? { writes: r } : r;
}
