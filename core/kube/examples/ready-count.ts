// An example user controller: for every Deployment, keep a ConfigMap "<name>-ready" whose data says
// how many of its pods are ready. It shows the whole API — the kinds to watch, mapping events to
// keys, a reconcile that only reads the caches and returns writes — and runs, like the built-in
// controllers, as leader-elected processes under the simulator's faults:
//
//   startKubeCluster(world, { ..., controllers: [readyCountController()] })
import { defineController, type CacheReader, type ControllerDef, type Reconciled } from "../controller.ts";
import {
  controllerOf,
  nsName,
  objectKey,
  ownerRefTo,
  podIsReady,
  splitKey,
  type ConfigMap,
  type Kind,
  type KubeObject,
} from "../types.ts";

export const READY_SUFFIX = "-ready";

/** The Deployment a Pod, ReplicaSet or ConfigMap belongs to (through the owner chain), if known. */
function deploymentKeyOf(kind: Kind, obj: KubeObject, cache: CacheReader): string[] {
  const ns = obj.metadata.namespace;
  switch (kind) {
    case "Deployment":
      return [objectKey(obj)];
    case "ReplicaSet":
    case "ConfigMap": {
      const ref = controllerOf(obj);
      return ref?.kind === "Deployment" ? [nsName(ns, ref.name)] : [];
    }
    case "Pod": {
      const ref = controllerOf(obj);
      const rs = ref?.kind === "ReplicaSet" ? cache.get("ReplicaSet", nsName(ns, ref.name)) : undefined;
      return rs === undefined ? [] : deploymentKeyOf("ReplicaSet", rs, cache);
    }
    default:
      return [];
  }
}

export function reconcileReadyCount(key: string, cache: CacheReader): Reconciled {
  const { namespace, name } = splitKey(key);
  const cmKey = nsName(namespace, name + READY_SUFFIX);
  const cm = cache.get("ConfigMap", cmKey);
  const d = cache.get("Deployment", key);
  if (d === undefined) {
    return {
      writes:
        cm === undefined
          ? []
          : [
              {
                op: "delete",
                kind: "ConfigMap",
                namespace: namespace!,
                name: cm.metadata.name,
                preconditions: { uid: cm.metadata.uid! },
              },
            ],
    };
  }
  const rsUids = new Set(cache.ownedBy("ReplicaSet", d).map((rs) => rs.metadata.uid));
  const ready = cache.list("Pod", namespace).filter((p) => rsUids.has(controllerOf(p)?.uid) && podIsReady(p)).length;
  const data = { ready: String(ready), replicas: String(d.spec.replicas) };
  if (cm === undefined) {
    const fresh: ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: name + READY_SUFFIX, namespace: namespace!, ownerReferences: [ownerRefTo(d)] },
      data,
    };
    return { writes: [{ op: "create", object: fresh }] };
  }
  if (cm.data?.ready === data.ready && cm.data?.replicas === data.replicas) return { writes: [] };
  return { writes: [{ op: "update", object: { ...cm, data } }] };
}

/**
 * What the controller has yet to write, judged on the live objects: each Deployment (of `namespace`, or
 * of all) needs its ConfigMap saying how many of its pods are ready and how many replicas it wants.
 */
export function readyCountPending(objects: readonly KubeObject[], namespace?: string): string[] {
  const inScope = (o: KubeObject) => namespace === undefined || o.metadata.namespace === namespace;
  const byKey = new Map<string, KubeObject>();
  for (const o of objects) if (inScope(o)) byKey.set(`${o.kind} ${objectKey(o)}`, o);
  const deploymentOfRs = new Map<string, string>();
  for (const o of byKey.values()) {
    const ref = controllerOf(o);
    if (o.kind === "ReplicaSet" && ref?.kind === "Deployment") deploymentOfRs.set(o.metadata.uid!, ref.uid);
  }
  const ready = new Map<string, number>();
  for (const o of byKey.values()) {
    const ref = controllerOf(o);
    const d = ref?.kind === "ReplicaSet" ? deploymentOfRs.get(ref.uid) : undefined;
    if (o.kind === "Pod" && d !== undefined && podIsReady(o)) ready.set(d, (ready.get(d) ?? 0) + 1);
  }
  const out: string[] = [];
  for (const d of byKey.values()) {
    if (d.kind !== "Deployment") continue;
    const want = { ready: String(ready.get(d.metadata.uid!) ?? 0), replicas: String(d.spec.replicas) };
    const cmKey = nsName(d.metadata.namespace, d.metadata.name + READY_SUFFIX);
    const cm = byKey.get(`ConfigMap ${cmKey}`) as ConfigMap | undefined;
    if (cm?.data?.ready !== want.ready || cm.data?.replicas !== want.replicas)
      out.push(
        `ConfigMap ${cmKey} ${cm === undefined ? "absent" : `says ${cm.data?.ready}/${cm.data?.replicas} ready`}, want ${want.ready}/${want.replicas}`,
      );
  }
  return out;
}

/** The controller, for every namespace or (`namespace`) one: its informers then hold that namespace only. */
export function readyCountController(opts: { namespace?: string } = {}): ControllerDef {
  const ns = opts.namespace;
  return defineController({
    name: ns === undefined ? "ready-count" : `ready-count-${ns}`,
    watches: ["Deployment", "ReplicaSet", "Pod", "ConfigMap"],
    keysFor: deploymentKeyOf,
    reconcile: (key, cache) => reconcileReadyCount(key, cache),
    pending: (objects) => readyCountPending(objects, ns),
    ...(ns !== undefined ? { namespace: ns } : {}),
  });
}
