// A kube-apiserver as a simulated process: serves get/list/create/update/patch/delete/watch to
// controllers over the network from a Registry on its own etcd client, and runs the compactor.
// It keeps no state that outlives a crash: watches die with it and clients re-watch elsewhere.
import type { BugSet } from "../bugs.ts";
import type { Actor, Env, TimerId } from "../env.ts";
import type { KV } from "../etcd/kv.ts";
import {
  fail,
  type ApiRequest,
  type ApiResult,
  type KubeMessage,
  type KubeWatchFrameMsg,
  type KubeWatchMsg,
  type WatchEvent,
} from "./api.ts";
import { startCompactor } from "./compactor.ts";
import { safeEncode } from "./hash.ts";
import { applyMergePatch } from "./merge-patch.ts";
import { kubeProbe } from "./probes.ts";
import type { ApiserverWatchesAt, KubeRecorder } from "./observations.ts";
import { Registry, type RegistryObserver, type RegistryWatch } from "./registry.ts";
import { addedFinalizers, beforeDelete, deletePending } from "./graceful.ts";
import { canonicalEqual, keyOfObject, registryKey, registryPrefix, RESOURCES } from "./resources.ts";
import {
  clone,
  COLLECTED_KINDS,
  isKind,
  podHoldsRoom,
  PROPAGATION_POLICIES,
  type KubeObject,
  type ObjectMeta,
} from "./types.ts";
// ---- quotas and limits
import { QuotaAdmission } from "./admission/resourcequota.ts";
import { initialQuotaStatus } from "./admission/usage.ts";
import { parseQuantity } from "./admission/quantity.ts";
import { latencyLog } from "../metrics/latency.ts";
import { RecentCache } from "../recent-cache.ts";
import { DEFAULT_WATCH_CACHE, WatchCache, type WatchCacheOptions } from "./watch-cache.ts";
import type { Kind } from "./types.ts";

export interface ApiserverTiming {
  /** Period of compaction rounds (0: no compaction). */
  compactIntervalUs: number;
  /** Period of heartbeat frames on every watch stream. */
  watchHeartbeatUs: number;
}

export const DEFAULT_APISERVER_TIMING: ApiserverTiming = { compactIntervalUs: 1_000_000, watchHeartbeatUs: 100_000 };

export interface ApiserverConfig {
  /** The etcd client. If it has onMessage (a client talking to etcd members over the network), messages that are not the kube protocol's go to it. */
  kv: KV & { onMessage?(from: string, msg: unknown): unknown; openWatchIds?(): number[] };
  bugs: BugSet;
  recorder?: KubeRecorder;
  timing?: Partial<ApiserverTiming>;
  /**
   * Admission plugins beyond validation: LimitRanger + ResourceQuota on pod create, quota release on
   * pod delete (core/kube/admission/). Off unless asked for: every pod create then reads the
   * namespace's LimitRanges and ResourceQuotas.
   */
  admission?: { resourceQuota: true; onUncertain?(apiserver: string, what: string): void };
  /**
   * A watch cache per resource (core/kube/watch-cache.ts), as Kubernetes runs by default: every watch,
   * and every list that carries a resourceVersion, is served from it. Absent: all of them read etcd.
   */
  watchCache?: Partial<Omit<WatchCacheOptions, "bugs">>;
}

interface ServedWatch {
  to: string;
  watchId: string;
  seq: number;
  reg: RegistryWatch | { cancel(): void; etcdWatchId?: undefined } | undefined;
  /** The watch cache that serves it, if one does. */
  cache: WatchCache | undefined;
  heartbeat: TimerId | undefined;
  closed: boolean;
}

/** A heartbeat frame's events: none, one frozen array for every heartbeat (the client reads only its seq). */
const NO_EVENTS: WatchEvent[] = Object.freeze([]) as unknown as WatchEvent[];

export interface Apiserver extends Actor {
  /** The watches it holds, for leak accounting (checkers/kube/watch-leaks.ts). */
  watches(): Omit<ApiserverWatchesAt, "apiserver">;
}

export function apiserver(env: Env, cfg: ApiserverConfig): Apiserver {
  const timing = { ...DEFAULT_APISERVER_TIMING, ...cfg.timing };
  const rec = cfg.recorder;
  const observer: RegistryObserver | undefined = rec && {
    write: (w) => rec.write({ apiserver: env.id, ...w }),
    finalizing: (key, baseRv) => rec.finalizingUpdate(key, baseRv),
    version: (key, rv, cr, obj) => rec.version(key, rv, cr, obj, `etcd:${env.id}`),
    listed: (start, end, rv, items) => rec.listed(start, end, rv, items, `list:${env.id}`),
    now: rec.now,
    read: (r) => rec.read({ time: r.startedAt, apiserver: env.id, verb: r.verb, key: r.key, revision: r.revision }),
  };
  const registry = new Registry(cfg.kv, { bugs: cfg.bugs, ...(observer ? { observer } : {}) });
  const watches = new Map<string, ServedWatch>();
  const rng = env.rng.fork("apiserver");
  const cacheOptions: WatchCacheOptions | undefined = cfg.watchCache && {
    ...DEFAULT_WATCH_CACHE,
    ...cfg.watchCache,
    bugs: cfg.bugs,
  };
  /** The watch caches, started by the first request of their kind (Kubernetes starts them all at boot). */
  const caches = new Map<Kind, WatchCache>();
  const cacheOf = (kind: Kind): WatchCache => {
    let c = caches.get(kind);
    if (c === undefined) {
      caches.set(kind, (c = new WatchCache(env, registry, kind, cacheOptions!)));
      c.start();
    }
    return c;
  };
  const quota = cfg.admission?.resourceQuota
    ? new QuotaAdmission(registry, {
        bugs: cfg.bugs,
        ...(cfg.admission.onUncertain
          ? { onUncertain: (what: string) => cfg.admission!.onUncertain!(env.id, what) }
          : {}),
      })
    : undefined;

  const reply = (to: string, id: string, result: ApiResult<unknown>) =>
    env.send(to, { type: "kube-resp", id, result } satisfies KubeMessage);

  function newUid(): string {
    return rng.uint32().toString(16).padStart(8, "0") + "-" + rng.uint32().toString(16).padStart(8, "0");
  }

  function serve(req: ApiRequest, cb: (r: ApiResult<unknown>) => void, from = ""): void {
    switch (req.verb) {
      case "get":
        if (!isKind(req.kind)) return cb(fail("Invalid", `unknown kind ${String(req.kind)}`));
        return registry.get(registryKey(req.kind, req.namespace, req.name), cb);
      case "list":
        if (!isKind(req.kind)) return cb(fail("Invalid", `unknown kind ${String(req.kind)}`));
        if (
          cacheOptions?.consistentReads === true &&
          !req.resourceVersion &&
          req.continue === undefined &&
          !req.limit
        ) {
          const prefix = registryPrefix(req.kind, req.namespace);
          const startedAt = observer?.now?.();
          kubeProbe("kube.watch-cache-consistent-read");
          return cacheOf(req.kind).consistentList(
            req.namespace,
            (r) => {
              if (r.ok && startedAt !== undefined)
                observer!.read?.({ verb: "list", key: prefix, revision: Number(r.value.resourceVersion), startedAt });
              cb(r);
            },
            () => registry.list(prefix, {}, cb),
          );
        }
        if (cacheOptions !== undefined && req.resourceVersion && req.continue === undefined) {
          const minRv = Number(req.resourceVersion);
          if (!Number.isSafeInteger(minRv) || minRv < 0)
            return cb(fail("Invalid", `resourceVersion: Invalid value: ${JSON.stringify(req.resourceVersion)}`));
          return cacheOf(req.kind).list(req.namespace, minRv, cb);
        }
        return registry.list(
          registryPrefix(req.kind, req.namespace),
          { ...(req.limit ? { limit: req.limit } : {}), ...(req.continue ? { continue: req.continue } : {}) },
          cb,
        );
      case "create": {
        const obj = prepareCreate(req.object);
        if (!obj.ok) return cb(obj);
        if (quota !== undefined && obj.value.kind === "Pod") return quota.createPod(obj.value, cb);
        return registry.create(obj.value, cb);
      }
      case "update": {
        const invalid = validate(req.object);
        if (invalid !== undefined) return cb(fail("Invalid", invalid));
        const want = req.object;
        const sub = req.subresource;
        let first = true;
        return registry.guaranteedUpdate(
          keyOfObject(want),
          (cur) => {
            if (first && sub === undefined) recordBind(cur, want);
            first = false;
            return updated(cur, want, sub);
          },
          cb,
          undefined,
          true, // updated() builds a new object and metadata every time
        );
      }
      case "patch": {
        if (!isKind(req.kind)) return cb(fail("Invalid", `unknown kind ${String(req.kind)}`));
        const sub = req.subresource;
        const patch = req.patch;
        return registry.guaranteedUpdate(
          registryKey(req.kind, req.namespace, req.name),
          (cur) => patched(cur, patch, sub),
          cb,
          undefined,
          true, // patched() builds a new object and metadata every time
        );
      }
      case "delete": {
        if (!isKind(req.kind)) return cb(fail("Invalid", `unknown kind ${String(req.kind)}`));
        const grace = req.gracePeriodSeconds;
        if (grace !== undefined && (!Number.isSafeInteger(grace) || grace < 0))
          return cb(fail("Invalid", `gracePeriodSeconds: expected a non-negative integer, got ${String(grace)}`));
        // MUTANT kube-delete-ignores-propagation-policy: every delete is a background one.
        const policy =
          cfg.bugs?.has("kube-delete-ignores-propagation-policy") === true ? undefined : req.propagationPolicy;
        if (policy !== undefined && !PROPAGATION_POLICIES.includes(policy))
          return cb(fail("Invalid", `propagationPolicy: unsupported value ${JSON.stringify(policy)}`));
        // The simulated garbage collector keeps a graph of these kinds alone: a finalizer of its put on any
        // other object would never come off.
        if (policy !== undefined && policy !== "Background" && !COLLECTED_KINDS.includes(req.kind))
          return cb(
            fail(
              "Invalid",
              `propagationPolicy ${policy}: the garbage collector here collects ${COLLECTED_KINDS.join(", ")} only`,
            ),
          );
        const decide = (cur: KubeObject) => beforeDelete(cur, grace, env.now(), cfg.bugs, policy);
        const key = registryKey(req.kind, req.namespace, req.name);
        // The checker's record of who may take a pod away while it runs: a kubelet's own delete comes
        // after its containers stopped; anyone else's grace period 0 is a force delete.
        if (grace === 0 && rec !== undefined && !rec.nodes.includes(from)) rec.forceDelete(key, from);
        const charged = quota !== undefined && req.kind === "Pod";
        let createRevision: number | undefined;
        const done: (r: ApiResult<KubeObject>) => void = !charged
          ? cb
          : (r) => {
              // A terminating pod stays charged until it is removed.
              if (r.ok && r.value.kind === "Pod" && !deletePending(r)) quota.podDeleted(r.value, createRevision);
              else if (!r.ok && r.status.unknown)
                cfg.admission!.onUncertain?.(
                  env.id,
                  `delete of pod ${req.namespace}/${req.name}: outcome unknown, its charge kept`,
                );
              cb(r);
            };
        return registry.delete(key, req.preconditions ?? {}, done, decide, (c) => {
          createRevision = c;
        });
      }
    }
  }

  /** A Pod update that sets another node than the stored one is a bind: the checkers judge its precondition. */
  function recordBind(cur: KubeObject, want: KubeObject): void {
    if (rec === undefined || cur.kind !== "Pod" || want.kind !== "Pod") return;
    const node = want.spec.nodeName ?? "";
    const storedNode = cur.spec.nodeName ?? "";
    if (node === "" || node === storedNode) return;
    rec.bind({
      apiserver: env.id,
      key: keyOfObject(cur),
      uid: cur.metadata.uid ?? "",
      node,
      storedRv: Number(cur.metadata.resourceVersion ?? 0),
      storedNode,
      ...(want.metadata.resourceVersion !== undefined ? { resourceVersion: want.metadata.resourceVersion } : {}),
    });
  }

  function prepareCreate(o: KubeObject): ApiResult<KubeObject> {
    const obj = clone(o); // a deep copy of the request's object, as its JSON round trip
    if ((obj.metadata.name ?? "") === "" && obj.metadata.generateName) {
      obj.metadata.name = obj.metadata.generateName + safeEncode(rng.uint32(), 5);
    }
    const invalid = validate(obj);
    if (invalid !== undefined) return fail("Invalid", invalid);
    delete obj.metadata.resourceVersion;
    obj.metadata.uid = newUid();
    obj.metadata.creationTimestamp = env.now();
    obj.metadata.generation = 1;
    // The status a client sends with a create is dropped, as Kubernetes' PrepareForCreate does: a Pod
    // starts Pending, a Deployment or ReplicaSet with an empty status; only controllers write status.
    // The mutant keeps it (this apiserver did until a check looked: a sent phase even beat Pending).
    const keep = cfg.bugs.has("kube-create-keeps-status");
    if (obj.kind === "Pod") obj.status = keep ? { phase: "Pending", ...obj.status } : { phase: "Pending" };
    if (obj.kind === "Deployment" || obj.kind === "ReplicaSet") obj.status = keep ? (obj.status ?? {}) : {};
    if (obj.kind === "ResourceQuota") obj.status = initialQuotaStatus(obj);
    return { ok: true, value: obj };
  }

  /** The Conflict of a write whose resourceVersion precondition the stored object no longer meets. */
  function modified(cur: KubeObject): ApiResult<KubeObject> {
    return fail(
      "Conflict",
      `Operation cannot be fulfilled on ${RESOURCES[cur.kind].resource} "${cur.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }

  /** The stored object after an update: the precondition, then spec/status split by subresource. */
  function updated(cur: KubeObject, want: KubeObject, sub: "status" | undefined): ApiResult<KubeObject> {
    const what = `${RESOURCES[cur.kind].resource} "${cur.metadata.name}"`;
    if (want.metadata.resourceVersion !== undefined && want.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      kubeProbe("kube.update-conflict");
      if (want.kind === "Pod" && cur.kind === "Pod" && want.spec.nodeName && want.spec.nodeName !== cur.spec.nodeName)
        kubeProbe("kube.bind-conflict");
      return modified(cur);
    }
    if (want.metadata.uid !== undefined && want.metadata.uid !== cur.metadata.uid) {
      return fail(
        "Conflict",
        `Precondition failed on ${what}: UID in object meta: ${want.metadata.uid}, stored ${cur.metadata.uid ?? ""}`,
      );
    }
    if (want.kind !== cur.kind) return fail("Invalid", `kind ${want.kind} does not match stored ${cur.kind}`);
    let next: KubeObject;
    if (sub === "status") {
      // A metadata of its own: finish sets fields in it, and cur's is the stored (frozen) one.
      next = {
        ...cur,
        metadata: metadataToWrite(cur.metadata),
        status: (want as { status?: unknown }).status,
      } as KubeObject;
    } else {
      next = { ...want, metadata: metadataToWrite(want.metadata) } as KubeObject;
      if (RESOURCES[cur.kind].hasStatus) (next as { status?: unknown }).status = (cur as { status?: unknown }).status;
    }
    return (
      newFinalizersRefused(cur, next) ??
      terminalPhaseLeft(cur, next) ??
      deletingPodBound(cur, next) ?? { ok: true, value: finish(cur, next) }
    );
  }

  function patched(cur: KubeObject, patch: unknown, sub: "status" | undefined): ApiResult<KubeObject> {
    // A resourceVersion in the patch is a precondition, as for an update (what controller-runtime's
    // MergeFromWithOptimisticLock sends); without one a patch applies to whatever is stored.
    const rv = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
    if (typeof rv === "string" && rv !== cur.metadata.resourceVersion) {
      kubeProbe("kube.patch-conflict");
      return modified(cur);
    }
    const merged = applyMergePatch(cur, patch) as KubeObject;
    let next: KubeObject;
    if (sub === "status")
      next = {
        ...cur,
        metadata: metadataToWrite(cur.metadata),
        status: (merged as { status?: unknown }).status,
      } as KubeObject;
    else {
      next = { ...merged, metadata: metadataToWrite(merged.metadata) } as KubeObject;
      if (RESOURCES[cur.kind].hasStatus) (next as { status?: unknown }).status = (cur as { status?: unknown }).status;
    }
    const invalid = validate(next);
    if (invalid !== undefined) return fail("Invalid", invalid);
    return (
      newFinalizersRefused(cur, next) ??
      terminalPhaseLeft(cur, next) ??
      deletingPodBound(cur, next) ?? { ok: true, value: finish(cur, next) }
    );
  }

  /**
   * A pod whose phase is terminal has no container left running, and Kubernetes' status validation
   * refuses a container state that goes from terminated back to running or waiting (PR #54530: "may not be
   * transitioned to non-terminated state"). Here a status names no container state, so a status that
   * takes the pod out of its terminal phase is refused instead: a kubelet's Running report sent before it
   * stopped the pod, answered by no one in time and applied late (a paused apiserver), must not undo the
   * Failed or Succeeded it wrote since.
   */
  function terminalPhaseLeft(cur: KubeObject, next: KubeObject): ApiResult<KubeObject> | undefined {
    if (cur.kind !== "Pod" || next.kind !== "Pod" || podHoldsRoom(cur)) return undefined;
    if (next.status?.phase === cur.status?.phase) return undefined;
    kubeProbe("kube.terminal-phase-kept");
    return fail(
      "Invalid",
      `Pod "${cur.metadata.name}" is invalid: status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state (phase ${cur.status?.phase ?? ""})`,
    );
  }

  /**
   * Identity fields stay; generation moves with the spec. next.metadata is next's own, made by
   * metadataToWrite (no resourceVersion: the write's revision will be it); cur's is not touched.
   */
  /**
   * The pods/binding subresource's refusal (setPodHostAndAnnotations): a pod being deleted is never given a
   * node. A kube-scheduler that read the pod before its delete still sends the bind; Kubernetes' scheduler
   * skips a pod it knows is being deleted because this refusal would come (PR #39081).
   */
  function deletingPodBound(cur: KubeObject, next: KubeObject): ApiResult<KubeObject> | undefined {
    if (cur.kind !== "Pod" || next.kind !== "Pod" || cur.metadata.deletionTimestamp === undefined) return undefined;
    if (!next.spec.nodeName || cur.spec.nodeName) return undefined;
    // MUTANT kube-bind-deleting-pod: the bind lands, and the pod being deleted goes to a node.
    if (cfg.bugs.has("kube-bind-deleting-pod")) return undefined;
    kubeProbe("kube.bind-deleting-refused");
    return fail("InternalError", `pod ${cur.metadata.name} is being deleted, cannot be assigned to a host`);
  }

  /** ValidateNoNewFinalizers: a terminating object takes no new finalizer (undefined: none added). */
  function newFinalizersRefused(cur: KubeObject, next: KubeObject): ApiResult<KubeObject> | undefined {
    if (cur.metadata.deletionTimestamp === undefined) return undefined;
    const added = addedFinalizers(cur, next);
    // MUTANT kube-finalizer-added-while-terminating: the apiserver takes a new finalizer on a terminating object.
    if (added.length === 0 || cfg.bugs.has("kube-finalizer-added-while-terminating")) return undefined;
    kubeProbe("kube.finalizer-refused-while-terminating");
    return fail(
      "Invalid",
      `metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
    );
  }

  function finish(cur: KubeObject, next: KubeObject): KubeObject {
    const m = next.metadata;
    m.name = cur.metadata.name;
    if (cur.metadata.namespace !== undefined) m.namespace = cur.metadata.namespace;
    if (cur.metadata.uid !== undefined) m.uid = cur.metadata.uid;
    if (cur.metadata.creationTimestamp !== undefined) m.creationTimestamp = cur.metadata.creationTimestamp;
    // A graceful delete's fields are the system's: only a delete sets or shortens them, an update keeps them.
    if (cur.metadata.deletionTimestamp !== undefined) {
      m.deletionTimestamp = cur.metadata.deletionTimestamp;
      m.deletionGracePeriodSeconds = cur.metadata.deletionGracePeriodSeconds ?? 0;
    } else if (m.deletionTimestamp !== undefined || m.deletionGracePeriodSeconds !== undefined) {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    const specOf = (o: KubeObject) =>
      (o as { spec?: unknown; data?: unknown }).spec ?? (o as { data?: unknown }).data ?? null;
    // Equal as stored bytes (canonicalEqual walks the two, and a status write keeps the stored spec object).
    m.generation = (cur.metadata.generation ?? 1) + (canonicalEqual(specOf(cur), specOf(next)) ? 0 : 1);
    return next;
  }

  /** The requests served lately, by sender and id: a duplicate comes within moments of its original. */
  const takenRequests = new RecentCache<string, true>(5_000);

  function openWatch(from: string, m: KubeWatchMsg): void {
    const id = from + "|" + m.watchId;
    if (watches.has(id)) return; // a duplicated request
    if (!isKind(m.kind)) return;
    const w: ServedWatch = {
      to: from,
      watchId: m.watchId,
      seq: 0,
      reg: undefined,
      cache: undefined,
      heartbeat: undefined,
      closed: false,
    };
    watches.set(id, w);
    const send = (events: WatchEvent[], heartbeat = false) => {
      const frame: KubeWatchFrameMsg = {
        type: "kube-watch-ev",
        watchId: w.watchId,
        seq: heartbeat ? w.seq : ++w.seq,
        events,
      };
      if (heartbeat) frame.heartbeat = true;
      env.send(w.to, frame);
    };
    const beat = () => {
      if (w.closed) return;
      send(NO_EVENTS, true);
      w.heartbeat = env.setTimer(timing.watchHeartbeatUs, beat);
    };
    w.heartbeat = env.setTimer(timing.watchHeartbeatUs, beat);
    const onEvent = (e: WatchEvent) => {
      if (w.closed) return;
      send([e]);
      if (e.type === "ERROR") close(id);
    };
    if (cacheOptions !== undefined) {
      w.cache = cacheOf(m.kind);
      const reg = w.cache.watch(m.namespace, m.resourceVersion, onEvent);
      if (w.closed)
        reg.cancel(); // answered at once (410, say) and closed in the call
      else w.reg = reg;
    } else w.reg = registry.watch(registryPrefix(m.kind, m.namespace), m.resourceVersion, onEvent);
  }

  function close(id: string, byClient = false): void {
    const w = watches.get(id);
    if (w === undefined) return;
    watches.delete(id);
    w.closed = true;
    // MUTANT kube-apiserver-leaks-etcd-watch: a watch its client cancelled stops being served, but its
    // etcd watch stays open, streaming to nobody (kubernetes#66312: such leaked streams used up the
    // apiserver's etcd client until every request on the resource timed out).
    if (!(byClient && cfg.bugs.has("kube-apiserver-leaks-etcd-watch"))) w.reg?.cancel();
    if (w.heartbeat !== undefined) env.cancelTimer(w.heartbeat);
  }

  return {
    watches() {
      return {
        served: [...watches].map(([watch, w]) =>
          w.cache !== undefined
            ? { watch, etcdWatchId: w.cache.etcdWatchId, cache: w.cache.kind }
            : { watch, etcdWatchId: w.reg?.etcdWatchId },
        ),
        ...(caches.size > 0
          ? { caches: [...caches.values()].map((c) => ({ kind: c.kind, etcdWatchId: c.etcdWatchId })) }
          : {}),
        etcdOpen: cfg.kv.openWatchIds?.(),
      };
    },
    start() {
      if (timing.compactIntervalUs > 0) {
        const rec = cfg.recorder;
        startCompactor(
          env,
          cfg.kv,
          timing.compactIntervalUs,
          (rev) => env.record("compact", String(rev)),
          rec === undefined
            ? undefined
            : {
                started: () => rec.compactorEvent(env.id, "started"),
                roundDone: () => rec.compactorEvent(env.id, "round-done"),
              },
          cfg.bugs,
        );
      }
    },
    onMessage(from, raw) {
      const m = raw as KubeMessage;
      switch (m.type) {
        case "kube-req": {
          // A client's request travels over its HTTP connection (TCP), which never delivers one twice: a
          // copy the simulated network duplicated is dropped, or a create naming by generateName would make
          // a second object under another name.
          const reqKey = `${from}|${m.id}`;
          if (takenRequests.get(reqKey) !== undefined && !cfg.bugs.has("kube-apiserver-serves-duplicates")) {
            kubeProbe("kube.duplicate-request-dropped");
            break;
          }
          takenRequests.set(reqKey, true);
          const lat = latencyLog(),
            t0 = lat?.now() ?? 0;
          serve(
            m.req,
            (r) => {
              lat?.api(env.id, m.req.verb, resourceOf(m.req), t0, r.ok);
              reply(from, m.id, r);
            },
            from,
          );
          break;
        }
        case "kube-watch":
          openWatch(from, m);
          break;
        case "kube-watch-cancel":
          close(from + "|" + m.watchId, true);
          break;
        default:
          cfg.kv.onMessage?.(from, raw);
          break;
      }
    },
  };
}

/**
 * A copy of metadata without resourceVersion: the same fields in the same order as `{ ...meta }`
 * followed by `delete copy.resourceVersion` (setting the identity fields after either gives the same
 * order too, as none of them is resourceVersion). Leaving the field out instead of deleting it keeps
 * the copy a fast-mode object: a delete turns it into a dictionary, which made every later spread of
 * it (the registry's withRv) and its encoding several times slower. Metadata is plain JSON data
 * (string keys only), so Object.keys sees what a spread copies.
 */
export function metadataToWrite(meta: ObjectMeta): ObjectMeta {
  const out: Record<string, unknown> = {};
  const src = meta as unknown as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    if (k === "__proto__") {
      // An assignment would set the prototype, not the field: copy as the spread does.
      const copy = { ...meta };
      delete copy.resourceVersion;
      return copy;
    }
    if (k !== "resourceVersion") out[k] = src[k];
  }
  return out as unknown as ObjectMeta;
}

/** The resource a request names, for latency records ("pods"). */
function resourceOf(req: ApiRequest): string {
  const kind = "object" in req ? req.object?.kind : req.kind;
  return `${String(kind).toLowerCase()}s`;
}

/** A reason the object is malformed, or undefined. */
export function validate(o: KubeObject): string | undefined {
  if (o === null || typeof o !== "object" || !isKind((o as { kind?: string }).kind ?? ""))
    return `unknown kind ${JSON.stringify((o as { kind?: unknown } | null)?.kind)}`;
  const name = o.metadata?.name;
  if (typeof name !== "string" || name === "") return "metadata.name: Required value";
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name))
    return `metadata.name: Invalid value: ${JSON.stringify(name)}: must be a lowercase RFC 1123 subdomain`;
  const ns = o.metadata.namespace;
  if (RESOURCES[o.kind].namespaced && (typeof ns !== "string" || ns === ""))
    return "metadata.namespace: Required value";
  if (!RESOURCES[o.kind].namespaced && ns !== undefined && ns !== "")
    return `metadata.namespace: ${o.kind} is cluster-scoped`;
  if (
    (o.kind === "Deployment" || o.kind === "ReplicaSet") &&
    !(Number.isInteger(o.spec?.replicas) && o.spec.replicas >= 0)
  ) {
    return "spec.replicas: must be a non-negative integer";
  }
  // apimachinery's ValidateOwnerReferences: two controllers may race to adopt one object, and the store is
  // where only one of them can win.
  const controllers = (o.metadata.ownerReferences ?? []).filter((r) => r.controller === true);
  if (controllers.length > 1)
    return `metadata.ownerReferences: Invalid value: Only one reference can have Controller set to true. Found "true" in references for ${controllers[0]!.kind}/${controllers[0]!.name} and ${controllers[1]!.kind}/${controllers[1]!.name}`;
  if (o.kind === "ResourceQuota") {
    for (const r of Object.keys(o.spec?.hard ?? {}).sort())
      if (parseQuantity(o.spec.hard[r]) === undefined)
        return `spec.hard[${r}]: Invalid value: ${JSON.stringify(o.spec.hard[r])}: must be a quantity`;
  }
  return undefined;
}
