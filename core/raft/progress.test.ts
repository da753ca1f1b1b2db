import { test } from "uvu";
import * as assert from "uvu/assert";
import { Inflights, Progress } from "./progress.ts";

test("a probing follower gets one message at a time until it answers", () => {
  const pr = new Progress(5, 4, false);
  assert.not.ok(pr.isPaused());
  pr.sentEntries(2, 6);
  assert.ok(pr.isPaused());
  assert.ok(pr.maybeUpdate(6));
  assert.not.ok(pr.isPaused());
});

test("replicate state pipelines up to the in-flight limit", () => {
  const pr = new Progress(1, 2, false);
  pr.becomeReplicate();
  pr.sentEntries(1, 1);
  pr.sentEntries(1, 2);
  assert.is(pr.next, 3, "nextIndex moves optimistically");
  assert.ok(pr.isPaused(), "two messages in flight fill the window");
  pr.maybeUpdate(1);
  pr.inflights.freeLE(1);
  assert.not.ok(pr.isPaused());
});

test("a stale rejection does not move nextIndex", () => {
  const pr = new Progress(10, 4, false);
  assert.not.ok(pr.maybeDecrTo(5, 3), "probe: the rejection is not for next-1");
  assert.ok(pr.maybeDecrTo(9, 3));
  assert.is(pr.next, 4, "jumps back to the hint + 1");
  pr.maybeUpdate(3);
  pr.becomeReplicate();
  assert.not.ok(pr.maybeDecrTo(2, 0), "replicate: a rejection at or below match is stale");
});

test("leaving snapshot state resumes after the snapshot", () => {
  const pr = new Progress(3, 4, false);
  pr.becomeSnapshot(50);
  assert.ok(pr.isPaused());
  pr.becomeProbe();
  assert.is(pr.next, 51);
});

test("matchIndex stays below nextIndex", () => {
  const pr = new Progress(1, 4, false);
  pr.maybeUpdate(7);
  assert.ok(pr.match < pr.next);
  assert.is(pr.next, 8);
});

test("in-flight window frees every message at or below an acknowledgement", () => {
  const w = new Inflights(3);
  w.add(3);
  w.add(5);
  w.add(9);
  assert.ok(w.full());
  w.freeLE(5);
  assert.is(w.count, 1);
  w.freeFirst();
  assert.is(w.count, 0);
});

test("the in-flight window keeps its order when it wraps around", () => {
  const w = new Inflights(3);
  for (const i of [1, 2, 3]) w.add(i);
  w.freeLE(2);
  w.add(4);
  w.add(5); // stored in the slots 1 and 2 freed
  assert.ok(w.full());
  w.freeLE(3);
  assert.is(w.count, 2);
  w.freeLE(4);
  assert.is(w.count, 1);
  w.add(6);
  w.freeFirst(); // frees 5, the oldest, not 6
  w.freeLE(5);
  assert.is(w.count, 1);
  w.freeLE(6);
  assert.is(w.count, 0);
});

test.run();
