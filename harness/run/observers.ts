// The typed observer registry of one run: every stream the checkers and reports watch the system under
// test through — Raft views, applied entries, committed revisions, role changes, lease expiries,
// process lifecycle — as named channels. A topology wires the members' hooks to it once
// (memberHooks); checkers subscribe by name. Observers are passive: they never act on the world, so
// subscribing one changes no history and no trace hash.
import type { MemberHooks } from "../../core/etcd/member.ts";
import type { NoSpaceObservation } from "../../checkers/etcd/nospace.ts";
import type { AuthRequest, AuthState } from "../../core/etcd/auth.ts";
import type { Change } from "../../core/mvcc/key-history.ts";
import type { SoftState } from "../../core/raft/types.ts";
import type { RaftView } from "../../core/raft/view.ts";
import type { World } from "../../sim/world.ts";

/** A typed fan-out: subscribers are called in the order they subscribed. */
export class Channel<T> {
  private readonly subscribers: ((x: T) => void)[] = [];
  on(fn: (x: T) => void): void {
    this.subscribers.push(fn);
  }
  emit(x: T): void {
    const subs = this.subscribers;
    for (let i = 0; i < subs.length; i++) subs[i]!(x);
  }
}

/** A Raft entry a member applied, and the store revision it led to (for the cross-member oracle). */
export interface AppliedEntry {
  member: string;
  index: number;
  term: number;
  /** The entry's data, by reference (never mutated). */
  payload: unknown;
  revision: number;
  /** True (virtual) time of the apply. */
  time: number;
  /** The lease ID the member chose for a LeaseGrant that named none, else 0. */
  grantedLease: number;
  /** How many leases the member's lessor holds after it. */
  leases: number;
}

/** What a member recovered at a (re)start. */
export interface Recovery {
  member: string;
  index: number;
  revision: number;
}

/** A committed revision, reported once: by the first member to apply it. */
export interface CommittedRevision {
  revision: number;
  /** The keys changed, parallel to `changes` (a change with version 0 is a delete). */
  keys: readonly string[];
  changes: readonly Change[];
}

/** A member's Raft role changed (leader, follower, candidate…) at a term. */
export interface RoleChange {
  time: number;
  member: string;
  state: SoftState;
  term: number;
}

export interface LeaseExpiry {
  member: string;
  ids: readonly number[];
  time: number;
}

/** An auth request a member applied, with the auth state after it (`changed`: the request changed it). */
export interface AuthApply {
  member: string;
  time: number;
  index: number;
  kvRevision: number;
  state: AuthState;
  request: AuthRequest;
  caller: string | undefined;
  changed: boolean;
}

export interface MemberChangeProposed {
  member: string;
  op: "addLearner" | "promote" | "remove";
  id: string;
  time: number;
  /** The leader refused it as unhealthy instead (etcd's strict reconfiguration check). */
  refused?: true;
}

export type LifecycleEvent = Parameters<World["lifecycle"][number]>[0];
export type SignalEvent = Parameters<World["signals"][number]>[0];
export type StopEvent = Parameters<World["stops"][number]>[0];

export class RunObservers {
  readonly raftViews = new Channel<RaftView>();
  readonly applies = new Channel<AppliedEntry>();
  readonly recoveries = new Channel<Recovery>();
  readonly commits = new Channel<CommittedRevision>();
  readonly roles = new Channel<RoleChange>();
  readonly leaseExpiries = new Channel<LeaseExpiry>();
  readonly lifecycle = new Channel<LifecycleEvent>();
  /** A graceful stop asked of a process, and the moment it went down. */
  readonly stops = new Channel<StopEvent>();
  /** A signal (the nemesis's container-kill) handed to a process, just before the process gets it. */
  readonly signals = new Channel<SignalEvent>();
  /** Space quota: a member's alarm changes and the writes it applied (for the etcd-nospace checker). */
  readonly noSpace = new Channel<NoSpaceObservation>();
  /** etcd auth: every applied auth change, with the KV revision it was applied at (for the auth checker). */
  readonly authApplies = new Channel<AuthApply>();
  /** A leader proposed a membership change its checks let through, or refused one as unhealthy (for the etcd-reconfig-health checker). */
  readonly memberChanges = new Channel<MemberChangeProposed>();

  constructor(private readonly world: World) {
    world.lifecycle.push((ev) => this.lifecycle.emit(ev));
    world.signals.push((ev) => this.signals.emit(ev));
    world.stops.push((ev) => this.stops.emit(ev));
  }

  /**
   * The hooks every etcd member of this run is built with (one set for all: a revision is reported by
   * the first member that applies it, later members' applies of it are not).
   */
  memberHooks(): MemberHooks {
    const world = this.world;
    let lastRevision = 1;
    return {
      observer: (view) => this.raftViews.emit(view),
      // Every apply on every member: built field by field (a spread costs more), in the same key order.
      onApply: (member, index, term, payload, revision, grantedLease, leases) =>
        this.applies.emit({ member, index, term, payload, revision, time: world.now, grantedLease, leases }),
      onRecover: (member, r) => this.recoveries.emit({ member, index: r.index, revision: r.revision }),
      onCommit: (_m, revision, keys, changes) => {
        if (revision <= lastRevision) return; // already reported by the first member to apply it
        lastRevision = revision;
        this.commits.emit({ revision, keys, changes });
      },
      onSoftState: (member, state, term) => this.roles.emit({ time: world.now, member, state, term }),
      onLeaseExpire: (member, ids) => this.leaseExpiries.emit({ member, ids, time: world.now }),
      onNoSpace: (member, e) => this.noSpace.emit({ member, ...e }),
      onAuthApply: (member, e) => this.authApplies.emit({ member, time: world.now, ...e }),
      onMemberChangeProposed: (member, op, id) => this.memberChanges.emit({ member, op, id, time: world.now }),
      onMemberChangeRefused: (member, op, id) =>
        this.memberChanges.emit({ member, op, id, time: world.now, refused: true }),
    };
  }
}
