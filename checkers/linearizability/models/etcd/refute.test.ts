// The refutation by revisions (refute.ts): it names only reads no order explains (held to the search on
// generated histories, anomalies included, and to linearizable workloads with unknown outcomes), and it
// decides long illegal histories the search takes minutes over or gives up on.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { EtcdOperation } from "../../../../core/history.ts";
import type { EtcdRequest, EtcdResponse } from "../../../../core/mvcc/rpc.ts";
import { Rng } from "../../../../sim/rng.ts";
import { checkEtcdHistory, REFUTE_BEFORE_SEARCH } from "../../check-etcd.ts";
import { checkOperations } from "../../engine.ts";
import * as gen from "../../generators.ts";
import { etcdModel } from "./model.ts";
import { prepareEtcdHistory } from "./prepare.ts";
import { refuteByRevisions } from "./refute.ts";

const refute = (history: readonly EtcdOperation[]) => refuteByRevisions(prepareEtcdHistory(history).table);

const hdr = (revision: number) => ({ revision, raftTerm: 1 });
let nextId = 0;
function op(call: number, request: EtcdRequest, response: EtcdResponse | null): EtcdOperation {
  const id = nextId++;
  return response === null
    ? { id, client: id, call, return: null, request, response: null, error: "timeout" }
    : { id, client: id, call, return: call + 5, request, response };
}
const put = (call: number, key: string, value: string, rev: number) =>
  op(call, { kind: "put", put: { key, value } }, { kind: "put", put: { header: hdr(rev) } });
const get = (call: number, key: string, rev: number, shown?: { value: string; mod: number }) =>
  op(
    call,
    { kind: "range", range: { key } },
    {
      kind: "range",
      range: {
        header: hdr(rev),
        kvs: shown
          ? [{ key, value: shown.value, createRevision: 2, modRevision: shown.mod, version: 1, lease: 0 }]
          : [],
        more: false,
        count: shown ? 1 : 0,
      },
    },
  );

test("a read showing a key older than a known write of it before the read's revision fits no order", () => {
  const history = [
    put(0, "a", "1", 2),
    op(10, { kind: "put", put: { key: "b", value: "x" } }, null), // an unknown outcome changes nothing here
    put(20, "a", "2", 4),
    get(30, "a", 4, { value: "1", mod: 2 }),
  ];
  const c = refute(history);
  assert.ok(c);
  assert.match(c!.reason, /as of revision 2, but "a" was written at revision 4/);
  // Shown as of the later write, it is fine; and a read at an earlier revision may show the older one.
  assert.is(refute([...history.slice(0, 3), get(30, "a", 4, { value: "2", mod: 4 })]), undefined);
  assert.is(refute([put(0, "a", "1", 2), get(5, "a", 2, { value: "1", mod: 2 }), put(20, "a", "2", 4)]), undefined);
});

test("a read showing a revision past its own, made by a write of other keys, or with another value fits no order", () => {
  assert.match(
    refute([put(0, "a", "1", 2), get(10, "a", 2, { value: "1", mod: 3 })])!.reason,
    /after its own revision 2/,
  );
  assert.match(
    refute([put(0, "a", "1", 2), put(5, "b", "1", 3), get(10, "a", 3, { value: "1", mod: 3 })])!.reason,
    /which a write of other keys made/,
  );
  assert.match(refute([put(0, "a", "1", 2), get(10, "a", 2, { value: "9", mod: 2 })])!.reason, /where a put wrote "1"/);
});

test("a Txn that wrote nothing reads the store at its revision: its failed compare's read of an old value fits no order", () => {
  const cas = (call: number, rev: number, shown: { value: string; mod: number }, succeeded: boolean): EtcdOperation =>
    op(
      call,
      {
        kind: "txn",
        txn: {
          compare: [{ key: "a", target: "MOD", result: "EQUAL", modRevision: 1 }],
          success: [{ requestPut: { key: "a", value: "t" } }],
          failure: [{ requestRange: { key: "a" } }],
        },
      },
      {
        kind: "txn",
        txn: {
          header: hdr(rev),
          succeeded,
          responses: succeeded
            ? [{ responsePut: { header: hdr(rev) } }]
            : [
                {
                  responseRange: {
                    header: hdr(rev),
                    kvs: [
                      { key: "a", value: shown.value, createRevision: 2, modRevision: shown.mod, version: 1, lease: 0 },
                    ],
                    more: false,
                    count: 1,
                  },
                },
              ],
        },
      },
    );
  const c = refute([put(0, "a", "1", 2), put(10, "a", "2", 3), cas(20, 3, { value: "1", mod: 2 }, false)]);
  assert.match(c?.reason ?? "", /as of revision 2, but "a" was written at revision 3/);
  assert.is(refute([put(0, "a", "1", 2), put(10, "a", "2", 3), cas(20, 3, { value: "2", mod: 3 }, false)]), undefined);
});

test("a serializable read, a read at an old revision, or a revision an unknown write may have made refutes nothing", () => {
  const stale = get(30, "a", 4, { value: "1", mod: 2 });
  const serializable = {
    ...stale,
    request: { kind: "range", range: { key: "a", serializable: true } },
  } as EtcdOperation;
  const atOld = { ...stale, request: { kind: "range", range: { key: "a", revision: 2 } } } as EtcdOperation;
  for (const read of [serializable, atOld])
    assert.is(refute([put(0, "a", "1", 2), put(20, "a", "2", 4), read]), undefined);
  // Revision 3: an unknown put of a may have made it; a read shows a as of 3.
  const history = [
    put(0, "a", "1", 2),
    op(10, { kind: "put", put: { key: "a", value: "u" } }, null),
    put(20, "b", "1", 4),
    get(30, "a", 4, { value: "u", mod: 3 }),
  ];
  assert.is(refute(history), undefined);
});

test("whatever it refutes, the search refutes too; linearizable histories are never refuted (generated, anomalies included)", () => {
  const counts = { refuted: 0, illegal: 0 };
  fc.assert(
    fc.property(gen.etcdPlan, gen.etcdAnomaly, (plan, anomaly) => {
      const history = gen.injectEtcdAnomaly(gen.etcdHistory(plan), anomaly);
      const prepared = prepareEtcdHistory(history);
      const searched = checkOperations(etcdModel(prepared.config), prepared.operations);
      if (searched.verdict === "illegal") counts.illegal++;
      if (refuteByRevisions(prepared.table) === undefined) return true;
      counts.refuted++;
      return searched.verdict === "illegal";
    }),
    { seed: 37, numRuns: 1500 },
  );
  assert.ok(counts.refuted > 20, JSON.stringify(counts));
  for (let seed = 1; seed <= 40; seed++) {
    const history = gen.workloadHistory(new Rng(seed), { operations: 400, clients: 6, keys: 4, timeoutRate: 0.2 });
    assert.is(refute(history), undefined, `workload seed ${seed}`);
  }
});

test("a long illegal history is refuted without a search; a short one keeps the search's evidence", () => {
  const long = gen.workloadHistory(new Rng(3), {
    operations: REFUTE_BEFORE_SEARCH + 500,
    clients: 8,
    keys: 6,
    timeoutRate: 0.1,
  });
  const bad = gen.injectStaleRead(long, new Rng(1));
  assert.ok(bad);
  assert.ok(refute(bad!), "the injected stale read is one no order explains");
  const r = checkEtcdHistory(bad!);
  assert.is(r.verdict, "fail");
  assert.is(r.result.steps, 0);
  assert.match(r.message, /^not linearizable: range\(.*fits no order: it shows .* \(the write: /);
  assert.ok(r.evidence?.contradiction?.write, "names the write it contradicts");
  // Evidence names operations by their recorded ids.
  const byId = new Map(bad!.map((o) => [o.id, o]));
  assert.is(byId.get(r.evidence!.stuck[0]!.op)?.request.kind, "range");
  assert.ok(byId.has(r.evidence!.contradiction!.write!.op));
  const short = gen.injectStaleRead(
    gen.workloadHistory(new Rng(3), { operations: 300, clients: 8, keys: 6, timeoutRate: 0.1 }),
    new Rng(1),
  );
  assert.ok(short);
  const s = checkEtcdHistory(short!);
  assert.is(s.verdict, "fail");
  assert.match(s.message, /^not linearizable after \d+ operations/);
  assert.is(s.evidence?.contradiction, undefined);
});

test.run();
