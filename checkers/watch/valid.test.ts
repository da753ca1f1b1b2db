// Correct streams, including the tricky legal ones: the checker must pass them.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkWatches } from "./check.ts";
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
import type { CheckWatchesInput, WatchEvidence } from "./types.ts";

// rev 2: a=1 | rev 3: a=2, b=1 | rev 4: delete a | rev 5: a=3 | rev 6: b=2
const h = history([put("a", "1")], [put("a", "2"), put("b", "1")], [del("a")], [put("a", "3")], [put("b", "2")]);

function passes(input: Omit<CheckWatchesInput, "changes"> & { changes?: CheckWatchesInput["changes"] }) {
  const result = checkWatches({ changes: h, ...input });
  assert.is(result.verdict, "pass", result.message);
  assert.is((result.evidence as WatchEvidence).violationCount, 0);
  return result;
}

test("a complete stream from a start revision passes", () => {
  const r = passes({
    watches: [
      watch(
        { key: "a", startRevision: 2 },
        created(1),
        events(ev(h, 2, "a")),
        events(ev(h, 3, "a")),
        events(ev(h, 4, "a")),
        events(ev(h, 5, "a")),
      ),
    ],
  });
  assert.is((r.evidence as WatchEvidence).events, 4);
});

test("several revisions in one response pass", () => {
  passes({
    watches: [
      watch(
        { key: "a", rangeEnd: "c", startRevision: 2 },
        events(ev(h, 2, "a"), ev(h, 3, "a"), ev(h, 3, "b")),
        events(ev(h, 4, "a"), ev(h, 5, "a")),
      ),
    ],
  });
});

test("a future start revision with no events yet passes, and hears no progress notification below its start", () => {
  passes({ watches: [watch({ key: "a", startRevision: 10 }, created(6))] });
  passes({ watches: [watch({ key: "a", startRevision: 6 }, created(6), progress(6))] });
});

test("a future start revision receives only revisions from its start", () => {
  // Created while the store was at 3; revision 4 is below the start and must not be delivered.
  passes({ watches: [watch({ key: "a", startRevision: 5 }, created(3), events(ev(h, 5, "a")), progress(6))] });
});

test("a watch starting exactly at the compact revision is served", () => {
  passes({
    watches: [watch({ key: "a", startRevision: 4 }, at(1000, events(ev(h, 4, "a"))), at(1010, events(ev(h, 5, "a"))))],
    compactions: [{ revision: 4, time: 500 }],
  });
});

test("a watch starting below the compact revision is cancelled with it", () => {
  passes({
    watches: [watch({ key: "a", startRevision: 2 }, at(1000, created(6)), at(1000, canceledCompacted(4)))],
    compactions: [{ revision: 4, time: 500 }],
  });
});

test("a slow watcher overtaken by compaction is cancelled after its last event", () => {
  passes({
    watches: [watch({ key: "a", startRevision: 2 }, at(1000, events(ev(h, 2, "a"))), at(1010, canceledCompacted(5)))],
    compactions: [
      { revision: 3, time: 400 },
      { revision: 5, time: 900 },
    ],
  });
});

test("a progress notification right at the current revision passes", () => {
  passes({
    watches: [
      watch({ key: "a" }, created(6), progress(6)),
      watch({ key: "a", startRevision: 6 }, created(5), progress(6)),
      watch({ key: "b", startRevision: 4 }, progress(5), events(ev(h, 6, "b")), progress(6)),
    ],
  });
});

test("a watch from now whose first response is a progress notification passes", () => {
  passes({ watches: [watch({ key: "a" }, created(3), progress(3), events(ev(h, 4, "a")), events(ev(h, 5, "a")))] });
});

test("a watch that stops early claims nothing after its last observation", () => {
  passes({ watches: [watch({ key: "a", startRevision: 2 }, events(ev(h, 2, "a")))] });
});

test("NOPUT and NODELETE filters leave out exactly the filtered events", () => {
  passes({
    watches: [
      watch({ key: "a", startRevision: 2, filters: ["NOPUT"] }, events(ev(h, 4, "a")), progress(6)),
      watch(
        { key: "a", startRevision: 2, filters: ["NODELETE"] },
        events(ev(h, 2, "a")),
        events(ev(h, 3, "a")),
        events(ev(h, 5, "a")),
      ),
    ],
  });
});

test("prev_kv is carried on overwrites and deletes, not on creates", () => {
  passes({
    watches: [
      watch(
        { key: "a", startRevision: 2, prevKv: true },
        events(ev(h, 2, "a", { prevKv: true })),
        events(ev(h, 3, "a", { prevKv: true })),
        events(ev(h, 4, "a", { prevKv: true })),
        events(ev(h, 5, "a", { prevKv: true })),
      ),
    ],
  });
});

test("prev_kv may be omitted once revision − 1 is compacted", () => {
  passes({
    watches: [
      watch(
        { key: "a", startRevision: 4, prevKv: true },
        at(1000, events(ev(h, 4, "a"))),
        at(1010, events(ev(h, 5, "a"))),
      ),
    ],
    compactions: [{ revision: 4, time: 900 }],
  });
});

test("a prefix watch with many keys per revision passes", () => {
  const n = 40;
  const txn = (v: string) => Array.from({ length: n }, (_, i) => put(`p/${String(i).padStart(2, "0")}`, v));
  const hp = history(
    [...txn("1"), put("q", "1"), put("o", "1")],
    [...txn("2"), put("q", "2")],
    [del("p/07"), del("p/13"), put("p0", "x")],
  );
  const w = watch(
    { key: "p/", rangeEnd: "p0", startRevision: 2, prevKv: true },
    ...[2, 3, 4].map((rev) =>
      events(...revisionEvents(hp, rev, { prevKv: true }).filter((e) => e.kv.key.startsWith("p/"))),
    ),
  );
  const r = passes({ watches: [w], changes: hp });
  assert.is((r.evidence as WatchEvidence).events, 2 * n + 2);
});

test("a watch of every key (key \\0, range_end \\0) passes", () => {
  passes({
    watches: [
      watch(
        { key: "\0", rangeEnd: "\0", startRevision: 2 },
        ...[2, 3, 4, 5, 6].map((rev) => events(...revisionEvents(h, rev))),
      ),
    ],
  });
});

test("no watches and no changes pass", () => {
  const r = checkWatches({ watches: [], changes: [] });
  assert.is(r.verdict, "pass");
  assert.is(r.name, "watch");
});

test.run();
