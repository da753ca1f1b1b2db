// Ground truth from applied changes (exact) and from client histories (best effort).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../history.ts";
import type { KeyValue } from "../../core/mvcc/rpc.ts";
import { changesFromApplied, changesFromClientHistory, compactionsFromClientHistory } from "./derive.ts";
import { WatchInputError } from "./change-index.ts";
import { checkWatches } from "./check.ts";
import { events, guarantees, progress, watch } from "./fixtures.ts";

const kv = (
  key: string,
  value: string,
  createRevision: number,
  modRevision: number,
  version: number,
  lease = 0,
): KeyValue => ({ key, value, createRevision, modRevision, version, lease });

test("replayed puts carry createRevision, version and prevKv; a delete carries a zeroed kv", () => {
  const changes = changesFromApplied([
    { revision: 2, type: "PUT", key: "a", value: "1" },
    { revision: 3, type: "PUT", key: "a", value: "2", lease: 7 },
    { revision: 3, type: "PUT", key: "b", value: "x" },
    { revision: 4, type: "DELETE", key: "a" },
    { revision: 5, type: "PUT", key: "a", value: "3" },
  ]);
  assert.equal(changes, [
    { revision: 2, events: [{ type: "PUT", kv: kv("a", "1", 2, 2, 1) }] },
    {
      revision: 3,
      events: [
        { type: "PUT", kv: kv("a", "2", 2, 3, 2, 7), prevKv: kv("a", "1", 2, 2, 1) },
        { type: "PUT", kv: kv("b", "x", 3, 3, 1) },
      ],
    },
    { revision: 4, events: [{ type: "DELETE", kv: kv("a", "", 0, 4, 0), prevKv: kv("a", "2", 2, 3, 2, 7) }] },
    { revision: 5, events: [{ type: "PUT", kv: kv("a", "3", 5, 5, 1) }] },
  ]);
});

test("a delete of an absent key is no change, and a revision left empty disappears", () => {
  const changes = changesFromApplied([
    { revision: 2, type: "DELETE", key: "ghost" },
    { revision: 3, type: "PUT", key: "a", value: "1" },
  ]);
  assert.equal(
    changes.map((c) => c.revision),
    [3],
  );
});

test("replay starts from the initial pairs given", () => {
  const changes = changesFromApplied([{ revision: 9, type: "PUT", key: "a", value: "2" }], [kv("a", "1", 4, 8, 3)]);
  assert.equal(changes[0]!.events[0], { type: "PUT", kv: kv("a", "2", 4, 9, 4), prevKv: kv("a", "1", 4, 8, 3) });
});

test("applied changes out of revision order are rejected as bad input", () => {
  assert.throws(
    () =>
      changesFromApplied([
        { revision: 3, type: "PUT", key: "a" },
        { revision: 2, type: "PUT", key: "b" },
      ]),
    (e: unknown) => e instanceof WatchInputError,
  );
  assert.throws(
    () =>
      changesFromApplied([
        { revision: 2, type: "PUT", key: "a" },
        { revision: 2, type: "PUT", key: "a" },
      ]),
    /twice/,
  );
});

let nextId = 0;
function op(
  request: EtcdOperation["request"],
  response: EtcdOperation["response"],
  extra: Partial<EtcdOperation> = {},
): EtcdOperation {
  return { id: nextId++, client: 1, call: 10 * nextId, return: 10 * nextId + 5, request, response, ...extra };
}
const hdr = (revision: number) => ({ revision, raftTerm: 1 });

const clientHistory: EtcdOperation[] = [
  op({ kind: "put", put: { key: "a", value: "1", prevKv: true } }, { kind: "put", put: { header: hdr(2) } }),
  op({ kind: "put", put: { key: "a", value: "2" } }, { kind: "put", put: { header: hdr(3) } }),
  op({ kind: "put", put: { key: "lost", value: "?" } }, null, { return: null, error: "timeout" }),
  op(
    {
      kind: "txn",
      txn: {
        compare: [],
        success: [{ requestPut: { key: "b", value: "1" } }, { requestDeleteRange: { key: "a", prevKv: true } }],
        failure: [],
      },
    },
    {
      kind: "txn",
      txn: {
        header: hdr(5),
        succeeded: true,
        responses: [
          { responsePut: { header: hdr(5) } },
          { responseDeleteRange: { header: hdr(5), deleted: 1, prevKvs: [kv("a", "2", 2, 3, 2)] } },
        ],
      },
    },
  ),
  op(
    { kind: "deleteRange", deleteRange: { key: "zzz" } },
    { kind: "deleteRange", deleteRange: { header: hdr(5), deleted: 0, prevKvs: [] } },
  ),
  op(
    { kind: "range", range: { key: "a" } },
    { kind: "range", range: { header: hdr(5), kvs: [], more: false, count: 0 } },
  ),
  op({ kind: "compact", compact: { revision: 3 } }, { kind: "compact", compact: { header: hdr(5) } }),
  op({ kind: "compact", compact: { revision: 9 } }, null, { error: "future-revision" }),
];

test("a client history yields the changes its successful writes reveal, unknown fields as 0", () => {
  const changes = changesFromClientHistory(clientHistory);
  assert.equal(changes, [
    { revision: 2, events: [{ type: "PUT", kv: kv("a", "1", 2, 2, 1) }] },
    { revision: 3, events: [{ type: "PUT", kv: kv("a", "2", 0, 3, 0) }] },
    {
      revision: 5,
      events: [
        { type: "PUT", kv: kv("b", "1", 0, 5, 0) },
        { type: "DELETE", kv: kv("a", "", 0, 5, 0), prevKv: kv("a", "2", 2, 3, 2) },
      ],
    },
  ]);
});

test("compactions from a client history keep succeeded and unknown ones at their call time", () => {
  const c = compactionsFromClientHistory([
    ...clientHistory,
    op({ kind: "compact", compact: { revision: 4 } }, null, { return: null, error: "timeout" }),
  ]);
  assert.equal(
    c.map((x) => x.revision),
    [3, 4],
  );
  assert.is(c[0]!.time, clientHistory[6]!.call);
});

test("with partial changes, an event the clients never learnt of is accepted but a missed one is not", () => {
  const changes = changesFromClientHistory(clientHistory);
  const lostPut = { type: "PUT" as const, kv: kv("lost", "?", 4, 4, 1) };
  const b = changes[2]!.events[0]!;
  const ok = watch(
    { key: "a", rangeEnd: "z", startRevision: 4 },
    events(lostPut),
    events(b, { type: "DELETE", kv: kv("a", "", 0, 5, 0) }),
  );
  assert.is(checkWatches({ watches: [ok], changes }, { partialChanges: true }).verdict, "pass");
  assert.equal(guarantees(checkWatches({ watches: [ok], changes })), ["committed"]);
  const missed = watch({ key: "b", startRevision: 4 }, progress(5));
  assert.equal(guarantees(checkWatches({ watches: [missed], changes }, { partialChanges: true })), ["reliable"]);
});

test("malformed changes are rejected as bad input", () => {
  const bad = [{ revision: 3, events: [{ type: "PUT" as const, kv: kv("a", "1", 2, 2, 1) }] }];
  assert.throws(
    () => checkWatches({ watches: [], changes: bad }),
    (e: unknown) => e instanceof WatchInputError && /modRevision/.test(e.message),
  );
  assert.throws(
    () =>
      checkWatches({
        watches: [],
        changes: [
          { revision: 3, events: [] },
          { revision: 3, events: [] },
        ],
      }),
    /does not follow/,
  );
});

test.run();
