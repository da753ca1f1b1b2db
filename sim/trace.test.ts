import { test } from "uvu";
import * as assert from "uvu/assert";
import { Trace } from "./trace.ts";

const TIMES = [0, 1, 999_999, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x100000000 * 3 + 17, 2 ** 52 + 5];

test("the hot-path deliver() and timer() fold exactly what event() folds, at any time (past 2^32 µs too)", () => {
  const general = new Trace({ keepLines: true });
  const fast = new Trace({ keepLines: true });
  for (const t of TIMES) {
    general.event(t, "deliver", "n1", "n2", "MsgApp");
    fast.deliver(t, "n1", fast.hashOf("n1"), "n2", fast.hashOf("n2"), "MsgApp", fast.hashOf("MsgApp"));
    general.event(t, "timer", "n3");
    fast.timer(t, "n3", fast.hashOf("n3"));
    assert.is(fast.hash(), general.hash(), `at ${t}`);
  }
  assert.equal(fast.lines, general.lines, "the same trace lines");
});

test("drop() folds exactly what event(drop, reason:label) folds, the detail hash cached per pair", () => {
  const general = new Trace({ keepLines: true });
  const fast = new Trace({ keepLines: true });
  const drops = [
    ["n1", "n2", "partition", "MsgApp"],
    ["n2", "n1", "partition", "MsgAppResp"],
    ["n1", "n2", "partition", "MsgApp"],
    ["n1", "n3", "loss", "MsgApp"],
    ["n3", "n1", "crashed", "KvRequest"],
    ["n1", "n2", "partition", "MsgApp"],
  ] as const;
  for (const t of TIMES) {
    for (const [from, to, reason, label] of drops) {
      general.event(t, "drop", from, to, reason + ":" + label);
      fast.drop(t, from, to, reason, label);
      assert.is(fast.hash(), general.hash(), `${t} ${from} ${to} ${reason}:${label}`);
    }
  }
  assert.equal(fast.lines, general.lines, "the same trace lines");
  assert.is(fast.count, general.count);
});

test("the hash depends on every field of an event", () => {
  const base = () => {
    const t = new Trace();
    t.event(5, "deliver", "n1", "n2", "MsgApp");
    return t.hash();
  };
  const h = base();
  assert.is(base(), h, "deterministic");
  for (const [time, from, to, label] of [
    [6, "n1", "n2", "MsgApp"],
    [5, "n3", "n2", "MsgApp"],
    [5, "n1", "n3", "MsgApp"],
    [5, "n1", "n2", "MsgVote"],
    [5 + 0x100000000, "n1", "n2", "MsgApp"],
  ] as const) {
    const t = new Trace();
    t.event(time, "deliver", from, to, label);
    assert.is.not(t.hash(), h, `${time} ${from} ${to} ${label}`);
  }
});

test.run();
