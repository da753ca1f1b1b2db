// The host loop for one RaftNode inside a simulated process (core/env.ts): ticks it on the process clock,
// steps it with every Raft message, and runs the Ready loop through the process's disk — write, fsync, and
// only in the fsync callback send messages and apply committed entries. One Ready is in flight at a time.
// On construction it restarts from exactly what the disk kept.
import { assert } from "../assert.ts";
import { BugSet } from "../bugs.ts";
import type { Actor, Env, Random, TimerId } from "../env.ts";
import { RaftDiskStore } from "./disk_store.ts";
import { RaftNode, type RaftTuning } from "./node.ts";
import type { Mutable } from "./state.ts";
import {
  NONE,
  PEER_MESSAGE_TYPES,
  type ConfChange,
  type DropReason,
  type Entry,
  type Message,
  type ProposalOutcome,
  type Ready,
  type ReadState,
  type RoleKind,
  type SoftState,
} from "./types.ts";
import { termRevealedBy, type DurableChange, type HostObservations, type RaftObserver, type RaftView } from "./view.ts";

/** The replicated state machine the driver feeds, in log order. */
export interface StateMachine {
  /** Every committed entry, in order: normal entries (data null for a leader's empty entry) and conf changes. */
  apply(entry: Entry): void;
  /** The state as of the last applied entry, for log compaction. */
  snapshot(): unknown;
  /** Replace the state with a snapshot's (after a restart, or when the leader sent one). */
  restore(data: unknown, index: number, term: number): void;
  /**
   * Optional: for a state machine that keeps its own durable state (etcd's consistent index), the index it
   * already reflects after a restart. The driver then neither restores an older snapshot nor re-applies.
   */
  appliedIndex?(): number;
}

export interface RaftDriverOptions extends RaftTuning {
  env: Env;
  /** Bootstrap voters (same list on every node, including ones added later). */
  peers: readonly string[];
  learners?: readonly string[];
  stateMachine: StateMachine;
  /** Tick period on the process clock. Default 10 ms. */
  tickUs?: number;
  /** Take a snapshot and compact the log every this many applied entries (0: never). Default 1000. */
  snapshotEvery?: number;
  /**
   * After a snapshot, keep this many entries before it in memory (etcd's SnapshotCatchUpEntries, 5,000 by
   * default there): a follower less far behind catches up from the log, not from a snapshot. Default 0.
   */
  snapshotCatchUpEntries?: number;
  /** Rewrite the log file once this many records before the snapshot point have piled up. Default 1024. */
  logRewriteAfter?: number;
  /** A linearizable read not answered within this many ticks fails with "timeout". Default 2 × electionTicks. */
  readTimeoutTicks?: number;
  /**
   * A leader sends its messages while its own entries are still being written (etcd's raftNode does this:
   * the leader counts itself toward a quorum only once durable, so nothing is acknowledged early; thesis
   * §10.2.1). Followers and candidates always sync first. Default true.
   */
  leaderSendsBeforeSync?: boolean;
  /** Called after every step and every Ready cycle with a cheap view (for RaftSafetyMonitor). */
  observer?: RaftObserver;
  /** Wraps outgoing Raft messages, when the process speaks other protocols too. Default: as is. */
  encode?: (m: Message) => unknown;
  /** Told when the role or the known leader changes. */
  onSoftState?: (s: SoftState) => void;
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: "not-leader"; readonly leader: string }
  | { readonly ok: false; readonly reason: DropReason; readonly leader: string };

export type ReadResult =
  | { readonly ok: true; readonly index: number }
  | { readonly ok: false; readonly reason: "no-leader" | "timeout" };

export interface RaftStatus {
  readonly id: string;
  readonly term: number;
  readonly role: RoleKind;
  readonly leader: string;
  readonly commitIndex: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

interface PendingRead {
  readonly ctx: string;
  readonly cb: (r: ReadResult) => void;
  readonly deadline: number;
  index: number | undefined;
}

/** True for a message this driver should step (shape check only: peers are trusted, the network is not typed). */
export function isRaftMessage(msg: unknown): msg is Message {
  if (msg === null || typeof msg !== "object") return false;
  const m = msg as Partial<Message>;
  // The term first: a client's messages carry none, and are told apart without the set lookup.
  return (
    typeof m.term === "number" &&
    typeof m.type === "string" &&
    PEER_MESSAGE_TYPES.has(m.type) &&
    typeof m.to === "string"
  );
}

export class RaftDriver {
  readonly node: RaftNode;
  private readonly env: Env;
  private readonly sm: StateMachine;
  private readonly store: RaftDiskStore;
  private readonly tickUs: number;
  private readonly snapshotEvery: number;
  private readonly snapshotCatchUpEntries: number;
  private readonly logRewriteAfter: number;
  private readonly readTimeoutTicks: number;
  private readonly observer: RaftObserver | undefined;
  private readonly encode: ((m: Message) => unknown) | undefined;
  private readonly onSoftState: ((s: SoftState) => void) | undefined;
  private readonly applyBeforePersist: boolean;
  private readonly readServedUnapplied: boolean;
  private readonly leaderSendsBeforeSync: boolean;
  /** Term and vote as of the last fsync: a leader sends early only if its term is already durable. */
  private syncedTerm: number;
  private syncedVote: string;
  private inFlight = false;
  /** The Ready waiting for its fsync, and whether (as a leader) its messages already left. */
  private syncing: Ready | undefined;
  private syncingSentEarly = false;
  private timer: TimerId | undefined;
  private ticks = 0;
  private lastSnapshotIndex: number;
  private readonly reads = new Map<string, PendingRead>();
  private readSeq = 0;
  /** Drawn at the first read (most incarnations never serve one); its own stream, so when shifts no draw. */
  private readNonce: string | undefined;
  private readonly readNonceRng: Random;
  private stopped = false;
  /** Highest term sent since the last view (for the monitor). */
  private sentTerm = 0;
  /** How long a BUGGIFY stall lasts (its own stream, so firing never shifts Raft's draws). */
  private readonly buggifyDelay: Random;

  constructor(opts: RaftDriverOptions) {
    this.env = opts.env;
    this.sm = opts.stateMachine;
    this.tickUs = opts.tickUs ?? 10_000;
    assert(this.tickUs > 0, "tickUs must be positive");
    this.snapshotEvery = opts.snapshotEvery ?? 1000;
    this.logRewriteAfter = opts.logRewriteAfter ?? 1024;
    this.observer = opts.observer;
    this.encode = opts.encode;
    this.onSoftState = opts.onSoftState;
    const bugs = opts.bugs ?? BugSet.none;
    // MUTANT etcd-snapshot-no-catchup: every snapshot compacts the log to its own index.
    this.snapshotCatchUpEntries = bugs.has("etcd-snapshot-no-catchup") ? 0 : (opts.snapshotCatchUpEntries ?? 0);
    assert(this.snapshotCatchUpEntries >= 0, "snapshotCatchUpEntries must not be negative");
    this.applyBeforePersist = bugs.has("etcd-apply-before-persist");
    this.readServedUnapplied = bugs.has("raft-read-served-unapplied");
    this.leaderSendsBeforeSync = opts.leaderSendsBeforeSync ?? true;
    // Read ids differ per incarnation, so a late answer meant for a previous life is not taken for ours.
    this.readNonceRng = opts.env.rng.fork("raft-read");
    this.buggifyDelay = opts.env.rng.fork("raft-buggify-delay");

    this.store = new RaftDiskStore(opts.env.disk);
    const loaded = this.store.load();
    for (const r of loaded.repairs) opts.env.record("raft-repair", r);
    const snap = loaded.snapshot;
    const snapIndex = snap?.metadata.index ?? 0;
    const smIndex = this.sm.appliedIndex?.();
    let applied = snapIndex;
    let appliedSnapshot: HostObservations["appliedSnapshot"];
    if (smIndex !== undefined && smIndex >= snapIndex) {
      applied = smIndex;
    } else if (snap !== undefined) {
      this.sm.restore(snap.data, snap.metadata.index, snap.metadata.term);
      appliedSnapshot = { index: snap.metadata.index, term: snap.metadata.term };
    }
    this.lastSnapshotIndex = snapIndex;
    this.syncedTerm = loaded.hardState?.term ?? 0;
    this.syncedVote = loaded.hardState?.vote ?? NONE;
    this.node = new RaftNode({
      id: opts.env.id,
      peers: opts.peers,
      learners: opts.learners,
      rng: opts.env.rng.fork("raft-election"),
      electionTicks: opts.electionTicks,
      heartbeatTicks: opts.heartbeatTicks,
      preVote: opts.preVote,
      checkQuorum: opts.checkQuorum,
      maxInflight: opts.maxInflight,
      maxEntriesPerMsg: opts.maxEntriesPerMsg,
      bugs,
      storage: { hardState: loaded.hardState, snapshot: snap, entries: loaded.entries },
      applied,
      // An aside in the trace (sim/trace.ts): kept with --trace, never part of the trace hash. With no trace
      // kept, nobody listens, and the node builds no reason line (one per ignored message).
      onReason: opts.env.keepsAsides === false ? undefined : (line) => opts.env.record("why:raft", line),
    });
    this.readTimeoutTicks = opts.readTimeoutTicks ?? 2 * this.node.electionTicks;
    if (this.observer !== undefined) {
      const durable: DurableChange = {
        reset: { snapshotIndex: snapIndex, snapshotTerm: snap?.metadata.term ?? 0 },
        entries: loaded.entries,
      };
      this.observer(this.node.liveView(durable, appliedSnapshot, undefined, undefined, undefined));
    }
  }

  /** Starts the tick timer (call from Actor.start). */
  start(): void {
    if (this.timer === undefined && !this.stopped) this.scheduleTick();
    this.afterEvent();
  }

  /** Stops ticking; the node keeps its state (for tests and orderly shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.env.cancelTimer(this.timer);
    this.timer = undefined;
  }

  /** Steps a message from the network if it is a Raft message; returns whether it was. */
  onMessage(_from: string, msg: unknown): boolean {
    if (!isRaftMessage(msg)) return false;
    this.stepRaft(msg);
    return true;
  }

  /** onMessage for a host that already checked isRaftMessage (a member does, to route its messages). */
  stepRaft(msg: Message): void {
    if (msg.to !== this.env.id) return;
    this.node.step(msg);
    if (this.observer !== undefined) this.observe(undefined, undefined, undefined, msg);
    this.pump();
  }

  propose(data: unknown): ProposeResult {
    return this.proposeWith(() => this.node.propose(data));
  }

  /** Proposes entries together (one append, one MsgApp per follower, one fsync); the result names the first index. */
  proposeBatch(data: readonly unknown[]): ProposeResult {
    return this.proposeWith(() => this.node.proposeBatch(data));
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    return this.proposeWith(() => this.node.proposeConfChange(cc));
  }

  /**
   * Proposes on any role: a follower's node forwards the entry to the leader it knows (etcd-io/raft's
   * proposal forwarding). Only the mutant etcd-lease-revoke-after-stepdown proposes this way.
   */
  proposeForwarded(data: unknown): void {
    this.node.propose(data);
    this.afterEvent();
  }

  /** Only a leader proposes here (a follower's caller retries at the leader it names). */
  private proposeWith(proposeOnNode: () => ProposalOutcome): ProposeResult {
    if (this.node.roleKind !== "leader") return { ok: false, reason: "not-leader", leader: this.node.leader };
    const out = proposeOnNode();
    this.afterEvent();
    if (out.kind === "appended") return { ok: true, index: out.index, term: out.term };
    if (out.kind === "dropped") return { ok: false, reason: out.reason, leader: this.node.leader };
    return { ok: false, reason: "not-leader", leader: out.leader };
  }

  /**
   * A linearizable read point (§8): cb gets an index once this node has applied it and the leader confirmed
   * its leadership; serve the read from the state machine then. Followers ask the leader.
   */
  readIndex(cb: (r: ReadResult) => void): void {
    if (this.node.leader === NONE) {
      cb({ ok: false, reason: "no-leader" });
      return;
    }
    this.readNonce ??= this.readNonceRng.uint32().toString(36);
    const ctx = `${this.env.id}/${this.readNonce}/${++this.readSeq}`;
    this.reads.set(ctx, { ctx, cb, deadline: this.ticks + this.readTimeoutTicks, index: undefined });
    if (this.observer !== undefined) {
      // Before the node sees it: what was committed anywhere by now, the answer must cover.
      const v: Mutable<RaftView> = this.node.liveView(undefined, undefined, undefined, undefined, undefined);
      v.readRequested = ctx;
      this.observer(v);
    }
    this.node.readIndex(ctx);
    this.afterEvent();
  }

  transferLeadership(to: string): void {
    this.node.transferLeadership(to);
    this.afterEvent();
  }

  campaign(): void {
    this.node.campaign();
    this.afterEvent();
  }

  /**
   * The hosts ask for the status after every message and request: the last one is handed out again while
   * nothing in it changed. Safe because a RaftStatus is never mutated (its arrays are the configuration's,
   * replaced, never mutated, on a change), so a caller holding an older one still sees what it saw.
   */
  private lastStatus: RaftStatus | undefined;

  status(): RaftStatus {
    const n = this.node;
    const s = this.lastStatus;
    if (
      s !== undefined &&
      s.term === n.term &&
      s.role === n.roleKind &&
      s.leader === n.leader &&
      s.commitIndex === n.commitIndex &&
      s.applied === n.applied &&
      s.lastIndex === n.lastIndex &&
      s.voters === n.voters &&
      s.learners === n.learners
    )
      return s;
    return (this.lastStatus = {
      id: n.id,
      term: n.term,
      role: n.roleKind,
      leader: n.leader,
      commitIndex: n.commitIndex,
      applied: n.applied,
      lastIndex: n.lastIndex,
      voters: n.voters,
      learners: n.learners,
    });
  }

  // ---------------------------------------------------------------- the loop

  private scheduleTick(): void {
    this.timer = this.env.setTimer(this.tickUs, this.onTick);
  }

  /** The tick timer fired (one function for every tick, not a closure each). */
  private readonly onTick = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    this.ticks++;
    this.node.tick();
    this.expireReads();
    this.afterEvent();
    this.scheduleTick();
  };

  private afterEvent(): void {
    if (this.observer !== undefined) this.observe(undefined, undefined, undefined, undefined);
    this.pump();
  }

  /** Hands the observer the node's view with what the host did since the previous one (positional: no object per call). */
  private observe(
    durable: DurableChange | undefined,
    appliedSnapshot: HostObservations["appliedSnapshot"],
    appliedEntries: readonly Entry[] | undefined,
    stepped: Message | undefined,
    readsAnswered?: readonly ReadState[],
  ): void {
    const sentTerm = this.sentTerm > 0 ? this.sentTerm : undefined;
    this.sentTerm = 0;
    if (this.observer === undefined) return;
    const v: Mutable<RaftView> = this.node.liveView(durable, appliedSnapshot, appliedEntries, sentTerm, stepped);
    if (readsAnswered !== undefined && readsAnswered.length > 0) v.readsAnswered = readsAnswered;
    this.observer(v);
  }

  /** Runs Ready cycles until none is left or one waits for an fsync. */
  private pump(): void {
    while (!this.inFlight && this.node.hasReady()) {
      // The node refills one Ready (nextReady): nothing here keeps it past advance(), and no Ready is asked
      // for while one is in flight (inFlight stays set until applyAndAdvance is done with it).
      const rd = this.node.nextReady();
      this.inFlight = true;
      for (const m of rd.messagesBeforeSync) this.sendRaft(m);
      const hs = rd.hardState;
      const sentEarly =
        this.leaderSendsBeforeSync &&
        this.node.roleKind === "leader" &&
        (hs === undefined || (hs.term === this.syncedTerm && hs.vote === this.syncedVote));
      if (sentEarly) for (const m of rd.messages) this.sendRaft(m);
      this.store.persist(rd);
      if (rd.softState !== undefined) {
        this.env.record(
          "raft-role",
          `${rd.softState.role} term=${this.node.term} leader=${rd.softState.leader || "-"}`,
        );
        this.onSoftState?.(rd.softState);
      }
      // MUTANT etcd-apply-before-persist: apply (and so answer) before the entries are durable.
      if (this.applyBeforePersist) this.apply(rd);
      if (rd.mustSync) {
        this.syncing = rd;
        this.syncingSentEarly = sentEarly;
        this.env.disk.sync(this.onSynced);
        return;
      }
      this.finish(rd, sentEarly);
    }
  }

  /** The fsync of the Ready in flight completed (one function for every fsync, not a closure each). */
  private readonly onSynced = (): void => {
    const rd = this.syncing;
    assert(rd !== undefined, "an fsync completed with no Ready waiting for it");
    this.syncing = undefined;
    const hs = rd.hardState;
    if (hs !== undefined) {
      this.syncedTerm = hs.term;
      this.syncedVote = hs.vote;
    }
    this.finish(rd, this.syncingSentEarly);
    this.pump();
  };

  /** Everything in rd is durable: send (unless a leader already did), apply, advance. */
  private finish(rd: Ready, sent: boolean): void {
    // BUGGIFY slow-apply: the apply loop stalls; the Ready stays in flight, so Raft waits for it.
    const stall = rd.committedEntries.length > 0 && !this.applyBeforePersist && this.env.buggify("slow-apply");
    // What the fsync made durable is durable now, before the acknowledgements leave, however late the apply.
    if (stall && this.observer !== undefined)
      this.observe(rd.mustSync ? durableOf(rd) : undefined, undefined, undefined, undefined);
    if (!sent) for (const m of rd.messages) this.sendRaft(m);
    if (stall) {
      this.stallApply(rd);
      return;
    }
    this.applyAndAdvance(rd, false);
  }

  /**
   * The slow-apply stall's timer, apart from finish(): a function that makes a closure gets a context object
   * on every call, even when it does not make the closure, and finish() runs for every Ready.
   */
  private stallApply(rd: Ready): void {
    this.env.setTimer(this.buggifyDelay.int(5_000, 50_000), () => {
      this.applyAndAdvance(rd, true);
      this.pump();
    });
  }

  private applyAndAdvance(rd: Ready, durableObserved: boolean): void {
    if (!this.applyBeforePersist) this.apply(rd);
    this.node.advance(rd);
    for (const rs of rd.readStates) {
      const p = this.reads.get(rs.context);
      if (p !== undefined && p.index === undefined) p.index = rs.index;
    }
    // Observed before the reads resolve: a read's callback may act (a lease renewal proposes), and its view
    // would otherwise show this Ready's commit before the fsync that allowed it (option fuzz 2541).
    if (this.observer !== undefined)
      this.observe(
        !durableObserved && rd.mustSync ? durableOf(rd) : undefined,
        rd.snapshot !== undefined ? { index: rd.snapshot.metadata.index, term: rd.snapshot.metadata.term } : undefined,
        rd.committedEntries,
        undefined,
        rd.readStates,
      );
    this.resolveReads();
    const due = this.snapshotEvery > 0 && this.node.applied - this.lastSnapshotIndex >= this.snapshotEvery;
    // BUGGIFY force-snapshot: compact now, so a follower that falls behind needs InstallSnapshot.
    if (
      due ||
      (rd.committedEntries.length > 0 &&
        this.node.applied > this.lastSnapshotIndex &&
        this.env.buggify("force-snapshot"))
    ) {
      const s = this.node.compact(this.node.applied, this.sm.snapshot(), this.snapshotCatchUpEntries);
      this.store.saveSnapshot(s);
      this.lastSnapshotIndex = s.metadata.index;
      if (this.observer !== undefined)
        this.observe(
          { compactedTo: { index: s.metadata.index, term: s.metadata.term }, entries: NO_ENTRIES },
          undefined,
          undefined,
          undefined,
        );
    }
    if (this.store.needsRewrite(this.logRewriteAfter)) {
      // Stays "in flight": no Ready runs while the log file is being swapped.
      this.store.rewrite(this.onRewritten);
      return;
    }
    this.inFlight = false;
  }

  /** The log file was swapped (made once: an arrow made in applyAndAdvance would cost it a context per call). */
  private readonly onRewritten = (): void => {
    this.inFlight = false;
    this.pump();
  };

  private apply(rd: Ready): void {
    if (rd.snapshot !== undefined) {
      const m = rd.snapshot.metadata;
      this.sm.restore(rd.snapshot.data, m.index, m.term);
      this.lastSnapshotIndex = m.index;
    }
    for (const e of rd.committedEntries) this.sm.apply(e);
  }

  private sendRaft(m: Message): void {
    if (this.observer !== undefined) this.sentTerm = Math.max(this.sentTerm, termRevealedBy(m));
    this.env.send(m.to, this.encode !== undefined ? this.encode(m) : m);
  }

  private resolveReads(): void {
    if (this.reads.size === 0) return;
    const applied = this.node.applied;
    // Over values, not entries: no [key, value] pair made per read per Ready.
    for (const p of this.reads.values()) {
      // MUTANT raft-read-served-unapplied: the read is served once the leader answered, applied or not.
      if (p.index === undefined || (p.index > applied && !this.readServedUnapplied)) continue;
      this.reads.delete(p.ctx);
      if (this.observer !== undefined) {
        // The monitor judges the state the read is served from (read-served-applied).
        const v: Mutable<RaftView> = this.node.liveView(undefined, undefined, undefined, undefined, undefined);
        v.readServed = { index: p.index, context: p.ctx };
        this.observer(v);
      }
      p.cb({ ok: true, index: p.index });
    }
  }

  private expireReads(): void {
    if (this.reads.size === 0) return;
    for (const p of this.reads.values()) {
      if (this.ticks < p.deadline) continue;
      this.reads.delete(p.ctx);
      p.cb({ ok: false, reason: "timeout" });
    }
  }
}

/** A compaction's durable change adds no entries. */
const NO_ENTRIES: readonly Entry[] = [];

/** What persisting rd changed on disk, as the safety monitor sees it. */
function durableOf(rd: Ready): DurableChange {
  return {
    reset:
      rd.snapshot !== undefined
        ? { snapshotIndex: rd.snapshot.metadata.index, snapshotTerm: rd.snapshot.metadata.term }
        : undefined,
    entries: rd.entries,
  };
}

/** A process body that runs Raft alone over a state machine made fresh for every incarnation (Raft-only scenarios). */
export function raftActor(
  opts: Omit<RaftDriverOptions, "env" | "stateMachine"> & { stateMachine: (env: Env) => StateMachine },
): (env: Env) => Actor & { readonly driver: RaftDriver } {
  return (env) => {
    const driver = new RaftDriver({ ...opts, env, stateMachine: opts.stateMachine(env) });
    return {
      driver,
      start: () => driver.start(),
      onMessage: (from, msg) => void driver.onMessage(from, msg),
    };
  };
}
