// Safety of the Kubernetes layer, judged on recorded observations (core/kube/observations.ts).
// Every rule uses only versions that really existed, so a partial log can miss a violation but
// never invent one.
import type { CheckEvidence, CheckOf, CheckResult, ViolationList } from "../types.ts";
import type { InformerObservation, KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import { podIsReady } from "../../core/kube/types.ts";

const MAX_EVIDENCE = 20;

export function fmtTime(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}

/** The kube checks whose evidence is a list of violations. */
export type ViolationCheckName = {
  [N in keyof CheckEvidence]: CheckEvidence[N] extends ViolationList ? N : never;
}[keyof CheckEvidence];

/**
 * A rule's verdict from its violations: a pass with `okMessage`, or a fail whose message is the first
 * violation (with how many more) and whose evidence keeps the first MAX_EVIDENCE.
 */
export function violationsResult(name: ViolationCheckName, violations: string[], okMessage: string): CheckResult {
  if (violations.length === 0) return { name, verdict: "pass", message: okMessage };
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : "";
  // One CheckOf per name: TypeScript matches a union-typed name against at most 25 members at once.
  const failed: CheckOf<ViolationCheckName> = {
    name,
    verdict: "fail",
    message: violations[0]! + more,
    evidence: { violations: violations.slice(0, MAX_EVIDENCE) },
  };
  return failed as CheckResult;
}

function byKey(versions: readonly ObjectVersion[]): Map<string, ObjectVersion[]> {
  const m = new Map<string, ObjectVersion[]>();
  for (const v of versions) {
    let a = m.get(v.key);
    if (a === undefined) m.set(v.key, (a = []));
    a.push(v);
  }
  for (const a of m.values()) a.sort((x, y) => x.rv - y.rv);
  return m;
}

/**
 * Pods: never bound to two nodes nor rebound (nodeName, once set, never changes for one uid); never
 * bound to a node that does not exist; never out of a terminal phase once in one (Failed and Succeeded
 * are final: kubernetes #58711 saw Failed become Succeeded, and the kubelet has refused such a status
 * since #59767); Ready only in phase Running (the kubelet's Ready condition needs every container
 * ready, so running, and its getPhase then says Running); never back to Pending once Running (Pending is
 * a pod whose containers have not all started yet; with restartPolicy Always a container that died, or
 * one a node's reboot took, leaves its pod Running while it restarts). Every kind: no two live objects
 * share a name — within one etcd generation of a key (one createRevision) the uid never changes.
 */
export function checkBindings(obs: KubeObservations): CheckResult {
  const nodes = new Set(obs.nodes);
  const violations: string[] = [];
  let bound = 0;
  for (const [key, vs] of byKey(obs.versions)) {
    const bindings = new Map<string, { node: string; rv: number }>();
    /** Per uid: the terminal phase a version of the pod reached first, and at which revision. */
    const ended = new Map<string, { phase: string; rv: number }>();
    /** Per uid: the first revision at which a version of the pod was Running. */
    const ran = new Map<string, number>();
    const uidOfGeneration = new Map<number, { uid: string; rv: number }>();
    for (const v of vs) {
      const o = v.object;
      if (o === null) continue;
      const uid = o.metadata.uid ?? "";
      if (v.createRevision !== undefined) {
        const g = uidOfGeneration.get(v.createRevision);
        if (g === undefined) uidOfGeneration.set(v.createRevision, { uid, rv: v.rv });
        else if (g.uid !== uid) {
          violations.push(
            `${key}: uid ${g.uid} (rv ${g.rv}) replaced by uid ${uid} at rv ${v.rv} without a delete: two objects shared the name`,
          );
        }
      }
      if (o.kind !== "Pod") continue;
      const phase = o.status?.phase;
      const end = ended.get(uid);
      if (end !== undefined && phase !== end.phase)
        violations.push(
          `${key} (uid ${uid}) ${end.phase} at rv ${end.rv}, then ${phase ?? "no phase"} at rv ${v.rv}: a terminal phase is final`,
        );
      else if (end === undefined && (phase === "Failed" || phase === "Succeeded")) ended.set(uid, { phase, rv: v.rv });
      if (podIsReady(o) && phase !== "Running")
        violations.push(`${key} (uid ${uid}) Ready in phase ${phase ?? "unset"} at rv ${v.rv}: a ready pod is Running`);
      const ranAt = ran.get(uid);
      if (phase === "Running" && ranAt === undefined) ran.set(uid, v.rv);
      else if (phase === "Pending" && ranAt !== undefined)
        violations.push(
          `${key} (uid ${uid}) Running at rv ${ranAt}, then Pending at rv ${v.rv}: a pod that ran stays Running while its containers restart`,
        );
      const node = o.spec.nodeName ?? "";
      const prev = bindings.get(uid);
      if (node !== "" && !nodes.has(node)) {
        violations.push(
          `${key} (uid ${uid}) bound to ${node} at rv ${v.rv}, which is not a node of the cluster (${[...nodes].join(", ")})`,
        );
      }
      if (prev === undefined) {
        if (node !== "") {
          bindings.set(uid, { node, rv: v.rv });
          bound++;
        }
      } else if (node !== prev.node) {
        violations.push(
          `${key} (uid ${uid}) bound to ${prev.node} at rv ${prev.rv}, then ${node === "" ? "unbound" : `to ${node}`} at rv ${v.rv}`,
        );
      }
    }
  }
  return violationsResult(
    "kube-binding",
    violations,
    `${bound} pod bindings, none rebound or to an unknown node, no pod out of a terminal phase, back to Pending or Ready but not Running; no name shared by two live objects`,
  );
}

/**
 * resourceVersions only move forward: along each informer's stream (a watch event newer than
 * everything it saw of that key, a list no older), along the store's own history, and for each
 * acknowledged write (newer than the version it was computed from).
 */
export function checkResourceVersions(obs: KubeObservations): CheckResult {
  const violations: string[] = [];
  // The last observation of each key, per observer (an informer sees few keys, there are few informers).
  const last = new Map<string, Map<string, InformerObservation>>();
  for (const o of obs.observed) {
    let seen = last.get(o.observer);
    if (seen === undefined) last.set(o.observer, (seen = new Map()));
    const prev = seen.get(o.key);
    if (prev !== undefined) {
      const bad = o.event === "LIST" ? o.rv < prev.rv : o.rv <= prev.rv;
      if (bad) {
        violations.push(
          `${o.observer} saw ${o.key} at rv ${o.rv} (${o.event}, ${fmtTime(o.time)}) after rv ${prev.rv} (${prev.event}, ${fmtTime(prev.time)})`,
        );
      }
    }
    seen.set(o.key, o);
  }
  const store = new Map<string, number>();
  for (const v of obs.versions) {
    if (v.source !== "store") continue;
    const prev = store.get(v.key);
    if (prev !== undefined && v.rv <= prev)
      violations.push(`the store committed ${v.key} at rv ${v.rv} after rv ${prev}`);
    store.set(v.key, v.rv);
  }
  for (const w of obs.writes) {
    if (w.rv <= w.baseRv)
      violations.push(`${w.apiserver} wrote ${w.key} at rv ${w.rv}, not after the rv ${w.baseRv} it was computed from`);
  }
  return violationsResult(
    "kube-resource-version",
    violations,
    `${obs.observed.length} informer observations and ${obs.writes.length} writes, resourceVersions strictly increasing`,
  );
}

/**
 * No lost update: an acknowledged update or delete computed from rv B and written at rv R must not
 * have another acknowledged write of the same key in between (B < rv < R) — that write would have
 * been overwritten without being seen. With the mod_revision precondition this cannot happen.
 */
export function checkLostUpdates(obs: KubeObservations): CheckResult {
  const violations: string[] = [];
  const perKey = new Map<string, KubeObservations["writes"]>();
  for (const w of obs.writes) {
    let a = perKey.get(w.key);
    if (a === undefined) perKey.set(w.key, (a = []));
    a.push(w);
  }
  let checked = 0;
  for (const [key, ws] of perKey) {
    const sorted = [...ws].sort((a, b) => a.rv - b.rv);
    for (let i = 1; i < sorted.length; i++) {
      const w = sorted[i]!;
      const prev = sorted[i - 1]!;
      if (w.op === "create") continue;
      checked++;
      if (prev.rv > w.baseRv && prev.rv < w.rv) {
        violations.push(
          `lost update on ${key}: the ${w.op} at rv ${w.rv} (${w.apiserver}, ${fmtTime(w.time)}) was computed from rv ${w.baseRv} and overwrote the acknowledged ${prev.op} at rv ${prev.rv} (${prev.apiserver})`,
        );
      }
    }
  }
  // The same question asked of each controller's own write, from the version its change was computed
  // from: a client that resends a stale body under a fresh precondition passes the apiserver's CAS.
  let byControllers = 0;
  for (const c of obs.controllerWrites ?? []) {
    const ws = perKey.get(c.key);
    if (ws === undefined) continue;
    byControllers++;
    const between = ws.find((w) => w.rv > c.origin && w.rv < c.rv);
    if (between !== undefined)
      violations.push(
        `lost update on ${c.key}: ${c.process}'s ${c.op} at rv ${c.rv} (${fmtTime(c.time)}) was computed from rv ${c.origin} and overwrote the acknowledged ${between.op} at rv ${between.rv} (${between.apiserver}) it never saw`,
      );
  }
  return violationsResult(
    "kube-lost-update",
    violations,
    `${checked} acknowledged updates and deletes, each based on the version it replaced${byControllers > 0 ? `; ${byControllers} controller writes, each computed from the version it replaced` : ""}`,
  );
}
