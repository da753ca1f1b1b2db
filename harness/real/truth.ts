// The ground truth of a real run for the watch and lease checkers: one watch over the whole keyspace
// from revision 1 with prev_kv, resumed on another member after a break, and never outrun by the
// workload's compactor (see RealClient's compactCeiling). In etcd every revision comes from a write
// that changed at least one key, so the truth is complete exactly when its revisions are contiguous;
// a gap (e.g. a resume below a compaction) is reported and the watch checker falls back to the partial
// truth a client history gives.
import type { AppliedChange } from "../../checkers/watch/index.ts";
import type { EtcdEndpoint } from "./grpc.ts";

export interface ObservedDelete {
  revision: number;
  key: string;
  /** The deleted pair's lease (history id), 0 if none. */
  lease: number;
  /** When the truth watch received it (µs since the run started): no earlier than the delete itself. */
  time: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class TruthWatch {
  readonly applied: AppliedChange[] = [];
  readonly deletes: ObservedDelete[] = [];
  /** The last revision received in full. */
  last = 1;
  gaps: string[] = [];
  resumes = 0;
  private next = 0;
  private stopped = false;
  private handle: { close(): void } | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly endpoints: () => EtcdEndpoint[],
    private readonly now: () => number,
  ) {}

  get complete(): boolean {
    return this.gaps.length === 0;
  }

  start(): void {
    this.open();
  }

  private open(): void {
    if (this.stopped) return;
    const eps = this.endpoints();
    const ep = eps[this.next++ % eps.length]!;
    let ended = false;
    const reopen = () => {
      if (ended) return;
      ended = true;
      this.handle?.close();
      this.resumes++;
      void sleep(100).then(() => this.open());
    };
    this.handle = ep.watch(
      { key: "\0", rangeEnd: "\0", startRevision: this.last + 1, prevKv: true },
      (r) => {
        if (r.canceled) {
          if (r.compactRevision !== undefined && r.compactRevision > this.last + 1) {
            this.gaps.push(
              `revisions ${this.last + 1}..${r.compactRevision - 1} compacted before the truth watch saw them`,
            );
            this.last = r.compactRevision - 1;
          }
          reopen();
          return;
        }
        const t = this.now();
        let top = this.last;
        for (const e of r.events) {
          const rev = e.kv.modRevision;
          if (rev <= this.last) continue; // seen before a resume
          if (rev > top) {
            if (rev !== top + 1) this.gaps.push(`no events at revisions ${top + 1}..${rev - 1}`);
            top = rev;
          }
          if (e.type === "PUT")
            this.applied.push({ revision: rev, type: "PUT", key: e.kv.key, value: e.kv.value, lease: e.kv.lease });
          else {
            this.applied.push({ revision: rev, type: "DELETE", key: e.kv.key });
            this.deletes.push({ revision: rev, key: e.kv.key, lease: e.prevKv?.lease ?? 0, time: t });
          }
        }
        // All events of a revision arrive in one response: every revision up to the last one is complete.
        this.last = top;
        const ws = this.waiters;
        this.waiters = [];
        for (const w of ws) w();
      },
      () => reopen(),
    );
  }

  /** Waits until the truth reached `revision` (false after timeoutMs). */
  async waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.last < revision) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.handle?.close();
  }
}
