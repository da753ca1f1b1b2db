// The latency log keeps etcd's requests in columns; `ops` gives them back as the objects they were.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LatencyLog } from "./latency.ts";

test("etcd requests come back whole and in order, before the other layers' (each layer in order)", () => {
  let now = 0;
  const log = new LatencyLog(() => now);
  log.etcdStart("n1", "c1", 1, "put");
  log.etcdStart("n2", "c2", 1, "range");
  now = 10;
  log.api("a1", "create", "pods", 3, true);
  log.etcdEnd("n2", "c2", 1, false, "timeout");
  now = 25;
  log.etcdEnd("n1", "c1", 1, true, undefined);
  log.etcdStart("n1", "c1", 2, "txn");
  log.etcdEnd("n1", "c1", 2, true, "not-leader"); // a refusal: counted, not timed
  log.etcdEnd("n1", "c9", 7, true, undefined); // never started: ignored
  const q = {};
  log.enqueued(q, "k");
  now = 30;
  log.dequeued(q, "k", "ctrl", "queue");
  assert.equal(log.ops, [
    { layer: "etcd", who: "n2", what: "range", start: 0, end: 10, ok: false, role: "follower" },
    { layer: "etcd", who: "n1", what: "put", start: 0, end: 25, ok: true, role: "leader" },
    { layer: "apiserver", who: "a1", what: "create pods", start: 3, end: 10, ok: true },
    { layer: "workqueue", who: "ctrl", what: "queue", start: 25, end: 30, ok: true },
  ]);
  assert.is(log.refused, 1);
  const first = log.ops;
  first[0]!.end = -1;
  assert.is(log.ops[0]!.end, 10, "a fresh array of fresh objects each time");
});

test("open requests are told apart by member, client and request id; a repeated start keeps the first time", () => {
  let now = 0;
  const log = new LatencyLog(() => now);
  log.etcdStart("n1", "c1", 5, "put");
  log.etcdStart("n2", "c1", 5, "range");
  log.etcdStart("n1", "c2", 5, "txn");
  now = 4;
  log.etcdStart("n1", "c1", 5, "range"); // a second start of the same request: ignored
  now = 7;
  log.etcdEnd("n1", "c2", 5, false, undefined);
  now = 9;
  log.etcdEnd("n1", "c1", 5, true, undefined);
  log.etcdEnd("n1", "c1", 5, true, undefined); // already answered: ignored
  log.etcdEnd("n2", "c1", 6, true, undefined); // another id: never started
  const seen: unknown[] = [];
  log.forEachEtcd((who, what, start, end, ok, leader) => seen.push([who, what, start, end, ok, leader]));
  assert.equal(seen, [
    ["n1", "txn", 0, 7, true, false],
    ["n1", "put", 0, 9, true, true],
  ]);
  assert.equal(
    log.ops.filter((o) => o.layer === "etcd").map((o) => [o.who, o.what, o.start, o.end, o.ok, o.role === "leader"]),
    seen,
    "ops lists the same requests",
  );
});

test.run();
