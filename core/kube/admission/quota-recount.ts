// The resourcequota controller's recount (pkg/controller/resourcequota), made conservative: admission
// charges before it creates and releases after it deletes, so a charge whose create (or a delete
// whose release) never finished — its apiserver crashed, its write timed out — stays counted forever.
// The recount gives those back: it sets status.used to what the namespace's pods really use.
// Kubernetes recounts from informer caches at any moment, which can wipe out a charge whose pod is
// still being created (and then admit past the quota). Here the recount waits for quiet instead: only
// when the pods and the quota were unchanged over `settleUs` (longer than any admission takes) does
// it write, with the quota's resourceVersion as precondition, so any charge since aborts it.
import type { Actor, Env } from "../../env.ts";
import type { ListResult } from "../api.ts";
import { KubeClient } from "../client.ts";
import type { Pod, ResourceQuota } from "../types.ts";
import { charged, hardOf, podUsage, usedOf, type Usage } from "./usage.ts";

export interface QuotaRecountOptions {
  apiservers: readonly string[];
  namespace: string;
  quota: string;
  periodUs: number;
  settleUs: number;
  /** Told about every correction (for reports). */
  onRecount?(from: string, to: string): void;
}

export function quotaRecount(env: Env, o: QuotaRecountOptions): Actor {
  const client = new KubeClient(env, o.apiservers);
  /** Observations (pods fingerprint + quota rv) and when each was first seen unchanged. */
  let quiet: { fingerprint: string; since: number } | undefined;
  const tick = () => {
    client.get("ResourceQuota", o.namespace, o.quota, (q) => {
      if (!q.ok) return again();
      client.list("Pod", { namespace: o.namespace }, (l) => {
        if (!l.ok) return again();
        const quota = q.value as ResourceQuota;
        const pods = (l.value as ListResult).items as Pod[];
        const fingerprint = `${quota.metadata.resourceVersion}|${pods
          .map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`)
          .sort()
          .join(",")}`;
        const now = env.monotonic();
        if (quiet?.fingerprint !== fingerprint) quiet = { fingerprint, since: now };
        if (now - quiet.since < o.settleUs) return again();
        const usage: Usage = new Map();
        for (const p of pods) for (const [r, n] of podUsage(p)) usage.set(r, (usage.get(r) ?? 0) + n);
        const differs = hardOf(quota).some(([r]) => usedOf(quota, r) !== (usage.get(r) ?? 0));
        if (!differs) return again();
        const zero: ResourceQuota = {
          ...quota,
          status: { hard: { ...quota.spec.hard }, used: Object.fromEntries(hardOf(quota).map(([r]) => [r, "0"])) },
        };
        const next = charged(zero, usage, 1);
        client.updateStatus(next, (u) => {
          if (u.ok) o.onRecount?.(JSON.stringify(quota.status?.used ?? {}), JSON.stringify(next.status?.used ?? {}));
          quiet = undefined;
          again();
        });
      });
    });
  };
  const again = () => void env.setTimer(o.periodUs, tick);
  return { start: again, onMessage: (from, m) => void client.onMessage(from, m) };
}
