import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event } from "../../core/mvcc/rpc.ts";
import { ChangeIndex, WatchInputError } from "./change-index.ts";

const put = (key: string, rev: number): Event => ({
  type: "PUT",
  kv: { key, createRevision: rev, modRevision: rev, version: 1, value: "v", lease: 0 },
});

const thrown = (f: () => void): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

// Small revisions scan their earlier events for a repeated key, large ones (more than 8 events) keep a set:
// both find the same first repeat and name it the same way.
for (const size of [2, 5, 9, 20]) {
  test(`a key put twice in a revision of ${size} events is refused, naming the event that repeats it`, () => {
    const events = Array.from({ length: size }, (_, k) => put(`k${k}`, 3));
    events[size - 1] = put("k0", 3);
    const index = new ChangeIndex([{ revision: 2, events: [put("a", 2)] }], false);
    const e = thrown(() => index.append({ revision: 3, events }));
    assert.instance(e, WatchInputError);
    assert.is((e as Error).message, `changes[1] (revision 3) event ${size - 1}: key "k0" put twice in one revision`);
  });

  test(`a revision of ${size} distinct keys is indexed whole`, () => {
    const events = Array.from({ length: size }, (_, k) => put(`k${k}`, 4));
    const index = new ChangeIndex([], false);
    index.append({ revision: 4, events });
    assert.is(index.eventCount, size);
    assert.is(index.lastRevision, 4);
  });
}

test("the other input errors still name the event's position", () => {
  const index = new ChangeIndex([], false);
  const bad = { ...put("x", 5), kv: { ...put("x", 5).kv, modRevision: 6 } };
  const e = thrown(() => index.append({ revision: 5, events: [put("w", 5), bad] }));
  assert.is((e as Error).message, "changes[0] (revision 5) event 1: kv.modRevision 6 is not the revision");
});

test.run();
