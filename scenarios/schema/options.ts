// The options a scenario file may set, per scenario family (etcd key-value, Kubernetes, kernel
// self-test). To add an option: add one line to the family's shape below (type, bounds, unit, a
// description); the README table (scripts/schema-table.ts) and the loader follow.
import { z } from "zod";
import { BUGGIFY_SITE_NAMES } from "../../core/buggify.ts";
import { FAULT_KIND_NAMES } from "./faults.ts";
import { count, MAX_US, prob, us, weight } from "./fields.ts";
import { DISK_PROFILES } from "../../sim/latency.ts";
import { latencyOptionProblem } from "../../sim/latency-options.ts";
import { AUTH_CHANGES } from "../etcd/auth-revoke.ts";
import { DNS_LABEL } from "../../core/kube/manifest.ts";

const namespaceName = z.string().regex(DNS_LABEL, "must be a namespace name (a lowercase DNS label)");

const buggify = z
  .array(z.enum(BUGGIFY_SITE_NAMES as [string, ...string[]]))
  .max(64)
  .describe("BUGGIFY fault points switched on (see core/buggify.ts)");

/** Latency (sim/latency-options.ts): absent, disks keep their fixed latencies. */
const diskOption = z
  .strictObject({
    profile: z.enum(DISK_PROFILES).optional().describe("every member disk's fsync profile (default nvme)"),
    fsyncUs: us(1, 10_000_000).optional().describe("the profile's median fsync, moved here"),
    slowMember: z
      .string()
      .min(1)
      .optional()
      .describe('one member with a slow disk: "n2", or "@leader" (whoever leads at each fsync)'),
    slowProfile: z.enum(DISK_PROFILES).optional().describe("the slow member's profile (default noisy-neighbour)"),
  })
  .optional()
  .describe(
    'etcd fsync latency drawn per call: profile ("nvme", "ssd", "hdd", "noisy-neighbour"), its median fsyncUs, one slowMember ("n2" or "@leader") with slowProfile',
  );

/** The nemesis's fault mix: what the seed's schedule draws from. */
export const faultMix = z
  .strictObject({
    meanGapUs: us(1).describe("mean time between fault starts"),
    minDurationUs: us(0).describe("shortest fault"),
    maxDurationUs: us(0).describe("longest fault"),
    weights: z
      .strictObject(Object.fromEntries(FAULT_KIND_NAMES.map((k) => [k, weight().optional()])))
      .describe("relative weight per fault kind; absent or 0: never"),
    diskFaults: z.boolean().optional().describe("crashes may tear or corrupt the disk's tail"),
    maxSkewUs: us(0, 3_600_000_000).optional().describe("largest clock skew drawn"),
    maxMessageDelayUs: us(0, 60_000_000)
      .optional()
      .describe("longest heavy-tail delay a slow-messages fault draws (default 1 s)"),
  })
  .refine((m) => m.minDurationUs <= m.maxDurationUs, {
    message: "must not be below minDurationUs",
    path: ["maxDurationUs"],
  })
  .describe("the fault mix the seed's schedule is drawn from");

export const TRAFFIC = [
  "get",
  "list",
  "staleGet",
  "put",
  "delete",
  "txn",
  "txnCompare",
  "rangeOptions",
  "putIgnore",
  "rangeDelete",
  "txnWriteRead",
  "invalidRequest",
  "aheadRead",
  "nestedTxn",
  "rewrite",
  "cas",
  "putWithLease",
  "leaseRevoke",
  "keepAlive",
  "watch",
] as const;
export const trafficMix = z
  .strictObject({
    ...(Object.fromEntries(TRAFFIC.map((k) => [k, weight()])) as Record<
      (typeof TRAFFIC)[number],
      ReturnType<typeof weight>
    >),
    leaseTimeToLive: weight().optional(),
  })
  .refine((t) => Object.values(t).some((w) => w > 0), {
    message: "needs at least one weight above 0 (all traffic weights are 0: no client would do anything)",
  })
  .describe("relative weight of each client operation");

const lane = count(0, 7)
  .optional()
  .describe("the admin walking this step (steps of one lane run in order, lanes side by side)");
// One object with both keys optional, not a union of two: an error inside a step (a bad lane) then names
// its field, where a union could only say the step has an unexpected shape.
const membershipStep = z
  .strictObject({ add: z.string().optional(), remove: z.string().optional(), lane })
  .refine((s) => (s.add === undefined) !== (s.remove === undefined), {
    message: 'needs exactly one of "add" or "remove"',
  });

/** etcd key-value scenarios (smoke, kv-*, leader-isolation, lease-sessions, lease-checkpoints, clock-skew, watch-compaction, membership-change, elections, rolling-restart). */
export const kvOptions = {
  members: count(1, 9).describe("etcd members in the initial configuration"),
  spares: count(0, 8).describe("members started outside the configuration, for a membership plan"),
  clients: count(1, 64).describe("workload clients"),
  keys: count(1, 100_000).describe("distinct keys the clients use"),
  faultPhaseUs: us(1).describe("virtual time of workload and faults before the heal"),
  livenessBoundUs: us(1).describe("after the heal, the bound within which the cluster must serve again"),
  probeLeaseAndWatch: z
    .boolean()
    .describe(
      "after the heal the liveness probe also keeps a lease alive (with `leaseCheckpointIntervalUs`, again an interval later) and watches its write until a progress notification",
    ),
  responsiveUs: us(1)
    .optional()
    .describe(
      "smoke: in a run with no faults, no BUGGIFY points, no background loss (lossP), no slower network (latencyUs + jitterUs above 2 ms), no disk profile and the default Raft tuning (tickUs, electionTicks, maxInflight, maxEntriesPerMsg, leaderSendsBeforeSync, preVote, snapshotEvery), every client operation must be answered within this long of its call (the check `responsive`; absent, or with any of those changed: not judged)",
    ),
  thinkUs: us(1).describe("mean client think time between operations"),
  traffic: trafficMix,
  compaction: z.boolean().describe("a client compacts the store periodically"),
  compactEveryUs: us(1).describe("compaction period"),
  compactLag: count(0, 1_000_000_000).describe("revisions kept behind the head when compacting"),
  tickUs: us(1, 1_000_000).describe("Raft tick"),
  electionTicks: count(2, 1000).describe("election timeout in ticks (the heartbeat is 1 tick)"),
  maxInflight: count(1, 65_536).describe("Raft MsgApps in flight per follower"),
  maxEntriesPerMsg: count(1, 65_536).describe("entries per MsgApp"),
  leaderSendsBeforeSync: z.boolean().describe("the leader sends while its own fsync is in flight (etcd's behaviour)"),
  preVote: z.boolean().describe("Raft's pre-vote (etcd's --pre-vote: on by default since 3.5; false is 3.4's default)"),
  snapshotEvery: count(1, 1_000_000_000).describe("entries between snapshots"),
  requestTimeoutUs: us(1).describe("client request timeout"),
  leaseTtlSec: count(1, 3600).meta({ unit: "s" }).describe("lease TTL"),
  leaseCheckpointIntervalUs: us(0)
    .optional()
    .describe(
      "etcd's lease checkpoints (LeaseCheckpoint, persisted) every this long; absent or 0: off, etcd's default",
    ),
  leaseGrantP: prob().describe("chance a client holding leases grants another"),
  explicitLeaseIdP: prob()
    .optional()
    .describe("chance a lease grant names its own ID (half of them a lease the client holds: lease-exists)"),
  mix: faultMix,
  latencyUs: us(0, 60_000_000).describe("network base latency"),
  jitterUs: us(0, 60_000_000).describe("network jitter"),
  lossP: z
    .number()
    .min(0)
    .max(0.3)
    .meta({ unit: "probability" })
    .describe(
      "background message loss, also after the heal (more and the cluster cannot be held to its liveness bound)",
    ),
  watchLifeUs: z
    .tuple([us(1), us(1)])
    .refine(([a, b]) => a <= b, { message: "must be [min, max] with min <= max" })
    .describe("how long a watch stays open: [min, max]"),
  watchBacklog: count(1, 1_000_000).describe("events a slow watcher may fall behind"),
  watchFilterP: prob().describe("chance a client's watch filters out puts or deletes (NOPUT / NODELETE)"),
  watchRangeP: prob()
    .optional()
    .describe(
      "chance a client's watch covers a single key, a range between two keys or every key from one on, instead of the whole prefix (absent: 0)",
    ),
  kube: z.boolean().describe("also run a Kubernetes control plane on the members"),
  buggify,
  maxCheckSteps: count(1, 1_000_000_000).describe("linearizability search budget (deterministic steps)"),
  membership: z
    .array(membershipStep)
    .max(64)
    .describe('membership plan: [{"add": "n4"}, {"remove": "n1" | "@leader"}], each step with an optional "lane"'),
  leaderMoves: z
    .strictObject({ everyUs: us(1), strangerP: prob() })
    .optional()
    .describe(
      "rolling-restart: an operator runs etcdctl move-leader every `everyUs` (jittered) of the fault phase, naming a voter or, with `strangerP`, no member (absent: none)",
    ),
  watchBatchMaxRevs: count(1, 1_000_000).describe(
    "revisions per watch response in a catch-up (a revision is never split)",
  ),
  maxRequestBytes: count(1, 16_777_216)
    .meta({ unit: "bytes" })
    .describe('etcd --max-request-bytes: larger requests fail with "request is too large"'),
  maxTxnOps: count(1, 10_000).describe(
    'etcd --max-txn-ops: larger Txns fail with "too many operations in txn request"',
  ),
  listLimit: count(0, 1_000_000).describe("range `limit` the workload's lists use (0: none)"),
  txnMaxOps: count(1, 10_000).describe("most operations the workload puts in one Txn branch"),
  bigValueP: prob().describe("chance a put carries a big value (to cross maxRequestBytes)"),
  bigValueBytes: count(0, 16_777_216).meta({ unit: "bytes" }).describe("size of a big value"),
  figure8At: us(0).optional().describe("kv-chaos: stage the Raft paper's figure 8 at this time (0: not)"),
  authTokenTtlUs: us(1).optional().describe("auth-revoke: etcd's --auth-token-ttl for simple tokens"),
  authPlan: z
    .array(
      z.strictObject({
        at: us(0),
        change: z.enum(AUTH_CHANGES),
      }),
    )
    .max(10_000)
    .optional()
    .describe(`auth-revoke: the operator's auth changes ({"at", "change"}: ${AUTH_CHANGES.join(", ")})`),
  quotaBackendBytes: count(0, 8_589_934_592)
    .optional()
    .meta({ unit: "bytes" })
    .describe("auth-revoke: etcd --quota-backend-bytes on every member (0: none), which root fills until NOSPACE"),
  fillAtUs: us(0).optional().describe("auth-revoke: when root starts filling etcd with big overwrites"),
  fillValueBytes: count(1, 1_000_000)
    .optional()
    .meta({ unit: "bytes" })
    .describe("auth-revoke: the size of root's big values"),
  disarmDelayUs: us(0)
    .optional()
    .describe("auth-revoke: the NOSPACE operator's wait between the last defrag and alarm disarm"),
  disk: diskOption,
} satisfies z.ZodRawShape;

const action = z.discriminatedUnion("kind", [
  z.strictObject({ at: us(0), kind: z.literal("scale"), deployment: z.string().min(1), replicas: count(0, 1000) }),
  z.strictObject({
    at: us(0),
    kind: z.literal("image"),
    deployment: z.string().min(1),
    image: z.string().min(1),
    container: z.string().min(1).optional(),
  }),
  z.strictObject({
    at: us(0),
    kind: z.literal("delete"),
    deployment: z.string().min(1),
    cascade: z
      .enum(["background", "foreground", "orphan"])
      .optional()
      .describe("kubectl delete --cascade; kubectl waits until the Deployment is gone"),
  }),
  z.strictObject({ at: us(0), kind: z.literal("apply"), manifest: z.string().min(1) }),
  z.strictObject({
    at: us(0),
    kind: z.literal("get"),
    resource: z.enum(["pods", "replicasets", "deployments"]),
    namespace: namespaceName.optional(),
  }),
  z.strictObject({
    at: us(0),
    kind: z.literal("delete-pods"),
    selector: z.string().min(1).describe('labels as kubectl -l takes them: "app=web,tier=front"'),
    namespace: namespaceName.optional(),
    gracePeriodSeconds: count(0, 3600).optional(),
  }),
]);

/** Kubernetes scenarios (deployment-rollout, controller-conflicts). */
export const kubeOptions = {
  members: count(1, 9).describe("etcd members"),
  apiservers: count(1, 3).describe("kube-apiservers"),
  nodes: count(1, 64).describe("nodes, one kubelet each"),
  faultPhaseUs: us(1).describe("virtual time of workload and faults before the heal"),
  livenessBoundUs: us(5_000_000).describe("after the heal, the bound within which every object must converge"),
  manifests: z.array(z.string()).max(100).describe("YAML manifests applied first"),
  actions: z
    .array(action)
    .max(10_000)
    .describe(
      'timed kubectl actions: scale, image, delete ("cascade": background, foreground or orphan; kubectl waits until the Deployment is gone), apply, get, delete-pods ({"at", "kind", …})',
    ),
  mix: faultMix,
  pauseSchedulerLeader: z.boolean().describe("pause whichever scheduler leads, longer than its lease"),
  compactIntervalUs: us(1).describe("apiserver compaction period"),
  conflictWriters: count(0, 64).describe("extra writers racing on the same objects"),
  bindStormReplicas: count(0, 1000)
    .optional()
    .describe(
      "controller-conflicts: a scale to this many replicas between two steps, while the leading scheduler's apiserver is paused (a bind storm)",
    ),
  bindStormAtUs: us(0).optional().describe("when the bind storm's scale happens"),
  etcdAuth: z
    .boolean()
    .optional()
    .describe("etcd auth on: the apiservers authenticate as the only user with a role on /registry/"),
  etcdWatchSendLoop: z
    .boolean()
    .optional()
    .describe(
      "compacted-deletes: etcd members send watch responses after each apply batch, reading prev_kv then (a compaction in the batch drops it)",
    ),
  etcdSnapshotCatchUpEntries: count(0, 1_000_000_000)
    .optional()
    .describe(
      "Raft entries each etcd member keeps before its snapshot, so a follower that far behind catches up from the log, not a snapshot (etcd's --snapshot-catchup-entries; absent: 0)",
    ),
  etcdElectionTicks: count(2, 1_000)
    .optional()
    .describe(
      "the etcd members' election timeout in 10 ms ticks (etcd's --election-timeout; absent: 10, 100 ms). etcd's leader sends no heartbeat while its fsync runs, so a leader on a slow disk needs a timeout well above its slowest fsync",
    ),
  nodeCapacity: count(1, 10_000)
    .optional()
    .describe(
      "pods each node declares room for (its Node's status.capacity.pods): the scheduler binds within it and the kubelet admits within it (absent: 10)",
    ),
  informerPageLimit: count(1, 10_000)
    .optional()
    .describe(
      "informers list in pages of this many objects, each next page read at the first page's revision with a continue token (absent: 50)",
    ),
  watchCacheCapacity: count(1, 100_000)
    .optional()
    .describe(
      "watch-cache: every apiserver serves watches, and lists that carry a resourceVersion, from a watch cache per resource whose window holds this many changes (absent: no cache, all from etcd)",
    ),
  readyCountNamespaces: z
    .array(namespaceName)
    .max(8)
    .refine((a) => new Set(a).size === a.length, "must not name a namespace twice")
    .optional()
    .describe(
      "tenants: the example ready-count controller runs scoped to each of these namespaces (its informers hold that namespace only), by processes ctrl-ready-count-NAMESPACE-1 and -2; the run converges only once each keeps its Deployments' ready counts (absent: none)",
    ),
  drainFinalizer: z
    .boolean()
    .optional()
    .describe(
      "terminating-pods: the example drain controller runs (processes ctrl-drain-1 and -2): it puts the finalizer example.com/drain on every nginx pod, and on a terminating one whose phase is terminal (its kubelet is done) records the pod in the ConfigMap nginx-drained before taking the finalizer off; the run converges only once no pod waits for it",
    ),
  nodeLifecycle: z
    .strictObject({
      graceUs: us(1).describe("--node-monitor-grace-period: no renewal seen for this long, and the node is Unknown"),
      tolerationUs: us(0).describe("how long a pod stays on a node tainted unreachable:NoExecute"),
    })
    .optional()
    .describe(
      "node-failures: the node lifecycle controller runs in the controller-managers (nodes marked Unknown, tainted and emptied), and kubelets post Ready again (absent: neither)",
    ),
  buggify,
  resourceQuota: z
    .strictObject({
      pods: count(0, 1000),
      requestsCpu: z.string().regex(/^[0-9]+m?$/),
      requestsMemory: z.string().regex(/^[0-9]+(k|M|G|Ki|Mi|Gi)?$/),
      defaultCpu: z.string().regex(/^[0-9]+m?$/),
      defaultMemory: z.string().regex(/^[0-9]+(k|M|G|Ki|Mi|Gi)?$/),
    })
    .optional()
    .describe(
      "quota-pressure: the namespace's ResourceQuota hard pods/requests.cpu/requests.memory and LimitRange default requests",
    ),
  quotaBackendBytes: count(0, 8_589_934_592)
    .optional()
    .meta({ unit: "bytes" })
    .describe(
      "quota-pressure, auth-revoke: etcd --quota-backend-bytes on every member (past it: NOSPACE; auth-revoke: 0 is none)",
    ),
  fillAtUs: us(0).optional().describe("quota-pressure: when a runaway client starts filling etcd with big overwrites"),
  fillValueBytes: count(1, 1_000_000)
    .optional()
    .meta({ unit: "bytes" })
    .describe("quota-pressure: the runaway client's value size"),
  disarmDelayUs: us(0)
    .optional()
    .describe("quota-pressure: the operator's wait between the last defrag and alarm disarm"),
  batchPods: count(0, 100)
    .optional()
    .describe(
      "quota-pressure: bare pods a tenant creates at once through another apiserver as the Deployment scales up",
    ),
  batchDeleteOnFull: z
    .boolean()
    .optional()
    .describe(
      "quota-pressure: the tenant deletes its pods as soon as the runaway client meets NOSPACE (Txns that write nothing, on a full backend)",
    ),
  // Latency (sim/latency-options.ts): absent, disks and links keep their fixed latencies.
  disk: diskOption,
  network: z
    .strictObject({
      rttUs: us(0, 1_000_000).optional().describe("round-trip time of every link (one way: half, jitter: a quarter)"),
      slowMember: z.string().min(1).optional().describe("one member whose links are slow"),
      slowRttUs: us(0, 1_000_000).optional().describe("the slow member's round-trip time (required with slowMember)"),
    })
    .optional()
    .describe("round-trip time of every link (rttUs), and of one slowMember's links (slowRttUs)"),
  slo: z
    .enum(["report", "require"])
    .optional()
    .describe(
      'kube-slo (mutating API p99 ≤ 1 s, pod startup p99 ≤ 5 s): "report" (default) or "require" (a miss fails the run)',
    ),
} satisfies z.ZodRawShape;

/** sim-selftest: the kernel alone. */
export const selftestOptions = {
  processes: count(2, 64).describe("pinger processes"),
  tickUs: us(1, 1_000_000).describe("ping period"),
  faultPhaseUs: us(1).describe("virtual time of faults before the heal"),
  livenessBoundUs: us(1).describe("after the heal, the bound for every round trip"),
  mix: faultMix,
} satisfies z.ZodRawShape;

/**
 * Bounds on what options add up to, so every run ends in seconds (each field alone may be in range while
 * together they ask for millions of operations, ticks or faults). Returns [field, problem] or undefined.
 */
type Limit = (o: Record<string, number>) => [string, string] | undefined;
export const LIMITS = { maxOps: 200_000, maxTicks: 5_000_000, maxFaults: 100_000, maxKubeProcessSeconds: 3000 };
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const tooManyFaults: Limit = (o) => {
  const mix = o.mix as unknown as { meanGapUs: number };
  const n = o.faultPhaseUs! / mix.meanGapUs;
  return n > LIMITS.maxFaults
    ? [
        "options.mix.meanGapUs",
        `is too small for faultPhaseUs ${o.faultPhaseUs}: about ${fmt(n)} faults (at most ${fmt(LIMITS.maxFaults)})`,
      ]
    : undefined;
};
const tooManyTicks =
  (processes: number): Limit =>
  (o) => {
    const n = (processes * (o.faultPhaseUs! + o.livenessBoundUs!)) / o.tickUs!;
    return n > LIMITS.maxTicks
      ? [
          "options.tickUs",
          `is too small for this run: about ${fmt(n)} ticks over ${processes} processes (at most ${fmt(LIMITS.maxTicks)}; raise tickUs or shorten faultPhaseUs/livenessBoundUs)`,
        ]
      : undefined;
  };
const kvLimits: Limit[] = [
  (o) => {
    const n = (o.clients! * o.faultPhaseUs!) / Math.max(o.thinkUs!, 1000);
    return n > LIMITS.maxOps
      ? [
          "options.thinkUs",
          `is too small for ${o.clients} clients over faultPhaseUs ${o.faultPhaseUs}: about ${fmt(n)} operations (at most ${fmt(LIMITS.maxOps)}; raise thinkUs or lower clients or faultPhaseUs)`,
        ]
      : undefined;
  },
  (o) => tooManyTicks(o.members! + o.spares!)(o),
  tooManyFaults,
  // A rewrite deletes from a key to the end of the keyspace: the workload's keys are all it may hold.
  (o) =>
    (o.kube as unknown as boolean) && ((o.traffic as unknown as Record<string, number>).rewrite ?? 0) > 0
      ? [
          "options.traffic.rewrite",
          "must be 0 with kube on: a rewrite deletes every key from the workload's to the end of the keyspace, the control plane's /registry/ keys too",
        ]
      : undefined,
  (o) => latencyOptionProblem(o, o.members! + o.spares!),
  // Timing that cannot work: the cluster could never elect, or answer, within the bounds it is held to.
  (o) => {
    const election = o.electionTicks! * o.tickUs!;
    const net = o.latencyUs! + o.jitterUs!;
    if (4 * net > election)
      return [
        "options.latencyUs",
        `plus jitterUs (${fmt(net)} µs) must be at most a quarter of the election timeout (electionTicks × tickUs = ${fmt(election)} µs): heartbeats would never arrive in time`,
      ];
    if (o.requestTimeoutUs! < 10 * net + 20_000)
      return [
        "options.requestTimeoutUs",
        `must be at least 10 × (latencyUs + jitterUs) + 20000 = ${fmt(10 * net + 20_000)} µs: no request could complete`,
      ];
    const need = 5 * election + o.requestTimeoutUs!;
    if (o.livenessBoundUs! < need)
      return [
        "options.livenessBoundUs",
        `must be at least 5 election timeouts plus requestTimeoutUs (${fmt(need)} µs): the cluster could not converge and answer the probe within it`,
      ];
    return undefined;
  },
];

export type Family = "kv" | "kube" | "selftest";
export const FAMILIES: Record<Family, { shape: z.ZodRawShape; title: string; example: string; limits: Limit[] }> = {
  kv: {
    shape: kvOptions,
    title:
      "etcd scenarios (smoke, kv-*, leader-isolation, lease-sessions, lease-checkpoints, clock-skew, watch-compaction, membership-change, elections, rolling-restart)",
    example: "smoke",
    limits: kvLimits,
  },
  kube: {
    shape: kubeOptions,
    title:
      "Kubernetes scenarios (deployment-rollout, controller-conflicts, kube-smoke, quota-pressure, slow-disk, compacted-deletes, container-crashes, tight-nodes, node-failures, watch-cache, tenants, terminating-pods, control-plane-upgrade)",
    example: "deployment-rollout",
    limits: [
      tooManyFaults,
      (o) => {
        // The workload's steps must start during the run, or the liveness check waits for them in vain.
        const actions = o.actions as unknown as { at: number }[];
        const late = actions.findIndex((a) => a.at >= o.faultPhaseUs!);
        return late >= 0
          ? [`options.actions[${late}].at`, `must be before faultPhaseUs (${o.faultPhaseUs}), not ${actions[late]!.at}`]
          : undefined;
      },
      (o) => {
        // Every control-plane process runs its loops all the time: cost grows with processes × time.
        const procs = o.members! + o.apiservers! + o.nodes! + 4;
        const n = (procs * o.faultPhaseUs!) / 1e6;
        return n > LIMITS.maxKubeProcessSeconds
          ? [
              "options.faultPhaseUs",
              `is too long for ${procs} processes: ${fmt(n)} process-seconds (at most ${fmt(LIMITS.maxKubeProcessSeconds)}; shorten it or use fewer nodes, apiservers or members)`,
            ]
          : undefined;
      },
      (o) => latencyOptionProblem(o, o.members!),
    ],
  },
  selftest: {
    shape: selftestOptions,
    title: "sim-selftest",
    example: "sim-selftest",
    limits: [
      (o) => tooManyTicks(o.processes!)(o),
      tooManyFaults,
      (o) => {
        const need = Math.max(100_000, 20 * o.tickUs!);
        return o.livenessBoundUs! < need
          ? [
              "options.livenessBoundUs",
              `must be at least max(100000, 20 × tickUs) = ${fmt(need)} µs: no round trip could complete within it`,
            ]
          : undefined;
      },
    ],
  },
};

/** Which family a scenario's options belong to, from the options it resolves. */
export function familyOf(template: Record<string, unknown>): Family {
  if ("apiservers" in template) return "kube";
  if ("processes" in template) return "selftest";
  return "kv";
}

export { MAX_US };
