// etcd-nospace on hand-made apply logs: what it must accept and what it must reject.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Compare, EtcdRequest, RequestOp } from "../../core/mvcc/rpc.ts";
import fc from "fast-check";
import { requestCost } from "../../core/etcd/quota.ts";
import type { AlarmChangeCall } from "../../core/etcd/maintenance.ts";
import { checkNoSpace, quotaCost, type NoSpaceObservation } from "./nospace.ts";

const PUT: EtcdRequest = { kind: "put", put: { key: "/k", value: "v" } };
const w = (
  member: string,
  index: number,
  request: EtcdRequest = PUT,
  backendBytes: number | undefined = undefined,
  wrote = true,
): NoSpaceObservation => ({
  member,
  kind: "write",
  index,
  revision: index,
  request,
  ...(backendBytes !== undefined ? { backendBytes } : {}),
  wrote,
});
const alarm = (member: string, index: number, raisedBy = member): NoSpaceObservation => ({
  member,
  kind: "alarm",
  raisedBy,
  index,
});
const disarm = (member: string, index: number, raisedBy = member): NoSpaceObservation => ({
  member,
  kind: "disarm",
  raisedBy,
  index,
});
/** An empty backend's size as the simulated etcd counts it. */
const BASE = 20_480;
/** Revisions that stored enough to make the member's backend `size` bytes long (from empty). */
const grownTo = (member: string, size: number, revision = 100_000): NoSpaceObservation => ({
  member,
  kind: "stored",
  revision,
  versions: 0,
  bytes: size - BASE,
});
const restore = (member: string, alarms: string[] = [], versions = 0, bytes = 0): NoSpaceObservation => ({
  member,
  kind: "restore",
  alarms,
  index: 0,
  versions,
  bytes,
});

test("accepts: the quota never reached", () => {
  assert.is(checkNoSpace([w("n1", 1), w("n2", 1)]).verdict, "pass");
});

test("accepts: writes stop at the alarm and resume after disarm, on every member", () => {
  const r = checkNoSpace([
    w("n1", 1),
    w("n2", 1),
    alarm("n1", 2),
    alarm("n2", 2, "n1"),
    disarm("n1", 3),
    disarm("n2", 3, "n1"),
    w("n1", 4),
    w("n2", 4),
  ]);
  assert.is(r.verdict, "pass", r.message);
});

test("rejects: a member applies a write while its view has the alarm", () => {
  const r = checkNoSpace([
    alarm("n1", 2),
    alarm("n2", 2, "n1"),
    w("n2", 3),
    disarm("n1", 4),
    disarm("n2", 4, "n1"),
    w("n1", 5),
  ]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /n2 applied a put costing 259 at revision 3/);
});

test("rejects: alarms from two members, one disarmed: a write is still refused", () => {
  const r = checkNoSpace([
    alarm("n1", 2),
    alarm("n1", 3, "n2"),
    disarm("n1", 4),
    w("n1", 5),
    disarm("n1", 6, "n2"),
    w("n1", 7),
  ]);
  assert.is(r.verdict, "fail");
});

test("rejects: no recovery — the alarm is never disarmed, or nothing is written after the disarm", () => {
  assert.match(checkNoSpace([w("n1", 1), alarm("n1", 2)]).message, /NOSPACE still active on n1/);
  assert.match(checkNoSpace([alarm("n1", 2), disarm("n1", 3)]).message, /no write applied after the last disarm/);
});

test("rejects when recovery is required and the quota was never reached", () => {
  assert.is(checkNoSpace([w("n1", 1)], { requireRecovery: true }).verdict, "fail");
});

test("accepts: a restarted member replays writes from before its alarm (its view starts again from what it recovered)", () => {
  const r = checkNoSpace([
    w("n1", 1),
    alarm("n1", 2),
    restore("n1"),
    w("n1", 1),
    alarm("n1", 2),
    disarm("n1", 3),
    w("n1", 4),
  ]);
  assert.is(r.verdict, "pass", r.message);
});

test("rejects: a member restarted with the alarm in its snapshot applies a write", () => {
  const r = checkNoSpace([alarm("n1", 2), restore("n1", ["n1"]), w("n1", 3), disarm("n1", 4), w("n1", 5)]);
  assert.is(r.verdict, "fail");
});

test("a quota refusal is judged by etcd's Available: only a request that writes, and only when the backend plus its cost reaches the quota", () => {
  const quotaBytes = 100_000;
  const put = (bytes: number): EtcdRequest => ({
    kind: "put",
    put: { key: "k", value: "v".repeat(bytes) },
  });
  const refused = (request: EtcdRequest, backendBytes: number): NoSpaceObservation => ({
    member: "n1",
    kind: "refused",
    request,
    backendBytes,
    index: -1,
  });
  const deleteTxn: EtcdRequest = {
    kind: "txn",
    txn: { compare: [], success: [{ requestDeleteRange: { key: "k" } }], failure: [{ requestRange: { key: "k" } }] },
  };
  // The alarm's life on another member: n1's backend stays as long as the case makes it.
  const life = [w("n2", 1), alarm("n2", 2), disarm("n2", 3), w("n2", 4)];
  const judge = (e: NoSpaceObservation) =>
    checkNoSpace([grownTo("n1", e.kind === "refused" ? e.backendBytes : 0), e, ...life], { quotaBytes });
  // 256 (etcd's kvOverhead) + 1 + 1000 = 1257 bytes of cost.
  assert.is(judge(refused(put(1000), 98_800)).verdict, "pass", "98,800 + 1,257 reaches 100,000");
  assert.is(judge(refused(put(1000), 98_700)).verdict, "fail", "98,700 + 1,257 fits");
  assert.match(judge(refused(put(1000), 98_700)).message, /fits: backend 98700 \+ cost 1257 < quota 100000/);
  assert.is(
    judge(refused(deleteTxn, 150_000)).verdict,
    "fail",
    "a Txn that writes nothing passes even past the quota (etcd #13429)",
  );
  assert.is(
    checkNoSpace([grownTo("n1", 98_700), refused(put(1000), 98_700), ...life]).verdict,
    "pass",
    "the quota unknown: not judged",
  );
});

test("a write is judged by the check's own cost: a Txn with a put only in the branch that did not run is refused during NOSPACE, a delete-only Txn is not", () => {
  const putOnFailure: EtcdRequest = {
    kind: "txn",
    txn: {
      compare: [],
      success: [{ requestRange: { key: "k" } }],
      failure: [{ requestPut: { key: "k", value: "v" } }],
    },
  };
  const deleteOnly: EtcdRequest = {
    kind: "txn",
    txn: { compare: [], success: [{ requestDeleteRange: { key: "k" } }], failure: [] },
  };
  const during = (request: EtcdRequest) =>
    checkNoSpace([alarm("n1", 2), w("n1", 3, request, undefined, false), disarm("n1", 4), w("n1", 5)]);
  assert.is(during(putOnFailure).verdict, "fail");
  assert.match(during(putOnFailure).message, /n1 applied a txn costing 258 at revision 3/);
  assert.is(during(deleteOnly).verdict, "pass");
});

test('a write past the quota must be answered "database space exceeded" with the alarm raised (etcd\'s quota applier)', () => {
  const quotaBytes = 100_000;
  const life = [alarm("n2", 8), disarm("n2", 9), w("n2", 10)];
  const over: NoSpaceObservation = w("n1", 7, PUT, 99_800);
  const answered: NoSpaceObservation = { member: "n1", kind: "refused", request: PUT, backendBytes: 99_800, index: 7 };
  const full = grownTo("n1", 99_800);
  assert.is(
    checkNoSpace([full, over, answered, ...life], { quotaBytes }).verdict,
    "pass",
    "applied, then answered over",
  );
  const silent = checkNoSpace([full, over, ...life], { quotaBytes });
  assert.is(silent.verdict, "fail");
  assert.match(silent.message, /past the quota \(backend 99800 \+ cost 259 ≥ quota 100000\)/);
  assert.is(
    checkNoSpace([grownTo("n1", 99_000), w("n1", 7, PUT, 99_000), ...life], { quotaBytes }).verdict,
    "pass",
    "it fits",
  );
});

test("the cost a refusal is judged by counts a nested Txn's puts (etcd #22134)", () => {
  const nested: EtcdRequest = {
    kind: "txn",
    txn: {
      compare: [],
      success: [{ requestTxn: { compare: [], success: [{ requestPut: { key: "k", value: "v" } }], failure: [] } }],
      failure: [],
    },
  };
  const e: NoSpaceObservation = { member: "n1", kind: "refused", request: nested, backendBytes: 99_800, index: 7 };
  const life = [w("n2", 1), alarm("n2", 2), disarm("n2", 3), w("n2", 4)];
  assert.is(
    checkNoSpace([grownTo("n1", 99_800), e, ...life], { quotaBytes: 100_000 }).verdict,
    "pass",
    "99,800 + 258 reaches 100,000",
  );
});

test("the backend's size is the check's own account: it keeps its length through a compaction and a restart, and only a defrag shrinks it", () => {
  const quotaBytes = 100_000;
  const life = [alarm("n2", 8), disarm("n2", 9), w("n2", 10)];
  // 200 versions of 1-byte keys and 1-byte values: 200 × (256 + 2) = 51,600 bytes over the empty backend.
  const filled = { member: "n1", kind: "stored", revision: 1, versions: 200, bytes: 400 } as const;
  const compacted = { member: "n1", kind: "compacted", index: 3, versions: 1, bytes: 2 } as const;
  const defragmented = { member: "n1", kind: "defragment" } as const;
  // A member whose own figure is the live data's (30,000 bytes) admits a put of 30,000 bytes.
  const big: EtcdRequest = { kind: "put", put: { key: "k", value: "v".repeat(30_000) } };
  const admit = w("n1", 5, big, 30_000, false);
  const judge = (...es: NoSpaceObservation[]) => checkNoSpace([...es, admit, ...life], { quotaBytes });
  assert.is(judge(filled).verdict, "fail", "72,080 + 30,257 reaches 100,000");
  assert.is(judge(filled, compacted).verdict, "fail", "compacted: the file is still 72,080 bytes long");
  const violations = (r: ReturnType<typeof checkNoSpace>) =>
    r.evidence !== undefined && "violations" in r.evidence ? r.evidence.violations.map(String) : [];
  assert.ok(
    violations(judge(filled, compacted)).some((v) =>
      /n1 applied a put at index 5 past the quota \(backend 72080 by the checker's account; the member counted 30000 \+ cost 30257/.test(
        v,
      ),
    ),
  );
  assert.match(
    judge(filled, compacted).message,
    /n1 counted its backend 30000 bytes long before applying index 5; its file is 72080 by the checker's account/,
    "the member's own figure is judged too",
  );
  assert.is(judge(filled, restore("n1", [], 1, 2)).verdict, "fail", "restarted: the file kept its length");
  assert.is(
    checkNoSpace([filled, compacted, defragmented, w("n1", 5, big, 20_738, false), ...life], { quotaBytes }).verdict,
    "pass",
    "defragmented: the file is the live data's",
  );
});

test("a write is judged by the backend's size before it, not after the versions it stored", () => {
  const quotaBytes = 100_000;
  const life = [alarm("n2", 8), disarm("n2", 9), w("n2", 10)];
  const before = grownTo("n1", 99_000, 6);
  const itsOwn: NoSpaceObservation = { member: "n1", kind: "stored", revision: 7, versions: 1, bytes: 1_000 };
  assert.is(checkNoSpace([before, itsOwn, w("n1", 7), ...life], { quotaBytes }).verdict, "pass");
  const unchanged = {
    ...(w("n1", 8, PUT, undefined, false) as Extract<NoSpaceObservation, { kind: "write" }>),
    revision: 7,
  };
  const r = checkNoSpace([before, itsOwn, w("n1", 7), unchanged, ...life], { quotaBytes });
  assert.is(r.verdict, "fail", "a write that made no revision of its own is judged at the size it found");
  assert.match(r.message, /index 8 past the quota \(backend 100256 \+ cost/);
});

test("a restarted member that replays a revision is judged at its file's size then, not at the size the first apply found", () => {
  const quotaBytes = 91_400;
  const life = [alarm("n2", 8), disarm("n2", 9), w("n2", 10)];
  const put7: NoSpaceObservation = { member: "n1", kind: "stored", revision: 7, versions: 1, bytes: 1_000 };
  const replayed: NoSpaceObservation = { member: "n1", kind: "refused", request: PUT, backendBytes: 91_256, index: 7 };
  const r = checkNoSpace(
    [
      grownTo("n1", 90_000, 6),
      put7,
      w("n1", 7),
      restore("n1", [], 0, 90_000 - BASE),
      put7,
      w("n1", 7),
      replayed,
      ...life,
    ],
    { quotaBytes },
  );
  // First applied at 90,000 + 259 < 91,400; replayed into a file 91,256 long, + 259 reaches the quota.
  assert.is(r.verdict, "pass", r.message);
});

test("the cost the check restates agrees with the member's, on random requests", () => {
  const text = fc.string({ maxLength: 12 });
  const op: fc.Arbitrary<RequestOp> = fc.letrec<{ op: RequestOp }>((tie) => ({
    op: fc.oneof(
      { depthSize: "small" },
      fc.record({ requestPut: fc.record({ key: text, value: text }) }),
      fc.record({ requestRange: fc.record({ key: text }) }),
      fc.record({ requestDeleteRange: fc.record({ key: text }) }),
      fc.record({
        requestTxn: fc.record({
          compare: fc.constant([] as Compare[]),
          success: fc.array(tie("op"), { maxLength: 3 }),
          failure: fc.array(tie("op"), { maxLength: 3 }),
        }),
      }),
    ),
  })).op;
  const request: fc.Arbitrary<EtcdRequest> = fc.oneof(
    fc.record({ kind: fc.constant("put" as const), put: fc.record({ key: text, value: text }) }),
    fc.record({ kind: fc.constant("leaseGrant" as const), leaseGrant: fc.record({ TTL: fc.nat() }) }),
    fc.record({ kind: fc.constant("deleteRange" as const), deleteRange: fc.record({ key: text }) }),
    fc.record({
      kind: fc.constant("txn" as const),
      txn: fc.record({
        compare: fc.constant([] as Compare[]),
        success: fc.array(op, { maxLength: 3 }),
        failure: fc.array(op, { maxLength: 3 }),
      }),
    }),
  );
  fc.assert(
    fc.property(request, (r) => quotaCost(r) === requestCost(r)),
    { seed: 9, numRuns: 1000 },
  );
});

test("a restarted member applies what its backend held without the quota applier: such an entry is not judged, and a refusal of it fails", () => {
  const quotaBytes = 100_000;
  const life = [alarm("n2", 8), disarm("n2", 9), w("n2", 10)];
  // n1 grew its file to 99,900 bytes, restarted with its backend at consistent index 7, and replays 6 and 7.
  const restart: NoSpaceObservation = { ...(restore("n1") as object), consistentIndex: 7 } as NoSpaceObservation;
  const replay = (index: number) => w("n1", index, PUT, undefined, false);
  assert.is(
    checkNoSpace([grownTo("n1", 99_900), restart, replay(6), replay(7), ...life], { quotaBytes }).verdict,
    "pass",
  );
  // Past the consistent index, the quota applier judges it again.
  const past = checkNoSpace([grownTo("n1", 99_900), restart, replay(8), ...life], { quotaBytes });
  assert.is(past.verdict, "fail");
  assert.match(past.message, /n1 applied a put at index 8 past the quota/);
  // Refused again on replay (the mutant etcd-replay-rechecks-quota): etcd never applies it a second time.
  const refusedAgain = checkNoSpace(
    [
      grownTo("n1", 99_900),
      restart,
      replay(7),
      { member: "n1", kind: "refused", request: PUT, backendBytes: 99_900, index: 7 },
      ...life,
    ],
    { quotaBytes },
  );
  assert.is(refusedAgain.verdict, "fail");
  assert.match(
    refusedAgain.message,
    /n1 refused a put for the quota at index 7, an entry its backend held when it restarted \(consistent index 7\)/,
  );
});

test("the size a member counts before an apply must be its file's length by the checker's account", () => {
  const life = [alarm("n2", 8), disarm("n2", 9), w("n2", 10)];
  assert.is(checkNoSpace([grownTo("n1", 50_000), w("n1", 5, PUT, 50_000), ...life]).verdict, "pass");
  // A restarted member that starts counting from an empty file (the mutant etcd-backend-size-lost-on-restart).
  const r = checkNoSpace([grownTo("n1", 50_000), restore("n1", [], 1, 2), w("n1", 5, PUT, 20_738), ...life]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /n1 counted its backend 20738 bytes long before applying index 5; its file is 50000/);
});

test("a compaction the member applied must come with the versions it left: the account cannot free what it does not know", () => {
  const life = [alarm("n2", 8), disarm("n2", 9), w("n2", 10)];
  const compact: EtcdRequest = { kind: "compact", compact: { revision: 3 } };
  const reported = { member: "n1", kind: "compacted", index: 5, versions: 1, bytes: 2 } as const;
  assert.is(checkNoSpace([grownTo("n1", 50_000), reported, w("n1", 5, compact), ...life]).verdict, "pass");
  const silent = checkNoSpace([grownTo("n1", 50_000), w("n1", 5, compact), ...life]);
  assert.is(silent.verdict, "fail");
  assert.match(silent.message, /n1 applied a compaction at index 5 without reporting the versions it left/);
  // A report for another index does not stand for this one.
  assert.is(checkNoSpace([{ ...reported, index: 4 }, w("n1", 5, compact), ...life]).verdict, "fail");
});

test.run();

test("every applied disarm comes from a call answered ok or not at all: one refused with a definite error disarms nothing", () => {
  const log = [w("n1", 1), alarm("n1", 2), alarm("n2", 2, "n1"), disarm("n1", 3), disarm("n2", 3, "n1"), w("n1", 4)];
  const call = (outcome: AlarmChangeCall["outcome"], target = "n1"): AlarmChangeCall => ({
    op: "alarmDisarm",
    target,
    sentTo: "n2",
    outcome,
  });
  for (const calls of [[call("ok")], [call("unknown")], [call("refused"), call("ok")]]) {
    const r = checkNoSpace(log, { alarmCalls: calls });
    assert.is(r.verdict, "pass", `${JSON.stringify(calls)}: ${r.message}`);
  }
  for (const calls of [[call("refused")], [call("ok", "n2")], []]) {
    const r = checkNoSpace(log, { alarmCalls: calls });
    assert.is(r.verdict, "fail", JSON.stringify(calls));
    assert.match(
      r.message,
      `1 disarms of n1's NOSPACE alarm applied (index 3), from 0 disarm calls for it answered ok or not at all (${calls.filter((c) => c.target === "n1").length} refused)`,
    );
  }
  // Two disarm entries (the alarm raised again between them) need two calls.
  const twice = [...log, alarm("n1", 5), disarm("n1", 6), w("n1", 7)];
  assert.is(checkNoSpace(twice, { alarmCalls: [call("ok")] }).verdict, "fail");
  assert.is(checkNoSpace(twice, { alarmCalls: [call("ok"), call("unknown")] }).verdict, "pass");
  assert.is(checkNoSpace(twice).verdict, "pass", "no calls logged: not judged");
});
