// Compaction rules, hashKV and snapshot/restore: what compaction may drop, what it must keep, and
// that a restored store is indistinguishable from the original.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../sim/rng.ts";
import type { RangeResponse } from "./rpc.ts";
import { BugSet } from "../bugs.ts";
import { MvccStore, isEtcdError, type HashKVResult } from "./store.ts";
import { errorOf, ok } from "../../testing/mvcc/test-util.ts";

/** A seeded mix of puts, deletes, range deletes and Txns over a few keys, with leases. */
function randomHistory(seed: number, steps: number): MvccStore {
  const rng = new Rng(seed);
  const s = new MvccStore();
  const keys = ["a", "b", "c", "d", "e"];
  ok(s.leaseGrant({ ID: 1, TTL: 100 }));
  for (let i = 0; i < steps; i++) {
    const k = rng.pick(keys);
    const roll = rng.int(0, 9);
    if (roll < 6) s.put({ key: k, value: `v${i}`, lease: rng.chance(0.2) ? 1 : 0 });
    else if (roll < 8) s.deleteRange({ key: k });
    else if (roll < 9) s.deleteRange({ key: k, rangeEnd: rng.pick(keys) });
    else
      s.txn({
        compare: [],
        success: [
          { requestPut: { key: k, value: `t${i}` } },
          { requestDeleteRange: { key: rng.pick(keys.filter((x) => x !== k)) } },
        ],
        failure: [],
      });
  }
  return s;
}

function readAll(s: MvccStore, rev: number): RangeResponse["kvs"] {
  const r = s.range({ key: "\0", rangeEnd: "\0", revision: rev });
  if (isEtcdError(r)) throw new Error(`read at ${rev}: ${r.error}`);
  return r.kvs;
}

test("Compact at or below the compact revision is compacted; above the current revision is future-revision", () => {
  const s = randomHistory(1, 10);
  assert.is(errorOf(s.compact({ revision: s.revision + 1 })), "future-revision");
  ok(s.compact({ revision: 5 }));
  assert.is(errorOf(s.compact({ revision: 5 })), "compacted");
  assert.is(errorOf(s.compact({ revision: 4 })), "compacted");
  ok(s.compact({ revision: s.revision }));
  assert.is(s.compactRevision, s.revision);
});

test("Compact does not raise the revision and reports the current one", () => {
  const s = randomHistory(2, 10);
  const before = s.revision;
  assert.equal(ok(s.compact({ revision: 4 }, 3)).header, { revision: before, raftTerm: 3 });
  assert.is(s.revision, before);
});

test("on a never-compacted store Compact(0) is legal once (etcd's compact revision starts at -1)", () => {
  const s = new MvccStore();
  ok(s.compact({ revision: 0 }));
  assert.is(s.compactRevision, 0);
  assert.is(errorOf(s.compact({ revision: 0 })), "compacted");
});

test("after compaction every read at or above the compact revision answers exactly as before", () => {
  for (const seed of [3, 4, 5, 6]) {
    const s = randomHistory(seed, 60);
    const at = 20 + seed;
    const before = new Map<number, unknown>();
    for (let rev = at; rev <= s.revision; rev++) before.set(rev, readAll(s, rev));
    ok(s.compact({ revision: at }));
    for (let rev = at; rev <= s.revision; rev++)
      assert.equal(readAll(s, rev), before.get(rev), `seed ${seed} rev ${rev}`);
    assert.is(errorOf(s.range({ key: "a", revision: at - 1 })), "compacted");
  }
});

test("compaction keeps each key's newest change at or below the revision, and drops an older tombstone with its key", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "1" }); // 2
  s.put({ key: "a", value: "2" }); // 3
  s.put({ key: "b", value: "1" }); // 4
  s.deleteRange({ key: "b" }); // 5
  s.put({ key: "c", value: "1" }); // 6
  assert.is(s.indexedKeys, 3);
  ok(s.compact({ revision: 6 }));
  assert.is(s.indexedKeys, 2, "b's history ended in a tombstone below 6: b leaves the index");
  assert.equal(
    readAll(s, 6).map((kv) => [kv.key, kv.version, kv.createRevision]),
    [
      ["a", 2, 2],
      ["c", 1, 6],
    ],
  );
});

test("a tombstone exactly at the compact revision is kept for watchers resuming there, yet reads see the key deleted", () => {
  const s = new MvccStore();
  s.put({ key: "a", value: "1" }); // 2
  s.deleteRange({ key: "a" }); // 3
  ok(s.compact({ revision: 3 }));
  assert.is(s.indexedKeys, 1);
  assert.is(ok(s.range({ key: "a", revision: 3 })).count, 0);
  const changes: string[] = [];
  s.forEachChangeSince(3, (key, c) => void changes.push(`${key}@${c.main}${c.isTombstone ? " deleted" : ""}`));
  assert.equal(changes, ["a@3 deleted"]);
  s.put({ key: "z", value: "" });
  ok(s.compact({ revision: 4 }));
  assert.is(s.indexedKeys, 1, "the next compaction drops it");
});

/** etcd #22376's shape: one Txn deletes every key from "a" on (WithFromKey) and puts "a" again; compacted there. */
function recreatedAndCompacted(s: MvccStore): void {
  s.put({ key: "a", value: "1" }); // 2
  s.put({ key: "b", value: "1" }); // 3
  const t = ok(
    s.txn({
      compare: [],
      success: [{ requestDeleteRange: { key: "a", rangeEnd: "\0" } }, { requestPut: { key: "a", value: "2" } }],
      failure: [],
    }),
  ); // 4
  assert.is(t.header.revision, 4);
  ok(s.compact({ revision: 4 }));
}

test("a key deleted and put again in the compact revision keeps its new value (etcd #22376 is not reproduced)", () => {
  const s = new MvccStore();
  recreatedAndCompacted(s);
  const a = ok(s.range({ key: "a" })).kvs;
  assert.equal(
    a.map((kv) => [kv.value, kv.createRevision, kv.modRevision, kv.version]),
    [["2", 4, 4, 1]],
  );
  assert.is(ok(s.range({ key: "a", revision: 4 })).count, 1);
  assert.is(ok(s.range({ key: "b" })).count, 0);
  // A watch resuming at the compact revision is owed both of a's changes there.
  const changes: string[] = [];
  s.forEachChangeSince(4, (key, c) => void changes.push(`${key}@${c.main}.${c.sub}${c.isTombstone ? " deleted" : ""}`));
  assert.equal(changes, ["a@4.0 deleted", "b@4.1 deleted", "a@4.2"]);
});

test("with mvcc-compact-drops-recreated-key that compaction loses the re-created value", () => {
  const s = new MvccStore({ bugs: new BugSet(["mvcc-compact-drops-recreated-key"]) });
  recreatedAndCompacted(s);
  assert.is(ok(s.range({ key: "a" })).count, 0);
  // Compacted at a later revision, a key deleted and put again in one revision keeps its value.
  ok(
    s.txn({
      compare: [],
      success: [{ requestDeleteRange: { key: "b", rangeEnd: "\0" } }, { requestPut: { key: "b", value: "3" } }],
      failure: [],
    }),
  ); // 5
  s.put({ key: "c", value: "1" }); // 6
  ok(s.compact({ revision: 6 }));
  assert.is(ok(s.range({ key: "b" })).kvs[0]?.value, "3");
});

test("versions and create revisions survive compaction", () => {
  const s = new MvccStore();
  for (let i = 0; i < 5; i++) s.put({ key: "a", value: `${i}` });
  ok(s.compact({ revision: s.revision }));
  s.put({ key: "a", value: "next" });
  assert.equal(ok(s.range({ key: "a" })).kvs[0], {
    key: "a",
    createRevision: 2,
    modRevision: 7,
    version: 6,
    value: "next",
    lease: 0,
  });
});

test("hashKV agrees between stores with the same history and differs after a divergent write", () => {
  const a = randomHistory(7, 40);
  const b = randomHistory(7, 40);
  assert.equal(a.hashKV(), b.hashKV());
  a.put({ key: "a", value: "diverge" });
  b.put({ key: "a", value: "other" });
  assert.is.not((ok(a.hashKV()) as HashKVResult).hash, (ok(b.hashKV()) as HashKVResult).hash);
  assert.is(ok(a.hashKV(a.revision - 1)).hash, ok(b.hashKV(b.revision - 1)).hash, "the shared prefix still agrees");
});

test("hashKV at a revision ignores later writes, and follows etcd's rules for compacted and future revisions", () => {
  const a = randomHistory(8, 30);
  const rev = a.revision;
  const h = ok(a.hashKV(rev)).hash;
  a.put({ key: "b", value: "later" });
  assert.is(ok(a.hashKV(rev)).hash, h);
  assert.is(errorOf(a.hashKV(a.revision + 1)), "future-revision");
  ok(a.compact({ revision: 10 }));
  assert.is(errorOf(a.hashKV(10)), "compacted");
  assert.is(ok(a.hashKV(11)).compactRevision, 10);
});

test("two members that compact at the same revision keep the same hash", () => {
  const a = randomHistory(9, 50);
  const b = randomHistory(9, 50);
  ok(a.compact({ revision: 30 }));
  ok(b.compact({ revision: 30 }));
  assert.equal(a.hashKV(), b.hashKV());
});

test("a snapshot is plain data, and a restored store answers every read, hash and lease like the original", () => {
  const a = randomHistory(10, 60);
  ok(a.compact({ revision: 25 }));
  const snap = JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<MvccStore["snapshot"]>;
  const b = MvccStore.fromSnapshot(snap);
  assert.is(b.revision, a.revision);
  assert.is(b.compactRevision, 25);
  for (let rev = 25; rev <= a.revision; rev++) assert.equal(readAll(b, rev), readAll(a, rev), `rev ${rev}`);
  assert.equal(b.hashKV(), a.hashKV());
  assert.equal(b.lessor.snapshot(), a.lessor.snapshot());
  assert.equal([...(b.lessor.lookup(1)?.keys ?? [])].sort(), [...(a.lessor.lookup(1)?.keys ?? [])].sort());
  // Both continue identically.
  for (const s of [a, b]) {
    s.put({ key: "a", value: "after" });
    ok(s.leaseRevoke({ ID: 1 }));
  }
  assert.equal(b.hashKV(), a.hashKV());
  assert.equal(b.snapshot(), a.snapshot());
});

test("a store restored after a compaction serves watchers from every retained revision as the original does, the compact revision's own changes included", () => {
  const log = (s: MvccStore, from: number) => {
    const out: string[] = [];
    s.forEachChangeSince(from, (key, c) => void out.push(`${key}@${c.main}.${c.sub}=${c.value}`));
    return out;
  };
  for (let seed = 1; seed <= 20; seed++) {
    const a = randomHistory(seed, 60);
    const at = 20 + (seed % 15);
    ok(a.compact({ revision: at }));
    const b = MvccStore.fromSnapshot(a.snapshot());
    assert.ok(log(a, at).length > 0 && log(a, at)[0]!.includes(`@${at}.`), "the compact revision made a change");
    for (let from = at; from <= a.revision + 1; from++)
      assert.equal(log(b, from), log(a, from), `seed ${seed} from ${from}`);
  }
});

test("restore replaces the whole state of an existing store", () => {
  const a = randomHistory(11, 20);
  const b = randomHistory(12, 35);
  b.restore(a.snapshot());
  assert.equal(b.snapshot(), a.snapshot());
  assert.equal(readAll(b, b.revision), readAll(a, a.revision));
});

test("restore replaces the change log a watcher catches up from (refilled in place: nothing of the old one stays)", () => {
  const a = randomHistory(11, 20);
  const b = randomHistory(12, 35);
  b.restore(a.snapshot());
  const log = (s: MvccStore) => {
    const out: string[] = [];
    s.forEachChangeSince(0, (key, c) => void out.push(`${key}@${c.main}.${c.sub}`));
    return out;
  };
  assert.equal(log(b), log(a));
  // A write after the restore lands after the restored log on both, and an empty snapshot empties it.
  a.put({ key: "z", value: "1" });
  b.put({ key: "z", value: "1" });
  assert.equal(log(b), log(a));
  b.restore(new MvccStore().snapshot());
  assert.equal(log(b), []);
  b.put({ key: "y", value: "2" });
  assert.equal(log(b), ["y@2.0"]);
});

test.run();
