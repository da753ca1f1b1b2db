// A deterministic, in-memory etcd for testing the Kubernetes layer without the Raft cluster: one
// linearizable store (revisions, per-key generations, compaction, watches with prev_kv and progress
// notifications) and a KV client per process that answers through that process's own timers with a
// latency, so callers run under the World exactly as they would against the real cluster.
//
// What it leaves out: leases never expire (grant/keep-alive/revoke only keep the bookkeeping), no
// auth, no sorting options other than by key ascending.
import { assert } from "../../core/assert.ts";
import type { Env, Random, TimerId } from "../../core/env.ts";
import type { Callback, KV, KvResult, WatchHandle } from "../../core/etcd/kv.ts";
import type {
  Compare,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  EtcdErrorCode,
  Event,
  KeyValue,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from "../../core/mvcc/rpc.ts";
import { prefixEndOf } from "../../core/kube/resources.ts";

interface Version {
  rev: number;
  createRevision: number;
  /** 0 = tombstone. */
  version: number;
  value: string;
  lease: number;
}

type Fail = { error: EtcdErrorCode };
const isFail = (x: unknown): x is Fail => typeof x === "object" && x !== null && "error" in x;

export interface FakeEtcdOptions {
  /** One-way latency range of a request and of its reply (µs, on the caller's clock). */
  latencyUs?: [number, number];
  /** Probability that a request times out: applied or not (half each), the caller learns nothing. */
  unknownP?: number;
  /** How long a caller waits before a timed-out request reports `unknown`. */
  timeoutUs?: number;
  /** Period of progress notifications to watches that asked for them. */
  progressIntervalUs?: number;
}

interface Watcher {
  id: number;
  req: WatchCreateRequest;
  end: string | null | undefined;
  deliver: (r: WatchResponse) => void;
  stop: () => void;
}

export class FakeEtcd {
  revision = 1;
  compactRevision = 0;
  private readonly keys = new Map<string, Version[]>();
  /** Events by revision, oldest first, for watches that start in the past. */
  private readonly log: { rev: number; events: Event[] }[] = [];
  private readonly watchers = new Map<number, Watcher>();
  private readonly clientsByProcess = new Map<string, Set<Watcher>>();
  private readonly commitListeners: ((revision: number, events: readonly Event[]) => void)[] = [];
  private nextWatchId = 1;
  private nextLeaseId = 1;
  private readonly leases = new Set<number>();
  readonly opts: Required<FakeEtcdOptions>;

  constructor(opts: FakeEtcdOptions = {}) {
    this.opts = { latencyUs: [200, 800], unknownP: 0, timeoutUs: 50_000, progressIntervalUs: 100_000, ...opts };
  }

  /** Called synchronously after every revision-raising transaction, in revision order. */
  onCommit(fn: (revision: number, events: readonly Event[]) => void): void {
    this.commitListeners.push(fn);
  }

  // ---- the store, answered synchronously ----

  private header(): ResponseHeader {
    return { revision: this.revision, raftTerm: 1 };
  }

  private at(key: string, rev: number): Version | undefined {
    const vs = this.keys.get(key);
    if (vs === undefined) return undefined;
    for (let i = vs.length - 1; i >= 0; i--) {
      const v = vs[i]!;
      if (v.rev <= rev) return v.version === 0 ? undefined : v;
    }
    return undefined;
  }

  private kv(key: string, v: Version): KeyValue {
    return {
      key,
      createRevision: v.createRevision,
      modRevision: v.rev,
      version: v.version,
      value: v.value,
      lease: v.lease,
    };
  }

  private keysIn(key: string, rangeEnd: string | undefined): string[] {
    const end = normalize(rangeEnd);
    if (end === undefined) return this.keys.has(key) ? [key] : [];
    return [...this.keys.keys()].filter((k) => k >= key && (end === null || k < end)).sort();
  }

  rangeNow(req: RangeRequest): RangeResponse | Fail {
    const rev = req.revision !== undefined && req.revision > 0 ? req.revision : this.revision;
    if (rev > this.revision) return { error: "future-revision" };
    if (rev < this.compactRevision) return { error: "compacted" };
    const all: KeyValue[] = [];
    for (const k of this.keysIn(req.key, req.rangeEnd)) {
      const v = this.at(k, rev);
      if (v === undefined) continue;
      if (req.minModRevision && v.rev < req.minModRevision) continue;
      if (req.maxModRevision && v.rev > req.maxModRevision) continue;
      all.push(this.kv(k, v));
    }
    if (req.sortOrder === "DESCEND") all.reverse();
    const limit = req.limit ?? 0;
    const kvs = req.countOnly ? [] : limit > 0 ? all.slice(0, limit) : all;
    if (req.keysOnly) for (const kv of kvs) kv.value = "";
    return { header: this.header(), kvs, more: limit > 0 && all.length > limit, count: all.length };
  }

  putNow(req: PutRequest): PutResponse | Fail {
    const w = this.beginWrite();
    const r = w.put(req);
    w.commit();
    return isFail(r) ? r : { ...r, header: this.header() };
  }

  deleteRangeNow(req: DeleteRangeRequest): DeleteRangeResponse | Fail {
    const w = this.beginWrite();
    const r = w.deleteRange(req);
    w.commit();
    return { ...r, header: this.header() };
  }

  txnNow(req: TxnRequest): TxnResponse | Fail {
    for (const op of [...req.success, ...req.failure]) {
      if ("requestRange" in op) {
        const rev = op.requestRange.revision ?? 0;
        if (rev > 0 && rev < this.compactRevision) return { error: "compacted" };
        if (rev > this.revision) return { error: "future-revision" };
      }
      if ("requestPut" in op && op.requestPut.key === "") return { error: "empty-key" };
    }
    const succeeded = req.compare.every((c) => this.compare(c));
    const w = this.beginWrite();
    const responses: ResponseOp[] = [];
    for (const op of succeeded ? req.success : req.failure) {
      const r = this.runOp(w, op);
      if (isFail(r)) return r; // a failing op (unknown lease, ignore_value on a missing key) rejects the whole Txn
      responses.push(r);
    }
    w.commit();
    for (const r of responses) setHeader(r, this.header());
    return { header: this.header(), succeeded, responses };
  }

  compactNow(req: CompactionRequest): CompactionResponse | Fail {
    if (req.revision <= this.compactRevision) return { error: "compacted" };
    if (req.revision > this.revision) return { error: "future-revision" };
    const rev = req.revision;
    for (const [k, vs] of [...this.keys]) {
      let keep = 0;
      for (let i = vs.length - 1; i >= 0; i--)
        if (vs[i]!.rev <= rev) {
          keep = i;
          break;
        }
      const kept = vs.slice(keep);
      if (kept[0] !== undefined && kept[0].rev <= rev && kept[0].version === 0) kept.shift();
      if (kept.length === 0) this.keys.delete(k);
      else this.keys.set(k, kept);
    }
    this.compactRevision = rev;
    while (this.log.length > 0 && this.log[0]!.rev < rev) this.log.shift();
    return { header: this.header() };
  }

  private compare(c: Compare): boolean {
    const keys = normalize(c.rangeEnd) === undefined ? [c.key] : this.keysIn(c.key, c.rangeEnd);
    if (keys.length === 0) keys.push(c.key);
    return keys.every((k) => {
      const v = this.at(k, this.revision);
      let actual: number | string;
      let expected: number | string;
      switch (c.target) {
        case "MOD":
          actual = v?.rev ?? 0;
          expected = c.modRevision ?? 0;
          break;
        case "CREATE":
          actual = v?.createRevision ?? 0;
          expected = c.createRevision ?? 0;
          break;
        case "VERSION":
          actual = v?.version ?? 0;
          expected = c.version ?? 0;
          break;
        case "LEASE":
          actual = v?.lease ?? 0;
          expected = c.lease ?? 0;
          break;
        case "VALUE":
          if (v === undefined) return false;
          actual = v.value;
          expected = c.value ?? "";
          break;
      }
      switch (c.result) {
        case "EQUAL":
          return actual === expected;
        case "NOT_EQUAL":
          return actual !== expected;
        case "GREATER":
          return actual > expected;
        case "LESS":
          return actual < expected;
      }
    });
  }

  private runOp(w: WriteTxn, op: RequestOp): ResponseOp | Fail {
    if ("requestRange" in op) {
      const r = this.rangeNow(op.requestRange);
      return isFail(r) ? r : { responseRange: r };
    }
    if ("requestPut" in op) {
      const r = w.put(op.requestPut);
      return isFail(r) ? r : { responsePut: { ...r, header: this.header() } };
    }
    if ("requestDeleteRange" in op)
      return { responseDeleteRange: { ...w.deleteRange(op.requestDeleteRange), header: this.header() } };
    return { error: "too-many-ops" }; // nested Txn: not needed by the registry
  }

  private beginWrite(): WriteTxn {
    const rev = this.revision + 1;
    const events: Event[] = [];
    const store = this;
    return {
      put(req) {
        if (req.key === "") return { error: "empty-key" };
        if (req.lease && !store.leases.has(req.lease)) return { error: "lease-not-found" };
        const prev = store.at(req.key, rev); // sees this Txn's own earlier writes
        const v: Version = {
          rev,
          createRevision: prev?.createRevision ?? rev,
          version: (prev?.version ?? 0) + 1,
          value: req.value,
          lease: req.lease ?? 0,
        };
        store.append(req.key, v);
        const kv = store.kv(req.key, v);
        events.push(prev ? { type: "PUT", kv, prevKv: store.kv(req.key, prev) } : { type: "PUT", kv });
        return req.prevKv && prev ? { prevKv: store.kv(req.key, prev) } : {};
      },
      deleteRange(req) {
        const prevKvs: KeyValue[] = [];
        for (const k of store.keysIn(req.key, req.rangeEnd)) {
          const prev = store.at(k, rev);
          if (prev === undefined) continue;
          store.append(k, { rev, createRevision: 0, version: 0, value: "", lease: 0 });
          const pkv = store.kv(k, prev);
          prevKvs.push(pkv);
          events.push({
            type: "DELETE",
            kv: { key: k, createRevision: 0, modRevision: rev, version: 0, value: "", lease: 0 },
            prevKv: pkv,
          });
        }
        return { deleted: prevKvs.length, prevKvs: req.prevKv ? prevKvs : [] };
      },
      commit() {
        if (events.length === 0) return;
        store.revision = rev;
        store.log.push({ rev, events });
        for (const l of store.commitListeners) l(rev, events);
        for (const w of [...store.watchers.values()]) store.notify(w, rev, events);
      },
    };
  }

  private append(key: string, v: Version): void {
    const vs = this.keys.get(key);
    if (vs === undefined) this.keys.set(key, [v]);
    else if (vs[vs.length - 1]!.rev === v.rev)
      vs[vs.length - 1] = v; // the same key twice in one Txn
    else vs.push(v);
  }

  private notify(w: Watcher, rev: number, events: readonly Event[]): void {
    const start = w.req.startRevision ?? 0;
    if (start > rev) return;
    const mine = events.filter((e) => inRange(e.kv.key, w.req.key, w.end) && !filtered(w.req, e));
    if (mine.length === 0) return;
    w.deliver({
      header: { revision: rev, raftTerm: 1 },
      watchId: w.id,
      events: mine.map((e) => (w.req.prevKv ? e : { type: e.type, kv: e.kv })),
    });
  }

  // ---- leases: bookkeeping only ----
  leaseGrantNow(req: LeaseGrantRequest): LeaseGrantResponse | Fail {
    const id = req.ID && req.ID > 0 ? req.ID : this.nextLeaseId++;
    if (this.leases.has(id)) return { error: "lease-exists" };
    this.leases.add(id);
    return { header: this.header(), ID: id, TTL: req.TTL };
  }
  leaseRevokeNow(req: LeaseRevokeRequest): LeaseRevokeResponse | Fail {
    if (!this.leases.delete(req.ID)) return { error: "lease-not-found" };
    return { header: this.header() };
  }
  leaseKeepAliveNow(req: LeaseKeepAliveRequest): LeaseKeepAliveResponse | Fail {
    if (!this.leases.has(req.ID)) return { error: "lease-not-found" };
    return { header: this.header(), ID: req.ID, TTL: 60 };
  }

  // ---- watches ----

  /**
   * Opens a watch whose responses go to `deliver` (already in order). Replays history from
   * startRevision; a start below the compact revision is cancelled with compactRevision set.
   */
  openWatch(req: WatchCreateRequest, deliver: (r: WatchResponse) => void, stop: () => void = () => {}): Watcher {
    const id = this.nextWatchId++;
    const w: Watcher = { id, req: { ...req }, end: normalize(req.rangeEnd), deliver, stop };
    deliver({ header: this.header(), watchId: id, created: true, events: [] });
    const start = req.startRevision ?? 0;
    if (start > 0 && start < this.compactRevision) {
      deliver({
        header: this.header(),
        watchId: id,
        canceled: true,
        compactRevision: this.compactRevision,
        events: [],
      });
      return w;
    }
    if (start <= 0) w.req.startRevision = this.revision + 1;
    else for (const entry of this.log) if (entry.rev >= start) this.notify(w, entry.rev, entry.events);
    this.watchers.set(id, w);
    return w;
  }

  cancelWatch(id: number): void {
    const w = this.watchers.get(id);
    if (w === undefined) return;
    this.watchers.delete(id);
    w.stop();
  }

  /** Breaks every open watch (or one process's), as a member crash or a partition would. */
  breakWatches(processId?: string): void {
    const ws =
      processId === undefined ? [...this.watchers.values()] : [...(this.clientsByProcess.get(processId) ?? [])];
    for (const w of ws) {
      if (!this.watchers.has(w.id)) continue;
      this.cancelWatch(w.id);
      w.deliver({ header: this.header(), watchId: w.id, canceled: true, cancelReason: "stream broken", events: [] });
    }
  }

  /** Progress notification for one watch (the store is always synced: every commit is delivered at once). */
  private progress(w: Watcher): void {
    if (!this.watchers.has(w.id)) return;
    if (this.revision < (w.req.startRevision ?? 0)) return;
    w.deliver({ header: this.header(), watchId: w.id, events: [] });
  }

  // ---- the client ----

  /**
   * A KV for one process: every request travels with a latency on that process's timers, so a
   * crash loses requests in flight and a pause delays them. A process that gets a new client
   * (after a restart) drops the watches of its previous incarnation.
   */
  client(env: Env, rng: Random = env.rng.fork("fake-etcd")): KV {
    const store = this;
    const old = this.clientsByProcess.get(env.id);
    if (old !== undefined) for (const w of old) this.cancelWatch(w.id);
    const mine = new Set<Watcher>();
    this.clientsByProcess.set(env.id, mine);
    const [lo, hi] = this.opts.latencyUs;
    const lat = () => rng.int(lo, hi);

    function call<T>(apply: () => T | Fail, cb: Callback<T>): void {
      if (store.opts.unknownP > 0 && rng.chance(store.opts.unknownP)) {
        const applied = rng.chance(0.5);
        env.setTimer(lat(), () => {
          if (applied) apply();
        });
        env.setTimer(store.opts.timeoutUs, () => cb({ ok: false, error: "timeout", unknown: true }));
        return;
      }
      env.setTimer(lat(), () => {
        const r = apply();
        const out: KvResult<T> = isFail(r) ? { ok: false, error: r.error, unknown: false } : { ok: true, value: r };
        env.setTimer(lat(), () => cb(out));
      });
    }

    return {
      range: (req, cb) => call(() => store.rangeNow(req), cb),
      put: (req, cb) => call(() => store.putNow(req), cb),
      deleteRange: (req, cb) => call(() => store.deleteRangeNow(req), cb),
      txn: (req, cb) => call(() => store.txnNow(req), cb),
      compact: (req, cb) => call(() => store.compactNow(req), cb),
      leaseGrant: (req, cb) => call(() => store.leaseGrantNow(req), cb),
      leaseRevoke: (req, cb) => call(() => store.leaseRevokeNow(req), cb),
      leaseKeepAlive: (req, cb) => call(() => store.leaseKeepAliveNow(req), cb),
      watch(req, onResponse): WatchHandle {
        // Responses queue up and leave in order, one latency after the first of a batch.
        const queue: WatchResponse[] = [];
        let flushTimer: TimerId | undefined;
        let progressTimer: TimerId | undefined;
        let closed = false;
        const flush = () => {
          flushTimer = undefined;
          const batch = queue.splice(0);
          for (const r of batch) {
            if (closed && !r.canceled) continue;
            onResponse(r);
          }
        };
        const deliver = (r: WatchResponse) => {
          queue.push(r);
          if (flushTimer === undefined) flushTimer = env.setTimer(lat(), flush);
        };
        const stop = () => {
          closed = true;
          if (progressTimer !== undefined) env.cancelTimer(progressTimer);
          mine.delete(w);
        };
        let w!: Watcher;
        env.setTimer(lat(), () => {
          if (closed) return;
          w = store.openWatch(req, deliver, stop);
          if (!store.watchers.has(w.id)) return; // cancelled at once (compacted start revision)
          mine.add(w);
          if (req.progressNotify) {
            const tick = () => {
              store.progress(w);
              progressTimer = env.setTimer(store.opts.progressIntervalUs, tick);
            };
            progressTimer = env.setTimer(store.opts.progressIntervalUs, tick);
          }
        });
        return {
          get watchId() {
            return w?.id ?? 0;
          },
          cancel() {
            if (closed) return;
            closed = true;
            if (w !== undefined) store.cancelWatch(w.id);
          },
        };
      },
    };
  }

  // ---- inspection for tests and the harness ----

  /** The live key-values under a prefix, at the newest revision. */
  dump(prefix = ""): KeyValue[] {
    const r = this.rangeNow({ key: prefix, rangeEnd: prefix === "" ? "\0" : prefixEndOf(prefix) });
    assert(!isFail(r), "reading the latest revision cannot fail");
    return r.kvs;
  }

  get openWatches(): number {
    return this.watchers.size;
  }
}

interface WriteTxn {
  put(req: PutRequest): Omit<PutResponse, "header"> | Fail;
  deleteRange(req: DeleteRangeRequest): Omit<DeleteRangeResponse, "header">;
  commit(): void;
}

function setHeader(r: ResponseOp, h: ResponseHeader): void {
  if ("responsePut" in r) r.responsePut.header = h;
  else if ("responseDeleteRange" in r) r.responseDeleteRange.header = h;
}

function normalize(rangeEnd: string | undefined): string | null | undefined {
  if (rangeEnd === undefined || rangeEnd === "") return undefined;
  if (rangeEnd === "\0") return null;
  return rangeEnd;
}

function inRange(k: string, key: string, end: string | null | undefined): boolean {
  if (end === undefined) return k === key;
  return k >= key && (end === null || k < end);
}

function filtered(req: WatchCreateRequest, e: Event): boolean {
  return (
    (e.type === "PUT" && req.filters?.includes("NOPUT") === true) ||
    (e.type === "DELETE" && req.filters?.includes("NODELETE") === true)
  );
}
