import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet, type BugName } from "../bugs.ts";
import { World } from "../../sim/world.ts";
import { checkSingleLeader } from "../../checkers/kube/leader.ts";
import { apiserver } from "./apiserver.ts";
import { KubeClient } from "./client.ts";
import { DEFAULT_LEADER_TIMING, LeaderElector } from "./leaderelection.ts";
import { KubeRecorder } from "./observations.ts";
import { probeCounts, resetProbes } from "../probes.ts";
import { FakeEtcd } from "../../testing/kube/fake-etcd.ts";
import { NGINX, startFakeKubeCluster } from "../../testing/kube/fake-cluster.ts";

const L = DEFAULT_LEADER_TIMING;

function rig(bugs: BugName[] = []) {
  const world = new World({ seed: 5 });
  const etcd = new FakeEtcd();
  const rec = new KubeRecorder(() => world.now);
  world.spawn("apiserver-1", (env) =>
    apiserver(env, { kv: etcd.client(env), bugs: BugSet.none, timing: { compactIntervalUs: 0 } }),
  );
  const electors = new Map<string, LeaderElector>();
  const spawn = (id: string) =>
    world.spawn(id, (env) => {
      const client = new KubeClient(env, ["apiserver-1"]);
      const e = new LeaderElector(env, client, {
        namespace: "kube-system",
        name: "test",
        identity: id,
        recorder: rec,
        bugs: new BugSet(bugs),
        onStartedLeading() {},
        onStoppedLeading() {},
      });
      electors.set(id, e);
      return { start: () => e.start(), onMessage: (f, m) => void client.onMessage(f, m) };
    });
  spawn("a");
  world.runUntil(50_000); // a is first
  spawn("b");
  world.runUntil(1_000_000);
  return { world, rec, electors };
}

const acquired = (rec: KubeRecorder, p: string) => rec.leaders.find((l) => l.process === p && l.event === "acquired");

test("one replica leads; the other takes over only after the lease went unrenewed for leaseDuration", () => {
  const { world, rec, electors } = rig();
  assert.ok(electors.get("a")!.isLeader());
  assert.not.ok(electors.get("b")!.isLeader());
  const pausedAt = world.now;
  world.pause("a");
  world.runUntil(pausedAt + 3 * L.leaseDurationUs);
  const b = acquired(rec, "b");
  assert.ok(b !== undefined, "b took over");
  const after = b.time - pausedAt;
  assert.ok(
    after >= L.leaseDurationUs - L.retryPeriodUs && after <= L.leaseDurationUs + 2 * L.retryPeriodUs + 50_000,
    `took over ${after}us after the pause`,
  );
  assert.ok(b.term > acquired(rec, "a")!.term, "the new tenure's term is a later revision");
});

test("the lease is measured on the candidate's own clock: a fast clock takes over sooner", () => {
  const { world, rec } = rig();
  world.process("b").clock.setDrift(world.now, 500_000); // b's clock runs 1.5× fast
  const pausedAt = world.now;
  world.pause("a");
  world.runUntil(pausedAt + 3 * L.leaseDurationUs);
  const b = acquired(rec, "b")!;
  assert.ok(
    b.time - pausedAt < L.leaseDurationUs,
    `took over ${b.time - pausedAt}us after the pause, before a true leaseDuration`,
  );
});

test("a leader that cannot renew stops acting after renewDeadline on its own clock", () => {
  const { world, rec, electors } = rig();
  const a = electors.get("a")!;
  assert.ok(a.canAct());
  const cutAt = world.now;
  world.network.faults.cut("a", "apiserver-1");
  world.network.faults.cut("apiserver-1", "a");
  let stoppedActing: number | undefined;
  world.runUntilPredicate(
    () => {
      if (stoppedActing === undefined && !a.canAct()) stoppedActing = world.now;
      return false;
    },
    cutAt + 2 * L.leaseDurationUs,
  );
  assert.ok(
    stoppedActing !== undefined && stoppedActing - cutAt <= L.renewDeadlineUs,
    `stopped acting ${String(stoppedActing! - cutAt)}us after the cut`,
  );
  const lost = rec.leaders.find((l) => l.process === "a" && l.event === "lost");
  assert.ok(lost !== undefined && lost.time - cutAt <= L.renewDeadlineUs + L.retryPeriodUs);
});

/** Cuts the leader off from the apiserver and steps its wall clock back 1.5 s (past leaseDuration − renewDeadline). */
function leaderClockStepsBack(bugs: BugName[]) {
  const { world, electors } = rig(bugs);
  const a = electors.get("a")!;
  assert.ok(a.canAct());
  const cutAt = world.now;
  world.network.faults.cut("a", "apiserver-1");
  world.network.faults.cut("apiserver-1", "a");
  world.process("a").clock.skew(-1_500_000);
  let stoppedActing: number | undefined;
  world.runUntilPredicate(
    () => {
      if (stoppedActing === undefined && !a.canAct()) stoppedActing = world.now;
      return false;
    },
    cutAt + 4 * L.leaseDurationUs,
  );
  return { stoppedAfter: stoppedActing === undefined ? Infinity : stoppedActing - cutAt };
}

test("a leader whose wall clock steps back still stops acting within renewDeadline: elapsed time is monotonic (issue 15)", () => {
  const { stoppedAfter } = leaderClockStepsBack([]);
  assert.ok(stoppedAfter <= L.renewDeadlineUs, `stopped acting ${stoppedAfter}us after the cut`);
});

test("with kube-leader-wall-clock the stepped-back leader acts past leaseDuration, when a candidate may have taken over", () => {
  const { stoppedAfter } = leaderClockStepsBack(["kube-leader-wall-clock"]);
  assert.ok(stoppedAfter > L.leaseDurationUs, `stopped acting ${stoppedAfter}us after the cut`);
});

test("a released Lease is taken by the standby at its next retry, not a lease duration later (ReleaseOnCancel)", () => {
  const { world, rec, electors } = rig();
  const a = electors.get("a")!;
  assert.ok(a.isLeader());
  const at = world.now;
  let released = false;
  a.release(() => {
    released = true;
  });
  world.runUntil(at + 3 * L.retryPeriodUs);
  assert.ok(released);
  assert.not.ok(a.isLeader(), "the releaser no longer leads");
  assert.equal(
    rec.leaders.filter((l) => l.process === "a").map((l) => l.event),
    ["acquired", "lost"],
  );
  const b = acquired(rec, "b");
  assert.ok(
    b !== undefined && b.time - at <= L.retryPeriodUs + 50_000,
    `b took over ${b === undefined ? "never" : b.time - at} us after`,
  );
});

test("a replica that does not lead releases nothing and just stops", () => {
  const { world, electors } = rig();
  const b = electors.get("b")!;
  let done = false;
  b.release(() => {
    done = true;
  });
  assert.ok(done);
  world.runUntil(world.now + 3 * L.leaseDurationUs);
  assert.ok(electors.get("a")!.isLeader(), "the leader is untouched");
});

test("a takeover after expiry is probed", () => {
  resetProbes();
  const { world } = rig();
  world.pause("a");
  world.runUntil(world.now + 3 * L.leaseDurationUs);
  assert.ok((probeCounts().get("leaderelection.takeover-after-expiry") ?? 0) >= 1);
});

/** Pauses the leading scheduler while it is binding a batch of pods, long enough for the other to take over. */
function pausedScheduler(bugs: BugName[]) {
  const world = new World({ seed: 1 });
  const { cluster } = startFakeKubeCluster(world, {
    bugs: new BugSet(bugs),
    manifests: [NGINX],
    actions: [{ at: 3_000_000, kind: "scale", deployment: "nginx", replicas: 20 }],
  });
  const binds = () =>
    cluster.recorder.acts.filter((a) => a.lease === "kube-system/kube-scheduler" && a.time >= 3_000_000);
  world.runUntilPredicate(() => binds().length >= 3, 10_000_000);
  const leader = binds()[0]!.process;
  world.pause(leader);
  world.runUntil(world.now + L.leaseDurationUs + 1_000_000);
  world.resume(leader);
  world.runUntilPredicate(() => cluster.pending().length === 0, world.now + 10_000_000);
  return { leader, cluster, check: checkSingleLeader(cluster.observations()) };
}

test("a paused scheduler checks its lease on its own clock before binding: one leader at a time", () => {
  const { cluster, check } = pausedScheduler([]);
  assert.is(check.verdict, "pass", check.message);
  assert.is(cluster.pending().length, 0);
  assert.ok(
    new Set(
      cluster.recorder.leaders
        .filter((l) => l.lease === "kube-system/kube-scheduler" && l.event === "acquired")
        .map((l) => l.process),
    ).size === 2,
    "the other scheduler took over",
  );
});

test("with kube-leader-no-fencing the resumed scheduler binds on a lost lease: two leaders", () => {
  const { leader, check } = pausedScheduler(["kube-leader-no-fencing"]);
  assert.is(check.verdict, "fail");
  assert.match(check.message, `two leaders of kube-system/kube-scheduler: ${leader}`);
});

test.run();
