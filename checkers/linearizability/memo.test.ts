// The memo of failed configurations: it answers what was recorded, subsumes larger unknown masks,
// and stays within its memory bound by forgetting (which only costs re-exploration).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FailedConfigurations } from "./memo.ts";
import { registerModel } from "./models/register.ts";
import type { Model } from "./types.ts";

const model = registerModel as Model<number | null, unknown, unknown>;

test("a recorded configuration fails, and so does one with more unknown operations linearized", () => {
  const memo = new FailedConfigurations(model, 1, 1);
  memo.add(7, Uint32Array.of(0b101), Uint32Array.of(0b01), 3);
  assert.ok(memo.fails(7, Uint32Array.of(0b101), Uint32Array.of(0b01), 3));
  assert.ok(memo.fails(7, Uint32Array.of(0b101), Uint32Array.of(0b11), 3));
  assert.not.ok(memo.fails(7, Uint32Array.of(0b101), Uint32Array.of(0b10), 3));
  assert.not.ok(memo.fails(7, Uint32Array.of(0b101), Uint32Array.of(0b01), 4));
});

test("past its memory bound the memo forgets everything instead of growing", () => {
  const memo = new FailedConfigurations(model, 1, 0, 1); // the smallest bound: 1024 groups
  for (let i = 0; i < 3000; i++) memo.add(i, Uint32Array.of(i), Uint32Array.of(0), i);
  assert.is(memo.evictions, 2);
  assert.ok(memo.size <= 1024);
  assert.ok(memo.fails(2999, Uint32Array.of(2999), Uint32Array.of(0), 2999));
  assert.not.ok(memo.fails(5, Uint32Array.of(5), Uint32Array.of(0), 5));
});

test.run();
