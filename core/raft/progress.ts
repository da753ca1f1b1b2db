// The leader's view of one follower (etcd-io/raft tracker/progress.go): matchIndex, nextIndex and how to
// send — probe (one message at a time until the logs meet), replicate (optimistic pipelining under an
// in-flight limit) or snapshot (waiting for an InstallSnapshot to land).
import { assert } from "../assert.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** A bounded window of in-flight MsgApps, remembered by their last index (a ring, like etcd's inflights.go). */
export class Inflights {
  private readonly buf: number[];
  private start = 0;
  private n = 0;
  constructor(readonly size: number) {
    assert(size > 0, "in-flight limit must be positive");
    this.buf = new Array<number>(size).fill(0);
  }
  add(lastIndex: number): void {
    assert(!this.full(), "adding to a full in-flight window");
    let i = this.start + this.n;
    if (i >= this.size) i -= this.size;
    this.buf[i] = lastIndex;
    this.n++;
  }
  /** An acknowledgement up to `to` frees every message that ended at or below it. */
  freeLE(to: number): void {
    while (this.n > 0 && this.buf[this.start]! <= to) this.freeFirst();
  }
  /** A heartbeat response proves the follower is alive: let one more message through even if acks were lost. */
  freeFirst(): void {
    if (this.n === 0) return;
    this.n--;
    this.start = this.n === 0 || this.start + 1 === this.size ? 0 : this.start + 1;
  }
  full(): boolean {
    return this.n >= this.size;
  }
  get count(): number {
    return this.n;
  }
  reset(): void {
    this.start = 0;
    this.n = 0;
  }
}

export class Progress {
  /** matchIndex: the highest index known to be replicated (and durable) on this server. */
  match = 0;
  /** nextIndex: the next entry to send. Invariant: match < next. */
  next: number;
  state: ProgressState = "probe";
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** In probe state: a message is outstanding, wait for its answer (or a heartbeat response). */
  probeSent = false;
  /** Heartbeat responses seen while in snapshot state; a snapshot that never lands is retried. */
  snapshotWait = 0;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflight: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotWait = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least the snapshot: probe from just after it.
    if (this.state === "snapshot") {
      const pending = this.pendingSnapshot;
      this.resetState("probe");
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState("probe");
      this.next = this.match + 1;
    }
    this.checkInvariant();
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
    this.checkInvariant();
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to n. Returns whether match advanced. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    this.checkInvariant();
    return updated;
  }

  /**
   * A rejection of the MsgApp whose prevLogIndex was `rejected`; `matchHint` is the follower's guess of the
   * last index where the logs can agree. Returns false if the rejection is stale (out of order).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    this.checkInvariant();
    return true;
  }

  /** A MsgApp carrying entries up to lastIndex (or none) was sent. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === "replicate") {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
    this.checkInvariant();
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  private checkInvariant(): void {
    // A plain if, not assert(msg closure): this runs on every acknowledgement and the closure would be allocated.
    if (this.match >= this.next)
      assert(false, `progress invariant match < next broken: match ${this.match}, next ${this.next}`);
  }
}
