import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../history.ts";
import { LeaseSafety } from "./lease-safety.ts";

/** A granted lease (call at `call` µs, TTL in seconds), as the history records it. */
function grant(id: number, call: number, ttl: number): EtcdOperation {
  return {
    id: 0,
    client: 0,
    call,
    return: call + 10,
    request: { kind: "leaseGrant", leaseGrant: { TTL: ttl, ID: id } },
    response: { kind: "leaseGrant", leaseGrant: { header: {} as never, ID: id, TTL: ttl } },
  } as EtcdOperation;
}

/** One operation of the history: called at `call`, answered at `ret` (null: unknown outcome). */
function op(call: number, ret: number | null, request: unknown, response: unknown, error?: string): EtcdOperation {
  return { id: 0, client: 0, call, return: ret, request, response, ...(error ? { error } : {}) } as EtcdOperation;
}
const keepAlive = (id: number, call: number, ret: number, ttl: number) =>
  op(
    call,
    ret,
    { kind: "leaseKeepAlive", leaseKeepAlive: { ID: id } },
    { kind: "leaseKeepAlive", leaseKeepAlive: { ID: id, TTL: ttl } },
  );
const namedGrant = (id: number, call: number, ret: number, ttl: number) =>
  op(
    call,
    ret,
    { kind: "leaseGrant", leaseGrant: { ID: id, TTL: ttl } },
    { kind: "leaseGrant", leaseGrant: { ID: id, TTL: ttl } },
  );
const revoke = (id: number, call: number, ret: number | null, error?: string) =>
  op(
    call,
    ret,
    { kind: "leaseRevoke", leaseRevoke: { ID: id } },
    error || ret === null ? null : { kind: "leaseRevoke", leaseRevoke: {} },
    error,
  );
const leasedPut = (lease: number, call: number, ret: number) =>
  op(call, ret, { kind: "put", put: { key: "k", value: "v", lease } }, null, "lease-not-found");
const violations = (s: LeaseSafety) => (s.result().evidence as { violations: string[] } | undefined)?.violations ?? [];

test("expiries after their TTL pass, counted once per lease whatever member reports them again", () => {
  const s = new LeaseSafety();
  s.onExpire("n1", [7, 8], 5_000_000);
  s.onExpire("n2", [7, 8], 5_000_100);
  s.onExpire("n3", [9], 6_000_000);
  for (const id of [7, 8, 9]) s.onOperation(grant(id, 1_000, 2));
  assert.equal(s.result(), {
    name: "lease-safety",
    verdict: "pass",
    message: "3 lease expiries and 0 ends of a lease seen by clients, none before its TTL",
  });
});

test("an early expiry fails naming the lease, its time and the member that applied it first", () => {
  const s = new LeaseSafety();
  s.onExpire("n1", [1], 3_000_000);
  s.onExpire("n2", [2, 3], 1_500_000);
  s.onExpire("n3", [3], 1_000_000); // a later report of lease 3: not counted, not judged
  s.onOperation(grant(1, 0, 2));
  s.onOperation(grant(2, 0, 2));
  s.onOperation(grant(3, 0, 2));
  const r = s.result();
  assert.is(r.verdict, "fail");
  assert.equal((r.evidence as { violations: string[] }).violations, [
    "lease 2 expired at 1500.0ms (applied on n2), 500ms before its 2s TTL from 0.0ms ran out",
    "lease 3 expired at 1500.0ms (applied on n2), 500ms before its 2s TTL from 0.0ms ran out",
  ]);
  assert.is(s.expiredCount, 3);
});

test("many expiries (past a column chunk) keep their order, IDs and times exactly", () => {
  const s = new LeaseSafety();
  const n = 5_000;
  // Large IDs and fractional times: the columns must give back exactly what was reported.
  for (let i = 0; i < n; i++) s.onExpire(`n${i % 3}`, [2 ** 40 + i], 1_000_000.5 + i);
  for (let i = 0; i < n; i++) s.onOperation(grant(2 ** 40 + i, i === 4_321 ? 900_000 : 0, 1));
  const r = s.result();
  assert.is(r.verdict, "fail");
  assert.equal((r.evidence as { violations: string[] }).violations, [
    `lease ${2 ** 40 + 4_321} expired at 1004.3ms (applied on n1), 896ms before its 1s TTL from 900.0ms ran out`,
  ]);
  assert.is(s.expiredCount, n);
});

test("a grant naming a lease's ID that succeeds while the lease's TTL runs fails: the lease was replaced, not expired", () => {
  const s = new LeaseSafety();
  s.onOperation(namedGrant(5, 0, 1_000, 2)); // lease 5 lives until at least 2 s
  s.onOperation(keepAlive(5, 1_000_000, 1_001_000, 2)); // and now until at least 3 s
  s.onOperation(namedGrant(5, 1_500_000, 1_510_000, 2));
  assert.equal(violations(s), [
    "lease 5 was gone by 1510.0ms (a grant naming its ID succeeded, called at 1500.0ms), 1490ms before its 2s TTL from 1000.0ms ran out",
  ]);
});

test("a grant naming a lease's ID after its TTL ran out passes, and so does one racing the renewal it would cut short", () => {
  const s = new LeaseSafety();
  s.onOperation(namedGrant(5, 0, 1_000, 1));
  s.onOperation(namedGrant(5, 1_000_000, 1_001_000, 1)); // exactly when the TTL from the first call ran out
  s.onOperation(keepAlive(6, 0, 50_000, 1));
  s.onOperation(namedGrant(6, 40_000, 60_000, 1)); // called before the keep-alive returned: maybe applied first
  assert.equal(violations(s), []);
  // Three grants name their ID: the first finds no lease before it, and lease 6's keep-alive may come after.
  assert.is(s.result().message, "0 lease expiries and 1 ends of a lease seen by clients, none before its TTL");
});

test("a keep-alive answering TTL 0 within the lease's TTL fails, unless a revoke may have come between", () => {
  const s = new LeaseSafety();
  s.onOperation(keepAlive(1, 0, 1_000, 3));
  s.onOperation(keepAlive(1, 500_000, 501_000, 0));
  s.onOperation(keepAlive(2, 0, 1_000, 3));
  s.onOperation(revoke(2, 200_000, null)); // unknown outcome: it may have been applied
  s.onOperation(keepAlive(2, 500_000, 501_000, 0));
  s.onOperation(keepAlive(3, 0, 1_000, 3));
  s.onOperation(revoke(3, 100_000, 110_000, "lease-not-found")); // refused: it changed nothing, and is itself judged
  assert.equal(violations(s), [
    "lease 1 was gone by 501.0ms (a keep-alive answered TTL 0, called at 500.0ms), 2499ms before its 3s TTL from 0.0ms ran out",
    "lease 3 was gone by 110.0ms (its revoke was refused: lease not found, called at 100.0ms), 2890ms before its 3s TTL from 0.0ms ran out",
  ]);
});

const timeToLive = (id: number, call: number, ret: number, ttl: number, granted = 3) =>
  op(
    call,
    ret,
    { kind: "leaseTimeToLive", leaseTimeToLive: { ID: id } },
    { kind: "leaseTimeToLive", leaseTimeToLive: { ID: id, TTL: ttl, grantedTTL: ttl === -1 ? 0 : granted, keys: [] } },
  );

test("a revoke that timed out (no return, the client's timeout error) may have been applied (kv-chaos seed 2250)", () => {
  const s = new LeaseSafety();
  s.onOperation(keepAlive(1, 0, 1_000, 3));
  s.onOperation(revoke(1, 200_000, null, "timeout"));
  s.onOperation(timeToLive(1, 500_000, 501_000, -1));
  assert.equal(violations(s), []);
});

test("a TimeToLive's TTL is a promise like a keep-alive's, and its TTL -1 shows the lease gone", () => {
  const s = new LeaseSafety();
  s.onOperation(grant(1, 0, 3));
  s.onOperation(timeToLive(1, 2_000_000, 2_001_000, 2)); // the lessor counted 2 s left after 2.0 s: until 4.0 s
  s.onOperation(timeToLive(1, 3_000_000, 3_001_000, -1));
  assert.equal(violations(s), [
    "lease 1 was gone by 3001.0ms (a TimeToLive answered TTL -1: no such lease, called at 3000.0ms), 999ms before its 2s TTL from 2000.0ms ran out",
  ]);
  const ok = new LeaseSafety();
  ok.onOperation(grant(1, 0, 3));
  ok.onOperation(timeToLive(1, 2_000_000, 2_001_000, 0)); // due: no promise
  ok.onOperation(timeToLive(1, 3_500_000, 3_501_000, -1)); // after the grant's 3 s (less a tenth for clocks)
  assert.equal(violations(ok), []);
});

test("a TimeToLive that reports more time left than the lease was granted (and a new leader's extension) fails", () => {
  const s = new LeaseSafety();
  s.onOperation(grant(1, 0, 3));
  s.onOperation(timeToLive(1, 100_000, 101_000, 4)); // 3 s granted, a promotion's second more: still possible
  s.onOperation(timeToLive(1, 200_000, 201_000, 9_223_372_036)); // a demoted lessor's forever (etcd PR #17642)
  assert.equal(violations(s), ["lease 1: a TimeToLive called at 200.0ms answered 9223372036s left of a 3s grant"]);
});

test("a write refused for a missing lease is judged only when it names one lease", () => {
  const s = new LeaseSafety();
  s.onOperation(namedGrant(1, 0, 1_000, 2));
  s.onOperation(namedGrant(2, 0, 1_000, 2));
  s.onOperation(leasedPut(1, 300_000, 301_000));
  const two = {
    kind: "txn",
    txn: {
      compare: [],
      success: [{ requestPut: { key: "a", value: "", lease: 1 } }],
      failure: [
        { requestTxn: { compare: [], success: [{ requestPut: { key: "b", value: "", lease: 2 } }], failure: [] } },
      ],
    },
  };
  s.onOperation(op(400_000, 401_000, two, null, "lease-not-found"));
  assert.equal(violations(s), [
    "lease 1 was gone by 301.0ms (a write attached to it was refused: lease not found, called at 300.0ms), 1699ms before its 2s TTL from 0.0ms ran out",
  ]);
});

test("an expiry is judged against the renewals before it: not a grant still in flight, but a keep-alive answered after it", () => {
  const s = new LeaseSafety();
  // Lease 1 expires at 1 s; a re-grant of its ID called just before may have been applied after.
  s.onOperation(namedGrant(1, 0, 1_000, 1));
  s.onOperation(namedGrant(1, 990_000, 1_020_000, 1));
  s.onExpire("n1", [1], 1_000_000);
  // Lease 2's keep-alive was answered after the expiry, so the lease was alive when it was applied.
  s.onOperation(namedGrant(2, 0, 1_000, 1));
  s.onOperation(keepAlive(2, 600_000, 1_200_000, 1));
  s.onExpire("n2", [2], 1_100_000);
  assert.equal(violations(s), [
    "lease 2 expired at 1100.0ms (applied on n2), 500ms before its 1s TTL from 600.0ms ran out",
  ]);
});

test("a real etcd 3.4.23 history: a leader resumed after SIGSTOP revoked a lease the new leader had just renewed (etcd #15247)", () => {
  // `etcdsim real --scenario lease-sessions --seed 8 --duration 20 --faults pause,isolate,kill`: lease 58's
  // operations as recorded (µs), the leader (term 7) stopped from 12.40 s to 13.78 s. Its delete of
  // the lease's key at 13.79 s, claimed by no client, is the expiry the truth watch reports.
  const s = new LeaseSafety();
  s.onOperation(namedGrant(58, 12_120_480, 12_122_749, 1)); // answered in term 7
  s.onOperation(keepAlive(58, 13_234_819, 13_237_322, 1)); // term 8: the new leader
  s.onOperation(keepAlive(58, 13_547_617, 13_548_309, 1)); // term 8
  s.onOperation(keepAlive(58, 13_857_562, 13_859_017, 0)); // term 8: gone
  s.onExpire("cluster", [58], 13_789_800);
  assert.equal(violations(s), [
    "lease 58 expired at 13789.8ms (applied on cluster), 758ms before its 1s TTL from 13547.6ms ran out",
    "lease 58 was gone by 13859.0ms (a keep-alive answered TTL 0, called at 13857.6ms), 689ms before its 1s TTL from 13547.6ms ran out",
  ]);
});

test.run();
