// Key ranges and filters as etcd's Range and Watch name them.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compareKeys, inKeyRange, keyRangeOf, selectorOf } from "./selector.ts";
import type { Event } from "../../core/mvcc/rpc.ts";

const putOf = (key: string): Event => ({
  type: "PUT",
  kv: { key, createRevision: 2, modRevision: 2, version: 1, value: "v", lease: 0 },
});
const delOf = (key: string): Event => ({
  type: "DELETE",
  kv: { key, createRevision: 0, modRevision: 3, version: 0, value: "", lease: 0 },
});

test("keys compare as UTF-8 bytes, so a supplementary character sorts above U+FFFD", () => {
  // UTF-16 puts the surrogate 0xD83D below 0xFFFD; UTF-8 (and etcd) put U+1F600 above it.
  assert.ok("\u{1F600}" < "\uFFFD");
  assert.ok(compareKeys("\u{1F600}", "\uFFFD") > 0);
  assert.ok(compareKeys("a", "b") < 0);
  assert.ok(compareKeys("ab", "a") > 0);
  assert.is(compareKeys("same", "same"), 0);
});

test("no range_end (or an empty one) watches one key", () => {
  for (const r of [keyRangeOf("a"), keyRangeOf("a", "")]) {
    assert.ok(inKeyRange(r, "a"));
    assert.not.ok(inKeyRange(r, "ab"));
  }
});

test("range_end \\0 watches every key from key on", () => {
  const r = keyRangeOf("b", "\0");
  assert.ok(inKeyRange(r, "b"));
  assert.ok(inKeyRange(r, "zzz"));
  assert.not.ok(inKeyRange(r, "a"));
});

test("a prefix range is half-open [key, range_end)", () => {
  const r = keyRangeOf("p/", "p0");
  assert.ok(inKeyRange(r, "p/"));
  assert.ok(inKeyRange(r, "p/x/y"));
  assert.not.ok(inKeyRange(r, "p0"));
  assert.not.ok(inKeyRange(r, "p"));
});

test("a range whose end is not above its key matches nothing", () => {
  const r = keyRangeOf("m", "c");
  assert.not.ok(inKeyRange(r, "m"));
  assert.not.ok(inKeyRange(r, "d"));
});

test("NOPUT drops puts and NODELETE drops deletes", () => {
  const noPut = selectorOf({ key: "a", filters: ["NOPUT"] });
  assert.not.ok(noPut.matches(putOf("a")));
  assert.ok(noPut.matches(delOf("a")));
  const noDel = selectorOf({ key: "a", filters: ["NODELETE"] });
  assert.ok(noDel.matches(putOf("a")));
  assert.not.ok(noDel.matches(delOf("a")));
  assert.not.ok(selectorOf({ key: "a" }).matches(putOf("b")));
});

test.run();
