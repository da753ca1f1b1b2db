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

test("expiries after their TTL pass, counted once per lease whatever member reports them again", () => {
  const s = new LeaseSafety();
  s.onExpire("n1", [7, 8], 5_000_000);
  s.onExpire("n2", [7, 8], 5_000_100);
  s.onExpire("n3", [9], 6_000_000);
  for (const id of [7, 8, 9]) s.onOperation(grant(id, 1_000, 2));
  assert.equal(s.result(), { name: "lease-safety", verdict: "pass", message: "3 lease expiries, none before its TTL" });
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

test.run();
