import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RaftView } from "../../core/raft/view.ts";
import { World } from "../../sim/world.ts";
import { Channel, RunObservers, type AppliedEntry, type CommittedRevision } from "./observers.ts";

test("a channel names its subscriber while it has exactly one", () => {
  const ch = new Channel<number>();
  assert.is(ch.sole, undefined);
  const seen: string[] = [];
  const a = (x: number) => void seen.push(`a${x}`);
  const b = (x: number) => void seen.push(`b${x}`);
  ch.on(a);
  assert.is(ch.sole, a);
  ch.on(b);
  assert.is(ch.sole, undefined);
  ch.emit(1);
  assert.equal(seen, ["a1", "b1"]);
});

// The hooks take a sole subscriber's fast path or emit: either way every subscriber gets every event, in
// subscription order, including subscribers that came after the hooks were made.
for (const subscribers of [1, 2]) {
  test(`member hooks reach ${subscribers} subscriber(s) of views, applies and commits`, () => {
    const world = new World({ seed: 1 });
    const obs = new RunObservers(world);
    const hooks = obs.memberHooks();
    const got: string[] = [];
    for (let s = 0; s < subscribers; s++) {
      obs.raftViews.on((v) => void got.push(`${s} view ${v.id}`));
      obs.applies.on((e: AppliedEntry) => void got.push(`${s} apply ${e.member} ${e.index} ${e.revision}`));
      obs.commits.on((c: CommittedRevision) => void got.push(`${s} commit ${c.revision} ${c.keys.join(",")}`));
    }
    hooks.observer!({ id: "n1" } as RaftView);
    hooks.onApply!("n2", 5, 1, "p", 3);
    hooks.onCommit!("n2", 3, ["k"], [{ value: "v", lease: 0, version: 1 } as never]);
    hooks.onCommit!("n3", 3, ["k"], [{ value: "v", lease: 0, version: 1 } as never]); // reported once
    const want = (s: number) => [`${s} view n1`, `${s} apply n2 5 3`, `${s} commit 3 k`];
    const expected =
      subscribers === 1 ? want(0) : [want(0)[0], want(1)[0], want(0)[1], want(1)[1], want(0)[2], want(1)[2]];
    assert.equal(got, expected);
  });
}

test.run();
