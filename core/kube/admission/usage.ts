// What an object charges against a ResourceQuota (k8s pkg/quota/v1/evaluator/core/pods.go, reduced):
// a pod that is not finished counts 1 in "pods" (and "count/pods") and the sum of its containers'
// requests in "requests.cpu" / "requests.memory" (also "cpu" / "memory", their short names).
import { podHoldsRoom, type Pod, type ResourceQuota } from "../types.ts";
import { formatQuantity, parseQuantity } from "./quantity.ts";

/** Resource name → milli-units. */
export type Usage = Map<string, number>;

export function podUsage(pod: Pod): Usage {
  const u: Usage = new Map();
  if (!podHoldsRoom(pod)) return u; // a terminating pod stays charged until it is gone
  u.set("pods", 1000);
  u.set("count/pods", 1000);
  let cpu = 0,
    memory = 0;
  for (const c of pod.spec.containers) {
    cpu += parseQuantity(c.resources?.requests?.["cpu"]) ?? 0;
    memory += parseQuantity(c.resources?.requests?.["memory"]) ?? 0;
  }
  u.set("requests.cpu", cpu).set("cpu", cpu).set("requests.memory", memory).set("memory", memory);
  return u;
}

/** The resources a quota limits, sorted, with their hard limits (milli-units). */
export function hardOf(q: ResourceQuota): [string, number][] {
  return Object.keys(q.spec.hard)
    .sort()
    .map((r) => [r, parseQuantity(q.spec.hard[r]) ?? 0]);
}

export function usedOf(q: ResourceQuota, resource: string): number {
  return parseQuantity(q.status?.used?.[resource]) ?? 0;
}

/** Why adding `delta` would exceed the quota (Kubernetes' message), or undefined if it fits. */
export function exceeded(q: ResourceQuota, delta: Usage): string | undefined {
  const over = hardOf(q).filter(([r, hard]) => (delta.get(r) ?? 0) > 0 && usedOf(q, r) + (delta.get(r) ?? 0) > hard);
  if (over.length === 0) return undefined;
  const list = (f: (r: string, hard: number) => number) =>
    over.map(([r, h]) => `${r}=${formatQuantity(f(r, h))}`).join(",");
  return `exceeded quota: ${q.metadata.name}, requested: ${list((r) => delta.get(r) ?? 0)}, used: ${list((r) => usedOf(q, r))}, limited: ${list((_, h) => h)}`;
}

/** The quota with `delta` added to status.used (sign −1 releases, never below 0), for the resources it limits. */
export function charged(q: ResourceQuota, delta: Usage, sign: 1 | -1): ResourceQuota {
  const used: Record<string, string> = {};
  for (const [r] of hardOf(q)) used[r] = formatQuantity(Math.max(0, usedOf(q, r) + sign * (delta.get(r) ?? 0)));
  return { ...q, status: { hard: { ...q.spec.hard }, used } };
}

/** A new quota starts with every limited resource at 0 (the quota controller's first sync). */
export function initialQuotaStatus(q: ResourceQuota): ResourceQuota["status"] {
  const used: Record<string, string> = {};
  for (const [r] of hardOf(q)) used[r] = "0";
  return { hard: { ...q.spec.hard }, used };
}
