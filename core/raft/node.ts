// Raft as a pure state machine, after etcd-io/raft raft.go + rawnode.go: no I/O, no clock, no global
// randomness. The host calls tick() on a timer, step() for every message, and runs the Ready loop:
// ready() → persist hardState/entries/snapshot (durably when mustSync) → send messages → apply
// committedEntries → advance(). Names follow the paper (currentTerm, votedFor, commitIndex, ...).
import { assert, unreachable } from "../assert.ts";
import { BugSet } from "../bugs.ts";
import type { Random } from "../env.ts";
import { RaftLog } from "./log.ts";
import { Progress, type ProgressState } from "./progress.ts";
import { jointCommittedMatch, jointQuorum, jointVoteResult, type VoteResult } from "./quorum.ts";
import { ReadOnly } from "./read_only.ts";
import {
  NONE,
  NO_ENTRIES,
  type ConfChange,
  type ConfChangeSingle,
  type ConfState,
  type DropReason,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type ProposalOutcome,
  type ReadState,
  type Ready,
  type RoleKind,
  type Snapshot,
  type SoftState,
} from "./types.ts";
import type { HostObservations, RaftView } from "./view.ts";

/** What a restarting node reads back from its disk: exactly what was made durable. */
export interface RaftStorage {
  hardState?: HardState;
  snapshot?: Snapshot;
  entries?: readonly Entry[];
}

/** The knobs every host of a RaftNode passes through unchanged (the driver, the test cluster). */
export type RaftTuning = Pick<RaftConfig, "electionTicks" | "heartbeatTicks" | "preVote" | "checkQuorum" | "maxInflight" | "maxEntriesPerMsg" | "bugs">;

export interface RaftConfig {
  id: string;
  /** The bootstrap voters, the same list on every node (etcd's --initial-cluster); later changes come from the log. */
  peers: readonly string[];
  /** Bootstrap learners. */
  learners?: readonly string[];
  /** Election jitter. Never a global random source (STYLE 2). */
  rng: Random;
  /** Election timeout in ticks; the randomized timeout is drawn from [electionTicks, 2·electionTicks). */
  electionTicks?: number;
  heartbeatTicks?: number;
  /** Default true. */
  preVote?: boolean;
  /** Default true. */
  checkQuorum?: boolean;
  /** Per follower, MsgApps in flight before the leader waits for acknowledgements. Default 256. */
  maxInflight?: number;
  /** Entries per MsgApp (etcd's MaxSizePerMsg, counted in entries). Default 64. */
  maxEntriesPerMsg?: number;
  bugs?: BugSet;
  /** Durable state to restart from. */
  storage?: RaftStorage;
  /** Index the state machine already reflects (it restored itself); defaults to the snapshot index. */
  applied?: number;
}

const CAMPAIGN_TRANSFER = "transfer";
// Shared empty arrays, like NO_ENTRIES (types.ts): typed readonly, and not frozen for the same reason.
const NO_MESSAGES: readonly Message[] = [];
const NO_READ_STATES: readonly ReadState[] = [];

type CandidateState = { readonly kind: "precandidate" | "candidate"; readonly votes: Map<string, boolean> };

interface LeaderState {
  readonly kind: "leader";
  /** nextIndex / matchIndex per server (voters and learners, self included). */
  readonly progress: Map<string, Progress>;
  /**
   * The same Progress objects as arrays, rebuilt whenever `progress` changes (syncProgress): the servers to
   * replicate to in the map's order, and each half's voters for counting a quorum — no lookups per message.
   */
  replicaIds: string[];
  replicaProgress: Progress[];
  incomingProgress: Progress[];
  outgoingProgress: Progress[];
  readonly readOnly: ReadOnly;
  /** ReadIndex requests held until an entry of this term commits (§8). */
  pendingReadIndex: Message[];
  leadTransferee: string;
  /** Index of the last conf change appended; a new one waits until it is applied. */
  pendingConfIndex: number;
}

/** Leader-only state lives in the leader variant, so a follower cannot reach it. */
type Role = { readonly kind: "follower" } | CandidateState | LeaderState;

type MessageInit = Partial<Message> & { readonly type: MessageType; readonly to: string };

export interface ProgressView {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
}

export class RaftNode {
  readonly id: string;
  private readonly rng: Random;
  private readonly bugs: BugSet;
  /** The two mutants consulted on every append and acknowledgement, looked up once. */
  private readonly ackBeforeFsync: boolean;
  private readonly applyBeforePersist: boolean;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  private readonly maxInflight: number;
  private readonly maxEntriesPerMsg: number;

  private currentTerm: number;
  private votedFor: string;
  private lead = NONE;
  private role: Role = { kind: "follower" };
  private readonly log: RaftLog;
  /** The voters; while joint, the incoming half (C_new). */
  private voterIds: string[] = [];
  /** The outgoing half (C_old) while joint; empty otherwise. */
  private outgoingIds: string[] = [];
  private autoLeave = false;
  private learnerIds: string[] = [];

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  /** NO_MESSAGES (never pushed to: see queue) or this Ready's own array. */
  private msgs: Message[] = NO_MESSAGES as Message[];
  private msgsBeforeSync: Message[] = [];
  private readStates: ReadState[] = [];
  private prevHardState: HardState;
  private prevSoftState: SoftState = { leader: NONE, role: "follower" };
  private readyInFlight = false;
  private readonly matchScratch: number[] = [];
  /** Messages stepped, for the benchmark. */
  stepped = 0;
  private readonly termAtFn = (i: number): number | undefined => this.log.term(i);

  constructor(cfg: RaftConfig) {
    assert(cfg.id !== NONE, "a node id must not be empty");
    this.id = cfg.id;
    this.rng = cfg.rng;
    this.bugs = cfg.bugs ?? BugSet.none;
    this.ackBeforeFsync = this.bugs.has("raft-ack-before-fsync");
    this.applyBeforePersist = this.bugs.has("etcd-apply-before-persist");
    this.electionTicks = cfg.electionTicks ?? 10;
    this.heartbeatTicks = cfg.heartbeatTicks ?? 1;
    assert(this.heartbeatTicks > 0 && this.electionTicks > this.heartbeatTicks, "electionTicks must exceed heartbeatTicks > 0");
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.maxInflight = cfg.maxInflight ?? 256;
    this.maxEntriesPerMsg = cfg.maxEntriesPerMsg ?? 64;
    assert(this.maxEntriesPerMsg > 0, "maxEntriesPerMsg must be positive");

    const st = cfg.storage ?? {};
    const hs = st.hardState ?? { term: 0, vote: NONE, commit: 0 };
    const entries = st.entries ?? [];
    const snapIndex = st.snapshot?.metadata.index ?? 0;
    const lastIndex = Math.max(snapIndex, entries.length > 0 ? entries[entries.length - 1]!.index : 0);
    const applied = Math.max(cfg.applied ?? 0, snapIndex);
    assert(applied <= lastIndex, () => `${cfg.id}: the state machine applied ${applied} but the durable log ends at ${lastIndex}`);
    // The state machine only ever applies committed entries, so whatever it applied is committed even if
    // the commit-only hard state that said so was not yet synced.
    const commit = Math.max(hs.commit, applied);
    this.log = new RaftLog(st.snapshot, entries, commit, applied);
    this.currentTerm = hs.term;
    this.votedFor = hs.vote;
    this.prevHardState = { term: hs.term, vote: hs.vote, commit };

    const conf = st.snapshot?.metadata.confState ?? { voters: cfg.peers, learners: cfg.learners ?? [] };
    this.setConf(conf);
    // Conf changes the state machine already applied are not handed out again: replay them here.
    for (let i = snapIndex + 1; i <= applied; i++) {
      const e = this.log.entryAt(i);
      if (e?.type === "confChange") this.applyConfChange(e.data as ConfChange);
    }
    this.becomeFollower(this.currentTerm, NONE);
  }

  // ---------------------------------------------------------------- inspection

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
    return this.voterIds;
  }
  get learners(): readonly string[] {
    return this.learnerIds;
  }
  /** The outgoing voters while in a joint configuration; empty otherwise. */
  get votersOutgoing(): readonly string[] {
    return this.outgoingIds;
  }
  get joint(): boolean {
    return this.outgoingIds.length > 0;
  }
  confState(): ConfState {
    if (this.outgoingIds.length === 0) return { voters: [...this.voterIds], learners: [...this.learnerIds] };
    return { voters: [...this.voterIds], learners: [...this.learnerIds], votersOutgoing: [...this.outgoingIds], autoLeave: this.autoLeave };
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
    // One literal of a fixed shape (no spreads): this runs after every step when a monitor is attached.
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
      voters: this.voterIds,
      votersOutgoing: this.outgoingIds,
      learners: this.learnerIds,
      configIndex: this.log.pendingSnapshot?.metadata.index ?? this.log.applied,
      logOverwrites: this.log.overwrites,
      termAt: this.termAtFn,
      durable: extra?.durable,
      appliedSnapshot: extra?.appliedSnapshot,
      appliedEntries: extra?.appliedEntries,
      sentTerm: extra?.sentTerm,
    };
  }

  // ---------------------------------------------------------------- host API

  tick(): void {
    if (this.role.kind === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  /** Starts an election now (etcd's Campaign). */
  campaign(): void {
    this.step(this.local("MsgHup"));
  }

  propose(data: unknown): ProposalOutcome {
    return this.proposeEntries([{ term: 0, index: 0, type: "normal", data }]);
  }

  /**
   * Proposes several entries as one MsgProp (etcd's Step(MsgProp) with many entries): a leader appends
   * them together and replicates them in one MsgApp per follower instead of one each; a follower forwards
   * them as one message. All or none are appended; the outcome names the first index.
   */
  proposeBatch(data: readonly unknown[]): ProposalOutcome {
    assert(data.length > 0, "proposeBatch needs at least one entry");
    return this.proposeEntries(data.map((d): Entry => ({ term: 0, index: 0, type: "normal", data: d })));
  }

  proposeConfChange(cc: ConfChange): ProposalOutcome {
    return this.proposeEntries([{ term: 0, index: 0, type: "confChange", data: cc }]);
  }

  /** Asks for a linearizable read point; the answer arrives as a ReadState carrying `context`. */
  readIndex(context: string): void {
    this.step({ ...this.local("MsgReadIndex"), context });
  }

  /** Asks the leader to hand leadership to `to` (§3.10 of the thesis; etcd's TransferLeader). */
  transferLeadership(to: string): void {
    this.step({ ...this.local("MsgTransferLeader"), from: to });
  }

  step(m: Message): void {
    this.stepped++;
    if (m.to !== this.id && m.to !== NONE) return;
    if (m.term === 0) {
      // local message, or a forwarded proposal / read
    } else if (m.term > this.currentTerm) {
      if (m.type === "MsgVote" || m.type === "MsgPreVote") {
        const force = m.context === CAMPAIGN_TRANSFER;
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTicks;
        // Leader lease: while we hear from a leader, a disruptive candidate is ignored (thesis §4.2.3).
        if (!force && inLease) return;
      }
      if (m.type === "MsgPreVote") {
        // A pre-vote never changes our term.
      } else if (m.type === "MsgPreVoteResp" && !m.reject) {
        // The term is bumped when the pre-election is won.
      } else {
        const fromLeader = m.type === "MsgApp" || m.type === "MsgHeartbeat" || m.type === "MsgSnap";
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.currentTerm) {
      if ((m.type === "MsgApp" || m.type === "MsgHeartbeat") && this.role.kind === "follower" && this.bugs.has("raft-skip-term-check")) {
        // MUTANT raft-skip-term-check: a stale leader's AppendEntries (heartbeats included) is accepted (§5.1
        // says reject it) and answered in the stale leader's term, so it counts the acknowledgement and never
        // learns that it was deposed.
        if (m.type === "MsgApp") this.handleAppendEntries(m, m.term);
        else this.handleHeartbeat(m, m.term);
        return;
      }
      if ((this.checkQuorum || this.preVote) && (m.type === "MsgHeartbeat" || m.type === "MsgApp")) {
        // Tell a stale leader about the newer term; without this, a leader cut off by a partition that
        // re-joins could keep disrupting with pre-votes that are never answered.
        this.send({ type: "MsgAppResp", to: m.from });
      } else if (m.type === "MsgPreVote") {
        this.send({ type: "MsgPreVoteResp", to: m.from, term: this.currentTerm, reject: true });
      }
      return;
    }

    switch (m.type) {
      case "MsgHup":
        this.hup(false);
        return;
      case "MsgVote":
      case "MsgPreVote":
        this.handleVoteRequest(m);
        return;
      default:
        break;
    }
    const role = this.role;
    switch (role.kind) {
      case "leader":
        this.stepLeader(role, m);
        return;
      case "candidate":
      case "precandidate":
        this.stepCandidate(role, m);
        return;
      case "follower":
        this.stepFollower(m);
        return;
      default:
        unreachable(role, "role");
    }
  }

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.msgsBeforeSync.length > 0 ||
      this.readStates.length > 0 ||
      this.log.hasUnstable() ||
      this.log.pendingSnapshot !== undefined ||
      this.log.hasNextCommittedEntries() ||
      this.lead !== this.prevSoftState.leader ||
      this.role.kind !== this.prevSoftState.role ||
      this.currentTerm !== this.prevHardState.term ||
      this.votedFor !== this.prevHardState.vote ||
      this.log.committed !== this.prevHardState.commit
    );
  }

  ready(): Ready {
    assert(!this.readyInFlight, "ready() called again before advance() of the previous Ready");
    // Hard and soft state objects are made only when they changed (most Readys change neither).
    const prevHs = this.prevHardState;
    const hardChanged = this.currentTerm !== prevHs.term || this.votedFor !== prevHs.vote || this.log.committed !== prevHs.commit;
    const hs = hardChanged ? this.hardState() : prevHs;
    const softChanged = this.lead !== this.prevSoftState.leader || this.role.kind !== this.prevSoftState.role;
    const ss = softChanged ? this.softState() : this.prevSoftState;
    // Both are NO_ENTRIES when there is nothing (the log hands out one shared empty array).
    const entries = this.log.unstableEntries();
    const committedEntries = this.log.nextCommittedEntries();
    const snapshot = this.log.pendingSnapshot;
    const rd: Ready = {
      softState: softChanged ? ss : undefined,
      hardState: hardChanged ? hs : undefined,
      snapshot,
      entries,
      committedEntries,
      messages: this.msgs,
      messagesBeforeSync: this.msgsBeforeSync.length > 0 ? this.msgsBeforeSync : NO_MESSAGES,
      readStates: this.readStates.length > 0 ? this.readStates : NO_READ_STATES,
      mustSync: entries.length > 0 || snapshot !== undefined || hs.term !== prevHs.term || hs.vote !== prevHs.vote,
    };
    this.msgs = NO_MESSAGES as Message[];
    // Usually empty: then the Ready gets a shared empty array and we keep ours (no allocation).
    if (this.msgsBeforeSync.length > 0) this.msgsBeforeSync = [];
    if (this.readStates.length > 0) this.readStates = [];
    this.prevSoftState = ss;
    this.prevHardState = hs;
    // Guarded: reading index -1 of an empty array leaves V8's fast path (a keyed lookup up the prototype chain).
    this.log.acceptReady(committedEntries.length > 0 ? committedEntries[committedEntries.length - 1]!.index : 0);
    this.readyInFlight = true;
    return rd;
  }

  /** The host persisted, sent and applied everything in `rd`. */
  advance(rd: Ready): void {
    assert(this.readyInFlight, "advance() without a Ready in flight");
    this.readyInFlight = false;
    if (rd.snapshot !== undefined) this.log.snapshotApplied(rd.snapshot);
    if (rd.entries.length > 0) this.log.stableTo(rd.entries[rd.entries.length - 1]!.index);
    const committed = rd.committedEntries;
    for (let i = 0; i < committed.length; i++) {
      const e = committed[i]!;
      // A configuration takes effect when applied, in log order — unless a leader's snapshot restored while
      // this Ready was in flight already covers the entry: its configuration then includes the change.
      if (e.type !== "confChange" || e.index <= this.log.compactedIndex()) continue;
      this.log.appliedTo(e.index);
      this.applyConfChange(e.data as ConfChange);
    }
    if (committed.length > 0) this.log.appliedTo(committed[committed.length - 1]!.index);
    if (this.log.applied > this.log.committed) assert(false, `applied ${this.log.applied} > committed ${this.log.committed}`);
    // The leader counts itself toward a quorum only for entries on its own disk.
    const role = this.role;
    if (role.kind === "leader") {
      this.leaderAcknowledged(role, this.id, this.log.stabled);
      // A joint configuration with autoLeave is left by the leader once the entry that entered it is
      // applied (etcd does the same in advance); a leader elected while joint does it too.
      if (this.role === role && this.autoLeave && this.outgoingIds.length > 0 && this.log.applied >= role.pendingConfIndex) {
        this.leaderAppend(role, [{ term: 0, index: 0, type: "confChange", data: { type: "leaveJoint" } satisfies ConfChange }]);
      }
    }
  }

  /**
   * The host took a snapshot of its state machine at `index` (which must be the applied index); entries up
   * to it leave memory. Returns the snapshot for the host to persist.
   */
  compact(index: number, data: unknown): Snapshot {
    assert(index === this.log.applied, () => `compact(${index}) must be at the applied index ${this.log.applied}`);
    if (index <= this.log.compactedIndex() && this.log.snapshot !== undefined) return this.log.snapshot;
    const term = this.log.term(index);
    assert(term !== undefined, () => `compact(${index}): no term for that index`);
    const s: Snapshot = { metadata: { index, term, confState: this.confState() }, data };
    this.log.compact(s);
    return s;
  }

  // ---------------------------------------------------------------- roles (§5.2)

  private reset(term: number): void {
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

  private becomeFollower(term: number, lead: string): void {
    this.reset(term);
    this.role = { kind: "follower" };
    this.lead = lead;
  }

  private becomePreCandidate(): void {
    assert(this.role.kind !== "leader", "a leader cannot become a pre-candidate");
    // Neither term nor vote changes: a pre-election must not disrupt anyone (thesis §9.6).
    this.role = { kind: "precandidate", votes: new Map() };
    this.lead = NONE;
  }

  private becomeCandidate(): void {
    assert(this.role.kind !== "leader", "a leader cannot become a candidate");
    this.reset(this.currentTerm + 1);
    this.votedFor = this.id;
    this.role = { kind: "candidate", votes: new Map() };
  }

  private becomeLeader(): void {
    assert(this.role.kind === "candidate", () => `${this.id}: only a candidate becomes leader (was ${this.role.kind})`);
    this.reset(this.currentTerm);
    this.lead = this.id;
    const progress = new Map<string, Progress>();
    const next = this.log.lastIndex() + 1;
    for (const id of this.members()) {
      const pr = new Progress(next, this.maxInflight, this.learnerIds.includes(id));
      if (id === this.id) {
        pr.match = this.log.stabled;
        pr.recentActive = true;
      }
      progress.set(id, pr);
    }
    const ls: LeaderState = {
      kind: "leader",
      progress,
      replicaIds: [],
      replicaProgress: [],
      incomingProgress: [],
      outgoingProgress: [],
      readOnly: new ReadOnly(),
      pendingReadIndex: [],
      leadTransferee: NONE,
      // Any conf change still in the log may be unapplied: be conservative.
      pendingConfIndex: this.log.lastIndex(),
    };
    this.syncProgress(ls);
    this.role = ls;
    // An entry of our own term lets us commit earlier ones (§5.4.2) and answer reads (§8).
    this.appendEntries(ls, [{ term: 0, index: 0, type: "normal", data: null }]);
  }

  private promotable(): boolean {
    return this.isVoter(this.id) && this.log.pendingSnapshot === undefined;
  }

  /** A voter of either half of the configuration. */
  private isVoter(id: string): boolean {
    return this.voterIds.includes(id) || this.outgoingIds.includes(id);
  }

  /** The voters of both halves (just the voters outside a joint configuration). */
  private allVoters(): readonly string[] {
    return this.outgoingIds.length === 0 ? this.voterIds : sortedUnique([...this.voterIds, ...this.outgoingIds]);
  }

  /** Every server the leader replicates to: voters of both halves, then learners. */
  private members(): string[] {
    return [...this.allVoters(), ...this.learnerIds];
  }

  private setConf(conf: ConfState): void {
    this.voterIds = sortedUnique(conf.voters);
    this.outgoingIds = sortedUnique(conf.votersOutgoing ?? []);
    this.autoLeave = this.outgoingIds.length > 0 && conf.autoLeave !== false;
    this.learnerIds = sortedUnique(conf.learners).filter((id) => !this.isVoter(id));
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(this.local("MsgHup"));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(this.local("MsgCheckQuorum"));
      // A transfer that did not finish within an election timeout is abandoned; a leader that is no longer
      // a voter gives up leading instead.
      if (this.role.kind === "leader" && !this.isVoter(this.id)) {
        this.becomeFollower(this.currentTerm, NONE);
        return;
      }
      if (this.role.kind === "leader" && this.role.leadTransferee !== NONE) this.role.leadTransferee = NONE;
    }
    if (this.role.kind !== "leader") return;
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.step(this.local("MsgBeat"));
    }
  }

  private hup(transfer: boolean): void {
    if (this.role.kind === "leader") return;
    if (!this.promotable()) return;
    // A node must not campaign with a configuration it has committed but not yet applied.
    if (this.hasUnappliedConfChanges()) return;
    if (this.preVote && !transfer) this.campaignRound("pre", false);
    else this.campaignRound("election", transfer);
  }

  private campaignRound(kind: "pre" | "election", transfer: boolean): void {
    let type: MessageType;
    let term: number;
    if (kind === "pre") {
      this.becomePreCandidate();
      type = "MsgPreVote";
      term = this.currentTerm + 1; // the term we would campaign in
    } else {
      this.becomeCandidate();
      type = "MsgVote";
      term = this.currentTerm;
    }
    if (this.poll(this.id, true) === "won") {
      // A single-voter cluster wins at once.
      if (kind === "pre") this.campaignRound("election", transfer);
      else this.becomeLeader();
      return;
    }
    for (const id of this.allVoters()) {
      if (id === this.id) continue;
      this.send({
        type, to: id, term, index: this.log.lastIndex(), logTerm: this.log.lastTerm(),
        context: transfer ? CAMPAIGN_TRANSFER : undefined,
      });
    }
  }

  private poll(from: string, granted: boolean): VoteResult {
    const role = this.role;
    assert(role.kind === "candidate" || role.kind === "precandidate", "poll outside an election");
    if (!role.votes.has(from)) role.votes.set(from, granted);
    return jointVoteResult(this.voterIds, this.outgoingIds, role.votes);
  }

  private handleVoteRequest(m: Message): void {
    const respType: MessageType = m.type === "MsgVote" ? "MsgVoteResp" : "MsgPreVoteResp";
    // Figure 2, RequestVote rule 2: at most one vote per term, first come first served.
    const canVote =
      this.votedFor === m.from ||
      (this.votedFor === NONE && this.lead === NONE) ||
      (m.type === "MsgPreVote" && m.term > this.currentTerm);
    // §5.4.1: only for a candidate whose log is at least as up-to-date as ours.
    const upToDate = this.bugs.has("raft-vote-ignores-log") || this.log.isUpToDate(m.index, m.logTerm);
    if (canVote && upToDate) {
      this.send({ type: respType, to: m.from, term: m.term });
      if (m.type === "MsgVote") {
        this.electionElapsed = 0;
        this.votedFor = m.from;
        if (this.bugs.has("raft-forget-vote")) {
          // MUTANT raft-forget-vote: the host is told nothing changed, so the vote (and the term it was
          // cast in) is not written before the reply goes out; a crash forgets both.
          this.prevHardState = this.hardState();
        }
      }
    } else {
      this.send({ type: respType, to: m.from, term: this.currentTerm, reject: true });
    }
  }

  private hasUnappliedConfChanges(): boolean {
    for (let i = Math.max(this.log.applied, this.log.compactedIndex()) + 1; i <= this.log.committed; i++) {
      if (this.log.entryAt(i)?.type === "confChange") return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- per-role step functions

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "MsgProp":
        if (this.lead === NONE) return;
        this.send({ type: "MsgProp", to: this.lead, entries: m.entries });
        return;
      case "MsgApp":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case "MsgHeartbeat":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case "MsgSnap":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case "MsgTransferLeader":
        if (this.lead === NONE) return;
        this.send({ type: "MsgTransferLeader", to: this.lead, from: m.from });
        return;
      case "MsgTimeoutNow":
        // The leader asks us to campaign now, skipping pre-vote and the lease (a planned transfer).
        this.hup(true);
        return;
      case "MsgReadIndex":
        if (this.lead === NONE) return;
        this.send({ type: "MsgReadIndex", to: this.lead, context: m.context });
        return;
      case "MsgReadIndexResp":
        this.readStates.push({ index: m.index, context: m.context ?? "" });
        return;
      default:
        return;
    }
  }

  private stepCandidate(role: CandidateState, m: Message): void {
    const myVoteResp: MessageType = role.kind === "precandidate" ? "MsgPreVoteResp" : "MsgVoteResp";
    switch (m.type) {
      case "MsgApp":
        this.becomeFollower(m.term, m.from); // a leader of our term exists (§5.2)
        this.handleAppendEntries(m);
        return;
      case "MsgHeartbeat":
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case "MsgSnap":
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      default:
        break;
    }
    if (m.type !== myVoteResp) return;
    const res = this.poll(m.from, !m.reject);
    if (res === "won") {
      if (role.kind === "precandidate") {
        this.campaignRound("election", false);
      } else {
        this.becomeLeader();
        const ls = this.role;
        if (ls.kind === "leader") this.bcastAppend(ls);
      }
    } else if (res === "lost") {
      this.becomeFollower(this.currentTerm, NONE);
    }
  }

  private stepLeader(ls: LeaderState, m: Message): void {
    switch (m.type) {
      case "MsgBeat":
        this.bcastHeartbeat(ls, ls.readOnly.lastPendingContext());
        return;
      case "MsgCheckQuorum":
        if (!this.quorumActive(ls)) {
          this.becomeFollower(this.currentTerm, NONE);
          return;
        }
        for (const [id, pr] of ls.progress) if (id !== this.id) pr.recentActive = false;
        return;
      case "MsgProp":
        this.leaderAppend(ls, m.entries);
        return;
      case "MsgReadIndex":
        this.leaderReadIndex(ls, m);
        return;
      default:
        break;
    }
    const pr = ls.progress.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case "MsgAppResp":
        pr.recentActive = true;
        if (m.reject) this.handleAppendRejection(ls, pr, m);
        else this.leaderAcknowledged(ls, m.from, m.index);
        return;
      case "MsgHeartbeatResp":
        this.handleHeartbeatResponse(ls, pr, m);
        return;
      case "MsgTransferLeader":
        this.handleTransferLeader(ls, pr, m.from);
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- replication (§5.3)

  private proposeEntries(entries: readonly Entry[]): ProposalOutcome {
    const role = this.role;
    if (role.kind === "leader") return this.leaderAppend(role, entries);
    if (role.kind !== "follower" || this.lead === NONE) return dropped("no-leader");
    this.send({ type: "MsgProp", to: this.lead, entries });
    return { kind: "forwarded", leader: this.lead };
  }

  private leaderAppend(ls: LeaderState, proposed: readonly Entry[]): ProposalOutcome {
    if (ls.leadTransferee !== NONE) return dropped("leadership-transfer");
    if (!ls.progress.has(this.id)) return dropped("no-leader"); // removed while leading
    for (const e of proposed) {
      if (e.type !== "confChange") continue;
      if (ls.pendingConfIndex > this.log.applied) return dropped("conf-change-pending");
      if (!this.validConfChange(e.data)) return dropped("invalid-conf-change");
    }
    const first = this.appendEntries(ls, proposed);
    this.bcastAppend(ls);
    return { kind: "appended", index: first, term: this.currentTerm };
  }

  /** Appends at the end of the leader's log; returns the index of the first. */
  private appendEntries(ls: LeaderState, proposed: readonly Entry[]): number {
    const first = this.log.lastIndex() + 1;
    const ents = proposed.map((e, i): Entry => ({ term: this.currentTerm, index: first + i, type: e.type, data: e.data }));
    for (const e of ents) if (e.type === "confChange") ls.pendingConfIndex = e.index;
    this.log.append(ents);
    if (this.applyBeforePersist) {
      // MUTANT etcd-apply-before-persist (etcd #14370): the leader counts its own entries at once, before
      // they are durable, so a lone member commits (and its host applies) entries a crash can still lose.
      ls.progress.get(this.id)?.maybeUpdate(this.log.lastIndex());
      this.maybeCommit(ls);
    }
    return first;
  }

  private validConfChange(data: unknown): boolean {
    const cc = data as ConfChange | null;
    if (cc === null || typeof cc !== "object") return false;
    switch (cc.type) {
      case "leaveJoint":
        return this.outgoingIds.length > 0;
      case "enterJoint":
        return this.outgoingIds.length === 0 && Array.isArray(cc.changes) && cc.changes.length > 0 && this.jointTarget(cc.changes) !== undefined;
      default:
        // As in etcd: a joint configuration must be left before anything else changes.
        return this.outgoingIds.length === 0 && this.validSingle(cc);
    }
  }

  private validSingle(cc: ConfChangeSingle): boolean {
    if (typeof cc.nodeId !== "string" || cc.nodeId === NONE) return false;
    const isVoter = this.voterIds.includes(cc.nodeId);
    const isLearner = this.learnerIds.includes(cc.nodeId);
    switch (cc.type) {
      case "addVoter":
        return !isVoter;
      case "addLearner":
        return !isLearner && !(isVoter && this.voterIds.length === 1);
      case "removeVoter":
        return (isVoter || isLearner) && !(isVoter && this.voterIds.length === 1);
      default:
        return false;
    }
  }

  /**
   * The incoming voters and learners after a joint change, or undefined if it is not allowed: every change
   * names a server once; a voter is never demoted to learner in one step (etcd needs LearnersNext for that);
   * some voter must remain.
   */
  private jointTarget(changes: readonly ConfChangeSingle[]): { voters: string[]; learners: string[] } | undefined {
    const voters = new Set(this.voterIds);
    const learners = new Set(this.learnerIds);
    const seen = new Set<string>();
    for (const c of changes) {
      if (c === null || typeof c !== "object" || typeof c.nodeId !== "string" || c.nodeId === NONE || seen.has(c.nodeId)) return undefined;
      seen.add(c.nodeId);
      if (c.type !== "addVoter" && c.type !== "removeVoter" && c.type !== "addLearner") return undefined;
      if (c.type === "addLearner" && voters.has(c.nodeId)) return undefined;
      applySingle(voters, learners, c);
    }
    if (voters.size === 0) return undefined;
    return { voters: sortedUnique([...voters]), learners: sortedUnique([...learners]) };
  }

  /** Rebuilds the leader's progress arrays from its map (after the map changed). */
  private syncProgress(ls: LeaderState): void {
    ls.replicaIds = [];
    ls.replicaProgress = [];
    for (const [id, pr] of ls.progress) {
      if (id === this.id) continue;
      ls.replicaIds.push(id);
      ls.replicaProgress.push(pr);
    }
    const of = (ids: readonly string[]) => ids.map((id) => {
      const pr = ls.progress.get(id);
      assert(pr !== undefined, () => `${this.id}: voter ${id} has no progress`);
      return pr;
    });
    ls.incomingProgress = of(this.voterIds);
    ls.outgoingProgress = of(this.outgoingIds);
  }

  private bcastAppend(ls: LeaderState): void {
    const ids = ls.replicaIds;
    const prs = ls.replicaProgress;
    for (let i = 0; i < ids.length; i++) this.sendAppendTo(ids[i]!, prs[i]!, true);
  }

  /** Sends the next MsgApp (or the snapshot) to `to`; with sendIfEmpty, even with no new entries (to carry commit). */
  private maybeSendAppend(ls: LeaderState, to: string, sendIfEmpty: boolean): boolean {
    const pr = ls.progress.get(to);
    return pr !== undefined && this.sendAppendTo(to, pr, sendIfEmpty);
  }

  private sendAppendTo(to: string, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    // Nothing new to send (the common case after an acknowledgement): skip the term lookup and the slice.
    if (!sendIfEmpty && pr.next === this.log.lastIndex() + 1) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.maybeSendSnapshot(to, pr);
    const ents = pr.state !== "replicate" || !pr.inflights.full() ? this.log.slice(pr.next, this.maxEntriesPerMsg) : NO_ENTRIES;
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.queue({
      type: "MsgApp", from: this.id, to, term: this.currentTerm, logTerm: prevTerm, index: prevIndex, entries: ents,
      commit: this.log.committed, reject: false, rejectHint: 0,
    });
    pr.sentEntries(ents.length, ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex);
    return true;
  }

  private maybeSendSnapshot(to: string, pr: Progress): boolean {
    // Do not ship a snapshot to a peer we have not heard from: it is likely down (etcd does the same).
    if (!pr.recentActive) return false;
    const snap = this.log.snapshot;
    assert(snap !== undefined, () => `${this.id}: log compacted below ${pr.next} but no snapshot`);
    pr.becomeSnapshot(snap.metadata.index);
    this.send({ type: "MsgSnap", to, snapshot: snap });
    return true;
  }

  private handleAppendRejection(ls: LeaderState, pr: Progress, m: Message): void {
    // Fast backtracking: skip every entry of a term the follower cannot have (etcd's findConflictByTerm).
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      if (pr.state === "replicate") pr.becomeProbe();
      this.maybeSendAppend(ls, m.from, true);
    }
  }

  /** A server (possibly ourselves) has `index` durably: advance its matchIndex and maybe commitIndex. */
  private leaderAcknowledged(ls: LeaderState, from: string, index: number): void {
    const pr = ls.progress.get(from);
    if (pr === undefined) return;
    if (index > this.log.lastIndex()) {
      assert(false,
        `leader ${this.id} (term ${this.currentTerm}): ${from} acknowledged index ${index} beyond the leader's last index ${this.log.lastIndex()}: it holds committed entries the leader lacks`);
    }
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(index)) return;
    if (pr.state === "probe") pr.becomeReplicate();
    else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === "replicate") pr.inflights.freeLE(index);

    if (this.maybeCommit(ls)) {
      this.releasePendingReadIndex(ls);
      this.bcastAppend(ls);
    } else if (from !== this.id && oldPaused) {
      this.sendAppendTo(from, pr, true);
    }
    if (from !== this.id) while (this.sendAppendTo(from, pr, false));
    if (from === ls.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(from);
  }

  /** §5.4.2: commit by counting replicas only for an entry of the current term. */
  private maybeCommit(ls: LeaderState): boolean {
    const mci = jointCommittedMatch(ls.incomingProgress, ls.outgoingProgress, this.matchScratch);
    if (mci <= this.log.committed) return false;
    // MUTANT raft-commit-old-term skips the term check (figure 8).
    if (this.log.term(mci) !== this.currentTerm && !this.bugs.has("raft-commit-old-term")) return false;
    this.log.commitTo(mci);
    return true;
  }

  /** AppendEntries receiver (figure 2). `replyTerm` is only ever set by the raft-skip-term-check mutant. */
  private handleAppendEntries(m: Message, replyTerm?: number): void {
    if (m.index < this.log.committed) {
      this.sendAppAck(m.from, this.log.committed, replyTerm);
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.sendAppAck(m.from, lastNew, replyTerm);
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ type: "MsgAppResp", to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term, term: replyTerm });
  }

  private handleHeartbeat(m: Message, replyTerm?: number): void {
    this.log.commitTo(m.commit);
    this.send({ type: "MsgHeartbeatResp", to: m.from, context: m.context, term: replyTerm });
  }

  private bcastHeartbeat(ls: LeaderState, context: string | undefined): void {
    for (const [id, pr] of ls.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit beyond what it is known to hold.
      this.send({ type: "MsgHeartbeat", to: id, commit: Math.min(pr.match, this.log.committed), context });
    }
  }

  private handleHeartbeatResponse(ls: LeaderState, pr: Progress, m: Message): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirst();
    if (pr.state === "snapshot") {
      // The snapshot (or its answer) may have been lost: after an election timeout's worth of heartbeats, retry.
      pr.snapshotWait++;
      if (pr.snapshotWait >= Math.max(2, Math.ceil(this.electionTicks / this.heartbeatTicks))) pr.becomeProbe();
    }
    if (pr.match < this.log.lastIndex()) this.maybeSendAppend(ls, m.from, true);

    if (m.context === undefined || m.context === "") return;
    const acks = ls.readOnly.recvAck(m.from, m.context);
    if (acks === undefined || !this.hasQuorum(acks)) return;
    for (const rs of ls.readOnly.advance(m.context)) this.respondToReadIndex(rs.req, rs.index);
  }

  // ---------------------------------------------------------------- snapshots (§7)

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s === undefined) return;
    if (this.restore(s)) this.send({ type: "MsgAppResp", to: m.from, index: this.log.lastIndex() });
    else this.send({ type: "MsgAppResp", to: m.from, index: this.log.committed });
  }

  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We already have the snapshot's last entry: just learn that it is committed.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(s);
    this.setConf(confState);
    return true;
  }

  // ---------------------------------------------------------------- read index (§8)

  private leaderReadIndex(ls: LeaderState, m: Message): void {
    if (this.bugs.has("raft-stale-read")) {
      // MUTANT raft-stale-read: answer at once, without confirming we are still the leader.
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    // A new leader does not know the latest commit index until an entry of its own term commits.
    if (!this.committedEntryInCurrentTerm()) {
      ls.pendingReadIndex.push(m);
      return;
    }
    this.confirmReadIndex(ls, m);
  }

  private confirmReadIndex(ls: LeaderState, m: Message): void {
    if (this.voterIds.length === 1 && this.voterIds[0] === this.id && this.outgoingIds.length === 0) {
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    const ctx = m.context ?? "";
    ls.readOnly.addRequest(this.log.committed, m);
    const acks = ls.readOnly.recvAck(this.id, ctx);
    if (acks !== undefined && this.hasQuorum(acks)) {
      for (const rs of ls.readOnly.advance(ctx)) this.respondToReadIndex(rs.req, rs.index);
      return;
    }
    this.bcastHeartbeat(ls, ctx);
  }

  private releasePendingReadIndex(ls: LeaderState): void {
    if (ls.pendingReadIndex.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = ls.pendingReadIndex;
    ls.pendingReadIndex = [];
    for (const m of pending) this.confirmReadIndex(ls, m);
  }

  private respondToReadIndex(req: Message, index: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, context: req.context ?? "" });
    } else {
      this.send({ type: "MsgReadIndexResp", to: req.from, index, context: req.context });
    }
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.currentTerm;
  }

  private hasQuorum(ids: ReadonlySet<string>): boolean {
    return jointQuorum(this.voterIds, this.outgoingIds, (id) => ids.has(id));
  }

  private quorumActive(ls: LeaderState): boolean {
    return jointQuorum(this.voterIds, this.outgoingIds, (id) => id === this.id || ls.progress.get(id)?.recentActive === true);
  }

  // ---------------------------------------------------------------- leadership transfer

  private handleTransferLeader(ls: LeaderState, pr: Progress, transferee: string): void {
    if (pr.isLearner) return;
    if (ls.leadTransferee !== NONE) {
      if (ls.leadTransferee === transferee) return;
      ls.leadTransferee = NONE;
    }
    if (transferee === this.id) return;
    // The transfer must finish within an election timeout, counted from now.
    this.electionElapsed = 0;
    ls.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.maybeSendAppend(ls, transferee, true);
  }

  private sendTimeoutNow(to: string): void {
    this.send({ type: "MsgTimeoutNow", to });
  }

  // ---------------------------------------------------------------- membership (§6, one server at a time)

  private applyConfChange(cc: ConfChange): void {
    switch (cc.type) {
      case "enterJoint": {
        assert(this.outgoingIds.length === 0, () => `${this.id}: entering a joint configuration while already joint`);
        const next = this.jointTarget(cc.changes);
        assert(next !== undefined, () => `${this.id}: invalid joint change ${JSON.stringify(cc)}`);
        this.setConf({ voters: next.voters, learners: next.learners, votersOutgoing: this.voterIds, autoLeave: cc.autoLeave !== false });
        break;
      }
      case "leaveJoint":
        assert(this.outgoingIds.length > 0, () => `${this.id}: leaving a joint configuration while not joint`);
        this.setConf({ voters: this.voterIds, learners: this.learnerIds });
        break;
      default: {
        const voters = new Set(this.voterIds);
        const learners = new Set(this.learnerIds);
        applySingle(voters, learners, cc);
        assert(voters.size > 0, () => `conf change ${JSON.stringify(cc)} leaves no voters`);
        this.setConf({ voters: [...voters], learners: [...learners] });
      }
    }

    const ls = this.role;
    if (ls.kind !== "leader") return;
    const members = this.members();
    for (const id of members) {
      let pr = ls.progress.get(id);
      if (pr === undefined) {
        pr = new Progress(this.log.lastIndex() + 1, this.maxInflight, false);
        // A new member counts as active, or CheckQuorum could depose us before it ever answers.
        pr.recentActive = true;
        ls.progress.set(id, pr);
      }
      pr.isLearner = this.learnerIds.includes(id);
    }
    for (const id of [...ls.progress.keys()]) {
      if (!members.includes(id)) ls.progress.delete(id);
    }
    this.syncProgress(ls);
    if (this.maybeCommit(ls)) this.bcastAppend(ls);
    else for (const id of ls.progress.keys()) if (id !== this.id) this.maybeSendAppend(ls, id, false);
    if (!this.isVoter(this.id)) {
      // Removed or demoted. Stepping down at once could strand the rest: with configurations taking effect
      // when applied, the remaining voters may not yet know the change committed, still count us, and find
      // our log longer than theirs. So hand leadership to the most caught-up remaining voter first; if that
      // does not happen within an election timeout, tickHeartbeat steps down anyway.
      const target = [...this.voterIds].sort((a, b) => (ls.progress.get(b)?.match ?? 0) - (ls.progress.get(a)?.match ?? 0))[0];
      if (target === undefined) {
        this.becomeFollower(this.currentTerm, NONE);
        return;
      }
      this.electionElapsed = 0;
      ls.leadTransferee = target;
      if (ls.progress.get(target)?.match === this.log.lastIndex()) this.sendTimeoutNow(target);
      else this.maybeSendAppend(ls, target, true);
      return;
    }
    if (ls.leadTransferee !== NONE && !this.isVoter(ls.leadTransferee)) ls.leadTransferee = NONE;
  }

  // ---------------------------------------------------------------- plumbing

  private hardState(): HardState {
    return { term: this.currentTerm, vote: this.votedFor, commit: this.log.committed };
  }

  private softState(): SoftState {
    return { leader: this.lead, role: this.role.kind };
  }

  private local(type: MessageType): Message {
    return {
      type, from: NONE, to: NONE, term: 0, logTerm: 0, index: 0, entries: NO_ENTRIES, commit: 0, reject: false, rejectHint: 0,
    };
  }

  /** The commonest message, built directly (same shape as send() makes; no intermediate object). */
  private sendAppAck(to: string, index: number, replyTerm: number | undefined): void {
    const msg: Message = {
      type: "MsgAppResp", from: this.id, to, term: replyTerm ?? this.currentTerm, logTerm: 0, index, entries: NO_ENTRIES,
      commit: 0, reject: false, rejectHint: 0,
    };
    // MUTANT raft-ack-before-fsync: the acknowledgement leaves before the acknowledged entries are durable.
    if (this.ackBeforeFsync) this.msgsBeforeSync.push(msg);
    else this.queue(msg);
  }

  /**
   * Queues a message for the next Ready. Between Readys msgs is the shared empty array, so a Ready with no
   * messages allocates nothing and one with a single message (a follower's acknowledgement) a 1-slot array.
   */
  private queue(msg: Message): void {
    if (this.msgs === NO_MESSAGES) this.msgs = [msg];
    else this.msgs.push(msg);
  }

  private send(m: MessageInit): void {
    let term = m.term ?? 0;
    const isVote = m.type === "MsgVote" || m.type === "MsgPreVote" || m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp";
    // A campaign message names the term it is about (a rejection may come from a node still at term 0).
    if (isVote) assert(term > 0 || m.reject === true, () => `${m.type} must carry a term`);
    else if ((m.type === "MsgAppResp" || m.type === "MsgHeartbeatResp") && m.term !== undefined) {
      // only the raft-skip-term-check mutant answers in a term other than ours
    } else if (m.type !== "MsgProp" && m.type !== "MsgReadIndex") term = this.currentTerm;
    const msg: { -readonly [K in keyof Message]: Message[K] } = {
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

/** One server's change to a configuration (sets updated in place). */
function applySingle(voters: Set<string>, learners: Set<string>, c: ConfChangeSingle): void {
  switch (c.type) {
    case "addVoter":
      learners.delete(c.nodeId);
      voters.add(c.nodeId);
      return;
    case "removeVoter":
      voters.delete(c.nodeId);
      learners.delete(c.nodeId);
      return;
    case "addLearner":
      voters.delete(c.nodeId);
      learners.add(c.nodeId);
      return;
    default:
      unreachable(c.type, "conf change type");
  }
}

function dropped(reason: DropReason): ProposalOutcome {
  return { kind: "dropped", reason };
}

function sortedUnique(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}

