// kube-cascade — deletions that wait for the garbage collector keep their promises (kubectl delete
// --cascade=foreground|orphan, Kubernetes' garbage collection):
//   - foreground: an owner stored terminating with the finalizer foregroundDeletion goes only after every
//     dependent that named it (by uid, as controller) when that finalizer was first stored;
//   - orphan: an owner whose last version held the finalizer orphan goes only once no stored dependent
//     names it any more (the collector takes the references off first, so the dependents stay);
//   - a kubectl delete step with --cascade=foreground or =orphan removed a Deployment that held that
//     policy's finalizer before it went (the policy was honoured at all);
//   - an owner being deleted is left alone by its controller: judged on the view its caches gave it when it
//     decided (cache-view.ts), the ReplicaSet controller makes or deletes no pod for a ReplicaSet it saw
//     terminating (syncReplicaSet), the Deployment controller makes or scales no ReplicaSet for a
//     Deployment it saw terminating (syncStatusOnly).
//
// Judged from the store's own history. A dependent made after the finalizer was stored is not waited for:
// the collector's view may not hold it yet, and once its owner is gone it is collected as an orphan (so
// kube-gc-owner-gone and kube-liveness see it go). Kinds: Deployment → ReplicaSet → Pod.
import type { KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import { registryPrefix } from "../../core/kube/resources.ts";
import {
  controllerOf,
  FOREGROUND_FINALIZER,
  hasFinalizer,
  isTerminating,
  ORPHAN_FINALIZER,
  type KubeObject,
} from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { CacheViews, type CacheKind } from "./cache-view.ts";
import { fmtTime, violationsResult } from "./safety.ts";

/** The kinds with dependents here (a Deployment's ReplicaSets, a ReplicaSet's pods). */
const OWNER_PREFIXES = [registryPrefix("Deployment"), registryPrefix("ReplicaSet")];
const isOwnerKey = (key: string) => OWNER_PREFIXES.some((p) => key.startsWith(p));

/** One uid's life under one key: its versions from creation to removal (at `to`, if it went). */
interface Life {
  key: string;
  uid: string;
  from: number;
  to: number;
  /** When it was made and removed (true time), as the store's versions say. */
  madeAt: number;
  goneAt: number;
  versions: ObjectVersion[];
}

function lives(obs: KubeObservations): Life[] {
  const prefixes = [registryPrefix("Deployment"), registryPrefix("ReplicaSet"), registryPrefix("Pod")];
  const out: Life[] = [];
  const open = new Map<string, Life>();
  for (const v of obs.versions) {
    if (v.source !== "store" || !prefixes.some((p) => v.key.startsWith(p))) continue;
    const cur = open.get(v.key);
    const uid = v.object?.metadata.uid;
    if (cur !== undefined && cur.uid !== uid) {
      cur.to = v.rv;
      cur.goneAt = v.time;
      open.delete(v.key);
    }
    if (v.object === null || uid === undefined) continue;
    let life = open.get(v.key);
    if (life === undefined) {
      life = {
        key: v.key,
        uid,
        from: v.rv,
        to: Number.POSITIVE_INFINITY,
        madeAt: v.time,
        goneAt: Number.POSITIVE_INFINITY,
        versions: [],
      };
      open.set(v.key, life);
      out.push(life);
    }
    life.versions.push(v);
  }
  return out;
}

export function checkCascade(obs: KubeObservations, caches = new CacheViews(obs)): CheckResult {
  const all = lives(obs);
  const livesOf = new Map<string, Life[]>();
  for (const l of all) (livesOf.get(l.key) ?? livesOf.set(l.key, []).get(l.key)!).push(l);
  /** Dependents by the uid of their controller owner, with the versions that named it. */
  const dependentsOf = new Map<string, Life[]>();
  for (const l of all) {
    const owners = new Set<string>();
    for (const v of l.versions) {
      const owner = v.object === null ? undefined : controllerOf(v.object)?.uid;
      if (owner !== undefined) owners.add(owner);
    }
    for (const owner of owners) (dependentsOf.get(owner) ?? dependentsOf.set(owner, []).get(owner)!).push(l);
  }
  const namesAt = (l: Life, rv: number, uid: string): boolean => {
    let at: KubeObject | null = null;
    for (const v of l.versions) if (v.rv <= rv) at = v.object;
    return at !== null && (at.metadata.ownerReferences ?? []).some((r) => r.uid === uid);
  };
  const violations: string[] = [];
  let foreground = 0;
  let orphaned = 0;
  for (const owner of all) {
    if (owner.to === Number.POSITIVE_INFINITY || !isOwnerKey(owner.key)) continue;
    const deps = dependentsOf.get(owner.uid) ?? [];
    const first = owner.versions.find(
      (v) => v.object !== null && isTerminating(v.object) && hasFinalizer(v.object, FOREGROUND_FINALIZER),
    );
    if (first !== undefined) {
      foreground++;
      for (const d of deps) {
        if (d.from > first.rv || d.to <= first.rv || !namesAt(d, first.rv, owner.uid)) continue;
        if (d.to > owner.to)
          violations.push(
            `${owner.key} (uid ${owner.uid}), deleted in the foreground at rv ${first.rv}, went at rv ${owner.to} while its dependent ${d.key} still stood${d.to === Number.POSITIVE_INFINITY ? "" : ` (until rv ${d.to})`}`,
          );
      }
    }
    const last = owner.versions[owner.versions.length - 1]!.object;
    if (last !== null && isTerminating(last) && hasFinalizer(last, ORPHAN_FINALIZER)) {
      orphaned++;
      for (const d of deps)
        if (d.from < owner.to && d.to > owner.to && namesAt(d, owner.to, owner.uid))
          violations.push(
            `${owner.key} (uid ${owner.uid}), deleted with its dependents orphaned, went at rv ${owner.to} while ${d.key} still named it as its owner`,
          );
    }
  }

  // kubectl's --cascade: the Deployment a foreground or orphaning delete step removed held the policy's
  // finalizer before it went (an apiserver that ignored the policy removes it at once, and its dependents
  // go to the collector after it).
  let cascadesAsked = 0;
  const stepRe = /^delete deployment (\S+)\/(\S+) --cascade=(foreground|orphan)$/;
  for (const a of obs.actions) {
    const m = stepRe.exec(a.description);
    if (m === null) continue;
    const [, ns, name, cascade] = m;
    const key = `${registryPrefix("Deployment")}${ns}/${name}`;
    const from = a.startedAt ?? a.time;
    const gone = (livesOf.get(key) ?? []).find((l) => l.madeAt <= from && l.goneAt > from && l.goneAt <= a.time);
    if (gone === undefined) continue;
    cascadesAsked++;
    const finalizer = cascade === "foreground" ? FOREGROUND_FINALIZER : ORPHAN_FINALIZER;
    if (!gone.versions.some((v) => v.object !== null && isTerminating(v.object) && hasFinalizer(v.object, finalizer)))
      violations.push(
        `kubectl's delete of Deployment ${ns}/${name} with --cascade=${cascade} (${fmtTime(from)}) removed it at rv ${gone.to} without the finalizer ${finalizer} ever stored: its dependents were not ${cascade === "foreground" ? "deleted first" : "set free first"}`,
      );
  }

  // Decisions on an owner seen terminating.
  let judged = 0;
  const ownerSeen = (process: string, kind: CacheKind, key: string, time: number): KubeObject | undefined => {
    const views = caches.viewsAt(process, kind, time);
    let seen: KubeObject | undefined;
    for (const view of views) {
      const rv = view.get(key);
      const o = rv === undefined || rv === null ? undefined : caches.objectAt(key, rv);
      if (o === undefined || o === null || !isTerminating(o)) return undefined;
      seen = o;
    }
    return seen;
  };
  const podAct = /^replicaset: (create|delete) Pod (\S+?)\/(\S+?)(-\*)?$/;
  const rsAct = /^deployment: (create|update) ReplicaSet (\S+?)\/([^@\s]+)(?:@(\d+))?$/;
  for (const a of obs.acts) {
    const t = a.decidedAt ?? a.time;
    const p = a.what.startsWith("replicaset: ") ? podAct.exec(a.what) : null;
    if (p !== null) {
      const [, op, ns, name] = p;
      let rsName: string | undefined;
      if (op === "create") rsName = name!.replace(/-$/, "");
      else {
        const podKey = `${registryPrefix("Pod")}${ns}/${name}`;
        const pod = livesOf.get(podKey)?.find((l) => l.madeAt <= t && l.goneAt > t)?.versions[0]?.object;
        rsName = pod === null || pod === undefined ? undefined : controllerOf(pod)?.name;
      }
      if (rsName === undefined) continue;
      judged++;
      const rs = ownerSeen(a.process, "ReplicaSet", `${registryPrefix("ReplicaSet")}${ns}/${rsName}`, t);
      if (rs !== undefined)
        violations.push(
          `${a.process}'s ReplicaSet controller decided at ${fmtTime(t)} to ${op === "create" ? "create a pod" : `delete pod ${ns}/${name}`} for ReplicaSet ${ns}/${rsName}, which its cache showed being deleted (rv ${rs.metadata.resourceVersion ?? "?"})`,
        );
      continue;
    }
    const r = a.what.startsWith("deployment: ") ? rsAct.exec(a.what) : null;
    if (r === null) continue;
    const [, op, ns, rsName, base] = r;
    let dName: string | undefined;
    if (op === "create") dName = rsName!.slice(0, rsName!.lastIndexOf("-"));
    else {
      const rs = caches.objectAt(`${registryPrefix("ReplicaSet")}${ns}/${rsName}`, Number(base));
      dName = rs === undefined || rs === null ? undefined : controllerOf(rs)?.name;
    }
    if (dName === undefined || dName === "") continue;
    judged++;
    const d = ownerSeen(a.process, "Deployment", `${registryPrefix("Deployment")}${ns}/${dName}`, t);
    if (d !== undefined)
      violations.push(
        `${a.process}'s Deployment controller decided at ${fmtTime(t)} to ${op} ReplicaSet ${ns}/${rsName} of Deployment ${ns}/${dName}, which its cache showed being deleted`,
      );
  }
  const cascades =
    foreground + orphaned === 0
      ? "no owner deleted in the foreground or orphaning its dependents"
      : `${foreground} owners deleted in the foreground, each gone after its dependents; ${orphaned} deleted orphaning them, each gone once none named it; ${cascadesAsked} kubectl deletes with --cascade, each honoured`;
  return violationsResult(
    "kube-cascade",
    violations,
    `${cascades}; ${judged} controller writes, each for an owner its cache did not show being deleted`,
  );
}
