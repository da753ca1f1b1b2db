import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../history.ts";
import { LeaseExpiry } from "./lease-expiry.ts";

const S = 1_000_000;
/** etcd's timing in the simulation: an election timeout of 100 ms added on promotion, a lease check every 100 ms. */
const TIMING = { extendUs: 100_000, checkUs: 100_000 };

/** One operation of the history: called at `call`, answered at `ret` (null: unknown outcome). */
function op(call: number, ret: number | null, request: unknown, response: unknown, error?: string): EtcdOperation {
  return { id: 0, client: 0, call, return: ret, request, response, ...(error ? { error } : {}) } as EtcdOperation;
}
const grant = (id: number, call: number, ttl: number) =>
  op(
    call,
    call + 10_000,
    { kind: "leaseGrant", leaseGrant: { TTL: ttl } },
    { kind: "leaseGrant", leaseGrant: { ID: id, TTL: ttl } },
  );
const keepAlive = (id: number, call: number, ret: number | null, ttl = 1) =>
  op(
    call,
    ret,
    { kind: "leaseKeepAlive", leaseKeepAlive: { ID: id } },
    ret === null ? null : { kind: "leaseKeepAlive", leaseKeepAlive: { ID: id, TTL: ttl } },
  );
const revoke = (id: number, call: number, ret: number | null) =>
  op(
    call,
    ret,
    { kind: "leaseRevoke", leaseRevoke: { ID: id } },
    ret === null ? null : { kind: "leaseRevoke", leaseRevoke: {} },
  );
const put = (call: number, ret: number) =>
  op(call, ret, { kind: "put", put: { key: "k", value: "v" } }, { kind: "put", put: {} });
const refusedPut = (call: number, ret: number) =>
  op(call, ret, { kind: "put", put: { key: "k", value: "v" } }, null, "no-leader");

/** A checker whose last leader, n1, took office in term 2 at `since`, fed `ops`. */
function judge(ops: EtcdOperation[], since = 0, expiries: [number[], number][] = []) {
  const c = new LeaseExpiry(TIMING);
  c.onRole("n1", 2, true, since);
  for (const [ids, t] of expiries) c.onExpire(ids, t);
  for (const o of ops) c.onOperation(o);
  return c.result();
}

test("a lease that expired once its TTL ran out passes, and counts as judged", () => {
  const r = judge([grant(7, 0, 1), put(2 * S, 2 * S + 5_000)], 0, [[[7], 1_150_000]]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^1 leases no one renewed ended in time/);
});

test("a lease never revoked fails once the leader has answered a write called after it was due", () => {
  const r = judge([grant(7, 0, 1), put(2 * S, 2 * S + 5_000)]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /lease 7 \(TTL 1s\) was due to end by .*, but the lease never ended/);
});

test("an expiry much later than the write that proves the leader could commit fails", () => {
  const r = judge([grant(7, 0, 1), put(2 * S, 2 * S + 5_000)], 0, [[[7], 3 * S]]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /ended only at 3000\.0ms/);
});

test("no write after the lease was due proves the leader could commit: not judged", () => {
  const r = judge([grant(7, 0, 1), put(S, S + 5_000), refusedPut(2 * S, 2 * S + 5_000)]);
  assert.is(r.verdict, "pass");
  assert.match(r.message, /^0 leases/);
});

test("a keep-alive moves the deadline: the lease's TTL runs from the renewal's answer", () => {
  const ops = [grant(7, 0, 1), keepAlive(7, 900_000, 910_000), put(2_500_000, 2_505_000)];
  assert.is(judge(ops).verdict, "fail");
  // Expired 1 s after the keep-alive: in time.
  assert.is(judge(ops, 0, [[[7], 1_950_000]]).verdict, "pass");
  // A write called before the renewed lease was due proves nothing.
  const early = [grant(7, 0, 1), keepAlive(7, 900_000, 910_000), put(2 * S, 2 * S + 5_000)];
  assert.is(judge(early).verdict, "pass");
});

test("a new leader's promotion gives every lease a fresh TTL plus the election timeout", () => {
  // n1 took office at 1.5 s: the lease granted at 0 is due only at 1.5 + 0.1 + 1.1 + 0.11 s.
  const ops = [grant(7, 0, 1), put(2 * S, 2 * S + 5_000)];
  assert.is(judge(ops, 1_500_000).verdict, "pass");
  const later = [grant(7, 0, 1), put(3 * S, 3 * S + 5_000)];
  const r = judge(later, 1_500_000);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /a TTL after n1 took office in term 2 at 1500\.0ms/);
});

test("a deposed leader still reporting itself leader of an older term does not move the last leader", () => {
  const c = new LeaseExpiry(TIMING);
  c.onRole("n1", 2, true, 0);
  c.onRole("n2", 1, true, 1_500_000);
  for (const o of [grant(7, 0, 1), put(2 * S, 2 * S + 5_000)]) c.onOperation(o);
  assert.is(c.result().verdict, "fail");
});

test("with no leader at the end, or a renewal or revoke of unknown outcome, nothing is judged", () => {
  const c = new LeaseExpiry(TIMING);
  c.onRole("n1", 2, true, 0);
  c.onRole("n1", 2, false, 1_000_000);
  for (const o of [grant(7, 0, 1), put(2 * S, 2 * S + 5_000)]) c.onOperation(o);
  assert.is(c.result().verdict, "pass");
  assert.is(judge([grant(7, 0, 1), keepAlive(7, 500_000, null), put(2 * S, 2 * S + 5_000)]).verdict, "pass");
  assert.is(judge([grant(7, 0, 1), revoke(7, 500_000, null), put(2 * S, 2 * S + 5_000)]).verdict, "pass");
});

test("a lease revoked by its client, or seen gone by a keep-alive, has ended", () => {
  assert.is(judge([grant(7, 0, 1), revoke(7, 500_000, 510_000), put(2 * S, 2 * S + 5_000)]).verdict, "pass");
  assert.is(judge([grant(7, 0, 1), keepAlive(7, 1_200_000, 1_210_000, 0), put(2 * S, 2 * S + 5_000)]).verdict, "pass");
});

test("a lease granted again under the same ID after it ended is judged from the new grant", () => {
  const ops = [grant(7, 0, 1), revoke(7, 100_000, 110_000), grant(7, 500_000, 1), put(2 * S, 2 * S + 5_000)];
  assert.is(judge(ops).verdict, "fail");
  assert.is(judge(ops, 0, [[[7], 1_600_000]]).verdict, "pass");
});

test.run();
