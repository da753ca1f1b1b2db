// A real cluster whose own output breaks etcd's rules fails the watch check; the run is not lost to an
// exception, and a truth with a gap falls back to the clients' acknowledged writes, saying so.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AppliedChange } from "../../checkers/watch/index.ts";
import { realWatchCheck } from "./watch-check.ts";

/** The watch check of a run whose truth watch saw `applied` whole (no client history needed). */
const judged = (...applied: AppliedChange[]) =>
  realWatchCheck({ watches: [], truth: { complete: true, applied, gaps: [] }, operations: [], compactions: [] });
const put = (revision: number, key: string, value: string): AppliedChange => ({ revision, type: "PUT", key, value });

test("a truth watch that saw one key put twice in one revision fails the watch check instead of throwing", () => {
  const r = judged(put(2, "/k/1", "a"), put(2, "/k/1", "b"));
  assert.is(r.verdict, "fail");
  assert.match(r.message, /own output breaks etcd's rules.*key "\/k\/1" put twice in revision 2/);
});

test("revisions out of order in the truth fail the check; a well-formed truth passes", () => {
  const out = judged(put(3, "/k/1", "a"), put(2, "/k/2", "b"));
  assert.is(out.verdict, "fail");
  assert.match(out.message, /revision 2 after revision 3/);
  const ok = judged(put(2, "/k/1", "a"));
  assert.is(ok.verdict, "pass", ok.message);
});

test("a truth with a gap is judged from the clients' writes and says so", () => {
  const r = realWatchCheck({
    watches: [],
    truth: { complete: false, applied: [], gaps: ["resumed at 40 below compaction 52"] },
    operations: [],
    compactions: [],
  });
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /\(partial truth: resumed at 40 below compaction 52\)$/);
});

test.run();
