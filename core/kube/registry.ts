// The apiserver's storage layer on etcd (k8s.io/apiserver/pkg/storage/etcd3/store.go): create as a
// Txn on mod_revision == 0, GuaranteedUpdate as read → update function → Txn(mod_revision == rv)
// with retry on the fresh object, delete with preconditions, paged lists pinned to one revision, and
// watches from a list's revision + 1 with prev_kv and progress notifications (bookmarks).
import type { BugSet } from "../bugs.ts";
import type { KV, KvResult, WatchHandle } from "../etcd/kv.ts";
import type { EtcdErrorCode, KeyValue, TxnResponse, WatchResponse } from "../mvcc/rpc.ts";
import {
  fail,
  status,
  type ApiResult,
  type ApiStatus,
  type ListResult,
  type Preconditions,
  type WatchEvent,
} from "./api.ts";
import { kubeProbe } from "./probes.ts";
import { removedByUpdate, type DeleteDecision } from "./graceful.ts";
import { decodeObject, encodeObject, keyOfObject, prefixEndOf } from "./resources.ts";
import { rvOf, type KubeObject } from "./types.ts";

/** Told about everything etcd returned to this registry (the recorder's view of the store). */
export interface RegistryObserver {
  write(w: { key: string; op: "create" | "update" | "delete"; baseRv: number; rv: number; startedAt?: number }): void;
  /** An update that takes off the last finalizer of the object at baseRv is about to remove it. */
  finalizing?(key: string, baseRv: number): void;
  version(key: string, rv: number, createRevision: number | undefined, object: KubeObject | null): void;
  listed(
    start: string,
    end: string,
    rv: number,
    items: { key: string; rv: number; createRevision?: number; object: KubeObject }[],
  ): void;
  /** The clock a quorum read is timed by: when it began (absent: reads are not reported). */
  now?(): number;
  /** A GET, or a list's first page, served at `revision` (etcd's header), begun at `startedAt`. */
  read?(r: { verb: "get" | "list"; key: string; revision: number; startedAt: number }): void;
}

export interface RegistryOptions {
  bugs?: BugSet;
  observer?: RegistryObserver;
  /** GuaranteedUpdate attempts before answering Conflict (etcd3 store retries without bound). */
  maxUpdateAttempts?: number;
}

/**
 * What GuaranteedUpdate's update function returns: the new object, or a Status that ends the update.
 * It gets the stored object itself (decoded objects are frozen and shared, see decodeObject): it
 * builds the new object beside it, sharing what it does not change.
 */
export type TryUpdate = (current: KubeObject) => ApiResult<KubeObject>;

export interface RegistryWatch {
  cancel(): void;
  /** Asks etcd for a progress notification (a BOOKMARK) now, if its client can. */
  requestProgress?(): void;
  /** The etcd watch serving it (the etcd client's WatchHandle id). */
  readonly etcdWatchId: number;
}

type Current = { object: KubeObject; kv: KeyValue };

export class Registry {
  private readonly maxAttempts: number;

  constructor(
    private readonly kv: KV,
    private readonly opts: RegistryOptions = {},
  ) {
    this.maxAttempts = opts.maxUpdateAttempts ?? 16;
  }

  create(obj: KubeObject, cb: (r: ApiResult<KubeObject>) => void): void {
    const key = keyOfObject(obj);
    const value = encodeObject(obj);
    const startedAt = this.opts.observer?.now?.();
    this.kv.txn(
      {
        compare: [{ key, target: "MOD", result: "EQUAL", modRevision: 0 }],
        success: [{ requestPut: { key, value } }],
        failure: [],
      },
      (r) => {
        if (!r.ok) return cb(fromEtcd(r));
        if (!r.value.succeeded) kubeProbe("kube.create-already-exists");
        if (!r.value.succeeded)
          return cb(fail("AlreadyExists", `${obj.kind.toLowerCase()}s "${obj.metadata.name}" already exists`));
        const rv = r.value.header.revision;
        const created = withRv(obj, rv);
        this.opts.observer?.write(
          startedAt === undefined
            ? { key, op: "create", baseRv: 0, rv }
            : { key, op: "create", baseRv: 0, rv, startedAt },
        );
        this.opts.observer?.version(key, rv, rv, created);
        cb({ ok: true, value: created });
      },
    );
  }

  get(key: string, cb: (r: ApiResult<KubeObject>) => void): void {
    const startedAt = this.opts.observer?.now?.();
    // A GET without a resourceVersion is a quorum read ("most recent"); the mutant reads serializably.
    const serializable = this.opts.bugs?.has("kube-get-serializable") === true;
    this.kv.range(serializable ? { key, serializable } : { key }, (r) => {
      if (!r.ok) return cb(fromEtcd(r));
      if (startedAt !== undefined)
        this.opts.observer!.read?.({ verb: "get", key, revision: r.value.header.revision, startedAt });
      const kv = r.value.kvs[0];
      if (kv === undefined) return cb(fail("NotFound", `${key} not found`));
      const obj = decodeObject(kv);
      this.opts.observer?.version(key, kv.modRevision, kv.createRevision, obj);
      cb({ ok: true, value: obj });
    });
  }

  /**
   * etcd's current revision, by a quorum read of one key under prefix (Kubernetes'
   * getCurrentResourceVersionFromStorage: what a consistent read from the watch cache must reach).
   */
  currentRevision(prefix: string, cb: (r: ApiResult<number>) => void): void {
    this.kv.range({ key: prefix, rangeEnd: prefixEndOf(prefix), limit: 1, keysOnly: true }, (r) =>
      cb(r.ok ? { ok: true, value: r.value.header.revision } : fromEtcd(r)),
    );
  }

  /** One page of the objects under prefix; later pages (via `continue`) read the first page's revision. */
  list(
    prefix: string,
    opts: { limit?: number; continue?: string },
    cb: (r: ApiResult<ListResult>) => void,
    /** Told each listed item's create revision first (same order as items), for callers that compare them. */
    createRevisions?: (revisions: number[]) => void,
  ): void {
    const end = prefixEndOf(prefix);
    let start = prefix;
    let revision = 0;
    if (opts.continue !== undefined) {
      const token = parseContinue(opts.continue, prefix);
      if (token === undefined) return cb(fail("Invalid", `invalid continue token ${JSON.stringify(opts.continue)}`));
      start = token.start;
      // The continue token keeps the first page's revision, so the pages make one snapshot. MUTANT
      // kube-list-continue-current-revision reads the next page at the current revision: the list mixes
      // snapshots, and its resourceVersion passes changes that the informer then never watches for.
      revision = this.opts.bugs?.has("kube-list-continue-current-revision") ? 0 : token.rv;
    }
    const limit = opts.limit ?? 0;
    const startedAt = opts.continue === undefined ? this.opts.observer?.now?.() : undefined;
    this.kv.range({ key: start, rangeEnd: end, limit, revision }, (r) => {
      if (!r.ok) {
        if (!r.unknown && r.error === "compacted") {
          kubeProbe("kube.list-continue-expired");
          return cb(
            fail(
              "Gone",
              "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
            ),
          );
        }
        return cb(fromEtcd(r));
      }
      const rv = revision > 0 ? revision : r.value.header.revision;
      if (startedAt !== undefined) this.opts.observer!.read?.({ verb: "list", key: prefix, revision: rv, startedAt });
      const items = r.value.kvs.map(decodeObject);
      createRevisions?.(r.value.kvs.map((kv) => kv.createRevision));
      const last = r.value.kvs[r.value.kvs.length - 1];
      const more = r.value.more && last !== undefined;
      const pageEnd = more ? last.key + "\0" : end;
      this.opts.observer?.listed(
        start,
        pageEnd,
        rv,
        r.value.kvs.map((kv, i) => ({
          key: kv.key,
          rv: kv.modRevision,
          createRevision: kv.createRevision,
          object: items[i]!,
        })),
      );
      const out: ListResult = { items, resourceVersion: String(rv) };
      if (more) out.continue = JSON.stringify({ rv, start: pageEnd, prefix });
      cb({ ok: true, value: out });
    });
  }

  /**
   * Read, apply tryUpdate, write with Txn(If mod_revision == rv Then Put Else Get); on a conflict run
   * tryUpdate again on the fresh object. A result byte-identical to the stored one is not written.
   * `suggestion` (e.g. from a cache) saves the first read; it is re-read before giving up on it.
   * `owned`: tryUpdate's objects are the registry's to keep (each a new object with a new metadata
   * object that no one else holds): the written one is stamped with its resourceVersion in place
   * rather than copied (see stampRv).
   */
  guaranteedUpdate(
    key: string,
    tryUpdate: TryUpdate,
    cb: (r: ApiResult<KubeObject>) => void,
    suggestion?: KubeObject,
    owned = false,
  ): void {
    let attempts = 0;
    const readFresh = () =>
      this.kv.range({ key }, (r) => {
        if (!r.ok) return cb(fromEtcd(r));
        const kv = r.value.kvs[0];
        attempt(kv === undefined ? null : { object: decodeObject(kv), kv }, true);
      });
    const attempt = (cur: Current | null, fresh: boolean) => {
      if (cur === null) return cb(fail("NotFound", `${key} not found`));
      const out = tryUpdate(cur.object);
      if (!out.ok) return fresh ? cb(out) : readFresh();
      const next = out.value;
      const value = encodeObject(next);
      if (value === cur.kv.value) return fresh ? cb({ ok: true, value: cur.object }) : readFresh();
      if (++attempts > this.maxAttempts)
        return cb(fail("Conflict", `${key}: gave up after ${this.maxAttempts} conflicting attempts`));
      const baseRv = cur.kv.modRevision;
      if (removedByUpdate(next))
        return removeByUpdate(cur.kv, next, (kv) =>
          attempt(kv === undefined ? null : { object: decodeObject(kv), kv }, true),
        );
      // The mutant drops the precondition: whatever was written since the read is overwritten.
      const compare = this.opts.bugs?.has("kube-update-no-precondition")
        ? []
        : [{ key, target: "MOD" as const, result: "EQUAL" as const, modRevision: baseRv }];
      this.kv.txn(
        { compare, success: [{ requestPut: { key, value, prevKv: true } }], failure: [{ requestRange: { key } }] },
        (r) => {
          if (!r.ok) return cb(fromEtcd(r));
          if (r.value.succeeded) {
            const rv = r.value.header.revision;
            const written = owned ? stampRv(next, rv) : withRv(next, rv);
            const prev = putPrevKv(r.value);
            this.opts.observer?.write({ key, op: "update", baseRv, rv });
            this.opts.observer?.version(key, rv, prev?.createRevision ?? rv, written);
            return cb({ ok: true, value: written });
          }
          const kv = rangeKv(r.value);
          kubeProbe("kube.guaranteed-update-cas-retry");
          if (kv !== undefined) this.opts.observer?.version(key, kv.modRevision, kv.createRevision, decodeObject(kv));
          attempt(kv === undefined ? null : { object: decodeObject(kv), kv }, true);
        },
      );
    };
    // The update took off a terminating object's last finalizer: it is removed, not stored (Store.Update).
    const removeByUpdate = (kv: KeyValue, next: KubeObject, retry: (kv: KeyValue | undefined) => void) => {
      kubeProbe("kube.update-removed-finalized");
      this.opts.observer?.finalizing?.(key, kv.modRevision);
      this.removeIfUnchanged(kv, next, cb, retry);
    };
    if (suggestion !== undefined) {
      attempt(
        {
          object: suggestion,
          kv: {
            key,
            value: encodeObject(suggestion),
            modRevision: rvOf(suggestion),
            createRevision: 0,
            version: 0,
            lease: 0,
          },
        },
        false,
      );
    } else readFresh();
  }

  /**
   * Deletes the object if it still matches the preconditions; answers the deleted object (rv = the
   * deletion's revision). With `decide` (graceful deletion, graceful.ts), the stored object may instead be
   * replaced by its terminating version, compared on its mod_revision like any update, and answered as
   * stored; or be left as it is and answered so — either answer `accepted` (it is still there).
   */
  delete(
    key: string,
    pre: Preconditions,
    cb: (r: ApiResult<KubeObject>) => void,
    decide?: (cur: KubeObject) => DeleteDecision,
    /** Told the removed object's create revision, before cb, when the delete removed it. */
    removed?: (createRevision: number) => void,
  ): void {
    let attempts = 0;
    const attempt = (kv: KeyValue | undefined) => {
      if (kv === undefined) return cb(fail("NotFound", `${key} not found`));
      const cur = decodeObject(kv);
      const bad = checkPreconditions(key, pre, cur);
      if (bad !== undefined) {
        kubeProbe("kube.delete-precondition-failed");
        return cb({ ok: false, status: bad });
      }
      const decision = decide?.(cur);
      if (decision?.kind === "pending") {
        kubeProbe("kube.delete-already-terminating");
        return cb({ ok: true, value: cur, accepted: true });
      }
      if (++attempts > this.maxAttempts)
        return cb(fail("Conflict", `${key}: gave up after ${this.maxAttempts} conflicting attempts`));
      if (decision?.kind === "terminate") {
        kubeProbe("kube.delete-graceful");
        const next = decision.object;
        this.kv.txn(
          {
            compare: [{ key, target: "MOD", result: "EQUAL", modRevision: kv.modRevision }],
            success: [{ requestPut: { key, value: encodeObject(next), prevKv: true } }],
            failure: [{ requestRange: { key } }],
          },
          (r) => {
            if (!r.ok) return cb(fromEtcd(r));
            if (!r.value.succeeded) return attempt(rangeKv(r.value));
            const rv = r.value.header.revision;
            const written = withRv(next, rv);
            this.opts.observer?.write({ key, op: "update", baseRv: kv.modRevision, rv });
            this.opts.observer?.version(key, rv, kv.createRevision, written);
            cb({ ok: true, value: written, accepted: true });
          },
        );
        return;
      }
      this.removeIfUnchanged(kv, cur, cb, attempt, removed);
    };
    this.kv.range({ key }, (r) => (r.ok ? attempt(r.value.kvs[0]) : cb(fromEtcd(r))));
  }

  /**
   * Removes kv's key if its mod_revision is still kv's, answering `answer` stamped with the removal's
   * revision; otherwise hands the key's value now (or undefined: gone) to `retry`.
   */
  private removeIfUnchanged(
    kv: KeyValue,
    answer: KubeObject,
    cb: (r: ApiResult<KubeObject>) => void,
    retry: (kv: KeyValue | undefined) => void,
    removed?: (createRevision: number) => void,
  ): void {
    const key = kv.key;
    this.kv.txn(
      {
        compare: [{ key, target: "MOD", result: "EQUAL", modRevision: kv.modRevision }],
        success: [{ requestDeleteRange: { key, prevKv: true } }],
        failure: [{ requestRange: { key } }],
      },
      (r) => {
        if (!r.ok) return cb(fromEtcd(r));
        if (!r.value.succeeded) return retry(rangeKv(r.value));
        const rv = r.value.header.revision;
        this.opts.observer?.write({ key, op: "delete", baseRv: kv.modRevision, rv });
        this.opts.observer?.version(key, rv, undefined, null);
        removed?.(kv.createRevision);
        cb({ ok: true, value: withRv(answer, rv) });
      },
    );
  }

  /**
   * Watches every key under prefix for changes after revision rv (0: from now). Ends with an ERROR
   * event: Gone when rv + 1 was compacted ("too old resource version"), StreamBroken otherwise.
   */
  watch(prefix: string, rv: number, onEvent: (e: WatchEvent) => void): RegistryWatch {
    let done = false;
    let h: WatchHandle | undefined;
    let cancelSoon = false;
    const cancelEtcdWatch = () => (h !== undefined ? h.cancel() : (cancelSoon = true));
    h = this.kv.watch(
      {
        key: prefix,
        rangeEnd: prefixEndOf(prefix),
        startRevision: rv > 0 ? rv + 1 : 0,
        prevKv: true,
        progressNotify: true,
      },
      (resp: WatchResponse) => {
        if (done) return;
        if (resp.canceled) {
          done = true;
          if (resp.compactRevision !== undefined && resp.compactRevision > 0) {
            onEvent({
              type: "ERROR",
              status: status("Gone", `too old resource version: ${rv} (${resp.compactRevision})`),
            });
          } else
            onEvent({
              type: "ERROR",
              status: status("StreamBroken", `watch stream broken: ${resp.cancelReason ?? "canceled"}`),
            });
          return;
        }
        if (resp.created) return;
        if (resp.events.length === 0) {
          onEvent({ type: "BOOKMARK", resourceVersion: String(resp.header.revision) });
          return;
        }
        for (const e of resp.events) {
          if (e.type === "PUT") {
            const obj = decodeObject(e.kv);
            this.opts.observer?.version(e.kv.key, e.kv.modRevision, e.kv.createRevision, obj);
            onEvent({ type: e.kv.createRevision === e.kv.modRevision ? "ADDED" : "MODIFIED", object: obj });
          } else {
            this.opts.observer?.version(e.kv.key, e.kv.modRevision, undefined, null);
            // The deleted object is the previous value, stamped with the deletion's revision. etcd
            // omits prev_kv once revision − 1 is compacted (a watch that fell behind compaction):
            // the apiserver cannot say what was deleted, and Kubernetes ends the watch with an error
            // (etcd3 watcher parseEvent) and the reflector lists again. Dropping the event instead
            // left a deleted pod in an informer's cache (kube-informer-reliable, first seen at
            // controller-conflicts seed 77); kube-watch-drop-unknown-delete is that bug, and the
            // compacted-deletes scenario, whose members read prev_kv in their watch send loop, catches it.
            if (e.prevKv === undefined) {
              if (this.opts.bugs?.has("kube-watch-drop-unknown-delete")) continue;
              kubeProbe("kube.watch-delete-without-prev-kv");
              done = true;
              cancelEtcdWatch();
              onEvent({
                type: "ERROR",
                status: status(
                  "Gone",
                  `too old resource version: the value deleted from ${e.kv.key} at ${e.kv.modRevision} was compacted`,
                ),
              });
              return;
            }
            onEvent({ type: "DELETED", object: withRv(decodeObject(e.prevKv), e.kv.modRevision) });
          }
        }
      },
    );
    if (cancelSoon) h.cancel();
    return {
      etcdWatchId: h.watchId,
      cancel() {
        done = true;
        cancelEtcdWatch();
      },
      requestProgress() {
        if (!done) h.requestProgress?.();
      },
    };
  }
}

function checkPreconditions(key: string, pre: Preconditions, cur: KubeObject): ApiStatus | undefined {
  if (pre.uid !== undefined && pre.uid !== cur.metadata.uid) {
    return status(
      "Conflict",
      `Precondition failed for ${key}: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid ?? ""}`,
    );
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== cur.metadata.resourceVersion) {
    return status(
      "Conflict",
      `Precondition failed for ${key}: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion ?? ""}`,
    );
  }
  return undefined;
}

function putPrevKv(r: TxnResponse): KeyValue | undefined {
  const op = r.responses[0];
  return op !== undefined && "responsePut" in op ? op.responsePut.prevKv : undefined;
}

function rangeKv(r: TxnResponse): KeyValue | undefined {
  const op = r.responses[0];
  return op !== undefined && "responseRange" in op ? op.responseRange.kvs[0] : undefined;
}

function withRv<T extends KubeObject>(obj: T, rv: number): T {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}

/**
 * withRv(obj, rv) for an object the caller owns outright (obj and obj.metadata new, held by no one
 * else): obj itself with resourceVersion set in its metadata. When the metadata has no resourceVersion
 * field the two are the same tree, fields in the same order (the spread appends the field last, as
 * the assignment does), and nothing else sees the change; otherwise (or if it is frozen) it takes
 * withRv. Copying cost a megamorphic spread of two objects per acknowledged update.
 */
export function stampRv<T extends KubeObject>(obj: T, rv: number): T {
  const m = obj.metadata;
  if (Object.hasOwn(m, "resourceVersion") || !Object.isExtensible(m)) return withRv(obj, rv);
  m.resourceVersion = String(rv);
  return obj;
}

function parseContinue(token: string, prefix: string): { rv: number; start: string } | undefined {
  try {
    const t = JSON.parse(token) as { rv?: unknown; start?: unknown; prefix?: unknown };
    if (typeof t.rv !== "number" || typeof t.start !== "string" || t.prefix !== prefix || !t.start.startsWith(prefix))
      return undefined;
    return { rv: t.rv, start: t.start };
  } catch {
    return undefined;
  }
}

/** An etcd failure as the Status the apiserver answers. */
export function fromEtcd<T>(r: Extract<KvResult<unknown>, { ok: false }>): ApiResult<T> {
  const e: EtcdErrorCode = r.error;
  if (r.unknown || e === "timeout")
    return fail("Timeout", `etcd: ${e} (the request may or may not have taken effect)`, true);
  if (e === "compacted") return fail("Gone", "etcd: required revision has been compacted");
  return fail("InternalError", `etcd: ${e}`);
}
