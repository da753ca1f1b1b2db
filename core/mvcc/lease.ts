// Leases (etcd's lessor): IDs with a TTL and the keys attached to them. Which leases are granted
// and which keys they hold is replicated state (it is in the snapshot); when a lease expires is
// not: only the primary (the leader) tracks expiry, on the clock the member passes in, and the
// member turns expired leases into LeaseRevoke proposals. Pure: no clock of its own.
//
// Lease checkpoints (etcd's --experimental-enable-lease-checkpoint, the LeaseCheckpoint feature in 3.6):
// a new leader gives every lease a fresh TTL, so leases outlive any number of leader changes (etcd
// #9888). With checkpoints on, the primary records a lease's remaining TTL through Raft every interval
// (LeaseCheckpointRequest); every member keeps it (persisted, as 3.6 does), and a new leader restarts a
// checkpointed lease from that remainder instead of the whole TTL.
import { assert } from "../assert.ts";
import type { EtcdErrorCode } from "./rpc.ts";

/** etcd's MaxLeaseTTL, seconds. */
export const MAX_LEASE_TTL = 9_000_000_000;
/** Expiry of a lease on a non-primary lessor: never. */
export const FOREVER = Number.MAX_SAFE_INTEGER;

const US_PER_SECOND = 1_000_000;

export interface Lease {
  readonly ID: number;
  /** Seconds, after the minimum TTL was applied. */
  readonly TTL: number;
  /** Local expiry time in µs (FOREVER when not primary). */
  expiryUs: number;
  /** The remaining TTL in seconds the last checkpoint applied recorded; 0: none (a keep-alive clears it). */
  remainingTTL: number;
  /** Attached keys, in attach order. */
  readonly keys: Set<string>;
}

export interface LessorOptions {
  /**
   * Smallest TTL granted, seconds. etcd derives it from the election timeout:
   * ceil(1.5 × electionTimeout); 1 for the differential oracle (--election-timeout=100).
   */
  minTTL?: number;
  /** Whether this lessor tracks expiry from the start (a single member is its own leader). Default true. */
  primary?: boolean;
  /** Mutant etcd-lease-regrant-replaces: a grant naming a live lease's ID replaces it (keeping its keys). */
  regrantReplaces?: boolean;
  /**
   * Mutant etcd-lease-promote-unscheduled: promotion refreshes every lease's TTL but queues none for expiry;
   * only a lease granted or kept alive since then is looked at again.
   */
  promoteUnscheduled?: boolean;
  /** etcd's --experimental-lease-checkpoint-interval, µs; 0 (the default): no checkpoints. */
  checkpointIntervalUs?: number;
  /** Mutant etcd-lease-checkpoint-unscheduled-on-promote: a new leader schedules no checkpoint (etcd #13491). */
  checkpointUnscheduledOnPromote?: boolean;
  /** Mutant etcd-lease-checkpoint-not-persisted: snapshots leave out the remaining TTL (etcd #13508). */
  checkpointNotPersisted?: boolean;
}

/** One lease's entry in a LeaseCheckpointRequest: its remaining TTL in seconds (0 clears it). */
export interface LeaseCheckpoint {
  ID: number;
  remainingTTL: number;
}

export interface LessorSnapshot {
  /** remainingTTL only where a checkpoint set it (etcd 3.6 persists it with the lease). */
  leases: { ID: number; TTL: number; remainingTTL?: number }[];
  nextId: number;
}

export class Lessor {
  readonly minTTL: number;
  private readonly leases = new Map<number, Lease>();
  /** key → lease ID, for keys attached to a lease. */
  private readonly itemMap = new Map<string, number>();
  private primary: boolean;
  /** Next candidate for a server-chosen ID (replicated, so every member picks the same). */
  private nextId = 1;
  private readonly regrantReplaces: boolean;
  /** The mutant's leases missing from the expiry queue (etcd's leaseExpiredNotifier); undefined in the clean build. */
  private readonly unscheduled: Set<number> | undefined;
  private readonly checkpointIntervalUs: number;
  /**
   * etcd's leaseCheckpointHeap, on the primary: when each scheduled checkpoint is due, as (time, ID) pairs
   * sorted by time then ID (a lease may be in it twice, as in etcd's heap).
   */
  private readonly checkpointsDue: [number, number][] = [];
  /**
   * Leases this primary proposed a checkpoint of since it last cleared theirs: a checkpoint still in flight
   * sets a remaining TTL after a keep-alive that found none to clear (see needsClear).
   */
  private readonly checkpointed = new Set<number>();
  private readonly checkpointUnscheduledOnPromote: boolean;
  private readonly checkpointNotPersisted: boolean;

  constructor(opts: LessorOptions = {}) {
    this.minTTL = opts.minTTL ?? 1;
    this.primary = opts.primary ?? true;
    this.regrantReplaces = opts.regrantReplaces ?? false;
    this.unscheduled = opts.promoteUnscheduled ? new Set() : undefined;
    this.checkpointIntervalUs = opts.checkpointIntervalUs ?? 0;
    this.checkpointUnscheduledOnPromote = opts.checkpointUnscheduledOnPromote ?? false;
    this.checkpointNotPersisted = opts.checkpointNotPersisted ?? false;
    assert(Number.isInteger(this.minTTL) && this.minTTL >= 1, "minTTL is a positive integer");
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  get size(): number {
    return this.leases.size;
  }

  lookup(id: number): Lease | undefined {
    return this.leases.get(id);
  }

  /** The lease a key is attached to (0 = none). */
  leaseOf(key: string): number {
    return this.itemMap.get(key) ?? 0;
  }

  /** The ID a grant with ID 0 receives: the smallest unused ID from a replicated counter. */
  chooseId(): number {
    while (this.leases.has(this.nextId)) this.nextId++;
    return this.nextId;
  }

  /** etcd's lessor.Grant: the TTL check comes before the duplicate check. */
  grant(id: number, ttl: number, nowUs: number): Lease | { error: EtcdErrorCode } {
    assert(id !== 0, "grant needs an ID (use chooseId)");
    if (ttl > MAX_LEASE_TTL) return { error: "lease-ttl-too-large" };
    const live = this.leases.get(id);
    if (live !== undefined && !this.regrantReplaces) return { error: "lease-exists" };
    const TTL = Math.max(ttl, this.minTTL);
    const lease: Lease = {
      ID: id,
      TTL,
      expiryUs: this.primary ? nowUs + TTL * US_PER_SECOND : FOREVER,
      remainingTTL: 0,
      keys: live?.keys ?? new Set(),
    };
    this.leases.set(id, lease);
    this.unscheduled?.delete(id);
    if (id === this.nextId) this.nextId++;
    if (this.primary) this.scheduleCheckpoint(lease, nowUs);
    return lease;
  }

  /** Forgets a lease; the caller deletes its keys first (in one revision). Returns the keys it held, sorted. */
  remove(id: number): string[] {
    const lease = this.leases.get(id);
    assert(lease !== undefined, `remove of unknown lease ${id}`);
    const keys = [...lease.keys].sort();
    for (const k of keys) this.itemMap.delete(k);
    this.leases.delete(id);
    return keys;
  }

  /**
   * Keep-alive: restarts the TTL. Only the primary renews (etcd answers ErrNotPrimary elsewhere). With
   * `fromRemaining` (etcd's refresh, for the mutant that renews as etcd does) a checkpointed remaining TTL
   * not cleared yet is what restarts.
   */
  renew(id: number, nowUs: number, fromRemaining = false): Lease | { error: EtcdErrorCode } {
    if (!this.primary) return { error: "not-leader" };
    const lease = this.leases.get(id);
    if (lease === undefined) return { error: "lease-not-found" };
    lease.expiryUs = nowUs + (fromRemaining ? remainingOf(lease) : lease.TTL) * US_PER_SECOND;
    this.unscheduled?.delete(id);
    return lease;
  }

  /**
   * Whether a keep-alive of this lease must clear its remaining TTL through Raft before it answers: a
   * checkpoint applied, or one this primary proposed that may still apply after the keep-alive (its
   * remainder, taken before the renewal, would then outlive it). Marks the clear as proposed.
   */
  needsClear(id: number): boolean {
    const lease = this.leases.get(id);
    const needed = lease !== undefined && (lease.remainingTTL > 0 || this.checkpointed.has(id));
    this.checkpointed.delete(id);
    return needed;
  }

  /**
   * etcd's findDueScheduledCheckpoints: the checkpoints due by nowUs (at most `limit`), each with the
   * lease's remaining TTL rounded up to seconds. A lease gone, expired, or with its whole TTL still left
   * (renewed within the last second) is dropped from the schedule, as in etcd, until a checkpoint of it
   * applies or a new leader schedules it again.
   */
  dueCheckpoints(nowUs: number, limit = 1000): LeaseCheckpoint[] {
    const out: LeaseCheckpoint[] = [];
    const due = this.checkpointsDue;
    let n = 0;
    while (n < due.length && out.length < limit && due[n]![0] <= nowUs) {
      const id = due[n++]![1];
      const lease = this.leases.get(id);
      if (lease === undefined || lease.expiryUs <= nowUs) continue;
      const remainingTTL = Math.ceil((lease.expiryUs - nowUs) / US_PER_SECOND);
      if (remainingTTL >= lease.TTL) continue;
      out.push({ ID: id, remainingTTL });
      this.checkpointed.add(id);
    }
    due.splice(0, n);
    return out;
  }

  /** etcd's lessor.Checkpoint (applied on every member): records the remainder; a primary schedules the next. */
  checkpoint(cp: LeaseCheckpoint, nowUs: number): void {
    const lease = this.leases.get(cp.ID);
    if (lease === undefined) return;
    lease.remainingTTL = cp.remainingTTL;
    if (this.primary) this.scheduleCheckpoint(lease, nowUs);
  }

  /** etcd's scheduleCheckpointIfNeeded: only a lease with more than an interval left is checkpointed. */
  private scheduleCheckpoint(lease: Lease, nowUs: number): void {
    if (this.checkpointIntervalUs === 0) return;
    if (remainingOf(lease) * US_PER_SECOND <= this.checkpointIntervalUs) return;
    const at = nowUs + this.checkpointIntervalUs;
    const due = this.checkpointsDue;
    let i = due.length;
    while (i > 0 && (due[i - 1]![0] > at || (due[i - 1]![0] === at && due[i - 1]![1] > lease.ID))) i--;
    due.splice(i, 0, [at, lease.ID]);
  }

  attach(id: number, key: string): void {
    const lease = this.leases.get(id);
    // etcd panics here; the store validates leases before applying. A member that skipped
    // validation (a mutant) gets a key without a live lease, which is what such a bug would leave.
    if (lease === undefined) return;
    lease.keys.add(key);
    this.itemMap.set(key, id);
  }

  detach(id: number, key: string): void {
    const lease = this.leases.get(id);
    if (lease !== undefined) lease.keys.delete(key);
    if (this.itemMap.get(key) === id) this.itemMap.delete(key);
  }

  /** Leases whose expiry is <= nowUs, earliest first (ties by ID). Empty unless primary. */
  expired(nowUs: number): number[] {
    if (!this.primary) return [];
    const out: Lease[] = [];
    for (const l of this.leases.values()) if (l.expiryUs <= nowUs && !this.unscheduled?.has(l.ID)) out.push(l);
    out.sort((a, b) => a.expiryUs - b.expiryUs || a.ID - b.ID);
    // A loop, not map(): optimized map() makes holey arrays, and the ids ride a Raft entry every member reads.
    const ids: number[] = [];
    for (const l of out) ids.push(l.ID);
    return ids;
  }

  /** Remaining whole seconds (etcd truncates), or -1 if unknown. A non-primary reports the granted TTL. */
  remainingSeconds(id: number, nowUs: number): number {
    const l = this.leases.get(id);
    if (l === undefined) return -1;
    if (l.expiryUs === FOREVER) return l.TTL;
    return Math.max(0, Math.floor((l.expiryUs - nowUs) / US_PER_SECOND));
  }

  /**
   * Becoming leader: every lease gets a fresh TTL (its checkpointed remainder, if any) plus extendUs (etcd
   * extends by the election timeout), and a checkpoint scheduled.
   */
  promote(nowUs: number, extendUs = 0): void {
    this.primary = true;
    for (const l of this.leases.values()) {
      l.expiryUs = nowUs + extendUs + remainingOf(l) * US_PER_SECOND;
      this.unscheduled?.add(l.ID);
      if (!this.checkpointUnscheduledOnPromote) this.scheduleCheckpoint(l, nowUs);
    }
  }

  /** Losing leadership: stop tracking expiry and checkpoints. */
  demote(): void {
    this.primary = false;
    for (const l of this.leases.values()) l.expiryUs = FOREVER;
    this.unscheduled?.clear();
    this.checkpointsDue.length = 0;
    this.checkpointed.clear();
  }

  snapshot(): LessorSnapshot {
    // A loop, not map() (optimized map() makes holey arrays: a second array kind for restore() to meet).
    const leases: LessorSnapshot["leases"] = [];
    for (const l of this.leases.values())
      leases.push(
        l.remainingTTL > 0 && !this.checkpointNotPersisted
          ? { ID: l.ID, TTL: l.TTL, remainingTTL: l.remainingTTL }
          : { ID: l.ID, TTL: l.TTL },
      );
    leases.sort((a, b) => a.ID - b.ID);
    return { leases, nextId: this.nextId };
  }

  /**
   * Replaces every lease. Expiry is local state: a primary restarts each TTL at nowUs; keys are
   * re-attached by the store from the restored key-value pairs.
   */
  restore(s: LessorSnapshot, nowUs: number): void {
    this.leases.clear();
    this.itemMap.clear();
    this.checkpointsDue.length = 0;
    this.checkpointed.clear();
    for (const { ID, TTL, remainingTTL } of s.leases) {
      const lease: Lease = { ID, TTL, expiryUs: FOREVER, remainingTTL: remainingTTL ?? 0, keys: new Set() };
      if (this.primary) {
        lease.expiryUs = nowUs + remainingOf(lease) * US_PER_SECOND;
        this.scheduleCheckpoint(lease, nowUs);
      }
      this.leases.set(ID, lease);
    }
    this.nextId = s.nextId;
  }
}

/** etcd's getRemainingTTL: the checkpointed remainder if one is set, else the TTL (seconds). */
function remainingOf(lease: Lease): number {
  return lease.remainingTTL > 0 ? lease.remainingTTL : lease.TTL;
}
