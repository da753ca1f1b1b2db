// A thin client of etcd's v3 JSON gateway (grpc-gateway) speaking core/mvcc/rpc.ts types: base64
// keys and values, int64 as strings, zero/false/empty fields left out (filled back in here), errors
// as HTTP status + {code, message} mapped back to EtcdErrorCode. Every call has a timeout.
// A WireTranslation maps the simulation's keys, revisions and lease IDs onto a shared server (a key
// prefix per run, a revision offset, lease IDs beyond 2^53 kept as strings).
// Test support only: real time and real sockets are fine here.
import {
  ERROR_MESSAGES,
  type Compare,
  type EtcdError,
  type EtcdErrorCode,
  type EtcdRequest,
  type EtcdResponse,
  type Event,
  type KeyValue,
  type LeaseTimeToLiveResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
  type WatchCreateRequest,
  type WatchResponse,
} from "../core/mvcc/rpc.ts";

export interface WireTranslation {
  /** Simulation key → server key. */
  key(k: string): string;
  /** Simulation range end → server range end ("\0" stays "\0"). */
  rangeEnd(e: string): string;
  /** Server key → simulation key. */
  keyBack(k: string): string;
  /** Simulation revision → server revision (only positive revisions move). */
  rev(r: number): number;
  revBack(r: number): number;
  /** Simulation lease ID → server lease ID (decimal string; may exceed 2^53). */
  lease(id: number): string;
  leaseBack(id: string): number;
}

export const IDENTITY: WireTranslation = {
  key: (k) => k,
  rangeEnd: (e) => e,
  keyBack: (k) => k,
  rev: (r) => r,
  revBack: (r) => r,
  lease: (id) => String(id),
  leaseBack: (id) => Number(id),
};

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string | undefined): string => (s === undefined ? "" : Buffer.from(s, "base64").toString("utf8"));
const int = (s: string | number | undefined): number => (s === undefined ? 0 : Number(s));

type Json = Record<string, unknown>;

const MESSAGE_TO_CODE = new Map<string, EtcdErrorCode>(
  (Object.entries(ERROR_MESSAGES) as [EtcdErrorCode, string][]).map(([code, msg]) => [msg, code]),
);

export class GatewayError extends Error {
  override readonly name = "GatewayError";
}

export class EtcdGatewayClient {
  /** The raft_term of the last response (to hand the simulated store the same term). */
  lastRaftTerm = 0;

  constructor(
    readonly url: string,
    readonly tr: WireTranslation = IDENTITY,
    readonly timeoutMs = 5000,
  ) {}

  async apply(req: EtcdRequest): Promise<EtcdResponse | EtcdError> {
    switch (req.kind) {
      case "range": {
        const r = await this.post("/v3/kv/range", this.rangeJson(req.range));
        return "error" in r ? r : { kind: "range", range: this.rangeResp(r.body) };
      }
      case "put": {
        const p = req.put;
        const body: Json = { key: b64(this.wireKey(p.key)), value: b64(p.value ?? "") };
        if ((p.lease ?? 0) !== 0) body.lease = this.tr.lease(p.lease as number);
        if (p.prevKv === true) body.prev_kv = true;
        if (p.ignoreValue === true) body.ignore_value = true;
        if (p.ignoreLease === true) body.ignore_lease = true;
        const r = await this.post("/v3/kv/put", body);
        if ("error" in r) return r;
        const prev = r.body.prev_kv as Json | undefined;
        return {
          kind: "put",
          put:
            prev === undefined
              ? { header: this.header(r.body) }
              : { header: this.header(r.body), prevKv: this.kv(prev) },
        };
      }
      case "deleteRange": {
        const r = await this.post("/v3/kv/deleterange", this.deleteJson(req.deleteRange));
        return "error" in r ? r : { kind: "deleteRange", deleteRange: this.deleteResp(r.body) };
      }
      case "txn": {
        const r = await this.post("/v3/kv/txn", this.txnJson(req.txn));
        return "error" in r ? r : { kind: "txn", txn: this.txnResp(r.body) };
      }
      case "compact": {
        const body: Json = { revision: this.tr.rev(req.compact.revision) };
        if (req.compact.physical === true) body.physical = true;
        const r = await this.post("/v3/kv/compaction", body);
        return "error" in r ? r : { kind: "compact", compact: { header: this.header(r.body) } };
      }
      case "leaseGrant": {
        const body: Json = { TTL: req.leaseGrant.TTL };
        if ((req.leaseGrant.ID ?? 0) !== 0) body.ID = this.tr.lease(req.leaseGrant.ID as number);
        const r = await this.post("/v3/lease/grant", body);
        if ("error" in r) return r;
        return {
          kind: "leaseGrant",
          leaseGrant: {
            header: this.header(r.body),
            ID: this.tr.leaseBack(String(r.body.ID)),
            TTL: int(r.body.TTL as string),
          },
        };
      }
      case "leaseRevoke": {
        const r = await this.post("/v3/lease/revoke", { ID: this.tr.lease(req.leaseRevoke.ID) });
        return "error" in r ? r : { kind: "leaseRevoke", leaseRevoke: { header: this.header(r.body) } };
      }
      case "leaseKeepAlive": {
        const r = await this.post("/v3/lease/keepalive", { ID: this.tr.lease(req.leaseKeepAlive.ID) });
        if ("error" in r) return r;
        const res = (r.body.result ?? {}) as Json;
        return {
          kind: "leaseKeepAlive",
          leaseKeepAlive: {
            header: this.header(res),
            ID: this.tr.leaseBack(String(res.ID ?? "0")),
            TTL: int(res.TTL as string),
          },
        };
      }
      case "leaseTimeToLive": {
        const r = await this.leaseTimeToLive(req.leaseTimeToLive.ID, req.leaseTimeToLive.keys === true);
        return "error" in r ? r : { kind: "leaseTimeToLive", leaseTimeToLive: r };
      }
    }
  }

  async leaseTimeToLive(ID: number, keys = false): Promise<LeaseTimeToLiveResponse | EtcdError> {
    const r = await this.post("/v3/lease/timetolive", { ID: this.tr.lease(ID), keys });
    if ("error" in r) return r;
    const b = r.body;
    return {
      header: this.header(b),
      ID,
      TTL: int(b.TTL as string),
      grantedTTL: int(b.grantedTTL as string),
      keys: ((b.keys as string[] | undefined) ?? []).map((k) => this.tr.keyBack(unb64(k))),
    };
  }

  /** Opens a /v3/watch stream with one create request. */
  watch(req: WatchCreateRequest): RealWatch {
    const body: Json = { key: b64(this.wireKey(req.key)) };
    if (req.rangeEnd !== undefined) body.range_end = b64(this.tr.rangeEnd(req.rangeEnd));
    if ((req.startRevision ?? 0) !== 0) body.start_revision = this.tr.rev(req.startRevision as number);
    if (req.progressNotify === true) body.progress_notify = true;
    if (req.prevKv === true) body.prev_kv = true;
    if (req.filters !== undefined && req.filters.length > 0) body.filters = req.filters;
    return new RealWatch(this, { create_request: body });
  }

  // ---- JSON builders --------------------------------------------------------------------------

  /** The empty key stays empty, so the server answers "key is not provided" as the store does. */
  private wireKey(k: string): string {
    return k === "" ? "" : this.tr.key(k);
  }

  private rangeJson(q: RangeRequest): Json {
    const body: Json = { key: b64(this.wireKey(q.key)) };
    if (q.rangeEnd !== undefined) body.range_end = b64(this.tr.rangeEnd(q.rangeEnd));
    if ((q.limit ?? 0) !== 0) body.limit = q.limit;
    if ((q.revision ?? 0) !== 0) body.revision = this.tr.rev(q.revision as number);
    if (q.sortOrder !== undefined && q.sortOrder !== "NONE") body.sort_order = q.sortOrder;
    if (q.sortTarget !== undefined && q.sortTarget !== "KEY") body.sort_target = q.sortTarget;
    if (q.serializable === true) body.serializable = true;
    if (q.keysOnly === true) body.keys_only = true;
    if (q.countOnly === true) body.count_only = true;
    if ((q.minModRevision ?? 0) !== 0) body.min_mod_revision = this.tr.rev(q.minModRevision as number);
    if ((q.maxModRevision ?? 0) !== 0) body.max_mod_revision = this.tr.rev(q.maxModRevision as number);
    if ((q.minCreateRevision ?? 0) !== 0) body.min_create_revision = this.tr.rev(q.minCreateRevision as number);
    if ((q.maxCreateRevision ?? 0) !== 0) body.max_create_revision = this.tr.rev(q.maxCreateRevision as number);
    return body;
  }

  private deleteJson(d: { key: string; rangeEnd?: string; prevKv?: boolean }): Json {
    const body: Json = { key: b64(this.wireKey(d.key)) };
    if (d.rangeEnd !== undefined) body.range_end = b64(this.tr.rangeEnd(d.rangeEnd));
    if (d.prevKv === true) body.prev_kv = true;
    return body;
  }

  private compareJson(c: Compare): Json {
    const body: Json = { key: b64(this.wireKey(c.key)), target: c.target, result: c.result };
    if (c.rangeEnd !== undefined) body.range_end = b64(this.tr.rangeEnd(c.rangeEnd));
    // Exactly the field the target reads (proto's target_union).
    switch (c.target) {
      case "VERSION":
        body.version = c.version ?? 0;
        break;
      case "CREATE":
        body.create_revision = this.tr.rev(c.createRevision ?? 0);
        break;
      case "MOD":
        body.mod_revision = this.tr.rev(c.modRevision ?? 0);
        break;
      case "VALUE":
        body.value = b64(c.value ?? "");
        break;
      case "LEASE":
        body.lease = (c.lease ?? 0) === 0 ? 0 : this.tr.lease(c.lease as number);
        break;
    }
    return body;
  }

  private opJson(op: RequestOp): Json {
    if ("requestRange" in op) return { request_range: this.rangeJson(op.requestRange) };
    if ("requestPut" in op) {
      const p = op.requestPut;
      const body: Json = { key: b64(this.wireKey(p.key)), value: b64(p.value ?? "") };
      if ((p.lease ?? 0) !== 0) body.lease = this.tr.lease(p.lease as number);
      if (p.prevKv === true) body.prev_kv = true;
      if (p.ignoreValue === true) body.ignore_value = true;
      if (p.ignoreLease === true) body.ignore_lease = true;
      return { request_put: body };
    }
    if ("requestDeleteRange" in op) return { request_delete_range: this.deleteJson(op.requestDeleteRange) };
    return { request_txn: this.txnJson(op.requestTxn) };
  }

  private txnJson(t: TxnRequest): Json {
    return {
      compare: t.compare.map((c) => this.compareJson(c)),
      success: t.success.map((o) => this.opJson(o)),
      failure: t.failure.map((o) => this.opJson(o)),
    };
  }

  // ---- response parsers (defaults filled in) ---------------------------------------------------

  header(body: Json): ResponseHeader {
    const h = (body.header ?? {}) as Json;
    return { revision: this.tr.revBack(int(h.revision as string)), raftTerm: int(h.raft_term as string) };
  }

  kv(j: Json): KeyValue {
    return {
      key: this.tr.keyBack(unb64(j.key as string)),
      createRevision: this.tr.revBack(int(j.create_revision as string)),
      modRevision: this.tr.revBack(int(j.mod_revision as string)),
      version: int(j.version as string),
      value: unb64(j.value as string | undefined),
      lease: j.lease === undefined ? 0 : this.tr.leaseBack(String(j.lease)),
    };
  }

  private rangeResp(b: Json): RangeResponse {
    return {
      header: this.header(b),
      kvs: ((b.kvs as Json[] | undefined) ?? []).map((k) => this.kv(k)),
      more: b.more === true,
      count: int(b.count as string),
    };
  }

  private deleteResp(b: Json): { header: ResponseHeader; deleted: number; prevKvs: KeyValue[] } {
    return {
      header: this.header(b),
      deleted: int(b.deleted as string),
      prevKvs: ((b.prev_kvs as Json[] | undefined) ?? []).map((k) => this.kv(k)),
    };
  }

  private txnResp(b: Json): TxnResponse {
    const responses: ResponseOp[] = ((b.responses as Json[] | undefined) ?? []).map((r): ResponseOp => {
      if (r.response_range !== undefined) return { responseRange: this.rangeResp(r.response_range as Json) };
      if (r.response_put !== undefined) {
        const p = r.response_put as Json;
        const prev = p.prev_kv as Json | undefined;
        return {
          responsePut:
            prev === undefined ? { header: this.header(p) } : { header: this.header(p), prevKv: this.kv(prev) },
        };
      }
      if (r.response_delete_range !== undefined)
        return { responseDeleteRange: this.deleteResp(r.response_delete_range as Json) };
      if (r.response_txn !== undefined) return { responseTxn: this.txnResp(r.response_txn as Json) };
      throw new GatewayError(`unknown txn response op ${JSON.stringify(r)}`);
    });
    return { header: this.header(b), succeeded: b.succeeded === true, responses };
  }

  watchResp(b: Json): WatchResponse {
    const out: WatchResponse = {
      header: this.header(b),
      watchId: int(b.watch_id as string),
      events: ((b.events as Json[] | undefined) ?? []).map((e): Event => {
        const ev: Event = { type: e.type === "DELETE" ? "DELETE" : "PUT", kv: this.kv((e.kv ?? {}) as Json) };
        if (e.prev_kv !== undefined) ev.prevKv = this.kv(e.prev_kv as Json);
        return ev;
      }),
    };
    if (b.created === true) out.created = true;
    if (b.canceled === true) out.canceled = true;
    if (b.compact_revision !== undefined) out.compactRevision = this.tr.revBack(int(b.compact_revision as string));
    if (typeof b.cancel_reason === "string" && b.cancel_reason !== "") out.cancelReason = b.cancel_reason;
    return out;
  }

  // ---- HTTP --------------------------------------------------------------------------------------

  async post(path: string, body: Json): Promise<{ body: Json } | EtcdError> {
    const res = await fetch(this.url + path, {
      method: "POST",
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let json: Json;
    try {
      json = JSON.parse(text) as Json;
    } catch {
      throw new GatewayError(`${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (res.status !== 200) {
      const message = String(json.message ?? json.error ?? "");
      const code = MESSAGE_TO_CODE.get(message);
      if (code === undefined)
        throw new GatewayError(`${path}: HTTP ${res.status} with an unknown error: ${text.slice(0, 300)}`);
      return { error: code };
    }
    const h = (json.header ?? (json.result as Json | undefined)?.header) as Json | undefined;
    if (h?.raft_term !== undefined) this.lastRaftTerm = int(h.raft_term as string);
    return { body: json };
  }
}

/** One /v3/watch stream: responses collected as they arrive (newline-delimited {"result": …}). */
export class RealWatch {
  readonly responses: WatchResponse[] = [];
  private readonly abort = new AbortController();
  private error: unknown;
  private waiters: (() => void)[] = [];
  readonly done: Promise<void>;

  constructor(
    private readonly client: EtcdGatewayClient,
    body: Json,
  ) {
    this.done = this.run(body);
  }

  private async run(body: Json): Promise<void> {
    try {
      const res = await fetch(this.client.url + "/v3/watch", {
        method: "POST",
        body: JSON.stringify(body),
        signal: this.abort.signal,
      });
      if (res.body === null) throw new GatewayError("watch: no body");
      const reader = res.body.getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += Buffer.from(value).toString("utf8");
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line === "") continue;
          const j = JSON.parse(line) as Json;
          if (j.error !== undefined) throw new GatewayError(`watch stream error: ${line}`);
          this.responses.push(this.client.watchResp((j.result ?? {}) as Json));
          this.wake();
        }
      }
    } catch (e) {
      if (!this.abort.signal.aborted) this.error = e;
    }
    this.wake();
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** Waits until pred holds over the responses so far; false on timeout. Throws a stream error. */
  async waitFor(pred: (rs: readonly WatchResponse[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.error !== undefined) throw this.error;
      if (pred(this.responses)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
