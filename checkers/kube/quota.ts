// kube-quota: ResourceQuota admission's promises, replayed from the store's versions revision by
// revision (source "store": every committed change).
//  - status.used never exceeds spec.hard in any stored version of a quota;
//  - the pods that exist in a namespace (created after its quota) never use more than the quota's
//    hard limits — a charge is taken by CAS before a pod is stored, so a pod never exists uncharged;
//  - at the end, the pods counted (status.used.pods) match the pods that exist: never fewer (a pod
//    nobody paid for), and more only when a charge or release of unknown outcome explains it.
// Usage and quantities are counted by the checker's own statement of Kubernetes' rules (quota-usage.ts).
import { formatQuantity } from "../../core/kube/admission/quantity.ts";
import type { ObjectVersion } from "../../core/kube/observations.ts";
import type { Pod, ResourceQuota } from "../../core/kube/types.ts";
import type { CheckResult } from "../types.ts";
import { hardLimits, usageOfPod, usedIn } from "./quota-usage.ts";

export interface QuotaCheckInput {
  versions: readonly ObjectVersion[];
  /** Charges or releases whose outcome the apiservers could not know (timeouts, crashes mid-admission). */
  uncertain: number;
  /** Require at least one quota to have been reached (the scenario's point). */
  requirePressure?: boolean;
  /** A recount ran to quiet at the end: counted must equal existing, uncertain or not. */
  exactAtEnd?: boolean;
}

interface Quota {
  key: string;
  createRevision: number;
  object: ResourceQuota;
}

export function checkKubeQuota(input: QuotaCheckInput): CheckResult {
  const name = "kube-quota";
  const store = input.versions
    .filter((v) => v.source === "store")
    .slice()
    .sort((a, b) => a.rv - b.rv);
  const quotas = new Map<string, Quota>(); // by key
  const pods = new Map<string, { ns: string; createRevision: number; pod: Pod }>();
  const namespaceOf = (key: string) => key.split("/")[3] ?? "";
  let quotaVersions = 0,
    refusedAtLimit = false,
    checkedRevisions = 0;
  const fails: string[] = [];
  let i = 0;
  while (i < store.length) {
    const rv = store[i]!.rv;
    for (; i < store.length && store[i]!.rv === rv; i++) {
      const v = store[i]!;
      if (v.key.startsWith("/registry/resourcequotas/")) {
        if (v.object === null) {
          quotas.delete(v.key);
          continue;
        }
        const q = v.object as ResourceQuota;
        quotaVersions++;
        const prev = quotas.get(v.key);
        quotas.set(v.key, { key: v.key, createRevision: prev?.createRevision ?? v.createRevision ?? v.rv, object: q });
        for (const [r, hard] of hardLimits(q)) {
          const used = usedIn(q, r);
          if (used > hard)
            fails.push(
              `${v.key} at revision ${v.rv}: status.used.${r} = ${formatQuantity(used)} exceeds hard ${formatQuantity(hard)}`,
            );
          if (used === hard) refusedAtLimit = true;
        }
      } else if (v.key.startsWith("/registry/pods/")) {
        if (v.object === null) pods.delete(v.key);
        else {
          const prev = pods.get(v.key);
          pods.set(v.key, {
            ns: namespaceOf(v.key),
            createRevision: prev?.createRevision ?? v.createRevision ?? v.rv,
            pod: v.object as Pod,
          });
        }
      }
    }
    // The pods that exist at this revision, against each quota of their namespace.
    for (const q of quotas.values()) {
      checkedRevisions++;
      const ns = namespaceOf(q.key);
      const live = liveUsage(pods, ns, q.createRevision);
      for (const [r, hard] of hardLimits(q.object)) {
        const n = live.get(r) ?? 0;
        if (n > hard)
          fails.push(
            `revision ${rv}: pods in ${ns} use ${r} = ${formatQuantity(n)}, over ${q.key}'s hard ${formatQuantity(hard)}`,
          );
      }
    }
    if (fails.length >= 20) break;
  }
  if (fails.length > 0)
    return {
      name,
      verdict: "fail",
      message: `${fails[0]}${fails.length > 1 ? ` (+${fails.length - 1} more)` : ""}`,
      evidence: { violations: fails.slice(0, 20) },
    };
  if (quotas.size === 0) return { name, verdict: "pass", message: "no ResourceQuota in the store" };
  // The end: counted vs existing.
  const notes: string[] = [];
  for (const q of quotas.values()) {
    const ns = namespaceOf(q.key);
    const live = liveUsage(pods, ns, q.createRevision);
    const counted = usedIn(q.object, "pods");
    const existing = live.get("pods") ?? 0;
    if (!q.object.spec.hard["pods"] && !q.object.spec.hard["count/pods"]) continue;
    const usedPods = counted || usedIn(q.object, "count/pods");
    if (usedPods < existing)
      return {
        name,
        verdict: "fail",
        message: `${q.key}: ${formatQuantity(existing)} pods exist but only ${formatQuantity(usedPods)} are counted in status.used`,
      };
    if (usedPods > existing) {
      if (input.uncertain === 0 || input.exactAtEnd)
        return {
          name,
          verdict: "fail",
          message: `${q.key}: status.used counts ${formatQuantity(usedPods)} pods, ${formatQuantity(existing)} exist, and ${input.exactAtEnd ? "the recount had settled" : "no charge or release had an unknown outcome"}`,
        };
      notes.push(
        `${q.key} counts ${formatQuantity(usedPods - existing)} more than exist (${input.uncertain} uncertain charges/releases)`,
      );
    }
  }
  if (input.requirePressure && !refusedAtLimit)
    return {
      name,
      verdict: "fail",
      message: `no quota ever reached its hard limit (${quotaVersions} quota versions): nothing was tested`,
    };
  return {
    name,
    verdict: "pass",
    message: `${quotaVersions} quota versions, ${checkedRevisions} revision×quota checks: used never above hard, existing pods never above hard${notes.length ? `; ${notes.join("; ")}` : "; counted = existing at the end"}`,
  };
}

function liveUsage(
  pods: ReadonlyMap<string, { ns: string; createRevision: number; pod: Pod }>,
  ns: string,
  since: number,
): Map<string, number> {
  const u = new Map<string, number>();
  for (const p of pods.values()) {
    if (p.ns !== ns || p.createRevision < since) continue;
    for (const [r, n] of usageOfPod(p.pod)) u.set(r, (u.get(r) ?? 0) + n);
  }
  return u;
}
