// kube-grace-period: a pod's grace period bounds how long its containers may go on once its kubelet
// knows it is being deleted. The kubelet sends the stop signal when it sees the deletion and kills what
// still runs when the period ends; a later delete with a shorter period brings the kill sooner (the pod
// worker's calculateEffectiveGracePeriod; a kubelet that kept the first period is kubernetes #83916).
// So a container of a terminating pod that runs when its node's kubelet first sees the pod terminating
// stops (on its own, killed, or with its node's crash) by the earliest of "seen at t with period G: t + G"
// over every terminating version that kubelet saw — late only by the kubelet's clock drift over the
// period (its timers run on its own clock) and by the time its process was paused (a paused kubelet
// kills nothing).
// Nor is a container created for a pod once its kubelet has seen it terminating.
// Judged on the store's versions, the kubelets' informer observations (true time) and the nodes'
// container runtime logs.
import type { InformerObservation, KubeObservations, NodeEvent } from "../../core/kube/observations.ts";
import type { Pod } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { type CompactionCheckInput, pausedWithin } from "./compaction.ts";

export interface GracePeriodInput {
  observations: KubeObservations;
  /** Every process's crashes, restarts, pauses and resumes, in time order. */
  lifecycle: CompactionCheckInput["lifecycle"];
  /** The run's end (true time): a container still running then is judged against it. */
  end: number;
  /** The slowest drift the run gives a clock, in ppm (≤ 0): a kubelet whose clock runs slow kills late. */
  minDriftPpm: number;
}

/** What the kubelet's own work between seeing a version and acting on it may take (one event turn). */
const SLACK_US = 1_000;
const MAX_VIOLATIONS = 20;

export function checkGracePeriod(input: GracePeriodInput): CheckResult {
  const name = "kube-grace-period";
  const obs = input.observations;
  const nodes = new Set(obs.nodes);
  // key@rv → a terminating pod version's uid, node and grace period (µs)
  const terminating = new Map<string, { uid: string; node: string; graceUs: number }>();
  for (const v of obs.versions) {
    if (v.object?.kind !== "Pod" || v.object.metadata.deletionTimestamp === undefined) continue;
    const p = v.object as Pod;
    if (!p.spec.nodeName) continue;
    terminating.set(`${v.key}@${v.rv}`, {
      uid: p.metadata.uid ?? v.key,
      node: p.spec.nodeName,
      graceUs: (p.metadata.deletionGracePeriodSeconds ?? 0) * 1_000_000,
    });
  }
  if (terminating.size === 0) return { name, verdict: "pass", message: "no pod was stored terminating on a node" };
  // A period on the slowest clock, in true time.
  const slowest = Math.min(0, input.minDriftPpm);
  const stretched = (us: number) => Math.ceil((us * 1e6) / (1e6 + slowest));
  // node/uid → when its kubelet first saw it terminating, and the earliest kill that sight set
  const seen = new Map<string, { first: number; firstDeadline: number; deadline: number; graceUs: number }>();
  for (const o of obs.observed as readonly InformerObservation[]) {
    const node = o.observer.slice(0, o.observer.indexOf("#"));
    if (!nodes.has(node)) continue;
    const t = terminating.get(`${o.key}@${o.rv}`);
    if (t === undefined || t.node !== node) continue;
    const id = `${node}/${t.uid}`;
    const s = seen.get(id);
    const deadline = o.time + stretched(t.graceUs);
    if (s === undefined) seen.set(id, { first: o.time, firstDeadline: deadline, deadline, graceUs: t.graceUs });
    else if (deadline < s.deadline) {
      s.deadline = deadline;
      s.graceUs = t.graceUs;
    }
  }
  // node/uid → the times its container was alive from (created) and ended (stopped, exited, reboot)
  const lives = new Map<string, { from: number; to: number }[]>();
  const alive = new Map<string, Set<string>>();
  const on = (node: string) => alive.get(node) ?? alive.set(node, new Set()).get(node)!;
  const end = (node: string, uid: string, time: number) => {
    const l = lives.get(`${node}/${uid}`);
    const last = l?.[l.length - 1];
    if (last !== undefined && last.to === Number.POSITIVE_INFINITY) last.to = time;
  };
  for (const e of (obs.nodeEvents ?? []) as readonly NodeEvent[]) {
    if (e.kind === "reboot") {
      for (const uid of on(e.node)) end(e.node, uid, e.time);
      on(e.node).clear();
    } else if (e.kind === "created") {
      on(e.node).add(e.uid);
      const id = `${e.node}/${e.uid}`;
      const l = lives.get(id) ?? lives.set(id, []).get(id)!;
      l.push({ from: e.time, to: Number.POSITIVE_INFINITY });
    } else if (e.kind === "stopped" || e.kind === "exited") {
      on(e.node).delete(e.uid);
      end(e.node, e.uid, e.time);
    }
  }
  const bad: string[] = [];
  let judged = 0;
  let shortened = 0;
  for (const [id, s] of seen) {
    // Nor does a kubelet start anything for a pod it knows is being deleted.
    const late = lives.get(id)?.find((l) => l.from > s.first);
    if (late !== undefined && bad.length < MAX_VIOLATIONS)
      bad.push(
        `a container of pod ${id.slice(id.indexOf("/") + 1)} was created on ${id.slice(0, id.indexOf("/"))} at ${ms(late.from)}, after its kubelet saw the pod terminating at ${ms(s.first)}`,
      );
    const life = lives.get(id)?.find((l) => l.from <= s.first && l.to > s.first);
    if (life === undefined) continue; // nothing of the pod ran here when its kubelet learned of the delete
    judged++;
    if (s.deadline < s.firstDeadline) shortened++;
    const node = id.slice(0, id.indexOf("/"));
    // A node that crashed took its containers down then (the runtime logs the reboot when it is back).
    const crash = input.lifecycle.find((l) => l.process === node && l.kind === "crash" && l.time >= s.first);
    const stoppedAt = Math.min(life.to, input.end, crash?.time ?? Number.POSITIVE_INFINITY);
    const allowed = s.deadline + pausedWithin(input.lifecycle, node, s.first, stoppedAt) + SLACK_US;
    if (stoppedAt <= allowed) continue;
    if (bad.length < MAX_VIOLATIONS)
      bad.push(
        `the container of pod ${id.slice(node.length + 1)} on ${node} ${stoppedAt === input.end ? "still ran at the end" : "ran until"} ${ms(stoppedAt)}, ${ms(stoppedAt - allowed)} past its kill: its kubelet saw it terminating at ${ms(s.first)}, and the earliest period it saw (${s.graceUs / 1_000_000} s) ends by ${ms(s.deadline)} on the slowest clock`,
      );
  }
  if (bad.length > 0) return { name, verdict: "fail", message: bad.join("; ") };
  return {
    name,
    verdict: "pass",
    message: `${judged} containers running when their kubelets saw their pods terminating, each stopped within the shortest grace period seen (${shortened} shortened by a later delete)`,
  };
}

const ms = (us: number) => `${(us / 1000).toFixed(1)}ms`;
