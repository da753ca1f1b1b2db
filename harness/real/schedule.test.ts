// The seeded parts of a real run: the schedule is a pure function of scenario, seed, members and
// duration; simulated fault kinds map onto real ones; lease expiries are attributed only when no
// client request can explain the delete.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../../scenarios/registry.ts";
import type { EtcdOperation } from "../../checkers/history.ts";
import { expiries, realSchedule, workloadOptions, kvOptions } from "./run.ts";
import { weightsFromScenario } from "./schedule.ts";

test("the same scenario, seed, members and duration give the same schedule; another seed another", () => {
  const def = findScenario("kv-chaos")!;
  const a = realSchedule(def, 2, 3, 60),
    b = realSchedule(def, 2, 3, 60),
    c = realSchedule(def, 3, 3, 60);
  assert.equal(a, b);
  assert.is.not(JSON.stringify(a), JSON.stringify(c));
  assert.ok(a.length > 5);
  for (const f of a) {
    assert.ok(f.at >= 1000 && f.until <= 59_000 && f.at < f.until, JSON.stringify(f));
  }
  // One at a time.
  for (let i = 1; i < a.length; i++) assert.ok(a[i]!.at >= a[i - 1]!.until);
});

test("smoke draws no faults; --faults picks the kinds; a lone member gets no network or membership fault", () => {
  assert.equal(realSchedule(findScenario("smoke")!, 1, 3, 30), []);
  const only = realSchedule(findScenario("smoke")!, 1, 3, 30, ["kill", "pause"]);
  assert.ok(only.length > 0 && only.every((f) => f.kind === "kill" || f.kind === "pause"));
  assert.equal(realSchedule(findScenario("kv-chaos")!, 1, 3, 30, []), []);
  const lone = realSchedule(findScenario("smoke")!, 1, 1, 60, ["isolate", "oneway", "replace", "kill"]);
  assert.ok(lone.length > 0 && lone.every((f) => f.kind === "kill"));
});

test("simulated fault kinds map onto real ones; clock faults have none", () => {
  assert.equal(
    weightsFromScenario({ crash: 2, partition: 1, isolate: 1, skew: 3 }, { compaction: false, membership: false }),
    { kill: 2, isolate: 2 },
  );
  assert.equal(weightsFromScenario({ skew: 3, drift: 1 }, { compaction: true, membership: false }), {});
  assert.equal(weightsFromScenario({ pause: 1 }, { compaction: true, membership: true }), {
    pause: 1,
    defrag: 1,
    replace: 2,
  });
});

test("a scenario without an etcd client workload is refused; a KV scenario's options become the real workload's", () => {
  assert.throws(() => kvOptions(findScenario("deployment-rollout")!, 1), /no etcd client workload/);
  const w = workloadOptions(kvOptions(findScenario("smoke")!, 1));
  assert.is(w.thinkMs, 30);
  assert.is(w.keyPrefix, "/k/");
  assert.ok(w.mix.put > 0 && w.mix.watch > 0);
});

const op = (
  id: number,
  request: EtcdOperation["request"],
  response: EtcdOperation["response"],
  ret: number | null = 10,
): EtcdOperation => ({ id, client: 1, call: 1, return: ret, request, response });
const header = (revision: number) => ({ revision, raftTerm: 2 });

test("lease expiries: a delete of a leased key that no client write claims counts; a claimed or explainable one does not", () => {
  const deletes = [
    { revision: 5, key: "/k/1", lease: 1, time: 3_000_000 }, // an expiry
    { revision: 6, key: "/k/2", lease: 1, time: 3_100_000 }, // claimed by a client delete's revision
    { revision: 7, key: "/k/3", lease: 2, time: 3_200_000 }, // lease 2 was revoked by a client
    { revision: 8, key: "/k/4", lease: 3, time: 3_300_000 }, // a delete of /k/4 with unknown outcome explains it
    { revision: 9, key: "/k/5", lease: 0, time: 3_400_000 }, // no lease: a client delete
  ];
  const ops = [
    op(
      0,
      { kind: "deleteRange", deleteRange: { key: "/k/2" } },
      { kind: "deleteRange", deleteRange: { header: header(6), deleted: 1, prevKvs: [] } },
    ),
    op(1, { kind: "leaseRevoke", leaseRevoke: { ID: 2 } }, { kind: "leaseRevoke", leaseRevoke: { header: header(7) } }),
    op(2, { kind: "deleteRange", deleteRange: { key: "/k/4" } }, null, null),
  ];
  assert.equal(expiries(deletes, ops), [{ lease: 1, time: 3_000_000 }]);
});

test.run();
