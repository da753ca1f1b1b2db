// An example user controller with a finalizer, as operators write them (kubebuilder's pattern): it puts
// `example.com/drain` on every pod of its selector while the pod is not terminating, and once a pod is
// terminating and its kubelet is done with it (its phase is terminal, Failed or Succeeded: since
// Kubernetes 1.27 the kubelet writes it once no container of the pod runs, before it removes the pod —
// the signal the Job controller waits for, and the moment a volume or an address may be handed on) it
// records the pod in the ConfigMap "<app>-drained" and only then takes its finalizer off, so the pod
// cannot be gone before its release is on record. A pod no node runs (unscheduled, deleted with grace
// period 0) gets no kubelet and is released at once. A finalizer is never added to a terminating pod
// (the apiserver refuses it).
import { defineController, type CacheReader, type ControllerDef, type Reconciled } from "../controller.ts";
import {
  isTerminating,
  matchesLabels,
  nsName,
  objectKey,
  podHoldsRoom,
  splitKey,
  type ConfigMap,
  type KubeObject,
  type Pod,
} from "../types.ts";

export const DRAIN_FINALIZER = "example.com/drain";
export const DRAINED_SUFFIX = "-drained";

export interface DrainOptions {
  /** The label whose pods are drained, and which names the ConfigMap ("app" = "nginx": nginx-drained). */
  label?: string;
  value?: string;
}

export function reconcileDrain(key: string, cache: CacheReader, label: string, value: string): Reconciled {
  const pod = cache.get("Pod", key);
  if (pod === undefined || !matchesLabels(pod.metadata.labels, { [label]: value })) return { writes: [] };
  const finalizers = pod.metadata.finalizers ?? [];
  const held = finalizers.includes(DRAIN_FINALIZER);
  const { namespace } = splitKey(key);
  // A merge patch replaces the whole list (null: none left). Taking the finalizer off is conditional
  // on the version the list was read from (controller-runtime's MergeFromWithOptimisticLock): another
  // writer's finalizer added meanwhile is not dropped, a Conflict requeues. Putting it on is a plain
  // merge patch (MergeFrom, the usual way): the apiserver refuses it if the pod is terminating by then.
  const patchFinalizers = (list: string[], conditional: boolean) => ({
    op: "patch" as const,
    kind: "Pod" as const,
    namespace: namespace!,
    name: pod.metadata.name,
    patch: {
      metadata: {
        ...(conditional ? { resourceVersion: pod.metadata.resourceVersion } : {}),
        finalizers: list.length > 0 ? list : null,
      },
    },
  });
  if (!isTerminating(pod))
    return held ? { writes: [] } : { writes: [patchFinalizers([...finalizers, DRAIN_FINALIZER], false)] };
  if (!held || !kubeletDone(pod)) return { writes: [] };
  const cmName = value + DRAINED_SUFFIX;
  const cm = cache.get("ConfigMap", nsName(namespace, cmName));
  const record = cm?.data?.[pod.metadata.name] === pod.metadata.uid;
  const writes: Reconciled["writes"] = [];
  if (!record) {
    const data = { ...(cm?.data ?? {}), [pod.metadata.name]: pod.metadata.uid ?? "" };
    const fresh: ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: cmName, namespace: namespace! },
      data,
    };
    writes.push(cm === undefined ? { op: "create", object: fresh } : { op: "update", object: { ...cm, data } });
  }
  writes.push(
    patchFinalizers(
      finalizers.filter((f) => f !== DRAIN_FINALIZER),
      true,
    ),
  );
  return { writes };
}

/** No container of the pod runs, nor will: its phase is terminal, or no node ever ran it. */
function kubeletDone(pod: Pod): boolean {
  if (!podHoldsRoom(pod)) return true;
  return !pod.spec.nodeName && (pod.metadata.deletionGracePeriodSeconds ?? 0) === 0;
}

/** Pods whose drain is not finished: terminating with the finalizer still on. */
export function drainPending(objects: readonly KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === "Pod" && isTerminating(o) && (o.metadata.finalizers ?? []).includes(DRAIN_FINALIZER))
    .map((p) => `pod ${objectKey(p)} terminating, not yet drained`);
}

export function drainController(opts: DrainOptions = {}): ControllerDef {
  const label = opts.label ?? "app";
  const value = opts.value ?? "nginx";
  return defineController({
    name: "drain",
    watches: ["Pod", "ConfigMap"],
    keysFor: (kind, obj) => (kind === "Pod" ? [objectKey(obj)] : []),
    reconcile: (key, cache) => reconcileDrain(key, cache, label, value),
    pending: drainPending,
  });
}
