// The payload fingerprint cache is bounded and invisible: a long run keeps at most two generations of
// payloads, and a payload hashed again after leaving the cache gets the same fingerprint.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Entry } from "../../core/raft/types.ts";
import { CACHE_GENERATION, cachedPayloads, entryHash, samePayload } from "./hash.ts";

const entry = (index: number, data: unknown): Entry => ({ index, term: 1, type: "normal", data });

test("hash cache: bounded by two generations, same fingerprint after eviction", () => {
  const first = entry(1, { put: { key: "/k/1", value: "v1" } });
  const h = entryHash(first);
  const n = CACHE_GENERATION * 3 + 5;
  for (let i = 2; i <= n; i++) entryHash(entry(i, { put: { key: `/k/${i}`, value: `v${i}` } }));
  assert.ok(cachedPayloads() <= 2 * CACHE_GENERATION, `${cachedPayloads()} cached`);
  assert.ok(cachedPayloads() > 0);
  // `first`'s payload left the cache long ago: hashed afresh, the same fingerprint.
  assert.is(entryHash(first), h);
  assert.is(entryHash(entry(7, JSON.parse(JSON.stringify(first.data)))), h);
  assert.ok(samePayload(first, entry(9, { put: { key: "/k/1", value: "v1" } })));
  assert.not.ok(samePayload(first, entry(9, { put: { key: "/k/1", value: "v2" } })));
  assert.is.not(entryHash({ ...first, type: "confChange" }), h);
});

test.run();
