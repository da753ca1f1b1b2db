// The in-memory Raft log, after etcd-io/raft log.go: the entries after the last compaction point, which of
// them the host has made durable (stabled), committed, handed out to apply (applying) and applied.
// Invariant (log.go): offset <= applied <= applying <= committed <= lastIndex.
import { assert } from "../assert.ts";
import { NO_ENTRIES, type Entry, type Snapshot } from "./types.ts";

export class RaftLog {
  /** Index and term of the entry just before ents[0]: the compaction or snapshot point. */
  private offset: number;
  private offsetTerm: number;
  private ents: Entry[];
  /** The latest snapshot this node has, durable or pending. */
  snapshot: Snapshot | undefined;
  /** A snapshot received from the leader that the host has not yet persisted and applied. */
  pendingSnapshot: Snapshot | undefined;
  committed: number;
  /** Highest index handed to the host to apply (in a Ready not yet advanced). */
  applying: number;
  applied: number;
  /** Every entry at or below this index is in the host's storage. */
  stabled: number;
  /** Lowest index overwritten or discarded since the last Ready, so advance() does not over-claim. */
  private truncatedSinceReady: number | undefined;
  /** How many times a suffix was overwritten or discarded (a leader must never do this: append-only). */
  overwrites = 0;
  /**
   * The entries [memoFrom, memoTo) as one array, handed out again for the same range: a batch is appended,
   * sent to every follower, persisted and applied as the same range, so one array serves them all instead
   * of a copy each. Arrays of entries are never mutated once made; only a truncation makes it stale.
   */
  private memoFrom = 0;
  private memoTo = 0;
  private memo: readonly Entry[] = NO_ENTRIES;

  constructor(snapshot: Snapshot | undefined, entries: readonly Entry[], commit: number, applied: number) {
    this.snapshot = snapshot;
    this.pendingSnapshot = undefined;
    this.offset = snapshot?.metadata.index ?? 0;
    this.offsetTerm = snapshot?.metadata.term ?? 0;
    this.ents = [];
    for (const e of entries) {
      if (e.index <= this.offset) continue;
      assert(
        e.index === this.lastIndex() + 1,
        () => `stored log is not contiguous at index ${e.index} (last ${this.lastIndex()})`,
      );
      this.ents.push(e);
    }
    this.stabled = this.lastIndex();
    assert(
      commit <= this.lastIndex(),
      () => `commit ${commit} is beyond the stored log (last index ${this.lastIndex()}): the log lost entries`,
    );
    this.committed = Math.max(commit, this.offset);
    assert(applied <= this.committed, () => `applied ${applied} > committed ${this.committed}`);
    this.applied = Math.max(applied, this.offset);
    this.applying = this.applied;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** The compaction point: entries at or below it are only in the snapshot. */
  compactedIndex(): number {
    return this.offset;
  }

  compactedTerm(): number {
    return this.offsetTerm;
  }

  /** Term of the entry at i, or undefined if compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.offset) return this.offsetTerm;
    if (i < this.offset || i > this.lastIndex()) return undefined;
    return this.ents[i - this.offset - 1]!.term;
  }

  entryAt(i: number): Entry | undefined {
    if (i <= this.offset) return undefined;
    return this.ents[i - this.offset - 1];
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** The first index where `entries` disagree with the log (by term) or extend it; 0 if all match. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast backtracking hint (etcd log.go findConflictByTerm): the largest index <= index whose term is
   * <= term. Every entry above it has a larger term, so it cannot match the leader's entry at `index`.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i >= this.offset; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: this.offset, term: 0 };
  }

  /**
   * AppendEntries receiver rules 2–5 (figure 2): returns the index of the last new entry, or undefined if
   * the log has no entry at `index` with term `logTerm`.
   */
  maybeAppend(index: number, logTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + entries.length;
    const ci = this.findConflict(entries);
    if (ci !== 0) {
      if (ci <= this.committed)
        assert(false, `entry ${ci} conflicts with committed entry (committed ${this.committed})`);
      // Usually every entry is new: then append them as they came, without a copy.
      this.append(ci === index + 1 ? entries : entries.slice(ci - index - 1));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** Appends entries, overwriting any existing suffix from entries[0].index on. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    // Plain ifs, not assert(msg closure): a closure per call would be allocated on this hot path.
    if (first.index <= this.committed)
      assert(false, `appending at ${first.index} would overwrite committed entries (committed ${this.committed})`);
    if (first.index > this.lastIndex() + 1)
      assert(false, `append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    if (first.index <= this.offset)
      assert(false, `append at ${first.index} is at or below the compaction point ${this.offset}`);
    if (first.index <= this.lastIndex()) {
      this.ents.length = first.index - this.offset - 1;
      this.noteTruncation(first.index);
    }
    const ents = this.ents;
    let next = this.offset + ents.length + 1;
    for (const e of entries) {
      // A plain if, not assert(): no message closure made per entry on this hot loop.
      if (e.index !== next) assert(false, `entries to append are not contiguous at ${e.index} (expected ${next})`);
      ents.push(e);
      next++;
    }
    this.memoFrom = first.index;
    this.memoTo = next;
    this.memo = entries;
  }

  /** Entries [from, to) by index (from above the compaction point, to at most lastIndex + 1). */
  private range(from: number, to: number): readonly Entry[] {
    if (from >= to) return NO_ENTRIES;
    if (from === this.memoFrom && to === this.memoTo) return this.memo;
    const r = this.ents.slice(from - this.offset - 1, to - this.offset - 1);
    this.memoFrom = from;
    this.memoTo = to;
    this.memo = r;
    return r;
  }

  private noteTruncation(from: number): void {
    this.overwrites++;
    this.forgetMemo();
    this.stabled = Math.min(this.stabled, from - 1);
    this.truncatedSinceReady = Math.min(this.truncatedSinceReady ?? Infinity, from);
  }

  commitTo(c: number): void {
    if (c <= this.committed) return;
    if (c > this.lastIndex()) assert(false, `commit ${c} is out of range [last index ${this.lastIndex()}]`);
    this.committed = c;
  }

  private forgetMemo(): void {
    this.memoFrom = this.memoTo = 0;
    this.memo = NO_ENTRIES;
  }

  /** Entries [lo, lo + max) that are in memory; lo must be above the compaction point. */
  slice(lo: number, max: number): readonly Entry[] {
    if (lo <= this.offset) assert(false, `slice from ${lo} reaches below the compaction point ${this.offset}`);
    return this.range(lo, Math.min(lo + max, this.lastIndex() + 1));
  }

  /** Entries the host has not yet persisted. */
  unstableEntries(): readonly Entry[] {
    return this.range(this.stabled + 1, this.lastIndex() + 1);
  }

  hasUnstable(): boolean {
    return this.lastIndex() > this.stabled;
  }

  /** Committed entries not yet handed out to apply (a pending snapshot must be applied first). */
  nextCommittedEntries(): readonly Entry[] {
    return this.range(Math.max(this.applying, this.offset) + 1, this.committed + 1);
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applying, this.offset);
  }

  /** The host is about to persist everything unstable: forget truncations already reflected in it. */
  acceptReady(applyingTo: number): void {
    this.truncatedSinceReady = undefined;
    if (applyingTo > this.applying) this.applying = applyingTo;
  }

  /** The host persisted entries up to `lastPersisted` (from a Ready); truncations since then are not durable. */
  stableTo(lastPersisted: number): void {
    let s = lastPersisted;
    if (this.truncatedSinceReady !== undefined) s = Math.min(s, this.truncatedSinceReady - 1);
    if (s > this.stabled) this.stabled = Math.min(s, this.lastIndex());
  }

  appliedTo(i: number): void {
    if (i <= this.applied) return;
    if (i > this.committed) assert(false, `applied ${i} > committed ${this.committed}`);
    this.applied = i;
    if (this.applying < i) this.applying = i;
  }

  /** Installs a leader's snapshot (§7): the whole log is replaced by it. */
  restore(s: Snapshot): void {
    const { index, term } = s.metadata;
    assert(index > this.committed, () => `restoring snapshot at ${index} at or below commit ${this.committed}`);
    if (this.ents.length > 0) this.noteTruncation(this.offset + 1);
    this.forgetMemo();
    this.offset = index;
    this.offsetTerm = term;
    this.ents = [];
    this.snapshot = s;
    this.pendingSnapshot = s;
    this.committed = index;
    this.applying = index;
    this.stabled = index;
    this.truncatedSinceReady = Math.min(this.truncatedSinceReady ?? Infinity, index + 1);
  }

  /** The host applied the pending snapshot. */
  snapshotApplied(s: Snapshot): void {
    if (this.pendingSnapshot === s) this.pendingSnapshot = undefined;
    if (s.metadata.index > this.applied) this.applied = s.metadata.index;
  }

  /**
   * The host took snapshot s: it becomes the snapshot a lagging follower is sent, and in-memory entries up to
   * `to` (at most s's index; default s's index) are dropped. Entries between `to` and the snapshot stay for
   * followers a little behind, so they catch up from the log instead of a snapshot (etcd's
   * SnapshotCatchUpEntries: it compacts its raft storage to the snapshot index minus that many).
   */
  compact(s: Snapshot, to = s.metadata.index): void {
    const { index, term } = s.metadata;
    assert(index <= this.applied, () => `compacting to ${index} beyond applied ${this.applied}`);
    assert(index <= this.stabled, () => `compacting to ${index} beyond what is persisted (${this.stabled})`);
    assert(this.term(index) === term, () => `snapshot term ${term} does not match the log at ${index}`);
    assert(to <= index, () => `compacting to ${to} beyond the snapshot at ${index}`);
    if (index <= (this.snapshot?.metadata.index ?? this.offset)) return;
    this.snapshot = s;
    if (to <= this.offset) return;
    const toTerm = this.term(to)!;
    this.ents = this.ents.slice(to - this.offset);
    this.offset = to;
    this.offsetTerm = toTerm;
  }
}
