// kube-object-meta — what the apiserver keeps of an object's metadata from one stored version to the next,
// as Kubernetes' ValidateObjectMetaUpdate and its strategies do: name, namespace, uid and
// creationTimestamp never change in one life of a key; generation moves by one when the spec (a
// ConfigMap's data) changes, and by one when deletionTimestamp is first set (BeforeDelete for a graceful
// delete, markAsDeleting for finalizers: the object's controllers must stop acting on it), and otherwise
// stays. A controller reads generation against status.observedGeneration to tell whether its status is
// current (`kubectl rollout status` waits on it), and sorts on creationTimestamp (which ReplicaSet is
// oldest, which pods go first). No client would notice an identity field rewritten, nor a generation
// left behind on one write: only the stored versions show it.
//
// Judged on every committed version (the store's feed), key by key in revision order, within one life
// of a key (one create revision).
import type { ObjectVersion } from "../../core/kube/observations.ts";
import type { KubeObject } from "../../core/kube/types.ts";
import { canonicalEqual } from "../../core/kube/resources.ts";
import type { CheckResult } from "../types.ts";
import { violationsResult } from "./safety.ts";

const IDENTITY = ["name", "namespace", "uid", "creationTimestamp"] as const;

function specOf(o: KubeObject): unknown {
  return (o as { spec?: unknown }).spec ?? (o as { data?: unknown }).data ?? null;
}

export function checkObjectMeta(versions: readonly ObjectVersion[]): CheckResult {
  const byKey = new Map<string, ObjectVersion[]>();
  for (const v of versions) {
    if (v.object === null || v.createRevision === undefined) continue;
    let list = byKey.get(v.key);
    if (list === undefined) byKey.set(v.key, (list = []));
    list.push(v);
  }
  const violations: string[] = [];
  let judged = 0;
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.rv - b.rv);
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1]!;
      const after = list[i]!;
      if (before.createRevision !== after.createRevision) continue;
      judged++;
      const was = before.object!.metadata;
      const now = after.object!.metadata;
      const at = `${key} at revision ${after.rv} (after ${before.rv})`;
      for (const f of IDENTITY)
        if (was[f] !== now[f])
          violations.push(`${at}: metadata.${f} changed from ${JSON.stringify(was[f])} to ${JSON.stringify(now[f])}`);
      const generation = was.generation ?? 0;
      if (generation === 0) continue;
      const specChanged = !canonicalEqual(specOf(before.object!), specOf(after.object!));
      const deletionBegan = was.deletionTimestamp === undefined && now.deletionTimestamp !== undefined;
      const want = generation + (specChanged ? 1 : 0) + (deletionBegan ? 1 : 0);
      if (now.generation !== want) {
        const why = [specChanged ? "its spec changed" : "", deletionBegan ? "its deletionTimestamp was set" : ""]
          .filter((x) => x !== "")
          .join(" and ");
        violations.push(
          `${at}: generation ${now.generation ?? "unset"} after ${generation}, not ${want} (${why || "neither its spec nor its deletion changed"})`,
        );
      }
    }
  }
  return violationsResult(
    "kube-object-meta",
    violations,
    `${judged} updates of stored objects, each keeping name, namespace, uid and creationTimestamp, and generation moving only with the spec and the start of a deletion`,
  );
}
