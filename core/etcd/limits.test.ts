// etcd's limits on a member: --max-request-bytes and --max-txn-ops refuse a request before it is
// proposed (no revision consumed), and watchBatchMaxRevs cuts a catch-up without splitting a revision.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { WatchResponse } from "../mvcc/rpc.ts";
import { oneMemberCluster } from "../../testing/etcd/one-member.ts";
import { jsonLengthBound, requestBytes, requestExceeds, type MemberOptions } from "./member.ts";
import { probeCounts, resetProbes } from "../probes.ts";

function oneMember(opts: Partial<MemberOptions>) {
  resetProbes();
  const { world, client, member } = oneMemberCluster({ member: opts });
  /** Runs one request to its answer; returns the error code or "ok". */
  const call = (op: (done: (r: { ok: boolean; error?: string }) => void) => void): string => {
    let out: string | undefined;
    op((r) => (out = r.ok ? "ok" : String(r.error)));
    world.runUntilPredicate(() => out !== undefined, world.now + 2_000_000);
    return out ?? "no answer";
  };
  return { world, c: client, member, call };
}

test("a put over --max-request-bytes is refused (request-too-large) and consumes no revision; one just under passes", () => {
  const { c, member, call } = oneMember({ maxRequestBytes: 200 });
  const under = "x".repeat(200 - requestBytes({ kind: "put", put: { key: "/a", value: "" } }));
  assert.is(
    call((d) => c.put({ key: "/a", value: under }, d)),
    "ok",
  );
  const rev = member.store.revision;
  assert.is(
    call((d) => c.put({ key: "/a", value: under + "y" }, d)),
    "request-too-large",
  );
  assert.is(member.store.revision, rev);
  assert.is(probeCounts().get("etcd.request-too-large"), 1);
});

test("jsonLengthBound never undercounts the JSON encoding, so requestExceeds agrees with requestBytes", () => {
  const samples: unknown[] = [
    { kind: "put", put: { key: "/k/1", value: "c1-1", lease: 7 } },
    { kind: "put", put: { key: 'q"\\\n\u0001é😀', value: "\u2028".repeat(9), prevKv: true, lease: undefined } },
    {
      kind: "txn",
      txn: {
        compare: [{ key: "/k/1", target: "MOD", result: "EQUAL", modRevision: -1.7976931348623157e308 }],
        success: [{ requestPut: { key: "/k/1", value: "" } }, { requestDeleteRange: { key: "/k/", rangeEnd: "/k0" } }],
        failure: [{ requestRange: { key: "/k/1", revision: 5e-324, serializable: false } }],
      },
    },
    { kind: "leaseGrant", leaseGrant: { TTL: Number.NaN, ID: null } },
    [undefined, null, true, [], {}],
    [0, -0, 9, 10, -10, 99, 100, 123456789, -999999999999999, 2 ** 53, 1e20, 1e21 - 65536, 1e21, -1e21, 0.1, -1.5e-7],
    { "\ud83d": "\udc00", '\u001f"\\': "\b\f\n\r\t\u007f" },
    // Above the limits for which requestExceeds tries the coarse bound first, and near its own size.
    { kind: "put", put: { key: "/k/big", value: `${"x".repeat(70_000)}"\u0001`, lease: 0 } },
    { kind: "put", put: { key: "/k/big", value: "v".repeat(11_000), lease: 0 } },
  ];
  for (const x of samples) {
    const exact = JSON.stringify(x).length;
    assert.ok(jsonLengthBound(x) >= exact, `${jsonLengthBound(x)} < ${exact} for ${JSON.stringify(x)}`);
    assert.ok(jsonLengthBound(x, false) >= jsonLengthBound(x), "the unscanned bound is the coarser");
    if (Array.isArray(x))
      for (const y of x) assert.ok(jsonLengthBound(y) >= JSON.stringify(y ?? null).length, `bound of ${String(y)}`);
    for (const limit of [0, exact - 1, exact, exact + 1, 1_572_864]) {
      const req = x as Parameters<typeof requestBytes>[0];
      assert.is(requestExceeds(req, limit), requestBytes(req) > limit);
    }
  }
});

test("jsonLengthBound is exact for integers and for strings without characters JSON may escape (controls, quotes, surrogates)", () => {
  for (const n of [0, 7, -7, 10, 1000, -65535, 2 ** 53 - 1]) assert.is(jsonLengthBound(n), String(n).length);
  for (const v of ["", "c1-42", "/k/7", "é", "a b ~"]) assert.is(jsonLengthBound(v), JSON.stringify(v).length);
  const put = { kind: "put", put: { key: "/k/1", value: "c1-1", lease: 7 } };
  assert.is(jsonLengthBound(put), JSON.stringify(put).length);
});

test("a Txn over --max-txn-ops is refused (too-many-ops); one at the limit applies", () => {
  const { c, call } = oneMember({ maxTxnOps: 2 });
  const puts = (n: number) => Array.from({ length: n }, (_, i) => ({ requestPut: { key: `/k${i}`, value: "v" } }));
  assert.is(
    call((d) => c.txn({ compare: [], success: puts(2), failure: [] }, d)),
    "ok",
  );
  assert.is(
    call((d) => c.txn({ compare: [], success: puts(3), failure: [] }, d)),
    "too-many-ops",
  );
  assert.ok((probeCounts().get("mvcc.txn-too-many-ops") ?? 0) >= 1);
});

test("watchBatchMaxRevs: a catch-up arrives in batches of whole revisions (a Txn's two events together)", () => {
  const { world, c, call } = oneMember({ watchBatchMaxRevs: 1 });
  assert.is(
    call((d) => c.put({ key: "/w/a", value: "1" }, d)),
    "ok",
  );
  assert.is(
    call((d) =>
      c.txn(
        {
          compare: [],
          success: [{ requestPut: { key: "/w/b", value: "2" } }, { requestPut: { key: "/w/c", value: "3" } }],
          failure: [],
        },
        d,
      ),
    ),
    "ok",
  );
  assert.is(
    call((d) => c.put({ key: "/w/d", value: "4" }, d)),
    "ok",
  );
  const got: WatchResponse[] = [];
  c.watch({ key: "/w/", rangeEnd: "/w0", startRevision: 1 }, (r) => got.push(r));
  world.runUntil(world.now + 1_000_000);
  const batches = got.filter((r) => r.events.length > 0).map((r) => r.events.map((e) => e.kv.key));
  assert.equal(batches, [["/w/a"], ["/w/b", "/w/c"], ["/w/d"]]);
  assert.ok((probeCounts().get("mvcc.watch-batch-split") ?? 0) >= 2);
  assert.ok((probeCounts().get("mvcc.watch-batch-kept-revision-whole") ?? 0) >= 1);
});

test.run();
