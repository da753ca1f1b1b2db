// Latencies of one Kubernetes run, from the side-channel log (core/metrics/latency.ts) and the harness's
// observations: per-layer samples, pod startup, informer delivery lag and each kubectl step's time to
// ready. Pure functions of recorded values, so a report can be recomputed from a saved log.
import type { KubeObservations } from "../../core/kube/observations.ts";
import type { KubeObject } from "../../core/kube/types.ts";
import type { LatencyLog, LatencyOp, StepStart } from "../../core/metrics/latency.ts";

import { firstWord, MUTATING_VERBS, type PodStartup } from "../../checkers/kube/slo.ts";

export { MUTATING_VERBS, type PodStartup };

/** One kubectl step and when the deployment it changed was ready: every wanted pod Running, no other pod left. */
export interface StepReady {
  index: number;
  description: string;
  start: number;
  /** Virtual time it became ready; undefined: not within the run (or a later step changed the goal first). */
  ready: number | undefined;
}

/** The chart-ready record of a run: every op as a point, and the derived samples per metric (µs). */
export interface LatencyReport {
  /** Columns, one entry per operation: metric index, start time (µs), duration (µs). */
  points: { metrics: string[]; m: number[]; t: number[]; d: number[] };
  /** Samples per metric: durations in µs. */
  samples: Record<string, number[]>;
  steps: StepReady[];
  /** Per etcd member: its request durations (leader and follower together). */
  perMember: Record<string, number[]>;
}

const specOf = (o: KubeObject | null) =>
  (o as { spec?: { replicas?: number; template?: { spec?: { containers?: { image: string }[] } } } } | null)?.spec;
const ownerName = (o: KubeObject) => o.metadata.ownerReferences?.find((r) => r.controller === true)?.name;
const phaseOf = (o: KubeObject | null) => (o as { status?: { phase?: string } } | null)?.status?.phase;

export function podStartups(obs: KubeObservations): PodStartup[] {
  // One entry per generation of a pod key (its createRevision, else its uid), in order of first sight;
  // found through the key, then the generation (no "key#generation" string per version).
  const out: PodStartup[] = [];
  const byKey = new Map<string, Map<string, PodStartup>>();
  for (const v of obs.versions) {
    if (!v.key.startsWith("/registry/pods/")) continue;
    let gens = byKey.get(v.key);
    if (v.object === null) {
      // Deleted: a pod deleted before it ran has no startup to measure (Kubernetes' SLI skips it too).
      if (gens !== undefined) for (const p of gens.values()) if (p.running === undefined) p.deleted = true;
      continue;
    }
    if (gens === undefined) byKey.set(v.key, (gens = new Map()));
    const gen = String(v.createRevision ?? v.object.metadata.uid ?? "");
    let p = gens.get(gen);
    if (p === undefined) {
      gens.set(gen, (p = { key: v.key, created: v.time, running: undefined }));
      out.push(p);
    }
    p.created = Math.min(p.created, v.time);
    if (phaseOf(v.object) === "Running" && (p.running === undefined || v.time < p.running)) p.running = v.time;
  }
  return out;
}

/** Each informer event's lag: when the informer got it minus when etcd first held that version. */
export function informerLags(obs: KubeObservations): { t: number; d: number }[] {
  // Key, then revision: no "key@rv" string is built per version and per observation.
  const committed = new Map<string, Map<number, number>>();
  for (const v of obs.versions) {
    let byRv = committed.get(v.key);
    if (byRv === undefined) committed.set(v.key, (byRv = new Map()));
    const t = byRv.get(v.rv);
    if (t === undefined || v.time < t) byRv.set(v.rv, v.time);
  }
  const out: { t: number; d: number }[] = [];
  for (const o of obs.observed) {
    if (o.event === "LIST") continue;
    const t = committed.get(o.key)?.get(o.rv);
    if (t !== undefined && o.time >= t) out.push({ t, d: o.time - t });
  }
  return out;
}

function describe(s: StepStart): string {
  if (s.kind === "scale") return `scale ${s.name} to ${s.replicas}`;
  if (s.kind === "image") return `image ${s.name} ${s.image}`;
  if (s.kind === "apply") return "apply";
  return `${s.kind} ${s.name}`;
}

/**
 * Time to ready per step: from kubectl issuing it to the first moment the deployment, as etcd holds it,
 * says what the step asked and exactly spec.replicas live pods of it run that template's image, all
 * Running. An apply is ready when every deployment it may have created is.
 */
export function timeToReady(steps: readonly StepStart[], obs: KubeObservations): StepReady[] {
  const objects = new Map<string, KubeObject>();
  const out: StepReady[] = steps.map((s) => ({
    index: s.index,
    description: describe(s),
    start: s.time,
    ready: undefined,
  }));

  const readyNow = (s: StepStart): boolean => {
    const deps: KubeObject[] = [];
    for (const o of objects.values())
      if (
        o.kind === "Deployment" &&
        (s.kind === "apply" || (o.metadata.namespace === s.namespace && o.metadata.name === s.name))
      )
        deps.push(o);
    if (deps.length === 0) return s.kind === "delete";
    if (s.kind === "delete") return false;
    return deps.every((d) => {
      const spec = specOf(d);
      const want = spec?.replicas ?? 1;
      const image = spec?.template?.spec?.containers?.[0]?.image;
      if (s.kind === "scale" && want !== s.replicas) return false;
      if (s.kind === "image" && image !== s.image) return false;
      const rss = new Set<string>();
      for (const o of objects.values())
        if (
          o.kind === "ReplicaSet" &&
          o.metadata.namespace === d.metadata.namespace &&
          ownerName(o) === d.metadata.name
        )
          rss.add(o.metadata.name);
      let running = 0;
      for (const o of objects.values()) {
        if (o.kind !== "Pod" || o.metadata.namespace !== d.metadata.namespace || !rss.has(ownerName(o) ?? "")) continue;
        if ((o.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined) return false;
        if (phaseOf(o) !== "Running" || specOf(o as KubeObject) === undefined) return false;
        if ((o as { spec: { containers?: { image: string }[] } }).spec.containers?.[0]?.image !== image) return false;
        running++;
      }
      return running === want;
    });
  };
  // readyNow reads only Deployments, ReplicaSets and Pods: a step found not ready stays so until one of
  // them changes, so it is tested again only then (most versions are Leases and Nodes).
  const readsObject = (o: KubeObject | null | undefined) =>
    o != null && (o.kind === "Deployment" || o.kind === "ReplicaSet" || o.kind === "Pod");
  let workloadChanges = 0;
  const testedAt = new Map<number, number>();
  // Versions arrive in time order: replay them, testing the open steps after each.
  for (const v of obs.versions) {
    const cur = objects.get(v.key);
    if (v.object === null) {
      if (objects.delete(v.key) && readsObject(cur)) workloadChanges++;
    } else {
      const curRv = Number(cur?.metadata.resourceVersion ?? 0);
      if (cur === undefined || curRv <= v.rv) {
        objects.set(v.key, v.object);
        if (readsObject(cur) || readsObject(v.object)) workloadChanges++;
      }
    }
    for (let i = 0; i < out.length; i++) {
      if (out[i]!.ready !== undefined) continue;
      const s = steps[i]!;
      if (v.time < s.time) continue;
      // A later step already issued changes the goal: this one is judged no further.
      const later = steps.find(
        (x) => x.index > s.index && x.time <= v.time && (x.kind === "apply" || x.name === s.name),
      );
      if (later !== undefined) continue;
      if (testedAt.get(i) === workloadChanges) continue;
      testedAt.set(i, workloadChanges);
      if (readyNow(s)) out[i]!.ready = v.time;
    }
  }
  return out;
}

/** Collects points and samples per metric, in the order metrics first appear. */
export function reportBuilder(): {
  add(metric: string, t: number, d: number): void;
  report(steps?: StepReady[]): LatencyReport;
  perMember: Record<string, number[]>;
} {
  const metrics: string[] = [];
  const index = new Map<string, number>();
  const points = { metrics, m: [] as number[], t: [] as number[], d: [] as number[] };
  const samples: Record<string, number[]> = {};
  /** samples[metrics[i]], by the metric's index (no lookup by name per point). */
  const sampleLists: number[][] = [];
  const perMember: Record<string, number[]> = {};
  return {
    perMember,
    add(metric, t, d) {
      let i = index.get(metric);
      if (i === undefined) {
        index.set(metric, (i = metrics.length));
        metrics.push(metric);
        sampleLists.push((samples[metric] = []));
      }
      points.m.push(i);
      points.t.push(t);
      points.d.push(d);
      sampleLists[i]!.push(d);
    },
    report: (steps = []) => ({ points, samples, steps, perMember }),
  };
}

/** etcd's side of the log: request durations by the serving member's role, and per member. */
export function addEtcdOps(b: ReturnType<typeof reportBuilder>, ops: readonly LatencyOp[] | LatencyLog): void {
  const add = (who: string, start: number, end: number, role: string | undefined) => {
    const d = end - start;
    // The two usual metric names as constants: no name is built per operation.
    b.add(role === "leader" ? "etcd leader" : role === "follower" ? "etcd follower" : `etcd ${role}`, start, d);
    (b.perMember[who] ??= []).push(d);
  };
  if (!Array.isArray(ops)) {
    (ops as LatencyLog).forEachEtcd((who, _what, start, end, _ok, leader) =>
      add(who, start, end, leader ? "leader" : "follower"),
    );
    return;
  }
  for (const op of ops as readonly LatencyOp[]) if (op.layer === "etcd") add(op.who, op.start, op.end, op.role);
}

/** Everything the report and `explore` draw, in one pass. */
export function kubeLatencyReport(
  ops: readonly LatencyOp[],
  steps: readonly StepStart[],
  obs: KubeObservations,
  startups: readonly PodStartup[] = podStartups(obs),
): LatencyReport {
  const b = reportBuilder();
  addEtcdOps(b, ops);
  for (const op of ops) {
    const d = op.end - op.start;
    if (op.layer === "apiserver") {
      const verb = firstWord(op.what);
      if (MUTATING_VERBS.has(verb)) b.add("api mutating", op.start, d);
      else if (verb === "list") b.add("api list", op.start, d);
      else if (verb === "get") b.add("api get", op.start, d);
    } else if (op.layer === "workqueue") b.add("workqueue wait", op.start, d);
  }
  for (const l of informerLags(obs)) b.add("informer lag", l.t, l.d);
  for (const p of startups) if (p.running !== undefined) b.add("pod startup", p.created, p.running - p.created);
  const ready = timeToReady(steps, obs);
  for (const s of ready) {
    if (s.ready === undefined || s.description === "apply") continue;
    b.add(`ready #${s.index} ${s.description}`, s.start, s.ready - s.start);
    b.add("ready (every step)", s.start, s.ready - s.start);
  }
  return b.report(ready);
}
