// ResourceQuota admission on the apiserver (plugin/pkg/admission/resourcequota): before a pod is
// stored, its usage is charged to every quota of its namespace by updating the quota's status.used
// with the resourceVersion precondition — a conflict re-reads the quota and checks again — so two
// apiservers admitting at once cannot both take the last unit. Only then is the pod written. A
// create that definitely failed gives its charge back; one of unknown outcome keeps it (over-charging
// is safe, under-charging is not). A deleted pod's charge is released after the delete, standing in
// for the quota controller's replenishment.
// LimitRanger runs first: containers without requests get the namespace's defaults.
import type { BugSet } from "../../bugs.ts";
import { fail, type ApiResult } from "../api.ts";
import { kubeProbe } from "../probes.ts";
import type { Registry } from "../registry.ts";
import { keyOfObject, registryPrefix } from "../resources.ts";
import type { KubeObject, LimitRange, Pod, ResourceQuota } from "../types.ts";
import { applyLimitRangeDefaults } from "./limitranger.ts";
import { charged, exceeded, podUsage, type Usage } from "./usage.ts";

export interface QuotaAdmissionOptions {
  bugs?: BugSet;
  /** A charge or release whose outcome is unknown (a timeout): status.used may stay above the pods that exist. */
  onUncertain?(what: string): void;
}

export class QuotaAdmission {
  constructor(
    private readonly registry: Registry,
    private readonly opts: QuotaAdmissionOptions = {},
  ) {}

  /** Admits and stores a pod: defaults, quota charge by CAS, create; gives the charge back if the create definitely failed. */
  createPod(pod: Pod, cb: (r: ApiResult<KubeObject>) => void): void {
    const ns = pod.metadata.namespace ?? "";
    this.listKind<LimitRange>("LimitRange", ns, (ranges) => {
      if (!ranges.ok) return cb(ranges);
      const admitted = applyLimitRangeDefaults(pod, ranges.value);
      const delta = podUsage(admitted);
      this.listKind<ResourceQuota>("ResourceQuota", ns, (quotas) => {
        if (!quotas.ok) return cb(quotas);
        this.chargeAll(quotas.value, delta, 0, (charged) => {
          if (!charged.ok) return cb(charged);
          this.registry.create(admitted, (r) => {
            if (r.ok || quotas.value.length === 0) return cb(r);
            if (r.status.unknown)
              this.opts.onUncertain?.(`create ${keyOfObject(admitted)}: outcome unknown, its quota charge kept`);
            else this.releaseAll(quotas.value, delta, "refund");
            cb(r);
          });
        });
      });
    });
  }

  /**
   * After a pod was deleted: its usage goes back to the quotas that charged it — those of its namespace
   * created before it (etcd's create revisions: a pod that predates a quota was never charged to it, and
   * giving its usage back would let admission take more than the quota's hard limit; quota-pressure seed
   * 900631, whose batch pods came before the quota that faults held back).
   */
  podDeleted(pod: Pod, podCreateRevision?: number): void {
    const delta = podUsage(pod);
    let created: number[] = [];
    this.listKind<ResourceQuota>(
      "ResourceQuota",
      pod.metadata.namespace ?? "",
      (quotas) => {
        if (!quotas.ok) return this.opts.onUncertain?.(`release of ${keyOfObject(pod)}: quotas not read`);
        this.releaseAll(
          podCreateRevision === undefined
            ? quotas.value
            : quotas.value.filter((_, i) => (created[i] ?? 0) < podCreateRevision),
          delta,
          "release",
        );
      },
      (revisions) => {
        created = revisions;
      },
    );
  }

  private listKind<T extends KubeObject>(
    kind: T["kind"],
    ns: string,
    cb: (r: ApiResult<T[]>) => void,
    createRevisions?: (revisions: number[]) => void,
  ): void {
    this.registry.list(
      registryPrefix(kind, ns),
      {},
      (r) => cb(r.ok ? { ok: true, value: r.value.items as T[] } : r),
      createRevisions,
    );
  }

  /** Charges quotas[i..] one after the other; on a refusal, gives back what was charged before it. */
  private chargeAll(quotas: readonly ResourceQuota[], delta: Usage, i: number, cb: (r: ApiResult<null>) => void): void {
    const q = quotas[i];
    if (q === undefined) return cb({ ok: true, value: null });
    const key = keyOfObject(q);
    // The mutant checks the quota it listed and writes that usage plus the pod's, whatever the
    // quota holds by then: the CAS still passes (it is taken on the fresh object), the check does not.
    const stale = this.opts.bugs?.has("kube-quota-check-before-cas") === true;
    let attempts = 0;
    this.registry.guaranteedUpdate(
      key,
      (cur) => {
        if (++attempts > 1) kubeProbe("kube.quota-charge-conflict");
        const base = stale ? q : (cur as ResourceQuota);
        const why = exceeded(base, delta);
        if (why !== undefined) return fail("Forbidden", why);
        return { ok: true, value: { ...cur, status: charged(base, delta, 1).status } as ResourceQuota };
      },
      (r) => {
        if (!r.ok) {
          if (r.status.reason === "Forbidden") kubeProbe("kube.quota-exceeded");
          if (r.status.unknown) this.opts.onUncertain?.(`charge of ${key}: outcome unknown`);
          this.releaseAll(quotas.slice(0, i), delta, "refund");
          return cb(r);
        }
        this.chargeAll(quotas, delta, i + 1, cb);
      },
      q,
    );
  }

  private releaseAll(quotas: readonly ResourceQuota[], delta: Usage, why: "refund" | "release"): void {
    for (const q of quotas) {
      this.registry.guaranteedUpdate(
        keyOfObject(q),
        (cur) => ({ ok: true, value: charged(cur as ResourceQuota, delta, -1) }),
        (r) => {
          if (!r.ok) this.opts.onUncertain?.(`${why} on ${keyOfObject(q)}: ${r.status.reason}`);
        },
      );
    }
  }
}
