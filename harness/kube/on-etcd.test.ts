// The control plane on the real simulated etcd (three Raft members, the etcd client) instead of the
// fake: the same flow converges under faults, and a store-level mutant shows up in the kube checks.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BugSet, type BugName } from "../../core/bugs.ts";
import type { Env } from "../../core/env.ts";
import { EtcdMember } from "../../core/etcd/member.ts";
import { EtcdClient, HistoryRecorder } from "../../core/etcd/client.ts";
import type { MemberMessage } from "../../core/etcd/protocol.ts";
import type { Event } from "../../core/mvcc/rpc.ts";
import { World } from "../../sim/world.ts";
import { generateSchedule, Nemesis, type FaultEvent } from "../../sim/nemesis.ts";
import { Rng } from "../../sim/rng.ts";
import { checkKube } from "../../checkers/kube/index.ts";
import { startKubeCluster } from "./cluster.ts";
import { NGINX } from "../../testing/kube/fake-cluster.ts";

/**
 * faults: a random mix from the seed, or an explicit schedule. memberDrops: messages from members
 * the network loses on purpose (to make one loss deterministic).
 */
function onEtcd(
  seed: number,
  bugs: BugName[],
  faults: boolean | FaultEvent[],
  memberDrops?: (to: string, m: MemberMessage) => boolean,
) {
  const world = new World({ seed, link: { lossP: 0.005 } });
  const members = ["n1", "n2", "n3"];
  const history = new HistoryRecorder(() => world.now);
  const feeds: ((revision: number, events: readonly Event[]) => void)[] = [];
  let lastRevision = 1;
  const lossy = (env: Env): Env =>
    memberDrops
      ? { ...env, send: (to, msg) => (memberDrops(to, msg as MemberMessage) ? undefined : env.send(to, msg)) }
      : env;
  for (const id of members) {
    world.spawn(
      id,
      (env) =>
        new EtcdMember(lossy(env), {
          peers: members,
          bugs: new BugSet(bugs),
          hooks: {
            // The first member to apply a revision reports it: the complete store feed for the recorder.
            onCommit: (_m, revision, keys, changes) => {
              if (revision <= lastRevision) return;
              lastRevision = revision;
              const events: Event[] = changes.map((c, i) =>
                c.version === 0
                  ? {
                      type: "DELETE",
                      kv: { key: keys[i]!, createRevision: 0, modRevision: revision, version: 0, value: "", lease: 0 },
                    }
                  : {
                      type: "PUT",
                      kv: {
                        key: keys[i]!,
                        createRevision: c.createRevision,
                        modRevision: revision,
                        version: c.version,
                        value: c.value,
                        lease: c.lease,
                      },
                    },
              );
              for (const f of feeds) f(revision, events);
            },
          },
        }),
    );
  }
  let clientId = 100;
  const cluster = startKubeCluster(world, {
    bugs: new BugSet(bugs),
    etcdClientFor: (_id, env) =>
      new EtcdClient(env, {
        clientId: clientId++,
        members,
        requestTimeoutUs: 1_000_000,
        streamTimeoutUs: 1_000_000,
        recorder: history,
      }),
    storeFeed: (fn) => feeds.push(fn),
    manifests: [NGINX],
    timing: { apiserver: { compactIntervalUs: 500_000 } },
    actions: [
      { at: 1_000_000, kind: "scale", deployment: "nginx", replicas: 5 },
      { at: 3_000_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
    ],
  });
  const targets = [...members, ...cluster.faultTargets];
  const nemesis = new Nemesis(world, () => targets);
  if (Array.isArray(faults)) nemesis.schedule(faults);
  else if (faults) {
    const mix = {
      meanGapUs: 300_000,
      minDurationUs: 100_000,
      maxDurationUs: 1_500_000,
      weights: { crash: 1, pause: 1, isolate: 1, partition: 1, loss: 1 },
    };
    nemesis.schedule(generateSchedule(new Rng(seed).fork("faults"), mix, targets, 500_000, 5_000_000));
  }
  world.runUntil(5_000_000);
  nemesis.heal();
  const converged = world.runUntilPredicate(() => cluster.pending().length === 0, world.now + 15_000_000);
  return { converged, cluster, world, checks: checkKube(cluster.observations(), { input: cluster.convergence() }) };
}

test("on three Raft members the rollout converges and every kube check passes, with and without faults", () => {
  for (const [seed, faults] of [
    [1, false],
    [2, true],
    [3, true],
  ] as const) {
    const { converged, cluster, world, checks } = onEtcd(seed, [], faults);
    assert.ok(
      converged && world.failure === undefined,
      `seed ${seed}: ${cluster.pending().join("; ")} ${world.failure?.message ?? ""}`,
    );
    for (const c of checks) assert.is(c.verdict, "pass", `seed ${seed} ${c.name}: ${c.message}`);
  }
});

test("an etcd that ignores Txn compares (mvcc-txn-compare-ignored) breaks the registry's preconditions: the kube checks fail", () => {
  const { checks } = onEtcd(1, ["mvcc-txn-compare-ignored"], false);
  const failed = checks.filter((c) => c.verdict === "fail").map((c) => c.name);
  assert.ok(failed.includes("kube-binding") || failed.includes("kube-lost-update"), `failed: ${failed.join(", ")}`);
});

test("an apiserver whose etcd watch lost its compaction cancel still ends the kube watch: the kubelet relists and starts its pods", () => {
  // node-1 is cut off long enough for compaction to pass its informer's revision. Its re-watch
  // reaches an apiserver whose etcd watch the member cancels as compacted — and that cancel, the
  // stream's last response, is lost. Before the etcd client learned from pongs how many responses
  // were sent, nothing revealed the loss: the apiserver's etcd stream stayed open and silent, the
  // kube stream kept its heartbeats, and node-1 never saw the pods bound to it.
  let cancels = 0;
  const dropFirstCompactionCancel = (to: string, m: MemberMessage) =>
    to.startsWith("apiserver-") && m.type === "WatchEvent" && (m.response.compactRevision ?? 0) > 0 && ++cancels === 1;
  const { converged, cluster, world, checks } = onEtcd(
    1,
    [],
    [{ at: 1_200_000, until: 3_500_000, kind: "isolate", target: "node-1" }],
    dropFirstCompactionCancel,
  );
  assert.ok(cancels >= 1, "an apiserver's etcd watch was canceled as compacted (and that cancel lost)");
  assert.ok(
    converged && world.failure === undefined,
    `${cluster.pending().join("; ")} ${world.failure?.message ?? ""}`,
  );
  for (const c of checks) assert.is(c.verdict, "pass", `${c.name}: ${c.message}`);
});

test.run();
