// The kv harness: symbolic fault targets name roles at the moment a fault starts, and the workload
// waits for a first leader.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdMember } from "../../core/etcd/member.ts";
import { World } from "../../sim/world.ts";
import { runScenario } from "../runner.ts";
import { memberNames, runKvCluster, symbolicTargets } from "./cluster.ts";
import { kvCrash, smoke } from "./scenarios.ts";
import { resolveRun } from "../runner.ts";
import { BugSet } from "../../core/bugs.ts";

function threeMembers(seed: number) {
  const world = new World({ seed });
  const members = memberNames(3);
  for (const id of members) world.spawn(id, (env) => new EtcdMember(env, { peers: members }));
  const status = (id: string) => (world.process(id).actor as EtcdMember).driver.status();
  assert.ok(
    world.runUntilPredicate(() => members.some((m) => status(m).role === "leader"), 2_000_000),
    "a leader is elected",
  );
  world.runUntil(world.now + 50_000);
  return { world, members, status, resolve: symbolicTargets(world, members) };
}

test("@leader names the running leader and @follower another member; a paused leader is not @leader", () => {
  const { world, members, status, resolve } = threeMembers(7);
  const leader = members.find((m) => status(m).role === "leader")!;
  assert.is(resolve("@leader"), leader);
  const follower = resolve("@follower");
  assert.ok(follower !== undefined && follower !== leader, `follower ${follower}`);
  assert.is(resolve("@stale-leader"), undefined, "no deposed leader in a quiet cluster");
  world.pause(leader);
  assert.is(resolve("@leader"), undefined);
});

test("a label binds the member a role named when the fault started, even after the role moved on", () => {
  const { world, members, status, resolve } = threeMembers(11);
  const first = resolve("@leader=L");
  assert.is(resolve("@L"), first);
  assert.is(resolve("@nobody"), undefined);
  // Cut the leader off: another member leads a higher term, and the old one, paused before it
  // noticed, is the stale leader — still reachable through its label.
  for (const m of members)
    if (m !== first) {
      world.network.faults.cut(first!, m);
      world.network.faults.cut(m, first!);
    }
  world.pause(first!);
  assert.ok(
    world.runUntilPredicate(
      () => members.some((m) => m !== first && status(m).role === "leader"),
      world.now + 2_000_000,
    ),
  );
  const second = resolve("@leader");
  assert.ok(second !== undefined && second !== first);
  assert.is(resolve("@stale-leader"), first);
  assert.is(resolve("@L"), first);
});

test("the workload starts only once the members have elected a leader", () => {
  const r = runScenario({ scenario: smoke, seed: 3 });
  const firstLeader = Math.min(...r.timeline!.filter((p) => p.role === "leader").map((p) => p.time));
  const firstCall = Math.min(...r.history!.operations.map((op) => op.call));
  assert.ok(firstCall >= firstLeader, `first call ${firstCall}us, first leader ${firstLeader}us`);
  assert.ok(
    r.history!.operations.slice(0, 3).every((op) => op.return !== null),
    "the first operations complete",
  );
  assert.is(r.verdict, "pass");
});

test("the etcd scenarios fail if the world ever delivers a message to a later incarnation than it was sent to", () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const verdicts = seeds.map((seed) => {
    const { options, faults } = resolveRun(kvCrash, seed);
    const input = {
      seed,
      bugs: BugSet.none,
      options: options as Parameters<typeof runKvCluster>[0]["options"],
      faults,
      keepTrace: false,
    };
    const check = (o: { checks: { name: string; verdict: string }[] }) =>
      o.checks.find((c) => c.name === "incarnations")!.verdict;
    return { real: check(runKvCluster(input)), leaky: check(runKvCluster(input, { deliverAcrossIncarnations: true })) };
  });
  assert.ok(
    verdicts.every((v) => v.real === "pass"),
    JSON.stringify(verdicts),
  );
  assert.ok(
    verdicts.some((v) => v.leaky === "fail"),
    JSON.stringify(verdicts),
  );
});

test.run();
