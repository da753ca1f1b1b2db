// What a restart reads back from the simulated disk (sim/disk.ts: un-synced writes are lost, torn or corrupt).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimDisk } from "../../sim/disk.ts";
import { Rng } from "../../sim/rng.ts";
import { RaftDiskStore } from "./disk_store.ts";
import type { Entry, Ready, Snapshot } from "./types.ts";
import { logOfTerms } from "../../testing/raft/testkit.ts";

function disk(seed = 1): SimDisk {
  return new SimDisk({ now: () => 0, at: (_t, fn, a, b, c) => fn(a, b, c) }, new Rng(seed), {
    fsyncLatencyUs: 0,
    fsyncJitterUs: 0,
  });
}

const ready = (over: Partial<Ready>): Ready => ({
  entries: [],
  committedEntries: [],
  messages: [],
  messagesBeforeSync: [],
  readStates: [],
  mustSync: true,
  ...over,
});

test("durable entries, hard state and snapshot are read back after a clean crash; un-synced ones are not", () => {
  const d = disk();
  const store = new RaftDiskStore(d);
  const log = logOfTerms([1, 1, 2, 2]);
  store.persist(ready({ entries: log.slice(0, 3), hardState: { term: 2, vote: "n1", commit: 2 } }));
  d.syncNow();
  store.persist(ready({ entries: log.slice(3), hardState: { term: 2, vote: "n1", commit: 4 } }));
  d.crash("clean");
  const back = new RaftDiskStore(d).load();
  assert.equal(
    back.entries.map((e) => e.index),
    [1, 2, 3],
  );
  assert.equal(back.hardState, { term: 2, vote: "n1", commit: 2 });
  assert.equal(back.repairs, []);
});

test("a record with a bad checksum and everything after it are dropped", () => {
  for (let seed = 1; seed < 40; seed++) {
    const d = disk(seed);
    const store = new RaftDiskStore(d);
    store.persist(ready({ entries: logOfTerms([1, 1]) }));
    d.syncNow();
    const more: Entry[] = logOfTerms([1, 1, 1, 1, 1, 1]).slice(2);
    for (const e of more) store.persist(ready({ entries: [e] }));
    d.crash("corrupt");
    const corrupt = d.firstCorrupt("raft.log.0");
    const back = new RaftDiskStore(d).load();
    if (corrupt === undefined) continue;
    assert.is(back.entries.length, corrupt, `seed ${seed}: truncated at the corrupt record`);
    assert.ok(back.repairs.length > 0);
    assert.is(d.read("raft.log.0").length, corrupt, "the bad tail is truncated on disk too");
    return;
  }
  assert.unreachable("no seed produced a corrupt record");
});

test("a leader's snapshot replaces the log; entries that disagree with it are not resurrected", () => {
  const d = disk();
  const store = new RaftDiskStore(d);
  store.persist(ready({ entries: logOfTerms([1, 1, 1, 1]) }));
  d.syncNow();
  const snap: Snapshot = {
    metadata: { index: 6, term: 3, confState: { voters: ["n1"], learners: [] } },
    data: "state@6",
  };
  store.persist(ready({ snapshot: snap, entries: [{ index: 7, term: 3, type: "normal", data: "x" }] }));
  d.syncNow();
  const back = new RaftDiskStore(d).load();
  assert.is(back.snapshot?.metadata.index, 6);
  assert.equal(
    back.entries.map((e) => e.index),
    [7],
  );
});

// Found by the membership-change scenario: a learner restored a leader's snapshot and crashed with a
// torn tail — the snapshot write survived, the truncation of the old, shorter log did not.
test("a leader's snapshot past the end of a log whose truncation was lost: the log restarts after the snapshot", () => {
  // What the torn crash left: the snapshot (index 6), and the old log (1..3) it was to replace.
  const d = disk();
  d.write("raft.snapshot", {
    metadata: { index: 6, term: 2, confState: { voters: ["n1", "n2"], learners: [] } },
    data: "state@6",
  } satisfies Snapshot);
  for (const e of logOfTerms([1, 1, 1])) d.append("raft.log.0", e);
  d.syncNow();
  const restarted = new RaftDiskStore(d);
  const back = restarted.load();
  assert.is(back.snapshot?.metadata.index, 6);
  assert.equal(back.entries, []);
  assert.equal(d.read("raft.log.0"), [], "the dead log is gone, so the next entry lands right after the snapshot");
  // The next Ready appends entry 7 (this threw "entries from 7 do not fit the stored log [1, 4)").
  restarted.persist(ready({ entries: [{ index: 7, term: 2, type: "normal", data: "x" }] }));
  d.syncNow();
  assert.equal(
    new RaftDiskStore(d).load().entries.map((e) => e.index),
    [7],
  );
});

test("a compaction snapshot keeps the log after it", () => {
  const d = disk();
  const store = new RaftDiskStore(d);
  store.persist(ready({ entries: logOfTerms([1, 1, 2, 2, 2]) }));
  store.saveSnapshot({ metadata: { index: 3, term: 2, confState: { voters: ["n1"], learners: [] } }, data: null });
  d.syncNow();
  const back = new RaftDiskStore(d).load();
  assert.equal(
    back.entries.map((e) => e.index),
    [4, 5],
  );
});

test("a hard state whose commit runs past the durable log is clamped, and said so", () => {
  const d = disk();
  d.write("raft.hardstate", { term: 3, vote: "", commit: 9 });
  d.append("raft.log.0", { index: 1, term: 1, type: "normal", data: null });
  d.syncNow();
  const back = new RaftDiskStore(d).load();
  assert.is(back.hardState?.commit, 1);
  assert.is(back.repairs.length, 1);
});

test.run();
