// The Kubernetes scenarios: the Deployment → ReplicaSet → scheduler → kubelet flow on three (or five)
// simulated etcd members, under faults on every process — etcd members, apiservers, controller
// managers, schedulers, kubelets — then heal and convergence.
import { BUGGIFY_SITE_NAMES, type BuggifySite } from "../../core/buggify.ts";
import { EtcdClient } from "../../core/etcd/client.ts";
import {
  APISERVER_CREDENTIALS,
  ROOT_CREDENTIALS,
  registryAuthSetup,
  runAuthRequests,
} from "../../harness/etcd/auth-setup.ts";
import type { HistoryRecorder } from "../../core/etcd/client.ts";
import type { World } from "../../sim/world.ts";
import type { ControllerDef } from "../../core/kube/controller.ts";
import { startEtcdCluster } from "../../harness/etcd/cluster.ts";
import { startKubeCluster } from "../../harness/kube/cluster.ts";
import { NGINX_EXPORTED_MANIFEST, NGINX_MANIFEST } from "../../harness/kube/manifests.ts";
import { kubeObjects, type KubeObjectsView } from "../../harness/kube/objects.ts";
import type { WorkloadAction } from "../../harness/kube/workload.ts";
import { SimRun } from "../../harness/run/run.ts";
import {
  generateSchedule,
  maxDriftPpm,
  minDriftPpm,
  type FaultEvent,
  type FaultKind,
  type FaultMix,
} from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ExecuteInput, ScenarioDef, ScenarioOutcome, ShrinkKnob } from "../types.ts";
import { controlPlaneChecks, controlPlaneTargets, observeEtcd } from "./on-etcd.ts";
import { startLatencyLog, stopLatencyLog, type LatencyOp, type StepStart } from "../../core/metrics/latency.ts";
import { kubeLatencyReport, podStartups, type LatencyReport } from "../../harness/metrics/kube.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import type { RunExtra } from "../../harness/run/types.ts";
import { checkKubeSlo, type PodStartup } from "../../checkers/kube/slo.ts";
import { checkNodeHealth, hasUnreachableTaint, readyStatus } from "../../checkers/kube/node-health.ts";
import { registryPrefix } from "../../core/kube/resources.ts";
import { readyCountController } from "../../core/kube/examples/ready-count.ts";
import { drainController } from "../../core/kube/examples/drain.ts";
import { applyLatencyOptions, type LatencyOptions } from "../../sim/latency-options.ts";

export { NGINX_MANIFEST };

export interface KubeOptions extends Record<string, unknown> {
  members: number;
  apiservers: number;
  nodes: number;
  faultPhaseUs: number;
  livenessBoundUs: number;
  manifests: string[];
  actions: WorkloadAction[];
  mix: FaultMix;
  /** Pause whichever scheduler leads, for longer than its lease (the fencing hazard). */
  pauseSchedulerLeader: boolean;
  compactIntervalUs: number;
  /** Extra writers on the same objects: timed kubectl scale/image actions close together. */
  conflictWriters: number;
  /** BUGGIFY fault points enabled for this run (core/buggify.ts); they fire in the etcd members. */
  buggify: BuggifySite[];
  /**
   * A bind storm: at bindStormAtUs scale to this many replicas (many pods bound back to back, the
   * nodes' loads changing under every choice) while the apiserver the leading scheduler talks to is
   * paused, again and again, past the client's timeout: binds of unknown outcome are retried through
   * another apiserver on a stale cache, and the paused one finishes the old bind when it resumes. Only
   * the resourceVersion precondition keeps that bind from moving the pod. Absent: no storm.
   */
  bindStormReplicas?: number;
  bindStormAtUs?: number;
  /** etcd auth on: the apiservers authenticate as a user holding the only role on /registry/ (absent: auth off). */
  etcdAuth?: boolean;
  /** The members' watch send loops run after each apply batch (MemberOptions.watchSendLoop; absent: off). */
  etcdWatchSendLoop?: boolean;
  /** Raft entries each member keeps before its snapshot for followers a little behind (absent: 0). */
  etcdSnapshotCatchUpEntries?: number;
  /** The members' election timeout in 10 ms ticks (absent: 10, a tenth of etcd's default 1 s like every other timing here). */
  etcdElectionTicks?: number;
  /** Pods each node declares room for (absent: 10). */
  nodeCapacity?: number;
  /** Informers list in pages of this many objects (absent: 50, so small clusters never page). */
  informerPageLimit?: number;
  /** Every apiserver serves watches and resourceVersion lists from a watch cache whose window holds this many changes (absent: no cache, all from etcd). */
  watchCacheCapacity?: number;
  /** The node lifecycle controller runs, with these grace and toleration periods (absent: it does not). */
  nodeLifecycle?: { graceUs: number; tolerationUs: number };
  /**
   * The example ready-count controller runs scoped to each of these namespaces (core/kube/examples/ready-count.ts),
   * by processes "ctrl-ready-count-<namespace>-1" and "-2" (absent: none).
   */
  readyCountNamespaces?: string[];
  /** The example drain controller (a finalizer on every nginx pod), by processes ctrl-drain-1 and -2. */
  drainFinalizer?: boolean;
}

const members = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** Process names are fixed by the options, so a schedule can name them before the run. */
export function kubeTargets(o: KubeOptions): string[] {
  return [
    ...members(o.members),
    ...range(o.apiservers, "apiserver-"),
    "kcm-1",
    "kcm-2",
    "scheduler-1",
    "scheduler-2",
    ...range(o.nodes, "node-"),
  ];
}

/** Every link's background loss and jitter in the Kubernetes scenarios (beside any fault). */
export const KUBE_LINK = { lossP: 0.002, jitterUs: 1_000 } as const;

/**
 * How long after a fault its consequences may still explain a dip (kube-min-available, kube-ready-truthful).
 * Where kubelets are cut off for longer than their pods' watch window (node-failures), a node's pods come
 * back only through a relist: a watch retry and a list retry, each after up to the informer's 1 s backoff,
 * with a request that one lost packet (kube's links drop 0.2%) turns into a 300 ms timeout and another
 * backoff, then the kubelet's status write — past the 3 s that covers every other scenario (node-failures
 * seed 900128: 3.2 s).
 */
function recoveryWindow(o: KubeOptions): KubeOptions & { explainUs?: number } {
  return o.nodeLifecycle === undefined ? o : { ...o, explainUs: NODE_RECOVERY_EXPLAIN_US };
}
export const NODE_RECOVERY_EXPLAIN_US = 5_000_000;

export function runKube(
  input: ExecuteInput<KubeOptions>,
  controllers: readonly ControllerDef[] = [],
  link: { lossP: number; jitterUs: number } = KUBE_LINK,
): ScenarioOutcome {
  const o = input.options;
  const run = new SimRun({
    seed: input.seed,
    keepTrace: input.keepTrace,
    link: { ...link },
    ...(o.buggify.length ? { buggify: { sites: o.buggify, p: 0.02 } } : {}),
  });
  const world = run.world;
  const latency = startLatencyLog(() => world.now); // latency: a side channel (core/metrics/latency.ts)

  // The checkers, subscribed to what they observe online.
  const observers = observeEtcd(run, {
    maxDriftPpm: maxDriftPpm(input.faults),
    ...(o.etcdElectionTicks !== undefined ? { electionTicks: o.etcdElectionTicks } : {}),
  });
  run.keepTimeline();

  // The topology: etcd members, then the control plane on them.
  const etcd = startEtcdCluster(run, {
    members: o.members,
    options: {
      bugs: input.bugs,
      snapshotEvery: 200,
      ...(o.etcdWatchSendLoop === true ? { watchSendLoop: true } : {}),
      ...(o.etcdSnapshotCatchUpEntries !== undefined ? { snapshotCatchUpEntries: o.etcdSnapshotCatchUpEntries } : {}),
      ...(o.etcdElectionTicks !== undefined ? { electionTicks: o.etcdElectionTicks } : {}),
    },
  });
  const ms = etcd.members;
  // latency: disk and network latency options (absent: nothing changes).
  applyLatencyOptions(
    world,
    ms,
    o as LatencyOptions,
    () => ms.find((m) => etcd.member(m)?.driver.status().role === "leader"),
    kubeTargets(o),
  );
  let clientId = 100;
  if (o.etcdAuth === true) setUpRegistryAuth(world, [...ms], run.recorder);
  const cluster = startKubeCluster(world, {
    bugs: input.bugs,
    apiservers: o.apiservers,
    nodes: o.nodes,
    ...(o.nodeCapacity !== undefined ? { nodeCapacity: o.nodeCapacity } : {}),
    etcdClientFor: (id, env) =>
      new EtcdClient(env, {
        clientId: observers.apiserverClient(id, clientId++),
        bugs: input.bugs,
        members: ms,
        requestTimeoutUs: 1_000_000,
        streamTimeoutUs: 1_000_000,
        recorder: run.recorder,
        ...(o.etcdAuth === true ? { auth: APISERVER_CREDENTIALS } : {}),
      }),
    storeFeed: observers.storeFeed,
    manifests: o.manifests,
    actions: o.actions,
    ...(controllers.length || o.readyCountNamespaces?.length || o.drainFinalizer === true
      ? {
          controllers: [
            ...(o.readyCountNamespaces ?? []).map((namespace) => readyCountController({ namespace })),
            ...(o.drainFinalizer === true ? [drainController()] : []),
            ...controllers,
          ],
        }
      : {}),
    timing: { apiserver: { compactIntervalUs: o.compactIntervalUs } },
    ...(o.informerPageLimit !== undefined ? { pageLimit: o.informerPageLimit } : {}),
    ...(o.nodeLifecycle !== undefined ? { nodeLifecycle: o.nodeLifecycle } : {}),
    ...(o.watchCacheCapacity !== undefined ? { watchCache: { capacity: o.watchCacheCapacity } } : {}),
  });
  run.scheduleFaults(input.faults, o, () => [...ms, ...cluster.faultTargets], controlPlaneTargets(run, etcd, cluster));
  let converged = false;
  // With the node lifecycle controller on, convergence also waits for every node to be Ready and untainted.
  const unsettledNodes = (): string[] => {
    if (o.nodeLifecycle === undefined) return [];
    const out: string[] = [];
    for (const n of cluster.recorder.liveObjects(registryPrefix("Node"))) {
      if (n.kind !== "Node") continue;
      const ready = readyStatus(n);
      if (ready !== "True" || hasUnreachableTaint(n))
        out.push(
          `node ${n.metadata.name}: Ready ${ready ?? "absent"}${hasUnreachableTaint(n) ? ", tainted unreachable" : ""}`,
        );
    }
    return out;
  };

  // The checkers it runs, in the order reports list them.
  run.check(
    ...controlPlaneChecks(
      run,
      observers,
      cluster,
      { ...recoveryWindow(o), drift: { maxPpm: maxDriftPpm(input.faults), minPpm: minDriftPpm(input.faults) } },
      {
        converged: () => converged,
        pending: () => [...cluster.pending(), ...unsettledNodes()],
      },
    ),
    // The node lifecycle controller's waits, where it runs.
    ...(o.nodeLifecycle === undefined
      ? []
      : [
          () =>
            checkNodeHealth(cluster.observations(), {
              ...o.nodeLifecycle!,
              maxDriftPpm: maxDriftPpm(input.faults),
            }),
        ]),
    // latency: kube-slo (report only unless options.slo is "require").
    () => {
      const { ops, startups } = measured();
      return checkKubeSlo(ops, startups, o.slo === "require" ? "require" : "report", world.now);
    },
  );
  // The latency log's operations and the pods' startups, read once the run is over (by the latency
  // report, then kube-slo): built once, and read only by both.
  let afterRun: { ops: LatencyOp[]; startups: PodStartup[] } | undefined;
  const measured = () => (afterRun ??= { ops: latency.ops, startups: podStartups(cluster.observations()) });

  run.faultPhase(o);
  run.heal();
  converged = run.liveness(o, () => cluster.converged() && unsettledNodes().length === 0);
  stopLatencyLog(); // latency
  return run.finish(reportViews(cluster.observations(), measured(), latency.steps));
}

/**
 * What a report draws of a Kubernetes run (the objects over time, the latencies): built when a report
 * first reads it, not for every seed (a sweep or a bench reads verdicts). Own enumerable getters, so
 * JSON, a spread or a structured clone reads them as fields; each built once. They close over the
 * run's recorded values only (never the world), and nothing changes those once the run is over.
 */
export function reportViews(
  obs: KubeObservations,
  measured: { ops: LatencyOp[]; startups: PodStartup[] },
  steps: readonly StepStart[],
): RunExtra {
  let kube: KubeObjectsView | undefined;
  let report: LatencyReport | undefined;
  return {
    get kube(): KubeObjectsView {
      return (kube ??= kubeObjects(obs));
    },
    get latency(): LatencyReport {
      return (report ??= kubeLatencyReport(measured.ops, steps, obs, measured.startups));
    },
  };
}

/** Auth on before the control plane starts: an admin process sets it up as root (core/etcd/auth-setup.ts). */
function setUpRegistryAuth(world: World, ms: string[], history: HistoryRecorder): void {
  let done = false;
  world.spawn("etcd-admin", (env) => {
    const c = new EtcdClient(env, {
      clientId: 99,
      members: ms,
      requestTimeoutUs: 1_000_000,
      streamTimeoutUs: 1_000_000,
      recorder: history,
      auth: ROOT_CREDENTIALS,
    });
    return {
      start: () =>
        runAuthRequests(env, c, registryAuthSetup(), () => {
          done = true;
        }),
      onMessage: (from, msg) => void c.onMessage(from, msg),
    };
  });
  world.runUntilPredicate(() => done, world.now + 10_000_000);
}

/** The Deployment flow of deployment-rollout, slow-disk and watch-cache: nginx ×3 → scale to 5 → image rollout → scale to 4. */
export const ROLLOUT_FLOW: readonly WorkloadAction[] = [
  { at: 1_000_000, kind: "scale", deployment: "nginx", replicas: 5 },
  { at: 3_000_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
  { at: 4_500_000, kind: "scale", deployment: "nginx", replicas: 4 },
];

function scheduleKube(rng: Rng, o: KubeOptions): FaultEvent[] {
  const faults = generateSchedule(rng, o.mix, kubeTargets(o), 500_000, o.faultPhaseUs);
  if (o.pauseSchedulerLeader) {
    for (let t = rng.int(500_000, 1_500_000); t < o.faultPhaseUs - 1_000_000; t += rng.int(2_500_000, 4_000_000)) {
      const until = Math.min(t + rng.int(1_800_000, 3_500_000), o.faultPhaseUs);
      // A bind storm needs a scheduler that binds: the leader's pauses give way to it (a takeover still may not).
      if (o.bindStormAtUs !== undefined && t < o.bindStormAtUs + 2_000_000 && until > o.bindStormAtUs) continue;
      faults.push({ at: t, until, kind: "pause", target: "@scheduler-leader" });
    }
  }
  if (o.bindStormReplicas !== undefined && o.bindStormAtUs !== undefined) {
    // Pauses well past the client's 300 ms timeout with short gaps between them: a bind sent just
    // before one is retried elsewhere (after the pods queued behind it, on changed node loads), and
    // the paused apiserver serves the old bind when it resumes.
    const stormEnd = Math.min(o.bindStormAtUs + 2_500_000, o.faultPhaseUs);
    for (let at = o.bindStormAtUs + 40_000; at < stormEnd; ) {
      const until = Math.min(at + rng.int(500_000, 900_000), stormEnd);
      faults.push({ at, until, kind: "pause", target: "@scheduler-apiserver" });
      at = until + rng.int(50_000, 150_000);
    }
  }
  // Clock steps beyond the leader-election margin on whoever leads the schedulers then, forward and
  // back (from their own stream, so the draws above keep their meaning).
  const clocks = rng.fork("leader-clock-steps");
  for (let t = clocks.int(300_000, 1_500_000); t < o.faultPhaseUs - 500_000; t += clocks.int(1_000_000, 2_500_000)) {
    const until = Math.min(t + clocks.int(1_000_000, 3_000_000), o.faultPhaseUs);
    if (clocks.chance(0.5))
      faults.push({
        at: t,
        until,
        kind: "skew",
        target: "@scheduler-leader",
        byUs: clocks.pick([-1, 1]) * clocks.int(600_000, 2_000_000),
      });
    else
      faults.push({
        at: t,
        until,
        kind: "drift",
        target: "@scheduler-leader",
        ppm: clocks.pick([-200_000, -20_000, 20_000, 200_000]),
      });
  }
  return faults.sort((a, b) => a.at - b.at);
}

/** The shrinker's knob of a Kubernetes scenario: a shorter fault phase (whole milliseconds, at least 2 s). */
export const FAULT_PHASE_KNOB: ShrinkKnob<KubeOptions> = {
  name: "faultPhaseMs",
  min: 2_000,
  get: (o) => Math.round(o.faultPhaseUs / 1000),
  set: (o, v) => ({ ...o, faultPhaseUs: v * 1000 }),
};

const ALL: FaultKind[] = [
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

export const deploymentRollout: ScenarioDef<KubeOptions> = {
  name: "deployment-rollout",
  description:
    "nginx with 3 replicas, scaled to 5, then an image rollout, on etcd under partitions, crashes, pauses and skew of every control-plane process; heal; converge",
  resolve: (rng) => {
    const weights: Partial<Record<FaultKind, number>> = {};
    for (const k of ALL) if (rng.chance(0.7)) weights[k] = rng.int(1, 3);
    return {
      members: rng.pick([3, 3, 5]),
      apiservers: rng.int(1, 3),
      nodes: 3,
      faultPhaseUs: 6_000_000,
      livenessBoundUs: 15_000_000,
      manifests: [NGINX_MANIFEST],
      actions: [...ROLLOUT_FLOW],
      // Skew up to 2 s, beyond client-go's leader-election margin (leaseDuration − renewDeadline = 0.5 s).
      mix: { meanGapUs: 400_000, minDurationUs: 100_000, maxDurationUs: 2_000_000, weights, maxSkewUs: 2_000_000 },
      pauseSchedulerLeader: true,
      compactIntervalUs: 500_000,
      conflictWriters: 0,
      // Drawn last, so the draws above keep their meaning.
      buggify: BUGGIFY_SITE_NAMES.filter(() => rng.chance(0.3)),
    };
  },
  schedule: scheduleKube,
  execute: runKube,
  shrinkKnobs: [FAULT_PHASE_KNOB],
};

/**
 * The Deployment flow with no faults at all: the Kubernetes baseline. With nothing to explain a dip, every
 * checker holds strictly — kube-min-available above all, which under faults forgives any dip within 3 s of
 * one: two image rollouts, at 3 replicas (25%: a surge of 1 and no pod unavailable) and at 5 (2 and 1).
 */
export const kubeSmoke: ScenarioDef<KubeOptions> = {
  name: "kube-smoke",
  description:
    "nginx with 3 replicas, an image rollout, a scale to 5, another rollout, a scale to 4 (on half the seeds then a scale to 8 taken back to 4 before the new pods are ready), with no faults: the Kubernetes baseline every checker must pass strictly",
  resolve: (rng) => withQuickScaleDown(rng, smokeFlow(rng)),
  schedule: () => [],
  execute: runKube,
  shrinkKnobs: [],
};

/**
 * kube-smoke's flow with no fault mix: nginx ×3, an image rollout, a scale to 5, another rollout, a scale
 * to 4, through 1–3 apiservers (the one draw). container-crashes runs it under its own faults.
 */
export function smokeFlow(rng: Rng): KubeOptions {
  return {
    members: 3,
    apiservers: rng.int(1, 3),
    nodes: 3,
    faultPhaseUs: 6_500_000,
    livenessBoundUs: 15_000_000,
    manifests: [NGINX_EXPORTED_MANIFEST],
    actions: [
      { at: 2_000_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
      { at: 3_500_000, kind: "scale", deployment: "nginx", replicas: 5 },
      { at: 4_500_000, kind: "image", deployment: "nginx", image: "nginx:1.27" },
      { at: 5_500_000, kind: "scale", deployment: "nginx", replicas: 4 },
    ],
    mix: { meanGapUs: 400_000, minDurationUs: 100_000, maxDurationUs: 2_000_000, weights: {} },
    pauseSchedulerLeader: false,
    compactIntervalUs: 500_000,
    conflictWriters: 0,
    buggify: [],
  };
}

/**
 * A scale up taken back before its pods are ready, drawn after every other option: on half the seeds, at
 * 6 s a scale to 8 and 30–90 ms later back to 4. The ReplicaSet then holds ready and starting pods at
 * once, and must delete the starting ones (kube-min-available keeps an available Deployment available
 * across the scale down).
 */
function withQuickScaleDown(rng: Rng, o: KubeOptions): KubeOptions {
  if (!rng.chance(0.5)) return o;
  const back = 6_000_000 + rng.int(30_000, 90_000);
  return {
    ...o,
    actions: [
      ...o.actions,
      { at: 6_000_000, kind: "scale", deployment: "nginx", replicas: 8 },
      { at: back, kind: "scale", deployment: "nginx", replicas: 4 },
    ],
  };
}

/**
 * Scheduler contention, drawn after every other option (so they keep their meaning): on half the
 * seeds, a scale to 12–20 replicas between two workload steps, under the bind storm's apiserver pauses.
 */
function withBindStorm(rng: Rng, o: KubeOptions): KubeOptions {
  if (o.apiservers < 2 || !rng.chance(0.5)) return o;
  const at = 250_000 + 500_000 * rng.int(1, 6);
  const replicas = rng.int(12, 20);
  const actions = [...o.actions, { at, kind: "scale" as const, deployment: "nginx", replicas }].sort(
    (a, b) => a.at - b.at,
  );
  return { ...o, actions, bindStormReplicas: replicas, bindStormAtUs: at };
}

/**
 * On half the seeds (drawn last), the Deployment is deleted once the other actions are done and applied
 * again under its name a moment later: the garbage collector must take every ReplicaSet and pod of the
 * old one (by uid: the new one is a namesake, not their owner) and none of the new one's. The delete's
 * --cascade is drawn after that, a third each: background (the collector takes them after the Deployment
 * is gone), foreground (it takes them first, pods before their ReplicaSet, and the Deployment goes last)
 * or orphan (it sets them free, and the Deployment made again adopts them).
 */
function withRecreate(rng: Rng, o: KubeOptions): KubeOptions {
  if (!rng.chance(0.5)) return o;
  const deleteAt = 5_250_000;
  const applyAt = deleteAt + 100_000 * rng.int(1, 5);
  const cascade = (["background", "foreground", "orphan"] as const)[rng.int(0, 2)]!;
  const actions: WorkloadAction[] = [
    ...o.actions,
    { at: deleteAt, kind: "delete", deployment: "nginx", ...(cascade !== "background" ? { cascade } : {}) },
    { at: applyAt, kind: "apply", manifest: NGINX_MANIFEST },
  ];
  return { ...o, actions };
}

export const controllerConflicts: ScenarioDef<KubeOptions> = {
  name: "controller-conflicts",
  description:
    "many writers on the same objects: rapid scale and image changes racing the controllers through several apiservers, then (half the seeds) the Deployment deleted (cascade background, foreground or orphan) and created again; every update must keep its precondition",
  resolve: (rng) =>
    withRecreate(
      rng,
      withBindStorm(rng, {
        members: 3,
        apiservers: 3,
        nodes: 4,
        faultPhaseUs: 6_000_000,
        livenessBoundUs: 15_000_000,
        manifests: [NGINX_MANIFEST],
        actions: Array.from(
          { length: 10 },
          (_, i): WorkloadAction =>
            i % 3 === 2
              ? { at: 500_000 * (i + 1), kind: "image", deployment: "nginx", image: `nginx:1.${26 + i}` }
              : { at: 500_000 * (i + 1), kind: "scale", deployment: "nginx", replicas: rng.int(2, 8) },
        ),
        mix: {
          meanGapUs: 700_000,
          minDurationUs: 100_000,
          maxDurationUs: 1_000_000,
          weights: { pause: 2, crash: 1, loss: 1, delay: 1, skew: 1, drift: 1 },
          maxSkewUs: 2_000_000,
        },
        pauseSchedulerLeader: false,
        compactIntervalUs: 700_000,
        conflictWriters: 3,
        buggify: BUGGIFY_SITE_NAMES.filter(() => rng.chance(0.3)),
      }),
    ),
  schedule: scheduleKube,
  execute: runKube,
  shrinkKnobs: [FAULT_PHASE_KNOB],
};

export const KUBE_SCENARIOS = [deploymentRollout, controllerConflicts, kubeSmoke];

/**
 * Your own controllers under a kube scenario's faults and checkers: the same seeds, the same
 * schedule, the built-in controllers plus yours (each leader-elected, run as simulated processes).
 *
 *   const s = withControllers(deploymentRollout, [myController()]);
 *   const r = runScenario({ scenario: s, seed: 7 });   // r.verdict, r.checks, r.repro
 */
export function withControllers(
  base: ScenarioDef<KubeOptions>,
  controllers: readonly ControllerDef[],
  name = `${base.name}+${controllers.map((c) => c.name).join("+")}`,
): ScenarioDef<KubeOptions> {
  return { ...base, name, execute: (input) => runKube(input, controllers) };
}
