// The harness entry a scenario calls: spawns a Kubernetes control plane on a host (the World) —
// apiservers on etcd clients the scenario hands in, two controller-managers and two schedulers under
// leader election, one kubelet per node, the user's controllers, and a scripted kubectl — and
// returns the process ids (for the nemesis), the recorder (for checkers/kube) and pending().
//
// The host is typed structurally so core/ does not import sim/: sim's World fits it as is.
import { BugSet } from "../../core/bugs.ts";
import type { ActorFactory, Env } from "../../core/env.ts";
import type { KV } from "../../core/etcd/kv.ts";
import type { Event } from "../../core/mvcc/rpc.ts";
import { apiserver, type Apiserver, type ApiserverConfig, type ApiserverTiming } from "../../core/kube/apiserver.ts";
import type { ClientTiming } from "../../core/kube/client.ts";
import type { ControllerDef } from "../../core/kube/controller.ts";
import { controllerProcess } from "../../core/kube/controller-manager.ts";
import { deploymentController } from "../../core/kube/controllers/deployment.ts";
import { garbageCollector } from "../../core/kube/controllers/garbagecollector.ts";
import { nodeLifecycleController, type NodeLifecycleOptions } from "../../core/kube/controllers/nodelifecycle.ts";
import { replicaSetController } from "../../core/kube/controllers/replicaset.ts";
import { schedulerController, type SchedulerOptions } from "../../core/kube/controllers/scheduler.ts";
import { kubectl } from "./kubectl.ts";
import { kubelet, type KubeletTiming } from "../../core/kube/kubelet.ts";
import type { LeaderElectionTiming } from "../../core/kube/leaderelection.ts";
import { parseManifests } from "../../core/kube/manifest.ts";
import { KubeRecorder, type ApiserverWatchesAt, type KubeObservations } from "../../core/kube/observations.ts";
import { isConverged, pendingOf, type ConvergenceInput } from "../../checkers/kube/pending.ts";
import { decodeObject, REGISTRY_PREFIX } from "../../core/kube/resources.ts";
import type { KubeObject } from "../../core/kube/types.ts";
import {
  describeStep,
  expectedDeployments,
  workloadSteps,
  type ExpectedDeployment,
  type WorkloadAction,
  type WorkloadStep,
} from "./workload.ts";

export interface KubeHost {
  readonly now: number;
  spawn(id: string, factory: ActorFactory): unknown;
  readonly processes: ReadonlyMap<string, { readonly status: string; readonly actor?: unknown }>;
}

export interface KubeTiming {
  apiserver?: Partial<ApiserverTiming>;
  client?: Partial<ClientTiming>;
  leader?: Partial<LeaderElectionTiming>;
  kubelet?: Partial<KubeletTiming>;
  scheduler?: SchedulerOptions;
}

export interface KubeClusterOptions {
  /** The etcd client for one apiserver incarnation (called again at every restart). */
  etcdClientFor(processId: string, env: Env): KV;
  apiservers?: number;
  controllerManagers?: number;
  schedulers?: number;
  nodes?: number;
  /** Pods per node. */
  nodeCapacity?: number;
  /** YAML texts (several documents each) or objects, created first. */
  manifests?: readonly (string | KubeObject)[];
  /** Timed actions; `at` is µs after the cluster starts. */
  actions?: readonly WorkloadAction[];
  /** User controllers (defineController), each run by `controllerReplicas` processes under leader election. */
  controllers?: readonly ControllerDef[];
  controllerReplicas?: number;
  bugs?: BugSet;
  timing?: KubeTiming;
  /** Informer list page size (small values exercise paging). */
  pageLimit?: number;
  /**
   * Subscribes the recorder to the store's committed changes (e.g. `fn => fakeEtcd.onCommit(fn)`, or
   * an MVCC apply hook), making the checkers' view of object versions complete. Optional: without it
   * they use what apiservers saw (acknowledged writes, watch events, lists).
   */
  storeFeed?: (onCommit: (revision: number, events: readonly Event[]) => void) => void;
  /** Admission plugins on every apiserver (ResourceQuota + LimitRanger; core/kube/admission/). Off by default. */
  admission?: ApiserverConfig["admission"];
  /** A watch cache per resource in every apiserver (core/kube/watch-cache.ts). Off by default: lists and watches read etcd. */
  watchCache?: ApiserverConfig["watchCache"];
  /**
   * The node lifecycle controller in every controller-manager, and kubelets that post their node's
   * Ready again when it marks them Unknown. Absent: neither (nodes are never marked, tainted or emptied).
   */
  nodeLifecycle?: Partial<NodeLifecycleOptions>;
}

export interface KubeProcesses {
  apiservers: string[];
  controllerManagers: string[];
  schedulers: string[];
  /** Node names; each node's kubelet process has the node's name. */
  nodes: string[];
  controllers: string[];
  /** The scripted kubectl (not a fault target: it stands for the user). */
  workload: string;
}

export interface KubeCluster {
  processes: KubeProcesses;
  /** Every process a nemesis may crash, pause or isolate (all but the workload client). */
  faultTargets: string[];
  recorder: KubeRecorder;
  steps: WorkloadStep[];
  expected: ExpectedDeployment[];
  /** What convergence still waits for (empty: every Deployment ready on live nodes, every step done). */
  pending(): string[];
  /** pending().length === 0, without writing what is pending (the liveness phase asks after every event). */
  converged(): boolean;
  convergence(): ConvergenceInput;
  observations(): KubeObservations;
  /** The process currently leading a leader-election Lease ("kube-system/kube-scheduler"), as far as it knows. */
  leaderOf(lease: string): string | undefined;
}

const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

function count(v: number | undefined, dflt: number, min: number, max: number, field: string): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${field}: expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return n;
}

export function startKubeCluster(host: KubeHost, opts: KubeClusterOptions): KubeCluster {
  const bugs = opts.bugs ?? BugSet.none;
  const t = opts.timing ?? {};
  const procs: KubeProcesses = {
    apiservers: range(count(opts.apiservers, 2, 1, 3, "apiservers"), "apiserver-"),
    controllerManagers: range(count(opts.controllerManagers, 2, 0, 3, "controllerManagers"), "kcm-"),
    schedulers: range(count(opts.schedulers, 2, 0, 3, "schedulers"), "scheduler-"),
    nodes: range(count(opts.nodes, 3, 1, 100, "nodes"), "node-"),
    controllers: [],
    workload: "kubectl",
  };
  const capacity = count(opts.nodeCapacity, 10, 1, 10_000, "nodeCapacity");
  const manifests = (opts.manifests ?? []).flatMap((m, i) =>
    typeof m === "string" ? parseManifests(m, `manifests[${i}]`) : [m],
  );
  const steps = workloadSteps(manifests, opts.actions ?? []);
  const expected = expectedDeployments(steps);
  const recorder = new KubeRecorder(() => host.now, procs.nodes);
  const common = {
    recorder,
    bugs,
    ...(t.client ? { clientTiming: t.client } : {}),
    ...(opts.pageLimit ? { pageLimit: opts.pageLimit } : {}),
  };
  const leaderTiming = t.leader ? { timing: t.leader } : {};

  opts.storeFeed?.((_rev, events) => {
    for (const e of events) {
      if (!e.kv.key.startsWith(REGISTRY_PREFIX)) continue;
      if (e.type === "PUT")
        recorder.version(e.kv.key, e.kv.modRevision, e.kv.createRevision, decodeObject(e.kv), "store");
      else recorder.version(e.kv.key, e.kv.modRevision, undefined, null, "store");
    }
  });

  for (const id of procs.apiservers) {
    host.spawn(id, (env) =>
      apiserver(env, {
        kv: opts.etcdClientFor(id, env),
        bugs,
        recorder,
        ...(t.apiserver ? { timing: t.apiserver } : {}),
        ...(opts.admission ? { admission: opts.admission } : {}),
        ...(opts.watchCache ? { watchCache: opts.watchCache } : {}),
      }),
    );
  }
  for (const id of procs.controllerManagers) {
    host.spawn(id, (env) =>
      controllerProcess(env, {
        ...common,
        apiservers: procs.apiservers,
        controllers: [
          deploymentController({
            ...(bugs.has("kube-deployment-no-surge-trim") ? { noSurgeTrim: true } : {}),
            ...(bugs.has("kube-rollout-unavailable-rounded-up") ? { unavailableRoundsUp: true } : {}),
            ...(bugs.has("kube-rollout-scale-down-one-too-many") ? { scaleDownOneTooMany: true } : {}),
            ...(bugs.has("kube-deployment-status-counts-wanted") ? { statusCountsWanted: true } : {}),
            ...(bugs.has("kube-deployment-unavailable-unclamped") ? { unavailableUnclamped: true } : {}),
            ...(bugs.has("kube-deployment-scale-keeps-annotations") ? { scaleKeepsAnnotations: true } : {}),
            ...(bugs.has("kube-deployment-scale-skips-stale-annotation") ? { scaleSkipsStaleAnnotation: true } : {}),
            ...(bugs.has("kube-deployment-syncs-deleting") ? { syncsDeleting: true } : {}),
          }),
          replicaSetController({
            ...(bugs.has("kube-rs-deletes-ready-first") ? { readyFirst: true } : {}),
            ...(bugs.has("kube-rs-status-counts-unready") ? { statusCountsUnready: true } : {}),
            ...(bugs.has("kube-rs-deletes-one-too-many") ? { deletesOneTooMany: true } : {}),
            ...(bugs.has("kube-rs-ignores-expectations") ? { ignoresExpectations: true } : {}),
            ...(bugs.has("kube-rs-expectations-by-name") ? { expectationsByName: true } : {}),
            ...(bugs.has("kube-rs-manages-deleting") ? { managesDeleting: true } : {}),
          }),
          garbageCollector({
            ...(bugs.has("kube-gc-owner-by-name") ? { ownerByName: true } : {}),
            ...(bugs.has("kube-gc-foreground-skips-dependents") ? { foregroundSkipsDependents: true } : {}),
            ...(bugs.has("kube-gc-orphan-keeps-references") ? { orphanKeepsReferences: true } : {}),
          }),
          ...(opts.nodeLifecycle ? [nodeLifecycleController(opts.nodeLifecycle, bugs)] : []),
        ],
        leaderElection: { namespace: "kube-system", name: "kube-controller-manager", ...leaderTiming },
      }),
    );
  }
  for (const id of procs.schedulers) {
    host.spawn(id, (env) =>
      controllerProcess(env, {
        ...common,
        apiservers: procs.apiservers,
        controllers: [
          schedulerController({
            ...t.scheduler,
            ...(bugs.has("kube-bind-no-precondition") ? { bindWithoutPrecondition: true } : {}),
            ...(bugs.has("kube-scheduler-ignores-capacity") ? { ignoreCapacity: true } : {}),
            ...(bugs.has("kube-bind-deleting-pod") ? { bindsDeleting: true } : {}),
          }),
        ],
        // kube-scheduler releases its Lease on a graceful stop (ReleaseOnCancel); kube-controller-manager does not.
        leaderElection: { namespace: "kube-system", name: "kube-scheduler", ...leaderTiming, releaseOnCancel: true },
        // The mutant: a resumed scheduler binds on client-go's IsLeader alone.
        fencing: !bugs.has("kube-leader-no-fencing"),
      }),
    );
  }
  for (const id of procs.nodes) {
    host.spawn(id, (env) =>
      kubelet(env, {
        ...common,
        apiservers: procs.apiservers,
        capacity,
        ...(t.kubelet ? { timing: t.kubelet } : {}),
        ...(opts.nodeLifecycle ? { postNodeStatus: true } : {}),
      }),
    );
  }
  const replicas = count(opts.controllerReplicas, 2, 1, 3, "controllerReplicas");
  for (const def of opts.controllers ?? []) {
    for (const id of range(replicas, `ctrl-${def.name}-`)) {
      procs.controllers.push(id);
      host.spawn(id, (env) =>
        controllerProcess(env, {
          ...common,
          apiservers: procs.apiservers,
          controllers: [def],
          leaderElection: { namespace: "kube-system", name: def.name, ...leaderTiming },
        }),
      );
    }
  }
  host.spawn(procs.workload, (env) =>
    kubectl(env, { apiservers: procs.apiservers, steps, recorder, ...(t.client ? { clientTiming: t.client } : {}) }),
  );

  const stepNames = steps.map(describeStep);
  const convergence = (): ConvergenceInput => ({
    objects: recorder.liveObjects(),
    expected,
    liveNodes: procs.nodes.filter((n) => host.processes.get(n)?.status === "up"),
    steps: stepNames,
    stepsDone: recorder.actions.length,
    ambiguousScales: recorder.ambiguousScales,
    running: recorder.running,
  });
  // pendingOf reads the workload's objects, every object's uid, the steps done and which nodes are
  // up: it is computed again only when one of those changed (recorder.workloadChanges, node status).
  // `stamp` counts the changes seen; pending() and converged() each keep the stamp they answered at.
  // User controllers that say what they still have to do read every object: any change counts for them.
  const userPending = (opts.controllers ?? []).filter((d) => d.pending !== undefined);
  const pendingOfControllers = (): string[] => {
    if (userPending.length === 0) return [];
    const objects = recorder.liveObjects();
    return userPending.flatMap((d) => d.pending!(objects).map((p) => `${d.name}: ${p}`));
  };
  let stamp = 0;
  let seenChanges = -1;
  const seenNodes: string[] = procs.nodes.map(() => "");
  const currentStamp = (): number => {
    const changes = userPending.length > 0 ? recorder.changes : recorder.workloadChanges;
    let changed = changes !== seenChanges;
    seenChanges = changes;
    for (let i = 0; i < procs.nodes.length; i++) {
      const status = host.processes.get(procs.nodes[i]!)?.status ?? "?";
      if (status !== seenNodes[i]) {
        seenNodes[i] = status;
        changed = true;
      }
    }
    if (changed) stamp++;
    return stamp;
  };
  let pendingAt = -1;
  /** What each apiserver still running holds for watches (a crashed one holds nothing). */
  const apiserverWatches = (): ApiserverWatchesAt[] =>
    procs.apiservers.flatMap((id) => {
      const p = host.processes.get(id);
      const actor = p?.actor as Apiserver | undefined;
      return p === undefined || p.status === "crashed" || actor?.watches === undefined
        ? []
        : [{ apiserver: id, ...actor.watches() }];
    });
  let pendingNow: string[] = [];
  let convergedAt = -1;
  let convergedNow = false;
  return {
    processes: procs,
    faultTargets: [
      ...procs.apiservers,
      ...procs.controllerManagers,
      ...procs.schedulers,
      ...procs.nodes,
      ...procs.controllers,
    ],
    recorder,
    steps,
    expected,
    pending() {
      const at = currentStamp();
      if (at !== pendingAt) {
        pendingAt = at;
        pendingNow = [...pendingOf(convergence()), ...pendingOfControllers()];
      }
      return pendingNow;
    },
    converged() {
      const at = currentStamp();
      if (at === pendingAt) return pendingNow.length === 0;
      if (at !== convergedAt) {
        convergedAt = at;
        convergedNow = isConverged(convergence()) && pendingOfControllers().length === 0;
      }
      return convergedNow;
    },
    convergence,
    observations: () => ({ ...recorder.snapshot(), apiserverWatches: apiserverWatches() }),
    leaderOf(lease) {
      let holder: string | undefined;
      for (const l of recorder.leaders) {
        if (l.lease !== lease) continue;
        if (l.event === "acquired") holder = l.process;
        else if (holder === l.process) holder = undefined;
      }
      return holder;
    },
  };
}
