import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdOperation } from "../history.ts";
import { LeaseExpiry } from "./lease-expiry.ts";

const S = 1_000_000;
/** etcd's timing in the simulation: an election timeout of 100 ms added on promotion, a lease check every 100 ms. */
const TIMING = { extendUs: 100_000, checkUs: 100_000 };
/** The same with lease checkpoints every 1.5 s. */
const CHECKPOINTS = { ...TIMING, checkpointIntervalUs: 1_500_000 };

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

/** n1 took office in term 2 at `since` and applied the first entry of its term (index 10) then: its promotion. */
function lead(c: LeaseExpiry, since: number, index = 10): void {
  c.onRole("n1", 2, true);
  c.onApply("n1", index, 2, null, since);
}

/** A checker whose last leader, n1, took office in term 2 at `since`, fed `ops`. */
function judge(ops: EtcdOperation[], since = 0, expiries: [number[], number][] = []) {
  const c = new LeaseExpiry(TIMING);
  lead(c, since);
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

test("a client's revoke ends its lease when it applies, however late its answer (kv-chaos seed 1295)", () => {
  const judgeRevoke = (appliedAt: number | undefined) => {
    const c = new LeaseExpiry(TIMING);
    lead(c, 0);
    // Revoked by its client at 1.0 s, answered only at 2.7 s (slow messages); a write at 1.5 s proves commits.
    if (appliedAt !== undefined)
      c.onApply("n1", 20, 2, { op: "kv", request: { kind: "leaseRevoke", leaseRevoke: { ID: 7 } } }, appliedAt);
    for (const o of [grant(7, 0, 1), revoke(7, 1 * S, 2_700_000), put(1_500_000, 1_510_000)]) c.onOperation(o);
    return c.result();
  };
  assert.is(judgeRevoke(1_005_000).verdict, "pass", judgeRevoke(1_005_000).message);
  assert.match(judgeRevoke(undefined).message, /ended only at 2700\.0ms/);
});

test("a TimeToLive that answers TTL -1 saw the lease ended; one that answers a TTL renews nothing", () => {
  const ttl = (call: number, ret: number, TTL: number) =>
    op(
      call,
      ret,
      { kind: "leaseTimeToLive", leaseTimeToLive: { ID: 7 } },
      { kind: "leaseTimeToLive", leaseTimeToLive: { ID: 7, TTL, grantedTTL: TTL === -1 ? 0 : 1, keys: [] } },
    );
  const gone = judge([grant(7, 0, 1), ttl(1_200_000, 1_205_000, -1), put(2 * S, 2 * S + 5_000)]);
  assert.is(gone.verdict, "pass", gone.message);
  // A TimeToLive at 1.2 s answering 1 s left does not move the due time: the put at 2 s still proves it.
  const seen = judge([grant(7, 0, 1), ttl(900_000, 905_000, 1), put(2 * S, 2 * S + 5_000)]);
  assert.match(seen.message, /lease 7 \(TTL 1s\) was due to end by .*, but the lease never ended/);
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

test("a keep-alive answered late may have renewed the lease before it ended: an end after its call counts (option fuzz 1514)", () => {
  // The keep-alive took effect at 0.9 s; its answer reached a paused client only at 2.1 s, after the lease
  // had run out (1.95 s).
  const ops = [grant(7, 0, 1), keepAlive(7, 900_000, 2_100_000), put(3_500_000, 3_505_000)];
  assert.is(judge(ops, 0, [[[7], 1_950_000]]).verdict, "pass");
  // An end before the keep-alive was even called was of the lease before that renewal.
  assert.is(judge(ops, 0, [[[7], 850_000]]).verdict, "fail");
});

test("a new leader's promotion gives every lease a fresh TTL plus the election timeout", () => {
  // n1 took office at 1.5 s: the lease granted at 0 is due only at 1.5 + 0.1 + 1.1 + 0.11 s.
  const ops = [grant(7, 0, 1), put(2 * S, 2 * S + 5_000)];
  assert.is(judge(ops, 1_500_000).verdict, "pass");
  const later = [grant(7, 0, 1), put(3 * S, 3 * S + 5_000)];
  const r = judge(later, 1_500_000);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /a TTL after n1 \(term 2\) applied its term's first entry at 1500\.0ms/);
});

test("the promotion counts from the leader's first apply of its term, not from its election", () => {
  const c = new LeaseExpiry(TIMING);
  c.onRole("n1", 2, true);
  // Another member's apply of the entry, and n1's apply of an entry of an earlier term, are no promotion.
  c.onApply("n2", 10, 2, null, 100_000);
  c.onApply("n1", 9, 1, null, 200_000);
  c.onApply("n1", 10, 2, null, 1_500_000);
  for (const o of [grant(7, 0, 1), put(2 * S, 2 * S + 5_000)]) c.onOperation(o);
  assert.is(c.result().verdict, "pass");
  const none = new LeaseExpiry(TIMING);
  none.onRole("n1", 2, true);
  for (const o of [grant(7, 0, 1), put(2 * S, 2 * S + 5_000)]) none.onOperation(o);
  assert.match(none.result().message, /applied no entry of its term: no lease judged/);
});

/** A checkpoint entry of lease `id` at `index`, first applied at `time`. */
const checkpoint = (c: LeaseExpiry, index: number, id: number, remainingTTL: number, time: number) =>
  c.onApply("n2", index, 1, { op: "leaseCheckpoint", checkpoints: [{ ID: id, remainingTTL }] }, time);

test("with checkpoints, a new leader restarts a lease from the remainder of the log's last checkpoint", () => {
  // Granted with 5 s at 0, checkpointed at 2 s with 3 s left; n1 promoted at 3 s: due by 3 + 0.1 + 3.3 + 0.11 s.
  const run = (expiredAt: number | undefined, writeAt: number) => {
    const c = new LeaseExpiry(CHECKPOINTS);
    checkpoint(c, 5, 7, 3, 2 * S);
    lead(c, 3 * S);
    if (expiredAt !== undefined) c.onExpire([7], expiredAt);
    for (const o of [grant(7, 0, 5), put(writeAt, writeAt + 5_000)]) c.onOperation(o);
    return c.result();
  };
  assert.is(run(6_200_000, 7 * S).verdict, "pass");
  const late = run(undefined, 7 * S);
  assert.is(late.verdict, "fail");
  assert.match(late.message, /the 3s its last checkpoint left after n1/);
  // Without checkpoints the whole TTL restarts: that write proves nothing yet.
  const off = new LeaseExpiry(TIMING);
  checkpoint(off, 5, 7, 3, 2 * S);
  lead(off, 3 * S);
  for (const o of [grant(7, 0, 5), put(7 * S, 7 * S + 5_000)]) off.onOperation(o);
  assert.is(off.result().verdict, "pass");
});

test("a keep-alive's clear (remainder 0) restores the whole TTL; checkpoints after the promotion do not count", () => {
  const run = (cleared: boolean) => {
    const c = new LeaseExpiry(CHECKPOINTS);
    checkpoint(c, 5, 7, 3, 2 * S);
    if (cleared) checkpoint(c, 6, 7, 0, 2_500_000);
    lead(c, 3 * S);
    checkpoint(c, 12, 7, 1, 4_600_000); // n1's own, after its promotion
    c.onExpire([7], 8_200_000);
    for (const o of [grant(7, 0, 5), put(7 * S, 7 * S + 5_000)]) c.onOperation(o);
    return c.result();
  };
  // Cleared: due by 3 + 0.1 + 5.5 + 0.11 s, so ending at 8.2 s is in time; not cleared: due by 6.51 s.
  assert.is(run(true).verdict, "pass", run(true).message);
  assert.is(run(false).verdict, "fail");
  assert.match(run(false).message, /the 3s its last checkpoint left/);
});

test("a leader that held a lease past a checkpoint interval must have checkpointed it", () => {
  // n1 promoted at 0.5 s holds lease 7 (5 s, granted at 0): its checkpoint is due at 2 s, with 3.6 s left.
  const run = (checkpointAt: number | undefined, writeAt = 2_600_000) => {
    const c = new LeaseExpiry(CHECKPOINTS);
    lead(c, 500_000);
    if (checkpointAt !== undefined) checkpoint(c, 20, 7, 4, checkpointAt);
    for (const o of [grant(7, 0, 5), put(writeAt, writeAt + 5_000)]) c.onOperation(o);
    return c.result();
  };
  assert.is(run(2_050_000).verdict, "pass");
  assert.match(run(2_050_000).message, /1 checkpointed in time/);
  const never = run(undefined);
  assert.is(never.verdict, "fail");
  assert.match(
    never.message,
    /lease 7 \(TTL 5s, 5s left when n1 applied its term's first entry at 500\.0ms\) was never checkpointed/,
  );
  // A write called before the interval ran out proves nothing.
  assert.is(run(undefined, 1_900_000).verdict, "pass");
});

test("no checkpoint is owed for a lease renewed under the leader, or with no more than an interval left", () => {
  const c = new LeaseExpiry(CHECKPOINTS);
  lead(c, 500_000);
  for (const o of [grant(7, 0, 5), keepAlive(7, 600_000, 610_000, 5), put(2_600_000, 2_605_000)]) c.onOperation(o);
  assert.is(c.result().verdict, "pass");
  const short = new LeaseExpiry(CHECKPOINTS);
  lead(short, 500_000);
  for (const o of [grant(8, 0, 1), put(2_600_000, 2_605_000)]) short.onOperation(o);
  short.onExpire([8], 1_650_000);
  assert.is(short.result().verdict, "pass");
});

test("a deposed leader still reporting itself leader of an older term does not move the last leader", () => {
  const c = new LeaseExpiry(TIMING);
  lead(c, 0);
  c.onRole("n2", 1, true);
  for (const o of [grant(7, 0, 1), put(2 * S, 2 * S + 5_000)]) c.onOperation(o);
  assert.is(c.result().verdict, "fail");
});

test("with no leader at the end, or a renewal or revoke of unknown outcome, nothing is judged", () => {
  const c = new LeaseExpiry(TIMING);
  c.onRole("n1", 2, true);
  c.onRole("n1", 2, false);
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
