// responsive on hand-made histories: prompt answers pass; a late answer, a late error and one never given fail.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../history.ts";
import { checkResponsive } from "./responsive.ts";

const op = (id: number, call: number, ret: number | null, error?: "timeout"): EtcdOperation => ({
  id,
  client: 1,
  call,
  return: ret,
  request: { kind: "range", range: { key: "k" } },
  response: null,
  ...(error !== undefined ? { error } : {}),
});

test("responsive: operations answered within the bound pass, and one called just before the end may be unanswered", () => {
  const r = checkResponsive([op(0, 0, 9_000), op(1, 10_000, 22_000), op(2, 990_000, null)], 50_000, 1_000_000);
  assert.is(r.verdict, "pass", r.message);
  assert.is(
    r.message,
    "2 operations with no faults, each answered within 50.0ms of its call (slowest: range in 12.0ms)",
  );
});

test("responsive: a read answered after the bound fails, and so does a timeout error (an error is an answer too)", () => {
  const slow = checkResponsive([op(0, 0, 9_000), op(1, 10_000, 210_000)], 50_000, 1_000_000);
  assert.is(slow.verdict, "fail");
  assert.is(slow.message, "range #1 by client 1, called at 10.0ms, answered after 200.0ms (bound 50.0ms, no faults)");
  const error = checkResponsive([op(0, 0, 200_000, "timeout")], 50_000, 1_000_000);
  assert.match(error.message, 'answered "timeout" after 200.0ms');
});

test("responsive: an operation the run never answered, called a bound or more before its end, fails", () => {
  const r = checkResponsive([op(0, 0, null), op(1, 960_000, null)], 50_000, 1_000_000);
  assert.is(r.verdict, "fail");
  assert.is(
    r.message,
    "range #0 by client 1, called at 0.0ms, never answered (the run ended at 1000.0ms) (bound 50.0ms, no faults)",
  );
});

test.run();
