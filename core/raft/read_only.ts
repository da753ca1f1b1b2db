// Pending ReadIndex requests at the leader (§8, etcd-io/raft read_only.go, ReadOnlySafe): each remembers the
// commit index when it arrived and which voters acknowledged a heartbeat carrying its context since.
import type { Message } from "./types.ts";

export interface ReadIndexStatus {
  readonly req: Message;
  /** The leader's commitIndex when the request arrived: the read is served at or after it. */
  readonly index: number;
  readonly acks: Set<string>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  /** Contexts in arrival order: confirming one confirms every earlier one. */
  private queue: string[] = [];

  addRequest(index: number, req: Message): void {
    const ctx = req.context ?? "";
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { req, index, acks: new Set() });
    this.queue.push(ctx);
  }

  /** Records a heartbeat acknowledgement; returns who has acknowledged ctx so far. */
  recvAck(from: string, ctx: string): ReadonlySet<string> | undefined {
    const rs = this.pending.get(ctx);
    if (rs === undefined) return undefined;
    rs.acks.add(from);
    return rs.acks;
  }

  /** Releases ctx and every request queued before it. */
  advance(ctx: string): ReadIndexStatus[] {
    const at = this.queue.indexOf(ctx);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const c of done) {
      const rs = this.pending.get(c);
      if (rs !== undefined) out.push(rs);
      this.pending.delete(c);
    }
    return out;
  }

  /** Asked at every heartbeat: guarded, as reading index -1 of the (mostly empty) queue leaves V8's fast path. */
  lastPendingContext(): string | undefined {
    const n = this.queue.length;
    return n > 0 ? this.queue[n - 1] : undefined;
  }

  get size(): number {
    return this.queue.length;
  }
}
