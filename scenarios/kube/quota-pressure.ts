// quota-pressure: the operator's levers under faults. A Kubernetes namespace with a ResourceQuota (and
// a LimitRange giving pods default requests) whose Deployment is scaled past the quota while
// apiservers, members, controllers and kubelets crash, pause and get cut off; and an etcd whose
// --quota-backend-bytes is small: a runaway client overwrites a few big keys until the backend is full
// (NOSPACE), and an operator answers as etcd's runbook says — compact, defragment every member, then
// `alarm disarm` — after which writes must succeed again.
// Checked: kube-quota (used never above hard, existing pods never above hard, counted = existing at
// the end), etcd-nospace (no member applies a write during NOSPACE; recovery), and every checker the
// Kubernetes scenarios run.
import type { BugSet } from "../../core/bugs.ts";
import type { Actor, Env } from "../../core/env.ts";
import { EtcdClient, type HistoryRecorder } from "../../core/etcd/client.ts";
import type { KvResult } from "../../core/etcd/kv.ts";
import { type AlarmChangeCall, MaintenanceClient } from "../../core/etcd/maintenance.ts";
import { etcdOperator, type OperatorLog } from "../../harness/etcd/nospace-operator.ts";
import { startKubeCluster } from "../../harness/kube/cluster.ts";
import type { LimitRange, Pod, ResourceQuota } from "../../core/kube/types.ts";
import { KubeClient } from "../../core/kube/client.ts";
import { quotaRecount } from "../../core/kube/admission/quota-recount.ts";
import { deploymentRef, type WorkloadAction } from "../../harness/kube/workload.ts";
import { checkNoSpace, type NoSpaceObservation } from "../../checkers/etcd/nospace.ts";
import { checkKubeQuota } from "../../checkers/kube/quota.ts";
import { generateSchedule, maxDriftPpm, minDriftPpm, type FaultEvent, type FaultKind } from "../../sim/nemesis.ts";
import type { Rng } from "../../sim/rng.ts";
import type { ExecuteInput, ScenarioDef, ScenarioOutcome } from "../types.ts";
import { SimRun } from "../../harness/run/run.ts";
import { startEtcdCluster } from "../../harness/etcd/cluster.ts";
import { controlPlaneChecks, controlPlaneTargets, observeEtcd } from "./on-etcd.ts";
import { KUBE_LINK, NGINX_MANIFEST, type KubeOptions } from "./scenarios.ts";

export interface QuotaPressureOptions extends KubeOptions {
  /** The namespace's ResourceQuota (hard pods and requests) and LimitRange default requests. */
  resourceQuota: {
    pods: number;
    requestsCpu: string;
    requestsMemory: string;
    defaultCpu: string;
    defaultMemory: string;
  };
  /** etcd --quota-backend-bytes on every member. */
  quotaBackendBytes: number;
  /** When the runaway client starts overwriting big keys (it stops at its first "database space exceeded"). */
  fillAtUs: number;
  fillValueBytes: number;
  /** How long the operator waits between defragmenting the last member and disarming (etcdctl runs one by one). */
  disarmDelayUs: number;
  /** Bare pods a tenant creates all at once through another apiserver while the Deployment scales up (deleted again later). */
  batchPods: number;
  /**
   * The runaway client keeps two puts in flight (the second through a nested Txn, whose puts etcd
   * before #22134 did not count against the quota), so the backend may end up past the quota, and the
   * tenant deletes its pods as soon as that client meets "database space exceeded", not at a fixed
   * time: deletes (Txns that write nothing) reach etcd while its backend is full, as Kubernetes users'
   * deletes did in etcd #13429.
   */
  batchDeleteOnFull?: boolean;
}

const members = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const range = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const targets = (o: QuotaPressureOptions) => [
  ...members(o.members),
  ...range(o.apiservers, "apiserver-"),
  "kcm-1",
  "kcm-2",
  "scheduler-1",
  "scheduler-2",
  ...range(o.nodes, "node-"),
];

function quotaObjects(o: QuotaPressureOptions): [ResourceQuota, LimitRange] {
  const q = o.resourceQuota;
  return [
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "compute", namespace: "default" },
      spec: { hard: { pods: String(q.pods), "requests.cpu": q.requestsCpu, "requests.memory": q.requestsMemory } },
    },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "defaults", namespace: "default" },
      spec: { limits: [{ type: "Container", defaultRequest: { cpu: q.defaultCpu, memory: q.defaultMemory } }] },
    },
  ];
}

/** How long the runaway writer waits after a NOSPACE before it asks the member for its alarms (enough to commit one). */
const ALARM_SETTLE_US = 100_000;

/**
 * A client that overwrites a few big keys, `inFlight` puts at a time, until the cluster says the space is
 * exceeded. With two in flight, both may pass a member's quota check before either is applied: etcd's
 * quota applier then applies the second past the quota, and the backend ends up over it.
 */
function runawayWriter(
  env: Env,
  o: {
    members: string[];
    history: HistoryRecorder;
    atUs: number;
    valueBytes: number;
    everyUs: number;
    clientId: number;
    bugs: BugSet;
    /** Told once the writer stopped: a member it wrote to listed the NOSPACE alarm. */
    onStopped: () => void;
    inFlight: number;
    /** The second lane's puts go inside a nested Txn. */
    nestedLane?: boolean;
  },
): Actor {
  const kv = new EtcdClient(env, {
    clientId: o.clientId,
    bugs: o.bugs,
    members: o.members,
    requestTimeoutUs: 1_000_000,
    streamTimeoutUs: 1_000_000,
    recorder: o.history,
  });
  const maint = new MaintenanceClient(env);
  let n = 0;
  let stopped = false;
  const pad = "x".repeat(o.valueBytes);
  const next = (lane: number) => {
    if (stopped) return;
    const i = n++;
    const put = { key: `/runaway/k${i % 4}`, value: `${env.id}-${i}-${pad}` };
    const answered = (r: KvResult<unknown>) => {
      if (!r.ok && r.error === "no-space") return void env.setTimer(ALARM_SETTLE_US, () => confirm(kv.member, lane));
      env.setTimer(o.everyUs, () => next(lane));
    };
    // The second lane of nestedLane writes through a Txn nested in a Txn (etcd #22134's shape).
    if (lane === 1 && o.nestedLane === true)
      kv.txn(
        {
          compare: [],
          success: [{ requestTxn: { compare: [], success: [{ requestPut: put }], failure: [] } }],
          failure: [],
        },
        answered,
      );
    else kv.put(put, answered);
  };
  // A member's NOSPACE is the cluster's only once its alarm is committed. A member cut off from the leader
  // checks the quota against its own backend and refuses, but the alarm it raises never commits: a writer
  // that stopped there left the majority's quota unreached, and the run tested nothing (seed 500). So the
  // writer stops once the refusing member lists the alarm; otherwise it goes on at another member.
  const confirm = (member: string, lane: number) =>
    maint.call(member, { op: "alarmList" }, (a) => {
      if (stopped) return;
      if (a.error === undefined && (a.alarms ?? []).length > 0) {
        stopped = true;
        o.onStopped();
        return;
      }
      kv.moveOn();
      next(lane);
    });
  return {
    start: () =>
      void env.setTimer(Math.max(1, o.atUs - env.now()), () => {
        for (let lane = 0; lane < o.inFlight; lane++) next(lane);
      }),
    onMessage: (from, m) => void (maint.onMessage(from, m) || kv.onMessage(from, m)),
  };
}

/**
 * A tenant running batch pods by hand through its own apiserver (the last one), at the moment the
 * Deployment scales past the quota: its creates race the ReplicaSet controller's through another
 * apiserver, all at once. It deletes them again later (by name, until they are gone) so the quota
 * has room for the rest of the workload.
 */
function batchTenant(
  env: Env,
  o: {
    apiservers: string[];
    createAtUs: number;
    deleteAtUs: number;
    pods: number;
    /** Delete when told (the backend filled) instead of at deleteAtUs. */
    deleteOnFull?: (remove: () => void) => void;
  },
): Actor {
  const client = new KubeClient(env, [...o.apiservers].reverse());
  const pod = (i: number): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `batch-${i}`, namespace: "default", labels: { app: "batch" } },
    spec: { containers: [{ name: "job", image: "busybox" }] },
  });
  const remove = (i: number) =>
    client.delete("Pod", "default", `batch-${i}`, {}, (r) => {
      if (!r.ok && r.status.reason !== "NotFound") env.setTimer(200_000, () => remove(i));
    });
  return {
    start: () => {
      env.setTimer(Math.max(1, o.createAtUs - env.now()), () => {
        for (let i = 0; i < o.pods; i++) client.create(pod(i), () => {});
      });
      const removeAll = () => {
        for (let i = 0; i < o.pods; i++) remove(i);
      };
      if (o.deleteOnFull !== undefined) o.deleteOnFull(removeAll);
      else env.setTimer(Math.max(1, o.deleteAtUs - env.now()), removeAll);
    },
    onMessage: (from, m) => void client.onMessage(from, m),
  };
}

export function runQuotaPressure(input: ExecuteInput<QuotaPressureOptions>): ScenarioOutcome {
  const o = input.options;
  const run = new SimRun({ seed: input.seed, keepTrace: input.keepTrace, link: KUBE_LINK });
  const world = run.world;

  // The checkers, subscribed to what they observe online.
  const observers = observeEtcd(run, { quota: o.quotaBackendBytes > 0, maxDriftPpm: maxDriftPpm(input.faults) });
  const nospace: NoSpaceObservation[] = [];
  const alarmCalls: AlarmChangeCall[] = [];
  run.observe.noSpace.on((e) => nospace.push(e));
  run.keepTimeline();

  // The topology: etcd members with the space quota, then the control plane with quota admission.
  const etcd = startEtcdCluster(run, {
    members: o.members,
    options: {
      bugs: input.bugs,
      snapshotEvery: 200,
      quotaBackendBytes: o.quotaBackendBytes,
      ...(o.etcdSnapshotCatchUpEntries !== undefined ? { snapshotCatchUpEntries: o.etcdSnapshotCatchUpEntries } : {}),
    },
  });
  const ms = etcd.members;
  let uncertain = 0;
  run.observe.lifecycle.on((ev) => {
    if (ev.kind !== "crash") return;
    // An apiserver that crashes between a quota charge and its create (or a delete and its release)
    // leaves the charge standing: over-counting the quota is then expected, not a bug.
    if (ev.process.startsWith("apiserver-")) uncertain++;
  });
  let clientId = 100;
  const cluster = startKubeCluster(world, {
    bugs: input.bugs,
    apiservers: o.apiservers,
    nodes: o.nodes,
    etcdClientFor: (id, env) =>
      new EtcdClient(env, {
        clientId: observers.apiserverClient(id, clientId++),
        bugs: input.bugs,
        members: ms,
        requestTimeoutUs: 1_000_000,
        streamTimeoutUs: 1_000_000,
        recorder: run.recorder,
      }),
    storeFeed: observers.storeFeed,
    manifests: [...quotaObjects(o), ...o.manifests],
    actions: o.actions,
    timing: { apiserver: { compactIntervalUs: o.compactIntervalUs } },
    admission: { resourceQuota: true, onUncertain: () => void uncertain++ },
  });

  // The workload beside the Deployment: a runaway writer, the quota controller, a tenant's batch, and
  // the operator who answers NOSPACE.
  const log: OperatorLog = { busy: false, steps: [] };
  // The liveness phase waits for the fill too: a run whose fill the faults held back ended once nothing
  // else was pending, and the alarm the fill raised after that was never answered (seed 1821).
  let filled = false;
  /** The tenant's delete, when it waits for the fill (batchDeleteOnFull). */
  let onFilled: (() => void) | undefined;
  world.spawn("runaway", (env) =>
    runawayWriter(env, {
      members: ms,
      history: run.recorder,
      atUs: o.fillAtUs,
      valueBytes: o.fillValueBytes,
      everyUs: 20_000,
      clientId: clientId++,
      bugs: input.bugs,
      onStopped: () => {
        filled = true;
        onFilled?.();
      },
      inFlight: o.batchDeleteOnFull === true ? 2 : 1,
      nestedLane: o.batchDeleteOnFull === true,
    }),
  );
  // The quota controller's recount, waiting for quiet longer than any fault of the mix keeps an admission in flight.
  const recounts: string[] = [];
  world.spawn("quota-controller", (env) =>
    quotaRecount(env, {
      apiservers: cluster.processes.apiservers,
      namespace: "default",
      quota: "compute",
      periodUs: 500_000,
      settleUs: Math.max(3_000_000, o.mix.maxDurationUs + 1_500_000),
      onRecount: (from, to) => recounts.push(`${world.now}us ${from} → ${to}`),
    }),
  );
  if (o.batchPods > 0)
    world.spawn("batch-tenant", (env) =>
      batchTenant(env, {
        apiservers: cluster.processes.apiservers,
        createAtUs: 1_000_000,
        deleteAtUs: 3_500_000,
        pods: o.batchPods,
        ...(o.batchDeleteOnFull === true ? { deleteOnFull: (remove: () => void) => void (onFilled = remove) } : {}),
      }),
    );
  world.spawn("etcd-operator", (env) =>
    etcdOperator(env, {
      members: ms,
      history: run.recorder,
      clientId: clientId++,
      bugs: input.bugs,
      pollUs: 250_000,
      disarmDelayUs: o.disarmDelayUs,
      log,
      alarmCalls,
    }),
  );
  run.scheduleFaults(input.faults, o, () => [...ms, ...cluster.faultTargets], controlPlaneTargets(run, etcd, cluster));

  const alarmed = () => ms.filter((m) => etcd.member(m)?.alarms.noSpace === true);
  const recovered = () => filled && !log.busy && alarmed().length === 0;
  // The quota's count settles too: the recount gives back what crashes and timeouts left charged.
  // It reads only the recorder's newest objects, which change only with recorder.changes: the liveness
  // phase asks after every event, so the count is kept until they change (a walk of every object each time).
  let countedAt = -1;
  let count = { counted: 0, pods: 0 };
  const quotaCount = () => {
    if (cluster.recorder.changes === countedAt) return count;
    countedAt = cluster.recorder.changes;
    const objs = cluster.recorder.liveObjects();
    const q = objs.find((x): x is ResourceQuota => x.kind === "ResourceQuota");
    const pods = objs.filter((x) => x.kind === "Pod" && x.metadata.namespace === "default").length;
    count = { counted: Number(q?.status?.used?.["pods"] ?? 0), pods };
    return count;
  };
  const settled = () => {
    const c = quotaCount();
    return c.counted === c.pods;
  };
  let converged = false;

  // The checkers it runs, in the order reports list them.
  run.check(
    ...controlPlaneChecks(
      run,
      observers,
      cluster,
      { ...o, drift: { maxPpm: maxDriftPpm(input.faults), minPpm: minDriftPpm(input.faults) } },
      {
        converged: () => converged,
        pending: () => {
          const c = quotaCount();
          return [
            ...cluster.pending(),
            ...(recovered()
              ? []
              : filled
                ? [
                    `etcd: NOSPACE still active on ${alarmed().join(", ") || "?"}${log.busy ? " (the operator's response has not completed)" : ""}`,
                  ]
                : ["etcd: the runaway writer has not filled the space quota yet"]),
            ...(settled() ? [] : [`quota default/compute counts ${c.counted} pods, ${c.pods} exist`]),
          ];
        },
      },
    ),
    () => checkKubeQuota({ versions: cluster.observations().versions, uncertain, exactAtEnd: converged }),
    () => checkNoSpace(nospace, { requireRecovery: true, quotaBytes: o.quotaBackendBytes, alarmCalls }),
  );

  run.faultPhase(o);
  run.heal();
  // Once the faults have healed the operator scales each Deployment to what the workload last asked for,
  // again: a scale that timed out at a paused apiserver may have been applied when it resumed, after a later
  // one (kubectl scale carries no precondition), and a scale past the quota never converges (seed 901786:
  // a scale to 9 landed after the scale to 3, and 9 pods never fit under a quota of 6).
  const lastScales = new Map<string, { deployment: string; replicas: number }>();
  for (const a of o.actions) if (a.kind === "scale") lastScales.set(a.deployment, a);
  if (lastScales.size > 0)
    world.spawn("operator-rescale", (env) => {
      const client = new KubeClient(env, cluster.processes.apiservers);
      const rescale = (d: { deployment: string; replicas: number }): void => {
        const { namespace, name } = deploymentRef(d.deployment);
        client.patch("Deployment", namespace, name, { spec: { replicas: d.replicas } }, (r) => {
          if (!r.ok && r.status.reason !== "NotFound") env.setTimer(100_000, () => rescale(d));
        });
      };
      return {
        start: () => {
          for (const d of lastScales.values()) rescale(d);
        },
        onMessage: (from, m) => void client.onMessage(from, m),
      };
    });
  converged = run.liveness(o, () => cluster.converged() && recovered() && settled());
  // Let the last quota releases (a delete's release follows it) land before counting.
  if (converged) world.runUntil(world.now + 1_000_000);
  return run.finish({ operator: log.steps, quotaRecounts: recounts });
}

const ACTIONS: WorkloadAction[] = [
  { at: 1_000_000, kind: "scale", deployment: "nginx", replicas: 9 },
  { at: 2_500_000, kind: "image", deployment: "nginx", image: "nginx:1.26" },
  { at: 4_000_000, kind: "scale", deployment: "nginx", replicas: 3 },
];

export const quotaPressure: ScenarioDef<QuotaPressureOptions> = {
  name: "quota-pressure",
  description:
    "a ResourceQuota'd namespace scaled past its quota through several apiservers, and an etcd whose space quota a runaway client fills (NOSPACE), answered by compaction, defrag and alarm disarm, under crashes, pauses and partitions; heal; converge",
  resolve: (rng: Rng) => ({
    members: rng.pick([3, 3, 5]),
    apiservers: rng.int(2, 3),
    nodes: 3,
    faultPhaseUs: 6_000_000,
    livenessBoundUs: 15_000_000,
    manifests: [NGINX_MANIFEST],
    actions: ACTIONS,
    mix: {
      meanGapUs: 500_000,
      minDurationUs: 100_000,
      maxDurationUs: 1_500_000,
      weights: { pause: 2, crash: 2, isolate: 1, partition: 1, loss: 1, delay: 1 } satisfies Partial<
        Record<FaultKind, number>
      >,
    },
    pauseSchedulerLeader: false,
    compactIntervalUs: 500_000,
    conflictWriters: 0,
    buggify: [],
    resourceQuota: { pods: 6, requestsCpu: "2", requestsMemory: "1Gi", defaultCpu: "100m", defaultMemory: "64Mi" },
    quotaBackendBytes: 250_000,
    fillAtUs: rng.int(1_500_000, 3_000_000),
    fillValueBytes: 12_000,
    disarmDelayUs: 300_000,
    batchPods: 4,
    // Drawn last, so every earlier draw is what it was.
    batchDeleteOnFull: rng.chance(0.5),
  }),
  schedule: (rng: Rng, o: QuotaPressureOptions): FaultEvent[] =>
    generateSchedule(rng, o.mix, targets(o), 500_000, o.faultPhaseUs).sort((a, b) => a.at - b.at),
  execute: runQuotaPressure,
  shrinkKnobs: [
    {
      name: "faultPhaseMs",
      min: 2_000,
      get: (o) => Math.round(o.faultPhaseUs / 1000),
      set: (o, v) => ({ ...o, faultPhaseUs: v * 1000 }),
    },
  ],
};
