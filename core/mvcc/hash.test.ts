// The hash behind hashKV: its values are pinned (a rewrite for speed must fold the same bytes in the same order).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Fnv1a } from "./hash.ts";

test("Fnv1a folds integers as two 32-bit halves, low byte first, and strings by code unit (pinned values)", () => {
  assert.is(new Fnv1a().digest(), 0x811c9dc5);
  assert.is(new Fnv1a().int(1).digest(), new Fnv1a().int(1).digest());
  const h = new Fnv1a();
  for (const v of [
    0,
    1,
    255,
    256,
    65535,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    2 ** 32,
    2 ** 40 + 12345,
    Number.MAX_SAFE_INTEGER,
    123456789012,
  ])
    h.int(v).string(`k${v}`);
  assert.is(h.digest(), 1510732199);
  // The high half counts: two integers equal mod 2^32 hash apart.
  assert.is.not(new Fnv1a().int(5).digest(), new Fnv1a().int(5 + 2 ** 32).digest());
  // The terminator: "ab","c" and "a","bc" differ.
  assert.is.not(new Fnv1a().string("ab").string("c").digest(), new Fnv1a().string("a").string("bc").digest());
});

test.run();
