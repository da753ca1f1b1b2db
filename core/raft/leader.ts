// The leader's side of Raft (after etcd-io/raft raft.go stepLeader and its helpers): becoming leader,
// replicating the log and committing by quorum (§5.3, §5.4.2), heartbeats and CheckQuorum, linearizable
// reads through ReadIndex (§8), leadership transfer (thesis §3.10), and what an applied configuration change
// does to the leader (confchange/ computes the configuration itself).
import { assert } from "../assert.ts";
import { applyConfChange, members, validConfChange } from "./confchange/changer.ts";
import { mostCaughtUpVoter, reconcileProgress } from "./confchange/progress.ts";
import type { LeaderState } from "./config.ts";
import { Progress } from "./progress.ts";
import { jointCommittedMatch, jointQuorum } from "./quorum.ts";
import { ReadOnly } from "./read_only.ts";
import { raftProbe } from "./probes.ts";
import { MSG_BEAT, MSG_CHECK_QUORUM, RaftState, type Mutable } from "./state.ts";
import {
  NONE,
  NO_ENTRIES,
  type ConfChange,
  type DropReason,
  type Entry,
  type Message,
  type ProposalOutcome,
} from "./types.ts";

export abstract class RaftLeader extends RaftState {
  // ---------------------------------------------------------------- becoming and staying leader

  protected becomeLeader(): void {
    assert(this.role.kind === "candidate", () => `${this.id}: only a candidate becomes leader (was ${this.role.kind})`);
    this.reset(this.currentTerm);
    this.lead = this.id;
    const progress = new Map<string, Progress>();
    const next = this.log.lastIndex() + 1;
    for (const id of members(this.conf)) {
      const pr = new Progress(next, this.maxInflight, this.conf.learners.includes(id));
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

  protected tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(MSG_CHECK_QUORUM);
      // A transfer that did not finish within an election timeout is abandoned; a leader that is no longer
      // a voter gives up leading instead.
      if (this.role.kind === "leader" && !this.isVoter(this.id)) {
        this.becomeFollower(this.currentTerm, NONE);
        return;
      }
      if (this.role.kind === "leader" && this.role.leadTransferee !== NONE) {
        raftProbe("raft.transfer-aborted");
        this.role.leadTransferee = NONE;
      }
    }
    if (this.role.kind !== "leader") return;
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.step(MSG_BEAT);
    }
  }

  protected stepLeader(ls: LeaderState, m: Message): void {
    switch (m.type) {
      case "MsgBeat":
        this.bcastHeartbeat(ls, ls.readOnly.lastPendingContext());
        return;
      case "MsgCheckQuorum":
        if (!this.quorumActive(ls)) {
          raftProbe("raft.check-quorum-step-down");
          this.becomeFollower(this.currentTerm, NONE);
          return;
        }
        for (const pr of ls.replicaProgress) pr.recentActive = false;
        return;
      case "MsgProp": {
        const out = this.leaderAppend(ls, m.entries);
        if (out.kind === "dropped") this.ignore(`proposal-dropped:${out.reason}`, m);
        return;
      }
      case "MsgReadIndex":
        this.leaderReadIndex(ls, m);
        return;
      default:
        break;
    }
    const pr = ls.progress.get(m.from);
    if (pr === undefined) {
      this.ignore("unknown-peer", m);
      return;
    }
    switch (m.type) {
      case "MsgAppResp":
        pr.recentActive = true;
        if (m.reject) {
          this.handleAppendRejection(ls, pr, m);
          return;
        }
        if (m.index < pr.match) {
          // Still handed on (it changes nothing there): an older acknowledgement overtaken by a newer one.
          raftProbe("raft.append-response-superseded");
          this.ignore("stale-response", m);
        }
        this.leaderAcknowledged(ls, m.from, m.index);
        return;
      case "MsgHeartbeatResp":
        this.handleHeartbeatResponse(ls, pr, m);
        return;
      case "MsgTransferLeader":
        this.handleTransferLeader(ls, pr, m);
        return;
      default:
        if (m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp") {
          raftProbe("raft.stale-vote-response-ignored");
          this.ignore("not-candidate", m);
        } else {
          this.ignore("not-leader", m);
        }
        return;
    }
  }

  // ---------------------------------------------------------------- replication (§5.3)

  protected proposeEntries(entries: readonly Entry[]): ProposalOutcome {
    const role = this.role;
    if (role.kind === "leader") return this.leaderAppend(role, entries);
    if (role.kind !== "follower" || this.lead === NONE) return dropped("no-leader");
    this.send({ type: "MsgProp", to: this.lead, entries });
    return { kind: "forwarded", leader: this.lead };
  }

  protected leaderAppend(ls: LeaderState, proposed: readonly Entry[]): ProposalOutcome {
    if (ls.leadTransferee !== NONE) return dropped("leadership-transfer");
    if (!ls.progress.has(this.id)) return dropped("no-leader"); // removed while leading
    for (const e of proposed) {
      if (e.type !== "confChange") continue;
      // MUTANT raft-conf-change-while-pending: without this guard a second change joins the log while the
      // first is unapplied, and each member switches configuration only when it applies one.
      if (ls.pendingConfIndex > this.log.applied && !this.bugs.has("raft-conf-change-while-pending"))
        return dropped("conf-change-pending");
      if (!validConfChange(this.conf, e.data)) return dropped("invalid-conf-change");
    }
    const first = this.appendEntries(ls, proposed);
    this.bcastAppend(ls);
    return { kind: "appended", index: first, term: this.currentTerm };
  }

  /** Appends at the end of the leader's log; returns the index of the first. */
  protected appendEntries(ls: LeaderState, proposed: readonly Entry[]): number {
    const first = this.log.lastIndex() + 1;
    // A loop, not proposed.map(): once TurboFan inlines map() it makes holey arrays where the builtin made
    // packed ones, and every reader of entry arrays (the log, MsgApp, Ready, the disk) deoptimized for the
    // new array kind and was compiled again, polymorphic.
    const ents: Entry[] = [];
    for (let i = 0; i < proposed.length; i++) {
      const e = proposed[i]!;
      ents.push({ term: this.currentTerm, index: first + i, type: e.type, data: e.data });
    }
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

  /** Rebuilds the leader's progress arrays from its map (after the map changed). */
  protected syncProgress(ls: LeaderState): void {
    ls.replicaIds = [];
    ls.replicaProgress = [];
    for (const [id, pr] of ls.progress) {
      if (id === this.id) continue;
      ls.replicaIds.push(id);
      ls.replicaProgress.push(pr);
    }
    // A loop, not map(): the quorum functions read these arrays (see appendEntries on map()'s holey arrays).
    const of = (ids: readonly string[]) => {
      const out: Progress[] = [];
      for (const id of ids) {
        const pr = ls.progress.get(id);
        assert(pr !== undefined, () => `${this.id}: voter ${id} has no progress`);
        out.push(pr);
      }
      return out;
    };
    ls.incomingProgress = of(this.conf.voters);
    ls.outgoingProgress = of(this.conf.outgoing);
  }

  protected bcastAppend(ls: LeaderState): void {
    const ids = ls.replicaIds;
    const prs = ls.replicaProgress;
    for (let i = 0; i < ids.length; i++) this.sendAppendTo(ids[i]!, prs[i]!, true);
  }

  /** Sends the next MsgApp (or the snapshot) to `to`; with sendIfEmpty, even with no new entries (to carry commit). */
  protected maybeSendAppend(ls: LeaderState, to: string, sendIfEmpty: boolean): boolean {
    const pr = ls.progress.get(to);
    return pr !== undefined && this.sendAppendTo(to, pr, sendIfEmpty);
  }

  protected sendAppendTo(to: string, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    // Nothing new to send (the common case after an acknowledgement): skip the term lookup and the slice.
    if (!sendIfEmpty && pr.next === this.log.lastIndex() + 1) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.maybeSendSnapshot(to, pr);
    const ents =
      pr.state !== "replicate" || !pr.inflights.full() ? this.log.slice(pr.next, this.maxEntriesPerMsg) : NO_ENTRIES;
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.queue({
      type: "MsgApp",
      from: this.id,
      to,
      term: this.currentTerm,
      logTerm: prevTerm,
      index: prevIndex,
      entries: ents,
      commit: this.log.committed,
      reject: false,
      rejectHint: 0,
    });
    pr.sentEntries(ents.length, ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex);
    return true;
  }

  protected maybeSendSnapshot(to: string, pr: Progress): boolean {
    // Do not ship a snapshot to a peer we have not heard from: it is likely down (etcd does the same).
    if (!pr.recentActive) return false;
    const snap = this.log.snapshot;
    assert(snap !== undefined, () => `${this.id}: log compacted below ${pr.next} but no snapshot`);
    raftProbe("raft.snapshot-sent");
    pr.becomeSnapshot(snap.metadata.index);
    this.send({ type: "MsgSnap", to, snapshot: snap });
    return true;
  }

  protected handleAppendRejection(ls: LeaderState, pr: Progress, m: Message): void {
    // Fast backtracking: skip every entry of a term the follower cannot have (etcd's findConflictByTerm).
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      raftProbe("raft.append-rejected");
      if (pr.state === "replicate") pr.becomeProbe();
      this.maybeSendAppend(ls, m.from, true);
      return;
    }
    raftProbe("raft.append-response-superseded");
    this.ignore("stale-response", m);
  }

  /** A server (possibly ourselves) has `index` durably: advance its matchIndex and maybe commitIndex. */
  protected leaderAcknowledged(ls: LeaderState, from: string, index: number): void {
    const pr = ls.progress.get(from);
    if (pr === undefined) return;
    if (index > this.log.lastIndex()) {
      assert(
        false,
        `leader ${this.id} (term ${this.currentTerm}): ${from} acknowledged index ${index} beyond the leader's last index ${this.log.lastIndex()}: it holds committed entries the leader lacks`,
      );
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
  protected maybeCommit(ls: LeaderState): boolean {
    const mci = jointCommittedMatch(ls.incomingProgress, ls.outgoingProgress, this.matchScratch);
    if (mci <= this.log.committed) return false;
    // MUTANT raft-commit-old-term skips the term check (figure 8).
    if (this.log.term(mci) !== this.currentTerm && !this.bugs.has("raft-commit-old-term")) return false;
    this.log.commitTo(mci);
    return true;
  }

  protected bcastHeartbeat(ls: LeaderState, context: string | undefined): void {
    const ids = ls.replicaIds;
    const prs = ls.replicaProgress;
    for (let i = 0; i < ids.length; i++) {
      // Built directly, as send() would (a leader sends one to each follower every heartbeat tick).
      const msg: Mutable<Message> = {
        type: "MsgHeartbeat",
        from: this.id,
        to: ids[i]!,
        term: this.currentTerm,
        logTerm: 0,
        index: 0,
        entries: NO_ENTRIES,
        // Never tell a follower to commit beyond what it is known to hold.
        commit: Math.min(prs[i]!.match, this.log.committed),
        reject: false,
        rejectHint: 0,
      };
      if (context !== undefined) msg.context = context;
      this.queue(msg);
    }
  }

  protected handleHeartbeatResponse(ls: LeaderState, pr: Progress, m: Message): void {
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

  // ---------------------------------------------------------------- read index (§8)

  protected leaderReadIndex(ls: LeaderState, m: Message): void {
    if (this.bugs.has("raft-stale-read")) {
      // MUTANT raft-stale-read: answer at once, without confirming we are still the leader.
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    // A new leader does not know the latest commit index until an entry of its own term commits (the
    // mutant answers from the commit index it has).
    if (!this.committedEntryInCurrentTerm() && !this.bugs.has("raft-read-index-before-term-commit")) {
      // MUTANT raft-read-index-dropped-before-term-commit: dropped instead of postponed, as etcd's raft did
      // from #7332 until #12762: the read waits for its host's timeout.
      if (this.bugs.has("raft-read-index-dropped-before-term-commit")) return;
      raftProbe("raft.read-index-awaits-term-commit");
      ls.pendingReadIndex.push(m);
      return;
    }
    this.confirmReadIndex(ls, m);
  }

  protected confirmReadIndex(ls: LeaderState, m: Message): void {
    if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id && this.conf.outgoing.length === 0) {
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
    raftProbe("raft.read-index-awaits-heartbeat-quorum");
    this.bcastHeartbeat(ls, ctx);
  }

  protected releasePendingReadIndex(ls: LeaderState): void {
    if (ls.pendingReadIndex.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = ls.pendingReadIndex;
    ls.pendingReadIndex = [];
    for (const m of pending) this.confirmReadIndex(ls, m);
  }

  protected respondToReadIndex(req: Message, index: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, context: req.context ?? "" });
    } else {
      this.send({ type: "MsgReadIndexResp", to: req.from, index, context: req.context });
    }
  }

  protected quorumActive(ls: LeaderState): boolean {
    // MUTANT raft-check-quorum-ignores-activity: every voter counts as active, answered or not.
    const anyone = this.bugs.has("raft-check-quorum-ignores-activity");
    const active = (id: string) => id === this.id || anyone || ls.progress.get(id)?.recentActive === true;
    // MUTANT raft-check-quorum-needs-every-voter: the leader steps down unless every voter answered.
    if (this.bugs.has("raft-check-quorum-needs-every-voter"))
      return [...this.conf.voters, ...this.conf.outgoing].every(active);
    return jointQuorum(this.conf.voters, this.conf.outgoing, active);
  }

  // ---------------------------------------------------------------- leadership transfer

  protected handleTransferLeader(ls: LeaderState, pr: Progress, m: Message): void {
    const transferee = m.from;
    if (pr.isLearner) {
      this.ignore("transfer-ignored:learner", m);
      return;
    }
    if (ls.leadTransferee !== NONE) {
      if (ls.leadTransferee === transferee) {
        this.ignore("transfer-ignored:in-progress", m);
        return;
      }
      ls.leadTransferee = NONE;
    }
    if (transferee === this.id) {
      this.ignore("transfer-ignored:self", m);
      return;
    }
    // The transfer must finish within an election timeout, counted from now.
    this.electionElapsed = 0;
    ls.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.maybeSendAppend(ls, transferee, true);
  }

  protected sendTimeoutNow(to: string): void {
    this.send({ type: "MsgTimeoutNow", to });
  }

  // ---------------------------------------------------------------- membership (§6)

  /** A conf change entry is applied: the configuration changes, and a leader adjusts its replication. */
  protected confChangeApplied(cc: ConfChange): void {
    this.conf = applyConfChange(this.conf, cc, this.id);
    const ls = this.role;
    if (ls.kind !== "leader") return;
    reconcileProgress(ls.progress, this.conf, this.log.lastIndex(), this.maxInflight);
    this.syncProgress(ls);
    if (this.maybeCommit(ls)) this.bcastAppend(ls);
    else for (const id of ls.progress.keys()) if (id !== this.id) this.maybeSendAppend(ls, id, false);
    if (!this.isVoter(this.id)) {
      // Removed or demoted. Stepping down at once could strand the rest: with configurations taking effect
      // when applied, the remaining voters may not yet know the change committed, still count us, and find
      // our log longer than theirs. So hand leadership to the most caught-up remaining voter first; if that
      // does not happen within an election timeout, tickHeartbeat steps down anyway.
      const target = mostCaughtUpVoter(this.conf, ls.progress);
      if (target === undefined) {
        this.becomeFollower(this.currentTerm, NONE);
        return;
      }
      raftProbe("raft.removed-leader-hands-off");
      this.electionElapsed = 0;
      ls.leadTransferee = target;
      if (ls.progress.get(target)?.match === this.log.lastIndex()) this.sendTimeoutNow(target);
      else this.maybeSendAppend(ls, target, true);
      return;
    }
    if (ls.leadTransferee !== NONE && !this.isVoter(ls.leadTransferee)) ls.leadTransferee = NONE;
  }
}

export function dropped(reason: DropReason): ProposalOutcome {
  raftProbe("raft.proposal-dropped");
  return { kind: "dropped", reason };
}
