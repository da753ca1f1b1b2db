// Raft as a pure state machine, after etcd-io/raft raft.go + rawnode.go: no I/O, no clock, no global
// randomness. The host calls tick() on a timer, step() for every message, and runs the Ready loop:
// ready() → persist hardState/entries/snapshot (durably when mustSync) → send messages → apply
// committedEntries → advance(). Names follow the paper (currentTerm, votedFor, commitIndex, ...).
// The node is layered (state.ts ← leader.ts ← here); this layer holds the host API, the Ready loop, and the
// follower's and candidate's sides: elections (§5.2, pre-vote and the leader lease of thesis §9.6 / §4.2.3),
// AppendEntries and InstallSnapshot receivers (§5.3, §7).
import { assert, unreachable } from "../assert.ts";
import { allVoters, configOf } from "./confchange/changer.ts";
import { CAMPAIGN_TRANSFER, type CandidateState } from "./config.ts";
import { RaftLeader } from "./leader.ts";
import { raftProbe } from "./probes.ts";
import { jointVoteResult, type VoteResult } from "./quorum.ts";
import { MSG_HUP, NO_MESSAGES, NO_READ_STATES, type Mutable } from "./state.ts";
import {
  NONE,
  NO_ENTRIES,
  type ConfChange,
  type Entry,
  type Message,
  type MessageType,
  type ProposalOutcome,
  type Ready,
  type Snapshot,
} from "./types.ts";

export type { ProgressView, RaftConfig, RaftStorage, RaftTuning } from "./config.ts";

export class RaftNode extends RaftLeader {
  // ---------------------------------------------------------------- host API

  tick(): void {
    if (this.role.kind === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  /** Starts an election now (etcd's Campaign). */
  campaign(): void {
    this.step(MSG_HUP);
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
    // A loop, not map() (see RaftLeader.appendEntries: optimized map() makes holey arrays).
    const entries: Entry[] = [];
    for (const d of data) entries.push({ term: 0, index: 0, type: "normal", data: d });
    return this.proposeEntries(entries);
  }

  proposeConfChange(cc: ConfChange): ProposalOutcome {
    return this.proposeEntries([{ term: 0, index: 0, type: "confChange", data: cc }]);
  }

  /** Asks for a linearizable read point; the answer arrives as a ReadState carrying `context`. */
  readIndex(context: string): void {
    const m: Mutable<Message> = this.local("MsgReadIndex");
    m.context = context;
    this.step(m);
  }

  /** Asks the leader to hand leadership to `to` (§3.10 of the thesis; etcd's TransferLeader). */
  transferLeadership(to: string): void {
    this.step({ ...this.local("MsgTransferLeader"), from: to });
  }

  step(m: Message): void {
    this.stepped++;
    if (m.to !== this.id && m.to !== NONE) {
      this.ignore("not-addressed", m);
      return;
    }
    if (m.term === 0) {
      // local message, or a forwarded proposal / read
    } else if (m.term > this.currentTerm) {
      if (m.type === "MsgVote" || m.type === "MsgPreVote") {
        const force = m.context === CAMPAIGN_TRANSFER;
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTicks;
        // Leader lease: while we hear from a leader, a disruptive candidate is ignored (thesis §4.2.3).
        if (!force && inLease) {
          if (m.type === "MsgVote") raftProbe("raft.vote-ignored-in-lease");
          this.ignore("lease", m);
          return;
        }
      }
      if (m.type === "MsgPreVote") {
        // A pre-vote never changes our term.
      } else if (m.type === "MsgPreVoteResp" && !m.reject) {
        // The term is bumped when the pre-election is won.
      } else {
        const fromLeader = m.type === "MsgApp" || m.type === "MsgHeartbeat" || m.type === "MsgSnap";
        if (this.role.kind === "leader") raftProbe("raft.leader-stepped-down-higher-term");
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.currentTerm) {
      this.stepStale(m);
      return;
    }

    switch (m.type) {
      case "MsgHup":
        this.hup(m, false);
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

  /** A message from an older term: never acted on (§5.1), but a stale leader or pre-candidate learns our term. */
  private stepStale(m: Message): void {
    if (m.type === "MsgVoteResp" && this.role.kind === "candidate" && this.bugs.has("raft-stale-vote-counted")) {
      // MUTANT raft-stale-vote-counted: a grant of an earlier term counts toward this one (§5.1 says drop it).
      this.stepCandidate(this.role, m);
      return;
    }
    if (
      (m.type === "MsgApp" || m.type === "MsgHeartbeat") &&
      this.role.kind === "follower" &&
      this.bugs.has("raft-skip-term-check")
    ) {
      // MUTANT raft-skip-term-check: a stale leader's AppendEntries (heartbeats included) is accepted (§5.1
      // says reject it) and answered in the stale leader's term, so it counts the acknowledgement and never
      // learns that it was deposed.
      if (m.type === "MsgApp") this.handleAppendEntries(m, m.term);
      else this.handleHeartbeat(m, m.term);
      return;
    }
    if (
      m.type === "MsgAppResp" &&
      !m.reject &&
      this.role.kind === "leader" &&
      this.bugs.has("raft-stale-append-ack-counted")
    ) {
      // MUTANT raft-stale-append-ack-counted: a leader re-elected in a later term counts an acknowledgement
      // its follower sent in an earlier term. The follower's log may have been rewritten since by another
      // leader, so the index it acknowledged no longer holds this leader's entries there.
      this.leaderAcknowledged(this.role, m.from, m.index);
      return;
    }
    if ((this.checkQuorum || this.preVote) && (m.type === "MsgHeartbeat" || m.type === "MsgApp")) {
      // Tell a stale leader about the newer term; without this, a leader cut off by a partition that
      // re-joins could keep disrupting with pre-votes that are never answered.
      this.send({ type: "MsgAppResp", to: m.from });
    } else if (m.type === "MsgPreVote") {
      this.send({ type: "MsgPreVoteResp", to: m.from, term: this.currentTerm, reject: true });
    } else if (m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp") {
      raftProbe("raft.stale-vote-response-ignored");
    } else if (m.type === "MsgAppResp" || m.type === "MsgHeartbeatResp") {
      raftProbe("raft.stale-append-response-ignored");
    }
    this.ignore("stale-term", m);
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
    return this.makeReady(blankReady());
  }

  /**
   * ready() for a host that keeps nothing of a Ready past its advance() (the driver): one Ready object per
   * node, refilled by every call, and the message array of the previous Ready emptied and reused for the next
   * (a Ready's arrays are otherwise never mutated). The Ready and its `messages` are valid until advance().
   */
  nextReady(): Ready {
    this.reusedReady ??= blankReady();
    return this.makeReady(this.reusedReady);
  }

  /** The one Ready nextReady() refills (made on first use). */
  private reusedReady: Mutable<Ready> | undefined;

  /** Fills every field of `rd` (a blank one for ready(), the reused one for nextReady()). */
  private makeReady(rd: Mutable<Ready>): Ready {
    assert(!this.readyInFlight, "ready() called again before advance() of the previous Ready");
    // Hard and soft state objects are made only when they changed (most Readys change neither).
    const prevHs = this.prevHardState;
    const hardChanged =
      this.currentTerm !== prevHs.term || this.votedFor !== prevHs.vote || this.log.committed !== prevHs.commit;
    const hs = hardChanged ? this.hardState() : prevHs;
    const softChanged = this.lead !== this.prevSoftState.leader || this.role.kind !== this.prevSoftState.role;
    const ss = softChanged ? this.softState() : this.prevSoftState;
    // Both are NO_ENTRIES when there is nothing (the log hands out one shared empty array).
    const entries = this.log.unstableEntries();
    const committedEntries = this.log.nextCommittedEntries();
    const snapshot = this.log.pendingSnapshot;
    const mustSync = entries.length > 0 || snapshot !== undefined || hs.term !== prevHs.term || hs.vote !== prevHs.vote;
    const messagesBeforeSync = this.msgsBeforeSync.length > 0 ? this.msgsBeforeSync : NO_MESSAGES;
    const readStates = this.readStates.length > 0 ? this.readStates : NO_READ_STATES;
    // Every field written, so nothing of a reused Ready's previous contents shows through.
    rd.softState = softChanged ? ss : undefined;
    rd.hardState = hardChanged ? hs : undefined;
    rd.snapshot = snapshot;
    rd.entries = entries;
    rd.committedEntries = committedEntries;
    rd.messages = this.msgs;
    rd.messagesBeforeSync = messagesBeforeSync;
    rd.readStates = readStates;
    rd.mustSync = mustSync;
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
    if (rd === this.reusedReady && rd.messages !== NO_MESSAGES) {
      // nextReady()'s host is done with the array: it carries the next Ready's messages (see queue).
      // Emptied by pops: `length = 0` is a runtime call that also drops the backing store, which the next
      // Ready's first message then allocates again; a pop keeps it (a Ready carries a few messages).
      const sent = rd.messages as Message[];
      while (sent.length > 0) sent.pop();
      this.advancedMessages = sent;
    }
    if (rd.snapshot !== undefined) this.log.snapshotApplied(rd.snapshot);
    if (rd.entries.length > 0) this.log.stableTo(rd.entries[rd.entries.length - 1]!.index);
    const committed = rd.committedEntries;
    for (let i = 0; i < committed.length; i++) {
      const e = committed[i]!;
      // A configuration takes effect when applied, in log order — unless a leader's snapshot restored while
      // this Ready was in flight already covers the entry: its configuration then includes the change.
      if (e.type !== "confChange") continue;
      if (e.index <= this.log.compactedIndex()) {
        raftProbe("raft.conf-change-covered-by-snapshot");
        continue;
      }
      this.log.appliedTo(e.index);
      this.confChangeApplied(e.data as ConfChange);
    }
    if (committed.length > 0) this.log.appliedTo(committed[committed.length - 1]!.index);
    if (this.log.applied > this.log.committed)
      assert(false, `applied ${this.log.applied} > committed ${this.log.committed}`);
    // The leader counts itself toward a quorum only for entries on its own disk.
    const role = this.role;
    if (role.kind === "leader") {
      this.leaderAcknowledged(role, this.id, this.log.stabled);
      // A joint configuration with autoLeave is left by the leader once the entry that entered it is
      // applied (etcd does the same in advance); a leader elected while joint does it too.
      if (
        this.role === role &&
        this.conf.autoLeave &&
        this.conf.outgoing.length > 0 &&
        this.log.applied >= role.pendingConfIndex
      ) {
        raftProbe("raft.joint-auto-left");
        this.leaderAppend(role, [
          { term: 0, index: 0, type: "confChange", data: { type: "leaveJoint" } satisfies ConfChange },
        ]);
      }
    }
  }

  /**
   * The host took a snapshot of its state machine at `index` (which must be the applied index); entries up
   * to it leave memory, but for the last `catchUpEntries` of them (etcd's SnapshotCatchUpEntries: a
   * follower that far behind still catches up from the log). Returns the snapshot for the host to persist.
   */
  compact(index: number, data: unknown, catchUpEntries = 0): Snapshot {
    assert(index === this.log.applied, () => `compact(${index}) must be at the applied index ${this.log.applied}`);
    const last = this.log.snapshot;
    if (last !== undefined && index <= last.metadata.index) return last;
    const term = this.log.term(index);
    assert(term !== undefined, () => `compact(${index}): no term for that index`);
    const s: Snapshot = { metadata: { index, term, confState: this.confState() }, data };
    this.log.compact(s, Math.max(0, index - catchUpEntries));
    return s;
  }

  // ---------------------------------------------------------------- elections (§5.2)

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(MSG_HUP);
    }
  }

  private hup(m: Message, transfer: boolean): void {
    if (this.role.kind === "leader") return;
    if (!this.promotable()) {
      this.ignore("campaign-blocked:not-promotable", m);
      return;
    }
    // A node must not campaign with a configuration it has committed but not yet applied.
    if (this.hasUnappliedConfChanges()) {
      raftProbe("raft.campaign-blocked-unapplied-conf");
      this.ignore("campaign-blocked:unapplied-conf", m);
      return;
    }
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
    for (const id of allVoters(this.conf)) {
      if (id === this.id) continue;
      this.send({
        type,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: transfer ? CAMPAIGN_TRANSFER : undefined,
      });
    }
  }

  private poll(from: string, granted: boolean): VoteResult {
    const role = this.role;
    assert(role.kind === "candidate" || role.kind === "precandidate", "poll outside an election");
    if (!role.votes.has(from)) role.votes.set(from, granted);
    return jointVoteResult(this.conf.voters, this.conf.outgoing, role.votes);
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
      const pre = m.type === "MsgPreVote";
      if (pre) raftProbe("raft.prevote-rejected");
      else if (canVote) raftProbe("raft.vote-rejected-log-behind");
      if (canVote) this.ignore(pre ? "prevote-rejected:log-behind" : "vote-rejected:log-behind", m);
      else this.ignore(pre ? "prevote-rejected:already-voted" : "vote-rejected:already-voted", m);
      this.send({ type: respType, to: m.from, term: this.currentTerm, reject: true });
    }
  }

  private hasUnappliedConfChanges(): boolean {
    for (let i = Math.max(this.log.applied, this.log.compactedIndex()) + 1; i <= this.log.committed; i++) {
      if (this.log.entryAt(i)?.type === "confChange") return true;
    }
    return false;
  }

  /** Whether the in-memory log holds a conf change after `index` (for a probe only). */
  private confChangeAfter(index: number): boolean {
    for (let i = Math.max(index, this.log.compactedIndex()) + 1; i <= this.log.lastIndex(); i++) {
      if (this.log.entryAt(i)?.type === "confChange") return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- follower and candidate

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "MsgProp":
        if (this.lead === NONE) {
          raftProbe("raft.proposal-dropped");
          this.ignore("no-leader", m);
          return;
        }
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
        if (this.lead === NONE) {
          this.ignore("no-leader", m);
          return;
        }
        this.send({ type: "MsgTransferLeader", to: this.lead, from: m.from });
        return;
      case "MsgTimeoutNow":
        // The leader asks us to campaign now, skipping pre-vote and the lease (a planned transfer).
        this.hup(m, true);
        return;
      case "MsgReadIndex":
        if (this.lead === NONE) {
          this.ignore("no-leader", m);
          return;
        }
        this.send({ type: "MsgReadIndex", to: this.lead, context: m.context });
        return;
      case "MsgReadIndexResp":
        this.readStates.push({ index: m.index, context: m.context ?? "" });
        return;
      default:
        this.ignore(m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp" ? "not-candidate" : "not-leader", m);
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
    if (m.type !== myVoteResp) {
      const local = m.type === "MsgProp" || m.type === "MsgReadIndex" || m.type === "MsgTransferLeader";
      if (m.type === "MsgProp") raftProbe("raft.proposal-dropped");
      else if (m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp") raftProbe("raft.stale-vote-response-ignored");
      // A vote response of the other round (a pre-vote answer arriving after the real election began) is stale.
      this.ignore(
        local ? "no-leader" : m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp" ? "stale-response" : "not-leader",
        m,
      );
      return;
    }
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
      raftProbe("raft.election-lost");
      this.becomeFollower(this.currentTerm, NONE);
    }
  }

  /** AppendEntries receiver (figure 2). `replyTerm` is only ever set by the raft-skip-term-check mutant. */
  private handleAppendEntries(m: Message, replyTerm?: number): void {
    if (m.index < this.log.committed) {
      this.ignore("append-below-commit", m);
      this.sendAppAck(m.from, this.log.committed, replyTerm);
      return;
    }
    const overwrites = this.log.overwrites;
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      if (this.log.overwrites !== overwrites) raftProbe("raft.follower-truncated-conflict");
      this.sendAppAck(m.from, lastNew, replyTerm);
      return;
    }
    this.ignore("append-rejected:log-mismatch", m);
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({
      type: "MsgAppResp",
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
      term: replyTerm,
    });
  }

  private handleHeartbeat(m: Message, replyTerm?: number): void {
    this.log.commitTo(m.commit);
    // Built directly, as send() would: a follower answers every heartbeat tick of its leader.
    const resp: Mutable<Message> = {
      type: "MsgHeartbeatResp",
      from: this.id,
      to: m.from,
      term: replyTerm ?? this.currentTerm,
      logTerm: 0,
      index: 0,
      entries: NO_ENTRIES,
      commit: 0,
      reject: false,
      rejectHint: 0,
    };
    if (m.context !== undefined) resp.context = m.context;
    this.queue(resp);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s === undefined) return;
    if (this.restore(s)) {
      this.send({ type: "MsgAppResp", to: m.from, index: this.log.lastIndex() });
      return;
    }
    this.ignore("snapshot-ignored:stale", m);
    this.send({ type: "MsgAppResp", to: m.from, index: this.log.committed });
  }

  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We already have the snapshot's last entry: just learn that it is committed.
      this.log.commitTo(index);
      return false;
    }
    // Entries past our commit index that the snapshot does not confirm (its last entry is not ours) are dropped.
    if (this.log.lastIndex() > this.log.committed) raftProbe("raft.snapshot-over-conflicting-log");
    if (this.confChangeAfter(this.log.applied)) raftProbe("raft.snapshot-restored-conf-change-in-flight");
    this.log.restore(s);
    this.conf = configOf(confState);
    return true;
  }
}

/** A Ready with nothing in it, every field present (one shape for every Ready). */
function blankReady(): Mutable<Ready> {
  return {
    softState: undefined,
    hardState: undefined,
    snapshot: undefined,
    entries: NO_ENTRIES,
    committedEntries: NO_ENTRIES,
    messages: NO_MESSAGES,
    messagesBeforeSync: NO_MESSAGES,
    readStates: NO_READ_STATES,
    mustSync: false,
  };
}
