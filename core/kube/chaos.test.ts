// The control plane under faults, then heal: the clean build converges and passes every kube check;
// each kube mutant is caught by checkers/kube within a stated number of seeds, on seeds the clean
// build passes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet, type BugName } from "../bugs.ts";
import { World } from "../../sim/world.ts";
import { generateSchedule, Nemesis, type FaultKind } from "../../sim/nemesis.ts";
import { Rng } from "../../sim/rng.ts";
import type { CheckResult } from "../../checkers/types.ts";
import { checkKube } from "../../checkers/kube/index.ts";
import type { FakeEtcdOptions } from "../../testing/kube/fake-etcd.ts";
import { NGINX, startFakeKubeCluster } from "../../testing/kube/fake-cluster.ts";
import type { WorkloadAction } from "../../harness/kube/workload.ts";

const FAULT_END_US = 7_000_000;
const LIVENESS_BOUND_US = 10_000_000;
const ALL_FAULTS: FaultKind[] = [
  "pause",
  "crash",
  "isolate",
  "partition",
  "loss",
  "clog",
  "duplicate",
  "delay",
  "skew",
  "drift",
];

const ROLLOUT: WorkloadAction[] = [
  { at: 1_000_000, kind: "scale", deployment: "nginx", replicas: 5 },
  { at: 2_500_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
  { at: 4_000_000, kind: "scale", deployment: "nginx", replicas: 4 },
  { at: 5_500_000, kind: "image", deployment: "nginx", image: "nginx:1.27" },
];

interface ChaosOptions {
  bugs?: BugName[];
  faults?: FaultKind[];
  /** Pause whichever scheduler leads, at random times, instead of random faults. */
  pauseLeadingScheduler?: boolean;
  actions?: WorkloadAction[];
  etcd?: FakeEtcdOptions;
}

function chaos(seed: number, o: ChaosOptions = {}): { checks: CheckResult[]; failed: CheckResult[] } {
  const world = new World({ seed, link: { lossP: 0.005, dupP: 0.005 } });
  const { cluster } = startFakeKubeCluster(world, {
    bugs: new BugSet(o.bugs ?? []),
    manifests: [NGINX],
    actions: o.actions ?? ROLLOUT,
    timing: { apiserver: { compactIntervalUs: 300_000 } },
    ...(o.etcd ? { etcd: o.etcd } : {}),
  });
  const nemesis = new Nemesis(world, () => cluster.faultTargets);
  const rng = new Rng(seed).fork("kube-chaos");
  if (o.pauseLeadingScheduler) {
    for (let t = rng.int(500_000, 1_500_000); t < FAULT_END_US - 1_000_000; t += rng.int(2_500_000, 4_000_000)) {
      const d = rng.int(1_800_000, 3_500_000);
      world.scheduler.at(t, () => {
        const leader = cluster.leaderOf("kube-system/kube-scheduler");
        if (leader !== undefined)
          nemesis.apply({ at: t, until: Math.min(t + d, FAULT_END_US), kind: "pause", target: leader });
      });
    }
  } else {
    const weights: Partial<Record<FaultKind, number>> = {};
    for (const k of o.faults ?? ALL_FAULTS) weights[k] = 1;
    const mix = { meanGapUs: 300_000, minDurationUs: 100_000, maxDurationUs: 2_500_000, weights, maxSkewUs: 300_000 };
    nemesis.schedule(generateSchedule(rng, mix, cluster.faultTargets, 500_000, FAULT_END_US));
  }
  world.runUntil(FAULT_END_US);
  nemesis.heal();
  const healedAt = world.now;
  world.runUntilPredicate(() => cluster.pending().length === 0, healedAt + LIVENESS_BOUND_US);
  const faults = nemesis.log.map((a) => ({ start: a.start, end: a.end }));
  const checks = checkKube(
    cluster.observations(),
    { input: cluster.convergence(), timing: { healedAt, at: world.now, boundUs: LIVENESS_BOUND_US } },
    { faults },
  );
  if (world.failure) checks.push({ name: "assertions", verdict: "fail", message: world.failure.message });
  return { checks, failed: checks.filter((c) => c.verdict !== "pass") };
}

const describe = (seed: number, failed: CheckResult[]) =>
  `seed ${seed}: ${failed.map((c) => `${c.name}: ${c.message}`).join(" | ")}`;

test("under random faults on every control-plane process the cluster converges after heal and every kube check passes", () => {
  for (let seed = 1; seed <= 8; seed++) {
    const { checks, failed } = chaos(seed);
    assert.is(failed.length, 0, describe(seed, failed));
    assert.equal(
      checks.map((c) => c.name),
      [
        "kube-binding",
        "kube-bind-precondition",
        "kube-resource-version",
        "kube-informer-reliable",
        "kube-lost-update",
        "kube-read-fresh",
        "kube-leader",
        "kube-lease-transitions",
        "kube-cache-synced",
        "kube-gc-owner-gone",
        "kube-cascade",
        "kube-ready-truthful",
        "kube-node-capacity",
        "kube-scheduler-fit",
        "kube-replica-creations",
        "kube-replica-deletions",
        "kube-replicaset-status",
        "kube-deployment-status",
        "kube-create-status",
        "kube-object-meta",
        "kube-graceful-delete",
        "kube-watch-leaks",
        "kube-max-surge",
        "kube-min-available",
        "kube-rollout-decisions",
        "kube-liveness",
      ],
    );
  }
});

test("etcd timeouts with unknown outcome are retried idempotently: the cluster still converges", () => {
  for (let seed = 1; seed <= 4; seed++) {
    const { failed } = chaos(seed, { faults: ["pause", "crash", "loss"], etcd: { unknownP: 0.03 } });
    assert.is(failed.length, 0, describe(seed, failed));
  }
});

/** Runs seeds 1..bound with the mutant until a check named `by` fails; the clean build must pass the same seeds. */
function caughtWithin(bug: BugName, by: string, bound: number, o: ChaosOptions): number {
  for (let seed = 1; seed <= bound; seed++) {
    const mutant = chaos(seed, { ...o, bugs: [bug] });
    if (!mutant.failed.some((c) => c.name === by)) continue;
    const clean = chaos(seed, o);
    assert.is(
      clean.failed.length,
      0,
      `the clean build fails the seed that caught ${bug}: ${describe(seed, clean.failed)}`,
    );
    return seed;
  }
  throw new Error(`${bug} not caught by ${by} within ${bound} seeds`);
}

test("kube-update-no-precondition is caught as a lost update within 3 seeds", () => {
  caughtWithin("kube-update-no-precondition", "kube-lost-update", 3, {});
});

test("kube-informer-no-relist stalls a controller after 410: liveness fails within 3 seeds of pauses", () => {
  caughtWithin("kube-informer-no-relist", "kube-liveness", 3, { faults: ["pause", "isolate", "crash"] });
});

test("kube-leader-no-fencing lets a resumed scheduler bind on a lost lease: two leaders within 5 seeds of leader pauses", () => {
  const actions: WorkloadAction[] = [12, 5, 15, 6, 14, 4].map((replicas, i) => ({
    at: 1_000_000 * (i + 1),
    kind: "scale",
    deployment: "nginx",
    replicas,
  }));
  caughtWithin("kube-leader-no-fencing", "kube-leader", 5, { pauseLeadingScheduler: true, actions });
});

test.run();
