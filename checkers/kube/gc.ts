// kube-gc-owner-gone — the garbage collector deletes only what has no owner left: an object it deletes
// must not have a live controller owner (matched by uid, as ownerReferences are) at the revision of the
// deletion. Kubernetes' collector confirms a missing owner with a live GET before deleting; a collector
// that trusts a cache that has not caught up deletes the pods of a ReplicaSet that exists, which the
// ReplicaSet controller then quietly creates again (kubernetes #88097).
//
// A dependent of an owner deleted in the foreground is the exception: the owner stays, terminating with
// the finalizer foregroundDeletion, until the collector has deleted its dependents.
//
// Judged from the store's own history: which uids were live at which revisions, and each delete act of
// the collector matched to the first deletion of its key that follows it. An owner with that uid live at
// the deletion was live when the collector acted too (a uid never comes back).
import type { CheckResult } from "../types.ts";
import type { KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import { fmtTime, violationsResult } from "./safety.ts";
import { FOREGROUND_FINALIZER, hasFinalizer, isTerminating, type KubeObject } from "../../core/kube/types.ts";

export function checkGarbageCollection(obs: KubeObservations): CheckResult {
  const byKey = new Map<string, ObjectVersion[]>();
  /** Per uid: the revision it first appeared at in the store and the one it was deleted at. */
  const lives = new Map<string, { key: string; from: number; to: number }>();
  for (const v of obs.versions) {
    if (v.source !== "store") continue;
    (byKey.get(v.key) ?? byKey.set(v.key, []).get(v.key)!).push(v);
  }
  for (const [key, vs] of byKey) {
    let uid: string | undefined;
    for (const v of vs) {
      const next = v.object?.metadata.uid;
      if (uid !== undefined && next !== uid) lives.get(uid)!.to = v.rv;
      if (next !== undefined && next !== uid) lives.set(next, { key, from: v.rv, to: Number.POSITIVE_INFINITY });
      uid = next;
    }
  }
  const violations: string[] = [];
  let judged = 0;
  let foreground = 0;
  for (const a of obs.acts) {
    if (a.deletes === undefined || !a.what.startsWith("garbage-collector:")) continue;
    const vs = byKey.get(a.deletes) ?? [];
    const gone = vs.findIndex((v) => v.object === null && v.time >= a.time);
    if (gone <= 0) continue;
    const last = vs[gone - 1]!.object;
    const owner = last?.metadata.ownerReferences?.find((r) => r.controller === true);
    if (owner === undefined) continue;
    judged++;
    const rv = vs[gone]!.rv;
    const life = lives.get(owner.uid);
    if (life !== undefined && life.from < rv && rv < life.to) {
      const ownerVersions = byKey.get(life.key) ?? [];
      let at: KubeObject | null | undefined;
      for (const v of ownerVersions) if (v.rv <= rv) at = v.object;
      if (at != null && isTerminating(at) && hasFinalizer(at, FOREGROUND_FINALIZER)) {
        foreground++;
        continue;
      }
      violations.push(
        `${a.process}'s garbage collector deleted ${a.deletes} (acted ${fmtTime(a.time)}, deleted at rv ${rv}) while its owner ${owner.kind} ${life.key} (uid ${owner.uid}) was live (rv ${life.from}..${life.to === Number.POSITIVE_INFINITY ? "" : life.to})`,
      );
    }
  }
  return violationsResult(
    "kube-gc-owner-gone",
    violations,
    `${judged} deletions by the garbage collector, each of an object whose owner was gone${foreground > 0 ? ` or (${foreground}) deleted in the foreground` : ""}`,
  );
}
