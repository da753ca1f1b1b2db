// The etcd MVCC store: a key index with per-key history (generations and tombstones), revisions,
// Range/Put/DeleteRange/Txn/Compact and the lease operations, reproducing etcd 3.4's
// applierV3backend + mvcc.store field by field (checked against a real etcd in differential.test.ts).
//
// Pure and deterministic: no clock (lease expiry takes the caller's time), no I/O, no randomness.
// Expected failures (compacted, future revision, unknown lease, ...) are returned as `{ error }`
// values; a broken invariant throws an AssertionFailure.
import { assert } from "../assert.ts";
import { BugSet } from "../bugs.ts";
import { checkPutRequest, checkRequest, checkTxn, DEFAULT_MAX_TXN_OPS } from "./checks.ts";
import { Fnv1a } from "./hash.ts";
import { Change, KeyHistory, toKeyValue } from "./key-history.ts";
import { normalizeRangeEnd, SortedKeys } from "./keys.ts";
import { Lessor, MAX_LEASE_TTL, type LessorOptions, type LessorSnapshot } from "./lease.ts";
import { finishRange, indexLimit } from "./range-options.ts";
import type {
  Compare,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  EtcdError,
  EtcdErrorCode,
  EtcdRequest,
  EtcdResponse,
  KeyValue,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from "./rpc.ts";
import { probesOf } from "../probes.ts";
import { MVCC_PROBES } from "./probes.ts";

const probe = probesOf(MVCC_PROBES);

export interface StoreOptions {
  /** Mutants switched on for this run (the store honours mvcc-txn-compare-ignored). */
  bugs?: BugSet;
  lessor?: LessorOptions;
  /** etcd's --max-txn-ops. */
  maxTxnOps?: number;
}

/** Per-call context of a replicated request. */
export interface ApplyContext {
  /** The member's current term, copied into the response header. */
  raftTerm?: number;
  /** The member's clock in µs, for lease expiry (only a primary lessor uses it). */
  nowUs?: number;
  /**
   * Skip the state checks of validate() (compacted/future ranges, unknown leases, ignore_* on a
   * missing key). Only for a member modelling etcd #18667, where some members did not check.
   */
  skipValidation?: boolean;
}

/** Told about every committed write, once per revision, and about restores. */
export interface CommitListener {
  /** keys[i] was changed by changes[i]; all share `revision`, in sub-revision order. */
  onCommit(revision: number, keys: readonly string[], changes: readonly Change[]): void;
  /** The whole state was replaced by restore(). */
  onRestore(): void;
}

export interface HashKVResult {
  hash: number;
  /** The store's current revision. */
  revision: number;
  compactRevision: number;
}

/** The whole store as plain data (JSON-safe). Changes are [main, sub, createRevision, version, value, lease]. */
export interface MvccSnapshot {
  revision: number;
  compactRevision: number;
  keys: { key: string; changes: [number, number, number, number, string, number][] }[];
  lessor: LessorSnapshot;
}

export function isEtcdError(x: unknown): x is EtcdError {
  return typeof x === "object" && x !== null && "error" in x;
}

const fail = (error: EtcdErrorCode): EtcdError => ({ error });

/** Cursor along a Txn's flattened compare path (etcd's txnPath, pre-order over the chosen branches). */
interface PathCursor {
  i: number;
}

export class MvccStore {
  readonly lessor: Lessor;
  private readonly bugs: BugSet;
  private readonly servesFutureReads: boolean;
  private readonly nestedCompareLate: boolean;
  private readonly compactsFuture: boolean;
  private readonly dropsRecreated: boolean;
  private readonly keepsOldLease: boolean;
  /** MUTANT mvcc-delete-keeps-lease-attachment: a deleted key stays attached to its lease. */
  private readonly deleteKeepsLease: boolean;
  private readonly revokeSkipsEmpty: boolean;
  private readonly maxTxnOps: number;
  private index = new Map<string, KeyHistory>();
  private sortedKeys = new SortedKeys();
  private currentRev = 1;
  /** etcd's compactMainRev: -1 until the first compaction (Compact(0) on a fresh store is legal). */
  private compactRev = -1;
  /** Every change with main >= compactRev, in (main, sub) order: the source of watch catch-up. */
  private readonly logKeys: string[] = [];
  private readonly logChanges: Change[] = [];
  private writing = false;
  private txnChanges = 0;
  private txnLogStart = 0;
  private listener: CommitListener | undefined;
  /**
   * txn's compare path, reused from one Txn to the next (a push onto a fresh [] reserves 16+ slots per
   * Txn): cleared at the start of txn and read only until its execTxn returns, before the commit is
   * announced, so nothing a listener does can meet it half-built.
   */
  private readonly txnPath: boolean[] = [];

  constructor(opts: StoreOptions = {}) {
    this.bugs = opts.bugs ?? BugSet.none;
    this.servesFutureReads = this.bugs.has("mvcc-range-future-revision-served");
    this.nestedCompareLate = this.bugs.has("mvcc-txn-nested-compare-late");
    this.compactsFuture = this.bugs.has("mvcc-compact-future-accepted");
    this.dropsRecreated = this.bugs.has("mvcc-compact-drops-recreated-key");
    this.keepsOldLease = this.bugs.has("mvcc-put-keeps-old-lease");
    this.deleteKeepsLease = this.bugs.has("mvcc-delete-keeps-lease-attachment");
    this.revokeSkipsEmpty = this.bugs.has("mvcc-revoke-skips-empty-lease");
    this.maxTxnOps = opts.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
    const lessorBugs = {
      regrantReplaces: this.bugs.has("etcd-lease-regrant-replaces"),
      promoteUnscheduled: this.bugs.has("etcd-lease-promote-unscheduled"),
      checkpointUnscheduledOnPromote: this.bugs.has("etcd-lease-checkpoint-unscheduled-on-promote"),
      checkpointNotPersisted: this.bugs.has("etcd-lease-checkpoint-not-persisted"),
    };
    this.lessor = new Lessor(
      Object.values(lessorBugs).some((on) => on) ? { ...opts.lessor, ...lessorBugs } : opts.lessor,
    );
  }

  /** The revision of the last write (1 for an empty store). */
  get revision(): number {
    return this.currentRev;
  }

  /** The last compaction's revision; -1 if never compacted. */
  get compactRevision(): number {
    return this.compactRev;
  }

  /** The number of keys in the index (live or with retained history). */
  get indexedKeys(): number {
    return this.index.size;
  }

  setListener(listener: CommitListener | undefined): void {
    assert(listener === undefined || this.listener === undefined, "the store already has a listener");
    this.listener = listener;
  }

  // ---- the request dispatcher a member uses -------------------------------------------------

  /** Static checks, state checks (unless ctx.skipValidation), then the request itself. */
  apply(req: EtcdRequest, ctx: ApplyContext = {}): EtcdResponse | EtcdError {
    return this.applyWith(req, ctx.raftTerm ?? 0, ctx.nowUs ?? 0, ctx.skipValidation);
  }

  /** apply(req, { raftTerm: term, nowUs, skipValidation }), the context as arguments (a member's apply loop: no object per entry). */
  applyWith(req: EtcdRequest, term: number, nowUs: number, skipValidation?: boolean): EtcdResponse | EtcdError {
    switch (req.kind) {
      case "range": {
        const r = this.range(req.range, term);
        return isEtcdError(r) ? r : { kind: "range", range: r };
      }
      case "put": {
        const r = this.put(req.put, term, skipValidation);
        return isEtcdError(r) ? r : { kind: "put", put: r };
      }
      case "deleteRange": {
        const r = this.deleteRange(req.deleteRange, term);
        return isEtcdError(r) ? r : { kind: "deleteRange", deleteRange: r };
      }
      case "txn": {
        const r = this.txn(req.txn, term, skipValidation);
        return isEtcdError(r) ? r : { kind: "txn", txn: r };
      }
      case "compact": {
        const r = this.compact(req.compact, term);
        return isEtcdError(r) ? r : { kind: "compact", compact: r };
      }
      case "leaseGrant": {
        const r = this.leaseGrant(req.leaseGrant, term, nowUs);
        return isEtcdError(r) ? r : { kind: "leaseGrant", leaseGrant: r };
      }
      case "leaseRevoke": {
        const r = this.leaseRevoke(req.leaseRevoke, term);
        return isEtcdError(r) ? r : { kind: "leaseRevoke", leaseRevoke: r };
      }
      case "leaseKeepAlive": {
        const r = this.leaseKeepAlive(req.leaseKeepAlive, term, nowUs);
        return isEtcdError(r) ? r : { kind: "leaseKeepAlive", leaseKeepAlive: r };
      }
      case "leaseTimeToLive":
        return { kind: "leaseTimeToLive", leaseTimeToLive: this.leaseTimeToLive(req.leaseTimeToLive, term, nowUs) };
    }
  }

  /**
   * applyWith for a member that will not answer the request (it did not receive it from the client): the
   * same checks, state changes, commit announcements and probes, but no response is built — a follower
   * applies every write, and its answer was thrown away. Returns the error the answer would have carried.
   * Puts, deletes and Txns go their own way (their responses are the costly ones: a Txn's reads, prev_kv);
   * the rest through applyWith.
   */
  applyUnanswered(req: EtcdRequest, term: number, nowUs: number, skipValidation?: boolean): EtcdError | undefined {
    switch (req.kind) {
      case "put": {
        const bad =
          this.putStaticError(req.put) ?? (skipValidation === true ? undefined : this.checkStandalonePut(req.put));
        if (bad !== undefined) return fail(bad);
        this.beginWrite();
        this.writePut(req.put);
        this.endWrite();
        return undefined;
      }
      case "deleteRange": {
        if (req.deleteRange.key === "") return fail("empty-key");
        this.beginWrite();
        this.writeDelete(req.deleteRange);
        this.endWrite();
        return undefined;
      }
      case "txn": {
        const txn = req.txn;
        const bad = this.txnStaticError(txn);
        if (bad !== undefined) return fail(bad);
        const path = this.txnPath;
        while (path.length > 0) path.pop();
        this.compareToPath(txn, path);
        if (skipValidation !== true) {
          const err = this.checkTxnState(txn, path);
          if (err !== undefined) return fail(err);
        }
        const write = !isTxnReadonly(txn);
        if (write) this.beginWrite();
        this.runTxnUnanswered(txn, path, { i: 0 });
        if (write) this.endWrite();
        return undefined;
      }
      default: {
        const r = this.applyWith(req, term, nowUs, skipValidation);
        return isEtcdError(r) ? r : undefined;
      }
    }
  }

  /**
   * Would this request be rejected, and why? The request-only checks of etcd's gRPC layer plus the
   * checks etcd makes against the state before applying (identically on every member): a Range
   * (alone or in the chosen Txn branch) at a compacted or future revision, a Put with an unknown
   * lease or with ignore_value/ignore_lease on a missing key, Compact bounds, lease existence.
   */
  validate(req: EtcdRequest): EtcdErrorCode | undefined {
    const bad =
      req.kind === "txn"
        ? this.txnStaticError(req.txn)
        : req.kind === "put"
          ? this.putStaticError(req.put)
          : checkRequest(req, this.maxTxnOps);
    if (bad !== undefined) return bad;
    switch (req.kind) {
      case "range":
        return this.checkRangeRevision(req.range.revision ?? 0, true);
      case "put":
        return this.checkStandalonePut(req.put);
      case "deleteRange":
        return undefined;
      case "txn": {
        const path: boolean[] = [];
        this.compareToPath(req.txn, path);
        return this.checkTxnState(req.txn, path);
      }
      case "compact":
        return this.checkCompact(req.compact.revision);
      case "leaseGrant":
        if (req.leaseGrant.TTL > MAX_LEASE_TTL) return "lease-ttl-too-large";
        return (req.leaseGrant.ID ?? 0) !== 0 &&
          this.lessor.lookup(req.leaseGrant.ID ?? 0) !== undefined &&
          !this.bugs.has("etcd-lease-regrant-replaces")
          ? "lease-exists"
          : undefined;
      case "leaseRevoke":
        return this.lessor.lookup(req.leaseRevoke.ID) === undefined ? "lease-not-found" : undefined;
      case "leaseKeepAlive":
      case "leaseTimeToLive":
        return undefined;
    }
  }

  // ---- KV ------------------------------------------------------------------------------------

  range(req: RangeRequest, raftTerm = 0): RangeResponse | EtcdError {
    if (req.key === "") return fail("empty-key");
    const r = this.readRange(req, this.currentRev);
    if (!isEtcdError(r)) r.header.raftTerm = raftTerm;
    return r;
  }

  put(req: PutRequest, raftTerm = 0, skipValidation = false): PutResponse | EtcdError {
    const bad = this.putStaticError(req) ?? (skipValidation ? undefined : this.checkStandalonePut(req));
    if (bad !== undefined) return fail(bad);
    this.beginWrite();
    const resp = this.execPut(req);
    this.endWrite();
    resp.header.raftTerm = raftTerm;
    return resp;
  }

  deleteRange(req: DeleteRangeRequest, raftTerm = 0): DeleteRangeResponse | EtcdError {
    if (req.key === "") return fail("empty-key");
    this.beginWrite();
    const resp = this.execDelete(req);
    this.endWrite();
    resp.header.raftTerm = raftTerm;
    return resp;
  }

  /** The request-only checks of a Put (etcd's gRPC layer); the mutant takes a value with ignore_value, a lease with ignore_lease. */
  private putStaticError(req: PutRequest): EtcdErrorCode | undefined {
    const bad = checkPutRequest(req);
    return (bad === "value-provided" || bad === "lease-provided") && this.bugs.has("mvcc-put-ignore-flags-unchecked")
      ? undefined
      : bad;
  }

  /** The request-only checks of a Txn (etcd's gRPC layer); the mutant takes a branch that writes one key twice. */
  private txnStaticError(txn: TxnRequest): EtcdErrorCode | undefined {
    const bad = checkTxn(txn, this.maxTxnOps);
    if (bad === undefined && this.bugs.has("mvcc-txn-nested-branches-refused") && nestedBranchesShareAPut(txn))
      return "duplicate-key";
    return bad === "duplicate-key" && this.bugs.has("mvcc-txn-duplicate-put-accepted") ? undefined : bad;
  }

  txn(req: TxnRequest, raftTerm = 0, skipValidation = false): TxnResponse | EtcdError {
    const bad = this.txnStaticError(req);
    if (bad !== undefined) return fail(bad);
    // Every compare of the chosen path, nested ones included, sees the state before the Txn.
    const path = this.txnPath;
    // Emptied by pops, not `length = 0` (a runtime call that drops the backing store the next push regrows).
    while (path.length > 0) path.pop();
    this.compareToPath(req, path);
    if (!skipValidation) {
      const err = this.checkTxnState(req, path);
      if (err !== undefined) return fail(err);
    }
    const write = !isTxnReadonly(req);
    if (write) this.beginWrite();
    const resp = this.execTxn(req, path, { i: 0 });
    const revision = write ? this.endWrite() : this.currentRev;
    // execTxn's header is its own fresh object: set in place (the same fields, in the same order).
    resp.header.revision = revision;
    resp.header.raftTerm = raftTerm;
    return resp;
  }

  compact(req: CompactionRequest, raftTerm = 0): CompactionResponse | EtcdError {
    const bad = this.checkCompact(req.revision);
    if (bad !== undefined) return fail(bad);
    const rev = req.revision;
    this.compactRev = rev;
    let removed = false;
    for (const [key, kh] of this.index) {
      if (!kh.compact(rev, this.dropsRecreated)) {
        this.index.delete(key);
        removed = true;
      }
    }
    if (removed) this.sortedKeys.retain((k) => this.index.has(k));
    const cut = firstLogIndexAtOrAfter(this.logChanges, rev);
    if (cut > 0) {
      this.logKeys.splice(0, cut);
      this.logChanges.splice(0, cut);
    }
    assert(this.compactRev <= this.currentRev, "compact revision <= current revision");
    return { header: { revision: this.currentRev, raftTerm } };
  }

  // ---- leases --------------------------------------------------------------------------------

  /** ID 0 lets the store choose (deterministically, the same on every member). */
  leaseGrant(req: LeaseGrantRequest, raftTerm = 0, nowUs = 0): LeaseGrantResponse | EtcdError {
    const id = (req.ID ?? 0) !== 0 ? (req.ID as number) : this.lessor.chooseId();
    const l = this.lessor.grant(id, req.TTL, nowUs);
    if ("error" in l) return l;
    return { header: { revision: this.currentRev, raftTerm }, ID: l.ID, TTL: l.TTL };
  }

  /** Deletes the lease's keys in one revision (none if it held no live key), then the lease. */
  leaseRevoke(req: LeaseRevokeRequest, raftTerm = 0): LeaseRevokeResponse | EtcdError {
    const lease = this.lessor.lookup(req.ID);
    if (lease === undefined) return fail("lease-not-found");
    // Sorted, so every member writes the same sub-revisions (etcd sorts for the same reason).
    const keys = [...lease.keys].sort();
    if (keys.length > 0) probe("mvcc.lease-revoked-with-keys");
    // MUTANT mvcc-revoke-skips-empty-lease: nothing to delete, so the revoke returns with the lease alive.
    if (keys.length === 0 && this.revokeSkipsEmpty) return { header: { revision: this.currentRev, raftTerm } };
    this.beginWrite();
    for (const key of keys) this.execDelete({ key });
    this.lessor.remove(req.ID);
    this.endWrite();
    return { header: { revision: this.currentRev, raftTerm } };
  }

  /** Renews on the primary. An unknown lease answers TTL 0 (etcd's keep-alive stream does not fail). */
  leaseKeepAlive(
    req: LeaseKeepAliveRequest,
    raftTerm = 0,
    nowUs = 0,
    fromRemaining = false,
  ): LeaseKeepAliveResponse | EtcdError {
    const r = this.lessor.renew(req.ID, nowUs, fromRemaining);
    const header = { revision: this.currentRev, raftTerm };
    if ("error" in r) return r.error === "lease-not-found" ? { header, ID: req.ID, TTL: 0 } : r;
    return { header, ID: r.ID, TTL: r.TTL };
  }

  leaseTimeToLive(req: LeaseTimeToLiveRequest, raftTerm = 0, nowUs = 0): LeaseTimeToLiveResponse {
    const l = this.lessor.lookup(req.ID);
    return {
      header: { revision: this.currentRev, raftTerm },
      ID: req.ID,
      TTL: this.lessor.remainingSeconds(req.ID, nowUs),
      grantedTTL: l?.TTL ?? 0,
      keys: l !== undefined && req.keys === true ? [...l.keys].sort() : [],
    };
  }

  // ---- cross-member checks, snapshots ---------------------------------------------------------

  /**
   * A HashKV-style hash of every retained change with revision <= rev (0 = current), keys in order.
   * Members with the same history and compactions agree; etcd's error rules for rev apply.
   */
  hashKV(rev = 0): HashKVResult | EtcdError {
    if (rev > 0 && rev <= this.compactRev) return fail("compacted");
    if (rev > 0 && rev > this.currentRev) return fail("future-revision");
    const at = rev === 0 ? this.currentRev : rev;
    const h = new Fnv1a();
    for (const key of this.sortedKeys.all()) {
      const kh = this.index.get(key) as KeyHistory;
      for (const c of kh.changes) {
        if (c.main > at) break;
        h.string(key).int(c.main).int(c.sub).int(c.createRevision).int(c.version).string(c.value).int(c.lease);
      }
    }
    return { hash: h.digest(), revision: this.currentRev, compactRevision: this.compactRev };
  }

  snapshot(): MvccSnapshot {
    assert(!this.writing, "snapshot during a write");
    // Loops, not map(): optimized map() makes holey arrays where the builtin made packed ones, and restore()
    // (on every member that installs the snapshot) met a second array kind mid-run.
    const keys: MvccSnapshot["keys"] = [];
    for (const key of this.sortedKeys.all()) {
      const changes: MvccSnapshot["keys"][number]["changes"] = [];
      for (const c of (this.index.get(key) as KeyHistory).changes)
        changes.push([c.main, c.sub, c.createRevision, c.version, c.value, c.lease]);
      keys.push({ key, changes });
    }
    return { revision: this.currentRev, compactRevision: this.compactRev, keys, lessor: this.lessor.snapshot() };
  }

  /** Replaces the whole state (a member installing a snapshot). nowUs restarts lease TTLs on a primary. */
  restore(s: MvccSnapshot, nowUs = 0): void {
    assert(!this.writing, "restore during a write");
    assert(s.compactRevision <= s.revision, "snapshot: compact revision <= revision");
    this.index = new Map();
    this.sortedKeys = new SortedKeys();
    this.currentRev = s.revision;
    this.compactRev = s.compactRevision;
    this.lessor.restore(s.lessor, nowUs);
    const log: { key: string; c: Change }[] = [];
    for (const { key, changes } of s.keys) {
      const kh = new KeyHistory(key);
      for (const [main, sub, createRevision, version, value, lease] of changes) {
        assert(main <= s.revision, "snapshot: change after the snapshot's revision");
        const c = new Change(main, sub, createRevision, version, value, lease);
        kh.append(c);
        if (main >= this.compactRev) log.push({ key, c });
      }
      if (kh.changes.length === 0) continue;
      this.index.set(key, kh);
      this.sortedKeys.add(key);
      const live = kh.latest();
      if (live !== undefined && live.lease !== 0) this.lessor.attach(live.lease, key);
    }
    log.sort((a, b) => a.c.main - b.c.main || a.c.sub - b.c.sub);
    // Refilled in place, not replaced by mapped copies: an empty mapped array holds small integers as far as
    // V8 can tell, and its first Change push turns it into another kind of array than the store's own —
    // every write path (record, beginWrite, endWrite, compact, the watch hub and the checkers given its
    // slices) was then deoptimized and compiled again. Nobody else holds these arrays (endWrite slices them).
    this.logKeys.length = 0;
    this.logChanges.length = 0;
    for (const e of log) {
      this.logKeys.push(e.key);
      this.logChanges.push(e.c);
    }
    this.listener?.onRestore();
  }

  static fromSnapshot(s: MvccSnapshot, opts: StoreOptions = {}, nowUs = 0): MvccStore {
    const store = new MvccStore(opts);
    store.restore(s, nowUs);
    return store;
  }

  // ---- reads used by the watch hub --------------------------------------------------------------

  /** The live pair of key as of rev, or undefined (deleted, absent, or rev compacted away). */
  kvAt(key: string, rev: number): KeyValue | undefined {
    if (rev < this.compactRev) return undefined;
    const c = this.index.get(key)?.at(rev);
    return c === undefined ? undefined : toKeyValue(key, c);
  }

  /**
   * Calls fn for each retained change with revision >= fromRev, in (revision, sub) order, until fn
   * returns false. Changes below the compact revision are gone (fromRev < compactRevision is the
   * caller's ErrCompacted).
   */
  forEachChangeSince(fromRev: number, fn: (key: string, change: Change) => boolean | void): void {
    const cs = this.logChanges;
    for (let i = firstLogIndexAtOrAfter(cs, fromRev); i < cs.length; i++) {
      if (fn(this.logKeys[i] as string, cs[i] as Change) === false) return;
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  private beginWrite(): void {
    assert(!this.writing, "nested write transaction");
    this.writing = true;
    this.txnChanges = 0;
    this.txnLogStart = this.logChanges.length;
  }

  /** Ends the write; the revision moves by one iff something changed. Returns the revision after. */
  private endWrite(): number {
    assert(this.writing, "endWrite without beginWrite");
    this.writing = false;
    if (this.txnChanges === 0) return this.currentRev;
    const before = this.currentRev;
    this.currentRev++;
    assert(this.currentRev === before + 1, "a write transaction raises the revision by exactly one");
    if (this.listener !== undefined) {
      this.listener.onCommit(
        this.currentRev,
        this.logKeys.slice(this.txnLogStart),
        this.logChanges.slice(this.txnLogStart),
      );
    }
    return this.currentRev;
  }

  /** The revision reads see inside the current write: the pending revision once something changed. */
  private viewRev(): number {
    return this.writing && this.txnChanges > 0 ? this.currentRev + 1 : this.currentRev;
  }

  private record(key: string, c: Change): void {
    this.txnChanges++;
    this.logKeys.push(key);
    this.logChanges.push(c);
  }

  private checkRangeRevision(rev: number, standalone: boolean): EtcdErrorCode | undefined {
    if (standalone) {
      // mvcc rangeKeys: future first, then <= 0 means current, then compacted.
      if (rev > this.currentRev) return this.servesFutureReads ? undefined : "future-revision";
      const at = rev <= 0 ? this.currentRev : rev;
      return at < this.compactRev ? "compacted" : undefined;
    }
    // etcd's checkRequestRange for Txn ops: only 0 means "latest", so a negative revision is
    // below FirstRev (the compact revision, -1 on a fresh store) and reported as compacted.
    if (rev === 0) return undefined;
    if (rev > this.currentRev) return "future-revision";
    if (rev < this.compactRev) return "compacted";
    return undefined;
  }

  /** The state checks of a standalone Put, in etcd's order: the lease, then ignore_* on a missing key. */
  private checkStandalonePut(req: PutRequest): EtcdErrorCode | undefined {
    const lease = req.lease ?? 0;
    if (lease !== 0 && this.lessor.lookup(lease) === undefined) return "lease-not-found";
    if ((req.ignoreValue === true || req.ignoreLease === true) && this.index.get(req.key)?.latest() === undefined)
      return "key-not-found";
    return undefined;
  }

  private checkCompact(rev: number): EtcdErrorCode | undefined {
    if (rev <= this.compactRev) return "compacted";
    // MUTANT mvcc-compact-future-accepted: the bound is not checked, and the store compacts past its end.
    if (rev > this.currentRev && !this.compactsFuture) return "future-revision";
    return undefined;
  }

  /** etcd's checkRequests: every Put of the chosen path first (checkPut), then every Range (checkRange). */
  private checkTxnState(req: TxnRequest, path: readonly boolean[]): EtcdErrorCode | undefined {
    return this.walkPath(req, path, { i: 0 }, "put") ?? this.walkPath(req, path, { i: 0 }, "range");
  }

  private walkPath(
    req: TxnRequest,
    path: readonly boolean[],
    cur: PathCursor,
    what: "put" | "range",
  ): EtcdErrorCode | undefined {
    const ops = path[cur.i++] === true ? req.success : req.failure;
    for (const op of ops) {
      let err: EtcdErrorCode | undefined;
      if ("requestTxn" in op) err = this.walkPath(op.requestTxn, path, cur, what);
      else if (what === "put" && "requestPut" in op) err = this.checkTxnPut(op.requestPut);
      else if (what === "range" && "requestRange" in op)
        err = this.checkRangeRevision(op.requestRange.revision ?? 0, false);
      if (err !== undefined) return err;
    }
    return undefined;
  }

  private checkTxnPut(req: PutRequest): EtcdErrorCode | undefined {
    if ((req.ignoreValue === true || req.ignoreLease === true) && this.index.get(req.key)?.latest() === undefined)
      return "key-not-found";
    const lease = req.lease ?? 0;
    if (lease !== 0 && this.lessor.lookup(lease) === undefined) return "lease-not-found";
    return undefined;
  }

  private compareToPath(req: TxnRequest, path: boolean[]): void {
    let ok = true;
    for (const c of req.compare) {
      if (!this.applyCompare(c)) {
        ok = false;
        break;
      }
    }
    path.push(ok);
    for (const op of ok ? req.success : req.failure) if ("requestTxn" in op) this.compareToPath(op.requestTxn, path);
  }

  /** A compare over a range must hold for every live key in it; no key compares as the zero pair (VALUE: false). */
  private applyCompare(c: Compare): boolean {
    if (c.target === "MOD" && this.bugs.has("mvcc-txn-compare-ignored")) return true;
    const end = normalizeRangeEnd(c.rangeEnd);
    if (end === undefined) {
      const live = this.index.get(c.key)?.latest();
      if (live === undefined) return c.target === "VALUE" ? false : compareKV(c, undefined);
      return compareKV(c, live);
    }
    let any = false;
    let all = true;
    this.sortedKeys.forEachInRange(c.key, end, (k) => {
      const live = (this.index.get(k) as KeyHistory).latest();
      if (live === undefined) return true;
      any = true;
      if (!compareKV(c, live)) {
        all = false;
        return false;
      }
      return true;
    });
    if (!any) return c.target === "VALUE" ? false : compareKV(c, undefined);
    return all;
  }

  /**
   * Whether a Txn's branch runs, as decided up front (compareToPath); the mutant judges a nested Txn's
   * compare only when the Txn runs, after the outer operations before it.
   */
  private branchTaken(req: TxnRequest, path: readonly boolean[], cur: PathCursor): boolean {
    const nested = cur.i > 0;
    const planned = path[cur.i++] === true;
    if (nested && this.nestedCompareLate) return req.compare.every((c) => this.applyCompare(c));
    return planned;
  }

  private execTxn(req: TxnRequest, path: readonly boolean[], cur: PathCursor): TxnResponse {
    const succeeded = this.branchTaken(req, path, cur);
    if (!succeeded && req.compare.length > 0) probe("mvcc.txn-compare-failed");
    const ops = succeeded ? req.success : req.failure;
    const responses: ResponseOp[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) responses[i] = this.execOp(ops[i] as RequestOp, path, cur);
    // A nested Txn's own header stays zero in etcd (newTxnResp); the caller sets the top one.
    return { header: { revision: 0, raftTerm: 0 }, succeeded, responses };
  }

  private execOp(op: RequestOp, path: readonly boolean[], cur: PathCursor): ResponseOp {
    if ("requestRange" in op) {
      const r = this.readRange(op.requestRange, this.viewRev());
      // Only reachable when validation was skipped (etcd panics here); answer an empty read.
      return { responseRange: isEtcdError(r) ? { header: header(this.viewRev()), kvs: [], more: false, count: 0 } : r };
    }
    if ("requestPut" in op) return { responsePut: this.execPut(op.requestPut) };
    if ("requestDeleteRange" in op) return { responseDeleteRange: this.execDelete(op.requestDeleteRange) };
    return { responseTxn: this.execTxn(op.requestTxn, path, cur) };
  }

  /**
   * execTxn without the responses (applyUnanswered): the chosen branch's writes, and of its reads only what
   * could count a probe. A read of one key is skipped once its revision checks are made (one pair at most
   * never crosses a limit, whatever the filters and sort); a read of a range runs as execTxn runs it.
   */
  private runTxnUnanswered(req: TxnRequest, path: readonly boolean[], cur: PathCursor): void {
    const succeeded = this.branchTaken(req, path, cur);
    if (!succeeded && req.compare.length > 0) probe("mvcc.txn-compare-failed");
    const ops = succeeded ? req.success : req.failure;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as RequestOp;
      if ("requestRange" in op) {
        const r = op.requestRange;
        if (normalizeRangeEnd(r.rangeEnd) !== undefined) this.readRange(r, this.viewRev());
        else this.checkReadRevision(r, this.viewRev());
      } else if ("requestPut" in op) this.writePut(op.requestPut);
      else if ("requestDeleteRange" in op) this.writeDelete(op.requestDeleteRange);
      else this.runTxnUnanswered(op.requestTxn, path, cur);
    }
  }

  /** readRange's revision checks alone (with its probe), for a read whose pairs nobody will see. */
  private checkReadRevision(req: RangeRequest, viewRev: number): void {
    let rev = req.revision ?? 0;
    if (rev > viewRev) return;
    if (rev <= 0) rev = viewRev;
    if (rev < this.compactRev) probe("mvcc.range-at-compacted-revision");
  }

  /** etcd's Range at a view revision (the current one, or the pending one inside a write). */
  private readRange(req: RangeRequest, viewRev: number): RangeResponse | EtcdError {
    let rev = req.revision ?? 0;
    if (rev > viewRev) {
      // MUTANT mvcc-range-future-revision-served: the read is served at the current revision instead.
      if (!this.servesFutureReads) return fail("future-revision");
      rev = viewRev;
    }
    if (rev <= 0) rev = viewRev;
    if (rev < this.compactRev) {
      probe("mvcc.range-at-compacted-revision");
      return fail("compacted");
    }
    const limit = indexLimit(req);
    const countOnly = req.countOnly === true;
    let kvs: KeyValue[] = [];
    let count = 0;
    const end = normalizeRangeEnd(req.rangeEnd);
    if (end === undefined) {
      const c = this.index.get(req.key)?.at(rev);
      if (c !== undefined) {
        count = 1;
        // A literal sizes the array to its one pair (a push onto [] reserves 16+ slots; responses stay in the history).
        if (!countOnly) kvs = [toKeyValue(req.key, c)];
      }
    } else {
      this.sortedKeys.forEachInRange(req.key, end, (k) => {
        const c = (this.index.get(k) as KeyHistory).at(rev);
        if (c === undefined) return;
        count++;
        if (!countOnly && (limit <= 0 || kvs.length < limit)) kvs.push(toKeyValue(k, c));
      });
    }
    if (countOnly) return { header: header(viewRev), kvs: [], more: false, count };
    const done = finishRange(kvs, req);
    if (done.more) probe("mvcc.range-limit-more");
    return { header: header(viewRev), kvs: done.kvs, more: done.more, count };
  }

  private execPut(req: PutRequest): PutResponse {
    const prev = this.writePut(req);
    const resp: PutResponse = { header: header(this.currentRev + 1) };
    if (req.prevKv === true && prev !== undefined) resp.prevKv = toKeyValue(req.key, prev);
    return resp;
  }

  /** A Put's changes to the index, the log and the lessor; returns the key's live pair before it. */
  private writePut(req: PutRequest): Change | undefined {
    const key = req.key;
    let kh = this.index.get(key);
    const prev = kh?.latest();
    const value = req.ignoreValue === true && prev !== undefined ? prev.value : (req.value ?? "");
    const lease = req.ignoreLease === true && prev !== undefined ? prev.lease : (req.lease ?? 0);
    const main = this.currentRev + 1;
    const c = new Change(
      main,
      this.txnChanges,
      prev !== undefined ? prev.createRevision : main,
      prev !== undefined ? prev.version + 1 : 1,
      value,
      lease,
    );
    if (kh === undefined) {
      kh = new KeyHistory(key);
      this.index.set(key, kh);
      this.sortedKeys.add(key);
    }
    kh.append(c);
    this.record(key, c);
    // etcd moves the key from the lessor's view of its old lease to the new one (the lessor holds
    // a key exactly when its live pair names the lease, so a pair without one skips the lookup).
    const oldLease = prev !== undefined && prev.lease !== 0 ? this.lessor.leaseOf(key) : 0;
    // MUTANT mvcc-put-keeps-old-lease: the key stays on its old lease's list too.
    if (oldLease !== 0 && !this.keepsOldLease) this.lessor.detach(oldLease, key);
    if (lease !== 0) this.lessor.attach(lease, key);
    return prev;
  }

  private execDelete(req: DeleteRangeRequest): DeleteRangeResponse {
    const victims = this.writeDelete(req);
    return {
      header: header(this.txnChanges > 0 ? this.currentRev + 1 : this.currentRev),
      deleted: victims.length,
      prevKvs: req.prevKv === true ? prevKvsOf(victims) : [],
    };
  }

  /** A DeleteRange's tombstones in the index and the log, and its keys off their leases; returns what it deleted. */
  private writeDelete(req: DeleteRangeRequest): { key: string; c: Change }[] {
    const at = this.viewRev();
    const victims: { key: string; c: Change }[] = [];
    const end = normalizeRangeEnd(req.rangeEnd);
    if (end === undefined) {
      const c = this.index.get(req.key)?.at(at);
      if (c !== undefined) victims.push({ key: req.key, c });
    } else {
      this.sortedKeys.forEachInRange(req.key, end, (k) => {
        const c = (this.index.get(k) as KeyHistory).at(at);
        if (c !== undefined) victims.push({ key: k, c });
      });
    }
    const main = this.currentRev + 1;
    for (const v of victims) {
      const tomb = new Change(main, this.txnChanges, 0, 0, "", 0);
      (this.index.get(v.key) as KeyHistory).append(tomb);
      this.record(v.key, tomb);
      const lease = this.lessor.leaseOf(v.key);
      if (lease !== 0 && !this.deleteKeepsLease) this.lessor.detach(lease, v.key);
    }
    return victims;
  }
}

/**
 * The deleted pairs, by a loop rather than victims.map(): once TurboFan inlines map() it makes holey arrays
 * where the builtin made packed ones, and code reading responses met a second array kind mid-run.
 */
function prevKvsOf(victims: readonly { key: string; c: Change }[]): KeyValue[] {
  const kvs: KeyValue[] = [];
  for (const v of victims) kvs.push(toKeyValue(v.key, v.c));
  return kvs;
}

function header(revision: number): ResponseHeader {
  return { revision, raftTerm: 0 };
}

function compareKV(c: Compare, kv: Change | undefined): boolean {
  let r: number;
  switch (c.target) {
    case "VALUE": {
      const a = kv?.value ?? "";
      const b = c.value ?? "";
      r = a < b ? -1 : a > b ? 1 : 0;
      break;
    }
    case "CREATE":
      r = Math.sign((kv?.createRevision ?? 0) - (c.createRevision ?? 0));
      break;
    case "MOD":
      r = Math.sign((kv?.main ?? 0) - (c.modRevision ?? 0));
      break;
    case "VERSION":
      r = Math.sign((kv?.version ?? 0) - (c.version ?? 0));
      break;
    case "LEASE":
      r = Math.sign((kv?.lease ?? 0) - (c.lease ?? 0));
      break;
  }
  switch (c.result) {
    case "EQUAL":
      return r === 0;
    case "NOT_EQUAL":
      return r !== 0;
    case "GREATER":
      return r > 0;
    case "LESS":
      return r < 0;
  }
}

/** A Txn is read-only when both branches hold only Ranges (a nested Txn counts as a write). */
export function isTxnReadonly(req: TxnRequest): boolean {
  for (const op of req.success) if (!("requestRange" in op)) return false;
  for (const op of req.failure) if (!("requestRange" in op)) return false;
  return true;
}

function firstLogIndexAtOrAfter(cs: readonly Change[], rev: number): number {
  let lo = 0;
  let hi = cs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cs[mid] as Change).main < rev) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** MUTANT mvcc-txn-nested-branches-refused: both branches of a nested Txn putting one key (only one runs). */
function nestedBranchesShareAPut(txn: TxnRequest): boolean {
  const puts = (ops: readonly RequestOp[]) => ops.flatMap((op) => ("requestPut" in op ? [op.requestPut.key] : []));
  const nestedShare = (ops: readonly RequestOp[]): boolean =>
    ops.some(
      (op) =>
        "requestTxn" in op &&
        (puts(op.requestTxn.success).some((k) => puts(op.requestTxn.failure).includes(k)) ||
          nestedShare(op.requestTxn.success) ||
          nestedShare(op.requestTxn.failure)),
    );
  return nestedShare(txn.success) || nestedShare(txn.failure);
}
