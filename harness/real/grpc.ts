// etcd's v3 gRPC API over @grpc/grpc-js, speaking the history's types (core/mvcc/rpc.ts): requests are
// translated to protobuf, responses back, int64 strings to numbers. Lease IDs are int64 on the wire and
// often above 2^53: a per-run LeaseIds table maps them to small numbers for the history.
// Errors come back as values: a definite etcd error (the request had no effect) or an unknown outcome
// (timeout, connection lost, leader changed…). Real I/O: this file is outside the simulated world.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";
import {
  ERROR_MESSAGES,
  type Compare,
  type EtcdErrorCode,
  type EtcdRequest,
  type EtcdResponse,
  type Event,
  type KeyValue,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
  type WatchCreateRequest,
  type WatchResponse,
  AUTH_ERRORS,
} from "../../core/mvcc/rpc.ts";
import type { AuthRequest, AuthResponse, Permission } from "../../core/etcd/auth.ts";

// grpc-js would print every reconnect to stderr; outcomes are reported through the history instead.
grpc.setLogVerbosity(grpc.logVerbosity.NONE);

const PROTO = fileURLToPath(new URL("./proto/etcd.proto", import.meta.url));

type Json = Record<string, unknown>;
type Unary = (
  req: Json,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Json) => void,
) => grpc.ClientUnaryCall;
type Stub = grpc.Client & Record<string, Unary>;
type StubCtor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => Stub;

let services: Record<"KV" | "Watch" | "Lease" | "Cluster" | "Maintenance" | "Auth", StubCtor> | undefined;
function loadServices() {
  if (services !== undefined) return services;
  const def = protoLoader.loadSync(PROTO, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = (grpc.loadPackageDefinition(def) as unknown as { etcdserverpb: Record<string, StubCtor> }).etcdserverpb;
  services = {
    KV: pkg.KV!,
    Watch: pkg.Watch!,
    Lease: pkg.Lease!,
    Cluster: pkg.Cluster!,
    Maintenance: pkg.Maintenance!,
    Auth: pkg.Auth!,
  };
  return services;
}

/** Lease IDs of one run: etcd's int64 (a decimal string) ⇄ a small number for the history. */
export class LeaseIds {
  private readonly toSmall = new Map<string, number>();
  private readonly toWire = new Map<number, string>();
  small(wire: string): number {
    if (wire === "0") return 0;
    let n = this.toSmall.get(wire);
    if (n === undefined) {
      n = this.toSmall.size + 1;
      this.toSmall.set(wire, n);
      this.toWire.set(n, wire);
    }
    return n;
  }
  wire(small: number): string {
    return small === 0 ? "0" : (this.toWire.get(small) ?? String(small));
  }
}

/** A call's outcome: the response, a definite error (no effect), or unknown (may have taken effect). */
export type CallResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: EtcdErrorCode; unknown: false }
  | { ok: false; unknown: true; reason: string };

/** etcd errors that prove the request had no effect. Anything else (timeouts, lost connections) is unknown. */
const DEFINITE: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  "compacted",
  "future-revision",
  "key-not-found",
  "lease-not-found",
  "duplicate-key",
  "empty-key",
  "too-many-ops",
  "lease-exists",
  "value-provided",
  "lease-provided",
  "lease-ttl-too-large",
  // Auth refusals (only with auth enabled).
  ...AUTH_ERRORS,
]);
const MESSAGE_TO_CODE = new Map<string, EtcdErrorCode>(
  (Object.entries(ERROR_MESSAGES) as [EtcdErrorCode, string][]).map(([c, m]) => [m, c]),
);

/** Classifies a gRPC error: a definite etcd error, or an unknown outcome with a short reason (for the error-kind tallies). */
export function classifyError(err: grpc.ServiceError): { definite: EtcdErrorCode } | { reason: string } {
  const code = MESSAGE_TO_CODE.get(err.details);
  if (code !== undefined && DEFINITE.has(code)) return { definite: code };
  if (code !== undefined) return { reason: code };
  if (err.details?.startsWith("etcdserver: ")) return { reason: err.details.slice(12, 72) };
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return { reason: "deadline" };
  if (err.code === grpc.status.UNAVAILABLE) return { reason: "unavailable" };
  return { reason: (err.details || grpc.status[err.code] || "error").replace(/^etcdserver: /, "").slice(0, 60) };
}

const b = (s: string) => Buffer.from(s, "utf8");
/**
 * range_end only when non-empty: protobufjs sends a field that is set even when empty, and etcd's
 * store tells "no range_end" (a point read) from an empty one by nil-ness — an empty one reads every
 * key from `key` on.
 */
const withEnd = (body: Json, end: string | undefined): Json =>
  end !== undefined && end !== "" ? { ...body, range_end: b(end) } : body;
const str = (x: unknown) => (x === undefined || x === null ? "" : Buffer.isBuffer(x) ? x.toString("utf8") : String(x));
const num = (x: unknown) => (x === undefined || x === null || x === "" ? 0 : Number(x));

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // A paused or cut-off member must show up as a broken connection, not a silent wait.
  "grpc.keepalive_time_ms": 1000,
  "grpc.keepalive_timeout_ms": 1000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 50,
  "grpc.max_reconnect_backoff_ms": 300,
  "grpc.min_reconnect_backoff_ms": 50,
  // No retries by policy: a retried write could apply twice (transparent retries of requests that never
  // left the client are safe and stay on).
  "grpc.enable_retries": 1,
};

/** One member's endpoint: a gRPC channel with the KV, Lease, Watch, Cluster and Maintenance stubs. */
export class EtcdEndpoint {
  private readonly kv: Stub;
  private readonly lease: Stub;
  private readonly watchStub: Stub;
  private readonly cluster: Stub;
  private readonly maintenance: Stub;
  private readonly authStub: Stub;
  /** A simple token from Authenticate, sent as etcd's "token" metadata with every call (auth tests). */
  token: string | undefined;

  constructor(
    readonly name: string,
    readonly address: string,
    readonly leases: LeaseIds,
  ) {
    const s = loadServices();
    const creds = grpc.credentials.createInsecure();
    this.kv = new s.KV(address, creds, CHANNEL_OPTIONS);
    // The other stubs share the KV stub's channel.
    const channelOverride = this.kv.getChannel();
    const opts = { ...CHANNEL_OPTIONS, channelOverride } as grpc.ChannelOptions;
    this.lease = new s.Lease(address, creds, opts);
    this.watchStub = new s.Watch(address, creds, opts);
    this.cluster = new s.Cluster(address, creds, opts);
    this.maintenance = new s.Maintenance(address, creds, opts);
    this.authStub = new s.Auth(address, creds, opts);
  }

  close(): void {
    this.kv.close();
  }

  private unary(stub: Stub, method: string, req: Json, timeoutMs: number): Promise<CallResult<Json>> {
    return new Promise((resolve) => {
      const meta = new grpc.Metadata();
      if (this.token !== undefined) meta.set("token", this.token);
      stub[method]!(req, meta, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) {
          const c = classifyError(err);
          resolve(
            "definite" in c
              ? { ok: false, error: c.definite, unknown: false }
              : { ok: false, unknown: true, reason: c.reason },
          );
        } else resolve({ ok: true, value: res ?? {} });
      });
    });
  }

  /**
   * clientv3's KeepAliveOnce: LeaseKeepAlive is a bidirectional stream; one request, its first
   * response, then the stream is cancelled. An error or an end before the response is an unknown
   * outcome (the renewal may have happened), a definite etcd error is definite.
   */
  private keepAliveOnce(id: string, timeoutMs: number): Promise<CallResult<Json>> {
    return new Promise((resolve) => {
      const meta = new grpc.Metadata();
      if (this.token !== undefined) meta.set("token", this.token);
      const stream = (
        this.lease as unknown as {
          LeaseKeepAlive(meta: grpc.Metadata, opts: grpc.CallOptions): grpc.ClientDuplexStream<Json, Json>;
        }
      ).LeaseKeepAlive(meta, { deadline: Date.now() + timeoutMs });
      let done = false;
      const finish = (r: CallResult<Json>) => {
        if (done) return;
        done = true;
        stream.cancel();
        resolve(r);
      };
      stream.on("data", (d: Json) => finish({ ok: true, value: d ?? {} }));
      stream.on("error", (err: grpc.ServiceError) => {
        const c = classifyError(err);
        finish(
          "definite" in c
            ? { ok: false, error: c.definite, unknown: false }
            : { ok: false, unknown: true, reason: c.reason },
        );
      });
      stream.on("end", () => finish({ ok: false, unknown: true, reason: "stream ended" }));
      stream.write({ ID: id });
    });
  }

  /** One KV or lease request of the history. */
  async request(req: EtcdRequest, timeoutMs: number): Promise<CallResult<EtcdResponse>> {
    const call = async <T>(stub: Stub, method: string, body: Json, f: (r: Json) => T): Promise<CallResult<T>> => {
      const r = await this.unary(stub, method, body, timeoutMs);
      return r.ok ? { ok: true, value: f(r.value) } : r;
    };
    switch (req.kind) {
      case "range":
        return call(this.kv, "Range", this.rangeReq(req.range), (r) => ({ kind: "range", range: this.rangeResp(r) }));
      case "put": {
        const p = req.put;
        const body: Json = {
          key: b(p.key),
          value: b(p.value ?? ""),
          lease: this.leases.wire(p.lease ?? 0),
          prev_kv: p.prevKv === true,
          ignore_value: p.ignoreValue === true,
          ignore_lease: p.ignoreLease === true,
        };
        return call(this.kv, "Put", body, (r) => ({
          kind: "put",
          put: r.prev_kv
            ? { header: this.header(r), prevKv: this.kvOf(r.prev_kv as Json) }
            : { header: this.header(r) },
        }));
      }
      case "deleteRange":
        return call(this.kv, "DeleteRange", this.deleteReq(req.deleteRange), (r) => ({
          kind: "deleteRange",
          deleteRange: this.deleteResp(r),
        }));
      case "txn":
        return call(this.kv, "Txn", this.txnReq(req.txn), (r) => ({ kind: "txn", txn: this.txnResp(r) }));
      case "compact":
        return call(
          this.kv,
          "Compact",
          { revision: String(req.compact.revision), physical: req.compact.physical === true },
          (r) => ({ kind: "compact", compact: { header: this.header(r) } }),
        );
      case "leaseGrant":
        return call(this.lease, "LeaseGrant", { TTL: String(req.leaseGrant.TTL), ID: "0" }, (r) => ({
          kind: "leaseGrant",
          leaseGrant: { header: this.header(r), ID: this.leases.small(String(r.ID)), TTL: num(r.TTL) },
        }));
      case "leaseRevoke":
        return call(this.lease, "LeaseRevoke", { ID: this.leases.wire(req.leaseRevoke.ID) }, (r) => ({
          kind: "leaseRevoke",
          leaseRevoke: { header: this.header(r) },
        }));
      case "leaseKeepAlive": {
        const r = await this.keepAliveOnce(this.leases.wire(req.leaseKeepAlive.ID), timeoutMs);
        if (!r.ok) return r;
        return {
          ok: true,
          value: {
            kind: "leaseKeepAlive",
            leaseKeepAlive: { header: this.header(r.value), ID: req.leaseKeepAlive.ID, TTL: num(r.value.TTL) },
          },
        };
      }
      case "leaseTimeToLive": {
        const q = req.leaseTimeToLive;
        return call(this.lease, "LeaseTimeToLive", { ID: this.leases.wire(q.ID), keys: q.keys === true }, (r) => ({
          kind: "leaseTimeToLive",
          leaseTimeToLive: {
            header: this.header(r),
            ID: q.ID,
            TTL: num(r.TTL),
            grantedTTL: num(r.grantedTTL),
            keys: ((r.keys as Buffer[] | undefined) ?? []).map((k) => Buffer.from(k).toString()),
          },
        }));
      }
    }
  }

  /** One call of etcd's Auth service, in the simulation's terms (core/etcd/auth.ts), with this endpoint's token. */
  async auth(req: AuthRequest, timeoutMs: number): Promise<CallResult<AuthResponse>> {
    const perm = (p: Permission): Json => withEnd({ permType: p.permType, key: b(p.key) }, p.rangeEnd);
    const [method, body]: [string, Json] = (() => {
      switch (req.op) {
        case "authEnable":
          return ["AuthEnable", {}];
        case "authDisable":
          return ["AuthDisable", {}];
        case "authenticate":
          return ["Authenticate", { name: req.name, password: req.password }];
        case "userAdd":
          return ["UserAdd", { name: req.name, password: req.password }];
        case "userDelete":
          return ["UserDelete", { name: req.name }];
        case "userChangePassword":
          return ["UserChangePassword", { name: req.name, password: req.password }];
        case "userGrantRole":
          return ["UserGrantRole", { user: req.user, role: req.role }];
        case "userRevokeRole":
          return ["UserRevokeRole", { name: req.name, role: req.role }];
        case "userGet":
          return ["UserGet", { name: req.name }];
        case "roleAdd":
          return ["RoleAdd", { name: req.name }];
        case "roleDelete":
          return ["RoleDelete", { role: req.role }];
        case "roleGrantPermission":
          return ["RoleGrantPermission", { name: req.name, perm: perm(req.perm) }];
        case "roleRevokePermission":
          return ["RoleRevokePermission", withEnd({ role: req.role, key: b(req.key) }, req.rangeEnd)];
        case "roleGet":
          return ["RoleGet", { role: req.role }];
      }
    })();
    const r = await this.unary(this.authStub, method, body, timeoutMs);
    if (!r.ok) return r;
    const out: AuthResponse = {};
    if (typeof r.value.token === "string" && r.value.token !== "") out.token = r.value.token;
    if (req.op === "userGet") out.roles = (r.value.roles ?? []) as string[];
    if (req.op === "roleGet") {
      out.perms = ((r.value.perm ?? []) as Json[]).map((p) => {
        const end = str(p.range_end);
        return {
          key: str(p.key),
          ...(end !== "" ? { rangeEnd: end } : {}),
          permType: String(p.permType) as Permission["permType"],
        };
      });
    }
    return { ok: true, value: out };
  }

  async status(timeoutMs: number): Promise<
    CallResult<{
      memberId: string;
      leader: string;
      raftTerm: number;
      raftIndex: number;
      appliedIndex: number;
      revision: number;
      version: string;
      isLearner: boolean;
    }>
  > {
    const r = await this.unary(this.maintenance, "Status", {}, timeoutMs);
    if (!r.ok) return r;
    const h = (r.value.header ?? {}) as Json;
    return {
      ok: true,
      value: {
        memberId: str(h.member_id),
        leader: str(r.value.leader),
        raftTerm: num(r.value.raftTerm),
        raftIndex: num(r.value.raftIndex),
        appliedIndex: num(r.value.raftAppliedIndex),
        revision: num(h.revision),
        version: str(r.value.version),
        isLearner: r.value.isLearner === true,
      },
    };
  }

  async hashKV(
    revision: number,
    timeoutMs: number,
  ): Promise<CallResult<{ hash: number; compactRevision: number; revision: number }>> {
    const r = await this.unary(this.maintenance, "HashKV", { revision: String(revision) }, timeoutMs);
    return r.ok
      ? {
          ok: true,
          value: {
            hash: num(r.value.hash),
            compactRevision: num(r.value.compact_revision),
            revision: this.header(r.value).revision,
          },
        }
      : r;
  }

  /** etcd's Alarm: GET lists the alarms; ACTIVATE and DEACTIVATE change `memberId`'s NOSPACE alarm. */
  async alarm(
    action: "GET" | "ACTIVATE" | "DEACTIVATE",
    memberId: string,
    timeoutMs: number,
  ): Promise<CallResult<{ memberId: string; alarm: string }[]>> {
    const body = action === "GET" ? { action } : { action, memberID: memberId, alarm: "NOSPACE" };
    const r = await this.unary(this.maintenance, "Alarm", body, timeoutMs);
    if (!r.ok) return r;
    const alarms = (r.value.alarms ?? []) as Json[];
    return { ok: true, value: alarms.map((a) => ({ memberId: str(a.memberID), alarm: str(a.alarm) })) };
  }

  async defragment(timeoutMs: number): Promise<CallResult<Json>> {
    return this.unary(this.maintenance, "Defragment", {}, timeoutMs);
  }

  async memberList(
    timeoutMs: number,
  ): Promise<CallResult<{ id: string; name: string; peerURLs: string[]; isLearner: boolean }[]>> {
    const r = await this.unary(this.cluster, "MemberList", {}, timeoutMs);
    if (!r.ok) return r;
    return {
      ok: true,
      value: ((r.value.members ?? []) as Json[]).map((m) => ({
        id: str(m.ID),
        name: str(m.name),
        peerURLs: (m.peerURLs ?? []) as string[],
        isLearner: m.isLearner === true,
      })),
    };
  }

  async memberAdd(peerURLs: string[], timeoutMs: number): Promise<CallResult<{ id: string }>> {
    const r = await this.unary(this.cluster, "MemberAdd", { peerURLs, isLearner: false }, timeoutMs);
    return r.ok ? { ok: true, value: { id: str((r.value.member as Json | undefined)?.ID) } } : r;
  }

  async memberRemove(id: string, timeoutMs: number): Promise<CallResult<Json>> {
    return this.unary(this.cluster, "MemberRemove", { ID: id }, timeoutMs);
  }

  /**
   * Opens a watch stream with one create request. Every response goes to onResponse in arrival order;
   * onEnd is called once when the stream ends for any reason other than close() (error or server end).
   */
  watch(
    req: WatchCreateRequest,
    onResponse: (r: WatchResponse) => void,
    onEnd: (reason: string) => void,
  ): { close(): void } {
    const meta = new grpc.Metadata();
    if (this.token !== undefined) meta.set("token", this.token);
    const stream = (
      this.watchStub as unknown as { Watch(meta: grpc.Metadata): grpc.ClientDuplexStream<Json, Json> }
    ).Watch(meta);
    let closed = false;
    let ended = false;
    const end = (reason: string) => {
      if (ended || closed) return;
      ended = true;
      onEnd(reason);
    };
    stream.on("data", (d: Json) => {
      if (!closed) onResponse(this.watchResp(d));
    });
    stream.on("error", (e: grpc.ServiceError) => end(e.details || String(e.code)));
    stream.on("end", () => end("stream ended"));
    const create: Json = withEnd(
      {
        key: b(req.key),
        start_revision: String(req.startRevision ?? 0),
        progress_notify: req.progressNotify === true,
        prev_kv: req.prevKv === true,
        filters: req.filters ?? [],
      },
      req.rangeEnd,
    );
    stream.write({ create_request: create });
    return {
      close() {
        if (closed) return;
        closed = true;
        stream.cancel();
      },
    };
  }

  // ---- requests -----------------------------------------------------------------------------------

  private rangeReq(q: RangeRequest): Json {
    return withEnd(
      {
        key: b(q.key),
        limit: String(q.limit ?? 0),
        revision: String(q.revision ?? 0),
        sort_order: q.sortOrder ?? "NONE",
        sort_target: q.sortTarget ?? "KEY",
        serializable: q.serializable === true,
        keys_only: q.keysOnly === true,
        count_only: q.countOnly === true,
        min_mod_revision: String(q.minModRevision ?? 0),
        max_mod_revision: String(q.maxModRevision ?? 0),
        min_create_revision: String(q.minCreateRevision ?? 0),
        max_create_revision: String(q.maxCreateRevision ?? 0),
      },
      q.rangeEnd,
    );
  }

  private deleteReq(d: { key: string; rangeEnd?: string; prevKv?: boolean }): Json {
    return withEnd({ key: b(d.key), prev_kv: d.prevKv === true }, d.rangeEnd);
  }

  private compareReq(c: Compare): Json {
    const body: Json = withEnd({ key: b(c.key), target: c.target, result: c.result }, c.rangeEnd);
    switch (c.target) {
      case "VERSION":
        body.version = String(c.version ?? 0);
        break;
      case "CREATE":
        body.create_revision = String(c.createRevision ?? 0);
        break;
      case "MOD":
        body.mod_revision = String(c.modRevision ?? 0);
        break;
      case "VALUE":
        body.value = b(c.value ?? "");
        break;
      case "LEASE":
        body.lease = this.leases.wire(c.lease ?? 0);
        break;
    }
    return body;
  }

  private opReq(op: RequestOp): Json {
    if ("requestRange" in op) return { request_range: this.rangeReq(op.requestRange) };
    if ("requestPut" in op) {
      const p = op.requestPut;
      return {
        request_put: {
          key: b(p.key),
          value: b(p.value ?? ""),
          lease: this.leases.wire(p.lease ?? 0),
          prev_kv: p.prevKv === true,
          ignore_value: p.ignoreValue === true,
          ignore_lease: p.ignoreLease === true,
        },
      };
    }
    if ("requestDeleteRange" in op) return { request_delete_range: this.deleteReq(op.requestDeleteRange) };
    return { request_txn: this.txnReq(op.requestTxn) };
  }

  private txnReq(t: TxnRequest): Json {
    return {
      compare: t.compare.map((c) => this.compareReq(c)),
      success: t.success.map((o) => this.opReq(o)),
      failure: t.failure.map((o) => this.opReq(o)),
    };
  }

  // ---- responses ----------------------------------------------------------------------------------

  header(r: Json): ResponseHeader {
    const h = (r.header ?? {}) as Json;
    return { revision: num(h.revision), raftTerm: num(h.raft_term) };
  }

  kvOf(j: Json): KeyValue {
    return {
      key: str(j.key),
      createRevision: num(j.create_revision),
      modRevision: num(j.mod_revision),
      version: num(j.version),
      value: str(j.value),
      lease: this.leases.small(str(j.lease) || "0"),
    };
  }

  private rangeResp(r: Json): RangeResponse {
    return {
      header: this.header(r),
      kvs: ((r.kvs ?? []) as Json[]).map((k) => this.kvOf(k)),
      more: r.more === true,
      count: num(r.count),
    };
  }

  private deleteResp(r: Json) {
    return {
      header: this.header(r),
      deleted: num(r.deleted),
      prevKvs: ((r.prev_kvs ?? []) as Json[]).map((k) => this.kvOf(k)),
    };
  }

  private txnResp(r: Json): TxnResponse {
    const responses = ((r.responses ?? []) as Json[]).map((x): ResponseOp => {
      if (x.response_range) return { responseRange: this.rangeResp(x.response_range as Json) };
      if (x.response_put) {
        const p = x.response_put as Json;
        return {
          responsePut: p.prev_kv
            ? { header: this.header(p), prevKv: this.kvOf(p.prev_kv as Json) }
            : { header: this.header(p) },
        };
      }
      if (x.response_delete_range) return { responseDeleteRange: this.deleteResp(x.response_delete_range as Json) };
      return { responseTxn: this.txnResp((x.response_txn ?? {}) as Json) };
    });
    return { header: this.header(r), succeeded: r.succeeded === true, responses };
  }

  watchResp(d: Json): WatchResponse {
    const out: WatchResponse = {
      header: this.header(d),
      watchId: num(d.watch_id),
      events: ((d.events ?? []) as Json[]).map((e): Event => {
        const ev: Event = { type: e.type === "DELETE" ? "DELETE" : "PUT", kv: this.kvOf((e.kv ?? {}) as Json) };
        if (e.prev_kv) ev.prevKv = this.kvOf(e.prev_kv as Json);
        return ev;
      }),
    };
    if (d.created === true) out.created = true;
    if (d.canceled === true) out.canceled = true;
    if (num(d.compact_revision) !== 0) out.compactRevision = num(d.compact_revision);
    if (typeof d.cancel_reason === "string" && d.cancel_reason !== "") out.cancelReason = d.cancel_reason;
    return out;
  }
}
