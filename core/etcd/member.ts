import { BugSet } from "../bugs.ts";
import type { Actor, Env } from "../env.ts";
import { MvccStore, WatchHub, isEtcdError, type WatchStream, type MvccSnapshot, type Change } from "../mvcc/index.ts";
import type { LeaseCheckpoint } from "../mvcc/lease.ts";
import type {
  EtcdErrorCode,
  EtcdRequest,
  EtcdResponse,
  LeaseTimeToLiveRequest,
  TxnRequest,
  WatchCreateRequest,
} from "../mvcc/rpc.ts";
import { RaftDriver, isRaftMessage } from "../raft/driver.ts";
import type { ConfChange, Entry, SoftState } from "../raft/types.ts";
import type { RaftObserver } from "../raft/view.ts";
import type { ClientMessage, MemberChange, MemberError, MemberMessage } from "./protocol.ts";
import { checkRequest, DEFAULT_MAX_TXN_OPS, isTxnReadonly } from "../mvcc/index.ts";
import { probesOf } from "../probes.ts";
import { ETCD_PROBES } from "./probes.ts";
// ---- space quota
import { AlarmStore } from "./alarms.ts";
import {
  available,
  BackendSize,
  KV_OVERHEAD,
  liveBytes,
  quotaGuarded,
  requestCost,
  retainedVersions,
} from "./quota.ts";
import type { AlarmMember, MaintenanceRequest, MaintenanceResult } from "./protocol.ts";
import { MemberAuth, authProbe, type AuthEntry, type KvAuthFields } from "./auth-member.ts";
import { latencyLog } from "../metrics/latency.ts";
import { SeenRequests, type ClientRequestKind } from "./seen.ts";
import { assert } from "../assert.ts";

const probe = probesOf(ETCD_PROBES);

/** A client's new RPC (a stream's pings, cancels and progress requests belong to a stream already open). */
function isNewClientRequest(msg: unknown): boolean {
  const t = (msg as { type?: unknown }).type;
  return (
    t === "KvRequest" ||
    t === "WatchCreate" ||
    t === "MemberRequest" ||
    t === "MemberList" ||
    t === "Maintenance" ||
    t === "AuthRequest"
  );
}

/** etcd's default --max-request-bytes (1.5 MiB). */
export const DEFAULT_MAX_REQUEST_BYTES = 1_572_864;

/** etcd's defaults for the limits the linearizability check judges refusals by (members started without flags). */
export const DEFAULT_LIMITS = { maxTxnOps: DEFAULT_MAX_TXN_OPS, maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES } as const;

/** The size etcd compares with --max-request-bytes, approximated by the request's JSON encoding. */
export function requestBytes(req: EtcdRequest): number {
  return JSON.stringify(req).length;
}

/**
 * requestBytes(req) > limit, without encoding the request when a cheap upper bound on its encoding
 * already fits (almost always): the answer is the same, only the JSON string is not built.
 */
export function requestExceeds(req: EtcdRequest, limit: number): boolean {
  // Coarse first (strings by length only: Kubernetes objects are long values under a large limit),
  // then with strings scanned (small limits), then the encoding itself.
  return jsonLengthBound(req, false) > limit && jsonLengthBound(req, true) > limit && requestBytes(req) > limit;
}

/**
 * An upper bound on JSON.stringify(x).length for plain data, close enough that requests under a
 * small --max-request-bytes rarely need the encoding: strings are scanned (a character JSON escapes
 * is counted at its longest, \\uXXXX; unscanned, every character is), an integer below 1e21 prints its digits and sign, any other
 * number at most 24 characters, true/false/null at most 5, and a member JSON.stringify would omit
 * (undefined, a function) is counted anyway.
 */
export function jsonLengthBound(x: unknown, scanStrings = true): number {
  switch (typeof x) {
    case "string":
      return scanStrings ? jsonStringBound(x) : 2 + 6 * x.length;
    case "number":
      return jsonNumberBound(x);
    case "object": {
      if (x === null) return 4;
      // The brackets, and a comma after every element or member (one more than there are).
      let n = 2;
      if (Array.isArray(x)) {
        for (let i = 0; i < x.length; i++) n += jsonLengthBound(x[i], scanStrings) + 1;
        return x.length > 0 ? n - 1 : n;
      }
      const o = x as Record<string, unknown>;
      let members = 0;
      for (const k in o) {
        n += jsonStringBound(k) + 1 + jsonLengthBound(o[k], scanStrings) + 1;
        members++;
      }
      return members > 0 ? n - 1 : n;
    }
    default:
      return 5;
  }
}

function jsonStringBound(s: string): number {
  let n = 2 + s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Control characters and (lone) surrogates may become \uXXXX; a quote or backslash gains one.
    if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) n += 5;
    else if (c === 0x22 || c === 0x5c) n += 1;
  }
  return n;
}

function jsonNumberBound(x: number): number {
  if (!Number.isInteger(x) || Math.abs(x) >= 1e21) return 24;
  // Powers of ten up to 1e21 are exact doubles, so the digit count is exact.
  let digits = 1;
  for (let p = 10, a = Math.abs(x); a >= p; p *= 10) digits++;
  return digits + (x < 0 ? 1 : 0);
}

/** What a member proposes to Raft. */
export type MemberEntry =
  /** etcd's AlarmRequest (ACTIVATE / DEACTIVATE NOSPACE for `member`), proposed only with the space quota on. */
  | { op: "alarm"; action: "activate" | "deactivate"; member: string; origin?: string; reqId?: string }
  | ({ op: "kv"; origin: string; reqId: string; request: EtcdRequest } & KvAuthFields)
  | { op: "leaseExpire"; ids: number[] }
  /** etcd's LeaseCheckpointRequest; a keep-alive's clear (remainingTTL 0) names who waits for it. */
  | { op: "leaseCheckpoint"; checkpoints: LeaseCheckpoint[]; origin?: string; reqId?: string }
  | AuthEntry;

/** A member-to-member forward of a write to the leader. */
interface Forward {
  type: "MemberForward";
  entry: MemberEntry;
}

/** The answer to a Raft message from a member this one knows was removed (etcd's rafthttp answers 410 Gone). */
interface Removed {
  type: "MemberRemoved";
}

/** What the state machine snapshots: the store, and the members ever removed (etcd keeps them in its backend; ids are never reused). */
interface MemberSnapshot {
  kv: MvccSnapshot;
  removed: string[];
  /** Active alarms (only with the space quota on and an alarm active). */
  alarms?: AlarmMember[];
  /** The auth store, once any auth request was applied (absent otherwise, so snapshots without auth stay as they were). */
  auth?: unknown;
}

/** Observers of the apply loop (checkers, not state): fed synchronously, never read back by the member. */
export interface MemberHooks {
  observer?: RaftObserver;
  /**
   * Every applied Raft entry with the revision it led to. `payload` is the entry's data, by
   * reference (payloads are never mutated): an observer compares or digests it as it needs.
   * Arguments rather than one object: this runs for every entry on every member. `grantedLease`: the ID
   * this member chose for a LeaseGrant that named none (etcd picks it before proposing; here every member
   * picks the same at apply), else 0. `leases`: how many leases the member's lessor holds after it.
   */
  onApply?(
    member: string,
    index: number,
    term: number,
    payload: unknown,
    revision: number,
    grantedLease: number,
    leases: number,
  ): void;
  /** Every committed revision's changes, from the member that applies it. */
  onCommit?(member: string, revision: number, keys: readonly string[], changes: readonly Change[]): void;
  /** After a (re)start, what the member recovered. */
  onRecover?(member: string, recovered: { index: number; revision: number }): void;
  onSoftState?(member: string, s: SoftState, term: number): void;
  /** Leases revoked by expiry, as each member applies the revoke (for the lease checker). */
  onLeaseExpire?(member: string, ids: readonly number[]): void;
  /** Space quota: this member applied an alarm change, or a write that added data (for the etcd-nospace checker). */
  onNoSpace?(member: string, e: NoSpaceEvent): void;
  /** This member, leading, proposed a membership change its checks let through (for the etcd-reconfig-health checker). */
  onMemberChangeProposed?(member: string, op: MemberChange["op"], id: string): void;
  /** This member, leading, refused a membership change as unhealthy (strict reconfiguration; for the same checker). */
  onMemberChangeRefused?(member: string, op: MemberChange["op"], id: string): void;
  /** Every applied auth request (`changed`: it changed the auth state), with the state and KV revision after it (for the auth checkers). */
  onAuthApply?(
    member: string,
    e: {
      index: number;
      kvRevision: number;
      state: import("./auth.ts").AuthState;
      request: import("./auth.ts").AuthRequest;
      caller: string | undefined;
      changed: boolean;
    },
  ): void;
}

/** What the etcd-nospace checker sees of one member's apply loop, in apply order. */
export type NoSpaceEvent =
  | { kind: "alarm" | "disarm"; raisedBy: string; index: number }
  /**
   * A request the member applied — not refused by the capped applier —, whatever its own rule guards, with
   * its backend's size before it and whether the store's revision moved: the checker judges it by its
   * own statement of etcd's cost, so a member that got the cost or the guarded kinds wrong cannot hide a
   * write from it.
   */
  | { kind: "write"; index: number; revision: number; request: EtcdRequest; backendBytes: number; wrote: boolean }
  /**
   * The member (re)started with these alarms (from its own snapshot), or installed a snapshot that carries
   * them; its store then holds `versions` versions of `bytes` keys and values (the checker recounts the live data).
   */
  | { kind: "restore"; alarms: string[]; index: number; versions: number; bytes: number; consistentIndex?: number }
  /** A committed revision stored these versions (their keys' and values' lengths): the checker's own account of the backend grows by them. */
  | { kind: "stored"; revision: number; versions: number; bytes: number }
  /** A compaction applied at `index` left the store holding these versions. */
  | { kind: "compacted"; index: number; versions: number; bytes: number }
  /** The member defragmented its backend (its file rewritten with the live data only). */
  | { kind: "defragment" }
  /**
   * The member refused a request for the quota (before proposing it, index -1, or at apply), with its
   * backend's size then: the checker judges the refusal by its own statement of etcd's rule.
   */
  | { kind: "refused"; request: EtcdRequest; backendBytes: number; index: number };

export interface MemberOptions {
  peers: readonly string[];
  bugs?: BugSet;
  tickUs?: number;
  electionTicks?: number;
  /** Raft replication knobs, passed through to the driver (etcd-io/raft Config.MaxInflightMsgs, MaxSizePerMsg). */
  maxInflight?: number;
  maxEntriesPerMsg?: number;
  /** A leader sends while its own fsync is in flight, as etcd does (default true; see RaftDriverOptions). */
  leaderSendsBeforeSync?: boolean;
  /** Raft's pre-vote (etcd's --pre-vote, on by default since 3.5). Default true. */
  preVote?: boolean;
  snapshotEvery?: number;
  /** Entries kept before each snapshot for followers a little behind (etcd's --snapshot-catchup-entries; default 0). */
  snapshotCatchUpEntries?: number;
  /** How long a proposal may wait to be applied before the member answers "timeout" (outcome unknown). */
  proposalTimeoutUs?: number;
  syncWatchersUs?: number;
  progressNotifyUs?: number;
  leaseCheckUs?: number;
  /** etcd's lease checkpoints (LeaseCheckpoint, persisted) every this many µs; absent or 0: off, etcd's default. */
  leaseCheckpointIntervalUs?: number;
  hooks?: MemberHooks;
  /** etcd's --max-request-bytes: larger writes are refused before they are proposed (request-too-large). */
  maxRequestBytes?: number;
  /** etcd's --max-txn-ops: a Txn with more operations is refused (too-many-ops). */
  maxTxnOps?: number;
  /** etcd's watchBatchMaxRevs: revisions per catch-up watch response (1000). */
  watchBatchMaxRevs?: number;
  /**
   * Watch responses leave through a send loop that runs after the apply batch at hand (WatchHubOptions.sendLoop):
   * prev_kv is read there, so a compaction applied in the same batch drops it. Absent: sent as made.
   */
  watchSendLoop?: boolean;
  /** etcd's --quota-backend-bytes (core/etcd/quota.ts). Absent or 0: no quota (etcd's 2 GiB default is never reached here). */
  quotaBackendBytes?: number;
  /** etcd's --auth-token-ttl for simple tokens (default 300 s). */
  authTokenTtlUs?: number;
}

interface Waiting {
  client: string;
  clientReqId: number;
  timer: number;
  /** Auth: proposes the request again with a fresh token resolution (etcd retries on ErrAuthOldRevision). */
  retry?: () => void;
}

/** A membership change proposed here, answered when the entry at (index, term) is applied. */
interface WaitingChange extends Waiting {
  index: number;
  term: number;
}

/** etcd's readyPercentThreshold: a learner is promoted only once its log is within 90% of the leader's. */
const LEARNER_READY = 0.9;
/** On disk once this member applied its own removal: like etcd, a removed member never serves again. */
const REMOVED_MARKER = "member.removed";
/** etcd's bbolt file (member/snap/db): only its length is kept (setFileSize), for the space quota. */
const BACKEND_FILE = "member.snap.db";
/**
 * The consistent index in that file's meta bucket: the last entry the backend holds, durable with each
 * batch commit. A restarted etcd skips entries at or below it (applyEntryNormal's shouldApplyV3, since
 * etcd PR #3746). Kept only with the space quota on: the quota applier is the one step of an apply whose
 * outcome a replay could change (the file is longer after a crash than when the entry first applied).
 */
const CONSISTENT_INDEX = "member.snap.db.consistent-index";
/** etcd's --backend-batch-interval: the batch transaction commits every 100 ms. */
const BACKEND_BATCH_US = 100_000;

/** How often a leader's lessor looks for expired leases (etcd's revokeExpiredLeases loop runs every 500 ms). */
export const DEFAULT_LEASE_CHECK_US = 100_000;

export class EtcdMember implements Actor {
  readonly store: MvccStore;
  readonly hub: WatchHub;
  readonly driver: RaftDriver;
  private readonly bugs: BugSet;
  private readonly hooks: MemberHooks;
  private readonly waiting = new Map<string, Waiting>();
  private readonly streams = new Map<
    string,
    { stream: WatchStream; client: string; streamId: number; request: WatchCreateRequest; seq: { next: number } }
  >();
  private nextReq = 0;
  private readonly nonce: string;
  /** "<member>/<nonce>/": the start of every request id this incarnation proposes, built once. */
  private readonly reqPrefix: string;
  private isLeader = false;
  /** The ID the entry being applied granted a lease under, when the member chose it (see MemberHooks.onApply). */
  private grantedLease = 0;
  /** Mutant etcd-lease-revoke-after-stepdown: stepped down, the lessor still primary until the next apply. */
  private demoteLate = false;
  /** Leading, and the lessor promoted: etcd promotes once the leader applies the first entry of its term. */
  private promoted = false;
  /** Keep-alives waiting for the checkpoint that clears their lease's remaining TTL to apply, by request id. */
  private readonly clears = new Map<string, { timer: number; done: (applied: boolean) => void }>();
  /**
   * Requests and forwards already taken: the simulated network may duplicate packets, but a client's
   * RPC and a member's forward travel over one TCP stream in etcd, which never delivers twice. A copy is
   * dropped before anything else looks at it — a removed member too, which would otherwise refuse it with
   * "not-leader" and tell the client, wrongly, that a request it had already proposed had no effect.
   * Memory is enough: a crash resets the streams, and the world drops whatever was sent to an earlier
   * incarnation, so no copy of a request taken before a restart reaches the restarted member.
   */
  private readonly seen = new SeenRequests(10_000);
  private readonly changes = new Map<number, WaitingChange>();
  private removedIds = new Set<string>();
  /**
   * Per peer, when it was last heard from, and since when it has been heard from without a gap of an
   * election timeout: etcd's transport knows which peers are connected and since when (ActiveSince); a
   * graceful stop hands leadership to the one connected longest.
   */
  private readonly heard = new Map<string, { last: number; since: number }>();
  /** Asked to stop gracefully (world stop): winding down, then exiting. */
  private stopping = false;
  /** Stopped (etcd's HardStop): like an exited process, it takes nothing more while the world takes it down. */
  private halted = false;
  /** The shortest election timeout (µs). */
  private readonly electionUs: number;
  /** Removed from the cluster: stops serving, as etcd's process exits (see isRemoved). */
  private removed: boolean;
  // ---- space quota (all idle when quotaBytes is 0)
  private readonly quotaBytes: number;
  readonly alarms = new AlarmStore();
  readonly backend: BackendSize;
  private readonly maintWaiting = new Map<string, Waiting>();
  /** Keep-alives of expired leases, by lease, waiting for the revoke to apply (see the leaseKeepAlive case). */
  private readonly renewalsAwaitingRevoke = new Map<number, { client: string; clientReqId: number }[]>();
  /** LeaseTimeToLive requests waiting for this member to apply what was committed when they came (etcd's waitAppliedIndex). */
  private appliedWaiters: { index: number; run: () => void }[] = [];
  /** etcd's auth store and this member's simple tokens (inert until an auth request arrives). */
  readonly auth: MemberAuth;
  /** The consistent index the backend held at this (re)start: entries up to it are in the store already. */
  private readonly backendIndexAtStart: number;
  /** The last entry applied (the consistent index the next backend commit writes). */
  private appliedIndex = 0;

  constructor(
    private readonly env: Env,
    private readonly opts: MemberOptions,
  ) {
    this.removed = env.disk.readValue(REMOVED_MARKER) === true;
    this.electionUs = (opts.tickUs ?? 10_000) * (opts.electionTicks ?? 10);
    this.bugs = opts.bugs ?? BugSet.none;
    this.hooks = opts.hooks ?? {};
    this.quotaBytes = opts.quotaBackendBytes ?? 0;
    // The backend file is as long after a restart as before it: bbolt's file never shrinks but by a defrag.
    this.backend = new BackendSize(
      this.bugs.has("etcd-backend-size-lost-on-restart") ? 0 : env.disk.fileSize(BACKEND_FILE),
      (bytes) => env.disk.setFileSize(BACKEND_FILE, bytes),
    );
    this.backendIndexAtStart = this.quotaBytes > 0 ? (env.disk.committed(CONSISTENT_INDEX) ?? 0) : 0;
    // A (re)start begins with no alarm and an empty store until the snapshot and the log say otherwise.
    if (this.quotaBytes > 0)
      this.hooks.onNoSpace?.(env.id, {
        kind: "restore",
        alarms: [],
        index: 0,
        versions: 0,
        bytes: 0,
        consistentIndex: this.backendIndexAtStart,
      });
    this.nonce = env.rng.fork("member-req").uint32().toString(36);
    this.reqPrefix = `${env.id}/${this.nonce}/`;
    this.auth = new MemberAuth(env, { bugs: this.bugs, tokenTtlUs: opts.authTokenTtlUs });
    // Only the leader tracks lease expiry; a member starts as a non-primary lessor.
    this.store = new MvccStore({
      bugs: this.bugs,
      lessor: { primary: false, minTTL: 1, checkpointIntervalUs: opts.leaseCheckpointIntervalUs ?? 0 },
      maxTxnOps: opts.maxTxnOps ?? DEFAULT_MAX_TXN_OPS,
    });
    this.hub = new WatchHub(this.store, {
      bugs: this.bugs,
      maxRevsPerResponse: opts.watchBatchMaxRevs ?? 1000,
      ...(opts.watchSendLoop === true ? { sendLoop: (drain: () => void) => void env.setTimer(0, drain) } : {}),
    });
    const hub = this.hub;
    const id = env.id;
    // Interpose on the hub's subscription so the harness sees each revision's changes too.
    this.store.setListener(undefined);
    this.store.setListener({
      onCommit: (revision, keys, changes) => {
        if (this.quotaBytes > 0) {
          let bytes = 0;
          for (let i = 0; i < keys.length; i++) bytes += keys[i]!.length + changes[i]!.value.length;
          this.backend.onWrite(keys.length * KV_OVERHEAD + bytes);
          this.hooks.onNoSpace?.(id, { kind: "stored", revision, versions: keys.length, bytes });
        }
        hub.onCommit(revision, keys, changes);
        this.hooks.onCommit?.(id, revision, keys, changes);
      },
      onRestore: () => hub.onRestore(),
    });
    this.driver = new RaftDriver({
      env,
      peers: opts.peers,
      stateMachine: {
        apply: (entry) => {
          this.apply(entry);
          if (this.quotaBytes > 0) {
            this.appliedIndex = entry.index;
            env.disk.commitOnPeriod(CONSISTENT_INDEX, entry.index, BACKEND_BATCH_US);
          }
        },
        snapshot: (): MemberSnapshot => {
          // etcd commits its backend before it snapshots (EtcdServer.snapshot: KV().Commit()).
          if (this.quotaBytes > 0) env.disk.commitNow(CONSISTENT_INDEX, this.appliedIndex);
          return {
            kv: this.store.snapshot(),
            removed: [...this.removedIds].sort(),
            ...(this.alarms.noSpace ? { alarms: this.alarms.list() } : {}),
            ...this.auth.snapshotField(),
          };
        },
        restore: (data, index) => this.restore(data as MemberSnapshot, index),
      },
      tickUs: opts.tickUs ?? 10_000,
      electionTicks: opts.electionTicks ?? 10,
      heartbeatTicks: 1,
      preVote: opts.preVote ?? true,
      checkQuorum: true,
      ...(opts.maxInflight !== undefined ? { maxInflight: opts.maxInflight } : {}),
      ...(opts.maxEntriesPerMsg !== undefined ? { maxEntriesPerMsg: opts.maxEntriesPerMsg } : {}),
      ...(opts.leaderSendsBeforeSync !== undefined ? { leaderSendsBeforeSync: opts.leaderSendsBeforeSync } : {}),
      bugs: this.bugs,
      snapshotEvery: opts.snapshotEvery ?? 200,
      ...(opts.snapshotCatchUpEntries !== undefined ? { snapshotCatchUpEntries: opts.snapshotCatchUpEntries } : {}),
      ...(this.hooks.observer ? { observer: this.hooks.observer } : {}),
      onSoftState: (s) => this.onSoftState(s),
    });
    if (this.bugs.has("etcd-reapply-after-crash")) {
      // The mutant keeps the store in its own file, written without the applied index: after a
      // restart it loads that newer state, and Raft replays entries the store already holds.
      const kv = env.disk.readValue("kv-store") as MvccSnapshot | undefined;
      if (kv !== undefined) this.store.restore(kv, env.monotonic());
    }
    this.hooks.onRecover?.(id, { index: this.driver.status().applied, revision: this.store.revision });
    this.auth.attach({
      status: () => this.driver.status(),
      propose: (entry) => this.proposeLocally(entry),
      reply: (client, reqId, r) => this.env.send(client, { type: "AuthResponse", reqId, ...r } satisfies MemberMessage),
      leaseKeys: (leaseId) => [...(this.store.lessor.lookup(leaseId)?.keys ?? [])],
      noSpaceActive: () => this.alarms.noSpace,
      timeoutUs: opts.proposalTimeoutUs ?? 1_000_000,
    });
  }

  /** True once this member was removed (applied its own removal, or a peer said so): like an exited etcd, it serves nothing. */
  get isRemoved(): boolean {
    return this.removed;
  }

  start(): void {
    if (this.removed) return;
    this.driver.start();
    // A removed member runs none of them: like an exited etcd, it does nothing more (its Raft node is
    // stopped in whatever role it had, and a lease check would have it propose as a leader no one follows).
    const every = (us: number, fn: () => void) => {
      const loop = () => {
        if (this.removed || this.halted) return;
        fn();
        this.env.setTimer(us, loop);
      };
      this.env.setTimer(us, loop);
    };
    // BUGGIFY: a starved watch stream skips a catch-up round (its watchers fall further behind).
    every(this.opts.syncWatchersUs ?? 100_000, () => {
      if (!this.env.buggify("starve-watch")) this.hub.syncWatchers();
    });
    every(this.opts.progressNotifyUs ?? 500_000, () => this.hub.progressTick());
    every(this.opts.leaseCheckUs ?? DEFAULT_LEASE_CHECK_US, () => this.checkLeases());
  }

  // ------------------------------------------------------------ messages

  onMessage(from: string, msg: unknown): void {
    if (this.halted) return;
    // Raft messages first (most messages): none is deduplicated, so the request check is skipped for them.
    if (isRaftMessage(msg)) {
      if (this.removed) return this.refuse(from, msg);
      if (this.removedIds.size > 0 && this.removedIds.has(from))
        return this.env.send(from, { type: "MemberRemoved" } satisfies Removed);
      const now = this.env.monotonic();
      const h = this.heard.get(from);
      if (h === undefined) this.heard.set(from, { last: now, since: now });
      else {
        if (now - h.last > this.electionUs) h.since = now;
        h.last = now;
      }
      this.driver.stepRaft(msg);
      this.hub.raftTerm = this.driver.node.term;
      return;
    }
    if (this.duplicate(from, msg)) {
      probe("etcd.duplicate-request-dropped");
      return;
    }
    if (this.removed) return this.refuse(from, msg);
    // Stopping: the client servers take no new request; streams already open go on until they are cut.
    if (this.stopping && isNewClientRequest(msg)) return this.refuse(from, msg);
    const m = msg as ClientMessage | Forward | Removed;
    switch (m.type) {
      case "MemberRemoved":
        return this.stopRemoved();
      case "KvRequest":
        if (m.token !== undefined || this.auth.enabled)
          return this.auth.withToken(m.token, (info) =>
            info.error !== undefined
              ? this.reply(from, m.reqId, { error: info.error })
              : this.onKvRequest(from, m.reqId, m.request, info.info, m.token),
          );
        return this.onKvRequest(from, m.reqId, m.request);
      case "AuthRequest":
        return this.auth.onRequest(from, m.reqId, m.request, m.token);
      case "MemberRequest":
        return this.onMemberRequest(from, m.reqId, m.change, m.token);
      case "MemberList":
        return this.onMemberList(from, m.reqId);
      case "MemberForward":
        return void this.proposeLocally(m.entry);
      case "Maintenance":
        return this.onMaintenance(from, m.reqId, m.request, m.token);
      case "WatchCreate": {
        const key = `${from}/${m.streamId}`;
        const earlier = this.streams.get(key);
        if (earlier !== undefined) {
          // The network's copy of a create this member took is the very message; another under a taken
          // id is a client (a restarted one) reusing ids, and its stream would get the old one's responses.
          assert(
            earlier.request === m.request,
            () =>
              `${this.env.id} got a second, different watch create numbered ${m.streamId} from ${from}: watch stream ids must be unique per client, across its restarts`,
          );
          return;
        }
        if (m.token !== undefined || this.auth.enabled) {
          // etcd's watch server checks read permission on the range once, when the watch is created.
          const refusal = this.auth.watchRefusal(m.token, m.request);
          if (refusal !== undefined) {
            this.env.send(from, {
              type: "WatchEvent",
              streamId: m.streamId,
              seq: 0,
              response: {
                header: { revision: this.store.revision, raftTerm: this.driver.status().term },
                watchId: m.streamId,
                created: true,
                canceled: true,
                cancelReason: refusal,
                events: [],
              },
            } satisfies MemberMessage);
            return;
          }
        }
        this.openWatch(from, m.streamId, m.request);
        return;
      }
      case "WatchProgress": {
        this.streams.get(`${from}/${m.streamId}`)?.stream.requestProgress();
        return;
      }
      case "WatchCancel": {
        const key = `${from}/${m.streamId}`;
        const s = this.streams.get(key);
        if (s) {
          s.stream.close();
          this.streams.delete(key);
        }
        return;
      }
      case "StreamPing": {
        const s = this.streams.get(`${from}/${m.streamId}`);
        // The pong says how many responses went out, so the client can tell that the last ones were lost.
        this.env.send(
          from,
          (s
            ? { type: "StreamPong", streamId: m.streamId, sent: s.seq.next }
            : { type: "StreamUnknown", streamId: m.streamId }) satisfies MemberMessage,
        );
        return;
      }
      default:
        return;
    }
  }

  /**
   * A removed etcd has exited: its clients' connections are refused at once, and they go elsewhere.
   * Nothing sent now was proposed, so "not-leader" (definite, retryable) is what the client learns.
   */
  private refuse(client: string, msg: unknown): void {
    const m = msg as ClientMessage;
    switch (m.type) {
      case "KvRequest":
        return this.reply(client, m.reqId, { error: "not-leader" });
      case "MemberRequest":
      case "MemberList":
        return this.env.send(client, {
          type: "MemberResponse",
          reqId: m.reqId,
          error: "not-leader",
        } satisfies MemberMessage);
      case "Maintenance":
        return this.env.send(client, {
          type: "MaintenanceResponse",
          reqId: m.reqId,
          result: { error: "stopped" },
        } satisfies MemberMessage);
      case "WatchCreate":
      case "StreamPing":
        return this.env.send(client, { type: "StreamUnknown", streamId: m.streamId } satisfies MemberMessage);
      default:
        return;
    }
  }

  /**
   * Whether `msg` is a request or forward already taken (remembering it as taken if not); messages that
   * are not deduplicated (Raft, watch, maintenance…) are never duplicates.
   */
  private duplicate(from: string, msg: unknown): boolean {
    if (msg === null || typeof msg !== "object") return false;
    const m = msg as Partial<ClientMessage | Forward>;
    if (m.type === "KvRequest") return this.takenBefore(from, "kv", m.reqId!, msg);
    if (m.type === "MemberRequest") return this.takenBefore(from, "member", m.reqId!, msg);
    if (m.type === "MemberForward" && m.entry?.op === "kv") return this.seen.forward(m.entry.reqId);
    if (m.type === "AuthRequest") return this.takenBefore(from, "auth", m.reqId!, msg);
    if (m.type === "MemberForward" && m.entry?.op === "auth") return this.seen.forward(m.entry.reqId);
    return false;
  }

  /**
   * Whether a client's request was taken already. A duplicate is a copy of the very message the network
   * delivered before; another message under a taken number means its client reused a request id (a
   * restarted client numbering from 1 again), and the member would silently drop a request never served.
   */
  private takenBefore(from: string, kind: ClientRequestKind, id: number, msg: object): boolean {
    const earlier = this.seen.client(from, kind, id, msg);
    if (earlier === undefined) return false;
    assert(
      earlier === msg,
      () =>
        `${this.env.id} got a second, different ${kind} request numbered ${id} from ${from}: request ids must be unique per client, across its restarts`,
    );
    return true;
  }

  private openWatch(client: string, streamId: number, request: WatchCreateRequest, seq = { next: 0 }): void {
    const stream = this.hub.openStream((response) => {
      // The client knows the watch by its stream id. The hub builds every response afresh for one
      // stream and keeps no reference once it is sent, so renaming the watch in place is invisible
      // (the same fields, in the same order, as a copy).
      response.watchId = streamId;
      this.env.send(client, { type: "WatchEvent", streamId, seq: seq.next++, response } satisfies MemberMessage);
    });
    this.streams.set(`${client}/${streamId}`, { stream, client, streamId, request, seq });
    stream.watch(request);
  }

  private reply(
    client: string,
    reqId: number,
    r: { response?: EtcdResponse; error?: EtcdErrorCode; leaderHint?: string; effectUnknown?: true },
  ): void {
    latencyLog()?.etcdEnd(this.env.id, client, reqId, this.isLeader, r.error);
    this.env.send(client, { type: "KvResponse", reqId, ...r } satisfies MemberMessage);
  }

  /** reply(client, reqId, { response }) without the spread: the answer to most requests. */
  private replyOk(client: string, reqId: number, response: EtcdResponse): void {
    latencyLog()?.etcdEnd(this.env.id, client, reqId, this.isLeader, undefined);
    this.env.send(client, { type: "KvResponse", reqId, response } satisfies MemberMessage);
  }

  private onKvRequest(
    client: string,
    clientReqId: number,
    request: EtcdRequest,
    authInfo?: import("./auth.ts").AuthInfo,
    token?: string,
  ): void {
    latencyLog()?.etcdStart(this.env.id, client, clientReqId, request.kind);
    // etcd serves a learner's clients serializable reads only (its clients skip learners anyway).
    const serializable = request.kind === "range" && request.range.serializable === true;
    if (!serializable && this.driver.node.learners.includes(this.env.id))
      return this.reply(client, clientReqId, { error: "not-supported-for-learner" });
    switch (request.kind) {
      case "range": {
        const serve = () => {
          const denied = this.auth.readRefusal(token, request);
          if (denied !== undefined) return this.reply(client, clientReqId, { error: denied });
          const r = this.store.range(request.range, this.driver.node.term);
          if (isEtcdError(r)) this.reply(client, clientReqId, { error: r.error });
          else this.replyOk(client, clientReqId, { kind: "range", range: r });
        };
        if (request.range.serializable) return serve();
        this.linearizable(client, clientReqId, serve);
        return;
      }
      case "txn": {
        // etcd's IsTxnReadonly: only Ranges (a nested Txn goes through Raft, as in etcd).
        if (isTxnReadonly(request.txn)) {
          this.linearizable(client, clientReqId, () => {
            const denied = this.auth.readRefusal(token, request);
            if (denied !== undefined) return this.reply(client, clientReqId, { error: denied });
            const r = this.store.apply(request, { raftTerm: this.driver.node.term });
            if (isEtcdError(r)) this.reply(client, clientReqId, { error: r.error });
            else this.replyOk(client, clientReqId, r);
          });
          return;
        }
        break;
      }
      case "leaseKeepAlive": {
        // Keep-alives go to the leader's lessor (not through Raft), as in etcd.
        const notLeader = () =>
          this.reply(client, clientReqId, { error: "not-leader", leaderHint: this.driver.status().leader });
        if (!this.isLeader) return notLeader();
        const renew = () => {
          const id = request.leaseKeepAlive.ID;
          const lease = this.store.lessor.lookup(id);
          if (
            lease !== undefined &&
            lease.expiryUs <= this.leaseClock() &&
            !this.bugs.has("etcd-lease-renew-expired")
          ) {
            // etcd's lessor.Renew: an expired lease may be on its way out through Raft; the renewal waits
            // for that revoke (then "not found": TTL 0) or for this member to stop leading (not-leader).
            probe("etcd.keepalive-waited-for-revoke");
            const waiting = this.renewalsAwaitingRevoke.get(id);
            if (waiting === undefined) this.renewalsAwaitingRevoke.set(id, [{ client, clientReqId }]);
            else waiting.push({ client, clientReqId });
            return;
          }
          this.renewLease(client, clientReqId, id);
        };
        if (this.bugs.has("etcd-lease-renew-no-leadership-check")) return renew();
        // etcd's ensureLeadership (since 3.5.13, etcd #15247): a leader that was stalled or cut off may not
        // know it was deposed, and a renewal only its own lessor saw would promise a TTL the new leader
        // never grants. So it confirms, through a ReadIndex round, that it still leads, then renews.
        this.driver.readIndex((r) => {
          if (r.ok && this.isLeader) return renew();
          probe("etcd.keepalive-leadership-unconfirmed");
          notLeader();
        });
        return;
      }
      case "leaseTimeToLive": {
        // etcd's LeaseTimeToLive: a follower forwards it to the leader (here: not-leader, and the client asks
        // there); the leader waits until it has applied what was committed when the request came
        // (waitAppliedIndex), then reads its own lessor's clock. No leadership check: a deposed leader
        // that does not know it yet answers too, and its lessor's expiries are no later than the new leader's.
        if (!this.isLeader)
          return this.reply(client, clientReqId, { error: "not-leader", leaderHint: this.driver.status().leader });
        const answer = () => this.answerTimeToLive(client, clientReqId, request.leaseTimeToLive);
        const { commitIndex, applied } = this.driver.status();
        if (applied >= commitIndex) return answer();
        probe("etcd.timetolive-waited-for-apply");
        this.appliedWaiters.push({ index: commitIndex, run: answer });
        return;
      }
      default:
        break;
    }
    // The space quota: etcd's quotaKVServer / quotaLeaseServer check the backend's size plus the
    // request's cost before anything else, raise the NOSPACE alarm through Raft and refuse.
    if (this.quotaBytes > 0 && quotaGuarded(request, this.bugs) && !this.admits(request)) {
      probe("etcd.quota-refused");
      this.hooks.onNoSpace?.(this.env.id, { kind: "refused", request, backendBytes: this.backend.size, index: -1 });
      this.raiseNoSpace();
      return this.reply(client, clientReqId, { error: "no-space" });
    }
    // Writes: etcd's gRPC layer refuses a Txn over --max-txn-ops, and etcdserver a request over
    // --max-request-bytes, before anything is proposed (definite: no effect). The rest is validated
    // at apply time on every member alike, proposed through the leader.
    const maxTxnOps = this.opts.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
    const invalid = checkRequest(request, maxTxnOps);
    if (invalid === "too-many-ops") return this.reply(client, clientReqId, { error: invalid });
    if (request.kind === "txn" && this.bugs.has("etcd-txn-ops-summed") && summedOps(request.txn) > maxTxnOps)
      return this.reply(client, clientReqId, { error: "too-many-ops" });
    const maxRequestBytes = this.opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    if (
      this.bugs.has("etcd-request-size-bound-decides")
        ? jsonLengthBound(request, false) > maxRequestBytes
        : requestExceeds(request, maxRequestBytes)
    ) {
      probe("etcd.request-too-large");
      return this.reply(client, clientReqId, { error: "request-too-large" });
    }
    let reqId = this.reqPrefix + ++this.nextReq;
    const timer = this.env.setTimer(this.opts.proposalTimeoutUs ?? 1_000_000, () => {
      if (this.waiting.delete(reqId)) {
        probe("etcd.proposal-timeout");
        this.reply(client, clientReqId, { error: "timeout" });
      }
    });
    this.waiting.set(reqId, { client, clientReqId, timer });
    if (authInfo !== undefined || token !== undefined) {
      // Auth: the entry carries who sent it and the auth revision this member resolved the token at.
      const w = this.waiting.get(reqId)!;
      const fields = this.auth.kvFields(authInfo, request);
      if (fields.error !== undefined) {
        this.env.cancelTimer(timer);
        this.waiting.delete(reqId);
        return this.reply(client, clientReqId, { error: fields.error });
      }
      w.retry = () =>
        this.auth.withToken(token, (again) => {
          if (!this.waiting.has(reqId)) return;
          if (again.error !== undefined) {
            this.env.cancelTimer(timer);
            this.waiting.delete(reqId);
            return this.reply(client, clientReqId, { error: again.error });
          }
          const f = this.auth.kvFields(again.info, request);
          if (f.error !== undefined) {
            this.env.cancelTimer(timer);
            this.waiting.delete(reqId);
            return this.reply(client, clientReqId, { error: f.error });
          }
          authProbe("auth.old-revision-retried");
          const next = this.reqPrefix + ++this.nextReq;
          this.waiting.delete(reqId);
          this.waiting.set(next, w);
          reqId = next;
          if (this.proposeLocally({ op: "kv", origin: this.env.id, reqId: next, request, ...f.fields }) !== "ok") {
            this.env.cancelTimer(timer);
            this.waiting.delete(next);
            this.reply(client, clientReqId, { error: "no-leader", leaderHint: this.driver.status().leader });
          }
        });
      const outcome = this.proposeLocally({ op: "kv", origin: this.env.id, reqId, request, ...fields.fields });
      if (outcome !== "ok") {
        this.env.cancelTimer(timer);
        this.waiting.delete(reqId);
        this.reply(client, clientReqId, { error: outcome, leaderHint: this.driver.status().leader });
      }
      return;
    }
    const outcome = this.proposeLocally({ op: "kv", origin: this.env.id, reqId, request });
    if (outcome !== "ok") {
      this.env.cancelTimer(timer);
      this.waiting.delete(reqId);
      this.reply(client, clientReqId, { error: outcome, leaderHint: this.driver.status().leader });
    }
  }

  // ------------------------------------------------------------ membership (etcd's Cluster service)

  private memberReply(
    client: string,
    reqId: number,
    r: { error?: MemberError; voters?: readonly string[]; learners?: readonly string[] },
  ): void {
    const st = this.driver.status();
    this.env.send(client, {
      type: "MemberResponse",
      reqId,
      ...r,
      ...(r.error !== undefined ? { leaderHint: st.leader } : {}),
    } satisfies MemberMessage);
  }

  /** Why a follower does not answer a membership request: it knows a leader to ask, or none. */
  private static notLeader(st: { leader: string }): MemberError {
    return st.leader === "" ? "no-leader" : "not-leader";
  }

  private onMemberList(client: string, reqId: number): void {
    const st = this.driver.status();
    if (st.role !== "leader") return this.memberReply(client, reqId, { error: EtcdMember.notLeader(st) });
    this.memberReply(client, reqId, { voters: st.voters, learners: st.learners });
  }

  /** Only the leader changes membership (etcd forwards; here the caller retries at the leader it names). */
  private onMemberRequest(client: string, reqId: number, change: MemberChange, token: string | undefined): void {
    // etcd checks the caller before anything else, on the member the request reached.
    const denied = this.auth.memberChangeRefusal(token);
    if (denied !== undefined) return this.memberReply(client, reqId, { error: denied });
    const st = this.driver.status();
    if (st.role !== "leader") return this.memberReply(client, reqId, { error: EtcdMember.notLeader(st) });
    const refused = this.refuseChange(change, st.voters, st.learners);
    if (refused === "unhealthy") this.hooks.onMemberChangeRefused?.(this.env.id, change.op, change.id);
    if (refused !== undefined) return this.memberReply(client, reqId, { error: refused });
    const cc: ConfChange =
      change.op === "addLearner"
        ? { type: "addLearner", nodeId: change.id }
        : change.op === "promote"
          ? { type: "addVoter", nodeId: change.id }
          : { type: "removeVoter", nodeId: change.id };
    const r = this.driver.proposeConfChange(cc);
    if (r.ok) this.hooks.onMemberChangeProposed?.(this.env.id, change.op, change.id);
    if (!r.ok) {
      const error: MemberError =
        r.reason === "conf-change-pending"
          ? "conf-change-pending"
          : r.reason === "invalid-conf-change"
            ? "invalid"
            : r.reason === "not-leader"
              ? "not-leader"
              : "no-leader";
      return this.memberReply(client, reqId, { error });
    }
    // MUTANT etcd-member-change-acked-at-propose: answered once proposed, as if the change had applied.
    if (this.bugs.has("etcd-member-change-acked-at-propose")) return this.memberReply(client, reqId, {});
    const timer = this.env.setTimer(this.opts.proposalTimeoutUs ?? 1_000_000, () => {
      if (this.changes.delete(r.index)) this.memberReply(client, reqId, { error: "timeout" });
    });
    this.changes.set(r.index, { client, clientReqId: reqId, timer, index: r.index, term: r.term });
  }

  /** etcd's checks before a membership proposal (ErrLearnerNotReady; strict reconfiguration: ErrUnhealthy). */
  private refuseChange(
    change: MemberChange,
    voters: readonly string[],
    learners: readonly string[],
  ): MemberError | undefined {
    const node = this.driver.node;
    const isVoter = voters.includes(change.id);
    const isLearner = learners.includes(change.id);
    if (change.op === "addLearner" && (isVoter || isLearner)) return "invalid";
    if (change.op === "addLearner" && this.removedIds.has(change.id)) return "id-removed";
    if (change.op === "promote" && !isLearner) return "invalid";
    if (change.op === "remove" && !isVoter && !isLearner) return "invalid";
    // Active: heard from within an election timeout (etcd asks its transport which peers are connected).
    const now = this.env.monotonic();
    const active = (id: string) =>
      id === this.env.id || now - (this.heard.get(id)?.last ?? -Infinity) <= this.electionUs;
    // MUTANT etcd-reconfig-quorum-overcounted: one active voter more than a quorum is asked for.
    const needed = (n: number) => Math.floor(n / 2) + 1 + (this.bugs.has("etcd-reconfig-quorum-overcounted") ? 1 : 0);
    const healthy = (next: readonly string[]) => next.length > 0 && next.filter(active).length >= needed(next.length);
    if (change.op === "promote") {
      const own = node.progressOf(this.env.id)?.match ?? 0;
      if ((node.progressOf(change.id)?.match ?? 0) < own * LEARNER_READY) return "learner-not-ready";
      // The new voter counts as active: it must be, to have caught up.
      if (!healthy([...voters, change.id])) return "unhealthy";
    }
    // The mutant: etcd before PR #6156, which asked only whether enough members had started.
    if (change.op === "remove" && this.bugs.has("etcd-reconfig-remove-unchecked")) return undefined;
    if (change.op === "remove" && isVoter && !healthy(voters.filter((v) => v !== change.id))) return "unhealthy";
    return undefined;
  }

  /**
   * The mutant's step-down: every membership request it proposed is answered "not-leader", a definite
   * refusal, though the change is in the log and the next leader may still commit it.
   */
  private refusePendingChanges(): void {
    for (const w of this.changes.values()) {
      this.env.cancelTimer(w.timer);
      this.memberReply(w.client, w.clientReqId, { error: "not-leader" });
    }
    this.changes.clear();
  }

  /** A committed membership change: answer the request that proposed it; a member removed itself stops. */
  private applyConfChange(entry: Entry): void {
    const w = this.changes.get(entry.index);
    if (w !== undefined) {
      this.changes.delete(entry.index);
      this.env.cancelTimer(w.timer);
      // Another leader's entry took the index: the proposal was lost (unknown to the caller).
      if (entry.term !== w.term) this.memberReply(w.client, w.clientReqId, { error: "timeout" });
      else this.memberReply(w.client, w.clientReqId, {});
    }
    const cc = entry.data as ConfChange;
    if (cc.type !== "removeVoter") return;
    this.removedIds.add(cc.nodeId);
    if (cc.nodeId !== this.env.id) return;
    // A removed member keeps running for two election timeouts, so a leader can hand leadership over first.
    this.env.setTimer(2 * this.electionUs, () => this.stopRemoved());
  }

  /** Like etcd, a removed member never serves again, not even after a restart: the marker says so. */
  private stopRemoved(): void {
    if (this.removed) return;
    this.env.disk.write(REMOVED_MARKER, true);
    this.env.disk.sync(() => {});
    this.removed = true;
    this.driver.stop();
    for (const s of this.streams.values()) s.stream.close();
    this.streams.clear();
  }

  /** Proposes here if leader, else forwards to the known leader; "no-leader" if there is none. */
  private proposeLocally(entry: MemberEntry): "ok" | "no-leader" {
    // BUGGIFY: a proposal lost on the way (as a leader change would lose it); the client times out.
    if (entry.op === "kv" && this.env.buggify("drop-proposal")) return "ok";
    // The node's role and leader as status() reports them, read without building a status.
    const node = this.driver.node;
    if (node.roleKind === "leader") {
      const r = this.driver.propose(entry);
      return r.ok ? "ok" : "no-leader";
    }
    const leader = node.leader;
    if (leader === "") return "no-leader";
    probe("etcd.write-forwarded");
    this.env.send(leader, { type: "MemberForward", entry } satisfies Forward);
    return "ok";
  }

  private answerTimeToLive(client: string, clientReqId: number, req: LeaseTimeToLiveRequest): void {
    const lessor = this.store.lessor;
    const term = this.driver.node.term;
    if (!lessor.isPrimary) {
      probe("etcd.timetolive-leader-changed");
      // The lessor was demoted while the request waited for the apply (this member stopped leading):
      // etcd answers ErrLeaderChanged since PR #17642, and the client asks the new leader.
      // MUTANT etcd-lease-ttl-after-demote: it answers from the demoted lessor, whose leases never
      // expire: TTL 9223372036 (math.MaxInt64 nanoseconds), as etcd did before #17642.
      if (!this.bugs.has("etcd-lease-ttl-after-demote"))
        return this.reply(client, clientReqId, { error: "not-leader", leaderHint: this.driver.status().leader });
      const demoted = this.store.leaseTimeToLive(req, term, this.leaseClock());
      return this.replyOk(client, clientReqId, {
        kind: "leaseTimeToLive",
        leaseTimeToLive: { ...demoted, TTL: demoted.TTL === -1 ? -1 : 9_223_372_036 },
      });
    }
    this.replyOk(client, clientReqId, {
      kind: "leaseTimeToLive",
      leaseTimeToLive: this.store.leaseTimeToLive(req, term, this.leaseClock()),
    });
  }

  private linearizable(client: string, clientReqId: number, serve: () => void): void {
    this.driver.readIndex((r) => {
      if (r.ok) serve();
      else this.reply(client, clientReqId, { error: r.reason === "no-leader" ? "no-leader" : "timeout" });
    });
  }

  // ------------------------------------------------------------ apply

  private apply(entry: Entry): void {
    if (this.demoteLate && !this.isLeader) this.demoteLessor();
    const data = entry.data as MemberEntry | null;
    if (entry.type === "confChange") this.applyConfChange(entry);
    if (data === null || entry.type !== "normal") {
      // etcd's lessor.Promote runs when the leader applies its term's first (empty) entry: every entry of
      // earlier terms, checkpoints included, has applied by then.
      if (data === null && this.isLeader && !this.promoted && entry.term === this.driver?.node.term) {
        this.promoted = true;
        this.store.lessor.promote(this.leaseClock(), this.electionUs);
      }
      this.report(entry);
      return;
    }
    // The driver is absent while its constructor replays the log into the state machine.
    const raftTerm = this.driver?.node.term ?? entry.term;
    if (data.op === "leaseExpire") {
      this.hooks.onLeaseExpire?.(this.env.id, data.ids);
      if (data.ids.some((id) => (this.store.lessor.lookup(id)?.keys.size ?? 0) > 0))
        probe("etcd.lease-expired-with-keys");
      for (const id of data.ids) this.store.leaseRevoke({ ID: id }, raftTerm);
      this.report(entry);
      return;
    }
    if (data.op === "leaseCheckpoint") {
      for (const cp of data.checkpoints) this.store.lessor.checkpoint(cp, this.leaseClock());
      this.report(entry);
      const w = data.origin === this.env.id && data.reqId !== undefined ? this.clears.get(data.reqId) : undefined;
      if (w !== undefined) {
        this.clears.delete(data.reqId!);
        this.env.cancelTimer(w.timer);
        w.done(true);
      }
      return;
    }
    if (data.op === "alarm") return this.applyAlarm(entry, data);
    if (data.op === "auth") {
      const changed = this.auth.apply(data, entry.index);
      this.hooks.onAuthApply?.(this.env.id, {
        index: entry.index,
        kvRevision: this.store.revision,
        state: this.auth.state,
        request: data.request,
        caller: data.caller,
        changed,
      });
      this.report(entry);
      return;
    }
    const req = data.request;
    const mine = data.origin === this.env.id;
    // The mutant re-creates etcd PR #22386: raising NOSPACE rebuilt the applier chain without the auth
    // applier, so until the disarm no write was permission-checked.
    if (
      (data.auth !== undefined || this.auth.enabled || this.auth.checksWhileDisabled) &&
      !(this.alarms.noSpace && this.bugs.has("etcd-auth-dropped-during-nospace"))
    ) {
      // etcd's authApplierV3: every member checks the request against the auth state at this log
      // position; one resolved at an older auth revision is refused, and its member proposes it again.
      const refused = this.auth.applyRefusal(data, (id) => [...(this.store.lessor.lookup(id)?.keys ?? [])]);
      if (refused !== undefined) {
        this.report(entry);
        const w = mine ? this.waiting.get(data.reqId) : undefined;
        if (w === undefined) return;
        if (
          refused === "auth-old-revision" &&
          w.retry !== undefined &&
          !this.bugs.has("etcd-auth-old-revision-returned")
        )
          return w.retry();
        this.waiting.delete(data.reqId);
        this.env.cancelTimer(w.timer);
        this.reply(w.client, w.clientReqId, { error: refused });
        return;
      }
    }
    // etcd #18667 as a mutant: only the member that received the request checks it against the store.
    const skipValidation = this.bugs.has("etcd-txn-check-leader-only") && !mine;
    if (!mine && this.quotaBytes === 0 && (req.kind !== "leaseGrant" || req.leaseGrant.ID)) {
      // Another member received the request and answers it: applied without building an answer (the same
      // changes, checks and probes; without the space quota, which reads the outcome, nothing else needs it).
      this.store.applyUnanswered(req, raftTerm, this.leaseClock(), skipValidation);
      this.report(entry);
      if (this.bugs.has("etcd-reapply-after-crash")) this.env.disk.write("kv-store", this.store.snapshot());
      return;
    }
    let result: EtcdResponse | { error: EtcdErrorCode };
    // The space quota at apply: the capped applier while NOSPACE is active, else etcd's quota applier.
    let quota = this.quotaBytes > 0 ? this.quotaAtApply(req) : "ok";
    // An entry the backend held at the restart is not applied again in etcd: whatever its quota applier
    // said the first time, the write is in the store (a refusal of a capped write holds on replay: the
    // alarm's state is replayed too). The mutant judges it again against the file's length after the crash.
    if (quota === "over" && entry.index <= this.backendIndexAtStart && !this.bugs.has("etcd-replay-rechecks-quota")) {
      probe("etcd.quota-skipped-on-replay");
      quota = "ok";
    }
    const revBefore = this.store.revision;
    const sizeBefore = this.quotaBytes > 0 ? this.backend.size : 0;
    if (quota === "capped") {
      probe("etcd.quota-capped-apply");
      result = { error: "no-space" };
    } else if (req.kind === "leaseGrant" && !req.leaseGrant.ID) {
      const id = this.store.lessor.chooseId();
      result = this.store.apply(
        { kind: "leaseGrant", leaseGrant: { ...req.leaseGrant, ID: id } },
        { raftTerm, nowUs: this.leaseClock() },
      );
      if (!isEtcdError(result)) this.grantedLease = id;
    } else {
      result = this.store.applyWith(req, raftTerm, this.leaseClock(), skipValidation);
    }
    let effectUnknown = false;
    if (this.quotaBytes > 0) {
      if (!isEtcdError(result) && req.kind === "compact") {
        const retained = retainedVersions(this.store.snapshot());
        // MUTANT etcd-compaction-frees-nothing: the pages a compaction frees never return to the freelist.
        if (!this.bugs.has("etcd-compaction-frees-nothing")) this.backend.recount(liveBytes(retained));
        this.hooks.onNoSpace?.(this.env.id, { kind: "compacted", index: entry.index, ...retained });
      }
      // Every request it applied, not only the ones this member guards: the checker restates which cost.
      if (!isEtcdError(result))
        this.hooks.onNoSpace?.(this.env.id, {
          kind: "write",
          index: entry.index,
          revision: this.store.revision,
          request: req,
          backendBytes: sizeBefore,
          wrote: this.store.revision > revBefore,
        });
      // etcd's quota applier applies the write, then answers ErrNoSpace and raises the alarm.
      if (quota === "over" && !isEtcdError(result)) {
        probe("etcd.quota-applied-over");
        this.hooks.onNoSpace?.(this.env.id, {
          kind: "refused",
          request: req,
          backendBytes: sizeBefore,
          index: entry.index,
        });
        result = { error: "no-space" };
        effectUnknown = true;
        this.raiseNoSpace();
      }
    }
    this.report(entry);
    if (this.bugs.has("etcd-reapply-after-crash")) this.env.disk.write("kv-store", this.store.snapshot());
    if (mine) {
      const w = this.waiting.get(data.reqId);
      if (w !== undefined) {
        this.waiting.delete(data.reqId);
        this.env.cancelTimer(w.timer);
        if (isEtcdError(result))
          this.reply(w.client, w.clientReqId, {
            error: result.error,
            ...(effectUnknown ? { effectUnknown: true as const } : {}),
          });
        else this.replyOk(w.client, w.clientReqId, result);
      }
    }
  }

  // ------------------------------------------------------------ space quota and alarms (etcd's Maintenance service)

  /** capped: refuse (NOSPACE active); over: apply, then answer no-space (etcd's quotaApplierV3); ok. */
  private quotaAtApply(req: EtcdRequest): "ok" | "over" | "capped" {
    if (!quotaGuarded(req, this.bugs)) return "ok";
    // The mutant never installs the capped applier: a write that fits is applied during the alarm.
    if (this.alarms.noSpace && this.costOf(req) > 0 && !this.bugs.has("etcd-write-during-nospace")) return "capped";
    return this.admits(req) ? "ok" : "over";
  }

  /**
   * etcd's backendQuota.Available, on the file's size, or the mutants': a request that writes nothing is
   * refused once the backend is full; the size in use (the live data) stands for the file's.
   */
  private admits(req: EtcdRequest): boolean {
    const cost = this.costOf(req);
    const size = this.bugs.has("etcd-quota-counts-size-in-use") ? this.backend.live : this.backend.size;
    if (this.bugs.has("etcd-quota-refuses-free-requests")) return size + cost < this.quotaBytes;
    return available(size, cost, this.quotaBytes);
  }

  /** etcd's Quota.Cost, or the mutant's: a nested Txn's puts cost nothing (etcd before #22134). */
  private costOf(req: EtcdRequest): number {
    return requestCost(req, !this.bugs.has("etcd-quota-nested-txn-free"));
  }

  /** Proposes this member's NOSPACE alarm, unless its view already has it. */
  private raiseNoSpace(): void {
    if (this.alarms.list().some((a) => a.member === this.env.id)) return;
    this.proposeLocally({ op: "alarm", action: "activate", member: this.env.id });
  }

  private applyAlarm(entry: Entry, data: Extract<MemberEntry, { op: "alarm" }>): void {
    const changed =
      data.action === "activate" ? this.alarms.activate(data.member) : this.alarms.deactivate(data.member);
    if (changed) {
      probe(data.action === "activate" ? "etcd.nospace-alarm-raised" : "etcd.nospace-alarm-disarmed");
      this.hooks.onNoSpace?.(this.env.id, {
        kind: data.action === "activate" ? "alarm" : "disarm",
        raisedBy: data.member,
        index: entry.index,
      });
    }
    this.report(entry);
    if (data.origin !== this.env.id || data.reqId === undefined) return;
    const w = this.maintWaiting.get(data.reqId);
    if (w === undefined) return;
    this.maintWaiting.delete(data.reqId);
    this.env.cancelTimer(w.timer);
    this.maintReply(w.client, w.clientReqId, { alarms: this.alarms.list() });
  }

  private maintReply(client: string, reqId: number, result: MaintenanceResult): void {
    this.env.send(client, { type: "MaintenanceResponse", reqId, result } satisfies MemberMessage);
  }

  private onMaintenance(client: string, reqId: number, request: MaintenanceRequest, token: string | undefined): void {
    const refused = this.auth.maintenanceRefusal(token, request.op);
    if (refused !== undefined) return this.maintReply(client, reqId, { error: refused });
    switch (request.op) {
      case "moveLeader":
        // etcd's maintenance server: only the leader moves leadership (ErrGRPCNotLeader otherwise).
        // MUTANT etcd-move-leader-check-inverted: the leader refuses, and a follower takes the move.
        if ((this.driver.node.roleKind !== "leader") !== this.bugs.has("etcd-move-leader-check-inverted"))
          return this.maintReply(client, reqId, { error: "not-leader" });
        return this.moveLeader(request.transferee, this.opts.proposalTimeoutUs ?? 1_000_000, (error) =>
          this.maintReply(client, reqId, error === undefined ? {} : { error }),
        );
      case "status":
        return this.maintReply(client, reqId, {
          dbSize: this.backend.size,
          dbSizeInUse: this.backend.live,
          alarms: this.alarms.list(),
        });
      case "defragment":
        // This member's backend only, as etcd's Defragment: the file is rewritten with the live data.
        probe("etcd.defragment");
        this.backend.defragment();
        if (this.quotaBytes > 0) this.hooks.onNoSpace?.(this.env.id, { kind: "defragment" });
        return this.maintReply(client, reqId, {});
      case "alarmList":
        return this.linearizableMaint(client, reqId, () =>
          this.maintReply(client, reqId, { alarms: this.alarms.list() }),
        );
      case "alarmActivate":
      case "alarmDisarm": {
        const id = `${this.reqPrefix}a${++this.nextReq}`;
        const timer = this.env.setTimer(this.opts.proposalTimeoutUs ?? 1_000_000, () => {
          if (this.maintWaiting.delete(id)) this.maintReply(client, reqId, { error: "timeout" });
        });
        this.maintWaiting.set(id, { client, clientReqId: reqId, timer });
        const proposed =
          this.proposeLocally({
            op: "alarm",
            action: request.op === "alarmActivate" ? "activate" : "deactivate",
            member: request.member,
            origin: this.env.id,
            reqId: id,
          }) === "ok";
        // MUTANT etcd-alarm-proposed-answered-no-leader: the outcome turned around (a proposed change is
        // answered "no leader", one that could not be proposed waits out its timeout).
        if (proposed === this.bugs.has("etcd-alarm-proposed-answered-no-leader")) {
          this.env.cancelTimer(timer);
          this.maintWaiting.delete(id);
          this.maintReply(client, reqId, { error: "no-leader" });
        }
        return;
      }
    }
  }

  /**
   * etcd's MoveLeader: the transferee must be a voting member (ErrBadLeaderTransferee); Raft is asked to
   * hand leadership over, and the answer waits, polled every tick as etcd polls s.Lead(), until this
   * member follows the transferee, or fails at the deadline (ErrTimeoutLeaderTransfer). Raft abandons a
   * transfer that has not finished within an election timeout; nothing asks again.
   */
  private moveLeader(
    transferee: string,
    deadlineUs: number,
    done: (error?: "bad-leader-transferee" | "leader-transfer-timeout" | "stopped") => void,
  ): void {
    // MUTANT etcd-move-leader-unchecked-transferee: no membership check; Raft ignores a transfer to a
    // node it does not track, and the call waits out its deadline.
    if (!this.bugs.has("etcd-move-leader-unchecked-transferee") && !this.driver.status().voters.includes(transferee)) {
      probe("etcd.move-leader-bad-transferee");
      return done("bad-leader-transferee");
    }
    this.driver.transferLeadership(transferee);
    // MUTANT etcd-move-leader-answers-early: the answer does not wait for the new leader.
    if (this.bugs.has("etcd-move-leader-answers-early")) return done();
    const tickUs = this.opts.tickUs ?? 10_000;
    const started = this.env.monotonic();
    const poll = () => {
      if (this.removed) return done("stopped");
      if (this.driver.node.leader === transferee) {
        probe("etcd.move-leader-done");
        return done();
      }
      if (this.env.monotonic() - started >= deadlineUs) {
        probe("etcd.move-leader-timed-out");
        return done("leader-transfer-timeout");
      }
      this.env.setTimer(tickUs, poll);
    };
    poll();
  }

  /**
   * A graceful stop, as etcd's Close on SIGTERM runs it. First the client servers stop (gRPC's GracefulStop):
   * no new request is taken (refused at once, so clients go elsewhere), and the requests already taken, watch
   * streams included, run until they are done or the request timeout passes (etcd's ReqTimeout: the request
   * timeout and two election timeouts), when the streams left are cut. Then the server stops (Stop): a
   * leader of more than one voter hands leadership to the voter it has been connected to longest
   * (TransferLeadership; none connected: ErrUnhealthy, no transfer), waiting up to the request timeout again;
   * then HardStop: Raft ends, the backend is committed, and the world exits the process with its disk synced.
   */
  stop(exit: () => void): void {
    if (this.stopping) return;
    this.stopping = true;
    const timeoutUs = (this.opts.proposalTimeoutUs ?? 1_000_000) + 2 * this.electionUs;
    const tickUs = this.opts.tickUs ?? 10_000;
    const started = this.env.monotonic();
    const hardStop = () => {
      this.halted = true;
      this.driver.stop();
      if (this.quotaBytes > 0) this.env.disk.commitNow(CONSISTENT_INDEX, this.appliedIndex);
      exit();
    };
    const serverStop = () => {
      const status = this.driver.status();
      if (this.removed || status.role !== "leader" || status.voters.length < 2) return hardStop();
      const transferee = this.longestConnected(status.voters);
      if (transferee === undefined) {
        probe("etcd.stop-without-transfer");
        return hardStop();
      }
      this.moveLeader(transferee, timeoutUs, (error) => {
        if (error === undefined) probe("etcd.stop-transferred-leadership");
        hardStop();
      });
    };
    const drain = () => {
      const pending = this.waiting.size + this.maintWaiting.size + this.changes.size + this.streams.size;
      const timedOut = this.env.monotonic() - started >= timeoutUs;
      // MUTANT etcd-stop-waits-for-watches: open watch streams hold the drain past its deadline.
      const held = !timedOut || (this.streams.size > 0 && this.bugs.has("etcd-stop-waits-for-watches"));
      if (pending > 0 && !this.removed && held) {
        this.env.setTimer(tickUs, drain);
        return;
      }
      if (pending > 0) probe("etcd.stop-cut-pending-requests");
      for (const s of this.streams.values()) s.stream.close();
      this.streams.clear();
      serverStop();
    };
    drain();
  }

  /** etcd's longestConnected: the voter (not this member) whose connection has been up longest; ties by name. */
  private longestConnected(voters: readonly string[]): string | undefined {
    const now = this.env.monotonic();
    let best: string | undefined;
    let since = Infinity;
    for (const v of [...voters].sort()) {
      if (v === this.env.id) continue;
      const h = this.heard.get(v);
      if (h === undefined || now - h.last > this.electionUs) continue;
      if (h.since < since) {
        since = h.since;
        best = v;
      }
    }
    return best;
  }

  private linearizableMaint(client: string, reqId: number, serve: () => void): void {
    this.driver.readIndex((r) =>
      r.ok ? serve() : this.maintReply(client, reqId, { error: r.reason === "no-leader" ? "no-leader" : "timeout" }),
    );
  }

  private report(entry: Entry): void {
    if (this.renewalsAwaitingRevoke.size > 0) {
      this.settleRenewals(false);
      // lessor.Renew's wait ends with the revoke: a keep-alive still waiting on a lease already gone would
      // be answered by no one (its client times out on a lease etcd reports "not found").
      for (const id of this.renewalsAwaitingRevoke.keys())
        assert(
          this.store.lessor.lookup(id) !== undefined,
          () => `${this.env.id}: keep-alives still wait on lease ${id}, revoked by entry ${entry.index} or before`,
        );
    }
    if (this.appliedWaiters.length > 0) {
      const due = this.appliedWaiters.filter((w) => w.index <= entry.index);
      if (due.length > 0) {
        this.appliedWaiters = this.appliedWaiters.filter((w) => w.index > entry.index);
        for (const w of due) w.run();
      }
    }
    this.auth.onApplied(entry.index);
    const granted = this.grantedLease;
    this.grantedLease = 0;
    this.hooks.onApply?.(
      this.env.id,
      entry.index,
      entry.term,
      entry.data,
      this.store.revision,
      granted,
      this.store.lessor.size,
    );
  }

  /**
   * Answers the keep-alives waiting on an expired lease: "not found" (TTL 0) once the lease is gone; with
   * `demoted`, the rest not-leader (the new leader's lessor holds the lease now).
   */
  private settleRenewals(demoted: boolean): void {
    // Deleting the current entry while iterating a Map is safe: iteration goes on with the next.
    for (const [id, waiting] of this.renewalsAwaitingRevoke) {
      // MUTANT etcd-lease-renew-wait-unanswered: the check turned around (a revoke leaves its waiters waiting).
      const gone = (this.store.lessor.lookup(id) === undefined) !== this.bugs.has("etcd-lease-renew-wait-unanswered");
      if (!gone && !demoted) continue;
      this.renewalsAwaitingRevoke.delete(id);
      for (const w of waiting) {
        // The store answers a keep-alive of a lease that is gone as etcd does: TTL 0.
        const r = gone ? this.store.leaseKeepAlive({ ID: id }, this.driver.node.term, this.leaseClock()) : undefined;
        if (r !== undefined && !isEtcdError(r)) {
          this.replyOk(w.client, w.clientReqId, { kind: "leaseKeepAlive", leaseKeepAlive: r });
        } else {
          this.reply(w.client, w.clientReqId, { error: "not-leader", leaderHint: this.driver.status().leader });
        }
      }
    }
  }

  private restore(s: MemberSnapshot, index: number): void {
    probe("etcd.snapshot-restored");
    if (this.quotaBytes > 0) {
      // A leader's snapshot replaces the backend, its consistent index the snapshot's; a restart's own
      // snapshot is at or below the backend's (the backend was committed before it was taken).
      this.appliedIndex = Math.max(this.appliedIndex, index);
      this.env.disk.commitNow(CONSISTENT_INDEX, Math.max(this.env.disk.committed(CONSISTENT_INDEX) ?? 0, index));
    }
    // The hub's watchers catch up from the restored history (etcd-watch-rewind-after-snapshot lives there).
    this.store.restore(s.kv, this.leaseClock());
    this.removedIds = new Set(s.removed);
    if (this.quotaBytes > 0) {
      this.alarms.restore(s.alarms);
      const retained = retainedVersions(s.kv);
      this.backend.recount(liveBytes(retained));
      this.hooks.onNoSpace?.(this.env.id, {
        kind: "restore",
        alarms: this.alarms.list().map((a) => a.member),
        index: 0,
        ...retained,
      });
    }
    this.auth.restore(s.auth);
  }

  // ------------------------------------------------------------ leases

  /** Lease expiry is measured on the monotonic clock; the mutant uses the skewable wall clock. */
  private leaseClock(): number {
    return this.bugs.has("etcd-lease-stale-leader") ? this.env.now() : this.env.monotonic();
  }

  private onSoftState(s: SoftState): void {
    const wasLeader = this.isLeader;
    this.isLeader = s.role === "leader";
    // A new leader's lessor is promoted once it applies its term's first entry (see apply).
    if (this.isLeader && !wasLeader) this.promoted = false;
    else if (!this.isLeader && wasLeader) {
      if (this.bugs.has("etcd-member-change-refused-on-stepdown")) this.refusePendingChanges();
      // The mutant learns of the step-down late, as etcd's server did while its raft loop was busy.
      if (this.bugs.has("etcd-lease-revoke-after-stepdown")) this.demoteLate = true;
      else this.demoteLessor();
    }
    const term = this.driver?.node.term ?? 0;
    this.hub.raftTerm = term;
    this.hooks.onSoftState?.(this.env.id, s, term);
  }

  private demoteLessor(): void {
    this.demoteLate = false;
    this.store.lessor.demote();
    if (this.renewalsAwaitingRevoke.size > 0) this.settleRenewals(true);
  }

  private checkLeases(): void {
    // Both mutants skip the leadership check: a deposed leader that still believes it leads keeps
    // expiring leases, by its own (skewed) clock, or — its lessor not yet demoted — through revokes
    // that Raft forwards to the new leader (etcd #12528/#15247, before #16822 confirmed leadership first).
    const forwarded = this.bugs.has("etcd-lease-revoke-after-stepdown");
    const leading =
      this.bugs.has("etcd-lease-stale-leader") || forwarded
        ? this.store.lessor.isPrimary
        : this.isLeader && this.driver.node.roleKind === "leader";
    if (!leading) return;
    const ids = this.store.lessor.expired(this.leaseClock());
    if (ids.length > 0) {
      const entry = { op: "leaseExpire", ids } satisfies MemberEntry;
      if (this.driver.node.roleKind === "leader") this.driver.propose(entry);
      else if (forwarded) this.driver.proposeForwarded(entry);
    }
    // etcd's checkpointScheduledLeases, in the same loop here (etcd runs it beside the revoke loop).
    if (this.driver.node.roleKind !== "leader") return;
    const checkpoints = this.store.lessor.dueCheckpoints(this.leaseClock());
    if (checkpoints.length > 0) {
      probe("etcd.lease-checkpointed");
      this.driver.propose({ op: "leaseCheckpoint", checkpoints } satisfies MemberEntry);
    }
  }

  /**
   * A keep-alive on the leader (its leadership confirmed). With checkpoints on, a lease whose remaining TTL
   * a checkpoint recorded must have it cleared through Raft, or the next leader restarts the lease from a
   * remainder older than this renewal. The lease is refreshed first, so any checkpoint taken from now on
   * counts from the renewal, and the answer waits for the clear, which follows in the log every checkpoint
   * proposed before it; if the clear does not apply in time, the keep-alive promises nothing (timeout).
   */
  private renewLease(client: string, clientReqId: number, id: number): void {
    const lessor = this.store.lessor;
    const answer = (fromRemaining: boolean) => {
      const r = this.store.leaseKeepAlive({ ID: id }, this.driver.node.term, this.leaseClock(), fromRemaining);
      if (isEtcdError(r)) this.reply(client, clientReqId, { error: r.error });
      else this.replyOk(client, clientReqId, { kind: "leaseKeepAlive", leaseKeepAlive: r });
    };
    if (this.bugs.has("etcd-lease-renew-stale-checkpoint")) {
      // etcd's Renew: a clear only for a remainder already applied, its failure ignored, the refresh after it.
      if (!lessor.isPrimary || (lessor.lookup(id)?.remainingTTL ?? 0) === 0) return answer(true);
      return this.proposeClear(id, () => {
        if (this.isLeader) answer(true);
        else this.reply(client, clientReqId, { error: "not-leader", leaderHint: this.driver.status().leader });
      });
    }
    if (!lessor.isPrimary) return answer(false);
    const r = this.store.leaseKeepAlive({ ID: id }, this.driver.node.term, this.leaseClock());
    if (isEtcdError(r)) return this.reply(client, clientReqId, { error: r.error });
    if (!lessor.needsClear(id)) return this.replyOk(client, clientReqId, { kind: "leaseKeepAlive", leaseKeepAlive: r });
    probe("etcd.keepalive-cleared-checkpoint");
    this.proposeClear(id, (applied) => {
      if (applied) this.replyOk(client, clientReqId, { kind: "leaseKeepAlive", leaseKeepAlive: r });
      else this.reply(client, clientReqId, { error: "timeout" });
    });
  }

  /** Proposes a checkpoint clearing a lease's remaining TTL; `done` learns whether it applied here in time. */
  private proposeClear(id: number, done: (applied: boolean) => void): void {
    const reqId = this.reqPrefix + ++this.nextReq;
    const timer = this.env.setTimer(this.opts.proposalTimeoutUs ?? 1_000_000, () => {
      if (this.clears.delete(reqId)) done(false);
    });
    this.clears.set(reqId, { timer, done });
    const entry: MemberEntry = {
      op: "leaseCheckpoint",
      checkpoints: [{ ID: id, remainingTTL: 0 }],
      origin: this.env.id,
      reqId,
    };
    // MUTANT etcd-lease-keepalive-clear-unproposed: the clear is never proposed, so it never applies.
    const unproposed = this.bugs.has("etcd-lease-keepalive-clear-unproposed");
    if (unproposed || this.driver.node.roleKind !== "leader" || !this.driver.propose(entry).ok) {
      this.clears.delete(reqId);
      this.env.cancelTimer(timer);
      done(false);
    }
  }
}

/** The mutant etcd-txn-ops-summed's count: compares and both branches together. */
function summedOps(txn: TxnRequest): number {
  return txn.compare.length + txn.success.length + txn.failure.length;
}
