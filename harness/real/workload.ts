// The simulated clients' workload (harness/etcd/workload.ts) against a real cluster: the same traffic mix
// (point and prefix reads, stale reads, puts of unique values, deletes, Txns, CAS on mod_revision,
// puts with a lease, lease revokes, watches that resume at the compaction revision, a compaction
// loop), one operation in flight per client, each client its own gRPC channels and its own seeded
// stream of choices. The choices are seeded; what the cluster answers (and so the interleaving) is not.
// Every operation is recorded with invoke and return on the host's monotonic clock (µs since the run
// started); a timeout or a lost connection is an unknown outcome (return null).
import type { EtcdOperation, WatchRecord } from "../../checkers/history.ts";
import type { HistoryRecorder } from "../../core/etcd/client.ts";
import { compareFor, prefixEnd, rangeWithOptions, type TrafficMix } from "../etcd/workload.ts";
import type { Compare, EtcdRequest, EtcdResponse, KeyValue, RequestOp, WatchResponse } from "../../core/mvcc/rpc.ts";
import type { Rng } from "../../sim/rng.ts";
import type { CallResult, EtcdEndpoint } from "./grpc.ts";

export interface RealWorkloadOptions {
  keys: number;
  keyPrefix: string;
  /** Mean think time between a response and the next request (ms). */
  thinkMs: number;
  mix: TrafficMix;
  leaseTtlSec: number;
  leaseGrantP: number;
  watchLifeMs: [number, number];
  watchBacklog: number;
  requestTimeoutMs: number;
  compactor: boolean;
  compactEveryMs: number;
  compactLag: number;
}

/** Why operations had unknown outcomes (op id → reason), for the error tallies. */
export type UnknownReasons = Map<number, string>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class RealClient {
  private seq = 0;
  private lastRevision = 1;
  private readonly leases: number[] = [];
  private readonly pairSeen = new Map<string, KeyValue>();
  private endpoint: number;
  private stopped = false;
  private nextWatch = 1;
  private readonly openWatches = new Set<{ close(): void }>();
  readonly done: Promise<void>[] = [];

  constructor(
    readonly id: number,
    private readonly endpoints: EtcdEndpoint[],
    private readonly rng: Rng,
    private readonly recorder: HistoryRecorder,
    private readonly o: RealWorkloadOptions,
    private readonly unknown: UnknownReasons,
    /** The compactor never compacts past this revision (the ground-truth watch's progress). */
    private readonly compactCeiling: () => number = () => Infinity,
  ) {
    this.endpoint = rng.int(0, endpoints.length - 1);
  }

  start(): void {
    this.done.push(this.loop());
    if (this.o.compactor) this.done.push(this.compactLoop());
  }

  /** Stops issuing; in-flight operations finish (bounded by their timeouts); open watches close. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.done);
    for (const w of this.openWatches) w.close();
    this.openWatches.clear();
  }

  private key(): string {
    return this.o.keyPrefix + this.rng.int(0, this.o.keys - 1);
  }

  private value(): string {
    return `c${this.id}-${++this.seq}`;
  }

  private noteRev(r: number | undefined): void {
    if (r !== undefined && r > this.lastRevision) this.lastRevision = r;
  }

  /** A Txn: if `compare` holds, a fresh value at k, else a read of k (noted). */
  private async putIf(k: string, compare: Compare): Promise<void> {
    const r = await this.call({
      kind: "txn",
      txn: {
        compare: [compare],
        success: [{ requestPut: { key: k, value: this.value() } }],
        failure: [{ requestRange: { key: k } }],
      },
    });
    if (r.ok && r.value.kind === "txn") {
      this.noteRev(r.value.txn.header.revision);
      const rr = r.value.txn.responses[0];
      if (rr && "responseRange" in rr) this.noteKvs(rr.responseRange.kvs);
    }
  }

  private noteKvs(kvs: readonly KeyValue[]): void {
    for (const kv of kvs) {
      this.pairSeen.set(kv.key, kv);
    }
  }

  /** One request through the current endpoint, recorded; an unknown outcome moves to the next endpoint. */
  async call(request: EtcdRequest): Promise<CallResult<EtcdResponse>> {
    const op: EtcdOperation = this.recorder.invoke(this.id, request);
    const r = await this.endpoints[this.endpoint]!.request(request, this.o.requestTimeoutMs);
    if (r.ok) {
      op.return = this.recorder.trueNow();
      op.response = r.value;
    } else if (!r.unknown) {
      op.return = this.recorder.trueNow();
      op.error = r.error;
    } else {
      op.error = "timeout"; // return stays null: outcome unknown
      this.unknown.set(op.id, r.reason);
      this.endpoint = (this.endpoint + 1) % this.endpoints.length;
    }
    return r;
  }

  private async loop(): Promise<void> {
    await sleep(this.rng.int(1, this.o.thinkMs));
    while (!this.stopped) {
      await this.issue();
      await sleep(this.rng.int(Math.floor(this.o.thinkMs / 2), Math.floor((this.o.thinkMs * 3) / 2)));
    }
  }

  private async compactLoop(): Promise<void> {
    while (!this.stopped) {
      await sleep(this.o.compactEveryMs);
      if (this.stopped) break;
      const target = Math.min(this.lastRevision - this.o.compactLag, this.compactCeiling());
      if (target > 1) await this.call({ kind: "compact", compact: { revision: target } });
    }
  }

  private pickKind(): keyof TrafficMix {
    const kinds = Object.keys(this.o.mix).sort() as (keyof TrafficMix)[];
    const total = kinds.reduce((s, k) => s + (this.o.mix[k] ?? 0), 0);
    let x = this.rng.next() * total;
    for (const k of kinds) {
      x -= this.o.mix[k] ?? 0;
      if (x < 0) return k;
    }
    return kinds[0]!;
  }

  private async issue(): Promise<void> {
    const kind = this.pickKind();
    const rng = this.rng;
    const prefix = this.o.keyPrefix;
    switch (kind) {
      case "get": {
        const r = await this.call({ kind: "range", range: { key: this.key() } });
        if (r.ok && r.value.kind === "range") {
          this.noteRev(r.value.range.header.revision);
          this.noteKvs(r.value.range.kvs);
        }
        return;
      }
      case "list": {
        const r = await this.call({
          kind: "range",
          range: { key: prefix, rangeEnd: prefixEnd(prefix), limit: rng.chance(0.3) ? 3 : 0 },
        });
        if (r.ok && r.value.kind === "range") {
          this.noteRev(r.value.range.header.revision);
          this.noteKvs(r.value.range.kvs);
        }
        return;
      }
      case "staleGet": {
        await this.call({
          kind: "range",
          range: {
            key: prefix,
            rangeEnd: prefixEnd(prefix),
            revision: Math.max(1, this.lastRevision - rng.int(0, 10)),
          },
        });
        return;
      }
      case "put": {
        const r = await this.call({
          kind: "put",
          put: { key: this.key(), value: this.value(), prevKv: rng.chance(0.3) },
        });
        if (r.ok && r.value.kind === "put") this.noteRev(r.value.put.header.revision);
        return;
      }
      case "delete": {
        const r = await this.call({ kind: "deleteRange", deleteRange: { key: this.key(), prevKv: rng.chance(0.3) } });
        if (r.ok && r.value.kind === "deleteRange") this.noteRev(r.value.deleteRange.header.revision);
        return;
      }
      case "txn": {
        const k1 = this.key(),
          k2 = this.key();
        const ops: RequestOp[] = [{ requestPut: { key: k1, value: this.value() } }];
        if (k2 !== k1)
          ops.push(
            rng.chance(0.5) ? { requestPut: { key: k2, value: this.value() } } : { requestDeleteRange: { key: k2 } },
          );
        const result = rng.pick(["EQUAL", "GREATER", "LESS", "NOT_EQUAL"] as const);
        const r = await this.call({
          kind: "txn",
          txn: {
            compare: [{ key: k1, target: "VERSION", result, version: rng.int(0, 3) }],
            success: ops,
            failure: [{ requestRange: { key: k1 } }],
          },
        });
        if (r.ok && r.value.kind === "txn") this.noteRev(r.value.txn.header.revision);
        return;
      }
      case "cas": {
        const k = this.key();
        return this.putIf(k, {
          key: k,
          target: "MOD",
          result: "EQUAL",
          modRevision: this.pairSeen.get(k)?.modRevision ?? 0,
        });
      }
      case "txnCompare": {
        const k = this.key();
        const end = prefixEnd(this.o.keyPrefix);
        return this.putIf(
          k,
          compareFor(rng, k, this.pairSeen.get(k), this.leases, () => this.value(), end),
        );
      }
      case "rangeOptions": {
        const req = rangeWithOptions(rng, this.o.keyPrefix, prefixEnd(this.o.keyPrefix), this.lastRevision);
        const r = await this.call({ kind: "range", range: req });
        if (r.ok && r.value.kind === "range") this.noteRev(r.value.range.header.revision);
        return;
      }
      case "putIgnore": {
        const k = this.key();
        const put = rng.chance(0.5)
          ? { key: k, value: "", ignoreValue: true }
          : { key: k, value: this.value(), ignoreLease: true };
        const r = await this.call({ kind: "put", put });
        if (r.ok && r.value.kind === "put") this.noteRev(r.value.put.header.revision);
        return;
      }
      case "putWithLease": {
        if (this.leases.length === 0 || rng.chance(this.o.leaseGrantP)) {
          const r = await this.call({ kind: "leaseGrant", leaseGrant: { TTL: this.o.leaseTtlSec } });
          if (r.ok && r.value.kind === "leaseGrant") this.leases.push(r.value.leaseGrant.ID);
          return;
        }
        const r = await this.call({
          kind: "put",
          put: { key: this.key(), value: this.value(), lease: rng.pick(this.leases) },
        });
        if (r.ok && r.value.kind === "put") this.noteRev(r.value.put.header.revision);
        return;
      }
      case "keepAlive": {
        if (this.leases.length === 0) return;
        const lid = rng.pick(this.leases);
        const r = await this.call({ kind: "leaseKeepAlive", leaseKeepAlive: { ID: lid } });
        if (r.ok && r.value.kind === "leaseKeepAlive" && r.value.leaseKeepAlive.TTL <= 0)
          this.leases.splice(this.leases.indexOf(lid), 1);
        return;
      }
      case "leaseTimeToLive": {
        if (this.leases.length === 0) return;
        const lid = rng.pick(this.leases);
        const r = await this.call({ kind: "leaseTimeToLive", leaseTimeToLive: { ID: lid, keys: rng.chance(0.5) } });
        if (r.ok && r.value.kind === "leaseTimeToLive" && r.value.leaseTimeToLive.TTL === -1)
          this.leases.splice(this.leases.indexOf(lid), 1);
        return;
      }
      case "leaseRevoke": {
        if (this.leases.length === 0) return;
        const i = rng.int(0, this.leases.length - 1);
        const lid = this.leases[i]!;
        this.leases.splice(i, 1);
        const r = await this.call({ kind: "leaseRevoke", leaseRevoke: { ID: lid } });
        if (r.ok && r.value.kind === "leaseRevoke") this.noteRev(r.value.leaseRevoke.header.revision);
        return;
      }
      case "watch": {
        const start = Math.max(0, this.lastRevision + rng.int(-this.o.watchBacklog, 2));
        const prevKv = rng.chance(0.5);
        const life = rng.int(this.o.watchLifeMs[0], this.o.watchLifeMs[1]);
        this.openWatch(start, prevKv, life);
        return;
      }
    }
  }

  /** A watch that lives `lifeMs`, resuming (at most 3 times) at the compaction revision after a compaction cancel. */
  private openWatch(startRevision: number, prevKv: boolean, lifeMs: number): void {
    const prefix = this.o.keyPrefix;
    let closed = false;
    let handle: { close(): void } | undefined;
    const open = (start: number, resumes: number) => {
      const ep = this.endpoints[this.endpoint]!;
      const request = { key: prefix, rangeEnd: prefixEnd(prefix), startRevision: start, prevKv, progressNotify: true };
      const record: WatchRecord = {
        client: this.id,
        member: ep.name,
        watchId: this.nextWatch++,
        call: this.recorder.trueNow(),
        request,
        responses: [],
      };
      this.recorder.watches.push(record);
      const h = ep.watch(
        request,
        (r: WatchResponse) => {
          record.responses.push({ time: this.recorder.trueNow(), response: r });
          for (const e of r.events) this.noteRev(e.kv.modRevision);
          // Like clientv3 users after ErrCompacted: resume from the compaction revision itself.
          if (r.canceled) {
            this.openWatches.delete(h);
            h.close();
            if (r.compactRevision !== undefined && r.compactRevision > 0 && !closed && !this.stopped && resumes < 3)
              open(r.compactRevision, resumes + 1);
          }
        },
        () => {
          // The stream broke (member killed, connection cut): this watch ends here; the workload goes on.
          this.openWatches.delete(h);
        },
      );
      handle = h;
      this.openWatches.add(h);
    };
    open(startRevision, 0);
    setTimeout(() => {
      closed = true;
      if (handle) {
        handle.close();
        this.openWatches.delete(handle);
      }
    }, lifeMs).unref();
  }
}
