// Workload actions over time (scale, image change, delete, apply more manifests) and the state they
// should leave behind, which liveness compares the cluster against.
import { DNS_LABEL, parseManifests } from "../../core/kube/manifest.ts";
import { nsName, type Deployment, type KubeObject, type PropagationPolicy } from "../../core/kube/types.ts";
import type { ExpectedDeployment } from "../../checkers/kube/pending.ts";

export type { ExpectedDeployment };

export type WorkloadAction =
  /** `deployment` is "namespace/name" or "name" (namespace default). */
  | { at: number; kind: "scale"; deployment: string; replicas: number }
  | { at: number; kind: "image"; deployment: string; image: string; container?: string }
  /**
   * `kubectl delete deployment`, with kubectl's --cascade (absent: background). kubectl waits until the
   * object is gone (--wait): a foreground or orphaning delete ends when the garbage collector is done.
   */
  | { at: number; kind: "delete"; deployment: string; cascade?: Cascade }
  /** Creates the manifest's objects (or replaces their spec if they exist). */
  | { at: number; kind: "apply"; manifest: string }
  /**
   * `kubectl get pods [-n NAMESPACE]`: a list with no resourceVersion, the most recent state (kube-read-fresh
   * judges it); of every namespace when `namespace` is absent.
   */
  | { at: number; kind: "get"; resource: GetResource; namespace?: string }
  /**
   * `kubectl delete pods -l SELECTOR [-n NAMESPACE] [--grace-period=N]`: lists the namespace's pods
   * (default "default") and deletes each whose labels match ("app=web,tier=front"), with its uid as the
   * precondition. A pod already terminating is deleted again: only a shorter period may hurry it.
   */
  | { at: number; kind: "delete-pods"; selector: string; namespace?: string; gracePeriodSeconds?: number };

/** What a `get` action lists. */
export type GetResource = "pods" | "replicasets" | "deployments";
const GET_KINDS = { pods: "Pod", replicasets: "ReplicaSet", deployments: "Deployment" } as const;

/** The kind a `get` action lists. */
export function kindOfResource(r: GetResource): (typeof GET_KINDS)[GetResource] {
  return GET_KINDS[r];
}

/** One step the workload client performs, in order: the initial objects, then the actions. */
export type WorkloadStep =
  | { at: number; kind: "apply"; objects: KubeObject[] }
  | { at: number; kind: "scale"; namespace: string; name: string; replicas: number }
  | { at: number; kind: "image"; namespace: string; name: string; image: string; container?: string }
  | { at: number; kind: "delete"; namespace: string; name: string; propagationPolicy?: PropagationPolicy }
  | { at: number; kind: "get"; resource: GetResource; namespace?: string }
  | {
      at: number;
      kind: "delete-pods";
      namespace: string;
      selector: Record<string, string>;
      gracePeriodSeconds?: number;
    };

/** "app=web,tier=front" as matchLabels; undefined if it is not such a list. */
export function parseSelector(s: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of s.split(",")) {
    const m = /^([A-Za-z0-9._/-]+)=([A-Za-z0-9._-]*)$/.exec(part.trim());
    if (m === null || Object.hasOwn(out, m[1]!)) return undefined;
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** "ns/name" or "name" (namespace default), as actions name a Deployment. */
export function deploymentRef(s: string): { namespace: string; name: string } {
  const i = s.indexOf("/");
  return i < 0 ? { namespace: "default", name: s } : { namespace: s.slice(0, i), name: s.slice(i + 1) };
}

/** Validates actions (friendly errors naming the field) and orders them after the initial manifests. */
export function workloadSteps(manifests: readonly KubeObject[], actions: readonly WorkloadAction[]): WorkloadStep[] {
  const steps: WorkloadStep[] = [];
  if (manifests.length > 0) steps.push({ at: 0, kind: "apply", objects: [...manifests] });
  const sorted = actions.map((a, i) => ({ a, i })).sort((x, y) => x.a.at - y.a.at || x.i - y.i);
  for (const { a, i } of sorted) {
    const f = `actions[${i}]`;
    if (!Number.isInteger(a.at) || a.at < 0)
      throw new Error(`${f}.at: expected a non-negative integer (µs), got ${JSON.stringify(a.at)}`);
    switch (a.kind) {
      case "scale":
        if (!Number.isInteger(a.replicas) || a.replicas < 0)
          throw new Error(`${f}.replicas: expected a non-negative integer, got ${JSON.stringify(a.replicas)}`);
        steps.push({ at: a.at, kind: "scale", ...deploymentRef(a.deployment), replicas: a.replicas });
        break;
      case "image":
        if (typeof a.image !== "string" || a.image === "") throw new Error(`${f}.image: expected a non-empty string`);
        steps.push({
          at: a.at,
          kind: "image",
          ...deploymentRef(a.deployment),
          image: a.image,
          ...(a.container ? { container: a.container } : {}),
        });
        break;
      case "delete": {
        const cascade = a.cascade;
        if (cascade !== undefined && !Object.hasOwn(CASCADE_POLICY, cascade))
          throw new Error(`${f}.cascade: expected background, foreground or orphan, got ${JSON.stringify(cascade)}`);
        steps.push({
          at: a.at,
          kind: "delete",
          ...deploymentRef(a.deployment),
          ...(cascade !== undefined && cascade !== "background" ? { propagationPolicy: CASCADE_POLICY[cascade] } : {}),
        });
        break;
      }
      case "apply":
        steps.push({ at: a.at, kind: "apply", objects: parseManifests(a.manifest, `${f}.manifest`) });
        break;
      case "get":
        if (!Object.hasOwn(GET_KINDS, a.resource))
          throw new Error(
            `${f}.resource: expected pods, replicasets or deployments, got ${JSON.stringify(a.resource)}`,
          );
        if (a.namespace !== undefined && (typeof a.namespace !== "string" || !DNS_LABEL.test(a.namespace)))
          throw new Error(`${f}.namespace: expected a namespace name, got ${JSON.stringify(a.namespace)}`);
        steps.push({
          at: a.at,
          kind: "get",
          resource: a.resource,
          ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
        });
        break;
      case "delete-pods": {
        const selector = typeof a.selector === "string" ? parseSelector(a.selector) : undefined;
        if (selector === undefined)
          throw new Error(`${f}.selector: expected labels as key=value[,key=value], got ${JSON.stringify(a.selector)}`);
        if (a.namespace !== undefined && (typeof a.namespace !== "string" || !DNS_LABEL.test(a.namespace)))
          throw new Error(`${f}.namespace: expected a namespace name, got ${JSON.stringify(a.namespace)}`);
        const grace = a.gracePeriodSeconds;
        if (grace !== undefined && (!Number.isInteger(grace) || grace < 0))
          throw new Error(`${f}.gracePeriodSeconds: expected a non-negative integer, got ${JSON.stringify(grace)}`);
        steps.push({
          at: a.at,
          kind: "delete-pods",
          namespace: a.namespace ?? "default",
          selector,
          ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
        });
        break;
      }
      default:
        throw new Error(
          `${f}.kind: expected scale, image, delete, apply, get or delete-pods, got ${JSON.stringify((a as { kind?: unknown }).kind)}`,
        );
    }
  }
  return steps;
}

/** kubectl delete's --cascade. */
export type Cascade = "background" | "foreground" | "orphan";
const CASCADE_POLICY: Record<Cascade, PropagationPolicy> = {
  background: "Background",
  foreground: "Foreground",
  orphan: "Orphan",
};

export function describeStep(s: WorkloadStep): string {
  switch (s.kind) {
    case "apply":
      return `apply ${s.objects.map((o) => `${o.kind.toLowerCase()} ${nsName(o.metadata.namespace, o.metadata.name)}`).join(", ")}`;
    case "scale":
      return `scale deployment ${s.namespace}/${s.name} to ${s.replicas}`;
    case "image":
      return `set image of deployment ${s.namespace}/${s.name} to ${s.image}`;
    case "delete":
      return `delete deployment ${s.namespace}/${s.name}${s.propagationPolicy === undefined ? "" : ` --cascade=${s.propagationPolicy.toLowerCase()}`}`;
    case "get":
      return s.namespace === undefined ? `get ${s.resource}` : `get ${s.resource} -n ${s.namespace}`;
    case "delete-pods": {
      const labels = Object.entries(s.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      const grace = s.gracePeriodSeconds === undefined ? "" : ` --grace-period=${s.gracePeriodSeconds}`;
      return `delete pods -l ${labels} -n ${s.namespace}${grace}`;
    }
  }
}

/** The Deployments the steps leave, in order of first appearance. */
export function expectedDeployments(steps: readonly WorkloadStep[]): ExpectedDeployment[] {
  const out = new Map<string, ExpectedDeployment>();
  for (const s of steps) {
    if (s.kind === "apply") {
      for (const o of s.objects) {
        if (o.kind !== "Deployment") continue;
        const d = o as Deployment;
        const key = `${d.metadata.namespace}/${d.metadata.name}`;
        out.delete(key);
        out.set(key, {
          namespace: d.metadata.namespace!,
          name: d.metadata.name,
          deleted: false,
          replicas: d.spec.replicas,
          containers: d.spec.template.spec.containers.map((c) => ({ name: c.name, image: c.image })),
        });
      }
      continue;
    }
    if (s.kind === "get" || s.kind === "delete-pods") continue; // a read changes nothing; deleted pods are replaced
    const e = out.get(`${s.namespace}/${s.name}`);
    if (e === undefined || e.deleted) continue; // acting on a missing deployment changes nothing
    if (s.kind === "scale") e.replicas = s.replicas;
    else if (s.kind === "image") {
      const c = s.container === undefined ? e.containers[0] : e.containers.find((x) => x.name === s.container);
      if (c !== undefined) c.image = s.image;
    } else e.deleted = true;
  }
  return [...out.values()];
}
