import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConsistencyOracle, PAYLOAD_WINDOW } from "./consistency.ts";

const e = (member: string, index: number, payload: unknown, revision: number, term = 1) => ({
  member,
  index,
  term,
  payload,
  revision,
  time: index * 10,
});

test("members applying the same entries to the same revisions pass", () => {
  const o = new ConsistencyOracle();
  for (const m of ["n1", "n2", "n3"]) for (let i = 1; i <= 5; i++) o.onApply(e(m, i, `d${i}`, i + 1));
  assert.is(o.result().verdict, "pass");
});

test("a different entry at one index fails naming both members", () => {
  const o = new ConsistencyOracle();
  o.onApply(e("n1", 3, "a", 4));
  o.onApply(e("n2", 3, "b", 4));
  const r = o.result();
  assert.is(r.verdict, "fail");
  assert.match(r.message, /n2 applied a different entry at index 3/);
});

test("payloads compare by content: one object, or two equal ones, is the same entry; different content is not", () => {
  const shared = { op: "kv", reqId: "n1/x/1", request: { kind: "put", put: { key: "/k/1", value: "v" } } };
  const copy = JSON.parse(JSON.stringify(shared)) as unknown;
  const o = new ConsistencyOracle();
  o.onApply(e("n1", 1, shared, 2));
  o.onApply(e("n2", 1, shared, 2));
  o.onApply(e("n3", 1, copy, 2));
  o.onApply(e("n1", 2, null, 2));
  o.onApply(e("n2", 2, null, 2));
  assert.is(o.result().verdict, "pass");
  assert.match(o.result().message, /^2 indexes applied consistently \(5 applies/);
  const other = { op: "kv", reqId: "n1/x/1", request: { kind: "put", put: { key: "/k/1", value: "w" } } };
  o.onApply(e("n3", 2, other, 2));
  assert.match(o.result().message, /n3 applied a different entry at index 2/);
});

test("indexes first seen out of order or with gaps are each counted once", () => {
  const o = new ConsistencyOracle();
  for (const i of [5, 9, 6, 5, 9]) o.onApply(e("n1", i, `d${i}`, 1));
  assert.match(o.result().message, /^3 indexes applied consistently/);
});

test("the same entry reaching a different revision fails (a re-applied entry)", () => {
  const o = new ConsistencyOracle();
  o.onApply(e("n1", 7, "a", 5));
  o.onApply(e("n2", 7, "a", 6));
  assert.match(o.result().message, /revision divergence/);
});

test("one member re-applying an index to another revision is named once, as a re-apply", () => {
  const o = new ConsistencyOracle();
  o.onApply(e("n1", 1, "a", 1));
  o.onApply(e("n1", 1, "a", 6));
  const m = o.result().message;
  assert.match(m, /n1 applied index 1 again \(after a restart\) and reached revision 6; the first time it reached 1/);
  assert.not.match(m, /n1 reached .* n1 reached/);
});

test("a member whose revision goes backwards as its index advances fails", () => {
  const o = new ConsistencyOracle();
  o.onApply(e("n1", 1, "a", 5));
  o.onApply(e("n1", 2, "b", 3));
  assert.match(o.result().message, /went backwards on n1/);
});

test("after a restart the member starts over from what it recovered", () => {
  const o = new ConsistencyOracle();
  o.onApply(e("n1", 1, "a", 2));
  o.onApply(e("n1", 2, "b", 3));
  o.onRestart("n1", { index: 0, revision: 1 });
  o.onApply(e("n1", 1, "a", 2));
  assert.is(o.result().verdict, "pass");
});

test("store hashes at one revision must match", () => {
  const o = new ConsistencyOracle();
  o.compareHashes([
    { member: "n1", revision: 9, hash: "x" },
    { member: "n2", revision: 9, hash: "x" },
  ]);
  assert.is(o.result().verdict, "pass");
  o.compareHashes([
    { member: "n1", revision: 9, hash: "x" },
    { member: "n3", revision: 9, hash: "y" },
  ]);
  assert.match(o.result().message, /store hash mismatch at revision 9/);
});

test("a member that cannot hash its store fails the comparison, even when every member answers the same error", () => {
  const o = new ConsistencyOracle();
  o.compareHashes([
    { member: "n1", revision: 9, error: "compacted" },
    { member: "n2", revision: 9, error: "compacted" },
  ]);
  assert.is(o.result().verdict, "fail");
  assert.match(o.result().message, /^n1 could not hash its store at revision 9: compacted/);
});

test("a payload whose index left the window compares as before: same object, equal copy, different content", () => {
  const payload = (i: number) => ({
    op: "kv",
    reqId: `n1/x/${i}`,
    request: { kind: "put", put: { key: `/k/${i % 5}` } },
  });
  const n = PAYLOAD_WINDOW * 2 + 9;
  const kept: unknown[] = [];
  const o = new ConsistencyOracle();
  for (let i = 1; i <= n; i++) o.onApply(e("n1", i, (kept[i] = i % 7 === 3 ? undefined : payload(i)), i + 1));
  // A late first apply of an old index (below the window) is recorded too.
  const late = new ConsistencyOracle();
  late.onApply(e("n1", n, "z", n + 1));
  late.onApply(e("n1", 5, payload(5), 6));
  late.onApply(e("n2", 5, JSON.parse(JSON.stringify(payload(5))), 6));
  assert.is(late.result().verdict, "pass");
  late.onApply(e("n3", 5, payload(6), 6));
  assert.match(late.result().message, /n3 applied a different entry at index 5/);
  for (const i of [1, 2, 3, 10, PAYLOAD_WINDOW, PAYLOAD_WINDOW + 1, n - PAYLOAD_WINDOW, n]) {
    o.onApply(e("n2", i, kept[i], i + 1));
    if (kept[i] !== undefined) o.onApply(e("n3", i, JSON.parse(JSON.stringify(kept[i])), i + 1));
  }
  assert.is(o.result().verdict, "pass", o.result().message);
  o.onApply(e("n3", 1, payload(2), 2));
  assert.match(o.result().message, /n3 applied a different entry at index 1 \(term 1\)/);
  // A payload JSON has no text for (undefined) is kept as it was: the same value passes.
  o.onApply(e("n3", 3, undefined, 4));
  assert.is((o.result().evidence as { violations: string[] }).violations.length, 1);
  // A payload JSON cannot encode (a BigInt) is kept by reference: the same object still passes.
  const big = { n: 1n };
  const b = new ConsistencyOracle();
  b.onApply(e("n1", 1, big, 2));
  b.onApply(e("n1", PAYLOAD_WINDOW * 2, "z", 3));
  b.onApply(e("n2", 1, big, 2));
  assert.is(b.result().verdict, "pass");
});

test("a long run keeps about 20 bytes an index, and old indexes still name their first member and exact time", () => {
  const o = new ConsistencyOracle();
  const n = 40_000;
  // Times of an hour-long run (past 2^31 µs), terms changing every few hundred indexes, one leader each.
  const apply = (member: string, i: number, payload: unknown) =>
    o.onApply({
      member,
      index: i,
      term: 1 + Math.floor(i / 700),
      payload,
      revision: i + 1,
      time: 3_000_000_000 + i * 13,
    });
  for (let i = 1; i <= n; i++) apply(`n${1 + (Math.floor(i / 700) % 3)}`, i, { put: `/k/${i}` });
  assert.ok(o.bytes <= n * 20 + 3 * 4096, `${o.bytes} bytes for ${n} indexes`);
  apply("n3", 10, { put: "/k/other" });
  assert.is(
    o.result().message,
    "state machine safety: n3 applied a different entry at index 10 (term 1) than n1 did (term 1) at 3000000130us",
  );
  o.onApply({ member: "n2", index: 1500, term: 3, payload: { put: "/k/1500" }, revision: 9, time: 0 });
  assert.is(
    (o.result().evidence as { violations: string[] }).violations[1],
    "revision divergence: at index 1500 n2 reached revision 9, n3 reached 1501",
  );
});

test.run();
