import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimDisk } from "./disk.ts";
import { Rng } from "./rng.ts";
import { Scheduler } from "./scheduler.ts";

function disk(seed = 1) {
  const s = new Scheduler();
  const d = new SimDisk({ now: () => s.now, at: (t, fn, a, b, c) => void s.at(t, fn, a, b, c) }, new Rng(seed), {
    fsyncLatencyUs: 100,
    fsyncJitterUs: 0,
  });
  return {
    s,
    d,
    drain: () => {
      while (s.step());
    },
  };
}

test("writes not yet synced are lost on a crash", () => {
  const { d } = disk();
  d.append("log", 1);
  d.write("state", { term: 3 });
  d.crash("clean");
  assert.equal(d.read("log"), []);
  assert.is(d.readValue("state"), undefined);
});

test("a value committed on a period is durable once its boundary passed, and a crash before it keeps the one before", () => {
  const { s, d } = disk();
  assert.is(d.committed("ci"), undefined);
  s.at(30, () => d.commitOnPeriod("ci", 5, 100));
  s.at(90, () => d.commitOnPeriod("ci", 7, 100)); // the same boundary (100): 7 replaces 5
  s.at(150, () => d.commitOnPeriod("ci", 9, 100)); // 7 became durable at 100; 9 waits for 200
  s.at(180, () => d.crash("torn"));
  while (s.step());
  assert.is(d.committed("ci"), 7);
  s.at(400, () => d.commitOnPeriod("ci", 11, 100));
  s.at(510, () => d.crash("clean"));
  while (s.step());
  assert.is(d.committed("ci"), 11, "its boundary (500) passed before the crash");
});

test("a value committed now survives a crash at once; nothing committed, nothing kept", () => {
  const { s, d } = disk();
  s.at(10, () => d.commitOnPeriod("ci", 3, 100));
  s.at(20, () => d.commitNow("ci", 4));
  s.at(30, () => d.crash("clean"));
  while (s.step());
  assert.is(d.committed("ci"), 4);
  d.commitOnPeriod("other", 1, 100);
  d.crash("clean");
  assert.is(d.committed("other"), undefined);
});

test("a file's length set with setFileSize survives a crash, synced or not (the file system keeps it)", () => {
  const { d } = disk();
  assert.is(d.fileSize("db"), 0);
  d.setFileSize("db", 4096);
  d.write("state", { term: 2 });
  d.crash("torn");
  assert.is(d.fileSize("db"), 4096);
  assert.is(d.readValue("state"), undefined);
  d.setFileSize("db", 1024);
  assert.is(d.fileSize("db"), 1024, "a defragmentation shrinks it");
});

test("synced writes survive a crash; later ones do not", () => {
  const { d, drain } = disk();
  let done = false;
  d.append("log", 1);
  d.write("state", { term: 1 });
  d.sync(() => (done = true));
  drain();
  assert.ok(done);
  d.append("log", 2);
  d.write("state", { term: 2 });
  d.truncate("log", 0);
  d.crash("clean");
  assert.equal(d.read("log"), [1]);
  assert.equal(d.readValue("state"), { term: 1 });
});

test("a crash before the fsync completes loses the writes and never calls back", () => {
  const { d, s, drain } = disk();
  let done = false;
  d.append("log", 1);
  d.sync(() => (done = true));
  s.runUntil(50);
  d.crash("clean");
  drain();
  assert.not.ok(done);
  assert.equal(d.read("log"), []);
});

test("fsyncs complete in order and each covers the writes issued before it", () => {
  const { d, s } = disk();
  const order: number[] = [];
  d.append("log", 1);
  d.sync(() => order.push(1));
  s.runUntil(50);
  d.append("log", 2);
  d.sync(() => order.push(2));
  s.runUntil(100);
  d.crash("clean");
  assert.equal(order, [1]);
  assert.equal(d.read("log"), [1]);
});

test("a torn crash keeps a prefix of the unsynced writes", () => {
  let sawPartial = false;
  for (let seed = 1; seed <= 30; seed++) {
    const { d } = disk(seed);
    for (let i = 1; i <= 10; i++) d.append("log", i);
    d.crash("torn");
    const log = d.read("log") as number[];
    assert.equal(
      log,
      Array.from({ length: log.length }, (_, i) => i + 1),
      "a prefix",
    );
    if (log.length > 0 && log.length < 10) sawPartial = true;
  }
  assert.ok(sawPartial);
});

test("a corrupting crash leaves a record whose checksum fails, found at restart", () => {
  let found = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const { d } = disk(seed);
    for (let i = 1; i <= 10; i++) d.append("log", i);
    d.crash("corrupt");
    const bad = d.firstCorrupt("log");
    if (bad !== undefined) {
      found++;
      assert.is(bad, d.read("log").length - 1, "the corrupt record is the last one kept");
      d.truncate("log", bad);
      assert.is(d.firstCorrupt("log"), undefined);
    }
  }
  assert.ok(found > 0);
});

test("appendAll is append of each record: a torn crash can keep part of one batch", () => {
  const kept = new Set<number>();
  for (let seed = 1; seed <= 40; seed++) {
    const { d, drain } = disk(seed);
    d.appendAll("log", [1, 2]);
    d.sync(() => {});
    drain();
    d.appendAll("log", [3, 4, 5, 6]);
    assert.is(d.pendingWrites, 4);
    d.crash("torn");
    const log = d.read("log") as number[];
    assert.equal(log, [1, 2, 3, 4, 5, 6].slice(0, log.length), "a prefix, in order");
    assert.ok(log.length >= 2, "the synced batch survives");
    kept.add(log.length);
  }
  assert.ok(
    [...kept].some((n) => n > 2 && n < 6),
    `some crash kept part of the unsynced batch (kept ${[...kept]})`,
  );
});

test.run();
