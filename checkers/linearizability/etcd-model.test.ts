// The etcd KV model against SEMANTICS.md, on hand-written histories: every response below is
// written out by hand, so these tests do not lean on the model's own code.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../../core/history.ts";
import type {
  Compare,
  EtcdErrorCode,
  EtcdRequest,
  EtcdResponse,
  KeyValue,
  RangeRequest,
  RequestOp,
  TxnRequest,
} from "../../core/mvcc/rpc.ts";
import { checkEtcdHistory } from "./check-etcd.ts";

const kv = (
  key: string,
  value: string,
  createRevision: number,
  modRevision: number,
  version: number,
  lease = 0,
): KeyValue => ({
  key,
  value,
  createRevision,
  modRevision,
  version,
  lease,
});
const hdr = (revision: number) => ({ revision, raftTerm: 1 });

/** Builds a history; each call gets the next id. Times: [call, ret]; ret null = unknown outcome. */
class H {
  ops: EtcdOperation[] = [];
  private add(
    client: number,
    call: number,
    ret: number | null,
    request: EtcdRequest,
    response: EtcdResponse | null,
    error?: EtcdErrorCode,
  ): this {
    this.ops.push({ id: this.ops.length, client, call, return: ret, request, response, ...(error ? { error } : {}) });
    return this;
  }
  put(
    c: number,
    t: [number, number | null],
    key: string,
    value: string,
    rev: number | null,
    extra: { lease?: number; prevKv?: KeyValue | null } = {},
  ): this {
    const req: EtcdRequest = {
      kind: "put",
      put: {
        key,
        value,
        ...(extra.lease ? { lease: extra.lease } : {}),
        ...(extra.prevKv !== undefined ? { prevKv: true } : {}),
      },
    };
    if (rev === null) return this.add(c, t[0], null, req, null, "timeout");
    return this.add(c, t[0], t[1], req, {
      kind: "put",
      put: { header: hdr(rev), ...(extra.prevKv ? { prevKv: extra.prevKv } : {}) },
    });
  }
  get(
    c: number,
    t: [number, number],
    range: RangeRequest | string,
    rev: number,
    kvs: KeyValue[],
    extra: { count?: number; more?: boolean } = {},
  ): this {
    const r = typeof range === "string" ? { key: range } : range;
    return this.add(
      c,
      t[0],
      t[1],
      { kind: "range", range: r },
      { kind: "range", range: { header: hdr(rev), kvs, more: extra.more ?? false, count: extra.count ?? kvs.length } },
    );
  }
  getError(c: number, t: [number, number], range: RangeRequest, error: EtcdErrorCode): this {
    return this.add(c, t[0], t[1], { kind: "range", range }, null, error);
  }
  del(c: number, t: [number, number], key: string, rev: number, deleted: number): this {
    return this.add(
      c,
      t[0],
      t[1],
      { kind: "deleteRange", deleteRange: { key } },
      { kind: "deleteRange", deleteRange: { header: hdr(rev), deleted, prevKvs: [] } },
    );
  }
  txn(
    c: number,
    t: [number, number | null],
    txn: TxnRequest,
    rev: number,
    succeeded: boolean,
    responses: NonNullable<EtcdResponse & { kind: "txn" }>["txn"]["responses"] = [],
  ): this {
    const req: EtcdRequest = { kind: "txn", txn };
    if (t[1] === null) return this.add(c, t[0], null, req, null, "timeout");
    return this.add(c, t[0], t[1], req, { kind: "txn", txn: { header: hdr(rev), succeeded, responses } });
  }
  txnError(c: number, t: [number, number], txn: TxnRequest, error: EtcdErrorCode): this {
    return this.add(c, t[0], t[1], { kind: "txn", txn }, null, error);
  }
  compact(c: number, t: [number, number], revision: number, rev: number | EtcdErrorCode): this {
    const req: EtcdRequest = { kind: "compact", compact: { revision } };
    if (typeof rev !== "number") return this.add(c, t[0], t[1], req, null, rev);
    return this.add(c, t[0], t[1], req, { kind: "compact", compact: { header: hdr(rev) } });
  }
  grant(c: number, t: [number, number], id: number, rev: number): this {
    return this.add(
      c,
      t[0],
      t[1],
      { kind: "leaseGrant", leaseGrant: { TTL: 10, ID: id } },
      { kind: "leaseGrant", leaseGrant: { header: hdr(rev), ID: id, TTL: 10 } },
    );
  }
  revoke(c: number, t: [number, number], id: number, rev: number | EtcdErrorCode): this {
    const req: EtcdRequest = { kind: "leaseRevoke", leaseRevoke: { ID: id } };
    if (typeof rev !== "number") return this.add(c, t[0], t[1], req, null, rev);
    return this.add(c, t[0], t[1], req, { kind: "leaseRevoke", leaseRevoke: { header: hdr(rev) } });
  }
  putError(c: number, t: [number, number], key: string, value: string, lease: number, error: EtcdErrorCode): this {
    return this.add(c, t[0], t[1], { kind: "put", put: { key, value, lease } }, null, error);
  }
  /** A put with ignore_value (no value) that failed, as a plain Put or inside a Txn. */
  ignoreValueError(
    c: number,
    t: [number, number],
    key: string,
    lease: number,
    error: EtcdErrorCode,
    inTxn = false,
  ): this {
    const put = { key, value: "", lease, ignoreValue: true };
    return inTxn
      ? this.add(
          c,
          t[0],
          t[1],
          { kind: "txn", txn: { compare: [], success: [{ requestPut: put }], failure: [] } },
          null,
          error,
        )
      : this.add(c, t[0], t[1], { kind: "put", put }, null, error);
  }
  verdict(maxTxnOps?: number): string {
    return checkEtcdHistory(this.ops, { limits: { maxTxnOps } }).verdict;
  }
}

test("a successful write pins its revision: two writes cannot both claim revision 2", () => {
  assert.is(new H().put(0, [0, 10], "a", "1", 2).put(1, [0, 10], "b", "1", 3).verdict(), "pass");
  assert.is(new H().put(0, [0, 10], "a", "1", 2).put(1, [0, 10], "b", "1", 2).verdict(), "fail");
});

test("a linearizable read reports the current revision in its header", () => {
  const h = () => new H().put(0, [0, 10], "a", "1", 2);
  assert.is(
    h()
      .get(1, [20, 30], "a", 2, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [20, 30], "a", 1, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "fail",
  );
});

test("a stale read of an overwritten value is caught", () => {
  const h = () => new H().put(0, [0, 10], "a", "1", 2).put(0, [11, 20], "a", "2", 3);
  assert.is(
    h()
      .get(1, [21, 30], "a", 3, [kv("a", "2", 2, 3, 2)])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [21, 30], "a", 3, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "fail",
  );
  assert.is(
    h()
      .get(1, [21, 30], "a", 2, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "fail",
  );
});

test("create revision, mod revision and version follow the key's generations (a delete ends one)", () => {
  const h = () =>
    new H()
      .put(0, [0, 1], "a", "1", 2)
      .put(0, [2, 3], "a", "2", 3)
      .del(0, [4, 5], "a", 4, 1)
      .put(0, [6, 7], "a", "3", 5);
  assert.is(
    h()
      .get(1, [8, 9], "a", 5, [kv("a", "3", 5, 5, 1)])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [8, 9], "a", 5, [kv("a", "3", 2, 5, 3)])
      .verdict(),
    "fail",
  );
  assert.is(h().get(1, [4, 5], "a", 4, []).verdict(), "pass", "deleted keys are absent");
});

test("a delete that deletes nothing takes no revision", () => {
  assert.is(new H().del(0, [0, 1], "a", 1, 0).put(0, [2, 3], "a", "1", 2).verdict(), "pass");
  assert.is(new H().del(0, [0, 1], "a", 2, 1).verdict(), "fail");
});

test("a put with prev_kv returns the pair it replaced", () => {
  const h = () => new H().put(0, [0, 1], "a", "1", 2);
  assert.is(
    h()
      .put(0, [2, 3], "a", "2", 3, { prevKv: kv("a", "1", 2, 2, 1) })
      .verdict(),
    "pass",
  );
  assert.is(h().put(0, [2, 3], "a", "2", 3, { prevKv: null }).verdict(), "fail");
});

const casTxn = (key: string, mod: number, value: string): TxnRequest => ({
  compare: [{ key, target: "MOD", result: "EQUAL", modRevision: mod }],
  success: [{ requestPut: { key, value } }],
  failure: [{ requestRange: { key } }],
});

test("compare-and-swap on mod revision: two concurrent swaps from the same revision cannot both win", () => {
  const h = () => new H().put(0, [0, 1], "a", "1", 2);
  const won = [{ responsePut: { header: hdr(3) } }];
  assert.is(
    h()
      .txn(1, [2, 10], casTxn("a", 2, "x"), 3, true, won)
      .txn(2, [2, 10], casTxn("a", 2, "y"), 3, false, [
        { responseRange: { header: hdr(3), kvs: [kv("a", "x", 2, 3, 2)], more: false, count: 1 } },
      ])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .txn(1, [2, 10], casTxn("a", 2, "x"), 3, true, won)
      .txn(2, [2, 10], casTxn("a", 2, "y"), 4, true, [{ responsePut: { header: hdr(4) } }])
      .verdict(),
    "fail",
  );
});

test("a VALUE compare on a missing key is false; a MOD compare treats it as 0", () => {
  const valueTxn: TxnRequest = {
    compare: [{ key: "a", target: "VALUE", result: "NOT_EQUAL", value: "x" }],
    success: [],
    failure: [],
  };
  assert.is(new H().txn(0, [0, 1], valueTxn, 1, false).verdict(), "pass");
  assert.is(new H().txn(0, [0, 1], valueTxn, 1, true).verdict(), "fail");
  const modTxn: TxnRequest = {
    compare: [{ key: "a", target: "MOD", result: "EQUAL", modRevision: 0 }],
    success: [],
    failure: [],
  };
  assert.is(new H().txn(0, [0, 1], modTxn, 1, true).verdict(), "pass");
});

test("all writes of a txn share one revision", () => {
  const both: TxnRequest = {
    compare: [],
    success: [{ requestPut: { key: "a", value: "1" } }, { requestPut: { key: "b", value: "2" } }],
    failure: [],
  };
  const h = () =>
    new H().txn(0, [0, 1], both, 2, true, [{ responsePut: { header: hdr(2) } }, { responsePut: { header: hdr(2) } }]);
  assert.is(
    h()
      .get(1, [2, 3], { key: "a", rangeEnd: "c" }, 2, [kv("a", "1", 2, 2, 1), kv("b", "2", 2, 2, 1)])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [2, 3], { key: "a", rangeEnd: "c" }, 3, [kv("a", "1", 2, 2, 1), kv("b", "2", 3, 3, 1)])
      .verdict(),
    "fail",
  );
});

test("a txn that puts one key twice in a branch can only be refused (duplicate key given in txn request)", () => {
  const twice: TxnRequest = {
    compare: [],
    success: [{ requestPut: { key: "a", value: "1" } }, { requestPut: { key: "a", value: "2" } }],
    failure: [],
  };
  const accepted = new H()
    .txn(0, [0, 1], twice, 2, true, [{ responsePut: { header: hdr(2) } }, { responsePut: { header: hdr(2) } }])
    .get(1, [2, 3], { key: "a" }, 2, [kv("a", "2", 2, 2, 2)]);
  assert.is(accepted.verdict(), "fail", "a store that took it is caught");
  const refused = new H().txnError(0, [0, 1], twice, "duplicate-key").get(1, [2, 3], { key: "a" }, 1, []);
  assert.is(refused.verdict(), "pass");
  // The same key in both branches is no duplicate: only one branch runs.
  const apart: TxnRequest = {
    compare: [{ key: "a", target: "VERSION", result: "EQUAL", version: 0 }],
    success: [{ requestPut: { key: "a", value: "1" } }],
    failure: [{ requestPut: { key: "a", value: "2" } }],
  };
  assert.is(new H().txn(0, [0, 1], apart, 2, true, [{ responsePut: { header: hdr(2) } }]).verdict(), "pass");
});

test("etcd's duplicate-key rules reach nested Txns and deletes, and a member refusing a valid Txn as duplicate is caught", () => {
  const put = (key: string): RequestOp => ({ requestPut: { key, value: "1" } });
  const del = (key: string, rangeEnd?: string): RequestOp => ({
    requestDeleteRange: { key, ...(rangeEnd !== undefined ? { rangeEnd } : {}) },
  });
  const nested = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({
    requestTxn: { compare: [{ key: "z", target: "VERSION", result: "EQUAL", version: 0 }], success, failure },
  });
  const txn = (success: RequestOp[]): TxnRequest => ({ compare: [], success, failure: [] });
  const refusedOnly = (t: TxnRequest, why: string) =>
    assert.is(new H().txnError(0, [0, 1], t, "duplicate-key").verdict(), "pass", `${why}: a refusal is right`);
  const duplicates: [string, TxnRequest][] = [
    ["a put under a delete of the same branch", txn([del("a"), put("a")])],
    ["a put inside a deleted range", txn([del("a", "c"), put("b")])],
    ["an outer put and a nested one", txn([put("a"), nested([put("a")])])],
    ["a nested put under an outer delete", txn([del("a", "c"), nested([], [put("b")])])],
    ["two nested Txns putting one key", txn([nested([put("a")]), nested([], [put("a")])])],
  ];
  for (const [why, t] of duplicates) refusedOnly(t, why);
  const fine: [string, TxnRequest][] = [
    ["one key in both branches of a nested Txn", txn([nested([put("a")], [put("a")])])],
    ["overlapping deletes", txn([del("a", "c"), del("b")])],
    ["a put beside a delete of another key", txn([del("b"), put("a")])],
    ["a put under a delete to \\0 (an empty interval to etcd's check)", txn([del("a", "\0"), put("b")])],
  ];
  for (const [why, t] of fine) {
    const wrongly = new H().txnError(0, [0, 1], t, "duplicate-key");
    assert.is(wrongly.verdict(), "fail", `${why}: refusing it is caught`);
  }
});

test("a request etcd refuses before proposing (empty key, value with ignore_value, lease with ignore_lease) can only be refused", () => {
  const valueWithIgnore: EtcdRequest = { kind: "put", put: { key: "a", value: "x", ignoreValue: true } };
  const leaseWithIgnore: TxnRequest = {
    compare: [],
    success: [
      { requestPut: { key: "b", value: "1" } },
      { requestPut: { key: "a", value: "", ignoreLease: true, lease: 7 } },
    ],
    failure: [],
  };
  const base = () => new H().put(0, [0, 1], "a", "v", 2);
  // Refused: no effect, the store unchanged.
  const refused = base().txnError(1, [2, 3], leaseWithIgnore, "lease-provided").get(2, [4, 5], { key: "b" }, 2, []);
  assert.is(refused.verdict(), "pass");
  // Accepted by a store that skipped the check: caught, although the answers agree with each other.
  const accepted = base();
  accepted.ops.push({
    id: accepted.ops.length,
    client: 1,
    call: 2,
    return: 3,
    request: valueWithIgnore,
    response: { kind: "put", put: { header: hdr(3) } },
  });
  assert.is(accepted.get(2, [4, 5], { key: "a" }, 3, [kv("a", "v", 2, 3, 2)]).verdict(), "fail");
  const emptyKey = base().get(1, [2, 3], { key: "" }, 2, []);
  assert.is(emptyKey.verdict(), "fail", "a read of the empty key answered");
});

test("--max-txn-ops counts the longest of compares, success and failure (a nested Txn gets what is left); a refusal is judged only when the limit is known", () => {
  const put = (k: string): RequestOp => ({ requestPut: { key: k, value: "1" } });
  const cmp = (k: string): Compare => ({ key: k, target: "VERSION", result: "EQUAL", version: 0 });
  // Longest list 2: fits a limit of 2 though it has 5 operations in all.
  const fits: TxnRequest = { compare: [cmp("a"), cmp("b")], success: [put("a"), put("b")], failure: [put("c")] };
  // Longest list 3.
  const long: TxnRequest = { compare: [], success: [put("a"), put("b"), put("c")], failure: [] };
  // 2 at the top leaves 0 for the nested Txn's single put.
  const nested: TxnRequest = {
    compare: [cmp("a")],
    success: [put("a"), { requestTxn: { compare: [], success: [put("b")], failure: [] } }],
    failure: [],
  };
  const refused = (t: TxnRequest) => new H().txnError(0, [0, 1], t, "too-many-ops").get(1, [2, 3], { key: "a" }, 1, []);
  assert.is(refused(fits).verdict(2), "fail", "a valid Txn refused: caught");
  assert.is(refused(long).verdict(2), "pass");
  assert.is(refused(nested).verdict(2), "pass", "a nested Txn counts against what its parent leaves");
  assert.is(refused(fits).verdict(), "pass", "limit unknown: the refusal is trusted");
  assert.is(refused(fits).verdict(5), "fail");
  // Accepted past the limit: the model refuses to apply it.
  const accepted = new H().txn(0, [0, 1], long, 2, true, [
    { responsePut: { header: hdr(2) } },
    { responsePut: { header: hdr(2) } },
    { responsePut: { header: hdr(2) } },
  ]);
  assert.is(accepted.verdict(), "pass");
  assert.is(accepted.verdict(2), "fail", "a Txn over the limit applied: caught");
});

test("a refusal as too large is judged by bounds that hold in any encoding: keys and values past the limit, or the whole request within it", () => {
  const limits = { maxRequestBytes: 200 };
  const check = (ops: EtcdOperation[]) => checkEtcdHistory(ops, { limits }).verdict;
  const tooLarge = (request: EtcdRequest): EtcdOperation[] => [
    { id: 0, client: 0, call: 0, return: 1, request, response: null, error: "request-too-large" },
  ];
  const put = (n: number): EtcdRequest => ({ kind: "put", put: { key: "k", value: "x".repeat(n) } });
  assert.is(check(tooLarge(put(10))), "fail", "a small put refused: caught");
  assert.is(check(tooLarge(put(250))), "pass", "its value alone is past the limit");
  assert.is(check(tooLarge(put(150))), "pass", "in between: etcd's own encoding decides, taken on trust");
  assert.is(check(tooLarge({ kind: "range", range: { key: "k" } })), "fail", "a Range is never measured");
  assert.is(checkEtcdHistory(tooLarge(put(10))).verdict, "pass", "limit unknown: trusted");
  // Accepted past the limit: the model refuses to apply it.
  const accepted = new H().put(0, [0, 1], "a", "y".repeat(250), 2);
  assert.is(accepted.verdict(), "pass");
  assert.is(checkEtcdHistory(accepted.ops, { limits }).verdict, "fail", "a write past the limit applied: caught");
});

test("a Txn with an empty compare key is refused (empty-key), and a lease TTL past etcd's maximum (lease-ttl-too-large)", () => {
  const t: TxnRequest = {
    compare: [{ key: "", target: "VERSION", result: "EQUAL", version: 0 }],
    success: [],
    failure: [],
  };
  assert.is(new H().txnError(0, [0, 1], t, "empty-key").verdict(), "pass");
  const grant = (TTL: number): EtcdOperation[] => [
    {
      id: 0,
      client: 0,
      call: 0,
      return: 1,
      request: { kind: "leaseGrant", leaseGrant: { TTL } },
      response: null,
      error: "lease-ttl-too-large",
    },
  ];
  assert.is(checkEtcdHistory(grant(9_000_000_001)).verdict, "pass");
  assert.is(checkEtcdHistory(grant(60)).verdict, "fail", "a grant within the bound refused as too large: caught");
});

test("a read at an old revision sees the store as it was, with the current revision in its header", () => {
  const h = () => new H().put(0, [0, 1], "a", "1", 2).put(0, [2, 3], "a", "2", 3);
  assert.is(
    h()
      .get(1, [4, 5], { key: "a", revision: 2 }, 3, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [4, 5], { key: "a", revision: 2 }, 3, [kv("a", "2", 2, 3, 2)])
      .verdict(),
    "fail",
  );
  assert.is(h().getError(1, [4, 5], { key: "a", revision: 4 }, "future-revision").verdict(), "pass");
  assert.is(h().getError(1, [4, 5], { key: "a", revision: 3 }, "future-revision").verdict(), "fail");
});

test("after Compact(r), reads below r fail with compacted and a read at exactly r succeeds", () => {
  const h = () => new H().put(0, [0, 1], "a", "1", 2).put(0, [2, 3], "a", "2", 3).compact(0, [4, 5], 3, 3);
  assert.is(h().getError(1, [6, 7], { key: "a", revision: 2 }, "compacted").verdict(), "pass");
  assert.is(
    h()
      .get(1, [6, 7], { key: "a", revision: 2 }, 3, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "fail",
  );
  assert.is(
    h()
      .get(1, [6, 7], { key: "a", revision: 3 }, 3, [kv("a", "2", 2, 3, 2)])
      .verdict(),
    "pass",
  );
  assert.is(
    new H().put(0, [0, 1], "a", "1", 2).getError(1, [2, 3], { key: "a", revision: 1 }, "compacted").verdict(),
    "fail",
    "nothing compacted yet",
  );
});

test("Compact fails at or below the compact revision and above the current revision", () => {
  const h = () => new H().put(0, [0, 1], "a", "1", 2).put(0, [2, 3], "a", "2", 3).compact(0, [4, 5], 2, 3);
  assert.is(h().compact(0, [6, 7], 2, "compacted").verdict(), "pass");
  assert.is(h().compact(0, [6, 7], 4, "future-revision").verdict(), "pass");
  assert.is(h().compact(0, [6, 7], 3, 3).verdict(), "pass");
  assert.is(h().compact(0, [6, 7], 3, "compacted").verdict(), "fail");
});

test("a serializable read may be stale, but never ahead of the store", () => {
  const h = () => new H().put(0, [0, 1], "a", "1", 2).put(0, [2, 3], "a", "2", 3);
  const stale = { key: "a", serializable: true };
  assert.is(
    h()
      .get(1, [4, 5], stale, 2, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [4, 5], stale, 2, [kv("a", "2", 2, 3, 2)])
      .verdict(),
    "fail",
    "what it saw must be the store at its revision",
  );
  assert.is(
    h()
      .get(1, [4, 5], stale, 4, [kv("a", "2", 2, 3, 2)])
      .verdict(),
    "fail",
    "revision from the future",
  );
});

test("an unknown put may take effect, seen by a later read, or never", () => {
  const h = () => new H().put(0, [0, null], "a", "1", null);
  assert.is(
    h()
      .get(1, [10, 11], "a", 2, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "pass",
  );
  assert.is(h().get(1, [10, 11], "a", 1, []).verdict(), "pass");
  assert.is(
    h()
      .get(1, [10, 11], "a", 1, [])
      .get(1, [12, 13], "a", 2, [kv("a", "1", 2, 2, 1)])
      .verdict(),
    "pass",
    "it may land late",
  );
  assert.is(
    h()
      .get(1, [10, 11], "a", 2, [kv("a", "1", 2, 2, 1)])
      .get(1, [12, 13], "a", 2, [])
      .verdict(),
    "fail",
    "it cannot be undone",
  );
});

test("a keys_only read's empty values are no sighting of an unknown Txn's ignore_value put (option fuzz 633)", () => {
  // b holds "1"; a Txn of unknown outcome puts a and, with ignore_value, b. keys_only reads show every
  // value empty: the one below saw b at its old mod revision, not the Txn's write.
  const txn: TxnRequest = {
    compare: [],
    success: [{ requestPut: { key: "a", value: "x" } }, { requestPut: { key: "b", value: "", ignoreValue: true } }],
    failure: [],
  };
  const h = () => new H().put(0, [0, 1], "b", "1", 2).txn(1, [5, null], txn, 0, true);
  // A put after the read takes revision 3: had the read seen the Txn, the Txn would have landed before the
  // read returned, at revision 3.
  assert.is(
    h()
      .get(2, [10, 11], { key: "b", keysOnly: true }, 2, [kv("b", "", 2, 2, 1)])
      .put(0, [20, 21], "c", "1", 3)
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(2, [10, 11], { key: "b", keysOnly: true }, 2, [kv("b", "", 2, 2, 1)])
      .put(0, [20, 21], "c", "1", 3)
      .get(2, [22, 23], "b", 4, [kv("b", "1", 2, 4, 2)])
      .verdict(),
    "pass",
    "it may land after the put",
  );
  assert.is(
    h()
      .get(2, [10, 11], "a", 3, [kv("a", "x", 3, 3, 1)])
      .get(2, [12, 13], { key: "b", keysOnly: true }, 3, [kv("b", "", 2, 2, 1)])
      .verdict(),
    "fail",
    "once a shows the Txn landed, b's mod revision is the Txn's",
  );
});

test("an unknown put cannot be seen before it was called", () => {
  assert.is(
    new H()
      .get(1, [0, 1], "a", 2, [kv("a", "1", 2, 2, 1)])
      .put(0, [5, null], "a", "1", null)
      .verdict(),
    "fail",
  );
});

test("a revision gap is filled by an unknown write, which then must be visible", () => {
  const h = () => new H().put(0, [0, null], "x", "1", null).put(1, [10, 11], "y", "1", 3);
  assert.is(
    h()
      .get(1, [12, 13], "x", 3, [kv("x", "1", 2, 2, 1)])
      .verdict(),
    "pass",
  );
  assert.is(h().get(1, [12, 13], "x", 3, []).verdict(), "fail");
});

test("revoking a lease deletes its keys in one revision", () => {
  const h = () =>
    new H().grant(0, [0, 1], 7, 1).put(0, [2, 3], "a", "1", 2, { lease: 7 }).put(0, [4, 5], "b", "1", 3, { lease: 7 });
  assert.is(h().revoke(0, [6, 7], 7, 4).get(1, [8, 9], { key: "a", rangeEnd: "c" }, 4, []).verdict(), "pass");
  assert.is(h().revoke(0, [6, 7], 7, 5).verdict(), "fail");
  assert.is(h().revoke(0, [6, 7], 7, 4).putError(0, [8, 9], "c", "1", 7, "lease-not-found").verdict(), "pass");
  assert.is(h().putError(0, [6, 7], "c", "1", 7, "lease-not-found").verdict(), "pass", "the lease may have expired");
});

test("a lease may expire at any time, taking its keys with it in one revision", () => {
  const h = () => new H().grant(0, [0, 1], 7, 1).put(0, [2, 3], "a", "1", 2, { lease: 7 });
  assert.is(h().get(1, [10, 11], "a", 3, []).verdict(), "pass");
  assert.is(h().get(1, [10, 11], "a", 2, []).verdict(), "fail", "an expiry deleting a key takes a revision");
  assert.is(h().get(1, [10, 11], "a", 3, []).revoke(0, [12, 13], 7, "lease-not-found").verdict(), "pass");
});

test("a Txn refused lease-not-found may have found a lease of its puts expired unnoticed (kv-chaos seed 461)", () => {
  // Lease 7 holds no keys, so its expiry is noticed only by the first request that finds it gone.
  const txn = (lease: number): TxnRequest => ({
    compare: [],
    success: [{ requestPut: { key: "a", value: "1" } }, { requestPut: { key: "b", value: "2", lease } }],
    failure: [],
  });
  const h = () => new H().grant(0, [0, 1], 7, 1).grant(0, [2, 3], 8, 1).put(0, [4, 5], "c", "1", 2, { lease: 8 });
  assert.is(h().txnError(0, [6, 7], txn(7), "lease-not-found").verdict(), "pass");
  // ... and is gone from then on.
  assert.is(
    h().txnError(0, [6, 7], txn(7), "lease-not-found").put(0, [8, 9], "d", "1", 3, { lease: 7 }).verdict(),
    "fail",
  );
  // Lease 8 holds "c": had it expired, "c" would be gone at a revision of its own, which no read shows.
  assert.is(
    h()
      .txnError(0, [6, 7], txn(8), "lease-not-found")
      .get(1, [8, 9], "c", 2, [kv("c", "1", 2, 2, 1, 8)])
      .verdict(),
    "fail",
  );
});

test("a lease ID granted again after its lease expired may expire again (option fuzz: clock-skew over 88 s)", () => {
  // Lease 7 expires, taking a with it; granted again under the same ID, it holds b and expires again.
  const h = () => new H().grant(0, [0, 1], 7, 1).put(0, [2, 3], "a", "1", 2, { lease: 7 }).get(1, [4, 5], "a", 3, []);
  assert.is(
    h().grant(0, [6, 7], 7, 3).put(0, [8, 9], "b", "1", 4, { lease: 7 }).get(1, [10, 11], "b", 5, []).verdict(),
    "pass",
  );
  // Without the second grant, the expired lease cannot take b.
  assert.is(h().put(0, [8, 9], "b", "1", 4, { lease: 7 }).verdict(), "fail");
});

test("a lease cannot be used before it is granted", () => {
  assert.is(new H().putError(0, [0, 1], "a", "1", 7, "lease-not-found").grant(0, [2, 3], 7, 1).verdict(), "pass");
  assert.is(new H().put(0, [0, 1], "a", "1", 2, { lease: 7 }).grant(0, [2, 3], 7, 2).verdict(), "fail");
});

test("a plain put checks its lease before the key ignore_value needs; a Txn's put the other way round", () => {
  // Lease 7 is gone and key "a" never existed: both checks fail, and which error comes first is etcd's order.
  const h = () => new H().grant(0, [0, 1], 7, 1).revoke(0, [2, 3], 7, 1);
  assert.is(h().ignoreValueError(0, [4, 5], "a", 7, "lease-not-found").verdict(), "pass");
  assert.is(h().ignoreValueError(0, [4, 5], "a", 7, "key-not-found").verdict(), "fail");
  assert.is(h().ignoreValueError(0, [4, 5], "a", 7, "key-not-found", true).verdict(), "pass");
  assert.is(h().ignoreValueError(0, [4, 5], "a", 7, "lease-not-found", true).verdict(), "fail");
});

test("ranges: count is the full count, limit cuts and sets more, count_only returns no pairs", () => {
  const h = () => new H().put(0, [0, 1], "a", "1", 2).put(0, [2, 3], "b", "2", 3).put(0, [4, 5], "c", "3", 4);
  const all = { key: "a", rangeEnd: "\0" };
  assert.is(
    h()
      .get(1, [6, 7], { ...all, limit: 2 }, 4, [kv("a", "1", 2, 2, 1), kv("b", "2", 3, 3, 1)], { count: 3, more: true })
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [6, 7], { ...all, limit: 2 }, 4, [kv("a", "1", 2, 2, 1), kv("b", "2", 3, 3, 1)], { count: 2, more: true })
      .verdict(),
    "fail",
  );
  assert.is(
    h()
      .get(1, [6, 7], { ...all, countOnly: true }, 4, [], { count: 3 })
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [6, 7], { ...all, keysOnly: true }, 4, [kv("a", "", 2, 2, 1), kv("b", "", 3, 3, 1), kv("c", "", 4, 4, 1)])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [6, 7], { key: "a", rangeEnd: "c" }, 4, [kv("a", "1", 2, 2, 1), kv("b", "2", 3, 3, 1)])
      .verdict(),
    "pass",
    "range_end is exclusive",
  );
});

test("ranges: sorting by a target, filters, and any order among ties", () => {
  const h = () => new H().put(0, [0, 1], "a", "1", 2).put(0, [2, 3], "b", "2", 3).put(0, [4, 5], "c", "1", 4);
  const all = { key: "a", rangeEnd: "\0" };
  const desc = { ...all, sortTarget: "MOD" as const, sortOrder: "DESCEND" as const };
  assert.is(
    h()
      .get(1, [6, 7], desc, 4, [kv("c", "1", 4, 4, 1), kv("b", "2", 3, 3, 1), kv("a", "1", 2, 2, 1)])
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [6, 7], desc, 4, [kv("a", "1", 2, 2, 1), kv("b", "2", 3, 3, 1), kv("c", "1", 4, 4, 1)])
      .verdict(),
    "fail",
  );
  const byValue = { ...all, sortTarget: "VALUE" as const, sortOrder: "ASCEND" as const, limit: 1 };
  assert.is(
    h()
      .get(1, [6, 7], byValue, 4, [kv("a", "1", 2, 2, 1)], { count: 3, more: true })
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [6, 7], byValue, 4, [kv("c", "1", 4, 4, 1)], { count: 3, more: true })
      .verdict(),
    "pass",
    "a and c tie on value",
  );
  assert.is(
    h()
      .get(1, [6, 7], byValue, 4, [kv("b", "2", 3, 3, 1)], { count: 3, more: true })
      .verdict(),
    "fail",
  );
  // etcd's quirk: with order NONE (a non-KEY target still sorts, ascending) and a limit, it reads only
  // limit + 1 pairs from the index in key order (a, b) and sorts those: c is not among them.
  const byValueNone = { ...all, sortTarget: "VALUE" as const, limit: 1 };
  assert.is(
    h()
      .get(1, [6, 7], byValueNone, 4, [kv("a", "1", 2, 2, 1)], { count: 3, more: true })
      .verdict(),
    "pass",
  );
  assert.is(
    h()
      .get(1, [6, 7], byValueNone, 4, [kv("c", "1", 4, 4, 1)], { count: 3, more: true })
      .verdict(),
    "fail",
    "c lies beyond the limit + 1 pairs etcd read",
  );
  assert.is(
    h()
      .get(1, [6, 7], { ...all, minModRevision: 3 }, 4, [kv("b", "2", 3, 3, 1), kv("c", "1", 4, 4, 1)], { count: 3 })
      .verdict(),
    "pass",
    "count ignores filters",
  );
});

test("a txn whose branch reads a compacted revision is rejected whole, on every member alike", () => {
  const txn: TxnRequest = {
    compare: [],
    success: [{ requestPut: { key: "b", value: "x" } }, { requestRange: { key: "a", revision: 2 } }],
    failure: [],
  };
  const h = () => new H().put(0, [0, 1], "a", "1", 2).put(0, [2, 3], "a", "2", 3).compact(0, [4, 5], 3, 3);
  assert.is(h().txnError(1, [6, 7], txn, "compacted").get(1, [8, 9], "b", 3, []).verdict(), "pass");
  assert.is(
    h()
      .txnError(1, [6, 7], txn, "compacted")
      .get(1, [8, 9], "b", 4, [kv("b", "x", 4, 4, 1)])
      .verdict(),
    "fail",
    "the put must not apply",
  );
});

test("rejections that do not depend on the store, and reads without an answer, are left out", () => {
  const h = new H().put(0, [0, 1], "a", "1", 2);
  h.ops.push({
    id: 1,
    client: 1,
    call: 2,
    return: 3,
    request: { kind: "put", put: { key: "", value: "x" } },
    response: null,
    error: "empty-key",
  });
  h.ops.push({
    id: 2,
    client: 1,
    call: 4,
    return: null,
    request: { kind: "range", range: { key: "a" } },
    response: null,
    error: "timeout",
  });
  const r = checkEtcdHistory(h.ops);
  assert.is(r.verdict, "pass");
  assert.is(r.dropped, 2);
});

test("evidence names operations by their id in the recorded history", () => {
  const h = new H()
    .put(0, [0, 1], "a", "1", 2)
    .put(0, [2, 3], "a", "2", 3)
    .get(1, [4, 5], "a", 3, [kv("a", "1", 2, 2, 1)]);
  const r = checkEtcdHistory(h.ops);
  assert.is(r.verdict, "fail");
  const e = r.result.evidence!;
  assert.equal(
    e.longestPrefix.map((o) => o.op),
    [0, 1],
  );
  assert.equal(
    e.stuck.map((o) => [o.op, o.reason]),
    [[2, "rejected"]],
  );
  assert.match(r.message, /range\("a"\) → rev 3/);
});

test.run();
