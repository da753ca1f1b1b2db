// The online Raft safety monitor: fed a view of a node after every step (and told of crashes), it checks
// the paper's invariants (figure 3) plus two durability rules, incrementally — it keeps shadows of each
// node's durable log (terms only) and of the committed and applied prefixes, never copies of logs.
//
// Rules:
//   election-safety       at most one leader per term
//   leader-voted          a leader of term T was voted for in T by a quorum of its configuration (itself
//                         included; while joint, a majority of each half), as their own views showed: a
//                         candidate that counts a refusal, or a grant of an earlier term, breaks it even
//                         when no second leader follows
//   leader-append-only    a leader never overwrites or deletes entries of its log during its term
//   log-matching          two entries with the same index and term hold the same data and follow the same term
//   leader-completeness   a new leader of term T holds every entry committed in a term before T
//   state-machine-safety  no two nodes commit or apply different entries at one index; each applies in order
//   commit-durability     a leader's commitIndex never exceeds what a quorum of voters durably stores
//                         (while joint: a majority of each half)
//   applied-le-committed  applied <= commitIndex
//   term-monotonic        a node's currentTerm never decreases in one life, and after a restart it is not
//                         below any term it had already sent messages in (in-memory terms nobody saw may go)
//   commit-monotonic      a node's commitIndex never decreases within one life
//   config-agreement      nodes whose configuration reflects the same configuration change agree on it: a
//                         configuration is a function of the applied log prefix (or of a snapshot's), and it
//                         changes only at a configuration change entry, so every node whose applied index
//                         lies between two such entries holds the same one (a restart that replayed the
//                         applied changes one short, or one too many, shows against everyone else's)
//   config-one-at-a-time  a leader writes a configuration change only once its configuration reflects
//                         every earlier one in its log (thesis §4.1: one change at a time; a configuration
//                         takes effect when applied, so "done" means applied — etcd-raft's pendingConfIndex):
//                         with two in flight, majorities of the configurations members pass through need
//                         not intersect
// and three rules on the message a node just stepped (views that carry `stepped`; others skip them):
//   term-adopted-first    a node stepping a message of a higher term adopts that term before acting on it
//                         (§5.1); only a pre-vote, a granted pre-vote answer, and a vote request it
//                         ignores entirely (the leader lease) leave its term behind
//   leader-term-current   a node that has seen term T (in a message it acted on, or as its own term; after
//                         a restart, any term it had sent messages in) never acts as leader of a lower term
//   commit-covered        a follower's commitIndex never passes the last entry covered by the appends (or
//                         the snapshot) it accepted from the leader of its current term
// and two rules on linearizable reads (views that carry readRequested / readsAnswered / readServed):
//   read-index-current    a ReadIndex answer is at least every index committed anywhere before the read was
//                         asked (§6.4 of the thesis: what a read returns must include every write that had
//                         completed); a new leader that answers before an entry of its own term commits, or
//                         a deposed one that answers without a heartbeat quorum, breaks it
//   read-served-applied   a read is served only from a state machine that has applied its ReadIndex answer
//                         (§6.4 step 4: the host waits for apply; views that carry readServed)
import type { CheckOf } from "../types.ts";
import type { Entry, ReadState } from "../../core/raft/types.ts";
import type { DurableChange, RaftView } from "../../core/raft/view.ts";
import { entryHash } from "./hash.ts";
import { type BlockStore, RunColumn } from "../../core/metrics/columns.ts";
import { EntryTable } from "./tables.ts";

export type RaftRule =
  | "election-safety"
  | "leader-voted"
  | "leader-append-only"
  | "log-matching"
  | "leader-completeness"
  | "state-machine-safety"
  | "commit-durability"
  | "applied-le-committed"
  | "term-monotonic"
  | "commit-monotonic"
  | "config-agreement"
  | "config-one-at-a-time"
  | "term-adopted-first"
  | "leader-term-current"
  | "commit-covered"
  | "read-index-current"
  | "read-served-applied";

export interface RaftViolation {
  readonly rule: RaftRule;
  readonly message: string;
  readonly nodes: readonly string[];
  readonly term: number;
  readonly index: number;
  readonly event: number;
}

/** Terms of a node's durable log after its snapshot point. */
class DurableShadow {
  offset = 0;
  offsetTerm = 0;
  terms: number[] = [];
  /** Indexes of the configuration changes in the durable log after the snapshot point, ascending. */
  confIndexes: number[] = [];

  lastIndex(): number {
    return this.offset + this.terms.length;
  }

  termAt(i: number): number | undefined {
    if (i === this.offset) return this.offsetTerm;
    if (i < this.offset || i > this.lastIndex()) return undefined;
    return this.terms[i - this.offset - 1];
  }

  /** Holds (index, term) durably, or has it covered by a snapshot (which only holds committed entries). */
  holds(index: number, term: number): boolean {
    return index < this.offset || this.termAt(index) === term;
  }
}

interface NodeState {
  /** This node's number in the per-index tables (1-based; 0 there means "none"). */
  readonly no: number;
  /** currentTerm at the last view of this life; undefined right after a crash. */
  lifeTerm: number | undefined;
  /** The highest term this node ever sent a message in. */
  revealedTerm: number;
  /** commitIndex at the last view of this life; undefined right after a crash. */
  commitSeen: number | undefined;
  /** Term in which this node was leader at its last view (0: not leader). */
  leaderTerm: number;
  leaderOverwrites: number;
  leaderLastIndex: number;
  /**
   * Whether this node's host reports the entries it applies (the driver does, every Ready): only then are
   * the configuration changes it passed known, and its configuration judged per change, not per index.
   */
  reportsApplied: boolean;
  lastApplied: number | undefined;
  readonly durable: DurableShadow;
  /** The configuration arrays of the last view and their digest (the node replaces them on every change). */
  confOf: readonly (readonly string[])[];
  confDigest: string;
  /** confDigest's number in the monitor's configDigests. */
  confNo: number;
  /** Vote and last index at the last view of this life (for a vote request that must change nothing). */
  voteSeen: string;
  lastIndexSeen: number;
  /** The rest of the last view's values the rules read (see unchanged()). */
  roleSeen: RaftView["role"] | undefined;
  appliedSeen: number;
  compactedSeen: number;
  configIndexSeen: number;
  overwritesSeen: number;
  /** The last view of this node raised no violation. */
  clean: boolean;
  /** The highest term this node has seen: its own in this life, any message it acted on, any it sent. */
  seenTerm: number;
  /** The last index covered by appends (or a snapshot) this node accepted in `coveredTerm`; kept across crashes. */
  coveredTerm: number;
  coveredIndex: number;
  /** coveredIndex of the terms this node has left (see checkStepped). */
  coveredByTerm: Map<number, number>;
}

const MAX_VIOLATIONS = 100;
/** Reads asked and not yet answered that the monitor remembers (a read that is never answered is forgotten, oldest first). */
const MAX_OPEN_READS = 4096;

export class RaftSafetyMonitor {
  private readonly nodes = new Map<string, NodeState>();
  /** Node names by number (see NodeState.no); index 0 unused. */
  private readonly nodeNames: string[] = [""];
  private readonly leaders = new Map<number, string>();
  /**
   * Every vote any node's view showed, as `term voter candidate`: a node may vote twice in one term only
   * where a crash lost the first vote before it was durable (and so before it was answered); both count.
   */
  private readonly votes = new Set<string>();
  // Per-index state lives in compact columns (checkers/raft/tables.ts, core/metrics/columns.ts): a long run
  // commits hundreds of thousands of entries, and every index stays consultable (a lagging node may reach
  // it later). Terms and node numbers repeat over a leader's stretch of indexes, so they are kept as runs.
  /** Per index: term of the committed entry, the term in which it was first seen committed, and by whom. */
  private readonly committedTerm = new RunColumn();
  private readonly committedIn = new RunColumn();
  private readonly committedBy = new RunColumn();
  private committedMax = 0;
  /** The entry first applied at each index (its term and payload, see samePayload) and by whom. */
  private readonly applied: EntryTable;
  /** Indexes of the configuration change entries any node applied, ascending. */
  private readonly confChanges: number[] = [];
  /**
   * Per configuration change index (per applied index for a host that reports no applied entries): the
   * configuration first seen after it (a number in configDigests), and by whom.
   */
  private readonly configAt = new RunColumn();
  private readonly configBy = new RunColumn();
  /** Configuration digests by number (index 0 unused), and the reverse. */
  private readonly configDigests: string[] = [""];
  private readonly configNo = new Map<string, number>();
  /**
   * Log matching: (index, term) → the entry's payload and the term of the entry before it, as first seen
   * durable. The first term seen at an index lives in `identities` (extra: the previous term); any other
   * term at that index (an uncommitted entry of a deposed leader), in `otherIdentities`.
   */
  private readonly identities: EntryTable;
  private readonly otherIdentities = new Map<number | string, { hash: number; prevTerm: number; node: number }>();
  /** Per read asked and not yet answered (by its context): the highest index committed when it was asked. */
  private readonly readFloors = new Map<string, number>();
  readonly violations: RaftViolation[] = [];
  private dropped = 0;
  private eventCounter = 0;
  observed = 0;
  /** Views counted in `observed` but not checked again: they repeated the node's previous view (see unchanged()). */
  repeated = 0;

  /** Whether leader-voted is judged (see the constructor). */
  private readonly seesEveryVote: boolean;

  /**
   * `spill`: where a long run's per-index fingerprints keep their full chunks (see EntryTable).
   * `seesEveryVote`: the host feeds a view of every node after every step from its first one, so a vote
   * the monitor never saw was never cast (leader-voted relies on it). A test feeding a few hand-made views
   * turns it off.
   */
  constructor(spill?: () => BlockStore | undefined, opts: { seesEveryVote?: boolean } = {}) {
    this.applied = new EntryTable(spill);
    this.identities = new EntryTable(spill);
    this.seesEveryVote = opts.seesEveryVote ?? true;
  }

  /** Feeds the view of one node after one of its steps; `event` is the host's event number for reports. */
  observe(nodeId: string, v: RaftView, event?: number): void {
    const ev = event ?? ++this.eventCounter;
    this.observed++;
    // Views come in runs of one node (its step, then its Ready): the last node's state saves the lookup.
    const st = nodeId === this.lastId ? this.lastState! : this.state(nodeId);
    // Reads first: they concern no state of this node, and a view that repeats its node's values may carry one.
    if (v.readRequested !== undefined) this.noteReadAsked(v.readRequested);
    if (v.readsAnswered !== undefined) this.checkReadsAnswered(nodeId, v, v.readsAnswered, ev);
    if (v.readServed !== undefined && v.applied < v.readServed.index)
      this.fail(
        "read-served-applied",
        `${nodeId} served read ${v.readServed.context} (read index ${v.readServed.index}) having applied only up to ${v.applied}`,
        [nodeId],
        v.term,
        v.readServed.index,
        ev,
      );
    if (this.unchanged(st, v)) {
      this.repeated++;
      return;
    }
    const violationsBefore = this.violations.length + this.dropped;

    if (v.durable !== undefined) this.applyDurable(nodeId, st, v, v.durable, ev);
    if (v.stepped !== undefined) this.checkStepped(nodeId, st, v, v.stepped, ev);
    const termBefore = st.lifeTerm;

    if (st.lifeTerm !== undefined && v.term < st.lifeTerm) {
      this.fail(
        "term-monotonic",
        `${nodeId}'s term went back from ${st.lifeTerm} to ${v.term}`,
        [nodeId],
        v.term,
        0,
        ev,
      );
    } else if (st.lifeTerm === undefined && v.term < st.revealedTerm) {
      this.fail(
        "term-monotonic",
        `${nodeId} restarted in term ${v.term} but had already sent messages in term ${st.revealedTerm}`,
        [nodeId],
        v.term,
        0,
        ev,
      );
    }
    st.lifeTerm = v.term;
    if (v.sentTerm !== undefined && v.sentTerm > st.revealedTerm) st.revealedTerm = v.sentTerm;

    // Commit: never backwards in one life; every newly committed entry agrees with what others committed.
    const prevCommit = st.commitSeen;
    if (prevCommit !== undefined && v.commitIndex < prevCommit) {
      this.fail(
        "commit-monotonic",
        `${nodeId}'s commitIndex went back from ${prevCommit} to ${v.commitIndex}`,
        [nodeId],
        v.term,
        v.commitIndex,
        ev,
      );
    }
    const from = Math.max(prevCommit ?? 0, v.compactedIndex) + 1;
    for (let i = from; i <= v.commitIndex; i++) this.noteCommitted(nodeId, st, v, i, ev);
    st.commitSeen = v.commitIndex;
    if (this.seesEveryVote && v.vote !== "" && (v.vote !== st.voteSeen || v.term !== termBefore))
      this.votes.add(`${v.term} ${nodeId} ${v.vote}`);
    st.voteSeen = v.vote;
    st.lastIndexSeen = v.lastIndex;
    if (v.term > st.seenTerm) st.seenTerm = v.term;
    if (st.revealedTerm > st.seenTerm) st.seenTerm = st.revealedTerm;

    if (v.role === "leader") {
      if (v.term < st.seenTerm) {
        this.fail(
          "leader-term-current",
          `${nodeId} acts as leader of term ${v.term} after it had seen term ${st.seenTerm}`,
          [nodeId],
          v.term,
          0,
          ev,
        );
      }
      const other = this.leaders.get(v.term);
      if (other !== undefined && other !== nodeId) {
        this.fail(
          "election-safety",
          `${other} and ${nodeId} are both leader in term ${v.term}`,
          [other, nodeId],
          v.term,
          0,
          ev,
        );
      } else if (other === undefined) {
        this.leaders.set(v.term, nodeId);
      }
      if (st.leaderTerm === v.term) {
        if (v.logOverwrites !== st.leaderOverwrites || v.lastIndex < st.leaderLastIndex) {
          this.fail(
            "leader-append-only",
            `leader ${nodeId} of term ${v.term} overwrote or deleted entries of its log (last index ${st.leaderLastIndex} → ${v.lastIndex})`,
            [nodeId],
            v.term,
            v.lastIndex,
            ev,
          );
        }
      } else {
        if (this.seesEveryVote) this.checkLeaderVoted(nodeId, v, ev);
        this.checkLeaderCompleteness(nodeId, v, ev);
        st.leaderTerm = v.term;
        st.leaderOverwrites = v.logOverwrites;
      }
      st.leaderLastIndex = v.lastIndex;
      if (prevCommit !== undefined && v.commitIndex > prevCommit) this.checkCommitDurability(nodeId, v, ev);
    } else {
      st.leaderTerm = 0;
    }

    if (v.applied > v.commitIndex) {
      this.fail(
        "applied-le-committed",
        `${nodeId} applied ${v.applied} beyond its commitIndex ${v.commitIndex}`,
        [nodeId],
        v.term,
        v.applied,
        ev,
      );
    }

    if (v.appliedSnapshot !== undefined) {
      const { index, term } = v.appliedSnapshot;
      const t = this.applied.termAt(index);
      if (t !== undefined && t !== term) {
        const by = this.nodeNames[this.applied.nodeAt(index)]!;
        this.fail(
          "state-machine-safety",
          `${nodeId} restored a snapshot at index ${index} of term ${term}, but ${by} applied an entry of term ${t} there`,
          [nodeId, by],
          term,
          index,
          ev,
        );
      }
      st.lastApplied = index;
    }
    if (v.appliedEntries !== undefined) {
      st.reportsApplied = true;
      for (const e of v.appliedEntries) this.noteApplied(nodeId, st, e, ev);
    }
    this.checkConfig(nodeId, st, v, ev);
    st.roleSeen = v.role;
    st.appliedSeen = v.applied;
    st.compactedSeen = v.compactedIndex;
    st.configIndexSeen = v.configIndex;
    st.overwritesSeen = v.logOverwrites;
    st.clean = this.violations.length + this.dropped === violationsBefore;
  }

  /**
   * Whether view v repeats the node's previous view of this life: every value the rules read is the same,
   * and it reports nothing new (nothing durable or applied — the driver reports every Ready's applied entries,
   * most often none: an empty list —, no term sent beyond one already revealed, no
   * stepped message the stepped rules could act on: see steppedChangesNothing). Many views are such (a
   * follower's tick, a heartbeat and its answer, a leader's tick after its heartbeats went out). Checking
   * one again changes no state and, if the previous view raised no violation, raises none: the rules compare
   * the view with this node's previous values (all equal now) and with per-index tables that only ever fill
   * empty slots (the slots this node's previous view read or filled keep their values), and the commit and
   * apply loops run over empty ranges. So it is counted (`observed`) and skipped. A crash clears lifeTerm,
   * so the first view of a new life is always checked.
   */
  private unchanged(st: NodeState, v: RaftView): boolean {
    const c = st.confOf;
    return (
      st.clean &&
      st.lifeTerm === v.term &&
      st.commitSeen === v.commitIndex &&
      v.durable === undefined &&
      (v.stepped === undefined || steppedChangesNothing(st, v, v.stepped)) &&
      (v.appliedEntries === undefined || v.appliedEntries.length === 0) &&
      v.appliedSnapshot === undefined &&
      (v.sentTerm === undefined || v.sentTerm <= st.revealedTerm) &&
      st.roleSeen === v.role &&
      st.voteSeen === v.vote &&
      st.lastIndexSeen === v.lastIndex &&
      st.appliedSeen === v.applied &&
      st.compactedSeen === v.compactedIndex &&
      st.configIndexSeen === v.configIndex &&
      st.overwritesSeen === v.logOverwrites &&
      c[0] === v.voters &&
      c[1] === v.votersOutgoing &&
      c[2] === v.learners
    );
  }

  /** The node's process crashed: its volatile state is gone (its durable log and its term are not). */
  onCrash(nodeId: string): void {
    const st = this.state(nodeId);
    st.commitSeen = undefined;
    st.lifeTerm = undefined;
    st.leaderTerm = 0;
    st.lastApplied = undefined;
    // What it saw in memory is gone; what it revealed is not (it is folded back in at the next view).
    st.seenTerm = 0;
  }

  result(): CheckOf<"raft-safety"> {
    const first = this.violations[0];
    // A run whose nodes never reported a view judged nothing (a campaign's survivor: a driver that stopped
    // calling its observer passed every Raft rule).
    if (first === undefined && this.observed === 0)
      return { name: "raft-safety", verdict: "fail", message: "no Raft view was observed: nothing was judged" };
    if (first === undefined) {
      return {
        name: "raft-safety",
        verdict: "pass",
        message: `${this.observed} views of ${this.nodes.size} nodes, ${this.leaders.size} terms with a leader, ${this.committedMax} entries committed: no violation`,
      };
    }
    const more = this.violations.length - 1 + this.dropped;
    return {
      name: "raft-safety",
      verdict: "fail",
      message: `${first.rule}: ${first.message} (event ${first.event})${more > 0 ? ` — and ${more} more` : ""}`,
      evidence: this.violations,
    };
  }

  /** What the monitor holds beyond per-node state: entries kept whole and bytes of its per-index tables. */
  retained(): { entriesKept: number; tableBytes: number; otherIdentities: number } {
    return {
      entriesKept: this.applied.entriesKept + this.identities.entriesKept,
      tableBytes:
        this.committedTerm.bytes +
        this.committedIn.bytes +
        this.committedBy.bytes +
        this.applied.bytes +
        this.identities.bytes +
        this.configAt.bytes +
        this.configBy.bytes,
      otherIdentities: this.otherIdentities.size,
    };
  }

  // ---------------------------------------------------------------- rules

  /** leader-voted: a new leader of term v.term holds the votes of a quorum of its configuration in that term. */
  private checkLeaderVoted(nodeId: string, v: RaftView, ev: number): void {
    const term = v.term;
    const voted = (id: string) => this.votes.has(`${term} ${id} ${nodeId}`);
    const short = (half: readonly string[]) => {
      if (half.length === 0) return false;
      let n = 0;
      for (const id of half) if (voted(id)) n++;
      return 2 * n <= half.length;
    };
    if (!short(v.voters) && !short(v.votersOutgoing)) return;
    const of = (half: readonly string[]) => `${half.filter(voted).join(", ") || "none"} of ${half.join(", ")}`;
    this.fail(
      "leader-voted",
      `${nodeId} became leader of term ${term} with the votes of ${of(v.voters)}${v.votersOutgoing.length > 0 ? ` (outgoing: ${of(v.votersOutgoing)})` : ""} in that term`,
      [nodeId],
      term,
      0,
      ev,
    );
  }

  private noteReadAsked(context: string): void {
    if (this.readFloors.size >= MAX_OPEN_READS) {
      const oldest = this.readFloors.keys().next().value;
      if (oldest !== undefined) this.readFloors.delete(oldest);
    }
    this.readFloors.set(context, this.committedMax);
  }

  /** read-index-current: each answer covers what was committed when its read was asked. */
  private checkReadsAnswered(nodeId: string, v: RaftView, answered: readonly ReadState[], ev: number): void {
    for (const rs of answered) {
      const floor = this.readFloors.get(rs.context);
      if (floor === undefined) continue;
      this.readFloors.delete(rs.context);
      if (rs.index >= floor) continue;
      const by = this.nodeNames[this.committedBy.get(floor) ?? 0] ?? "";
      this.fail(
        "read-index-current",
        `${nodeId}'s read ${rs.context} was answered at index ${rs.index}, but ${by || "a node"} had committed index ${floor} (term ${this.committedTerm.get(floor) ?? "?"}) before the read was asked`,
        by !== "" && by !== nodeId ? [nodeId, by] : [nodeId],
        v.term,
        rs.index,
        ev,
      );
    }
  }

  /** The rules about the message stepped just before view v (st still holds the previous view's values). */
  private checkStepped(
    nodeId: string,
    st: NodeState,
    v: RaftView,
    m: NonNullable<RaftView["stepped"]>,
    ev: number,
  ): void {
    const prevTerm = st.lifeTerm;
    if (
      prevTerm !== undefined &&
      m.term > prevTerm &&
      v.term < m.term &&
      m.type !== "MsgPreVote" &&
      m.type !== "MsgPreVoteResp"
    ) {
      // A vote request under the leader lease may be ignored, but then nothing at all may change.
      const ignored =
        m.type === "MsgVote" &&
        v.vote === st.voteSeen &&
        v.lastIndex === st.lastIndexSeen &&
        v.commitIndex === st.commitSeen;
      if (!ignored) {
        this.fail(
          "term-adopted-first",
          `${nodeId} (term ${prevTerm}) acted on ${m.type} of term ${m.term} from ${m.from} but is still in term ${v.term}`,
          [nodeId, m.from],
          m.term,
          0,
          ev,
        );
      }
    }
    if (m.type !== "MsgVote" && m.type !== "MsgPreVote" && m.type !== "MsgPreVoteResp" && m.term > st.seenTerm)
      st.seenTerm = m.term;

    // Commit coverage: what this node's log is known to share with the leader of its current term.
    // Per term: a node may leave a term only in memory (a campaign a torn crash forgets) and come back to
    // it after a restart with the same durable log, so what it had covered in that term still counts.
    if (st.coveredTerm !== v.term) {
      st.coveredByTerm.set(st.coveredTerm, st.coveredIndex);
      st.coveredTerm = v.term;
      st.coveredIndex = st.coveredByTerm.get(v.term) ?? 0;
    }
    if (m.term === v.term && m.type === "MsgApp") {
      const last = m.index + m.entries.length;
      const lastTerm = m.entries.length > 0 ? m.entries[m.entries.length - 1]!.term : m.logTerm;
      if (last <= v.compactedIndex || v.termAt(last) === lastTerm) st.coveredIndex = Math.max(st.coveredIndex, last);
    } else if (m.term === v.term && m.type === "MsgSnap" && m.snapshot !== undefined) {
      const { index, term } = m.snapshot.metadata;
      if (index <= v.compactedIndex || v.termAt(index) === term) st.coveredIndex = Math.max(st.coveredIndex, index);
    }
    const prevCommit = st.commitSeen;
    if (
      v.role !== "leader" &&
      prevCommit !== undefined &&
      v.commitIndex > prevCommit &&
      v.commitIndex > st.coveredIndex
    ) {
      this.fail(
        "commit-covered",
        `follower ${nodeId} (term ${v.term}) committed up to ${v.commitIndex} after ${m.type} from ${m.from}, but the appends it accepted in this term cover only up to ${st.coveredIndex}`,
        [nodeId, m.from],
        v.term,
        v.commitIndex,
        ev,
      );
    }
  }

  private applyDurable(nodeId: string, st: NodeState, v: RaftView, d: DurableChange, ev: number): void {
    const sh = st.durable;
    if (d.reset !== undefined) {
      sh.offset = d.reset.snapshotIndex;
      sh.offsetTerm = d.reset.snapshotTerm;
      sh.terms = [];
      sh.confIndexes = [];
    }
    if (d.compactedTo !== undefined && d.compactedTo.index > sh.offset) {
      const { index, term: t } = d.compactedTo;
      sh.terms = sh.terms.slice(Math.min(sh.terms.length, index - sh.offset));
      const confs = sh.confIndexes;
      if (confs.length > 0 && confs[0]! <= index) sh.confIndexes = confs.filter((i) => i > index);
      sh.offset = index;
      sh.offsetTerm = t;
    }
    for (const e of d.entries) {
      if (e.index <= sh.offset) continue;
      if (e.index > sh.lastIndex() + 1) {
        this.fail(
          "log-matching",
          `${nodeId}'s durable log has a gap: entry ${e.index} written after ${sh.lastIndex()}`,
          [nodeId],
          e.term,
          e.index,
          ev,
        );
        return;
      }
      const prevTerm = sh.termAt(e.index - 1) ?? 0;
      // Replaces the durable log from e.index on (the gap check above keeps e.index <= lastIndex + 1).
      const keep = e.index - sh.offset - 1;
      if (keep < sh.terms.length) sh.terms.length = keep;
      sh.terms.push(e.term);
      const confs = sh.confIndexes;
      while (confs.length > 0 && confs[confs.length - 1]! >= e.index) confs.pop();
      if (e.type === "confChange") {
        this.checkConfOneAtATime(nodeId, v, e, confs.length > 0 ? confs[confs.length - 1]! : 0, ev);
        confs.push(e.index);
      }
      this.checkIdentity(nodeId, st, e, prevTerm, ev);
    }
  }

  /**
   * A configuration change a leader just wrote in its own term, after an earlier one at `previous` (0: none
   * since the snapshot, which holds only applied ones). The node's applied index only grows within its
   * life, so what it had applied when it appended the entry is at most what it has applied now: an entry
   * that fails here was appended with the earlier change still pending.
   */
  private checkConfOneAtATime(nodeId: string, v: RaftView, e: Entry, previous: number, ev: number): void {
    if (v.role !== "leader" || e.term !== v.term || previous <= v.applied) return;
    this.fail(
      "config-one-at-a-time",
      `leader ${nodeId} of term ${v.term} wrote a configuration change at ${e.index} while the one at ${previous} was not yet applied (applied ${v.applied})`,
      [nodeId],
      e.term,
      e.index,
      ev,
    );
  }

  /** Log matching for an entry just written durably after an entry of prevTerm. */
  private checkIdentity(nodeId: string, st: NodeState, e: Entry, prevTerm: number, ev: number): void {
    const ids = this.identities;
    let seenNode: number;
    let samePayload: boolean;
    let seenPrev: number;
    const first = ids.termAt(e.index);
    if (first === undefined) {
      ids.record(e, st.no, prevTerm);
      return;
    }
    if (first === e.term) {
      seenNode = ids.nodeAt(e.index);
      seenPrev = ids.extraAt(e.index);
      if (seenPrev === prevTerm && ids.samePayloadAt(e.index, e)) return;
      samePayload = ids.samePayloadAt(e.index, e);
    } else {
      const key = identityKey(e.index, e.term);
      const seen = this.otherIdentities.get(key);
      if (seen === undefined) {
        this.otherIdentities.set(key, { hash: entryHash(e), prevTerm, node: st.no });
        return;
      }
      seenNode = seen.node;
      seenPrev = seen.prevTerm;
      // entryHash equality is samePayload's verdict (see checkers/raft/tables.ts).
      samePayload = seen.hash === entryHash(e);
      if (samePayload && seenPrev === prevTerm) return;
    }
    const what = !samePayload ? "different data" : `different preceding terms (${seenPrev} vs ${prevTerm})`;
    const other = this.nodeNames[seenNode]!;
    this.fail(
      "log-matching",
      `${other} and ${nodeId} hold entries at index ${e.index} of term ${e.term} with ${what}`,
      [other, nodeId],
      e.term,
      e.index,
      ev,
    );
  }

  private noteCommitted(nodeId: string, st: NodeState, v: RaftView, i: number, ev: number): void {
    const t = v.termAt(i);
    if (t === undefined) return;
    const known = this.committedTerm.get(i);
    if (known === undefined) {
      this.committedTerm.set(i, t);
      this.committedIn.set(i, v.term);
      this.committedBy.set(i, st.no);
      if (i > this.committedMax) this.committedMax = i;
    } else if (known !== t) {
      const by = this.nodeNames[this.committedBy.get(i)!]!;
      this.fail(
        "state-machine-safety",
        `${by} committed an entry of term ${known} at index ${i}, ${nodeId} one of term ${t}`,
        [by, nodeId],
        t,
        i,
        ev,
      );
    }
  }

  private checkConfig(nodeId: string, st: NodeState, v: RaftView, ev: number): void {
    const c = st.confOf;
    if (c[0] !== v.voters || c[1] !== v.votersOutgoing || c[2] !== v.learners) {
      st.confOf = [v.voters, v.votersOutgoing, v.learners];
      st.confDigest = describeConfig(v);
      let no = this.configNo.get(st.confDigest);
      if (no === undefined) {
        no = this.configDigests.push(st.confDigest) - 1;
        this.configNo.set(st.confDigest, no);
      }
      st.confNo = no;
    }
    const at = st.reportsApplied ? this.lastConfChange(v.configIndex) : v.configIndex;
    const seen = this.configAt.get(at) ?? 0;
    if (seen === 0) {
      this.configAt.set(at, st.confNo);
      this.configBy.set(at, st.no);
    } else if (seen !== st.confNo) {
      const other = this.nodeNames[this.configBy.get(at)!]!;
      this.fail(
        "config-agreement",
        st.reportsApplied
          ? `after the configuration change at index ${at} ${other} has configuration ${this.configDigests[seen]}, ${nodeId} has ${st.confDigest} (applied to ${v.configIndex})`
          : `at index ${at} ${other} has configuration ${this.configDigests[seen]}, ${nodeId} has ${st.confDigest}`,
        [other, nodeId],
        v.term,
        v.configIndex,
        ev,
      );
    }
  }

  /** §5.4: a new leader's log holds every entry committed in an earlier term. */
  private checkLeaderCompleteness(nodeId: string, v: RaftView, ev: number): void {
    for (let i = Math.max(v.compactedIndex, v.commitIndex) + 1; i <= this.committedMax; i++) {
      const want = this.committedTerm.get(i);
      if (want === undefined || this.committedIn.get(i)! >= v.term) continue;
      const have = v.termAt(i);
      if (have !== want) {
        const by = this.nodeNames[this.committedBy.get(i)!]!;
        this.fail(
          "leader-completeness",
          `new leader ${nodeId} of term ${v.term} lacks the entry at index ${i} (term ${want}) that ${by} committed in term ${this.committedIn.get(i)}${have === undefined ? "" : `; it has term ${have} there`}`,
          [nodeId, by],
          v.term,
          i,
          ev,
        );
        return;
      }
    }
  }

  private checkCommitDurability(nodeId: string, v: RaftView, ev: number): void {
    const c = v.commitIndex;
    const t = v.termAt(c);
    if (t === undefined) return;
    // While joint, a quorum is a majority of the incoming voters and a majority of the outgoing ones.
    const joint = v.votersOutgoing.length > 0;
    if (this.durableMajority(nodeId, v, v.voters, joint ? "incoming voters" : "voters", c, t, ev) && joint) {
      this.durableMajority(nodeId, v, v.votersOutgoing, "outgoing voters", c, t, ev);
    }
  }

  /** Whether a majority of `voters` durably holds (c, t); a violation otherwise. */
  private durableMajority(
    nodeId: string,
    v: RaftView,
    voters: readonly string[],
    which: string,
    c: number,
    t: number,
    ev: number,
  ): boolean {
    // Counted first: the holders' names are listed only for a violation (this runs on every commit of a leader).
    let held = 0;
    for (const id of voters) if (this.nodes.get(id)?.durable.holds(c, t)) held++;
    if (held >= Math.floor(voters.length / 2) + 1) return true;
    const holders = voters.filter((id) => this.nodes.get(id)?.durable.holds(c, t));
    this.fail(
      "commit-durability",
      `leader ${nodeId} of term ${v.term} committed index ${c} (term ${t}) but only ${holders.length} of ${voters.length} ${which} [${holders.join(",")}] hold it durably`,
      [nodeId],
      v.term,
      c,
      ev,
    );
    return false;
  }

  private noteApplied(nodeId: string, st: NodeState, e: Entry, ev: number): void {
    if (st.lastApplied !== undefined && e.index !== st.lastApplied + 1) {
      this.fail(
        "state-machine-safety",
        `${nodeId} applied index ${e.index} right after ${st.lastApplied}`,
        [nodeId],
        e.term,
        e.index,
        ev,
      );
    }
    st.lastApplied = e.index;
    if (e.type === "confChange") this.noteConfChange(e.index);
    const t = this.applied.termAt(e.index);
    if (t === undefined) {
      this.applied.record(e, st.no);
    } else if (t !== e.term || !this.applied.samePayloadAt(e.index, e)) {
      const by = this.nodeNames[this.applied.nodeAt(e.index)]!;
      this.fail(
        "state-machine-safety",
        `${by} and ${nodeId} applied different entries at index ${e.index} (terms ${t} and ${e.term})`,
        [by, nodeId],
        e.term,
        e.index,
        ev,
      );
    }
  }

  private noteConfChange(index: number): void {
    const cs = this.confChanges;
    let i = cs.length;
    while (i > 0 && cs[i - 1]! > index) i--;
    if (i === 0 || cs[i - 1] !== index) cs.splice(i, 0, index);
  }

  /** The index of the last configuration change at or before i (0: none, the configuration the nodes started with). */
  private lastConfChange(i: number): number {
    const cs = this.confChanges;
    let lo = 0;
    let hi = cs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cs[mid]! <= i) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : cs[lo - 1]!;
  }

  /** The node whose state state() returned last, and that state (a node's state object is never replaced). */
  private lastId: string | undefined;
  private lastState: NodeState | undefined;

  private state(id: string): NodeState {
    let st = this.nodes.get(id);
    if (st === undefined) {
      st = {
        no: this.nodeNames.push(id) - 1,
        lifeTerm: undefined,
        revealedTerm: 0,
        commitSeen: undefined,
        leaderTerm: 0,
        leaderOverwrites: 0,
        leaderLastIndex: 0,
        reportsApplied: false,
        lastApplied: undefined,
        durable: new DurableShadow(),
        confOf: [],
        confDigest: "",
        confNo: 0,
        voteSeen: "",
        lastIndexSeen: 0,
        roleSeen: undefined,
        appliedSeen: 0,
        compactedSeen: 0,
        configIndexSeen: 0,
        overwritesSeen: 0,
        clean: false,
        seenTerm: 0,
        coveredTerm: 0,
        coveredIndex: 0,
        coveredByTerm: new Map(),
      };
      this.nodes.set(id, st);
    }
    this.lastId = id;
    this.lastState = st;
    return st;
  }

  private fail(
    rule: RaftRule,
    message: string,
    nodes: readonly string[],
    term: number,
    index: number,
    event: number,
  ): void {
    if (this.violations.length >= MAX_VIOLATIONS) {
      this.dropped++;
      return;
    }
    this.violations.push({ rule, message, nodes, term, index, event });
  }
}

/**
 * Whether checkStepped, given a view whose other values repeat the node's previous view, can neither fail
 * nor change state for message m: its term is not above the node's (no term to adopt; seenTerm already
 * holds the node's term), coverage already tracks the node's term, and it is no append or snapshot (which
 * may extend coverage); commit-covered looks only at a commitIndex that grew, and it did not.
 */
function steppedChangesNothing(st: NodeState, v: RaftView, m: NonNullable<RaftView["stepped"]>): boolean {
  return m.term <= v.term && st.coveredTerm === v.term && m.type !== "MsgApp" && m.type !== "MsgSnap";
}

/** "voters n1,n2 | outgoing n1,n2,n3 | learners n4", the parts that are empty left out. */
function describeConfig(v: RaftView): string {
  let d = `voters ${v.voters.join(",")}`;
  if (v.votersOutgoing.length > 0) d += ` | outgoing ${v.votersOutgoing.join(",")}`;
  if (v.learners.length > 0) d += ` | learners ${v.learners.join(",")}`;
  return d;
}

/** A number while it is exact (the common case), a string beyond. */
function identityKey(index: number, term: number): number | string {
  return term < 0x200000 && index < 0x100000000 ? index * 0x200000 + term : `${index}:${term}`;
}
