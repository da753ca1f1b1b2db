// The monitor's compact per-index tables: hot and cold payloads compare as samePayload does, and a long
// run keeps no more than the window of entries whole.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Entry, Message } from "../../core/raft/types.ts";
import type { RaftView } from "../../core/raft/view.ts";
import { samePayload } from "./hash.ts";
import { RaftSafetyMonitor } from "./monitor.ts";
import { EntryTable, HOT_WINDOW } from "./tables.ts";

/** Hand-made views show some nodes' votes only: leader-voted is judged in its own tests. */
const handMade = () => new RaftSafetyMonitor(undefined, { seesEveryVote: false });

const entry = (index: number, term: number, data: unknown): Entry => ({ index, term, type: "normal", data });

test("entry table: a payload compares the same before and after its index leaves the window", () => {
  const t = new EntryTable();
  const payloads = (i: number) => ({ put: { key: `/k/${i % 7}`, value: `v${i}` } });
  const n = HOT_WINDOW * 3 + 17;
  for (let i = 1; i <= n; i++) t.record(entry(i, 1 + (i >> 10), payloads(i)), 1 + (i % 3), i - 1);
  assert.ok(t.entriesKept <= HOT_WINDOW);
  for (const i of [1, 2, HOT_WINDOW, HOT_WINDOW + 1, n - HOT_WINDOW, n - 5, n]) {
    const original = entry(i, 1 + (i >> 10), payloads(i));
    const same = entry(i, 1 + (i >> 10), JSON.parse(JSON.stringify(payloads(i)))); // equal, another object
    const other = entry(i, 1 + (i >> 10), payloads(i + 1));
    assert.ok(t.samePayloadAt(i, original), `index ${i}`);
    assert.ok(t.samePayloadAt(i, same), `index ${i}`);
    assert.is(t.samePayloadAt(i, other), samePayload(original, other), `index ${i}`);
    assert.is(t.samePayloadAt(i, other), false, `index ${i}`);
    assert.is(t.termAt(i), 1 + (i >> 10));
    assert.is(t.nodeAt(i), 1 + (i % 3));
    assert.is(t.extraAt(i), i - 1);
  }
  // A first record far behind the window (a gap filled late) is kept as a fingerprint at once.
  const late = new EntryTable();
  late.record(entry(HOT_WINDOW * 2, 1, "x"), 1);
  late.record(entry(3, 1, "y"), 2);
  assert.ok(late.samePayloadAt(3, entry(3, 1, "y")));
  assert.not.ok(late.samePayloadAt(3, entry(3, 1, "z")));
  assert.is(late.entriesKept, 1);
});

/** Three nodes replicating, committing and applying `n` entries in term 1 led by n1. */
function longRun(n: number): { m: RaftSafetyMonitor; log: Entry[] } {
  const m = handMade();
  const voters = ["n1", "n2", "n3"];
  const terms: number[] = [];
  const log: Entry[] = [];
  let ev = 0;
  const view = (id: string, commitIndex: number, extra: Partial<RaftView>): RaftView => ({
    id,
    term: 1,
    vote: "n1",
    role: id === "n1" ? "leader" : "follower",
    leader: "n1",
    commitIndex,
    applied: commitIndex,
    lastIndex: terms.length,
    lastTerm: 1,
    compactedIndex: 0,
    voters,
    votersOutgoing: [],
    learners: [],
    configIndex: commitIndex,
    logOverwrites: 0,
    termAt: (i) => (i === 0 ? 0 : terms[i - 1]),
    ...extra,
  });
  const batch = 50;
  for (let from = 1; from <= n; from += batch) {
    const es: Entry[] = [];
    for (let i = from; i < from + batch && i <= n; i++) {
      const e = entry(i, 1, { reqId: i, put: `v${i}` });
      es.push(e);
      log.push(e);
      terms.push(1);
    }
    const last = es[es.length - 1]!.index;
    m.observe("n1", view("n1", from - 1, { durable: { entries: es } }), ++ev);
    for (const id of ["n2", "n3"]) {
      const msg = { type: "MsgApp", from: "n1", to: id, term: 1, index: from - 1, logTerm: 1, entries: es };
      const stepped = { ...msg, commit: from - 1, reject: false, rejectHint: 0 } as Message;
      m.observe(id, view(id, from - 1, { durable: { entries: es }, stepped }), ++ev);
    }
    m.observe("n1", view("n1", last, { appliedEntries: es }), ++ev);
    for (const id of ["n2", "n3"]) m.observe(id, view(id, last, { appliedEntries: es }), ++ev);
  }
  return { m, log };
}

test("a long run keeps at most the window of entries whole, and about 10 bytes per index beyond the windows", () => {
  const n = 40_000;
  const { m } = longRun(n);
  assert.is(m.result().verdict, "pass", m.result().message);
  const r = m.retained();
  assert.ok(r.entriesKept <= 2 * HOT_WINDOW, `${r.entriesKept} entries kept`);
  // Two fingerprints (4 bytes each) per index, terms and nodes as runs, the two windows of entries.
  assert.ok(r.tableBytes < n * 10 + 2 * HOT_WINDOW * 8, `${r.tableBytes} bytes for ${n} indexes`);
});

test("an old index (out of the window) written with other data is still a log-matching violation", () => {
  const { m, log } = longRun(3 * HOT_WINDOW);
  // A new node catches up from index 1: the same entries pass, index 10 with other data does not.
  const copy = log.slice(0, 9).map((e) => entry(e.index, e.term, JSON.parse(JSON.stringify(e.data))));
  const view = { id: "n4", term: 1, vote: "", role: "follower", leader: "n1", commitIndex: 0, applied: 0 } as const;
  const rest = {
    lastTerm: 1,
    compactedIndex: 0,
    voters: ["n1", "n2", "n3"],
    votersOutgoing: [],
    learners: [],
    configIndex: 0,
  };
  const v = (entries: Entry[]): RaftView => ({
    ...view,
    ...rest,
    lastIndex: entries.length,
    logOverwrites: 0,
    termAt: () => 1,
    durable: { entries },
  });
  m.observe("n4", v(copy), 1);
  assert.is(m.result().verdict, "pass", m.result().message);
  m.observe("n4", v([...copy, entry(10, 1, "forged")]), 2);
  const r = m.result();
  assert.is(r.verdict, "fail");
  assert.match(r.message, /^log-matching: n1 and n4 hold entries at index 10 of term 1 with different data/);
});

test.run();
