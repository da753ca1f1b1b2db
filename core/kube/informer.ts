// A client-go style informer: list (paged, one revision), then watch from the list's revision;
// re-watch from the last revision seen after a broken stream, relist after "too old resource
// version" (410). It keeps a local cache of the kind and tells handlers about every change.
//
// Its lists carry the resourceVersion client-go 1.35 asks for: the first "" (the most recent state: its
// reflector's initial sync is a WatchList, consistent, since the WatchListClient gate went on by default;
// before, it listed "0", which an apiserver's watch cache answers as it is, however far behind, and a
// controller restarted behind a lagging cache acted on the past, kubernetes#59848); every later one the
// last revision seen, "not older than", so a relist through a lagging apiserver never takes the cache
// back in time (kubernetes#83520); "" again after a list refused that revision as too old.
//
// The cache also holds the controller's own acknowledged writes until the watch catches up (a
// mutation cache), so a controller never acts twice on a state it has already changed — unless the
// controller keeps none (ControllerDef.mutationCache: the ReplicaSet controller, as client-go's, counts on
// its expectations instead; the Deployment controller, as client-go's, on resourceVersion preconditions).
import type { BugSet } from "../bugs.ts";
import type { Env, TimerId } from "../env.ts";
import type { WatchEvent } from "./api.ts";
import type { ClientWatch, KubeClient } from "./client.ts";
import type { KubeRecorder } from "./observations.ts";
import { kubeProbe } from "./probes.ts";
import { registryKey, registryPrefix } from "./resources.ts";
import { controllerOf, objectKey, rvOf, type Kind, type ObjectOf } from "./types.ts";

export interface InformerHandlers<K extends Kind> {
  onAdd?(obj: ObjectOf<K>): void;
  onUpdate?(old: ObjectOf<K>, obj: ObjectOf<K>): void;
  onDelete?(obj: ObjectOf<K>): void;
}

export interface InformerOptions {
  namespace?: string;
  /** List page size (0: one page). */
  pageLimit?: number;
  bugs?: BugSet;
  recorder?: KubeRecorder;
  /** First retry delay after a failed list or watch; doubles up to maxBackoffUs. */
  backoffUs?: number;
  maxBackoffUs?: number;
}

/** Informers built so far per process incarnation (its Env) and kind: numbers their observer names. */
const informersMade = new WeakMap<Env, Map<string, number>>();

export class Informer<K extends Kind> {
  private readonly items = new Map<string, ObjectOf<K>>();
  private readonly overlay = new Map<string, { rv: number; obj: ObjectOf<K> | null }>();
  private readonly observedAtMap = new Map<string, number>();
  /** list()'s answer until items or overlay change (controllers list on nearly every event). */
  private listed: ObjectOf<K>[] | undefined;
  /**
   * The keys of items and overlay together, sorted: kept until a key joins or leaves them (most events
   * change the object at a key that stays), so a new snapshot needs no set of keys nor a sort.
   */
  private sortedKeys: string[] | undefined;
  /** snapshot()'s objects by their controller owner's uid, in snapshot order; built on demand, dropped with it. */
  private byOwner: Map<string, ObjectOf<K>[]> | undefined;
  private readonly handlers: InformerHandlers<K>[] = [];
  private watch: ClientWatch | undefined;
  private timer: TimerId | undefined;
  private stopped = true;
  private failures = 0;
  private synced = false;
  /** The newest revision this cache is known to reflect (list revision, then events and bookmarks). */
  lastSyncRV = 0;
  /** Completed lists (the first included). */
  lists = 0;
  /** 410 Gone answers received on watches. */
  gone = 0;
  /** A list refused the last revision as too old: the next reads the latest (client-go's isLastSyncResourceVersionUnavailable). */
  private lastSyncUnavailable = false;
  readonly observer: string;
  private readonly opts: Required<Omit<InformerOptions, "namespace" | "bugs" | "recorder">> & InformerOptions;

  constructor(
    private readonly env: Env,
    private readonly client: KubeClient,
    readonly kind: K,
    opts: InformerOptions = {},
  ) {
    this.opts = { pageLimit: 50, backoffUs: 10_000, maxBackoffUs: 1_000_000, ...opts };
    // One name per informer: a controller that regains leadership builds new informers, which start
    // from nothing (a new reflector lists "0" and may be handed any past), so they are other observers.
    const made = (informersMade.get(env) ?? informersMade.set(env, new Map()).get(env)!).get(kind) ?? 0;
    informersMade.get(env)!.set(kind, made + 1);
    this.observer = `${env.id}#${env.rng
      .fork("informer/" + kind)
      .uint32()
      .toString(36)}${made === 0 ? "" : `.${made + 1}`}/${kind}`;
  }

  addHandler(h: InformerHandlers<K>): void {
    this.handlers.push(h);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.watch = undefined;
    if (this.timer !== undefined) this.env.cancelTimer(this.timer);
    this.timer = undefined;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get(key: string): ObjectOf<K> | undefined {
    const base = this.items.get(key);
    const o = this.overlay.get(key);
    if (o !== undefined && o.rv > (base === undefined ? 0 : rvOf(base))) return o.obj ?? undefined;
    return base;
  }

  /** Every cached object, by key (a new array: the caller may sort or change it). */
  list(): ObjectOf<K>[] {
    return this.snapshot().slice();
  }

  /**
   * The cached objects in `namespace` whose controller ownerReference has this uid, by key (a new
   * array: the caller may sort or change it): snapshot() filtered, through an index by owner uid
   * built once per snapshot (a reconcile asks for its owner's dependents on nearly every event).
   */
  ownedBy(namespace: string | undefined, uid: string): ObjectOf<K>[] {
    const all = this.snapshot();
    let index = this.byOwner;
    if (index === undefined) {
      index = new Map();
      for (const o of all) {
        const ref = controllerOf(o);
        if (ref === undefined || typeof ref.uid !== "string") continue;
        const same = index.get(ref.uid);
        if (same === undefined) index.set(ref.uid, [o]);
        else same.push(o);
      }
      this.byOwner = index;
    }
    const out: ObjectOf<K>[] = [];
    for (const o of index.get(uid) ?? []) if (o.metadata.namespace === namespace) out.push(o);
    return out;
  }

  /** Every cached object, by key: the informer's own array, valid until the cache changes; read it, never change it. */
  snapshot(): readonly ObjectOf<K>[] {
    if (this.listed === undefined) {
      this.byOwner = undefined;
      this.sortedKeys ??= [...new Set([...this.items.keys(), ...this.overlay.keys()])].sort();
      const out: ObjectOf<K>[] = [];
      for (const k of this.sortedKeys) {
        const o = this.get(k);
        if (o !== undefined) out.push(o);
      }
      this.listed = out;
    }
    return this.listed;
  }

  /**
   * When the cache last saw the object change, on this process's monotonic clock: an age is a duration,
   * and a wall-clock step must not make a node heartbeat look older or newer than it is.
   */
  observedAt(key: string): number | undefined {
    return this.observedAtMap.get(key);
  }

  /** Remembers an acknowledged write of this process until the watch delivers it (or something newer). */
  assume(obj: ObjectOf<K>): void {
    const key = objectKey(obj);
    // The watch has delivered every change up to lastSyncRV, this version's or a later one (a delete
    // too): the cache already says what became of it. An answer that comes after the watch's event of
    // the object's deletion must not bring the object back (controller-conflicts seed 902831: a
    // ReplicaSet's status write, answered late, kept the deleted ReplicaSet in the cache for good, and
    // its pods were never collected).
    if (rvOf(obj) <= this.lastSyncRV) return;
    const cur = this.get(key);
    if (cur !== undefined && rvOf(cur) >= rvOf(obj)) return;
    if (!this.items.has(key) && !this.overlay.has(key)) this.sortedKeys = undefined;
    this.overlay.set(key, { rv: rvOf(obj), obj });
    this.listed = undefined;
  }

  /** Remembers an acknowledged delete (rv = the deletion's revision). */
  assumeDeleted(key: string, rv: number): void {
    if (rv <= this.lastSyncRV) return; // delivered already: the cache says what became of the key
    const cur = this.items.get(key);
    if (cur !== undefined && rvOf(cur) >= rv) return;
    if (!this.items.has(key) && !this.overlay.has(key)) this.sortedKeys = undefined;
    this.overlay.set(key, { rv, obj: null });
    this.listed = undefined;
  }

  private retry(fn: () => void): void {
    const d = Math.min(this.opts.maxBackoffUs, this.opts.backoffUs * 2 ** Math.min(this.failures, 20));
    this.failures++;
    this.timer = this.env.setTimer(d, () => {
      this.timer = undefined;
      if (!this.stopped) fn();
    });
  }

  /** The resourceVersion a list asks for (client-go's relistResourceVersion). */
  private relistResourceVersion(): string {
    if (this.lastSyncUnavailable) return "";
    // MUTANT kube-reflector-relists-from-zero: every list asks for "0", any state, as client-go's reflector
    // did before kubernetes#67998 and #83520 (and its first list until WatchList): a relist through an
    // apiserver whose watch cache lags hands the informer an older state than it had, and its controller
    // acts on the past (kubernetes#59848).
    if (this.opts.bugs?.has("kube-reflector-relists-from-zero")) return "0";
    if (this.lastSyncRV === 0) return "";
    kubeProbe("kube.informer-relist-not-older");
    return String(this.lastSyncRV);
  }

  private relist(): void {
    const acc: ObjectOf<K>[] = [];
    const resourceVersion = this.relistResourceVersion();
    const page = (cont: string | undefined) => {
      this.client.list(
        this.kind,
        {
          ...(this.opts.namespace ? { namespace: this.opts.namespace } : {}),
          ...(this.opts.pageLimit > 0 ? { limit: this.opts.pageLimit } : {}),
          ...(cont ? { continue: cont } : { resourceVersion }),
        },
        (r) => {
          if (this.stopped) return;
          if (!r.ok && cont === undefined && r.status.reason === "Gone" && resourceVersion !== "")
            this.lastSyncUnavailable = true;
          // Any failure (an expired continue token included) starts the list over.
          if (!r.ok) return this.retry(() => this.relist());
          acc.push(...(r.value.items as ObjectOf<K>[]));
          if (r.value.continue !== undefined) return page(r.value.continue);
          this.replace(acc, Number(r.value.resourceVersion));
        },
      );
    };
    page(undefined);
  }

  private replace(objs: ObjectOf<K>[], rv: number): void {
    this.lists++;
    this.failures = 0;
    const fresh = new Map<string, ObjectOf<K>>();
    for (const o of objs) fresh.set(objectKey(o), o);
    const now = this.env.monotonic();
    const removed: ObjectOf<K>[] = [];
    for (const [k, old] of this.items) if (!fresh.has(k)) removed.push(old);
    const changes: [ObjectOf<K> | undefined, ObjectOf<K>][] = [];
    // The list itself, keyed by the kind's prefix: even an empty list starts the stream over (checkers/kube).
    this.opts.recorder?.observe({
      observer: this.observer,
      key: registryPrefix(this.kind, this.opts.namespace),
      rv,
      event: "LIST",
    });
    for (const [k, o] of fresh) {
      const old = this.items.get(k);
      if (old === undefined || rvOf(old) !== rvOf(o)) this.observedAtMap.set(k, now);
      changes.push([old, o]);
      this.opts.recorder?.observe({ observer: this.observer, key: this.storageKey(o), rv: rvOf(o), event: "LIST" });
    }
    this.items.clear();
    for (const [k, o] of fresh) this.items.set(k, o);
    for (const [k, o] of [...this.overlay]) if (o.rv <= rv) this.overlay.delete(k);
    this.listed = undefined;
    this.sortedKeys = undefined;
    for (const o of removed) this.observedAtMap.delete(objectKey(o));
    this.lastSyncRV = rv;
    this.lastSyncUnavailable = false;
    // Synced only once the handlers have taken in the whole first list, as client-go's controllers start
    // after WaitForCacheSync: a worker that ran between two of its items would meet handlers that have yet
    // to count pods it never made (the ReplicaSet controller's expectations: terminating-pods seed 89 made
    // four pods twice when a new leader's first list lowered them below zero).
    for (const o of removed) for (const h of this.handlers) h.onDelete?.(o);
    for (const [old, o] of changes)
      for (const h of this.handlers) old === undefined ? h.onAdd?.(o) : h.onUpdate?.(old, o);
    this.synced = true;
    this.startWatch();
  }

  private startWatch(): void {
    if (this.stopped) return;
    const from = this.lastSyncRV;
    this.watch = this.client.watch(this.kind, this.opts.namespace, from, (e) => this.onEvent(e));
  }

  private onEvent(e: WatchEvent): void {
    if (this.stopped) return;
    switch (e.type) {
      case "BOOKMARK":
        this.lastSyncRV = Math.max(this.lastSyncRV, Number(e.resourceVersion));
        return;
      case "ERROR":
        this.watch = undefined;
        if (e.status.reason === "Gone") {
          this.gone++;
          kubeProbe("kube.informer-relist-after-410");
          // The mutant keeps re-watching from the compacted revision: every answer is 410 again.
          if (this.opts.bugs?.has("kube-informer-no-relist")) return this.retry(() => this.startWatch());
          return this.retry(() => this.relist());
        }
        if (e.status.reason === "Timeout") {
          // A watch cache that did not reach the watch's revision in time ("Too large resource version"):
          // client-go's watch ends with that error, and its reflector lists again (not older than its last revision).
          kubeProbe("kube.informer-relist-after-watch-timeout");
          return this.retry(() => this.relist());
        }
        kubeProbe("kube.informer-rewatch-after-broken-stream");
        return this.retry(() => this.startWatch());
      case "ADDED":
      case "MODIFIED":
      case "DELETED": {
        this.failures = 0;
        const obj = e.object as ObjectOf<K>;
        const key = objectKey(obj);
        const rv = rvOf(obj);
        this.opts.recorder?.observe({ observer: this.observer, key: this.storageKey(obj), rv, event: e.type });
        this.lastSyncRV = Math.max(this.lastSyncRV, rv);
        const o = this.overlay.get(key);
        if (o !== undefined && o.rv <= rv) this.overlay.delete(key);
        this.listed = undefined;
        this.observedAtMap.set(key, this.env.monotonic());
        const old = this.items.get(key);
        if (e.type === "DELETED") {
          this.items.delete(key);
          if (!this.overlay.has(key)) this.sortedKeys = undefined; // the key left (or never was)
          for (const h of this.handlers) h.onDelete?.(obj);
        } else {
          if (old === undefined && o === undefined) this.sortedKeys = undefined; // the key joined
          this.items.set(key, obj);
          for (const h of this.handlers) old === undefined ? h.onAdd?.(obj) : h.onUpdate?.(old, obj);
        }
        return;
      }
    }
  }

  private storageKey(o: ObjectOf<K>): string {
    return registryKey(this.kind, o.metadata.namespace, o.metadata.name);
  }
}
