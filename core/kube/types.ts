// Kubernetes objects as the simulated control plane stores them: the fields the Deployment →
// ReplicaSet → scheduler → kubelet flow reads and writes, named as in the Kubernetes API.
// Differences from the real API, because simulated time has no calendar: timestamps
// (creationTimestamp, Lease acquireTime/renewTime) are integer microseconds on the writer's own clock.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  /** Absent for cluster-scoped kinds (Node). */
  namespace?: string;
  /** Set by the apiserver at create when name is empty: name = generateName + 5 random characters. */
  generateName?: string;
  uid?: string;
  /** The key's mod_revision in etcd, as a decimal string (opaque to clients, compared by checkers). */
  resourceVersion?: string;
  /** Bumped by the apiserver on every spec change. */
  generation?: number;
  /** Microseconds on the apiserver's clock. */
  creationTimestamp?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  /**
   * Set by the apiserver when a graceful delete begins (µs on its clock: the time by which the object
   * should be gone, the request's time plus the grace period); from then on the object is terminating,
   * and it only ever moves earlier. Absent on objects deleted at once.
   */
  deletionTimestamp?: number;
  /** The grace period the deletion was given, in seconds (only ever shortened by a later delete). */
  deletionGracePeriodSeconds?: number;
  /**
   * What must happen before the object may go: a delete leaves an object with finalizers terminating,
   * and it is removed once the last one is taken off (each by the controller that put it there). None
   * may be added to a terminating object.
   */
  finalizers?: string[];
}

export interface Container {
  name: string;
  image: string;
  /** Resource requests ("cpu": "100m", "memory": "64Mi"); LimitRange defaults fill them at admission. */
  resources?: { requests?: Record<string, string> };
}

export interface PodSpec {
  containers: Container[];
  /** Empty until the scheduler binds the pod. */
  nodeName?: string;
  /**
   * Seconds a deleted pod's containers get to stop before its kubelet removes it (a delete's default
   * grace period). Absent or 0: a delete removes the pod at once.
   */
  terminationGracePeriodSeconds?: number;
}

export interface PodTemplateSpec {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  /** Why (the node lifecycle controller's "NodeStatusUnknown"; absent in most writers' conditions). */
  reason?: string;
}

export interface DeploymentSpec {
  replicas: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy?: {
    type: "RollingUpdate";
    rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
  };
}
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
}
export interface Deployment {
  apiVersion: "apps/v1";
  kind: "Deployment";
  metadata: ObjectMeta;
  spec: DeploymentSpec;
  status?: DeploymentStatus;
}

export interface ReplicaSetSpec {
  replicas: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
}
export interface ReplicaSetStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}
export interface ReplicaSet {
  apiVersion: "apps/v1";
  kind: "ReplicaSet";
  metadata: ObjectMeta;
  spec: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
}
export interface PodStatus {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  /** Why the pod is in its phase (a kubelet's rejection: "OutOfpods"). */
  reason?: string;
  message?: string;
  conditions?: Condition[];
  hostIP?: string;
  containerStatuses?: ContainerStatus[];
}
export interface Pod {
  apiVersion: "v1";
  kind: "Pod";
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: PodStatus;
}

export interface NodeStatus {
  /** The simple capacity model: how many pods fit. */
  capacity?: { pods: number };
  conditions?: Condition[];
}
/** A node taint; the node lifecycle controller's is node.kubernetes.io/unreachable (NoSchedule and NoExecute). */
export interface Taint {
  key: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /** When a NoExecute taint was added (µs on the tainting process's wall clock). */
  timeAdded?: number;
}
export interface Node {
  apiVersion: "v1";
  kind: "Node";
  metadata: ObjectMeta;
  spec: { unschedulable?: boolean; taints?: Taint[] };
  status?: NodeStatus;
}

/** coordination.k8s.io/v1 Lease: leader election records and node heartbeats. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** Microseconds on the holder's clock. */
  acquireTime?: number;
  /** Microseconds on the holder's clock. */
  renewTime?: number;
  leaseTransitions?: number;
}
export interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: ObjectMeta;
  spec: LeaseSpec;
}

export interface ConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

// ---- quotas and limits (core/kube/admission/)

/** v1 ResourceQuota: hard limits per namespace ("pods", "requests.cpu", "requests.memory"), and what is charged. */
export interface ResourceQuota {
  apiVersion: "v1";
  kind: "ResourceQuota";
  metadata: ObjectMeta;
  spec: { hard: Record<string, string> };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** v1 LimitRange, the part admission applies: per-container default requests. */
export interface LimitRange {
  apiVersion: "v1";
  kind: "LimitRange";
  metadata: ObjectMeta;
  spec: { limits: { type: "Container"; defaultRequest?: Record<string, string> }[] };
}

export type KubeObject = Deployment | ReplicaSet | Pod | Node | Lease | ConfigMap | ResourceQuota | LimitRange;
export type Kind = KubeObject["kind"];
export type ObjectOf<K extends Kind> = Extract<KubeObject, { kind: K }>;

export const KINDS: readonly Kind[] = [
  "Deployment",
  "ReplicaSet",
  "Pod",
  "Node",
  "Lease",
  "ConfigMap",
  "ResourceQuota",
  "LimitRange",
];

export function isKind(s: string): s is Kind {
  return (KINDS as readonly string[]).includes(s);
}

/** The resourceVersion as a number (0 when unset). */
export function rvOf(obj: { metadata: ObjectMeta }): number {
  const rv = obj.metadata.resourceVersion;
  return rv === undefined || rv === "" ? 0 : Number(rv);
}

/** "namespace/name" or "name" for cluster-scoped objects: the key informers and work queues use. */
export function objectKey(obj: { metadata: ObjectMeta }): string {
  return nsName(obj.metadata.namespace, obj.metadata.name);
}

export function nsName(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === "" ? name : `${namespace}/${name}`;
}

/** Splits "namespace/name" (or "name") into its parts. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function controllerOf(obj: { metadata: ObjectMeta }): OwnerReference | undefined {
  const refs = obj.metadata.ownerReferences;
  if (refs === undefined || refs === null) return undefined;
  // Array.prototype.find without its callback (every informer event and checker replay asks this).
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    if (r.controller === true) return r;
  }
  return undefined;
}

export function ownerRefTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? "",
    controller: true,
  };
}

/**
 * A pod its controller still counts: not in a terminal phase and not terminating (Kubernetes'
 * FilterActivePods). A ReplicaSet manages only these, so a terminating pod is replaced at once.
 */
export function podIsActive(p: Pod): boolean {
  return podHoldsRoom(p) && p.metadata.deletionTimestamp === undefined;
}

/**
 * A pod that still holds its place on its node: not in a terminal phase. A terminating pod still does
 * (its containers run until its kubelet stops them), so the scheduler and the kubelet count it.
 */
export function podHoldsRoom(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

/** A delete of obj has begun and waits for its grace period (a pod's kubelet to stop its containers). */
export function isTerminating(obj: { metadata: ObjectMeta }): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/**
 * A delete's propagationPolicy (DeleteOptions): Background removes the object and leaves its dependents to
 * the garbage collector; Foreground keeps it terminating until the collector has deleted every dependent
 * (finalizer foregroundDeletion); Orphan keeps it until the collector has taken its ownerReference off every
 * dependent, which stays (finalizer orphan). Every controller reference here blocks its owner's deletion, as
 * the references Kubernetes' controllers write do (blockOwnerDeletion: true).
 */
export type PropagationPolicy = "Background" | "Foreground" | "Orphan";
export const PROPAGATION_POLICIES: readonly PropagationPolicy[] = ["Background", "Foreground", "Orphan"];
export const FOREGROUND_FINALIZER = "foregroundDeletion";
export const ORPHAN_FINALIZER = "orphan";
/** The kinds the garbage collector (controllers/garbagecollector.ts) keeps in its graph. */
export const COLLECTED_KINDS: readonly Kind[] = ["Deployment", "ReplicaSet", "Pod"];

/** Whether obj has the finalizer f. */
export function hasFinalizer(obj: { metadata: ObjectMeta }, f: string): boolean {
  return obj.metadata.finalizers?.includes(f) === true;
}

export function podIsReady(p: Pod): boolean {
  return hasReadyCondition(p.status?.conditions);
}

export function nodeIsReady(n: Node): boolean {
  return hasReadyCondition(n.status?.conditions);
}

/** conditions?.some(Ready and True) === true, without the callback. */
function hasReadyCondition(conditions: readonly Condition[] | undefined): boolean {
  if (conditions === undefined || conditions === null) return false;
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i]!;
    if (c === undefined && !(i in conditions)) continue; // some() skips holes
    if (c.type === "Ready" && c.status === "True") return true;
  }
  return false;
}

export function matchesLabels(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  for (const k of Object.keys(selector).sort()) if (labels?.[k] !== selector[k]) return false;
  return true;
}

/**
 * A deep copy as JSON.parse(JSON.stringify(x)) makes it, without the text in between: for plain JSON
 * data (plain objects and arrays of strings, numbers, booleans and null) it copies field by field what
 * the round trip keeps — fields in the same order, undefined (or function) fields left out, such array
 * elements and non-finite numbers null, -0 as 0. Anything the walk is not sure of (another prototype,
 * a toJSON method, a BigInt, a "__proto__" field, very deep or cyclic data) takes the round trip itself,
 * so its answer (or its error) is always the round trip's.
 */
export function clone<T>(x: T): T {
  const out = copyJson(x, 0);
  return (out === NOT_PLAIN ? JSON.parse(JSON.stringify(x)) : out) as T;
}

const NOT_PLAIN: unique symbol = Symbol("not plain JSON data");
const MAX_COPY_DEPTH = 100;

/** x as the JSON round trip copies it, or NOT_PLAIN; undefined for a value the round trip leaves out of an object. */
function copyJson(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case "undefined":
    case "function":
    case "symbol":
      return depth === 0 ? NOT_PLAIN : undefined;
    case "object":
      break;
    default:
      return NOT_PLAIN; // a BigInt: the round trip throws
  }
  if (v === null) return null;
  if (depth >= MAX_COPY_DEPTH || typeof (v as { toJSON?: unknown }).toJSON === "function") return NOT_PLAIN;
  const proto: unknown = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) return NOT_PLAIN;
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = copyJson(v[i], depth + 1);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      out[i] = c === undefined ? null : c;
    }
    return out;
  }
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    if (k === "__proto__") return NOT_PLAIN;
    const c = copyJson(o[k], depth + 1);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    if (c !== undefined) out[k] = c;
  }
  return out;
}
