// A simulated cluster's malformed output fails the watch check instead of crashing the run; any other
// error still throws.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { changesFromApplied, checkWatches, judgedAsSystemOutput } from "./index.ts";

test("a key put twice in one revision by the cluster fails the watch check, naming it", () => {
  const applied = [
    { revision: 2, type: "PUT" as const, key: "/k/1", value: "a" },
    { revision: 2, type: "PUT" as const, key: "/k/1", value: "b" },
  ];
  const r = judgedAsSystemOutput(() =>
    checkWatches({ watches: [], changes: changesFromApplied(applied), compactions: [] }),
  );
  assert.is(r.name, "watch");
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    "the cluster's own output breaks etcd's rules, so no watch can be judged against it: applied[1]: key \"/k/1\" put twice in revision 2",
  );
});

test("a well-formed history is judged as usual, and an error that is not about the input still throws", () => {
  const ok = judgedAsSystemOutput(() =>
    checkWatches({
      watches: [],
      changes: changesFromApplied([{ revision: 2, type: "PUT", key: "/k/1", value: "a" }]),
      compactions: [],
    }),
  );
  assert.is(ok.verdict, "pass", ok.message);
  assert.throws(
    () =>
      judgedAsSystemOutput(() => {
        throw new TypeError("a bug in the checker");
      }),
    (e: unknown) => e instanceof TypeError,
  );
});

test.run();
