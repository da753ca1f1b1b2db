// Runs ControllerDefs in one process: shared informers per kind, a work queue per controller, and
// the write executor. Before every write a leader-elected process asks its gate whether it may act
// and records the act for the single-leader check; acknowledged writes go into the informer cache.
import { assert, AssertionFailure } from "../assert.ts";
import type { BugSet } from "../bugs.ts";
import type { Env, TimerId } from "../env.ts";
import type { ApiResult } from "./api.ts";
import type { KubeClient } from "./client.ts";
import {
  defaultKeysFor,
  normalizeReconciled,
  type CacheReader,
  type ControllerDef,
  type ReconcileContext,
  type Write,
} from "./controller.ts";
import { deletePending } from "./graceful.ts";
import { Informer } from "./informer.ts";
import type { KubeRecorder } from "./observations.ts";
import { controllerOf, isTerminating, nsName, objectKey, type Kind, type KubeObject, type ObjectOf } from "./types.ts";
import { kubeProbe } from "./probes.ts";
import { registryKey, RESOURCES } from "./resources.ts";
import { WorkQueue } from "./workqueue.ts";

/** Whether a leader-elected process may write now, and under which tenure. */
export interface ActGate {
  canAct(): boolean;
  lease: string;
  identity: string;
  term(): number;
}

export interface RuntimeOptions {
  recorder?: KubeRecorder;
  bugs?: BugSet;
  gate?: ActGate;
  /** Informer list page size. */
  pageLimit?: number;
  queueBaseDelayUs?: number;
  queueMaxDelayUs?: number;
  /** Delay before retrying a key whose write the gate refused. */
  notLeaderRetryUs?: number;
}

export class ControllerRuntime {
  readonly informers = new Map<Kind, Informer<Kind>>();
  private readonly queues = new Map<string, WorkQueue>();
  /** The keys each controller is reconciling now ("controller/key"). */
  private readonly inFlight = new Set<string>();
  private readonly timers: TimerId[] = [];
  private stopped = false;
  readonly cache: CacheReader;
  /** Writes acknowledged / failed, for tests and stats. */
  writesOk = 0;
  writesFailed = 0;

  constructor(
    private readonly env: Env,
    private readonly client: KubeClient,
    private readonly defs: readonly ControllerDef[],
    private readonly opts: RuntimeOptions = {},
  ) {
    /** The namespace each kind is informed on ("" for every namespace): controllers sharing a kind share its informer. */
    const scopes = new Map<Kind, string>();
    for (const d of defs) {
      for (const k of d.watches) {
        const namespace = RESOURCES[k].namespaced ? (d.namespace ?? "") : "";
        const shared = scopes.get(k);
        assert(
          shared === undefined || shared === namespace,
          () => `controllers in one process inform on ${k} in different namespaces ("${shared}", "${namespace}")`,
        );
        if (shared !== undefined) continue;
        scopes.set(k, namespace);
        this.informers.set(
          k,
          new Informer(env, client, k, {
            ...(namespace !== "" ? { namespace } : {}),
            ...(opts.recorder ? { recorder: opts.recorder } : {}),
            ...(opts.bugs ? { bugs: opts.bugs } : {}),
            ...(opts.pageLimit ? { pageLimit: opts.pageLimit } : {}),
          }),
        );
      }
    }
    const inf = <K extends Kind>(k: K): Informer<K> => {
      const i = this.informers.get(k);
      assert(i !== undefined, () => `no informer for ${k}: add it to the controller's watches`);
      return i as unknown as Informer<K>;
    };
    this.cache = {
      get: (kind, key) => inf(kind).get(key),
      list: (kind, namespace) => {
        const all = inf(kind).snapshot();
        return namespace === undefined ? all.slice() : all.filter((o) => o.metadata.namespace === namespace);
      },
      ownedBy: (kind, owner) => {
        const uid = owner.metadata.uid;
        // An owner without a uid matches dependents without one (the plain filter says what that means).
        if (typeof uid === "string") return inf(kind).ownedBy(owner.metadata.namespace, uid);
        return inf(kind)
          .snapshot()
          .filter((o) => o.metadata.namespace === owner.metadata.namespace && controllerOf(o)?.uid === uid);
      },
      syncedRevision: (kind) => inf(kind).lastSyncRV,
      observedAt: (kind, key) => inf(kind).observedAt(key),
    };
  }

  start(): void {
    const ctx: ReconcileContext = {
      now: () => this.env.now(),
      monotonic: () => this.env.monotonic(),
      rng: this.env.rng.fork("reconcile"),
      process: this.env.id,
    };
    for (const d of this.defs) {
      d.onStart?.(ctx);
      const q = new WorkQueue(this.env, (key, done) => this.process(d, q, key, ctx, done), {
        concurrency: d.concurrency ?? 2,
        ...(this.opts.queueBaseDelayUs ? { baseDelayUs: this.opts.queueBaseDelayUs } : {}),
        ...(this.opts.queueMaxDelayUs ? { maxDelayUs: this.opts.queueMaxDelayUs } : {}),
        ...(this.opts.bugs?.has("kube-workqueue-hands-out-busy-key") ? { handsOutBusyKeys: true } : {}),
      });
      this.queues.set(d.name, q);
      for (const kind of d.watches) {
        const observe = d.observe;
        const enqueue = (obj: KubeObject) => {
          const keys = d.keysFor ? d.keysFor(kind, obj, this.cache) : defaultKeysFor(d, kind, obj);
          for (const k of keys) q.add(k);
        };
        this.informers.get(kind)!.addHandler(
          observe === undefined
            ? { onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue }
            : {
                onAdd: (o) => {
                  observe("add", kind, o, ctx, this.cache);
                  enqueue(o);
                },
                onUpdate: (_o, n) => {
                  observe("update", kind, n, ctx, this.cache);
                  enqueue(n);
                },
                onDelete: (o) => {
                  observe("delete", kind, o, ctx, this.cache);
                  enqueue(o);
                },
              },
        );
      }
      if (d.resyncUs !== undefined && d.resyncUs > 0) {
        const every = d.resyncUs;
        const resync = () => {
          if (this.stopped) return;
          for (const o of this.informers.get(d.watches[0]!)!.snapshot()) q.add(objectKey(o));
          q.dispatch();
          this.timers.push(this.env.setTimer(every, resync));
        };
        this.timers.push(this.env.setTimer(every, resync));
      }
    }
    for (const i of this.informers.values()) i.start();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const q of this.queues.values()) q.shutDown();
    for (const i of this.informers.values()) i.stop();
    for (const t of this.timers) this.env.cancelTimer(t);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private process(d: ControllerDef, q: WorkQueue, key: string, ctx: ReconcileContext, finished: () => void): void {
    // client-go's workqueue never hands out a key while it is being processed: a reconcile reads the cache
    // and writes as if alone on its object (two at once scale one Deployment twice on the same view).
    const id = `${d.name}/${key}`;
    assert(!this.inFlight.has(id), () => `${this.env.id}: ${d.name} was handed ${key} while still reconciling it`);
    this.inFlight.add(id);
    const done = () => {
      this.inFlight.delete(id);
      finished();
    };
    if (this.stopped) return done();
    // client-go's WaitForCacheSync: a worker runs only once every informer its controller reads has listed
    // (the mutant waits for the first one alone).
    const synced = this.opts.bugs?.has("kube-controller-starts-unsynced")
      ? this.informers.get(d.watches[0]!)!.hasSynced()
      : d.watches.every((k) => this.informers.get(k)!.hasSynced());
    if (!synced) {
      q.addAfter(key, 50_000);
      return done();
    }
    const r = normalizeReconciled(reconcileSafely(d, key, this.cache, ctx));
    const decidedAt = this.opts.recorder?.now();
    // Writes from index `from` on were never sent: tell the controller (its expectations count them).
    const skipFrom = (from: number) => {
      if (d.written !== undefined)
        for (let j = from; j < r.writes.length; j++) d.written(key, r.writes[j]!, "skipped", ctx);
    };
    const finish = (ok: boolean, retryAfterUs?: number) => {
      if (this.stopped) return done();
      if (ok) {
        q.forget(key);
        if (r.requeueAfterUs !== undefined) q.addAfter(key, r.requeueAfterUs);
      } else if (retryAfterUs !== undefined) q.addAfter(key, retryAfterUs);
      else q.addRateLimited(key);
      done();
    };
    const next = (i: number) => {
      if (this.stopped) return done();
      const w = r.writes[i];
      if (w === undefined) return finish(true);
      const gate = this.opts.gate;
      if (gate !== undefined && !gate.canAct()) {
        kubeProbe("kube.gate-refused");
        skipFrom(i);
        return finish(false, this.opts.notLeaderRetryUs ?? 100_000);
      }
      // The act is the oracle's record (kube-leader), kept apart from the decision above: a slip that
      // skipped the gate once also skipped this record, and the write went out unseen by the checker.
      if (gate !== undefined)
        this.opts.recorder?.act({
          process: this.env.id,
          identity: gate.identity,
          lease: gate.lease,
          term: gate.term(),
          what: `${d.name}: ${describeWrite(w)}`,
          ...(w.op === "delete" ? { deletes: registryKey(w.kind, w.namespace, w.name) } : {}),
          ...(i > 0 && decidedAt !== undefined ? { decidedAt } : {}),
          ...(d.mutationCache === false ? { uncached: true as const } : {}),
        });
      this.execute(w, d.mutationCache !== false, (ok) => {
        if (this.stopped) return done();
        d.written?.(key, w, ok ? "ok" : "failed", ctx);
        if (ok) {
          this.writesOk++;
          next(i + 1);
        } else {
          this.writesFailed++;
          skipFrom(i + 1);
          finish(false);
        }
      });
    };
    next(0);
  }

  /** A write computed from resourceVersion `from` (what the controller read) landed as `landed`. */
  private noteWritten(op: "update" | "delete", from: string | undefined, landed: KubeObject, cached: boolean): void {
    const origin = Number(from ?? 0);
    if (this.opts.recorder === undefined || !(origin > 0)) return;
    const m = landed.metadata;
    this.opts.recorder.controllerWrite({
      process: this.env.id,
      key: registryKey(landed.kind, m.namespace, m.name),
      op,
      origin,
      rv: Number(m.resourceVersion),
      ...(cached ? {} : { uncached: true as const }),
    });
  }

  /** Sends one write; `cached`: an acknowledged one is held in the informer caches (ControllerDef.mutationCache). */
  private execute(w: Write, cached: boolean, cb: (ok: boolean) => void): void {
    const assume = (r: ApiResult<KubeObject>, tolerated?: string): void => {
      if (r.ok) {
        if (w.op === "update" || w.op === "updateStatus")
          this.noteWritten("update", w.object.metadata.resourceVersion, r.value, cached);
        if (cached) (this.informers.get(r.value.kind) as Informer<Kind> | undefined)?.assume(r.value as ObjectOf<Kind>);
        return cb(true);
      }
      cb(r.status.reason === tolerated);
    };
    switch (w.op) {
      case "create":
        return this.client.create(w.object, (r) => {
          const owner = controllerOf(w.object)?.uid;
          if (!r.ok && r.status.unknown && owner !== undefined)
            this.opts.recorder?.unknownCreate({ process: this.env.id, owner });
          assume(r, "AlreadyExists");
        });
      case "update":
      case "updateStatus": {
        const send = (object: KubeObject, cb: (r: ApiResult<KubeObject>) => void) =>
          w.op === "update" ? this.client.update(object, cb) : this.client.updateStatus(object, cb);
        if (this.opts.bugs?.has("kube-conflict-retry-stale-body") !== true) return send(w.object, assume);
        // MUTANT kube-conflict-retry-stale-body: client-go's retry.RetryOnConflict with the mutation applied
        // to the stale object — once more on a Conflict, with the fresh resourceVersion and the old body.
        const o = w.object;
        return send(o, (r) => {
          if (r.ok || r.status.reason !== "Conflict") return assume(r);
          this.client.get(o.kind, o.metadata.namespace, o.metadata.name, (g) => {
            if (!g.ok) return assume(r);
            send(
              { ...o, metadata: { ...o.metadata, resourceVersion: g.value.metadata.resourceVersion } } as KubeObject,
              assume,
            );
          });
        });
      }
      case "patch": {
        const send = () =>
          this.client.patch(
            w.kind,
            w.namespace,
            w.name,
            w.patch,
            (r) => assume(r as ApiResult<KubeObject>),
            w.subresource,
          );
        const c = w.recheck;
        if (c === undefined) return send();
        return this.client.get(c.kind, c.namespace, c.name, (g) => {
          if (g.ok && g.value.metadata.uid === c.uid && !isTerminating(g.value)) return send();
          // A read that failed says nothing about the owner: the write fails all the same, and is retried.
          if (g.ok || g.status.reason === "NotFound") kubeProbe("kube.adoption-recheck-refused");
          cb(false);
        });
      }
      case "delete":
        return this.client.delete(
          w.kind,
          w.namespace,
          w.name,
          w.preconditions ?? {},
          (r) => {
            if (r.ok) {
              this.noteWritten("delete", w.preconditions?.resourceVersion, r.value, cached);
              // A graceful delete answers the object, now terminating: it is still there.
              if (deletePending(r)) return assume(r);
              if (cached)
                this.informers
                  .get(w.kind)
                  ?.assumeDeleted(nsName(w.namespace, w.name), Number(r.value.metadata.resourceVersion));
              return cb(true);
            }
            cb(r.status.reason === "NotFound");
          },
          undefined,
          w.propagationPolicy,
        );
    }
  }
}

/** A throwing reconcile is a finding about that controller, reported with the seed, not a crash of the tool. */
function reconcileSafely(
  d: ControllerDef,
  key: string,
  cache: CacheReader,
  ctx: ReconcileContext,
): ReturnType<ControllerDef["reconcile"]> {
  try {
    return d.reconcile(key, cache, ctx);
  } catch (e) {
    if (e instanceof AssertionFailure) throw e;
    throw new AssertionFailure(
      `controller ${d.name}: reconcile(${key}) threw: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

export function describeWrite(w: Write): string {
  switch (w.op) {
    case "create":
      return `create ${w.object.kind} ${w.object.metadata.name ? objectKey(w.object) : nsName(w.object.metadata.namespace, (w.object.metadata.generateName ?? "") + "*")}`;
    case "update":
    case "updateStatus":
      return `${w.op} ${w.object.kind} ${objectKey(w.object)}@${w.object.metadata.resourceVersion ?? ""}`;
    case "patch":
      return `patch ${w.kind} ${nsName(w.namespace, w.name)}`;
    case "delete":
      return `delete ${w.kind} ${nsName(w.namespace, w.name)}${w.propagationPolicy === undefined ? "" : ` (${w.propagationPolicy})`}`;
  }
}
