import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Env } from "../env.ts";
import type { KV } from "../etcd/kv.ts";
import { World } from "../../sim/world.ts";
import { BugSet } from "../bugs.ts";
import { compactRound, startCompactor } from "./compactor.ts";
import { FakeEtcd } from "../../testing/kube/fake-etcd.ts";
import { settle } from "../../testing/kube/sync.ts";

function rig() {
  const world = new World({ seed: 2 });
  const etcd = new FakeEtcd();
  const envs = new Map<string, Env>();
  for (const id of ["a", "b"]) world.spawn(id, (e) => (envs.set(id, e), { onMessage() {} }));
  return { world, etcd, envs, kv: (id: string) => etcd.client(envs.get(id)!) };
}

type Round = [number, number, number | undefined];

test("the Txn on compact_rev_key's version elects one compactor per round, which compacts at the revision of the round before", () => {
  const { world, etcd, kv } = rig();
  const a = kv("a");
  const b = kv("b");
  const round = (k: typeof a, t: number, rev: number) =>
    settle<Round>(world, (cb) => compactRound(k, t, rev, (nt, nrev, c) => cb([nt, nrev, c])));
  const [ta, ra, ca] = round(a, 0, 0);
  assert.equal([ta, ca], [1, undefined], "the first winner only records the revision: no compaction on bootstrap");
  const [tb, , cb] = round(b, 0, 0);
  assert.equal([tb, cb], [1, undefined], "b lost the election and learned the key's version");
  for (let i = 0; i < 5; i++) etcd.putNow({ key: "/registry/x", value: String(i) });
  const [ta2, , ca2] = round(a, ta, ra);
  assert.equal([ta2, ca2], [2, ra], "a won again and compacted at the revision it saw last round");
  assert.is(etcd.compactRevision, ra);
  const [, , cb2] = round(b, tb, 99);
  assert.is(cb2, undefined, "b's Txn fails: one compaction per round");
});

test("two apiservers' compactor loops compact about once per interval between them", () => {
  const { world, etcd, envs, kv } = rig();
  const compactions: number[] = [];
  for (const id of ["a", "b"]) startCompactor(envs.get(id)!, kv(id), 100_000, (rev) => compactions.push(rev));
  for (let t = 0; t < 100; t++) world.scheduler.at(t * 10_000, () => void etcd.putNow({ key: "/k", value: String(t) }));
  world.runUntil(1_050_000);
  assert.ok(compactions.length >= 7 && compactions.length <= 10, `${compactions.length} compactions in 10 intervals`);
  assert.equal(
    [...compactions].sort((x, y) => x - y),
    compactions,
    "compaction revisions only grow",
  );
  assert.ok(etcd.compactRevision > 50 && etcd.compactRevision < etcd.revision);
});

/** Compactions by a loop whose etcd is unreachable from 250 ms to 550 ms: [before it came back, in all by 1.05 s]. */
function throughOutage(bugs: BugSet = BugSet.none): [number, number] {
  const { world, etcd, envs, kv } = rig();
  const real = kv("a");
  let down = false;
  // Every call fails with an unknown outcome while `down` (a partition between apiserver and etcd).
  const flaky: KV = {
    ...real,
    txn: (req, cb) => (down ? cb({ ok: false, error: "timeout", unknown: true }) : real.txn(req, cb)),
    compact: (req, cb) => (down ? cb({ ok: false, error: "timeout", unknown: true }) : real.compact(req, cb)),
  };
  const compactions: number[] = [];
  startCompactor(envs.get("a")!, flaky, 100_000, (rev) => compactions.push(rev), undefined, bugs);
  for (let t = 0; t < 100; t++) world.scheduler.at(t * 10_000, () => void etcd.putNow({ key: "/k", value: String(t) }));
  world.scheduler.at(250_000, () => void (down = true));
  world.scheduler.at(550_000, () => void (down = false));
  world.runUntil(550_000);
  const during = compactions.length;
  world.runUntil(1_050_000);
  return [during, compactions.length];
}

test("a compactor whose rounds fail while etcd is unreachable goes on compacting once it is back", () => {
  const [during, all] = throughOutage();
  assert.ok(all >= during + 3, `${all - during} compactions in the 5 intervals after`);
});

test("the mutant kube-compactor-stops-on-error compacts nothing once a round has failed", () => {
  const [during, all] = throughOutage(new BugSet(["kube-compactor-stops-on-error"]));
  assert.ok(during > 0, "it compacted before the outage");
  assert.is(all, during);
});

test.run();
