import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdClient } from "../../core/etcd/client.ts";
import { startEtcdCluster } from "../etcd/cluster.ts";
import { SimRun } from "./run.ts";

/** Three members and one client that writes a, b, c one after another. */
function threeWrites(seed: number) {
  const run = new SimRun({ seed, keepTrace: false });
  const etcd = startEtcdCluster(run, { members: 3, options: {} });
  run.world.spawn("c1", (env) => {
    const c = new EtcdClient(env, {
      clientId: 1,
      members: etcd.members,
      requestTimeoutUs: 1_000_000,
      streamTimeoutUs: 1_000_000,
      recorder: run.recorder,
    });
    const put = (keys: string[]) => {
      const [k, ...rest] = keys;
      if (k !== undefined) c.put({ key: k, value: k }, () => put(rest));
    };
    return {
      start: () => env.setTimer(300_000, () => put(["a", "b", "c"])),
      onMessage: (from, msg) => void c.onMessage(from, msg),
    };
  });
  return { run, etcd };
}

test("a committed revision is reported once, by the first member to apply it; every member's applies are seen", () => {
  const { run } = threeWrites(5);
  const commits: [number, string][] = [];
  const appliedBy = new Map<string, number>();
  run.observe.commits.on((c) => commits.push([c.revision, c.keys.join()]));
  run.observe.applies.on((e) => appliedBy.set(e.member, (appliedBy.get(e.member) ?? 0) + 1));
  run.world.runUntil(2_000_000);
  assert.equal(commits, [
    [2, "a"],
    [3, "b"],
    [4, "c"],
  ]);
  assert.equal([...appliedBy.keys()].sort(), ["n1", "n2", "n3"]);
  assert.is(run.recorder.operations.length, 3);
});

test("subscribing observers changes no trace hash (they are passive)", () => {
  const bare = threeWrites(9);
  bare.run.world.runUntil(2_000_000);
  const watched = threeWrites(9);
  let views = 0;
  watched.run.observe.raftViews.on(() => views++);
  watched.run.observe.roles.on(() => views++);
  watched.run.world.runUntil(2_000_000);
  assert.ok(views > 0);
  assert.is(watched.run.world.trace.hash(), bare.run.world.trace.hash());
});

test("declared checkers give their results in declaration order; one that does not apply gives none", () => {
  const { run } = threeWrites(3);
  const order: string[] = [];
  run.check(
    () => {
      order.push("first");
      return { name: "first", verdict: "pass", message: "ok" };
    },
    () => {
      order.push("none");
      return undefined;
    },
    () => {
      order.push("two");
      return [
        { name: "a", verdict: "pass", message: "ok" },
        { name: "b", verdict: "fail", message: "no" },
      ];
    },
    () => run.assertions(),
    () => run.incarnations(),
  );
  run.faultPhase({ faultPhaseUs: 1_000_000, livenessBoundUs: 0 });
  assert.equal(order, [], "checkers run when the run ends, not before");
  const out = run.finish({ membership: [] });
  assert.equal(order, ["first", "none", "two"]);
  assert.equal(
    out.checks.map((c) => c.name),
    ["first", "a", "b", "incarnations"],
  );
  assert.equal(out.extra, { membership: [] });
  assert.is(out.stats.ops, run.recorder.operations.length);
  assert.is(out.traceHash, run.world.trace.hash());
});

test.run();
