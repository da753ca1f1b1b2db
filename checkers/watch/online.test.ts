// The online watch checker (streams judged as they end) against checkWatches (every record at the end):
// the same result, whole (verdict, message, evidence), for correct and mutated streams, whenever the
// streams end relative to the commits; records kept up to a bound; pruned truth reported, never guessed.
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { WatchRecord } from "../history.ts";
import { checkWatches } from "./check.ts";
import type { AppliedChange } from "./derive.ts";
import {
  at,
  canceledCompacted,
  created,
  del,
  ev,
  events,
  history,
  progress,
  put,
  revisionEvents,
  watch,
} from "./fixtures.ts";
import { OnlineWatchChecker, type OnlineWatchOptions } from "./online.ts";
import { MUTATIONS, generateScenario, mutate } from "./stream-model.ts";
import type { CompactionRecord, RevisionChanges, WatchEvidence } from "./types.ts";

const fcSeed = Number(process.env["FC_SEED"] ?? 20240611);

/** changesFromApplied backwards (the fixtures' histories are built by it, so this round-trips). */
function appliedOf(changes: readonly RevisionChanges[]): AppliedChange[] {
  return changes.flatMap((c) =>
    c.events.map(
      (e): AppliedChange =>
        e.type === "PUT"
          ? { revision: c.revision, type: "PUT", key: e.kv.key, value: e.kv.value, lease: e.kv.lease }
          : { revision: c.revision, type: "DELETE", key: e.kv.key },
    ),
  );
}

/**
 * Feeds the online checker as a run would: every watch opens first (its record already full: the
 * checker reads a record only once it ended), then the revisions commit one by one, and watch w ends
 * after `endAfter[w]` of them (an index past the last: still open at the end).
 */
function online(
  input: { changes: RevisionChanges[]; watches: WatchRecord[]; compactions?: CompactionRecord[] },
  endAfter: readonly number[],
  opts: OnlineWatchOptions = {},
  kept: WatchRecord[] = [],
) {
  const checker = new OnlineWatchChecker(kept, opts);
  for (const w of input.watches) checker.opened(w);
  const ends = (n: number) => input.watches.forEach((w, i) => endAfter[i] === n && checker.closed(w));
  ends(0);
  input.changes.forEach((c, n) => {
    // Both entry points, alternately (a run reports with onAppliedChange): either one wrong fails the comparisons.
    for (const a of appliedOf([c]))
      if (n % 2 === 0) checker.onApplied(a);
      else checker.onAppliedChange(a.revision, a.type, a.key, a.value, a.lease);
    checker.endRevision();
    ends(n + 1);
  });
  return checker.finish(input.compactions);
}

function sameAsOffline(
  input: { changes: RevisionChanges[]; watches: WatchRecord[]; compactions?: CompactionRecord[] },
  endAfter: readonly number[],
  what: string,
) {
  const want = checkWatches(input);
  const got = online(input, endAfter);
  assert.equal(got, want, what);
  return got;
}

const endings = (n: number, revisions: number, pick: number) =>
  Array.from({ length: n }, (_, i) => (pick >> (3 * i)) % (revisions + 2));

test("correct streams from random histories: the same result, whenever each stream ends", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(), (seed, pick) => {
      const s = generateScenario(seed);
      const r = sameAsOffline(s, endings(s.watches.length, s.changes.length, pick), `seed ${seed}`);
      if (r.verdict !== "pass") throw new Error(`seed ${seed}: ${r.message}`);
    }),
    { numRuns: 300, seed: fcSeed },
  );
});

test("every mutation the offline checker rejects: the same failure, message and violations", () => {
  let failed = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(...MUTATIONS),
      fc.nat(),
      fc.nat(),
      (seed, m, pick, ending) => {
        const s = generateScenario(seed);
        const target = s.watches.findIndex((w) => mutate(w, m, pick) !== undefined);
        fc.pre(target >= 0);
        const watches = s.watches.map((w, i) => (i === target ? mutate(w, m, pick)! : w));
        const r = sameAsOffline(
          { ...s, watches },
          endings(watches.length, s.changes.length, ending),
          `seed ${seed}, ${m}`,
        );
        if (r.verdict === "fail") failed++;
      },
    ),
    { numRuns: 400, seed: fcSeed },
  );
  assert.ok(failed > 300, `${failed} mutated runs failed`);
});

// rev 2: a=1 | rev 3: a=2, b=1 | rev 4: delete a | rev 5: a=3 (a new generation)
const h = history([put("a", "1")], [put("a", "2"), put("b", "1")], [del("a")], [put("a", "3")]);
const all = { key: "a", rangeEnd: "c" };

test("hand-made bad streams (the guarantee tests' kind): the same failures, ended early or late", () => {
  const cases: { watches: WatchRecord[]; compactions?: CompactionRecord[] }[] = [
    { watches: [watch({ key: "a", startRevision: 2 }, events(ev(h, 3, "a")), events(ev(h, 2, "a")))] },
    { watches: [watch({ ...all, startRevision: 3 }, events(ev(h, 3, "a")), events(ev(h, 3, "b")))] },
    { watches: [watch({ key: "a", startRevision: 2 }, events(ev(h, 2, "a")), events(ev(h, 4, "a")))] },
    { watches: [watch({ key: "a", startRevision: 2 }, progress(3), events(ev(h, 3, "a")))] },
    { watches: [watch({ key: "a", startRevision: 2 }, progress(9))] },
    // Decided by the compactions, known only at the end: a prevKv omitted, and a compacted cancel.
    {
      watches: [
        watch({ key: "a", startRevision: 3, prevKv: true }, at(1000, events(ev(h, 3, "a"))), events(ev(h, 5, "a"))),
      ],
      compactions: [{ revision: 3, time: 2000 }],
    },
    {
      watches: [watch({ ...all, startRevision: 2 }, created(5), at(1500, canceledCompacted(4)))],
      compactions: [{ revision: 4, time: 2000 }],
    },
    {
      watches: [
        watch({ ...all, startRevision: 4 }, created(5), canceledCompacted(4)),
        watch({ key: "b" }, created(5), events(ev(h, 3, "b"), ev(h, 3, "b"))),
      ],
      compactions: [{ revision: 4, time: 100 }],
    },
  ];
  let failed = 0;
  for (const [i, c] of cases.entries()) {
    for (let end = 0; end <= h.length + 1; end++) {
      const r = sameAsOffline(
        { changes: h, ...c },
        c.watches.map(() => end),
        `case ${i}, ended after ${end}`,
      );
      if (end === 0 && r.verdict === "fail") failed++;
    }
  }
  assert.ok(failed >= cases.length - 1, `${failed} of ${cases.length} cases failed`);
});

test("records are kept whole up to the bound; later ones are judged and counted, not kept", () => {
  const stream = () => watch({ key: "a", startRevision: 2 }, ...revisionEvents(h, 2).map((e) => events(e)));
  const watches = [stream(), stream(), stream()];
  const kept: WatchRecord[] = [];
  const checker = new OnlineWatchChecker(kept, { keepResponses: 1 });
  for (const a of appliedOf(h)) checker.onApplied(a);
  checker.endRevision();
  // One after another: the first's responses, counted when it ends, use up the bound.
  for (const w of watches) {
    checker.opened(w);
    checker.closed(w);
  }
  const r = checker.finish();
  assert.is(r.verdict, "pass", r.message);
  assert.is(kept.length, 1);
  assert.is(kept[0], watches[0]);
  assert.is((r.evidence as WatchEvidence).unkeptWatches, 2);
  assert.is((r.evidence as WatchEvidence).watches, 3);
  assert.equal(r, { ...checkWatches({ changes: h, watches }), evidence: { ...r.evidence } });
  const all = online({ changes: h, watches }, [1, 1, 1]);
  assert.is((all.evidence as WatchEvidence).unkeptWatches, undefined);
});

test("revisions far below the newest are dropped; a stream naming one is reported, not judged", () => {
  const ops = Array.from({ length: 40 }, (_, i) => [put(i % 2 === 0 ? "a" : "b", `v${i}`)]);
  const long = history(...ops);
  const last = long.at(-1)!.revision;
  // A recent stream, ended after everything committed: still judged exactly (pass).
  const recent = watch({ key: "a", startRevision: last - 1 }, events(ev(long, last - 1, "a")));
  // An old stream still open at the end: its revisions were dropped meanwhile.
  const old = watch({ key: "a", startRevision: 2 }, events(ev(long, 2, "a")));
  const opts = { keepRevisions: 2 };
  const keepAll = online({ changes: long, watches: [recent] }, [long.length], opts);
  assert.is(keepAll.verdict, "pass", keepAll.message);
  // The old stream opened late (after the prune) names revision 2, long dropped.
  const checker = new OnlineWatchChecker([], { ...opts });
  for (const c of long) {
    for (const a of appliedOf([c])) checker.onApplied(a);
    checker.endRevision();
  }
  // 40 revisions, keepRevisions 2 + 1024 between prunes: nothing is pruned this small. Prune by hand.
  (checker as unknown as { index: { prune(from: number): void } }).index.prune(last - 2);
  checker.opened(old);
  checker.closed(old);
  const r = checker.finish();
  assert.is(r.verdict, "fail");
  assert.match(r.message, /no longer keeps/);
});

test("an open stream keeps the revisions it may still name; a stream naming dropped ones is reported", () => {
  const long = history(...Array.from({ length: 2200 }, (_, i) => [put(i % 2 === 0 ? "a" : "b", `v${i}`)]));
  const stream = () => watch({ key: "a", startRevision: 2 }, ...[2, 4, 6].map((r) => events(ev(long, r, "a"))));
  // Prunes come at revisions 1034 and 2058 (keepRevisions 10, then every 1024).
  const run = (ends: { open: number; close: number }[]) => {
    const watches = ends.map(stream);
    const checker = new OnlineWatchChecker([], { keepRevisions: 10 });
    const at = (n: number) =>
      ends.forEach((e, i) => {
        if (e.open === n) checker.opened(watches[i]!);
        if (e.close === n) checker.closed(watches[i]!);
      });
    at(-1);
    long.forEach((c, n) => {
      for (const a of appliedOf([c])) checker.onApplied(a);
      checker.endRevision();
      at(n);
    });
    return { r: checker.finish(), watches };
  };
  // Open through every prune (to the end): it pins revision 2, judged exactly at the end.
  const pinned = run([{ open: -1, close: Infinity }]);
  assert.is(pinned.r.verdict, "pass", pinned.r.message);
  assert.is((pinned.r.evidence as WatchEvidence).events, 3);
  // The first ends before the second prune; the second opens after it, naming the dropped revision 2.
  const { r, watches } = run([
    { open: -1, close: 1100 },
    { open: 2100, close: 2100 },
  ]);
  const evidence = r.evidence as WatchEvidence;
  assert.is(evidence.violationCount, 1, r.message); // only the late stream, and only that it was not judged
  assert.is(evidence.violations[0]!.watch, 1);
  assert.match(r.message, /no longer keeps/);
  assert.is(evidence.events, 6);
  // With the default keepRevisions nothing is dropped: both pass.
  const whole = online({ changes: long, watches }, [1101, 2101]);
  assert.is(whole.verdict, "pass", whole.message);
});

test("bad truth throws at the end, as checkWatches' callers see it", () => {
  const checker = new OnlineWatchChecker([]);
  checker.onApplied({ revision: 3, type: "PUT", key: "a", value: "1" });
  checker.onApplied({ revision: 2, type: "PUT", key: "a", value: "1" });
  assert.throws(() => checker.finish(), /revision 2 after revision 3/);
});

test.run();
