// The apiserver's watch cache (k8s.io/apiserver's Cacher) for one resource: a copy of every object of
// the kind, kept current by one etcd watch, and a window of its latest changes. Lists that carry a
// resourceVersion and every watch are served from it instead of from etcd.
//
// What it promises, as Kubernetes' does:
// - A list with resourceVersion "0" ("any") answers the cache as it is, which may be behind etcd: an
//   apiserver whose etcd watch lags answers the past. Kubernetes allows it; a client must not use it to
//   go back from a newer state it has seen (client-go's reflectors relist "not older than" their last
//   revision, kubernetes#83520).
// - A list with resourceVersion N ("not older than") waits until the cache has reached N, up to a
//   block timeout (3 s in Kubernetes), then fails "Too large resource version".
// - A watch from N replays the window's changes after N, then streams; one from before the window's
//   start is answered 410 Gone ("too old resource version") and its client relists. A watch from a
//   revision the cache has not reached waits as a list does.
// - When the cache's own etcd watch ends (a compaction it fell behind, a broken stream), the cache
//   relists from etcd and starts a new window; every watch it serves ends (StreamBroken) and its
//   client re-watches, from a revision the new window may no longer hold.
// - A list with no resourceVersion (the most recent state) is a consistent read from the cache, as
//   Kubernetes' ConsistentListFromCache (KEP-2340) serves it: etcd's current revision first, by a quorum
//   read; a progress notification asked of etcd (RequestProgress), so the cache hears of that revision
//   even when nothing of its kind changed; the list once the cache has reached it. A cache that does not
//   get there within the block timeout leaves the list to etcd.
import type { BugSet } from "../bugs.ts";
import type { Env, TimerId } from "../env.ts";
import { assert } from "../assert.ts";
import { fail, status, type ApiResult, type ListResult, type WatchEvent } from "./api.ts";
import { kubeProbe } from "./probes.ts";
import type { Registry, RegistryWatch } from "./registry.ts";
import { keyOfObject, registryPrefix } from "./resources.ts";
import type { Kind, KubeObject } from "./types.ts";

export interface WatchCacheOptions {
  /** Changes the window holds (Kubernetes sizes it by time and load; a small one makes 410s common). */
  capacity: number;
  /** How long a list or watch waits for the cache to reach its resourceVersion (Kubernetes: 3 s). */
  blockTimeoutUs: number;
  /** Lists with no resourceVersion (and no limit) served from the cache as consistent reads (Kubernetes ≥ 1.31: on). */
  consistentReads: boolean;
  bugs: BugSet;
}

/**
 * The block timeout is Kubernetes' 3 s scaled as the rest of the simulated timings are (Raft ticks every
 * 10 ms, etcd's every 100 ms), and under the Kubernetes client's 300 ms request timeout, so a list that
 * waits in vain is answered "Too large resource version" before its client gives up on the apiserver.
 */
export const DEFAULT_WATCH_CACHE = { capacity: 100, blockTimeoutUs: 250_000, consistentReads: true } as const;

/** A watch the cache serves. */
export interface CacheWatch {
  cancel(): void;
}

interface Watcher {
  prefix: string;
  /** A watch of one namespace (not of the whole kind). */
  namespaced: boolean;
  onEvent: (e: WatchEvent) => void;
  closed: boolean;
}

interface Change {
  rv: number;
  key: string;
  event: WatchEvent;
}

interface Waiter {
  minRv: number;
  run: () => void;
  timer: TimerId;
}

const rvOfEvent = (e: WatchEvent): number =>
  e.type === "ADDED" || e.type === "MODIFIED" || e.type === "DELETED"
    ? Number(e.object.metadata.resourceVersion)
    : e.type === "BOOKMARK"
      ? Number(e.resourceVersion)
      : 0;

export class WatchCache {
  private readonly store = new Map<string, KubeObject>();
  /** store's keys in order, until one joins or leaves. */
  private sortedKeys: string[] | undefined;
  /** The revision the cache reflects: every change of the kind at or below it is in the store. */
  rv = 0;
  /** A watch from a revision at or above this is served from the window; below, 410 Gone. */
  windowStart = 0;
  private readonly window: Change[] = [];
  /** Index of the window's oldest change (the array is trimmed in chunks, not shifted per eviction). */
  private head = 0;
  private ready = false;
  private readonly watchers = new Set<Watcher>();
  private waiters: Waiter[] = [];
  private source: RegistryWatch | undefined;
  private failures = 0;
  private readonly prefix: string;
  private readonly namespaceWatchSilent: boolean;

  constructor(
    private readonly env: Env,
    private readonly registry: Pick<Registry, "list" | "watch" | "currentRevision">,
    readonly kind: Kind,
    private readonly opts: WatchCacheOptions,
  ) {
    this.prefix = registryPrefix(kind);
    this.namespaceWatchSilent = opts.bugs.has("kube-watch-cache-namespace-watch-silent");
  }

  /** The etcd watch the cache reads from, while it has one (leak accounting). */
  get etcdWatchId(): number | undefined {
    return this.source?.etcdWatchId;
  }

  start(): void {
    this.relist();
  }

  private relist(): void {
    this.registry.list(this.prefix, {}, (r) => {
      if (!r.ok) {
        const d = Math.min(1_000_000, 50_000 * 2 ** Math.min(this.failures++, 10));
        this.env.setTimer(d, () => this.relist());
        return;
      }
      this.failures = 0;
      this.store.clear();
      this.sortedKeys = undefined;
      for (const o of r.value.items) this.store.set(keyOfObject(o), o);
      const rv = Number(r.value.resourceVersion);
      assert(rv >= this.rv, () => `watch cache of ${this.kind}: relisted at ${rv}, below its revision ${this.rv}`);
      this.rv = rv;
      this.window.length = 0;
      this.head = 0;
      this.windowStart = rv;
      // A watch that began while the cache was not ready was served from the window this list replaces: the
      // changes between it and the list's revision would never reach it, so it ends here and its client
      // re-watches (kubernetes#116122, fixed by #116172's terminateAllWatchers on replace). None begins
      // here (whenFresh waits for ready); the mutant's do.
      if (!this.opts.bugs.has("kube-watch-cache-watch-during-reinit"))
        for (const w of [...this.watchers]) this.end(w, status("StreamBroken", "watch cache reinitialized"));
      this.ready = true;
      this.source = this.registry.watch(this.prefix, rv, (e) => this.onSourceEvent(e));
      this.wake();
    });
  }

  private onSourceEvent(e: WatchEvent): void {
    switch (e.type) {
      case "ERROR":
        // The cache's etcd watch ended: every watch it serves ends too, and it starts over from a list.
        kubeProbe("kube.watch-cache-reinitialized");
        this.source = undefined;
        this.ready = false;
        for (const w of [...this.watchers]) this.end(w, status("StreamBroken", "watch cache reinitializing"));
        this.env.setTimer(50_000, () => this.relist());
        return;
      case "BOOKMARK": {
        const rv = Number(e.resourceVersion);
        if (rv <= this.rv) return;
        this.rv = rv;
        const bookmark: WatchEvent = { type: "BOOKMARK", resourceVersion: String(rv) };
        for (const w of [...this.watchers]) if (!w.closed) w.onEvent(bookmark);
        this.wake();
        return;
      }
      default: {
        const rv = rvOfEvent(e);
        assert(rv > this.rv, () => `watch cache of ${this.kind}: change at ${rv} after its revision ${this.rv}`);
        const key = keyOfObject(e.object);
        const had = this.store.has(key);
        if (e.type === "DELETED") this.store.delete(key);
        else this.store.set(key, e.object);
        if (had !== this.store.has(key)) this.sortedKeys = undefined;
        this.rv = rv;
        this.window.push({ rv, key, event: e });
        if (this.window.length - this.head > this.opts.capacity) {
          this.windowStart = this.window[this.head]!.rv;
          this.head++;
          if (this.head >= 1024 && this.head * 2 >= this.window.length) {
            this.window.splice(0, this.head);
            this.head = 0;
          }
        }
        // MUTANT kube-watch-cache-namespace-watch-silent: a watch of one namespace is replayed the window when
        // it starts and then hears nothing: the cache dispatches each change to the watchers of every
        // namespace only (kubernetes#125133: watchers indexed by their namespace, changes dispatched under none).
        for (const w of [...this.watchers])
          if (!w.closed && key.startsWith(w.prefix) && !(w.namespaced && this.namespaceWatchSilent)) w.onEvent(e);
        this.wake();
      }
    }
  }

  /** Runs the waiters the cache has now caught up with (and is ready for). */
  private wake(): void {
    if (!this.ready || this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => w.minRv <= this.rv);
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.minRv > this.rv);
    for (const w of due) {
      this.env.cancelTimer(w.timer);
      w.run();
    }
  }

  /** Runs `run` once the cache is ready at minRv or above; `expired` if that takes the block timeout. */
  private whenFresh(minRv: number, run: () => void, expired: () => void): void {
    if (this.ready && this.rv >= minRv) return run();
    kubeProbe("kube.watch-cache-wait");
    const w: Waiter = {
      minRv,
      run,
      timer: this.env.setTimer(this.opts.blockTimeoutUs, () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        expired();
      }),
    };
    this.waiters.push(w);
  }

  private tooLarge(minRv: number): string {
    return `Too large resource version: ${minRv}, current: ${this.rv}`;
  }

  /**
   * The kind's objects in namespace (all when absent), at a revision not older than minRv (0: any),
   * sorted by key, in one page (the cache ignores limit, as Kubernetes' does for lists it serves).
   */
  list(namespace: string | undefined, minRv: number, cb: (r: ApiResult<ListResult>) => void): void {
    const serve = () => this.serveList(namespace, cb);
    // MUTANT kube-watch-cache-list-unblocked: a list "not older than" N answered from a cache that has
    // not reached N (as soon as it is ready), so a client that relists from its last revision can still
    // go back in time.
    if (this.opts.bugs.has("kube-watch-cache-list-unblocked") && this.ready) return serve();
    this.whenFresh(minRv, serve, () => cb(fail("Timeout", this.tooLarge(minRv))));
  }

  /** The keys a request of namespace (every namespace when absent) covers. */
  private scope(namespace: string | undefined): string {
    const prefix = registryPrefix(this.kind, namespace);
    // MUTANT kube-watch-cache-namespace-prefix: a namespace's keys matched as a bare string prefix
    // ("/registry/pods/shop"): a list or watch of "shop" also gets "shop-canary"'s objects (kubernetes#25342).
    if (prefix !== this.prefix && this.opts.bugs.has("kube-watch-cache-namespace-prefix")) return prefix.slice(0, -1);
    return prefix;
  }

  private serveList(namespace: string | undefined, cb: (r: ApiResult<ListResult>) => void): void {
    const prefix = this.scope(namespace);
    this.sortedKeys ??= [...this.store.keys()].sort();
    const items: KubeObject[] = [];
    for (const k of this.sortedKeys) if (k.startsWith(prefix)) items.push(this.store.get(k)!);
    cb({ ok: true, value: { items, resourceVersion: String(this.rv) } });
  }

  /**
   * A list with no resourceVersion, as a consistent read (see the header): answered from the cache once it
   * has reached etcd's current revision, or left to etcd (`fallback`) if it does not in time.
   */
  consistentList(namespace: string | undefined, cb: (r: ApiResult<ListResult>) => void, fallback: () => void): void {
    this.registry.currentRevision(this.prefix, (r) => {
      if (!r.ok) return cb(r);
      // MUTANT kube-watch-cache-consistent-read-unblocked: the cache answers as it is, not once it has reached
      // etcd's revision: a read with no resourceVersion misses writes etcd acknowledged before it began.
      if (this.opts.bugs.has("kube-watch-cache-consistent-read-unblocked") && this.ready)
        return this.serveList(namespace, cb);
      if (!this.ready || this.rv < r.value) this.source?.requestProgress?.();
      this.whenFresh(
        r.value,
        () => this.serveList(namespace, cb),
        () => {
          kubeProbe("kube.watch-cache-consistent-read-fallback");
          fallback();
        },
      );
    });
  }

  /** Changes of the kind in namespace after fromRv (0: from now), as a stream of events. */
  watch(namespace: string | undefined, fromRv: number, onEvent: (e: WatchEvent) => void): CacheWatch {
    const prefix = this.scope(namespace);
    const w: Watcher = { prefix, namespaced: prefix !== this.prefix, onEvent, closed: false };
    const begin = () => {
      if (w.closed) return;
      if (fromRv > 0 && fromRv < this.windowStart) {
        // MUTANT kube-watch-cache-expired-window: a watch from before the window is served from the
        // window's oldest change instead of answered 410: the changes in between are never sent.
        if (!this.opts.bugs.has("kube-watch-cache-expired-window")) {
          kubeProbe("kube.watch-cache-too-old");
          return this.end(w, status("Gone", `too old resource version: ${fromRv} (${this.windowStart})`));
        }
      }
      if (fromRv > 0)
        for (let i = this.head; i < this.window.length; i++) {
          const c = this.window[i]!;
          if (c.rv > fromRv && c.key.startsWith(w.prefix)) onEvent(c.event);
        }
      this.watchers.add(w);
    };
    // MUTANT kube-watch-cache-watch-during-reinit: a watch that comes while the cache relists begins at once
    // on the window it had (if that reaches its revision), and the relist keeps it: the changes between
    // the old window and the new list are never sent (kubernetes#116122).
    if (this.opts.bugs.has("kube-watch-cache-watch-during-reinit") && !this.ready && this.rv >= fromRv) begin();
    else this.whenFresh(fromRv, begin, () => this.end(w, status("Timeout", this.tooLarge(fromRv))));
    return {
      cancel: () => {
        w.closed = true;
        this.watchers.delete(w);
      },
    };
  }

  private end(w: Watcher, s: ReturnType<typeof status>): void {
    if (w.closed) return;
    w.closed = true;
    this.watchers.delete(w);
    w.onEvent({ type: "ERROR", status: s });
  }
}
