// A key changed more than once in one revision. etcd's duplicate-key check reads a delete to the end of
// the keyspace (range end "\0", clientv3's WithFromKey) as an empty interval, so one Txn may delete a key
// and put it again, or put it and delete it (etcd #22376's shape): both changes are committed history, and
// a watch owes both, each with etcd's prev_kv (the pair at revision − 1; none on a create event).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ChangeIndex, WatchInputError } from "./change-index.ts";
import { checkWatches } from "./check.ts";
import { changesFromApplied } from "./derive.ts";
import { del, events, guarantees, history, progress, put, watch } from "./fixtures.ts";
import type { Event } from "../../core/mvcc/rpc.ts";

// rev 2: a=1, b=1 | rev 3: delete a, a=2 (re-created), c=1, delete c (put, then deleted) | rev 4: b=2
const h = history([put("a", "1"), put("b", "1")], [del("a"), put("a", "2"), put("c", "1"), del("c")], [put("b", "2")]);
const rev3 = h.find((c) => c.revision === 3)!.events;
const all = { key: "a", rangeEnd: "d", prevKv: true };

test("a key deleted and put again in one revision is two changes: the DELETE with the pair before, the PUT a create", () => {
  assert.equal(
    rev3.map((e) => `${e.type} ${e.kv.key} v${e.kv.version} c${e.kv.createRevision} prev:${e.prevKv?.value ?? "-"}`),
    ["DELETE a v0 c0 prev:1", "PUT a v1 c3 prev:-", "PUT c v1 c3 prev:-", "DELETE c v0 c0 prev:-"],
  );
});

test("a watch delivering every change of the revision, in order, with etcd's prev_kv passes", () => {
  const w = watch({ ...all, startRevision: 2 }, events(...h[0]!.events), events(...rev3), events(...h[2]!.events));
  const r = checkWatches({ watches: [w], changes: h });
  assert.is(r.verdict, "pass", r.message);
});

test("a watch delivering the DELETE of a re-created key but not its PUT breaks atomic", () => {
  const w = watch({ ...all, startRevision: 2 }, events(...h[0]!.events), events(...rev3.filter((_, i) => i !== 1)));
  assert.equal(guarantees(checkWatches({ watches: [w], changes: h })), ["atomic"]);
});

test("the DELETE delivered twice for a key deleted once breaks unique", () => {
  const w = watch({ ...all, startRevision: 3 }, events(rev3[0]!, rev3[0]!, ...rev3.slice(1)));
  assert.equal(guarantees(checkWatches({ watches: [w], changes: h })), ["unique"]);
});

test("a DELETE after a PUT in one revision whose prev_kv is that PUT (not the pair at revision − 1) breaks prev-kv", () => {
  const bad = rev3.map((e): Event => (e.kv.key === "c" && e.type === "DELETE" ? { ...e, prevKv: rev3[2]!.kv } : e));
  const w = watch({ ...all, startRevision: 3 }, events(...bad));
  assert.equal(guarantees(checkWatches({ watches: [w], changes: h })), ["prev-kv"]);
});

test("a NOPUT watch owes only the DELETEs of the revision", () => {
  const dels = rev3.filter((e) => e.type === "DELETE");
  const ok = watch({ ...all, startRevision: 3, filters: ["NOPUT"] }, events(...dels));
  assert.is(checkWatches({ watches: [ok], changes: h }).verdict, "pass");
  const short = watch({ ...all, startRevision: 3, filters: ["NOPUT"] }, events(dels[0]!), progress(4));
  assert.equal(guarantees(checkWatches({ watches: [short], changes: h })), ["atomic"]);
});

test("a key deleted, put and deleted again in one revision: the second DELETE is owed too", () => {
  const h2 = history([put("a", "1")], [del("a"), put("a", "2"), del("a")]);
  const evs = h2[1]!.events;
  assert.equal(
    evs.map((e) => `${e.type} prev:${e.prevKv?.value ?? "-"}`),
    ["DELETE prev:1", "PUT prev:-", "DELETE prev:1"],
  );
  const ok = watch({ key: "a", startRevision: 3, prevKv: true }, events(...evs));
  assert.is(checkWatches({ watches: [ok], changes: h2 }).verdict, "pass");
  const short = watch({ key: "a", startRevision: 3, prevKv: true }, events(evs[0]!, evs[1]!), progress(3));
  assert.equal(guarantees(checkWatches({ watches: [short], changes: h2 })), ["atomic"]);
});

test("what etcd cannot commit is still refused: a key put twice, or deleted twice in a row, in one revision", () => {
  assert.throws(
    () =>
      changesFromApplied([
        { revision: 2, type: "PUT", key: "a", value: "1" },
        { revision: 2, type: "DELETE", key: "a" },
        { revision: 2, type: "PUT", key: "a", value: "2" },
      ]),
    /key "a" put twice in revision 2/,
  );
  const d = (key: string): Event => ({
    type: "DELETE",
    kv: { key, createRevision: 0, modRevision: 3, version: 0, value: "", lease: 0 },
  });
  for (const filler of [0, 10]) {
    const evs = [d("a"), ...Array.from({ length: filler }, (_, k) => d(`z${k}`)), d("a")];
    const index = new ChangeIndex([], false);
    assert.throws(
      () => index.append({ revision: 3, events: evs }),
      (e: unknown) => e instanceof WatchInputError && /key "a" deleted twice in a row in one revision/.test(e.message),
    );
  }
});

test.run();
