// A synthetic RunResult for the report's tests and for looking at the report by eye: a three-member
// cluster where n1, isolated, keeps answering reads as a stale leader, so a read returns an
// overwritten value (a linearizability failure); with unknown outcomes, failed requests, faults, a
// leader/term timeline, watches (one faulted by the watch checker), Kubernetes objects and a liveness
// failure. Everything is computed from the parameters: no randomness.
import type { EtcdOperation, WatchRecord } from "../../checkers/history.ts";
import type { IllegalEvidence } from "../../checkers/linearizability/types.ts";
import type { WatchEvidence } from "../../checkers/watch/types.ts";
import type { RunResult, TimelinePoint } from "../../scenarios/types.ts";
import type { KubeObjectHistory, KubeObjectsView } from "../../harness/kube/objects.ts";
import type { FaultEvent } from "../../sim/nemesis.ts";

export interface SyntheticRun {
  run: RunResult;
  /** EtcdOperation.id of the stale read the linearizability evidence says could not be placed. */
  staleReadId: number;
  unknownIds: number[];
}

const MS = 1000;

export function syntheticFailingRun(opCount = 120): SyntheticRun {
  const clients = 4;
  const span = 1800 * MS;
  const ops: EtcdOperation[] = [];
  let revision = 1;
  const latest = new Map<string, { value: string; mod: number; create: number; version: number }>();
  const unknownIds: number[] = [];
  const perClient = Math.ceil(opCount / clients);
  const step = Math.floor(span / perClient);
  // Client c's k-th operation is called at k*step + c*step/clients; operations of one client do not overlap,
  // except after an unknown outcome (the client went on while its request may still apply).
  const calls: { client: number; call: number }[] = [];
  for (let k = 0; k < perClient; k++)
    for (let c = 0; c < clients; c++)
      calls.push({ client: c, call: 20 * MS + k * step + Math.floor((c * step) / clients) });
  calls.sort((a, b) => a.call - b.call || a.client - b.client);
  let staleReadId = -1;
  const staleAt = 900 * MS;
  for (const { client, call } of calls.slice(0, opCount)) {
    const id = ops.length;
    const key = id % 3 === 2 ? "b" : "a";
    // At most 3/4 of the gap to the client's next call: one client's operations do not overlap.
    const duration = Math.max(1, Math.floor((step * (10 + ((id * 7919) % 9) * 8)) / 100));
    const isUnknown = id % 17 === 5;
    const isFailed = id % 23 === 11;
    const ret = isUnknown ? null : call + duration;
    if (id % 2 === 0 && !isFailed) {
      const value = `v${id}`;
      const op: EtcdOperation = {
        id,
        client,
        call,
        return: ret,
        request: { kind: "put", put: { key, value } },
        response: null,
      };
      if (isUnknown) {
        op.error = "timeout";
        unknownIds.push(id);
      } else {
        revision++;
        const prev = latest.get(key);
        latest.set(key, { value, mod: revision, create: prev?.create ?? revision, version: (prev?.version ?? 0) + 1 });
        op.response = { kind: "put", put: { header: { revision, raftTerm: call < 800 * MS ? 2 : 3 } } };
      }
      ops.push(op);
    } else {
      const op: EtcdOperation = {
        id,
        client,
        call,
        return: ret,
        request: { kind: "range", range: { key } },
        response: null,
      };
      if (isUnknown) {
        op.error = "timeout";
        unknownIds.push(id);
      } else if (isFailed) {
        op.request = { kind: "range", range: { key, revision: 1_000_000 } };
        op.error = "future-revision";
      } else {
        const cur = latest.get(key);
        const kvs = cur
          ? [
              {
                key,
                value: cur.value,
                modRevision: cur.mod,
                createRevision: cur.create,
                version: cur.version,
                lease: 0,
              },
            ]
          : [];
        op.response = {
          kind: "range",
          range: { header: { revision, raftTerm: 3 }, kvs, more: false, count: kvs.length },
        };
      }
      ops.push(op);
    }
  }
  // The stale read: the first successful read of "a" after 900 ms returns the value before the latest put.
  const aPuts = ops.filter(
    (o) => o.request.kind === "put" && o.request.put.key === "a" && o.response !== null && o.return! < staleAt,
  );
  const stale = ops.find(
    (o) =>
      o.call >= staleAt &&
      o.request.kind === "range" &&
      o.request.range.key === "a" &&
      o.response !== null &&
      o.request.range.revision === undefined,
  );
  if (stale && aPuts.length >= 2 && stale.response?.kind === "range") {
    const old = aPuts[aPuts.length - 2]!;
    const kv = stale.response.range.kvs[0];
    if (kv && old.request.kind === "put" && old.response?.kind === "put") {
      kv.value = old.request.put.value;
      kv.modRevision = old.response.put.header.revision;
    }
    staleReadId = stale.id;
  }

  // Evidence in the checker's IllegalEvidence shape, but with `op` as the generic engine reports it:
  // an index into the list it checked (failed reads dropped, so not EtcdOperation.id; check-etcd maps
  // them back to ids). The report must still find the operations, by client and call time.
  const checked = ops.filter((o) => o.response !== null || o.return === null);
  const index = new Map(checked.map((o, i) => [o.id, i]));
  const keyA = checked.filter(
    (o) =>
      (o.request.kind === "put" ? o.request.put.key : o.request.kind === "range" ? o.request.range.key : "") === "a",
  );
  const describe = (o: EtcdOperation) =>
    o.request.kind === "put"
      ? `put(a, ${o.request.put.value})`
      : `get(a) → ${o.response?.kind === "range" ? (o.response.range.kvs[0]?.value ?? "nil") : "?"}`;
  const ref = (o: EtcdOperation) => ({
    op: index.get(o.id)!,
    clientId: o.client,
    call: o.call,
    return: o.return,
    description: describe(o),
  });
  const prefix = keyA.filter((o) => o.return !== null && o.return < (stale?.call ?? staleAt));
  const lastPut = [...prefix].reverse().find((o) => o.request.kind === "put");
  const concurrentUnknown = keyA.find((o) => o.return === null && o.call < (stale?.call ?? staleAt));
  const evidence: IllegalEvidence = {
    partition: 0,
    longestPrefix: prefix.map(ref),
    stateAfterPrefix: JSON.stringify(lastPut && lastPut.request.kind === "put" ? lastPut.request.put.value : null),
    stuck: [
      ...(stale ? [{ ...ref(stale), reason: "rejected" as const }] : []),
      ...(concurrentUnknown ? [{ ...ref(concurrentUnknown), reason: "dead-end" as const }] : []),
    ],
  };

  const faults: FaultEvent[] = [
    { at: 100 * MS, until: 400 * MS, kind: "loss", p: 0.1 },
    { at: 300 * MS, until: 900 * MS, kind: "skew", target: "n2", byUs: 300 * MS },
    { at: 600 * MS, until: 1000 * MS, kind: "isolate", target: "n1" },
    { at: 1200 * MS, until: 1400 * MS, kind: "crash", target: "n3", disk: "torn" },
    { at: 1500 * MS, until: 1600 * MS, kind: "clog", from: "n2", to: "n3" },
    { at: 1650 * MS, until: 1700 * MS, kind: "pause", target: "n1" },
    { at: 1750 * MS, kind: "partition", groups: [["n1"], ["n2", "n3"]] },
  ];
  const faultLog = faults.map((f) => ({ fault: f, start: f.at, end: f.kind === "partition" ? undefined : f.until }));

  const timeline: TimelinePoint[] = [
    { time: 0, member: "n1", role: "follower", term: 1 },
    { time: 0, member: "n2", role: "follower", term: 1 },
    { time: 0, member: "n3", role: "follower", term: 1 },
    { time: 30 * MS, member: "n1", role: "candidate", term: 2 },
    { time: 45 * MS, member: "n1", role: "leader", term: 2, commitIndex: 1 },
    { time: 46 * MS, member: "n2", role: "follower", term: 2 },
    { time: 46 * MS, member: "n3", role: "follower", term: 2 },
    { time: 760 * MS, member: "n2", role: "pre-candidate", term: 2 },
    { time: 780 * MS, member: "n2", role: "candidate", term: 3 },
    { time: 800 * MS, member: "n2", role: "leader", term: 3, commitIndex: 40 },
    { time: 801 * MS, member: "n3", role: "follower", term: 3 },
    { time: 1000 * MS, member: "n1", role: "follower", term: 3 },
    { time: 1200 * MS, member: "n3", role: "down", term: 3 },
    { time: 1400 * MS, member: "n3", role: "follower", term: 3 },
    { time: 1900 * MS, member: "n1", role: "candidate", term: 4 },
  ];

  const aEvents = ops.filter(
    (o) => o.request.kind === "put" && o.response?.kind === "put" && o.request.put.key === "a",
  );
  const watches: WatchRecord[] = [
    {
      client: 10,
      member: "n2",
      watchId: 1,
      call: 10 * MS,
      request: { key: "a", startRevision: 1, progressNotify: true },
      responses: [
        { time: 11 * MS, response: { header: { revision: 1, raftTerm: 2 }, watchId: 1, created: true, events: [] } },
        ...aEvents.map((o) => {
          const put = o.request.kind === "put" ? o.request.put : { key: "a", value: "" };
          const rev = o.response?.kind === "put" ? o.response.put.header.revision : 0;
          return {
            time: o.return! + MS,
            response: {
              header: { revision: rev, raftTerm: 3 },
              watchId: 1,
              events: [
                {
                  type: "PUT" as const,
                  kv: { key: put.key, value: put.value, modRevision: rev, createRevision: 2, version: 1, lease: 0 },
                },
              ],
            },
          };
        }),
        { time: 1500 * MS, response: { header: { revision, raftTerm: 3 }, watchId: 1, events: [] } },
      ],
    },
    {
      client: 11,
      member: "n1",
      watchId: 2,
      call: 200 * MS,
      request: { key: "b", startRevision: 1 },
      responses: [
        { time: 201 * MS, response: { header: { revision: 3, raftTerm: 2 }, watchId: 2, created: true, events: [] } },
        {
          time: 700 * MS,
          response: {
            header: { revision: 9, raftTerm: 2 },
            watchId: 2,
            events: [
              { type: "DELETE", kv: { key: "b", value: "", modRevision: 9, createRevision: 0, version: 0, lease: 0 } },
            ],
          },
        },
        {
          time: 1300 * MS,
          response: {
            header: { revision: 0, raftTerm: 3 },
            watchId: 2,
            canceled: true,
            compactRevision: 12,
            events: [],
          },
        },
      ],
    },
  ];
  const watchEvidence: WatchEvidence = {
    violations: [
      {
        guarantee: "committed",
        watch: 1,
        client: 11,
        watchId: 2,
        member: "n1",
        key: "b",
        revision: 9,
        response: 1,
        eventKey: "b",
        message: "watch 2 (client 11 on n1): DELETE b at revision 9, but revision 9 put a",
      },
    ],
    violationCount: 1,
    watches: 2,
    events: aEvents.length + 1,
    revisions: revision,
  };

  const pod = (n: number, deleted: boolean): KubeObjectHistory => ({
    kind: "Pod",
    namespace: "default",
    name: `web-7d9f-${n}`,
    events: [
      { time: (300 + n * 40) * MS, resourceVersion: 20 + n, type: "ADDED", summary: "pending, no node" },
      { time: (420 + n * 40) * MS, resourceVersion: 30 + n, type: "MODIFIED", summary: `node=n${(n % 3) + 1}` },
      { time: (700 + n * 40) * MS, resourceVersion: 40 + n, type: "MODIFIED", summary: "Running, ready" },
      ...(deleted ? [{ time: 1450 * MS, resourceVersion: 60, type: "DELETED" as const, summary: "deleted" }] : []),
    ],
  });
  const kube: KubeObjectsView = {
    objects: [
      {
        kind: "Deployment",
        namespace: "default",
        name: "web",
        events: [
          { time: 150 * MS, resourceVersion: 10, type: "ADDED", summary: "replicas 0/3" },
          { time: 800 * MS, resourceVersion: 45, type: "MODIFIED", summary: "replicas 3/3 ready" },
          { time: 1460 * MS, resourceVersion: 61, type: "MODIFIED", summary: "replicas 2/3 ready" },
        ],
      },
      {
        kind: "ReplicaSet",
        namespace: "default",
        name: "web-7d9f",
        events: [{ time: 200 * MS, resourceVersion: 12, type: "ADDED", summary: "replicas 3" }],
      },
      pod(1, false),
      pod(2, true),
      pod(3, false),
      {
        kind: "Lease",
        namespace: "kube-system",
        name: "kube-scheduler",
        events: [{ time: 50 * MS, resourceVersion: 3, type: "ADDED", summary: "holder sched-1" }],
      },
    ],
  };

  const run: RunResult = {
    scenario: "kv-partition",
    seed: 42,
    bugs: ["raft-stale-read"],
    verdict: "fail",
    traceHash: "0123456789abcdef",
    stats: { events: 123456, messages: 45678, ops: ops.length, simTimeMs: 2000, wallMs: 321 },
    checks: [
      { name: "raft-safety", verdict: "pass", message: "election safety, log matching, state machine safety hold" },
      { name: "watch", verdict: "fail", message: watchEvidence.violations[0]!.message, evidence: watchEvidence },
      {
        name: "linearizability",
        verdict: "fail",
        message: `get(a) by client ${stale?.client} at ${((stale?.call ?? 0) / MS).toFixed(0)} ms returned an overwritten value`,
        evidence,
      },
      {
        name: "kube-liveness",
        verdict: "fail",
        message: "pending after heal: no leader within 1000 ms",
        evidence: { pending: ["no leader: n1 is partitioned from n2, n3", "apply index behind on n3 (412 < 415)"] },
      },
    ],
    repro: "npx etcdsim run --scenario kv-partition --seed 42 --bug raft-stale-read",
    options: { members: 3, electionTicks: 10, heartbeatTicks: 1, clients },
    faults,
    history: { operations: ops, watches },
    faultLog,
    timeline,
    extra: { kube },
  };
  return { run, staleReadId, unknownIds };
}
