import { test } from "uvu";
import * as assert from "uvu/assert";
import { AssertionFailure } from "../assert.ts";
import { RaftLog } from "./log.ts";
import type { Entry, Snapshot } from "./types.ts";

const e = (index: number, term: number, data: unknown = `${index}@${term}`): Entry => ({
  index,
  term,
  type: "normal",
  data,
});
const ents = (...terms: number[]): Entry[] => terms.map((t, i) => e(i + 1, t));
const snap = (index: number, term: number): Snapshot => ({
  metadata: { index, term, confState: { voters: ["n1"], learners: [] } },
  data: null,
});

test("term() answers for the snapshot point and the entries, and nothing else", () => {
  const log = new RaftLog(snap(3, 2), [e(4, 2), e(5, 3)], 3, 3);
  assert.is(log.term(2), undefined);
  assert.is(log.term(3), 2);
  assert.is(log.term(5), 3);
  assert.is(log.term(6), undefined);
  assert.is(log.firstIndex(), 4);
  assert.is(log.lastIndex(), 5);
});

test("§5.4.1 isUpToDate compares last terms first, then lengths", () => {
  const log = new RaftLog(undefined, ents(1, 1, 2), 0, 0);
  assert.ok(log.isUpToDate(1, 3), "a higher last term wins even when shorter");
  assert.ok(log.isUpToDate(3, 2), "same last term and same length");
  assert.not.ok(log.isUpToDate(2, 2), "same last term but shorter");
  assert.not.ok(log.isUpToDate(9, 1), "a lower last term loses even when longer");
});

test("maybeAppend rejects when the previous entry does not match", () => {
  const log = new RaftLog(undefined, ents(1, 1), 0, 0);
  assert.is(log.maybeAppend(2, 2, 0, [e(3, 2)]), undefined);
  assert.is(log.maybeAppend(3, 1, 0, [e(4, 1)]), undefined);
  assert.is(log.lastIndex(), 2);
});

test("maybeAppend truncates a conflicting suffix and appends the leader's entries", () => {
  const log = new RaftLog(undefined, ents(1, 1, 1, 1), 0, 0);
  const before = log.overwrites;
  assert.is(log.maybeAppend(2, 1, 0, [e(3, 2), e(4, 2), e(5, 2)]), 5);
  assert.equal(
    [1, 2, 3, 4, 5].map((i) => log.term(i)),
    [1, 1, 2, 2, 2],
  );
  assert.is(log.overwrites, before + 1);
});

test("maybeAppend keeps a longer matching log when the message is a stale prefix", () => {
  const log = new RaftLog(undefined, ents(1, 1, 2, 2), 0, 0);
  assert.is(log.maybeAppend(1, 1, 0, [e(2, 1)]), 2);
  assert.is(log.lastIndex(), 4, "entries after a matching prefix are not truncated");
  assert.is(log.overwrites, 0);
});

test("maybeAppend commits no further than the last new entry", () => {
  const log = new RaftLog(undefined, ents(1, 1, 1, 1), 0, 0);
  log.maybeAppend(1, 1, 10, [e(2, 1)]);
  assert.is(log.committed, 2);
});

test("a committed entry is never overwritten", () => {
  const log = new RaftLog(undefined, ents(1, 1, 1), 3, 0);
  assert.throws(
    () => log.maybeAppend(1, 1, 3, [e(2, 2)]),
    (err: unknown) => err instanceof AssertionFailure,
  );
});

test("findConflictByTerm skips every entry of a larger term", () => {
  const log = new RaftLog(undefined, ents(1, 1, 2, 2, 4, 4), 0, 0);
  assert.equal(log.findConflictByTerm(6, 3), { index: 4, term: 2 });
  assert.equal(log.findConflictByTerm(6, 4), { index: 6, term: 4 });
  assert.equal(log.findConflictByTerm(6, 1), { index: 2, term: 1 });
  assert.equal(log.findConflictByTerm(6, 0), { index: 0, term: 0 });
});

test("entries overwritten while a Ready was being persisted are offered again", () => {
  const log = new RaftLog(undefined, [], 0, 0);
  log.append(ents(1, 1, 1));
  const unstable = log.unstableEntries();
  log.acceptReady(0);
  assert.is(unstable.length, 3);
  log.maybeAppend(1, 1, 0, [e(2, 2)]); // a new leader overwrites 2..3 before the fsync finished
  log.stableTo(3);
  assert.is(log.stabled, 1, "only index 1 of the persisted batch is still in the log");
  assert.equal(
    log.unstableEntries().map((x) => [x.index, x.term]),
    [[2, 2]],
  );
});

test("committed entries are handed out once, and applied never passes committed", () => {
  const log = new RaftLog(undefined, ents(1, 1, 1), 0, 0);
  log.commitTo(2);
  assert.equal(
    log.nextCommittedEntries().map((x) => x.index),
    [1, 2],
  );
  log.acceptReady(2);
  assert.equal(log.nextCommittedEntries(), []);
  log.appliedTo(2);
  assert.throws(
    () => log.appliedTo(3),
    (err: unknown) => err instanceof AssertionFailure,
  );
});

test("compaction drops entries up to the snapshot and keeps the term of its last entry", () => {
  const log = new RaftLog(undefined, ents(1, 1, 2, 2), 3, 3);
  log.compact(snap(3, 2));
  assert.is(log.firstIndex(), 4);
  assert.is(log.term(3), 2);
  assert.is(log.term(2), undefined);
  assert.equal(
    log.slice(4, 10).map((x) => x.index),
    [4],
  );
});

test("compaction may keep catch-up entries before the snapshot: the snapshot is the newer one", () => {
  const log = new RaftLog(undefined, ents(1, 1, 2, 2, 2), 5, 5);
  const s = snap(5, 2);
  log.compact(s, 3);
  assert.is(log.snapshot, s, "a lagging follower is sent the snapshot at 5");
  assert.is(log.compactedIndex(), 3);
  assert.is(log.term(3), 2);
  assert.equal(
    log.slice(4, 6).map((x) => x.index),
    [4, 5],
  );
  // A later snapshot moves both; an older one changes nothing.
  log.compact(snap(4, 2), 2);
  assert.is(log.snapshot, s);
  assert.is(log.compactedIndex(), 3);
  assert.throws(
    () => log.compact(snap(5, 2), 6),
    (err: unknown) => err instanceof AssertionFailure,
  );
});

test("restoring a leader's snapshot replaces the log and marks it pending", () => {
  const log = new RaftLog(undefined, ents(1, 1, 1), 1, 1);
  const s = snap(10, 3);
  log.restore(s);
  assert.is(log.lastIndex(), 10);
  assert.is(log.committed, 10);
  assert.is(log.pendingSnapshot, s);
  assert.equal(log.unstableEntries(), []);
  log.snapshotApplied(s);
  assert.is(log.pendingSnapshot, undefined);
  assert.is(log.applied, 10);
});

test("a restart refuses a commit index beyond the stored log", () => {
  assert.throws(
    () => new RaftLog(undefined, ents(1, 1), 5, 0),
    (err: unknown) => err instanceof AssertionFailure,
  );
});

test("a batch is handed out as one array for sending, persisting and applying", () => {
  const log = new RaftLog(undefined, [], 0, 0);
  const batch = [e(1, 1), e(2, 1), e(3, 1)];
  log.append(batch);
  const sent = log.slice(1, 10);
  assert.equal(
    sent.map((x) => x.index),
    [1, 2, 3],
  );
  assert.is(log.unstableEntries(), sent, "persisted as the array sent");
  log.stableTo(3);
  log.commitTo(3);
  assert.is(log.nextCommittedEntries(), sent, "applied as the same array");
  assert.equal(
    log.slice(2, 1).map((x) => x.index),
    [2],
    "another range is its own copy",
  );
});

test("after a conflicting suffix is overwritten, no range from before it is handed out again", () => {
  const log = new RaftLog(undefined, [], 0, 0);
  log.append([e(1, 1), e(2, 1), e(3, 1)]);
  assert.equal(
    log.unstableEntries().map((x) => x.term),
    [1, 1, 1],
  );
  log.append([e(2, 2), e(3, 2), e(4, 2)]);
  assert.equal(
    log.slice(1, 3).map((x) => `${x.index}@${x.term}`),
    ["1@1", "2@2", "3@2"],
  );
  assert.equal(
    log.unstableEntries().map((x) => `${x.index}@${x.term}`),
    ["1@1", "2@2", "3@2", "4@2"],
  );
  log.append([e(3, 3)]);
  assert.equal(
    log.slice(1, 3).map((x) => `${x.index}@${x.term}`),
    ["1@1", "2@2", "3@3"],
    "the [1, 4) range again, rebuilt",
  );
});

test.run();
