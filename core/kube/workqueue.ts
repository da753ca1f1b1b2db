// client-go's rate-limited work queue on the process clock: a key is queued at most once however
// often it is added; a key being processed is not handed out again until done (an add meanwhile
// re-queues it after); failures retry with exponential backoff per key; forget resets the backoff.
import type { Env, TimerId } from "../env.ts";
import { kubeProbe } from "./probes.ts";
import { latencyLog } from "../metrics/latency.ts";

export interface WorkQueueOptions {
  /** Keys processed at once. */
  concurrency?: number;
  /** First retry delay; doubles per consecutive failure of a key. */
  baseDelayUs?: number;
  maxDelayUs?: number;
  /** The kube-workqueue-hands-out-busy-key mutant: a key added while being processed is handed out again at once. */
  handsOutBusyKeys?: boolean;
}

/** The worker: called with a key, must call done exactly once. */
export type Worker = (key: string, done: () => void) => void;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiting = new Map<string, { at: number; timer: TimerId }>();
  private shut = false;
  private readonly opts: Required<WorkQueueOptions>;
  /** Keys handed to the worker so far (for tests and stats). */
  handedOut = 0;

  constructor(
    private readonly env: Env,
    private readonly worker: Worker,
    opts: WorkQueueOptions = {},
  ) {
    this.opts = { concurrency: 1, baseDelayUs: 5_000, maxDelayUs: 1_000_000, handsOutBusyKeys: false, ...opts };
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.enqueue(key)) this.dispatch();
  }

  /** True if the key was newly queued (not already queued, not being processed). */
  private enqueue(key: string): boolean {
    if (this.shut || this.dirty.has(key)) return false;
    this.dirty.add(key);
    if (this.processing.has(key) && !this.opts.handsOutBusyKeys) return false; // re-queued when its processing is done
    this.queue.push(key);
    latencyLog()?.enqueued(this, key);
    return true;
  }

  /** Adds the key after a delay; of several pending delays for one key the earliest wins. */
  addAfter(key: string, delayUs: number): void {
    if (this.shut) return;
    if (delayUs <= 0) return this.add(key);
    const at = this.env.now() + delayUs;
    const w = this.waiting.get(key);
    if (w !== undefined) {
      if (w.at <= at) return;
      this.env.cancelTimer(w.timer);
    }
    const timer = this.env.setTimer(delayUs, () => {
      this.waiting.delete(key);
      if (this.enqueue(key)) this.dispatch();
    });
    this.waiting.set(key, { at, timer });
  }

  /** Adds the key after its backoff: baseDelay × 2^(failures so far), capped. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    if (n > 0) kubeProbe("kube.workqueue-backoff");
    this.addAfter(key, Math.min(this.opts.maxDelayUs, this.opts.baseDelayUs * 2 ** Math.min(n, 30)));
  }

  /** The key succeeded: its next failure starts from the base delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  shutDown(): void {
    this.shut = true;
    for (const w of this.waiting.values()) this.env.cancelTimer(w.timer);
    this.waiting.clear();
    this.queue.length = 0;
  }

  // Work starts at once, the way a worker loop picks its next key: a process resumed after a pause
  // runs its loop on whatever it knows then, before it has read every event that queued up.
  private dispatching = false;

  /** Hands out keys while workers are free; a worker finishing synchronously continues the loop (no recursion). */
  dispatch(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (!this.shut && this.processing.size < this.opts.concurrency && this.queue.length > 0) {
        const key = this.queue.shift()!;
        this.dirty.delete(key);
        this.processing.add(key);
        this.handedOut++;
        latencyLog()?.dequeued(this, key, this.env.id, "queue");
        let finished = false;
        this.worker(key, () => {
          if (finished) return;
          finished = true;
          this.processing.delete(key);
          if (this.dirty.has(key) && !this.shut) {
            this.queue.push(key);
            latencyLog()?.enqueued(this, key);
          }
          this.dispatch();
        });
      }
    } finally {
      this.dispatching = false;
    }
  }
}
