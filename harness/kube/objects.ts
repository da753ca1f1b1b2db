// Kubernetes objects over time, for the report (RunResult.extra.kube): each object the store held,
// with a one-line summary of every version (node, phase, replicas, ready replicas).
import type { KubeObservations } from "../../core/kube/observations.ts";

export interface KubeObjectHistory {
  kind: string;
  namespace?: string;
  name: string;
  events: { time: number; resourceVersion: number; type?: "ADDED" | "MODIFIED" | "DELETED"; summary: string }[];
}

export interface KubeObjectsView {
  objects: KubeObjectHistory[];
}

/** Objects over time, from the store's versions of each key. */
export function kubeObjects(obs: KubeObservations): KubeObjectsView {
  const by = new Map<string, KubeObjectHistory>();
  for (const v of obs.versions) {
    if (v.source !== "store") continue;
    let e = by.get(v.key);
    if (e === undefined) {
      const parts = v.key.split("/").filter(Boolean); // registry, resource, [namespace,] name
      e = {
        kind: parts[1] ?? "?",
        name: parts[parts.length - 1] ?? v.key,
        events: [],
        ...(parts.length > 3 ? { namespace: parts[2]! } : {}),
      };
      by.set(v.key, e);
    }
    const o = v.object as {
      spec?: { nodeName?: string; replicas?: number };
      status?: { phase?: string; readyReplicas?: number };
    } | null;
    const summary =
      o === null
        ? "deleted"
        : [
            o.spec?.nodeName ? `on ${o.spec.nodeName}` : "",
            o.status?.phase ?? "",
            o.spec?.replicas !== undefined ? `replicas ${o.spec.replicas}` : "",
            o.status?.readyReplicas !== undefined ? `ready ${o.status.readyReplicas}` : "",
          ]
            .filter(Boolean)
            .join(", ");
    e.events.push({ time: v.time, resourceVersion: v.rv, summary });
  }
  return { objects: [...by.values()] };
}
