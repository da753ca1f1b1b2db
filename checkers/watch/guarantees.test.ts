// Hand-made streams that each break one watch guarantee: the checker must fail and name exactly it.
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
  guarantees,
  history,
  progress,
  put,
  revisionEvents,
  watch,
} from "./fixtures.ts";
import type { WatchEvidence } from "./types.ts";
import type { WatchResponse } from "../../core/mvcc/rpc.ts";

// rev 2: a=1 | rev 3: a=2, b=1 | rev 4: delete a | rev 5: a=3 (a new generation)
const h = history([put("a", "1")], [put("a", "2"), put("b", "1")], [del("a")], [put("a", "3")]);
const all = { key: "a", rangeEnd: "c" };

function failsWith(
  w: ReturnType<typeof watch>,
  expected: string[],
  compactions?: { revision: number; time: number }[],
) {
  const result = checkWatches({ watches: [w], changes: h, ...(compactions ? { compactions } : {}) });
  assert.is(result.verdict, "fail", result.message);
  assert.equal(guarantees(result), expected, result.message);
  assert.ok(
    result.message.startsWith(expected[0] + ":") || expected.some((g) => result.message.includes(g + ":")),
    result.message,
  );
  return result;
}

test("a watch of an empty range created without a cancel breaks canceled; created and canceled at once passes", () => {
  failsWith(watch({ key: "b", rangeEnd: "b" }, created(5)), ["canceled"]);
  failsWith(watch({ key: "b", rangeEnd: "a" }, created(5)), ["canceled"]);
  const refused: WatchResponse = { ...created(5), canceled: true };
  for (const rangeEnd of ["b", "a"]) {
    const r = checkWatches({ watches: [watch({ key: "b", rangeEnd }, refused)], changes: h });
    assert.is(r.verdict, "pass", r.message);
  }
  // A range end of "\0" is every key from the key on, not an empty range.
  const fromKey = checkWatches({ watches: [watch({ key: "b", rangeEnd: "\0" }, created(5))], changes: h });
  assert.is(fromKey.verdict, "pass", fromKey.message);
});

test("a revision arriving after a later one breaks ordered", () => {
  failsWith(watch({ key: "a", startRevision: 2 }, events(ev(h, 3, "a")), events(ev(h, 2, "a"))), ["ordered"]);
});

test("revisions decreasing inside one response break ordered", () => {
  failsWith(watch({ key: "a", startRevision: 2 }, events(ev(h, 3, "a"), ev(h, 2, "a"))), ["ordered"]);
});

test("an event delivered twice breaks unique", () => {
  failsWith(watch({ key: "a", startRevision: 2 }, events(ev(h, 2, "a"), ev(h, 2, "a")), events(ev(h, 3, "a"))), [
    "unique",
  ]);
});

test("a revision split across two responses breaks atomic", () => {
  const r = failsWith(
    watch({ ...all, startRevision: 3 }, events(ev(h, 3, "a")), events(ev(h, 3, "b")), events(ev(h, 4, "a"))),
    ["atomic"],
  );
  const v = (r.evidence as WatchEvidence).violations[0]!;
  assert.is(v.revision, 3);
  assert.is(v.response, 1);
  assert.is(v.client, 1);
  assert.is(v.member, "n1");
  assert.is(v.watchId, 1);
  assert.is(v.key, "a");
  assert.is(v.rangeEnd, "c");
});

test("a revision delivered without one of its matching events breaks atomic", () => {
  failsWith(watch({ ...all, startRevision: 3 }, events(ev(h, 3, "a")), events(ev(h, 4, "a"))), ["atomic"]);
});

test("an event at a progress notification's revision breaks bookmarkable", () => {
  failsWith(watch({ key: "a", startRevision: 2 }, events(ev(h, 2, "a")), progress(3), events(ev(h, 3, "a"))), [
    "bookmarkable",
  ]);
});

test("a progress notification going backwards breaks bookmarkable", () => {
  failsWith(watch({ key: "b", startRevision: 2 }, events(ev(h, 3, "b")), progress(5), progress(4)), ["bookmarkable"]);
});

test("a progress notification below the start revision breaks bookmarkable (etcd #20221); one at it does not", () => {
  failsWith(watch({ key: "b", startRevision: 5 }, progress(3), progress(5)), ["bookmarkable"]);
  const ok = checkWatches({ watches: [watch({ key: "b", startRevision: 5 }, progress(5))], changes: h });
  assert.is(ok.verdict, "pass", ok.message);
});

test("a progress notification below a delivered event breaks bookmarkable", () => {
  failsWith(watch({ key: "a", startRevision: 2 }, events(ev(h, 2, "a")), events(ev(h, 3, "a")), progress(2)), [
    "bookmarkable",
  ]);
});

test("a progress notification ahead of an event that never arrives breaks reliable", () => {
  const r = failsWith(watch({ key: "a", startRevision: 2 }, events(ev(h, 2, "a")), progress(4)), ["reliable"]);
  assert.equal(
    (r.evidence as WatchEvidence).violations.map((v) => v.revision),
    [3, 4],
  );
});

test("a watch whose first event skips a matching revision at its start breaks resumable", () => {
  failsWith(watch({ key: "a", startRevision: 2 }, events(ev(h, 3, "a")), events(ev(h, 4, "a"))), ["resumable"]);
});

test("a watch resumed at a compaction that landed on a delete must not skip the delete (resumable)", () => {
  // etcd #18089: compact at 4 (the delete of a), resume from 4, the delete is skipped.
  failsWith(
    watch({ key: "a", startRevision: 4 }, at(1000, events(ev(h, 5, "a")))),
    ["resumable"],
    [{ revision: 4, time: 500 }],
  );
});

test("an event below the start revision breaks resumable", () => {
  failsWith(watch({ key: "a", startRevision: 3 }, events(ev(h, 2, "a")), events(ev(h, 3, "a"))), ["resumable"]);
});

test("a gap between delivered revisions breaks reliable", () => {
  failsWith(watch({ key: "a", startRevision: 2 }, events(ev(h, 2, "a")), events(ev(h, 4, "a"))), ["reliable"]);
});

test("a watch from now with a gap breaks reliable", () => {
  failsWith(watch({ key: "a" }, events(ev(h, 3, "a")), events(ev(h, 5, "a"))), ["reliable"]);
});

test("a watch that received only a progress notification must not have missed anything before it (reliable)", () => {
  const r = failsWith(watch({ key: "b", startRevision: 2 }, progress(5)), ["reliable"]);
  assert.equal(
    (r.evidence as WatchEvidence).violations.map((v) => v.revision),
    [3],
  );
});

test("a PUT on a NOPUT watch breaks filter", () => {
  failsWith(watch({ key: "a", startRevision: 4, filters: ["NOPUT"] }, events(ev(h, 4, "a")), events(ev(h, 5, "a"))), [
    "filter",
  ]);
});

test("a DELETE on a NODELETE watch breaks filter", () => {
  failsWith(
    watch(
      { key: "a", startRevision: 3, filters: ["NODELETE"] },
      events(ev(h, 3, "a")),
      events(ev(h, 4, "a")),
      events(ev(h, 5, "a")),
    ),
    ["filter"],
  );
});

test("an event outside the watched key breaks key-range", () => {
  failsWith(watch({ key: "b", startRevision: 3 }, events(ev(h, 3, "a"), ev(h, 3, "b"))), ["key-range"]);
});

test("an event outside a prefix breaks key-range", () => {
  const hp = history([put("p/1", "x"), put("q", "y")]);
  const result = checkWatches({
    watches: [watch({ key: "p/", rangeEnd: "p0", startRevision: 2 }, events(...revisionEvents(hp, 2)))],
    changes: hp,
  });
  assert.equal(guarantees(result), ["key-range"]);
});

test("an overwrite reported as a create breaks is-create", () => {
  const e = ev(h, 3, "a");
  e.kv.createRevision = 3;
  failsWith(watch({ key: "a", startRevision: 3 }, events(e)), ["is-create"]);
});

test("a create after a delete reported as an overwrite breaks is-create", () => {
  const e = ev(h, 5, "a");
  e.kv.createRevision = 2;
  failsWith(watch({ key: "a", startRevision: 5 }, events(e)), ["is-create"]);
});

test("a wrong prevKv breaks prev-kv", () => {
  const e = ev(h, 3, "a", { prevKv: true });
  e.prevKv!.value = "stale";
  failsWith(watch({ key: "a", startRevision: 3, prevKv: true }, events(e)), ["prev-kv"]);
});

test("prevKv omitted though revision − 1 was not compacted breaks prev-kv", () => {
  failsWith(watch({ key: "a", startRevision: 4, prevKv: true }, events(ev(h, 4, "a"))), ["prev-kv"]);
});

test("prevKv omitted before the compaction was even requested breaks prev-kv", () => {
  failsWith(
    watch({ key: "a", startRevision: 4, prevKv: true }, at(100, events(ev(h, 4, "a")))),
    ["prev-kv"],
    [{ revision: 4, time: 200 }],
  );
});

test("prevKv omitted when the compact revision is exactly revision − 1 breaks prev-kv", () => {
  // Compacting at 3 keeps every key's pair at 3, so the delete at 4 still has its prevKv.
  failsWith(
    watch({ key: "a", startRevision: 4, prevKv: true }, at(1000, events(ev(h, 4, "a")))),
    ["prev-kv"],
    [{ revision: 3, time: 500 }],
  );
});

test("prevKv on a create breaks prev-kv", () => {
  const e = ev(h, 5, "a");
  e.prevKv = { ...ev(h, 3, "a").kv };
  failsWith(watch({ key: "a", startRevision: 5, prevKv: true }, events(e)), ["prev-kv"]);
});

test("prevKv sent to a watch that did not ask for it breaks prev-kv", () => {
  failsWith(watch({ key: "a", startRevision: 3 }, events(ev(h, 3, "a", { prevKv: true }))), ["prev-kv"]);
});

test("an event whose value differs from the committed change breaks committed", () => {
  const e = ev(h, 3, "a");
  e.kv.value = "lost-write";
  failsWith(watch({ key: "a", startRevision: 3 }, events(e)), ["committed"]);
});

test("an event at a revision where the key did not change breaks committed", () => {
  const phantom = ev(h, 3, "b");
  phantom.kv = { ...phantom.kv, modRevision: 4, version: 2 }; // revision 4 deleted a; b did not change
  failsWith(watch({ key: "b", startRevision: 3 }, events(ev(h, 3, "b")), events(phantom)), ["committed"]);
});

test("a progress notification beyond the last committed revision breaks committed", () => {
  failsWith(watch({ key: "b", startRevision: 3 }, events(ev(h, 3, "b")), progress(9)), ["committed"]);
});

test("a compaction cancel of a watch starting exactly at the compact revision breaks canceled", () => {
  failsWith(
    watch({ key: "a", startRevision: 4 }, at(1000, canceledCompacted(4))),
    ["canceled"],
    [{ revision: 4, time: 500 }],
  );
});

test("a compaction cancel of a watch that already reached the compact revision breaks canceled", () => {
  failsWith(
    watch(
      { key: "a", startRevision: 2 },
      at(1000, events(ev(h, 2, "a"))),
      at(1010, events(ev(h, 3, "a"))),
      at(1020, canceledCompacted(3)),
    ),
    ["canceled"],
    [{ revision: 3, time: 500 }],
  );
});

test("a compaction cancel owing exactly the compact revision breaks canceled", () => {
  // Delivered through 3, so the watch owes revision 4 — readable, since compacting at 4 keeps it.
  failsWith(
    watch(
      { key: "a", startRevision: 2 },
      at(1000, events(ev(h, 2, "a"))),
      at(1010, events(ev(h, 3, "a"))),
      at(1020, canceledCompacted(4)),
    ),
    ["canceled"],
    [{ revision: 4, time: 500 }],
  );
});

test("a compaction cancel with no compaction requested breaks canceled", () => {
  failsWith(
    watch({ key: "a", startRevision: 2 }, at(1000, canceledCompacted(4))),
    ["canceled"],
    [{ revision: 4, time: 2000 }],
  );
});

test("a response after the cancel breaks canceled", () => {
  failsWith(
    watch({ key: "a", startRevision: 2 }, at(1000, canceledCompacted(3)), at(1010, events(ev(h, 3, "a")))),
    ["canceled"],
    [{ revision: 3, time: 500 }],
  );
});

test("a progress notification after the cancel breaks canceled, a repeated cancel does not", () => {
  const cancel = at(1000, canceledCompacted(3));
  failsWith(
    watch({ key: "a", startRevision: 2 }, cancel, at(1010, progress(5))),
    ["canceled"],
    [{ revision: 3, time: 500 }],
  );
  const twice = checkWatches({
    watches: [watch({ key: "a", startRevision: 2 }, cancel, at(1010, canceledCompacted(3)))],
    changes: h,
    compactions: [{ revision: 3, time: 500 }],
  });
  assert.is(twice.verdict, "pass", twice.message);
});

test("violations are reported per watch, and the summary counts them", () => {
  const bad = watch({ key: "a", startRevision: 2 }, events(ev(h, 2, "a")), events(ev(h, 4, "a")));
  const good = watch({ key: "b", startRevision: 2 }, events(ev(h, 3, "b")));
  const r = checkWatches({ watches: [good, bad, { ...bad, client: 7 }], changes: h });
  const ev2 = r.evidence as WatchEvidence;
  assert.equal(
    ev2.violations.map((v) => [v.watch, v.client, v.revision]),
    [
      [1, 1, 3],
      [2, 7, 3],
    ],
  );
  assert.match(r.message, /2 violations in 2 watches/);
});

test("collection stops at maxViolations", () => {
  const bad = watch({ key: "a", startRevision: 2 }, events(ev(h, 5, "a")));
  const r = checkWatches({ watches: [bad, bad, bad], changes: h }, { maxViolations: 2 });
  assert.is((r.evidence as WatchEvidence).violations.length, 2);
  assert.is(r.verdict, "fail");
});

test.run();
