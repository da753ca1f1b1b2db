// What a pod charges against a ResourceQuota, and what a quantity string means, restated for the
// kube-quota checker from Kubernetes (pkg/quota/v1/evaluator/core/pods.go, apimachinery's
// resource.Quantity), not taken from the admission code it judges: a judge that counted with the
// admission's own functions would agree with every bug in them.
import type { Pod, ResourceQuota } from "../../core/kube/types.ts";

/** A suffix's multiplier: powers of 1000 (k … E) and of 1024 (Ki … Ei); "m" is handled apart. */
const MULTIPLIER = new Map<string, bigint>([["", 1n]]);
["k", "M", "G", "T", "P", "E"].forEach((s, i) => {
  MULTIPLIER.set(s, 1000n ** BigInt(i + 1));
  MULTIPLIER.set(`${s === "k" ? "K" : s}i`, 1024n ** BigInt(i + 1));
});

const QUANTITY = /^([0-9]+)(?:\.([0-9]+))?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/**
 * A quantity in milli-units, exactly ("100m" → 100, "1.5" → 1500, "64Mi" → 67108864000; a fraction of a
 * milli-unit rounds up, as Kubernetes rounds a request up to its smallest unit), or undefined when it
 * is not a quantity.
 */
export function milliOf(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = QUANTITY.exec(q);
  if (m === null) return undefined;
  const [, whole, frac = "", suffix = ""] = m;
  // value = (whole.frac) × multiplier, in thousandths: numerator / 10^frac.length.
  const scale = 10n ** BigInt(frac.length);
  const digits = BigInt(whole! + frac);
  const numerator = suffix === "m" ? digits : digits * 1000n * MULTIPLIER.get(suffix)!;
  const milli = (numerator + scale - 1n) / scale;
  return Number(milli);
}

/** The resources a pod uses in a quota's terms (milli-units): none once it has finished. */
export function usageOfPod(pod: Pod): Map<string, number> {
  const out = new Map<string, number>();
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return out;
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec.containers) {
    cpu += milliOf(c.resources?.requests?.["cpu"]) ?? 0;
    memory += milliOf(c.resources?.requests?.["memory"]) ?? 0;
  }
  for (const [name, n] of [
    ["pods", 1000],
    ["count/pods", 1000],
    ["requests.cpu", cpu],
    ["cpu", cpu],
    ["requests.memory", memory],
    ["memory", memory],
  ] as const)
    out.set(name, n);
  return out;
}

/** A quota's hard limits by resource, sorted by name (milli-units). */
export function hardLimits(q: ResourceQuota): [string, number][] {
  return Object.keys(q.spec.hard)
    .sort()
    .map((r) => [r, milliOf(q.spec.hard[r]) ?? 0]);
}

/** What a quota's status says is used of a resource (milli-units; 0 when absent). */
export function usedIn(q: ResourceQuota, resource: string): number {
  return milliOf(q.status?.used?.[resource]) ?? 0;
}
