// The LimitRanger admission plugin, reduced to defaults: a container without a request for a resource
// gets the namespace's LimitRange defaultRequest for it (plugin/pkg/admission/limitranger).
import type { LimitRange, Pod } from "../types.ts";

export function applyLimitRangeDefaults(pod: Pod, ranges: readonly LimitRange[]): Pod {
  const defaults: Record<string, string> = {};
  for (const lr of ranges)
    for (const l of lr.spec.limits) {
      if (l.type !== "Container") continue;
      for (const r of Object.keys(l.defaultRequest ?? {}).sort())
        if (defaults[r] === undefined) defaults[r] = l.defaultRequest![r]!;
    }
  if (Object.keys(defaults).length === 0) return pod;
  const containers = pod.spec.containers.map((c) => {
    const requests = { ...(c.resources?.requests ?? {}) };
    for (const r of Object.keys(defaults).sort()) if (requests[r] === undefined) requests[r] = defaults[r]!;
    return { ...c, resources: { ...c.resources, requests } };
  });
  return { ...pod, spec: { ...pod.spec, containers } };
}
