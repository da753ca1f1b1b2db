// Every Range option: point, range, prefix, from-key, revisions, limit/more/count, count_only,
// keys_only, sorting (including etcd's default ordering rules) and the revision filters.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { prefixEnd } from "./keys.ts";
import type { RangeRequest } from "./rpc.ts";
import { MvccStore } from "./store.ts";
import { errorOf, ok } from "../../testing/mvcc/test-util.ts";

/** a@2 b@3 c@4 ab@5, then a@6 (version 2), d@7 — values chosen to sort differently from keys. */
function fixture(): MvccStore {
  const s = new MvccStore();
  s.put({ key: "a", value: "z" });
  s.put({ key: "b", value: "y" });
  s.put({ key: "c", value: "x" });
  s.put({ key: "ab", value: "w" });
  s.put({ key: "a", value: "v" });
  s.put({ key: "d", value: "y" });
  return s;
}

const keys = (s: MvccStore, req: RangeRequest): string[] => ok(s.range(req)).kvs.map((kv) => kv.key);

test("a key alone is a point read", () => {
  const s = fixture();
  assert.equal(keys(s, { key: "a" }), ["a"]);
  assert.equal(keys(s, { key: "zz" }), []);
});

test("[key, range_end) selects keys in byte order; an end at or before the key selects nothing", () => {
  const s = fixture();
  assert.equal(keys(s, { key: "a", rangeEnd: "c" }), ["a", "ab", "b"]);
  assert.equal(keys(s, { key: "c", rangeEnd: "c" }), []);
  assert.equal(keys(s, { key: "c", rangeEnd: "a" }), []);
});

test('range_end "\\0" means every key >= key, and key "\\0" with it means all keys', () => {
  const s = fixture();
  assert.equal(keys(s, { key: "b", rangeEnd: "\0" }), ["b", "c", "d"]);
  assert.equal(keys(s, { key: "\0", rangeEnd: "\0" }), ["a", "ab", "b", "c", "d"]);
});

test("a prefix is the key with its last byte incremented", () => {
  const s = fixture();
  assert.is(prefixEnd("a"), "b");
  assert.is(prefixEnd("/registry/pods/"), "/registry/pods0");
  assert.is(prefixEnd("\uffff"), "\0");
  assert.equal(keys(s, { key: "a", rangeEnd: prefixEnd("a") }), ["a", "ab"]);
});

test("a read at an older revision sees that revision's pairs; the header still reports the current revision", () => {
  const s = fixture();
  const r = ok(s.range({ key: "\0", rangeEnd: "\0", revision: 4 }));
  assert.equal(
    r.kvs.map((kv) => [kv.key, kv.value]),
    [
      ["a", "z"],
      ["b", "y"],
      ["c", "x"],
    ],
  );
  assert.is(r.header.revision, 7);
});

test("revision <= 0 reads the latest revision", () => {
  const s = fixture();
  assert.equal(ok(s.range({ key: "a", revision: 0 })).kvs[0]?.value, "v");
  assert.equal(ok(s.range({ key: "a", revision: -5 })).kvs[0]?.value, "v");
});

test("a revision above the current one is future-revision; below the compact revision is compacted; at it is allowed", () => {
  const s = fixture();
  assert.is(errorOf(s.range({ key: "a", revision: 8 })), "future-revision");
  ok(s.compact({ revision: 5 }));
  assert.is(errorOf(s.range({ key: "a", revision: 4 })), "compacted");
  assert.equal(ok(s.range({ key: "a", revision: 5 })).kvs[0]?.value, "z");
});

test("limit cuts the result, more says keys were cut, count is the full count", () => {
  const s = fixture();
  const r = ok(s.range({ key: "\0", rangeEnd: "\0", limit: 2 }));
  assert.equal(
    r.kvs.map((kv) => kv.key),
    ["a", "ab"],
  );
  assert.is(r.more, true);
  assert.is(r.count, 5);
  const all = ok(s.range({ key: "\0", rangeEnd: "\0", limit: 5 }));
  assert.is(all.more, false);
  assert.is(all.kvs.length, 5);
});

test("count_only returns the count and no pairs; keys_only returns pairs without values", () => {
  const s = fixture();
  assert.equal(ok(s.range({ key: "a", rangeEnd: "c", countOnly: true, limit: 1 })), {
    header: { revision: 7, raftTerm: 0 },
    kvs: [],
    more: false,
    count: 3,
  });
  const r = ok(s.range({ key: "a", rangeEnd: "c", keysOnly: true }));
  assert.equal(
    r.kvs.map((kv) => [kv.key, kv.value, kv.version]),
    [
      ["a", "", 2],
      ["ab", "", 1],
      ["b", "", 1],
    ],
  );
});

test("sorting by each target ascending and descending keeps ties in key order", () => {
  const s = fixture();
  const all = { key: "\0", rangeEnd: "\0" };
  assert.equal(keys(s, { ...all, sortTarget: "KEY", sortOrder: "DESCEND" }), ["d", "c", "b", "ab", "a"]);
  assert.equal(keys(s, { ...all, sortTarget: "VALUE", sortOrder: "ASCEND" }), ["a", "ab", "c", "b", "d"]);
  assert.equal(keys(s, { ...all, sortTarget: "VALUE", sortOrder: "DESCEND" }), ["b", "d", "c", "ab", "a"]);
  assert.equal(keys(s, { ...all, sortTarget: "VERSION", sortOrder: "DESCEND" }), ["a", "ab", "b", "c", "d"]);
  assert.equal(keys(s, { ...all, sortTarget: "VERSION", sortOrder: "ASCEND" }), ["ab", "b", "c", "d", "a"]);
  assert.equal(keys(s, { ...all, sortTarget: "CREATE", sortOrder: "DESCEND" }), ["d", "ab", "c", "b", "a"]);
  assert.equal(keys(s, { ...all, sortTarget: "MOD", sortOrder: "ASCEND" }), ["b", "c", "ab", "a", "d"]);
  assert.equal(keys(s, { ...all, sortTarget: "MOD", sortOrder: "DESCEND" }), ["d", "a", "ab", "c", "b"]);
});

test("a target other than KEY with order NONE sorts ascending; KEY with NONE keeps key order", () => {
  const s = fixture();
  const all = { key: "\0", rangeEnd: "\0" };
  assert.equal(keys(s, { ...all, sortTarget: "MOD" }), ["b", "c", "ab", "a", "d"]);
  assert.equal(keys(s, { ...all, sortTarget: "KEY", sortOrder: "NONE" }), ["a", "ab", "b", "c", "d"]);
});

test("with an explicit order the limit applies after sorting over all keys", () => {
  const s = fixture();
  const r = ok(s.range({ key: "\0", rangeEnd: "\0", sortTarget: "MOD", sortOrder: "DESCEND", limit: 2 }));
  assert.equal(
    r.kvs.map((kv) => kv.key),
    ["d", "a"],
  );
  assert.is(r.more, true);
  assert.is(r.count, 5);
});

test("etcd's quirk: a target other than KEY with order NONE and a limit sorts only the first limit+1 keys", () => {
  const s = fixture();
  // Index order a, ab, b, c, d; only a, ab, b (limit+1) are read, then sorted by mod: b(3) ab(5) a(6).
  assert.equal(keys(s, { key: "\0", rangeEnd: "\0", sortTarget: "MOD", limit: 2 }), ["b", "ab"]);
});

test("min/max mod and create revision filters prune pairs but not the count", () => {
  const s = fixture();
  const all = { key: "\0", rangeEnd: "\0" };
  assert.equal(keys(s, { ...all, minModRevision: 5 }), ["a", "ab", "d"]);
  assert.equal(keys(s, { ...all, maxModRevision: 4 }), ["b", "c"]);
  assert.equal(keys(s, { ...all, minCreateRevision: 4, maxCreateRevision: 5 }), ["ab", "c"]);
  const r = ok(s.range({ ...all, minModRevision: 7, limit: 1 }));
  assert.equal(
    r.kvs.map((kv) => kv.key),
    ["d"],
  );
  assert.is(r.count, 5, "count is taken before the filters");
  assert.is(r.more, false);
});

test("a filter with a limit reads every key before filtering, so the limit counts filtered pairs", () => {
  const s = fixture();
  const r = ok(s.range({ key: "\0", rangeEnd: "\0", minModRevision: 5, limit: 2 }));
  assert.equal(
    r.kvs.map((kv) => kv.key),
    ["a", "ab"],
  );
  assert.is(r.more, true);
});

test.run();
