import { test } from "uvu";
import * as assert from "uvu/assert";
import { benchRaftMessages } from "./raft-nodes.ts";

test("the benchmark hook steps the requested number of messages and commits what it proposes", () => {
  const r = benchRaftMessages(2000);
  assert.ok(r.messages >= 2000);
  assert.ok(r.committed > 100, `committed ${r.committed}`);
  assert.is(r.messagesPerSecond, undefined, "no clock, no rate");
});

test("with a clock the benchmark reports a rate", () => {
  let t = 0;
  const r = benchRaftMessages(500, { clockMs: () => (t += 250) });
  assert.is(r.seconds, 0.25);
  assert.is(r.messagesPerSecond, Math.round(r.messages / 0.25));
});

test.run();
