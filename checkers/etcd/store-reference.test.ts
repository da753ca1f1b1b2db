import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet } from "../../core/bugs.ts";
import type { Change } from "../../core/mvcc/key-history.ts";
import type { EtcdRequest } from "../../core/mvcc/rpc.ts";
import { MvccStore } from "../../core/mvcc/store.ts";
import { StoreReference } from "./store-reference.ts";

/** A lone member: applies each entry to a real store and reports its commits and applies, as the run's observers do. */
function member(reference: StoreReference, bugs: BugSet = BugSet.none) {
  const store = new MvccStore({ bugs });
  store.setListener({
    onCommit: (revision, keys, changes) => reference.onCommit(revision, keys, changes),
    onRestore: () => {},
  });
  let index = 0;
  return {
    store,
    kv(request: EtcdRequest): void {
      let granted = 0;
      if (request.kind === "leaseGrant" && !request.leaseGrant.ID) {
        granted = store.lessor.chooseId();
        store.apply({ kind: "leaseGrant", leaseGrant: { ...request.leaseGrant, ID: granted } });
      } else store.apply(request);
      reference.onApply({
        index: ++index,
        payload: { op: "kv", request },
        revision: store.revision,
        grantedLease: granted,
        leases: store.lessor.size,
      });
    },
    expire(ids: number[]): void {
      for (const id of ids) store.leaseRevoke({ ID: id });
      reference.onApply({
        index: ++index,
        payload: { op: "leaseExpire", ids },
        revision: store.revision,
        grantedLease: 0,
        leases: store.lessor.size,
      });
    },
    /** An entry that changes no key (a Raft no-op, a configuration change, an auth change). */
    other(): void {
      reference.onApply({
        index: ++index,
        payload: null,
        revision: store.revision,
        grantedLease: 0,
        leases: store.lessor.size,
      });
    },
  };
}

const put = (key: string, value: string, lease = 0): EtcdRequest => ({ kind: "put", put: { key, value, lease } });

/** Leases 1 and 2, /a on lease 1 and moved to lease 2, /b on lease 1, /c without one. */
function leaseTraffic(m: ReturnType<typeof member>): void {
  m.other();
  m.kv({ kind: "leaseGrant", leaseGrant: { TTL: 5 } });
  m.kv({ kind: "leaseGrant", leaseGrant: { TTL: 5 } });
  m.kv(put("/a", "1", 1));
  m.kv(put("/b", "1", 1));
  m.kv(put("/c", "1"));
  m.kv(put("/a", "2", 2));
}

test("a store that applies puts, Txns, deletes, compactions and lease revokes as etcd does matches the reference", () => {
  const r = new StoreReference();
  const m = member(r);
  leaseTraffic(m);
  m.kv({
    kind: "txn",
    txn: {
      compare: [{ key: "/c", target: "VERSION", result: "EQUAL", version: 1 }],
      success: [{ requestPut: { key: "/d", value: "x" } }, { requestDeleteRange: { key: "/c" } }],
      failure: [],
    },
  });
  m.kv({ kind: "deleteRange", deleteRange: { key: "/zz" } });
  m.kv({ kind: "compact", compact: { revision: 3 } });
  m.kv({ kind: "leaseRevoke", leaseRevoke: { ID: 1 } });
  m.expire([2]);
  m.kv(put("/e", "1", 7));
  const res = r.result();
  assert.is(res.verdict, "pass", res.message);
  // The put on lease 7, never granted, is refused by both.
  assert.is(m.store.revision, 8);
  assert.match(res.message, /^13 entries replayed on the reference store: 7 revisions, 8 key changes/);
});

test("a put that leaves its key on the old lease fails when that lease is revoked (mvcc-put-keeps-old-lease)", () => {
  const r = new StoreReference();
  const m = member(r, new BugSet(["mvcc-put-keeps-old-lease"]));
  leaseTraffic(m);
  m.kv({ kind: "leaseRevoke", leaseRevoke: { ID: 1 } });
  const res = r.result();
  assert.is(res.verdict, "fail");
  assert.is(
    res.message,
    'index 8 (leaseRevoke {"ID":1}): revision 6: /a: store absent, reference "2" create 2 mod 5 version 2 lease 2',
  );
  // The same lease expiring is judged alike.
  const r2 = new StoreReference();
  const m2 = member(r2, new BugSet(["mvcc-put-keeps-old-lease"]));
  leaseTraffic(m2);
  m2.expire([1]);
  assert.match(r2.result().message, /^index 8 \(lease expiry of 1\): revision 6: \/a: store absent/);
});

test("a revoke or expiry that leaves its lease in the lessor fails on the lessors' lease counts (mvcc-revoke-skips-empty-lease)", () => {
  for (const bugs of [BugSet.none, new BugSet(["mvcc-revoke-skips-empty-lease"])]) {
    const r = new StoreReference();
    const m = member(r, bugs);
    leaseTraffic(m);
    m.kv({ kind: "leaseGrant", leaseGrant: { TTL: 5 } });
    m.kv({ kind: "leaseRevoke", leaseRevoke: { ID: 3 } });
    const res = r.result();
    if (bugs === BugSet.none) {
      assert.is(res.verdict, "pass", res.message);
      continue;
    }
    assert.is(
      res.message,
      `index 9 (leaseRevoke {"ID":3}): revision 5; the store's lessor holds 3 leases, the reference's 2 (1, 2)`,
    );
  }
  const r = new StoreReference();
  const m = member(r, new BugSet(["mvcc-revoke-skips-empty-lease"]));
  leaseTraffic(m);
  m.kv({ kind: "leaseGrant", leaseGrant: { TTL: 5 } });
  m.expire([3]);
  assert.match(r.result().message, /^index 9 \(lease expiry of 3\): revision 5; the store's lessor holds 3 leases/);
});

test("a revision the store made differently (create revision, version, a change too many) fails naming the key", () => {
  const change = (main: number, createRevision: number, version: number, value: string) =>
    ({ main, sub: 0, createRevision, version, value, lease: 0 }) as Change;
  const req = (key: string, value: string) => ({ op: "kv", request: put(key, value) });
  const r = new StoreReference();
  r.onCommit(2, ["/a"], [change(2, 2, 1, "1")]);
  r.onApply({ index: 1, payload: req("/a", "1"), revision: 2, grantedLease: 0 });
  r.onCommit(3, ["/a"], [change(3, 3, 2, "2")]);
  r.onApply({ index: 2, payload: req("/a", "2"), revision: 3, grantedLease: 0 });
  assert.is(
    r.result().message,
    'index 2 (put {"key":"/a","value":"2","lease":0}): revision 3: /a: store "2" create 3 mod 3 version 2, reference "2" create 2 mod 3 version 2',
  );
  const r2 = new StoreReference();
  r2.onCommit(2, ["/a", "/b"], [change(2, 2, 1, "1"), change(2, 2, 1, "1")]);
  r2.onApply({ index: 1, payload: req("/a", "1"), revision: 2, grantedLease: 0 });
  assert.match(r2.result().message, /revision 2: \/b: store "1" create 2 mod 2 version 1, reference absent$/);
  const r3 = new StoreReference();
  r3.onApply({ index: 1, payload: req("/a", "1"), revision: 1, grantedLease: 0 });
  assert.match(r3.result().message, /the store is at revision 1 after it, the reference at 2: \/a: store absent/);
});

test("a write the store left unchanged is a refusal only where refusals are possible; an index out of order fails", () => {
  const strict = new StoreReference();
  strict.onApply({ index: 1, payload: { op: "kv", request: put("/a", "1") }, revision: 1, grantedLease: 0 });
  assert.is(strict.result().verdict, "fail");
  const lenient = new StoreReference({ refusalsPossible: true });
  lenient.onApply({ index: 1, payload: { op: "kv", request: put("/a", "1") }, revision: 1, grantedLease: 0 });
  const res = lenient.result();
  assert.is(res.verdict, "pass", res.message);
  assert.match(res.message, /, 1 writes refused at apply$/);
  const gap = new StoreReference();
  gap.onApply({ index: 1, payload: null, revision: 1, grantedLease: 0 });
  gap.onApply({ index: 3, payload: null, revision: 1, grantedLease: 0 });
  assert.is(gap.result().message, "index 3 was applied before index 2 was applied anywhere");
});

test("later applies of an index (other members, replays after a restart) are not replayed again", () => {
  const r = new StoreReference();
  const m = member(r);
  leaseTraffic(m);
  r.onApply({ index: 4, payload: { op: "kv", request: put("/a", "1", 1) }, revision: 4, grantedLease: 0 });
  assert.is(r.result().verdict, "pass", r.result().message);
  assert.match(r.result().message, /^7 entries replayed/);
});

test.run();
