// An etcd client inside a simulated client process: one member at a time, a timeout per request,
// fail-over on timeout or "not leader", and every operation recorded in the history with its invoke
// and return times. A timeout or lost connection is recorded as an unknown outcome (return = null).
import type { BugSet } from "../bugs.ts";
import type { Env, TimerId } from "../env.ts";
import type { EtcdOperation, WatchRecord } from "../history.ts";
import type { EtcdErrorCode, EtcdRequest, EtcdResponse, WatchCreateRequest, WatchResponse } from "../mvcc/rpc.ts";
import type { KV, KvResult, WatchHandle } from "./kv.ts";
import { DEFINITE_ERRORS, RETRYABLE_ERRORS, type ClientMessage, type MemberMessage } from "./protocol.ts";
import type { AuthRequest, AuthResponse } from "./auth.ts";
import { type ChunkStore, PackedValues } from "./packed-values.ts";

/**
 * Operations recorded before the first are packed: a short run (every scenario's usual seed: the
 * busiest records ~1,500; a 1-minute kv-chaos run ~4,300) never packs, so its history is the plain
 * array it always was (which its checkers read faster, and without a fresh object per read).
 */
const PACK_FIRST = 12_288;
/**
 * Once packing, an operation is packed when it is this old (simulated µs since its call): far past a
 * request's timeout and its retries, so it has finished (unless its client was killed: then it is kept
 * by reference). Its objects then die young instead of being promoted to the old generation, which
 * grows to several times its live size between collections: a long run's history costs ~160 bytes an
 * operation packed (see PackedValues) and little heap.
 */
const PACK_AGE_US = 8_000_000;
/** Once packing, how many operations are recorded between two looks for old ones to pack. */
const PACK_STEP = 256;

/**
 * Takes the watch streams instead of `HistoryRecorder.watches` (which it may keep them in): told when
 * a stream opens and when it ends (no response is added to its record after), e.g. to judge it then.
 */
export interface WatchStreamSink {
  opened(record: WatchRecord): void;
  closed(record: WatchRecord): void;
}

/** Where clients write what they observed; shared by every client of a run (observation, not state). */
export class HistoryRecorder {
  /** The operations from id `packed.length` on, as objects: the latest, and those still in flight. */
  private recent: EtcdOperation[] = [];
  /** The older ones by id: finished ones packed (read back as fresh copies), any still in flight by reference. */
  private readonly packed: PackedValues;
  private view: EtcdOperation[] | undefined;
  /** Look for operations to pack once `recent` is this long. */
  private packAt = PACK_FIRST;
  readonly watches: WatchRecord[] = [];
  /** When set, watch records go to it rather than to `watches`. */
  watchSink: WatchStreamSink | undefined = undefined;
  /**
   * `trueNow`: virtual time source (true time, not a process clock): histories are judged in real time.
   * `chunkStore`: where the packed operations go once they fill a chunk (see PackedValues), called only
   * if a run records that many; without it they stay in memory.
   */
  constructor(
    readonly trueNow: () => number,
    chunkStore?: () => ChunkStore | undefined,
  ) {
    this.packed = new PackedValues(chunkStore);
  }

  /** Bytes of packed operations in memory, and how many of their chunks went to the chunk store. */
  get packedMemory(): { bytes: number; storedChunks: number } {
    return { bytes: this.packed.byteSize, storedChunks: this.packed.storedChunks };
  }

  /**
   * Every operation in id order. Until anything is packed, the recorder's own array; after, a read-only
   * array view that rebuilds each packed operation when read (a fresh object per read: read, don't
   * hold on to identity). Read it at check time: an array taken before packing stops growing.
   */
  get operations(): EtcdOperation[] {
    if (this.packed.length === 0) return this.recent;
    this.view ??= operationsView(this);
    return this.view;
  }

  /** How many operations were invoked. */
  get operationCount(): number {
    return this.packed.length + this.recent.length;
  }

  /** Operation `id` (a fresh copy if it was packed). */
  operation(id: number): EtcdOperation {
    const p = this.packed.length;
    return id < p ? (this.packed.get(id) as EtcdOperation) : this.recent[id - p]!;
  }

  invoke(client: number, request: EtcdRequest): EtcdOperation {
    const op: EtcdOperation = {
      id: this.packed.length + this.recent.length,
      client,
      call: this.trueNow(),
      return: null,
      request,
      response: null,
    };
    this.recent.push(op);
    if (this.recent.length >= this.packAt) this.pack();
    return op;
  }

  /**
   * Packs the operations called PACK_AGE_US ago or earlier (calls are in id order: time only grows).
   * Each finished one is final (its client no longer holds it) and is copied; one still in flight (a
   * request whose client was killed never finishes) is kept by reference, so whatever its client still
   * writes into it is read back.
   */
  private pack(): void {
    const recent = this.recent;
    const before = this.trueNow() - PACK_AGE_US;
    let n = 0;
    while (n < recent.length && recent[n]!.call <= before) {
      const op = recent[n++]!;
      if (op.return !== null || op.error !== undefined) this.packed.push(op);
      else this.packed.pushRef(op);
    }
    if (n > 0) this.recent = recent.slice(n);
    this.packAt = this.recent.length + PACK_STEP;
  }
}

/** A read-only array over a recorder's operations, rebuilding each packed one when read. */
function operationsView(r: HistoryRecorder): EtcdOperation[] {
  const readOnly = (): never => {
    throw new TypeError("the recorded history is read-only");
  };
  return new Proxy<EtcdOperation[]>([], {
    get(target, p, receiver) {
      if (typeof p === "string") {
        if (p === "length") return r.operationCount;
        const i = arrayIndex(p);
        if (i >= 0) return i < r.operationCount ? r.operation(i) : undefined;
      }
      return Reflect.get(target, p, receiver);
    },
    has(target, p) {
      if (typeof p === "string") {
        const i = arrayIndex(p);
        if (i >= 0) return i < r.operationCount;
      }
      return Reflect.has(target, p);
    },
    ownKeys() {
      const keys: string[] = [];
      for (let i = 0; i < r.operationCount; i++) keys.push(String(i));
      keys.push("length");
      return keys;
    },
    getOwnPropertyDescriptor(target, p) {
      if (typeof p === "string") {
        if (p === "length") return { value: r.operationCount, writable: true, enumerable: false, configurable: false };
        const i = arrayIndex(p);
        if (i >= 0)
          return i < r.operationCount
            ? { value: r.operation(i), writable: false, enumerable: true, configurable: true }
            : undefined;
      }
      return Reflect.getOwnPropertyDescriptor(target, p);
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
  });
}

/** A canonical array index ("0", "17"; not "017", "-1", "1.5"), or -1. */
function arrayIndex(p: string): number {
  const n = p.length;
  if (n === 0 || n > 15) return -1;
  let i = 0;
  for (let k = 0; k < n; k++) {
    const c = p.charCodeAt(k) - 48;
    if (c < 0 || c > 9 || (k === 0 && c === 0 && n > 1)) return -1;
    i = i * 10 + c;
  }
  return i;
}

export interface ClientOptions {
  /**
   * Numeric client id in the history. A restarted process gets a new id: request ids are drawn from the
   * id's own range, and members drop a request whose (sender, request id) they have seen (the network
   * may duplicate a message; a TCP stream would not), so a new incarnation reusing the old one's ids
   * would have its requests dropped as duplicates, silently, until its ids passed the old ones.
   */
  clientId: number;
  /** Mutants that live in the client (etcd-client-reuses-request-ids). */
  bugs?: BugSet;
  members: readonly string[];
  requestTimeoutUs: number;
  /** How long a watch stream may stay silent to pings before it is declared broken. */
  streamTimeoutUs: number;
  recorder: HistoryRecorder;
  /** Retries on not-leader / no-leader within one operation. */
  maxRetries?: number;
  /**
   * Authenticate as this user (etcd's clientv3 Username/Password): a token is fetched before the first
   * request and again after "invalid auth token" (expired, or the member restarted), as clientv3 does.
   * With auth off on the server ("authentication is not enabled"), requests go without a token.
   */
  auth?: { user: string; password: string };
  /**
   * Each operation that succeeded, with the attempt that served it: the member it was sent to, the token
   * it carried and when it was sent (true time) — what the auth-tokens checker judges.
   */
  onServed?(op: EtcdOperation, served: { member: string; token: string | undefined; sentAt: number }): void;
}

/** A KV method's callback, which gets the response's field named by the request's kind (a Range call, its `range`). */
type Reply = (r: KvResult<unknown>) => void;

interface Pending {
  op: EtcdOperation;
  cb: Reply;
  timer: TimerId;
  attempts: number;
  member: string;
  /** The last attempt's token and send time (true time). */
  token: string | undefined;
  sentAt: number;
}

interface Stream {
  streamId: number;
  member: string;
  record: WatchRecord;
  onResponse: (r: WatchResponse) => void;
  lastHeard: number;
  pingTimer: TimerId | undefined;
  closed: boolean;
  /** The next response sequence number owed; later ones wait here (the stream is FIFO, like TCP). */
  nextSeq: number;
  early: Map<number, WatchResponse>;
  /** How many responses the member said (in a pong) it had sent: more than nextSeq means some were lost. */
  sent: number;
  /** When the oldest unfilled gap appeared (responses waiting behind a lost one, or owed after a pong). */
  gapSince: number;
}

/** Responses are missing: later ones wait for an earlier one, or the member sent more than arrived. */
function hasGap(s: Stream): boolean {
  return s.early.size > 0 || s.sent > s.nextSeq;
}

/** Request (and watch stream) ids per client id: far more than any run makes, and ids stay exact integers. */
const REQ_IDS_PER_CLIENT = 2 ** 24;

export class EtcdClient implements KV {
  private nextReq: number;
  private nextStream: number;
  /** Stream ids on the wire are this plus the watch's number in this incarnation (1, 2, …: what records and handles show). */
  private readonly streamBase: number;
  private endpoint = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, Stream>();
  /** Auth: the current simple token, and Auth service calls in flight (by request id). */
  private token: string | undefined;
  private readonly authPending = new Map<
    number,
    { cb: (r: KvResult<AuthResponse>) => void; timer: TimerId; member: string }
  >();

  constructor(
    private readonly env: Env,
    readonly opts: ClientOptions,
  ) {
    this.nextReq = opts.bugs?.has("etcd-client-reuses-request-ids") ? 1 : opts.clientId * REQ_IDS_PER_CLIENT + 1;
    // A member knows a watch stream by its sender and id, as it knows a request: a restarted process's
    // streams must not reuse its previous incarnation's ids, which may still be open on a member.
    this.streamBase = opts.bugs?.has("etcd-client-reuses-watch-ids") ? 0 : opts.clientId * REQ_IDS_PER_CLIENT;
    this.nextStream = this.streamBase + 1;
    this.endpoint = env.rng.int(0, opts.members.length - 1);
  }

  get member(): string {
    return this.opts.members[this.endpoint]!;
  }

  /**
   * Sends the next request to another member (as a caller that distrusts one member's answer points its
   * client at another endpoint); requests in flight stay where they are.
   */
  moveOn(): void {
    this.failover();
  }

  private failover(hint?: string): void {
    const i = hint ? this.opts.members.indexOf(hint) : -1;
    this.endpoint = i >= 0 ? i : (this.endpoint + 1) % this.opts.members.length;
  }

  /** Feed every message addressed to this client's process here. Returns false if it was not for the client. */
  onMessage(from: string, raw: unknown): boolean {
    const m = raw as MemberMessage;
    switch (m.type) {
      case "KvResponse": {
        const p = this.pending.get(m.reqId);
        if (p === undefined || p.member !== from) return true; // late or duplicated answer
        if (
          m.error === "invalid-auth-token" &&
          this.opts.auth !== undefined &&
          p.attempts < (this.opts.maxRetries ?? 3)
        ) {
          // clientv3 fetches a new token and retries once the old one is refused.
          p.attempts++;
          this.token = undefined;
          this.pending.delete(m.reqId);
          const retryId = this.nextReq++;
          this.pending.set(retryId, p);
          this.withToken(
            p,
            () => this.sendRequest(retryId, p),
            (e) => this.finish(retryId, p, e),
          );
          return true;
        }
        if (m.error !== undefined && RETRYABLE_ERRORS.has(m.error) && p.attempts < (this.opts.maxRetries ?? 3)) {
          this.failover(m.leaderHint);
          p.attempts++;
          // A retry is a new RPC with its own id: a member dedupes ids it has seen (TCP semantics),
          // so reusing one would make a retry that lands on the same member vanish.
          this.pending.delete(m.reqId);
          const retryId = this.nextReq++;
          this.pending.set(retryId, p);
          this.sendRequest(retryId, p);
          return true;
        }
        if (m.response !== undefined) this.finishOk(m.reqId, p, m.response);
        else
          this.finish(m.reqId, p, {
            ok: false,
            error: m.error ?? "timeout",
            unknown: !DEFINITE_ERRORS.has(m.error ?? "timeout") || m.effectUnknown === true,
          });
        return true;
      }
      case "WatchEvent": {
        const s = this.streams.get(m.streamId);
        if (s === undefined || s.member !== from) {
          // A stream this client gave up on (broken, or cancelled) still talks: tell the member to stop.
          if (s === undefined)
            this.env.send(from, { type: "WatchCancel", streamId: m.streamId } satisfies ClientMessage);
          return true;
        }
        if (s.closed || m.seq < s.nextSeq) return true;
        s.lastHeard = this.env.now();
        if (!hasGap(s)) s.gapSince = this.env.now();
        if (m.seq === s.nextSeq && s.early.size === 0) {
          // The usual case, in order with nothing waiting: handed over at once rather than through
          // `early` (the loop below would take it back out and find nothing after it; a watcher's
          // callback cannot deliver another response meanwhile, messages arrive only as events).
          s.nextSeq++;
          this.handOver(s, m.response);
          return true;
        }
        s.early.set(m.seq, m.response);
        // Hand responses over in stream order; a gap that never fills breaks the stream (ping timeout).
        for (let r = s.early.get(s.nextSeq); r !== undefined && !s.closed; r = s.early.get(s.nextSeq)) {
          s.early.delete(s.nextSeq++);
          this.handOver(s, r);
        }
        return true;
      }
      case "StreamPong": {
        const s = this.streams.get(m.streamId);
        if (s === undefined || s.member !== from) return true;
        s.lastHeard = this.env.now();
        // A lost last response (e.g. the cancel of a compacted watch) leaves no later one to reveal the
        // gap: the pong's count does, and an unfilled gap breaks the stream like any other.
        if (m.sent !== undefined && m.sent > s.sent) {
          if (!hasGap(s)) s.gapSince = this.env.now();
          s.sent = m.sent;
        }
        return true;
      }
      case "AuthResponse": {
        const a = this.authPending.get(m.reqId);
        if (a === undefined || a.member !== from) return true;
        this.authPending.delete(m.reqId);
        this.env.cancelTimer(a.timer);
        if (m.error !== undefined && RETRYABLE_ERRORS.has(m.error)) this.failover(m.leaderHint);
        a.cb(
          m.response !== undefined
            ? { ok: true, value: m.response }
            : { ok: false, error: m.error ?? "timeout", unknown: !DEFINITE_ERRORS.has(m.error ?? "timeout") },
        );
        return true;
      }
      case "StreamUnknown": {
        const s = this.streams.get(m.streamId);
        if (s !== undefined && s.member === from && !s.closed) this.breakStream(s);
        return true;
      }
      default:
        return false;
    }
  }

  /** A watch response, next in stream order: recorded, then given to the watcher. */
  private handOver(s: Stream, r: WatchResponse): void {
    s.record.responses.push({ time: this.opts.recorder.trueNow(), response: r });
    if (r.canceled) this.closeStream(s, false);
    s.onResponse(r);
  }

  private call(request: EtcdRequest, cb: Reply): void {
    const op = this.opts.recorder.invoke(this.opts.clientId, request);
    const reqId = this.nextReq++;
    const p: Pending = { op, cb, timer: 0, attempts: 0, member: this.member, token: undefined, sentAt: 0 };
    this.pending.set(reqId, p);
    if (this.opts.auth !== undefined && this.token === undefined) {
      this.withToken(
        p,
        () => this.sendRequest(reqId, p),
        (e) => this.finish(reqId, p, e),
      );
      return;
    }
    this.sendRequest(reqId, p);
  }

  /**
   * Authenticates (if there is no token yet), then `then`. A failure that is not worth retrying ends the
   * operation: it was never sent, so it had no effect (a definite error, even a timeout).
   */
  private withToken(p: Pending, then: () => void, fail: (r: KvResult<EtcdResponse>) => void, tries = 0): void {
    const auth = this.opts.auth!;
    if (this.token !== undefined) return then();
    p.member = this.member;
    this.authRequest({ op: "authenticate", name: auth.user, password: auth.password }, (r) => {
      if (r.ok) {
        this.token = r.value.token;
        return then();
      }
      if (r.error === "auth-not-enabled") return then();
      if ((RETRYABLE_ERRORS.has(r.error) || r.error === "timeout") && tries < (this.opts.maxRetries ?? 3)) {
        if (r.error === "timeout") this.failover();
        return this.withToken(p, then, fail, tries + 1);
      }
      fail({ ok: false, error: r.error, unknown: false });
    });
  }

  /** One call of etcd's Auth service (UserAdd, RoleGrantPermission, Authenticate…), with this client's token. */
  authRequest(request: AuthRequest, cb: (r: KvResult<AuthResponse>) => void): void {
    const reqId = this.nextReq++;
    const member = this.member;
    const timer = this.env.setTimer(this.opts.requestTimeoutUs, () => {
      if (!this.authPending.delete(reqId)) return;
      this.failover();
      cb({ ok: false, error: "timeout", unknown: true });
    });
    this.authPending.set(reqId, { cb, timer, member });
    const token = request.op === "authenticate" ? undefined : this.token;
    this.env.send(member, {
      type: "AuthRequest",
      reqId,
      request,
      ...(token !== undefined ? { token } : {}),
    } satisfies ClientMessage);
  }

  /** Authenticates as opts.auth now and keeps the token (an operator's explicit login). */
  login(cb: (r: KvResult<AuthResponse>) => void): void {
    const auth = this.opts.auth;
    if (auth === undefined) return cb({ ok: false, error: "user-empty", unknown: false });
    this.authRequest({ op: "authenticate", name: auth.user, password: auth.password }, (r) => {
      if (r.ok) this.token = r.value.token;
      // Auth is off: the old token is dead and no new one comes; requests go without one (clientv3 since
      // etcd PR #13577, "Reset auth token when failing to authenticate due to auth being disabled"). Kept,
      // it would be refused as an invalid auth token by an etcd 3.4 member, auth off or not.
      // MUTANT etcd-client-keeps-dead-token: clientv3 before that PR.
      else if (r.error === "auth-not-enabled" && this.opts.bugs?.has("etcd-client-keeps-dead-token") !== true)
        this.token = undefined;
      cb(r);
    });
  }

  /** Sends this token from now on (undefined: none) — for tests that hold tokens themselves. */
  useToken(token: string | undefined): void {
    this.token = token;
  }

  /** The simple token requests carry now (undefined: none yet, or auth is off). */
  get currentToken(): string | undefined {
    return this.token;
  }

  /** Forgets the token (the next request authenticates again). */
  dropToken(): void {
    this.token = undefined;
  }

  private sendRequest(reqId: number, p: Pending): void {
    p.member = this.member;
    this.env.cancelTimer(p.timer);
    p.timer = this.env.setTimer(this.opts.requestTimeoutUs, () => {
      // No answer: the request may or may not have been applied. Try another member next time.
      this.failover();
      // The mutant: clientv3 before PR #6691, which sent a mutation again after an unknown outcome.
      if (this.opts.bugs?.has("etcd-client-retries-unknown-outcome") && p.attempts < (this.opts.maxRetries ?? 3)) {
        p.attempts++;
        this.pending.delete(reqId);
        const retryId = this.nextReq++;
        this.pending.set(retryId, p);
        return this.sendRequest(retryId, p);
      }
      this.finish(reqId, p, { ok: false, error: "timeout", unknown: true });
    });
    // Two literals rather than a spread of an optional field: one object per request, keys in the same order.
    const token = this.token;
    if (this.opts.onServed !== undefined) {
      p.token = token;
      p.sentAt = this.opts.recorder.trueNow();
    }
    this.env.send(
      p.member,
      (token === undefined
        ? { type: "KvRequest", reqId, request: p.op.request }
        : { type: "KvRequest", reqId, request: p.op.request, token }) satisfies ClientMessage,
    );
  }

  /** The operation ends with an error (definite, or of unknown outcome). */
  private finish(reqId: number, p: Pending, r: KvResult<EtcdResponse>): void {
    if (r.ok) return this.finishOk(reqId, p, r.value);
    this.pending.delete(reqId);
    this.env.cancelTimer(p.timer);
    if (!r.unknown) p.op.return = this.opts.recorder.trueNow();
    p.op.error = r.error; // an unknown outcome keeps return null
    p.cb(r);
  }

  /** The operation ends with a response: the caller gets the field its request's kind names. */
  private finishOk(reqId: number, p: Pending, response: EtcdResponse): void {
    this.pending.delete(reqId);
    this.env.cancelTimer(p.timer);
    p.op.return = this.opts.recorder.trueNow();
    p.op.response = response;
    this.opts.onServed?.(p.op, { member: p.member, token: p.token, sentAt: p.sentAt });
    p.cb({ ok: true, value: (response as unknown as Record<string, unknown>)[p.op.request.kind] });
  }

  // Each method's callback gets the response field its request kind names (see finishOk).
  range: KV["range"] = (req, cb) => this.call({ kind: "range", range: req }, cb as Reply);
  put: KV["put"] = (req, cb) => this.call({ kind: "put", put: req }, cb as Reply);
  deleteRange: KV["deleteRange"] = (req, cb) => this.call({ kind: "deleteRange", deleteRange: req }, cb as Reply);
  txn: KV["txn"] = (req, cb) => this.call({ kind: "txn", txn: req }, cb as Reply);
  compact: KV["compact"] = (req, cb) => this.call({ kind: "compact", compact: req }, cb as Reply);
  leaseGrant: KV["leaseGrant"] = (req, cb) => this.call({ kind: "leaseGrant", leaseGrant: req }, cb as Reply);
  leaseRevoke: KV["leaseRevoke"] = (req, cb) => this.call({ kind: "leaseRevoke", leaseRevoke: req }, cb as Reply);
  leaseKeepAlive: KV["leaseKeepAlive"] = (req, cb) =>
    this.call({ kind: "leaseKeepAlive", leaseKeepAlive: req }, cb as Reply);
  leaseTimeToLive: NonNullable<KV["leaseTimeToLive"]> = (req, cb) =>
    this.call({ kind: "leaseTimeToLive", leaseTimeToLive: req }, cb as Reply);

  watch(req: WatchCreateRequest, onResponse: (r: WatchResponse) => void): WatchHandle {
    const streamId = this.nextStream++;
    const watchId = streamId - this.streamBase;
    const record: WatchRecord = {
      client: this.opts.clientId,
      member: this.member,
      watchId,
      call: this.opts.recorder.trueNow(),
      request: req,
      responses: [],
      ...(this.opts.auth !== undefined && this.token === undefined ? { tokenless: true as const } : {}),
    };
    const sink = this.opts.recorder.watchSink;
    if (sink !== undefined) sink.opened(record);
    else this.opts.recorder.watches.push(record);
    const s: Stream = {
      streamId,
      member: this.member,
      record,
      onResponse,
      lastHeard: this.env.now(),
      pingTimer: undefined,
      closed: false,
      nextSeq: 0,
      early: new Map(),
      sent: 0,
      gapSince: 0,
    };
    this.streams.set(streamId, s);
    this.env.send(s.member, {
      type: "WatchCreate",
      streamId,
      request: req,
      ...(this.token !== undefined ? { token: this.token } : {}),
    } satisfies ClientMessage);
    const ping = () => {
      if (s.closed) return;
      const now = this.env.now();
      if (
        now - s.lastHeard > this.opts.streamTimeoutUs ||
        (hasGap(s) && now - s.gapSince > this.opts.streamTimeoutUs / 2)
      )
        return this.breakStream(s);
      this.env.send(s.member, { type: "StreamPing", streamId } satisfies ClientMessage);
      s.pingTimer = this.env.setTimer(this.opts.streamTimeoutUs / 4, ping);
    };
    s.pingTimer = this.env.setTimer(this.opts.streamTimeoutUs / 4, ping);
    return {
      watchId,
      cancel: () => {
        if (s.closed) return;
        this.env.send(s.member, { type: "WatchCancel", streamId } satisfies ClientMessage);
        this.closeStream(s, true);
      },
      requestProgress: () => {
        if (!s.closed) this.env.send(s.member, { type: "WatchProgress", streamId } satisfies ClientMessage);
      },
    };
  }

  /** The watches this client holds open (the `watchId` of each WatchHandle), for leak accounting. */
  openWatchIds(): number[] {
    return [...this.streams.keys()].map((id) => id - this.streamBase);
  }

  private closeStream(s: Stream, byClient: boolean): void {
    s.closed = true;
    if (s.pingTimer !== undefined) this.env.cancelTimer(s.pingTimer);
    this.streams.delete(s.streamId);
    this.opts.recorder.watchSink?.closed(s.record);
    void byClient;
  }

  /** The member went silent or forgot the stream: tell the watcher, which re-watches elsewhere. */
  private breakStream(s: Stream): void {
    this.closeStream(s, false);
    this.failover();
    const broken: WatchResponse = {
      header: { revision: 0, raftTerm: 0 },
      watchId: s.streamId,
      canceled: true,
      cancelReason: "stream broken",
      events: [],
    };
    s.onResponse(broken);
  }

  /** Errors a caller might want to name. */
  static isUnknown(e: EtcdErrorCode): boolean {
    return !DEFINITE_ERRORS.has(e);
  }
}
