// Per-operation latencies, recorded beside a run and never inside it: no trace event, no random draw, no
// timer. A harness starts a log for its run (startLatencyLog); components report through the module's
// active log, which is undefined when nobody asked, so each hook costs one load and one test. Times are
// the harness's virtual time (the world's clock), not a process's skewed clock.

import { NameTable } from "../name-table.ts";
import { type BlockStore, ChunkedU32, OffsetColumn } from "./columns.ts";

export type Layer = "etcd" | "apiserver" | "workqueue";

/** One completed operation: [start, end] in virtual µs. */
export interface LatencyOp {
  layer: Layer;
  /** The process that served it (member, apiserver) or waited for it (a controller's queue). */
  who: string;
  /** etcd: the request kind ("range", "put", "txn"…); apiserver: "verb resource" ("create pods"); workqueue: the queue's kind. */
  what: string;
  start: number;
  end: number;
  ok: boolean;
  /** etcd: the serving member's Raft role when it answered. */
  role?: "leader" | "follower";
}

/** A kubectl step as first issued (retries keep the first time). */
export interface StepStart {
  index: number;
  time: number;
  kind: string;
  namespace: string;
  name: string;
  replicas?: number;
  image?: string;
}

export class LatencyLog {
  /** etcd's completed requests (their own object: a report may keep them without the log's clock). */
  readonly etcd: EtcdRequests;
  /** The other layers' operations (apiserver, workqueue), in completion order. */
  private readonly others: LatencyOp[] = [];
  readonly steps: StepStart[] = [];
  /** etcd requests answered with a refusal (not timed). */
  refused = 0;
  /**
   * etcd requests received and not yet answered, by serving member, then client, then request id: nested
   * maps, so no key string is built per request (member and client ids are a handful of recurring strings).
   */
  private readonly open = new Map<string, Map<string, Map<number, { start: number; what: string }>>>();
  private readonly queued = new Map<object, Map<string, number>>();

  /**
   * `spill`: where a long run's columns (these requests, a report's client times) keep their full chunks
   * (see core/metrics/columns.ts); undefined keeps them in memory.
   */
  constructor(
    readonly now: () => number,
    readonly spill?: () => BlockStore | undefined,
  ) {
    this.etcd = new EtcdRequests(spill);
  }

  /** A member received a client request (key: the client and its request id). */
  etcdStart(member: string, client: string, reqId: number, what: string): void {
    let byClient = this.open.get(member);
    if (byClient === undefined) this.open.set(member, (byClient = new Map()));
    let byId = byClient.get(client);
    if (byId === undefined) byClient.set(client, (byId = new Map()));
    if (!byId.has(reqId)) byId.set(reqId, { start: this.now(), what });
  }

  /**
   * The member answered it. A refusal (not-leader, no-leader, a request too large…) is counted, not
   * timed: it says nothing about how long serving takes. A timeout is timed: the client waited for it.
   */
  etcdEnd(member: string, client: string, reqId: number, leader: boolean, error: string | undefined): void {
    const byId = this.open.get(member)?.get(client);
    const o = byId?.get(reqId);
    if (o === undefined) return;
    byId!.delete(reqId);
    if (error !== undefined && error !== "timeout") {
      this.refused++;
      return;
    }
    this.etcd.add(member, o.what, o.start, this.now(), leader, error === undefined);
  }

  /**
   * Every completed operation: etcd's first, in completion order, then the other layers', in completion
   * order (every reader takes one layer at a time, so only the order within a layer matters). A fresh
   * array of fresh objects on each call.
   */
  get ops(): LatencyOp[] {
    const out: LatencyOp[] = [];
    this.forEachEtcd((who, what, start, end, ok, leader) =>
      out.push({ layer: "etcd", who, what, start, end, ok, role: leader ? "leader" : "follower" }),
    );
    for (const op of this.others) out.push(op);
    return out;
  }

  /** etcd's completed requests in completion order, field by field (what `ops` lists first, without an object each). */
  forEachEtcd(
    visit: (who: string, what: string, start: number, end: number, ok: boolean, leader: boolean) => void,
  ): void {
    this.etcd.forEach(visit);
  }

  /** An apiserver answered a request it received at start. */
  api(apiserver: string, verb: string, resource: string, start: number, ok: boolean): void {
    this.others.push({ layer: "apiserver", who: apiserver, what: `${verb} ${resource}`, start, end: this.now(), ok });
  }

  /** A key entered a work queue (q: the queue object; a key already waiting keeps its first time). */
  enqueued(q: object, key: string): void {
    let m = this.queued.get(q);
    if (m === undefined) this.queued.set(q, (m = new Map()));
    if (!m.has(key)) m.set(key, this.now());
  }

  /** A worker took the key: its wait ends. */
  dequeued(q: object, key: string, who: string, what: string): void {
    const m = this.queued.get(q);
    const start = m?.get(key);
    if (start === undefined) return;
    m!.delete(key);
    this.others.push({ layer: "workqueue", who, what, start, end: this.now(), ok: true });
  }

  /** kubectl issued step index (the first attempt only). */
  step(s: Omit<StepStart, "time">): void {
    if (this.steps.some((x) => x.index === s.index)) return;
    this.steps.push({ ...s, time: this.now() });
  }
}

/**
 * etcd's completed requests, the bulk of a long run (one per client request), in compact columns rather
 * than one object each (16 bytes a request: core/metrics/columns.ts): start and end times, the serving
 * member and the request kind as numbers into `names`, and whether it succeeded and was served by the
 * leader. It holds nothing else (no clock, so no world), and only ever appends: the first n requests never
 * change, so a report can read them later.
 */
export class EtcdRequests {
  private readonly starts: OffsetColumn;
  private readonly ends: OffsetColumn;
  private readonly who: ChunkedU32;
  /** The request kind's number × 4, + 2 if the leader served it, + 1 if it succeeded. */
  private readonly whatFlags: ChunkedU32;
  private readonly names = new NameTable();

  /** `spill`: the columns' store once they are long (only appended to, read in order). */
  constructor(spill?: () => BlockStore | undefined) {
    this.starts = new OffsetColumn(spill);
    this.ends = new OffsetColumn(spill);
    this.who = new ChunkedU32(spill);
    this.whatFlags = new ChunkedU32(spill);
  }

  /** Requests recorded so far. */
  get count(): number {
    return this.starts.length;
  }

  add(member: string, what: string, start: number, end: number, leader: boolean, ok: boolean): void {
    this.starts.push(start);
    this.ends.push(end);
    this.who.push(this.nameNumber(member));
    this.whatFlags.push(this.nameNumber(what) * 4 + (leader ? 2 : 0) + (ok ? 1 : 0));
  }

  /** The requests in the order recorded, field by field; `count`: only the first so many. */
  forEach(
    visit: (who: string, what: string, start: number, end: number, ok: boolean, leader: boolean) => void,
    count = this.count,
  ): void {
    for (let i = 0; i < count; i++) {
      const wf = this.whatFlags.get(i);
      visit(
        this.names.name(this.who.get(i))!,
        this.names.name(wf >> 2)!,
        this.starts.at(i),
        this.ends.at(i),
        (wf & 1) === 1,
        (wf & 2) === 2,
      );
    }
  }

  private nameNumber(name: string): number {
    return this.names.number(name);
  }
}

let active: LatencyLog | undefined;

/** The log of the run in progress, or undefined when no one records. */
export function latencyLog(): LatencyLog | undefined {
  return active;
}

export function startLatencyLog(now: () => number, spill?: () => BlockStore | undefined): LatencyLog {
  active = new LatencyLog(now, spill);
  return active;
}

export function stopLatencyLog(): void {
  active = undefined;
}
