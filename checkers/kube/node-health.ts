// kube-node-health — the node lifecycle controller acts only on what it saw, and only after waiting:
//  - it marks a node's Ready Unknown only after a whole grace period in which its own informer delivered
//    no renewal of the node's Lease (a new version of it): judged from the moment it sent the status
//    write (its leader act) back to the last Lease version its informers had delivered before then;
//  - it taints a node unreachable only from a version of it that was not Ready (a CAS: the version its
//    update was computed from is the one before the taint);
//  - it marks a pod not ready (MarkPodsNotReady) only while the newest version of the pod's node it knew
//    (delivered to its informer, or made by its own status write) was not Ready — when it decided: the
//    updates of a node's pods go out one by one, the later ones after the node may have come back;
//  - it deletes a pod (a taint eviction) only after the pod's node had carried the
//    node.kubernetes.io/unreachable:NoExecute taint, in every version of the Node its informer delivered,
//    for the pods' whole toleration.
//  - and it does act: a node stored Unknown without the unreachable:NoExecute taint for 4 s, under one
//    controller and with another node Ready all along, is tainted by then; a node whose Lease saw no
//    renewal committed for the grace period and 4 s more
//    (a monitor period, a leader's pause shorter than its lease, retries), while one controller led
//    throughout, is Unknown by then; and a node whose every stored version carried the unreachable
//    NoExecute taint for the pods' toleration and 4 s more, while one controller led throughout and some
//    other node was Ready all along (else the controller sees a full disruption and holds back), has no
//    pod left on it that was there when that began: each is terminating or gone (kubernetes #42733, #45342:
//    a taint manager that never heard of the node's taints evicted nothing, and nothing else noticed).
// Its clock may run fast by the run's largest drift, which shortens both waits in true time by as much.
// What the controller was told is a fact of the run, recorded as delivered (not the controller's own
// account), so a controller that misreads a renewal, or counts its toleration from the wrong moment, fails.
import type { KubeObservations, InformerObservation } from "../../core/kube/observations.ts";
import { NODE_LEASE_NAMESPACE } from "../../core/kube/controllers/scheduler.ts";
import { keyOfObject, registryKey, registryPrefix } from "../../core/kube/resources.ts";
import { isTerminating, objectKey, podIsReady, type KubeObject, type Node, type Pod } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { violationsResult } from "./safety.ts";

export interface NodeHealthOptions {
  graceUs: number;
  tolerationUs: number;
  /** The largest clock drift of the run, in ppm (a fast clock's waits end early in true time). */
  maxDriftPpm?: number;
}

const CONTROLLER = "node-lifecycle";
/** Kubernetes' taint for a node its controller cannot hear from (stated here, not read from the controller). */
const UNREACHABLE = "node.kubernetes.io/unreachable";

/** A node's Ready condition's status, as the API holds it. */
export function readyStatus(n: Node): string | undefined {
  return n.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

/** Whether a node carries the unreachable taint (with this effect, if given). */
export function hasUnreachableTaint(n: Node, effect?: string): boolean {
  return n.spec.taints?.some((t) => t.key === UNREACHABLE && (effect === undefined || t.effect === effect)) === true;
}
/** How long past the grace period a leading controller may take to mark a silent node Unknown: a monitor
 * period, a pause of the leader shorter than its lease, and a write's retries. */
const DETECT_SLACK_US = 4_000_000;
/** How long past a node's toleration a leading controller may take to evict its pods: the same monitor period, leader's pause shorter than its lease and retries as detection (node-failures seed 48: 1 s was too little). */
const EVICT_SLACK_US = DETECT_SLACK_US;
/** How soon after a node's Unknown its pods must be marked not ready (the controller does it at once). */
const MARK_WITHIN_US = 3_000_000;
const s = (us: number) => `${(us / 1e6).toFixed(3)}s`;

export function checkNodeHealth(obs: KubeObservations, opts: NodeHealthOptions): CheckResult {
  const fast = 1 + Math.max(0, opts.maxDriftPpm ?? 0) / 1e6;
  const grace = opts.graceUs / fast;
  const toleration = opts.tolerationUs / fast;
  const objects = new Map<string, KubeObject | null>();
  for (const v of obs.versions) objects.set(`${v.key}@${v.rv}`, v.object);
  const at = (key: string, rv: number) => objects.get(`${key}@${rv}`);
  /** What each process's informers delivered of one key, in order. */
  const delivered = (process: string, key: string, before: number): InformerObservation[] =>
    obs.observed.filter((o) => o.key === key && o.time <= before && o.observer.startsWith(`${process}#`));
  const violations: string[] = [];
  /** Nodes marked Unknown: by whom, when the version landed, and when the node was next Ready. */
  const unmarked: { node: string; process: string; time: number; until: number | undefined }[] = [];
  let unknowns = 0;
  let taints = 0;
  let marked = 0;
  let evictions = 0;

  // Each Node's and Pod's versions in revision order: a controller's update is a CAS, so the version
  // its write landed on is the one before it, and the act that sent the write names that revision.
  const versionsOf = new Map<string, { rv: number; time: number; object: KubeObject }[]>();
  for (const v of obs.versions) {
    if (v.object?.kind !== "Node" && v.object?.kind !== "Pod") continue;
    let a = versionsOf.get(v.key);
    if (a === undefined) versionsOf.set(v.key, (a = []));
    if (!a.some((x) => x.rv === v.rv)) a.push({ rv: v.rv, time: v.time, object: v.object });
  }
  for (const a of versionsOf.values()) a.sort((x, y) => x.rv - y.rv);
  /** When each node's Lease was written (committed), by node. */
  const versionsOfLease = new Map<string, number[]>();
  const leasePrefix = registryPrefix("Lease", NODE_LEASE_NAMESPACE);
  const leaseSeen = new Set<string>();
  for (const v of obs.versions) {
    if (!v.key.startsWith(leasePrefix) || v.object === null || leaseSeen.has(`${v.key}@${v.rv}`)) continue;
    leaseSeen.add(`${v.key}@${v.rv}`);
    const name = v.key.slice(leasePrefix.length);
    let a = versionsOfLease.get(name);
    if (a === undefined) versionsOfLease.set(name, (a = []));
    a.push(v.time);
  }
  /** The revision of the Node version the controller's own status write made from revision `from`. */
  const madeFrom = (key: string, from: number): number | undefined => {
    const a = versionsOf.get(key) ?? [];
    const i = a.findIndex((x) => x.rv === from);
    return i >= 0 ? a[i + 1]?.rv : undefined;
  };
  /** The newest version of a Node the process knew at `time`: delivered to it, or made by its own writes. */
  const knownNode = (process: string, name: string, time: number): Node | undefined => {
    const key = registryKey("Node", undefined, name);
    let rv = -1;
    for (const o of delivered(process, key, time)) rv = Math.max(rv, o.rv);
    const prefix = `${CONTROLLER}: updateStatus Node ${name}@`;
    for (const a of obs.acts)
      if (a.process === process && a.time <= time && a.what.startsWith(prefix))
        rv = Math.max(rv, madeFrom(key, Number(a.what.slice(prefix.length))) ?? -1);
    const n = rv < 0 ? undefined : at(key, rv);
    return n?.kind === "Node" ? n : undefined;
  };

  for (const versions of versionsOf.values()) {
    for (let i = 1; i < versions.length; i++) {
      const before = versions[i - 1]!;
      const now = versions[i]!;
      const was = before.object;
      const is = now.object;
      if (was.kind === "Node" && is.kind === "Node") {
        const name = is.metadata.name;
        if (readyStatus(is) === "Unknown" && readyStatus(was) !== "Unknown") {
          const act = latestAct(obs, `${CONTROLLER}: updateStatus Node ${name}@${before.rv}`, now.time);
          if (act === undefined) continue;
          unknowns++;
          const leaseKey = registryKey("Lease", NODE_LEASE_NAMESPACE, name);
          const renewed = lastNewVersion(delivered(act.process, leaseKey, act.time));
          if (renewed !== undefined && act.time - renewed.time < grace)
            violations.push(
              `${act.process} marked ${name} Unknown at ${s(act.time)} though its informer had delivered a renewal of the node's Lease (revision ${renewed.rv}) at ${s(renewed.time)}, ${s(act.time - renewed.time)} before: less than the ${s(opts.graceUs)} grace period`,
            );
          const readyAgain = versions
            .slice(i + 1)
            .find((v) => v.object.kind === "Node" && readyStatus(v.object) === "True");
          unmarked.push({ node: name, process: act.process, time: now.time, until: readyAgain?.time });
        } else if (hasUnreachableTaint(is) && !hasUnreachableTaint(was)) {
          const act = latestAct(obs, `${CONTROLLER}: update Node ${name}@${before.rv}`, now.time);
          if (act === undefined) continue;
          taints++;
          if (readyStatus(was) === "True")
            violations.push(
              `${act.process} tainted ${name} unreachable at ${s(act.time)} from a version of it (revision ${before.rv}) whose Ready was True`,
            );
        }
      } else if (was.kind === "Pod" && is.kind === "Pod" && podIsReady(was) && !podIsReady(is)) {
        const act = latestAct(obs, `${CONTROLLER}: updateStatus Pod ${objectKey(is)}@${before.rv}`, now.time);
        if (act === undefined || !was.spec.nodeName) continue;
        marked++;
        // Judged on what the controller knew when it decided: MarkPodsNotReady updates the node's pods one by
        // one, and the node may come back while the later ones are on their way.
        const node = knownNode(act.process, was.spec.nodeName, act.decidedAt ?? act.time);
        if (node !== undefined && readyStatus(node) === "True")
          violations.push(
            `${act.process} marked pod ${objectKey(is)} not ready at ${s(act.time)} though the newest version of its node ${was.spec.nodeName} it knew (revision ${node.metadata.resourceVersion}) was Ready`,
          );
      }
    }
  }

  // MarkPodsNotReady: the pods Ready on a node the controller just marked Unknown are marked not ready
  // within MARK_WITHIN, unless the node changed again, the controller's tenure ended, or the run did first.
  const end = Math.max(0, ...obs.versions.map((v) => v.time));
  for (const u of unmarked) {
    const deadline = u.time + MARK_WITHIN_US;
    if (deadline > end || (u.until !== undefined && u.until <= deadline)) continue;
    if (
      obs.leaders.some(
        (l) =>
          l.time > u.time - 1 &&
          l.time <= deadline &&
          (l.event === "lost" ? l.process === u.process : l.process !== u.process),
      )
    )
      continue;
    for (const a of versionsOf.values()) {
      const last = latestAt(a, u.time);
      if (last?.object.kind !== "Pod" || last.object.spec.nodeName !== u.node || !podIsReady(last.object)) continue;
      const later = a.filter((v) => v.time > u.time && v.time <= deadline);
      const gone = obs.versions.some(
        (v) => v.key === keyOfObject(last.object) && v.object === null && v.time <= deadline && v.rv > last.rv,
      );
      if (gone || later.some((v) => v.object.kind !== "Pod" || !podIsReady(v.object))) continue;
      violations.push(
        `pod ${objectKey(last.object)} was still Ready ${s(MARK_WITHIN_US)} after ${u.process} marked its node ${u.node} Unknown (at ${s(u.time)}), while the node stayed Unknown and the controller led`,
      );
    }
  }

  // Detection: a node whose Lease saw no renewal committed for a grace period (and the slack a monitor
  // period and a stalled leader take) is marked Unknown by a controller that led all that while.
  const tenures = tenuresOf(obs.leaders, end);
  const need = opts.graceUs * fast + DETECT_SLACK_US;
  for (const name of obs.nodes) {
    const renewals = (versionsOfLease.get(name) ?? []).sort((x, y) => x - y);
    const nodeKey = registryKey("Node", undefined, name);
    const history = versionsOf.get(nodeKey) ?? [];
    for (let i = 0; i < renewals.length; i++) {
      const a = renewals[i]!;
      const b = renewals[i + 1] ?? end;
      for (const t of tenures) {
        const from = Math.max(a, t.from);
        const due = from + need;
        if (due > Math.min(b, t.until)) continue;
        const seen = latestAt(history, due);
        if (seen === undefined || seen.object.kind !== "Node" || readyStatus(seen.object) !== "True") continue;
        violations.push(
          `node ${name} renewed its Lease at ${s(a)} and not again until ${s(b)}, yet ${t.process}, leading from ${s(t.from)}, had not marked it Unknown by ${s(due)} (grace ${s(opts.graceUs)} and ${s(DETECT_SLACK_US)} to act)`,
        );
        break;
      }
    }
  }

  /** Whether some node other than `except` was Ready (as stored) at every moment of [from, to]. */
  const othersReady = (except: string, from: number, to: number): boolean => {
    const changes = new Set<number>([from]);
    for (const name of obs.nodes)
      for (const v of versionsOf.get(registryKey("Node", undefined, name)) ?? [])
        if (v.time > from && v.time <= to) changes.add(v.time);
    for (const time of changes) {
      const ready = obs.nodes.some((name) => {
        if (name === except) return false;
        const v = latestAt(versionsOf.get(registryKey("Node", undefined, name)) ?? [], time);
        return v?.object.kind === "Node" && readyStatus(v.object) === "True";
      });
      if (!ready) return false;
    }
    return true;
  };

  // Tainting: a node stored Unknown without the unreachable:NoExecute taint for the slack a monitor period
  // and a stalled leader take, under one leader, while another node was Ready all along (no full
  // disruption), is tainted by then — the taint is what keeps the scheduler off it and evicts its pods.
  let taintsDue = 0;
  const untaintedUnknown = (v: { object: KubeObject }) =>
    v.object.kind === "Node" && readyStatus(v.object) === "Unknown" && !hasUnreachableTaint(v.object, "NoExecute");
  for (const name of obs.nodes) {
    const history = versionsOf.get(registryKey("Node", undefined, name)) ?? [];
    for (const run of stretches(history, untaintedUnknown, end)) {
      const until = run.until;
      for (const t of tenures) {
        const from = Math.max(run.from, t.from);
        const due = from + DETECT_SLACK_US;
        if (due > t.until || from >= until || !othersReady(name, from, Math.min(due, until))) continue;
        taintsDue++;
        if (until < due) break;
        violations.push(
          `node ${name} was stored Unknown without the unreachable:NoExecute taint from ${s(from)} until ${run.toEnd ? "the end" : s(until)}, though ${t.process} led all along and another node was Ready (${s(DETECT_SLACK_US)} to act)`,
        );
        break;
      }
    }
  }

  // Eviction: the pods on a node tainted unreachable:NoExecute for their toleration (and the slack) under
  // one leader, with no full disruption, are gone.
  const evictNeed = opts.tolerationUs * fast + EVICT_SLACK_US;
  const tainted = (v: { object: KubeObject }) => v.object.kind === "Node" && hasUnreachableTaint(v.object, "NoExecute");
  let evictionsDue = 0;
  for (const name of obs.nodes) {
    const history = versionsOf.get(registryKey("Node", undefined, name)) ?? [];
    for (const run of stretches(history, tainted, end)) {
      const untilUntainted = run.until;
      for (const t of tenures) {
        const from = Math.max(run.from, t.from);
        const due = from + evictNeed;
        if (due > Math.min(untilUntainted, t.until) || !othersReady(name, from, due)) continue;
        for (const [key, versions] of versionsOf) {
          const there = latestAt(versions, from);
          if (there?.object.kind !== "Pod" || there.object.spec.nodeName !== name || isTerminating(there.object))
            continue;
          evictionsDue++;
          const atDue = latestAt(versions, due)!;
          const gone = obs.versions.some((v) => v.key === key && v.object === null && v.rv > there.rv && v.time <= due);
          if (gone || isTerminating(atDue.object)) continue;
          violations.push(
            `pod ${objectKey(there.object)} was still on ${name} at ${s(due)}, though every version of the node since ${s(from)} carried unreachable:NoExecute, ${t.process} led all along and another node was Ready (toleration ${s(opts.tolerationUs)} and ${s(EVICT_SLACK_US)} to act)`,
          );
        }
      }
    }
  }

  for (const a of obs.acts) {
    const prefix = `${CONTROLLER}: delete Pod `;
    if (!a.what.startsWith(prefix) || a.deletes === undefined) continue;
    const pod = latestObject(obs, a.deletes, a.time);
    if (pod?.kind !== "Pod" || !pod.spec.nodeName) continue;
    evictions++;
    const node = pod.spec.nodeName;
    const seen = delivered(a.process, registryKey("Node", undefined, node), a.time);
    let since: number | undefined;
    for (const o of seen) {
      const n = at(o.key, o.rv);
      if (n?.kind !== "Node" || !hasUnreachableTaint(n as Node, "NoExecute")) since = undefined;
      else since ??= o.time;
    }
    if (since === undefined)
      violations.push(
        `${a.process} evicted ${a.deletes} at ${s(a.time)} though the last version of ${node} its informer delivered carried no unreachable:NoExecute taint`,
      );
    else if (a.time - since < toleration)
      violations.push(
        `${a.process} evicted ${a.deletes} at ${s(a.time)}, ${s(a.time - since)} after its informer first delivered ${node} tainted unreachable:NoExecute: less than the pods' ${s(opts.tolerationUs)} toleration`,
      );
  }
  return violationsResult(
    "kube-node-health",
    violations,
    `${unknowns} nodes marked Unknown, each after a grace period with no renewal delivered, and every node silent that long under one leader marked; ${taints} taints, each of a node not Ready, and ${taintsDue} Unknown nodes due for one tainted; ${marked} pods marked not ready, each on a node not Ready; ${evictions} pods evicted, each after its node's toleration, and ${evictionsDue} pods due for eviction gone`,
  );
}

function latestAct(obs: KubeObservations, what: string, notAfter: number) {
  let found: KubeObservations["acts"][number] | undefined;
  for (const a of obs.acts) if (a.what === what && a.time <= notAfter) found = a;
  return found;
}

/** The last delivery that brought a version newer than any delivered before it (a renewal). */
function lastNewVersion(seen: readonly InformerObservation[]): InformerObservation | undefined {
  let max = 0;
  let last: InformerObservation | undefined;
  for (const o of seen) {
    if (o.event === "DELETED" || o.rv <= max) continue;
    max = o.rv;
    last = o;
  }
  return last;
}

/** The key's object as last stored at or before `time` (ignoring deletes). */
function latestObject(obs: KubeObservations, key: string, time: number): Pod | KubeObject | undefined {
  let found: KubeObject | undefined;
  let rv = -1;
  for (const v of obs.versions)
    if (v.key === key && v.object !== null && v.time <= time && v.rv > rv) {
      rv = v.rv;
      found = v.object;
    }
  return found;
}

/** The maximal runs of consecutive versions that hold `pred`: when each began, and when the next version ended it (the run's end if none did). */
function stretches<V extends { time: number }>(
  history: readonly V[],
  pred: (v: V) => boolean,
  end: number,
): { from: number; until: number; toEnd: boolean }[] {
  const out: { from: number; until: number; toEnd: boolean }[] = [];
  for (let i = 0; i < history.length; i++) {
    if (!pred(history[i]!) || (i > 0 && pred(history[i - 1]!))) continue;
    let j = i;
    while (j + 1 < history.length && pred(history[j + 1]!)) j++;
    const next = history[j + 1];
    out.push({ from: history[i]!.time, until: next?.time ?? end, toEnd: next === undefined });
  }
  return out;
}

function latestAt<V extends { time: number }>(a: readonly V[], time: number): V | undefined {
  let found: V | undefined;
  for (const v of a) if (v.time <= time) found = v;
  return found;
}

/** The controller-manager's leader tenures: from its "acquired" to its "lost" or another's "acquired". */
function tenuresOf(
  leaders: KubeObservations["leaders"],
  end: number,
): { process: string; from: number; until: number }[] {
  const out: { process: string; from: number; until: number }[] = [];
  let open: { process: string; from: number; until: number } | undefined;
  for (const l of leaders) {
    if (l.lease !== "kube-system/kube-controller-manager") continue;
    if (l.event === "acquired") {
      if (open !== undefined) open.until = Math.min(open.until, l.time);
      open = { process: l.process, from: l.time, until: end };
      out.push(open);
    } else if (open?.process === l.process) {
      open.until = l.time;
      open = undefined;
    }
  }
  return out;
}
