// The state every Raft node holds and the plumbing under its role logic (after etcd-io/raft raft.go): the
// persistent state (currentTerm, votedFor, the log), the configuration, the role transitions of §5.2, the
// outgoing message queue and the views a host or a monitor reads. The node is layered: RaftState (here) ←
// RaftLeader (leader.ts: replication, commit, ReadIndex, transfer, conf changes) ← RaftNode (node.ts: the
// host API, the Ready loop, elections and the follower/candidate handlers).
import { assert } from "../assert.ts";
import { BugSet } from "../bugs.ts";
import type { Random } from "../env.ts";
import { applyConfChange, configOf, confStateOf, isVoter, type Config } from "./confchange/changer.ts";
import type { MessageInit, ProgressView, RaftConfig, Role } from "./config.ts";
import { RaftLog } from "./log.ts";
import type { IgnoreReason } from "./reasons.ts";
import { jointQuorum } from "./quorum.ts";
import {
  NONE,
  NO_ENTRIES,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type ReadState,
  type RoleKind,
  type SoftState,
} from "./types.ts";
import type { DurableChange, HostObservations, RaftView } from "./view.ts";

/** A readonly record being built (a message, the reused view) before it is handed out as readonly. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Shared empty arrays, like NO_ENTRIES (types.ts): typed readonly, and not frozen for the same reason.
export const NO_MESSAGES: readonly Message[] = [];
export const NO_READ_STATES: readonly ReadState[] = [];

function localMessage(type: MessageType): Message {
  return {
    type,
    from: NONE,
    to: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: NO_ENTRIES,
    commit: 0,
    reject: false,
    rejectHint: 0,
  };
}

/**
 * The local messages the ticks step (a leader's heartbeat and quorum check, an election timeout), made
 * once rather than per tick: a message is never mutated, and no handler keeps these once stepped.
 */
export const MSG_BEAT: Message = localMessage("MsgBeat");
export const MSG_CHECK_QUORUM: Message = localMessage("MsgCheckQuorum");
export const MSG_HUP: Message = localMessage("MsgHup");

export abstract class RaftState {
  readonly id: string;
  protected readonly rng: Random;
  protected readonly bugs: BugSet;
  /** The two mutants consulted on every append and acknowledgement, looked up once. */
  protected readonly ackBeforeFsync: boolean;
  protected readonly applyBeforePersist: boolean;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  protected readonly maxInflight: number;
  protected readonly maxEntriesPerMsg: number;
  private readonly onReason: ((line: string) => void) | undefined;
  protected currentTerm: number;
  protected votedFor: string;
  protected lead = NONE;
  protected role: Role = { kind: "follower" };
  protected readonly log: RaftLog;
  /** The applied configuration (confchange/changer.ts), replaced, never mutated, on every change. */
  protected conf: Config;
  protected electionElapsed = 0;
  protected heartbeatElapsed = 0;
  protected randomizedElectionTimeout = 0;
  /** NO_MESSAGES (never pushed to: see queue) or this Ready's own array. */
  protected msgs: Message[] = NO_MESSAGES as Message[];
  protected msgsBeforeSync: Message[] = [];
  protected readStates: ReadState[] = [];
  protected prevHardState: HardState;
  protected prevSoftState: SoftState = { leader: NONE, role: "follower" };
  protected readyInFlight = false;
  /** The message array of the last Ready RaftNode.nextReady() handed out, once advanced: emptied, for queue(). */
  protected advancedMessages: Message[] | undefined;
  protected readonly matchScratch: number[] = [];
  /** Messages stepped, for the benchmark. */
  stepped = 0;
  protected readonly termAtFn = (i: number): number | undefined => this.log.term(i);

  constructor(cfg: RaftConfig) {
    assert(cfg.id !== NONE, "a node id must not be empty");
    this.id = cfg.id;
    this.rng = cfg.rng;
    this.bugs = cfg.bugs ?? BugSet.none;
    this.ackBeforeFsync = this.bugs.has("raft-ack-before-fsync");
    this.applyBeforePersist = this.bugs.has("etcd-apply-before-persist");
    this.electionTicks = cfg.electionTicks ?? 10;
    this.heartbeatTicks = cfg.heartbeatTicks ?? 1;
    assert(
      this.heartbeatTicks > 0 && this.electionTicks > this.heartbeatTicks,
      "electionTicks must exceed heartbeatTicks > 0",
    );
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.maxInflight = cfg.maxInflight ?? 256;
    this.maxEntriesPerMsg = cfg.maxEntriesPerMsg ?? 64;
    assert(this.maxEntriesPerMsg > 0, "maxEntriesPerMsg must be positive");
    this.onReason = cfg.onReason;

    const st = cfg.storage ?? {};
    const hs = st.hardState ?? { term: 0, vote: NONE, commit: 0 };
    const entries = st.entries ?? [];
    const snapIndex = st.snapshot?.metadata.index ?? 0;
    const lastIndex = Math.max(snapIndex, entries.length > 0 ? entries[entries.length - 1]!.index : 0);
    const applied = Math.max(cfg.applied ?? 0, snapIndex);
    assert(
      applied <= lastIndex,
      () => `${cfg.id}: the state machine applied ${applied} but the durable log ends at ${lastIndex}`,
    );
    // The state machine only ever applies committed entries, so whatever it applied is committed even if
    // the commit-only hard state that said so was not yet synced.
    const commit = Math.max(hs.commit, applied);
    this.log = new RaftLog(st.snapshot, entries, commit, applied);
    this.currentTerm = hs.term;
    this.votedFor = hs.vote;
    this.prevHardState = { term: hs.term, vote: hs.vote, commit };

    const conf = st.snapshot?.metadata.confState ?? { voters: cfg.peers, learners: cfg.learners ?? [] };
    this.conf = configOf(conf);
    // Conf changes the state machine already applied are not handed out again: replay them here.
    for (let i = snapIndex + 1; i <= applied; i++) {
      const e = this.log.entryAt(i);
      if (e?.type === "confChange") this.conf = applyConfChange(this.conf, e.data as ConfChange, this.id);
    }
    this.becomeFollower(this.currentTerm, NONE);
  }

  get term(): number {
    return this.currentTerm;
  }

  get vote(): string {
    return this.votedFor;
  }

  get roleKind(): RoleKind {
    return this.role.kind;
  }

  get leader(): string {
    return this.lead;
  }

  get commitIndex(): number {
    return this.log.committed;
  }

  get applied(): number {
    return this.log.applied;
  }

  get lastIndex(): number {
    return this.log.lastIndex();
  }

  get lastTerm(): number {
    return this.log.lastTerm();
  }

  get firstIndex(): number {
    return this.log.firstIndex();
  }

  get voters(): readonly string[] {
    return this.conf.voters;
  }

  get learners(): readonly string[] {
    return this.conf.learners;
  }

  /** The outgoing voters while in a joint configuration; empty otherwise. */
  get votersOutgoing(): readonly string[] {
    return this.conf.outgoing;
  }

  get joint(): boolean {
    return this.conf.outgoing.length > 0;
  }

  confState(): ConfState {
    return confStateOf(this.conf);
  }

  termAt(i: number): number | undefined {
    return this.log.term(i);
  }

  entryAt(i: number): Entry | undefined {
    return this.log.entryAt(i);
  }

  /** The leader's progress for a peer (undefined unless leader). */
  progressOf(id: string): ProgressView | undefined {
    if (this.role.kind !== "leader") return undefined;
    const pr = this.role.progress.get(id);
    if (pr === undefined) return undefined;
    return { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive, isLearner: pr.isLearner };
  }

  get leadTransferee(): string {
    return this.role.kind === "leader" ? this.role.leadTransferee : NONE;
  }

  get randomizedTimeout(): number {
    return this.randomizedElectionTimeout;
  }

  /** A cheap view for safety monitors; `extra` carries what the host made durable, applied and sent. */
  view(extra?: HostObservations): RaftView {
    // One literal of a fixed shape (no spreads), so every view shares one hidden class.
    return {
      id: this.id,
      term: this.currentTerm,
      vote: this.votedFor,
      role: this.role.kind,
      leader: this.lead,
      commitIndex: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      compactedIndex: this.log.compactedIndex(),
      voters: this.conf.voters,
      votersOutgoing: this.conf.outgoing,
      learners: this.conf.learners,
      configIndex: this.log.pendingSnapshot?.metadata.index ?? this.log.applied,
      logOverwrites: this.log.overwrites,
      termAt: this.termAtFn,
      durable: extra?.durable,
      appliedSnapshot: extra?.appliedSnapshot,
      appliedEntries: extra?.appliedEntries,
      sentTerm: extra?.sentTerm,
      stepped: extra?.stepped,
      readRequested: extra?.readRequested,
      readsAnswered: extra?.readsAnswered,
      readServed: extra?.readServed,
    };
  }

  /** The one view object liveView() refreshes (made on first use, with view()'s shape). */
  private reusedView: Mutable<RaftView> | undefined;

  /**
   * view() for a host that observes after every step (the driver): the same object every time, refreshed
   * in place, instead of a new one per step. Safe because an observer reads a view only during its call
   * (RaftView says so) and keeps none of it but values: the arrays and entries it points to are never
   * mutated. Every field is written on every call, so nothing of an earlier view shows through.
   */
  liveView(
    durable: DurableChange | undefined,
    appliedSnapshot: HostObservations["appliedSnapshot"],
    appliedEntries: readonly Entry[] | undefined,
    sentTerm: number | undefined,
    stepped: Message | undefined,
  ): Mutable<RaftView> {
    let v = this.reusedView;
    if (v === undefined) this.reusedView = v = this.view();
    v.term = this.currentTerm;
    v.vote = this.votedFor;
    v.role = this.role.kind;
    v.leader = this.lead;
    v.commitIndex = this.log.committed;
    v.applied = this.log.applied;
    v.lastIndex = this.log.lastIndex();
    v.lastTerm = this.log.lastTerm();
    v.compactedIndex = this.log.compactedIndex();
    v.voters = this.conf.voters;
    v.votersOutgoing = this.conf.outgoing;
    v.learners = this.conf.learners;
    v.configIndex = this.log.pendingSnapshot?.metadata.index ?? this.log.applied;
    v.logOverwrites = this.log.overwrites;
    v.durable = durable;
    v.appliedSnapshot = appliedSnapshot;
    v.appliedEntries = appliedEntries;
    v.sentTerm = sentTerm;
    v.stepped = stepped;
    v.readRequested = undefined;
    v.readsAnswered = undefined;
    v.readServed = undefined;
    return v;
  }

  abstract step(m: Message): void;

  // ---------------------------------------------------------------- roles (§5.2)

  protected reset(term: number): void {
    if (term !== this.currentTerm) {
      assert(term > this.currentTerm, () => `${this.id}: term would go back from ${this.currentTerm} to ${term}`);
      this.currentTerm = term;
      this.votedFor = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTicks + this.rng.int(0, this.electionTicks - 1);
  }

  protected becomeFollower(term: number, lead: string): void {
    this.reset(term);
    this.role = { kind: "follower" };
    this.lead = lead;
  }

  protected becomePreCandidate(): void {
    assert(this.role.kind !== "leader", "a leader cannot become a pre-candidate");
    // Neither term nor vote changes: a pre-election must not disrupt anyone (thesis §9.6).
    this.role = { kind: "precandidate", votes: new Map() };
    this.lead = NONE;
  }

  protected becomeCandidate(): void {
    assert(this.role.kind !== "leader", "a leader cannot become a candidate");
    this.reset(this.currentTerm + 1);
    this.votedFor = this.id;
    this.role = { kind: "candidate", votes: new Map() };
  }

  protected promotable(): boolean {
    return this.isVoter(this.id) && this.log.pendingSnapshot === undefined;
  }

  /** A voter of either half of the configuration. */
  protected isVoter(id: string): boolean {
    return isVoter(this.conf, id);
  }

  // ---------------------------------------------------------------- plumbing

  /** Tells the host why `m` is dropped, ignored or refused (no string is built unless it listens). */
  protected ignore(reason: IgnoreReason, m: Message): void {
    if (this.onReason === undefined) return;
    const from = m.from === NONE ? "local" : m.from;
    this.onReason(`${reason}: ${m.type} from ${from} term ${m.term} (at term ${this.currentTerm})`);
  }

  protected committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.currentTerm;
  }

  protected hasQuorum(ids: ReadonlySet<string>): boolean {
    return jointQuorum(this.conf.voters, this.conf.outgoing, (id) => ids.has(id));
  }

  protected hardState(): HardState {
    return { term: this.currentTerm, vote: this.votedFor, commit: this.log.committed };
  }

  protected softState(): SoftState {
    return { leader: this.lead, role: this.role.kind };
  }

  /** A local message of `type` (no sender, no term); the ticks step the shared ones below instead. */
  protected local(type: MessageType): Message {
    return localMessage(type);
  }

  /** The commonest message, built directly (same shape as send() makes; no intermediate object). */
  protected sendAppAck(to: string, index: number, replyTerm: number | undefined): void {
    const msg: Message = {
      type: "MsgAppResp",
      from: this.id,
      to,
      term: replyTerm ?? this.currentTerm,
      logTerm: 0,
      index,
      entries: NO_ENTRIES,
      commit: 0,
      reject: false,
      rejectHint: 0,
    };
    // MUTANT raft-ack-before-fsync: the acknowledgement leaves before the acknowledged entries are durable.
    if (this.ackBeforeFsync) this.msgsBeforeSync.push(msg);
    else this.queue(msg);
  }

  /**
   * Queues a message for the next Ready. Between Readys msgs is the shared empty array, so a Ready with no
   * messages allocates nothing and one with a single message (a follower's acknowledgement) a 1-slot array —
   * or none: under nextReady() the previous Ready's array, emptied at its advance(), is filled again.
   */
  protected queue(msg: Message): void {
    if (this.msgs !== NO_MESSAGES) this.msgs.push(msg);
    else if (this.advancedMessages === undefined) this.msgs = [msg];
    else {
      const spare = this.advancedMessages;
      this.advancedMessages = undefined;
      spare.push(msg);
      this.msgs = spare;
    }
  }

  protected send(m: MessageInit): void {
    let term = m.term ?? 0;
    const isVote =
      m.type === "MsgVote" || m.type === "MsgPreVote" || m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp";
    // A campaign message names the term it is about (a rejection may come from a node still at term 0).
    if (isVote) assert(term > 0 || m.reject === true, () => `${m.type} must carry a term`);
    else if ((m.type === "MsgAppResp" || m.type === "MsgHeartbeatResp") && m.term !== undefined) {
      // only the raft-skip-term-check mutant answers in a term other than ours
    } else if (m.type !== "MsgProp" && m.type !== "MsgReadIndex") term = this.currentTerm;
    const msg: Mutable<Message> = {
      type: m.type,
      from: m.from ?? this.id,
      to: m.to,
      term,
      logTerm: m.logTerm ?? 0,
      index: m.index ?? 0,
      entries: m.entries ?? NO_ENTRIES,
      commit: m.commit ?? 0,
      reject: m.reject ?? false,
      rejectHint: m.rejectHint ?? 0,
    };
    // Optional fields only when set (no spread: this is the hottest allocation in the node).
    if (m.context !== undefined) msg.context = m.context;
    if (m.snapshot !== undefined) msg.snapshot = m.snapshot;
    if (this.ackBeforeFsync && msg.type === "MsgAppResp" && !msg.reject) {
      // MUTANT raft-ack-before-fsync: the acknowledgement leaves before the acknowledged entries are durable.
      this.msgsBeforeSync.push(msg);
      return;
    }
    this.queue(msg);
  }
}
