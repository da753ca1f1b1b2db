// The watch hub: creation, ranges and filters, one response per revision, prev_kv, catch-up from
// history, compaction cancels, progress notifications, cancel/close, restore, and the two watch
// mutants. Plus a seeded random check of the guarantees against the store's own history.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../sim/rng.ts";
import { BugSet, type BugName } from "../bugs.ts";
import type { WatchCreateRequest, WatchResponse } from "./rpc.ts";
import { MvccStore } from "./store.ts";
import { ok } from "../../testing/mvcc/test-util.ts";
import { WatchHub, type WatchStream } from "./watch.ts";

function setup(bugs: BugName[] = []) {
  const store = new MvccStore();
  const hub = new WatchHub(store, { bugs: new BugSet(bugs) });
  const open = () => {
    const got: WatchResponse[] = [];
    const stream = hub.openStream((r) => got.push(r));
    return { stream, got, watch: (req: WatchCreateRequest) => stream.watch(req) };
  };
  return { store, hub, open };
}

const eventsOf = (rs: readonly WatchResponse[]): string[] =>
  rs.flatMap((r) =>
    r.events.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}${e.prevKv ? ` prev=${e.prevKv.value}` : ""}`),
  );

test("a watch is answered `created` with the current revision; IDs count from 0 per stream", () => {
  const { store, open } = setup();
  store.put({ key: "a", value: "1" });
  const s1 = open();
  const s2 = open();
  assert.is(s1.watch({ key: "a" }), 0);
  assert.is(s1.watch({ key: "b" }), 1);
  assert.is(s2.watch({ key: "a" }), 0);
  assert.equal(s1.got[0], { header: { revision: 2, raftTerm: 0 }, watchId: 0, created: true, events: [] });
});

test("an empty range (key >= range end) is answered created and canceled with watch ID -1", () => {
  const { open } = setup();
  const s = open();
  assert.is(s.watch({ key: "c", rangeEnd: "c" }), -1);
  assert.equal(s.got, [
    {
      header: { revision: 1, raftTerm: 0 },
      watchId: -1,
      created: true,
      canceled: true,
      cancelReason: "mvcc: watcher range is empty",
      events: [],
    },
  ]);
  assert.is(s.watch({ key: "a" }), 0, "no ID was used up");
});

test("a synced watcher gets all its events of one revision in one response, in sub-revision order", () => {
  const { store, open, hub } = setup();
  hub.raftTerm = 4;
  const s = open();
  s.watch({ key: "a", rangeEnd: "\0" });
  ok(
    store.txn({
      compare: [],
      success: [
        { requestPut: { key: "b", value: "1" } },
        { requestPut: { key: "a", value: "1" } },
        { requestPut: { key: "0", value: "" } },
      ],
      failure: [],
    }),
  );
  assert.is(s.got.length, 2);
  assert.equal(s.got[1]?.header, { revision: 2, raftTerm: 4 });
  assert.equal(eventsOf(s.got), ["PUT b@2", "PUT a@2"]);
});

test("watch ranges select like Range: a key, [key, end), a prefix, every key >= key", () => {
  const { store, open } = setup();
  const point = open();
  const range = open();
  const fromKey = open();
  point.watch({ key: "b" });
  range.watch({ key: "a", rangeEnd: "b" });
  fromKey.watch({ key: "b", rangeEnd: "\0" });
  for (const k of ["a", "ab", "b", "ba", "c"]) store.put({ key: k, value: "" });
  assert.equal(eventsOf(point.got), ["PUT b@4"]);
  assert.equal(eventsOf(range.got), ["PUT a@2", "PUT ab@3"]);
  assert.equal(eventsOf(fromKey.got), ["PUT b@4", "PUT ba@5", "PUT c@6"]);
});

test("NOPUT and NODELETE filter events, and a revision filtered to nothing sends no response", () => {
  const { store, open } = setup();
  const noPut = open();
  const noDel = open();
  noPut.watch({ key: "a", filters: ["NOPUT"] });
  noDel.watch({ key: "a", filters: ["NODELETE"] });
  store.put({ key: "a", value: "1" });
  store.deleteRange({ key: "a" });
  assert.equal(eventsOf(noPut.got), ["DELETE a@3"]);
  assert.equal(eventsOf(noDel.got), ["PUT a@2"]);
  assert.is(noPut.got.length, 2, "created + the delete only");
});

test("a DELETE event carries the key and the deletion's revision; prev_kv is the pair at revision - 1, none for a create", () => {
  const { store, open } = setup();
  const s = open();
  s.watch({ key: "a", prevKv: true });
  store.put({ key: "a", value: "1" });
  store.put({ key: "a", value: "2" });
  store.deleteRange({ key: "a" });
  assert.equal(eventsOf(s.got), ["PUT a@2", "PUT a@3 prev=1", "DELETE a@4 prev=2"]);
  assert.equal(s.got[3]?.events[0]?.kv, {
    key: "a",
    createRevision: 0,
    modRevision: 4,
    version: 0,
    value: "",
    lease: 0,
  });
});

test("a start revision in the past catches up from history when the hub syncs, in one response at the current revision", () => {
  const { store, open, hub } = setup();
  for (let i = 0; i < 4; i++) store.put({ key: "a", value: `${i}` });
  const s = open();
  s.watch({ key: "a", startRevision: 3 });
  assert.is(hub.unsyncedCount, 1);
  store.put({ key: "a", value: "live" });
  assert.is(s.got.length, 1, "an unsynced watcher gets nothing until it catches up");
  assert.is(hub.syncWatchers(), 0);
  assert.equal(eventsOf(s.got), ["PUT a@3", "PUT a@4", "PUT a@5", "PUT a@6"]);
  assert.is(s.got[1]?.header.revision, 6);
  store.put({ key: "a", value: "synced" });
  assert.equal(eventsOf(s.got.slice(2)), ["PUT a@7"]);
});

test("a future start revision delivers nothing before it", () => {
  const { store, open } = setup();
  const s = open();
  s.watch({ key: "a", startRevision: 4 });
  for (let i = 0; i < 4; i++) store.put({ key: "a", value: `${i}` });
  assert.equal(eventsOf(s.got), ["PUT a@4", "PUT a@5"]);
});

test("a start below the compact revision is cancelled with compact_revision; a start exactly at it is served", () => {
  const { store, open, hub } = setup();
  for (let i = 0; i < 4; i++) store.put({ key: "a", value: `${i}` });
  ok(store.compact({ revision: 4 }));
  const old = open();
  const at = open();
  old.watch({ key: "a", startRevision: 3 });
  at.watch({ key: "a", startRevision: 4 });
  hub.syncWatchers();
  assert.equal(old.got[1], {
    header: { revision: 0, raftTerm: 0 },
    watchId: 0,
    canceled: true,
    compactRevision: 4,
    events: [],
  });
  assert.equal(eventsOf(at.got), ["PUT a@4", "PUT a@5"]);
  store.put({ key: "a", value: "x" });
  assert.is(old.got.length, 2, "a cancelled watch hears nothing more");
});

test("a watch resumed at a compaction that landed on a delete gets the delete (etcd #17529 fixed)", () => {
  const { store, open, hub } = setup();
  store.put({ key: "a", value: "1" });
  store.deleteRange({ key: "a" });
  ok(store.compact({ revision: 3 }));
  const s = open();
  s.watch({ key: "a", startRevision: 3, prevKv: true });
  hub.syncWatchers();
  assert.equal(eventsOf(s.got), ["DELETE a@3"], "prev_kv at revision 2 was compacted away");
});

test("mutant mvcc-watch-drop-on-compact: the resumed watch silently skips that delete, as etcd 3.4.23 does", () => {
  const { store, open, hub } = setup(["mvcc-watch-drop-on-compact"]);
  store.put({ key: "a", value: "1" });
  store.deleteRange({ key: "a" });
  store.put({ key: "b", value: "1" });
  ok(store.compact({ revision: 3 }));
  const s = open();
  s.watch({ key: "\0", rangeEnd: "\0", startRevision: 3 });
  const later = open();
  later.watch({ key: "\0", rangeEnd: "\0", startRevision: 4 });
  hub.syncWatchers();
  assert.equal(eventsOf(s.got), ["PUT b@4"]);
  assert.equal(eventsOf(later.got), ["PUT b@4"], "a resume above the compact revision is unaffected");
});

test("catch-up sends at most maxRevsPerResponse whole revisions per response, never splitting one", () => {
  const store = new MvccStore();
  const hub = new WatchHub(store, { maxRevsPerResponse: 2 });
  for (let i = 0; i < 5; i++) {
    ok(
      store.txn({
        compare: [],
        success: [{ requestPut: { key: "a", value: `${i}` } }, { requestPut: { key: "b", value: `${i}` } }],
        failure: [],
      }),
    );
  }
  const got: WatchResponse[] = [];
  hub.openStream((r) => got.push(r)).watch({ key: "a", rangeEnd: "c", startRevision: 2 });
  assert.is(hub.syncWatchers(), 1);
  assert.is(hub.syncWatchers(), 1);
  assert.is(hub.syncWatchers(), 0);
  const revs = got.slice(1).map((r) => [...new Set(r.events.map((e) => e.kv.modRevision))]);
  assert.equal(revs, [[2, 3], [4, 5], [6]]);
  assert.ok(got.slice(1).every((r) => r.events.length === 2 * new Set(r.events.map((e) => e.kv.modRevision)).size));
});

test("a progress request answers a synced watcher at once with the current revision", () => {
  const { store, open } = setup();
  const s = open();
  s.watch({ key: "a" });
  store.put({ key: "b", value: "" });
  s.stream.requestProgress();
  assert.equal(s.got[1], { header: { revision: 2, raftTerm: 0 }, watchId: 0, events: [] });
});

test("a progress request on an unsynced watcher waits until it caught up, so it is never ahead of its events", () => {
  const { store, open, hub } = setup();
  store.put({ key: "a", value: "1" });
  store.put({ key: "a", value: "2" });
  const s = open();
  s.watch({ key: "a", startRevision: 2 });
  s.stream.requestProgress();
  assert.is(s.got.length, 1);
  hub.syncWatchers();
  assert.equal(eventsOf(s.got), ["PUT a@2", "PUT a@3"]);
  assert.equal(s.got[2], { header: { revision: 3, raftTerm: 0 }, watchId: 0, events: [] });
});

test("mutant mvcc-watch-progress-ahead: the progress notification overtakes undelivered events (etcd #15220)", () => {
  const { store, open, hub } = setup(["mvcc-watch-progress-ahead"]);
  store.put({ key: "a", value: "1" });
  store.put({ key: "a", value: "2" });
  const s = open();
  s.watch({ key: "a", startRevision: 2 });
  s.stream.requestProgress();
  hub.syncWatchers();
  assert.equal(s.got[1], { header: { revision: 3, raftTerm: 0 }, watchId: 0, events: [] });
  assert.equal(
    eventsOf(s.got.slice(2)),
    ["PUT a@2", "PUT a@3"],
    "events at or below the progress revision arrive after it",
  );
});

test("no progress notification below the watch's start revision", () => {
  const { store, open } = setup();
  const s = open();
  s.watch({ key: "a", startRevision: 5, progressNotify: true });
  s.stream.requestProgress();
  assert.is(s.got.length, 1);
  for (let i = 0; i < 4; i++) store.put({ key: "b", value: "" });
  s.stream.requestProgress();
  assert.equal(s.got[1]?.header.revision, 5);
});

test("the periodic tick notifies only progress_notify watchers that got no events since the last tick", () => {
  const { store, open, hub } = setup();
  const quiet = open();
  const busy = open();
  const plain = open();
  quiet.watch({ key: "q", progressNotify: true });
  busy.watch({ key: "b", progressNotify: true });
  plain.watch({ key: "q" });
  store.put({ key: "b", value: "" });
  hub.progressTick();
  assert.equal(
    quiet.got.map((r) => r.events.length === 0 && r.created !== true),
    [false, true],
  );
  assert.is(busy.got.length, 2, "busy got an event, so no notification this tick");
  assert.is(plain.got.length, 1);
  hub.progressTick();
  assert.is(busy.got.length, 3);
  assert.equal(busy.got[2], { header: { revision: 2, raftTerm: 0 }, watchId: 0, events: [] });
});

test("cancel answers `canceled` and stops the events; closing a stream silences all its watches", () => {
  const { store, open } = setup();
  const s = open();
  const id = s.watch({ key: "a" });
  s.watch({ key: "b" });
  assert.ok(s.stream.cancel(id));
  assert.not.ok(s.stream.cancel(id));
  assert.equal(s.got[2], { header: { revision: 1, raftTerm: 0 }, watchId: 0, canceled: true, events: [] });
  store.put({ key: "a", value: "" });
  store.put({ key: "b", value: "" });
  assert.equal(eventsOf(s.got), ["PUT b@3"]);
  s.stream.close();
  store.put({ key: "b", value: "" });
  assert.equal(eventsOf(s.got), ["PUT b@3"]);
});

test("after the store is restored, synced watchers catch up from the new history without gaps or repeats", () => {
  const leader = new MvccStore();
  const follower = new MvccStore();
  for (const s of [leader, follower]) s.put({ key: "a", value: "1" });
  const hub = new WatchHub(follower);
  const got: WatchResponse[] = [];
  hub.openStream((r) => got.push(r)).watch({ key: "a" });
  follower.put({ key: "a", value: "2" });
  leader.put({ key: "a", value: "2" });
  leader.put({ key: "a", value: "3" });
  leader.put({ key: "a", value: "4" });
  follower.restore(leader.snapshot());
  assert.is(hub.unsyncedCount, 1);
  hub.syncWatchers();
  assert.equal(eventsOf(got), ["PUT a@3", "PUT a@4", "PUT a@5"]);
});

test("mutant etcd-watch-rewind-after-snapshot: after a restore the watcher gets old revisions again (etcd #15271)", () => {
  const leader = new MvccStore();
  const follower = new MvccStore();
  for (const s of [leader, follower]) {
    s.put({ key: "a", value: "1" });
    s.put({ key: "a", value: "2" });
  }
  const hub = new WatchHub(follower, { bugs: new BugSet(["etcd-watch-rewind-after-snapshot"]) });
  const got: WatchResponse[] = [];
  hub.openStream((r) => got.push(r)).watch({ key: "a", startRevision: 2 });
  hub.syncWatchers();
  follower.put({ key: "a", value: "3" });
  leader.put({ key: "a", value: "3" });
  leader.put({ key: "a", value: "4" });
  follower.restore(leader.snapshot());
  hub.syncWatchers();
  assert.equal(eventsOf(got), ["PUT a@2", "PUT a@3", "PUT a@4", "PUT a@4", "PUT a@5"]);
});

test("a watch callback that writes to the store while a revision is delivered is a bug, caught by an assertion", () => {
  const store = new MvccStore();
  const hub = new WatchHub(store);
  hub
    .openStream((r) => {
      if (r.events.length > 0) store.put({ key: "echo", value: "" });
    })
    .watch({ key: "a" });
  assert.throws(() => store.put({ key: "a", value: "" }), /wrote to the store/);
});

test("seeded random workloads: every stream is ordered, atomic and complete, with correct prev_kv and honest progress", () => {
  const keys = ["a", "b", "c", "d"];
  const ranges: Pick<WatchCreateRequest, "key" | "rangeEnd">[] = [
    { key: "a" },
    { key: "b", rangeEnd: "d" },
    { key: "\0", rangeEnd: "\0" },
    { key: "c", rangeEnd: "\0" },
  ];
  const inRange = (r: Pick<WatchCreateRequest, "key" | "rangeEnd">, k: string) =>
    r.rangeEnd === undefined ? k === r.key : k >= r.key && (r.rangeEnd === "\0" || k < r.rangeEnd);
  for (let seed = 1; seed <= 30; seed++) {
    const rng = new Rng(seed);
    const store = new MvccStore();
    const hub = new WatchHub(store, { maxRevsPerResponse: rng.int(1, 3) });
    // The reference: what each revision changed, and each key's value after each revision.
    const changes: { rev: number; key: string; deleted: boolean }[] = [];
    const valueAt = new Map<string, (string | undefined)[]>(keys.map((k) => [k, [undefined, undefined]]));
    const watches: { req: WatchCreateRequest; from: number; got: WatchResponse[]; stream: WatchStream }[] = [];
    for (let step = 0; step < 60; step++) {
      const roll = rng.int(0, 19);
      if (roll < 9) {
        const k = rng.pick(keys);
        const v = `v${step}`;
        const rev = ok(store.put({ key: k, value: v })).header.revision;
        changes.push({ rev, key: k, deleted: false });
        for (const key of keys) valueAt.get(key)?.push(key === k ? v : valueAt.get(key)?.at(-1));
      } else if (roll < 12) {
        const picked = keys.filter(() => rng.chance(0.5));
        const before = store.revision;
        const r = ok(
          store.txn({ compare: [], success: picked.map((k) => ({ requestDeleteRange: { key: k } })), failure: [] }),
        );
        if (r.header.revision === before) continue;
        for (const k of picked)
          if (valueAt.get(k)?.at(-1) !== undefined) changes.push({ rev: r.header.revision, key: k, deleted: true });
        for (const key of keys) valueAt.get(key)?.push(picked.includes(key) ? undefined : valueAt.get(key)?.at(-1));
      } else if (roll < 15) {
        const range = rng.pick(ranges);
        const start = rng.pick([0, 0, rng.int(1, store.revision + 2)]);
        const filters = rng.pick([[], [], ["NOPUT"], ["NODELETE"]] as ("NOPUT" | "NODELETE")[][]);
        const req: WatchCreateRequest = { ...range, startRevision: start, filters, prevKv: rng.chance(0.5) };
        const got: WatchResponse[] = [];
        const stream = hub.openStream((r) => got.push(r));
        stream.watch(req);
        watches.push({ req, from: start === 0 ? store.revision + 1 : start, got, stream });
      } else if (roll < 16) {
        if (store.revision > store.compactRevision + 1)
          ok(store.compact({ revision: rng.int(Math.max(store.compactRevision + 1, 1), store.revision) }));
      } else if (roll < 18) {
        hub.syncWatchers();
      } else {
        for (const w of watches) if (rng.chance(0.3)) w.stream.requestProgress();
      }
    }
    while (hub.syncWatchers() > 0);
    for (const w of watches) {
      const name = `seed ${seed} watch ${JSON.stringify(w.req)}`;
      const canceled = w.got.find((r) => r.canceled === true);
      if (canceled !== undefined) {
        assert.ok(
          (canceled.compactRevision ?? 0) > w.from,
          `${name}: cancelled only when its next revision was compacted`,
        );
        continue;
      }
      const filters = w.req.filters ?? [];
      const expected = changes
        .filter((c) => c.rev >= w.from && inRange(w.req, c.key))
        .filter((c) => !(c.deleted ? filters.includes("NODELETE") : filters.includes("NOPUT")))
        .map((c) => `${c.deleted ? "DELETE" : "PUT"} ${c.key}@${c.rev}`);
      assert.equal(
        eventsOf(w.got).map((e) => e.replace(/ prev=.*/, "")),
        expected,
        `${name}: complete and ordered`,
      );
      const seenIn = new Map<number, number>();
      let progress = 0;
      w.got.forEach((r, i) => {
        if (r.events.length === 0 && r.created !== true) {
          assert.ok(r.header.revision >= progress, `${name}: progress never goes back`);
          progress = r.header.revision;
        }
        for (const e of r.events) {
          const first = seenIn.get(e.kv.modRevision) ?? i;
          assert.is(first, i, `${name}: revision ${e.kv.modRevision} split across responses`);
          seenIn.set(e.kv.modRevision, i);
          assert.ok(
            e.kv.modRevision > progress,
            `${name}: event at ${e.kv.modRevision} after a progress notification at ${progress}`,
          );
          if (w.req.prevKv === true && e.prevKv !== undefined) {
            assert.is(
              e.prevKv.value,
              valueAt.get(e.kv.key)?.[e.kv.modRevision - 1],
              `${name}: prev_kv of ${e.kv.key}@${e.kv.modRevision}`,
            );
          }
          if (w.req.prevKv === true && e.prevKv === undefined && e.kv.createRevision !== e.kv.modRevision) {
            assert.ok(
              valueAt.get(e.kv.key)?.[e.kv.modRevision - 1] === undefined ||
                e.kv.modRevision - 1 < store.compactRevision,
              `${name}: prev_kv missing`,
            );
          }
        }
      });
    }
  }
});

test.run();
