// What the Kubernetes layer was seen to do: the input of checkers/kube. Processes report into a
// recorder owned by the harness (like an oracle, outside the simulated system and its faults); times
// are true virtual time. Every entry is a plain value, so a log can be written by hand for tests.
import { registryPrefix } from "./resources.ts";
import type { KubeObject } from "./types.ts";

/** One version of one object as etcd held it: seen in an acknowledged write, a watch event, a list or the store itself. */
export interface ObjectVersion {
  time: number;
  /** The registry key, e.g. /registry/pods/default/nginx-abcde. */
  key: string;
  /** mod_revision (for a delete: the deletion's revision). */
  rv: number;
  /** etcd create_revision: the key's generation (absent when unknown). */
  createRevision?: number;
  /** null: the key was deleted at rv. */
  object: KubeObject | null;
  /** Who saw it, e.g. "write:apiserver-1", "watch:apiserver-2", "store". */
  source: string;
}

/** A write etcd acknowledged to an apiserver. */
export interface AckedWrite {
  time: number;
  apiserver: string;
  key: string;
  op: "create" | "update" | "delete";
  /** The resourceVersion the new value was computed from (0 for a create). */
  baseRv: number;
  /** The revision of the write. */
  rv: number;
  /**
   * A create: when the apiserver began it (absent in older logs). A write held behind a paused etcd member
   * lands long after the controller decided it; the decision came before this.
   */
  startedAt?: number;
}

/**
 * An update about to take off a terminating object's last finalizer, which removes the object: recorded
 * before its Txn is sent (whether or not the answer comes back). The emptied object is never stored, so
 * the store shows the removal right after the version that still had the finalizer, at baseRv.
 */
/** A delete with grace period 0 from a client that is not a node's kubelet (kubectl --grace-period=0 --force). */
export interface ForceDelete {
  time: number;
  key: string;
  requester: string;
}

/** An apiserver's compaction loop started (with the apiserver's incarnation), or ended a round. */
export interface CompactorEvent {
  time: number;
  apiserver: string;
  kind: "started" | "round-done";
}

export interface FinalizingUpdate {
  time: number;
  key: string;
  baseRv: number;
}

/** One object version as an informer received it, in arrival order. */
export interface InformerObservation {
  time: number;
  /** The informer instance, e.g. "scheduler-1#3f2a/Pod" (process, incarnation nonce, kind). */
  observer: string;
  key: string;
  rv: number;
  event: "LIST" | "ADDED" | "MODIFIED" | "DELETED";
}

/** A write that needs leadership, issued by a leader-elected process (time = when it was sent). */
export interface LeaderAct {
  time: number;
  process: string;
  identity: string;
  /** "namespace/name" of the leader-election Lease. */
  lease: string;
  /** The resourceVersion of the Lease write that began this holder's tenure. */
  term: number;
  what: string;
  /** The registry key of the object a delete act removes (absent for other acts, and in older logs). */
  deletes?: string;
  /**
   * When the reconcile that made this write ran, if earlier than the act: a reconcile's writes go out one
   * after another, each once the one before is answered, and carry out what was decided on the caches then
   * (absent for a reconcile's first write, and in older logs).
   */
  decidedAt?: number;
  /** The acting controller keeps no mutation cache: its process's caches do not hold the write (absent: they do). */
  uncached?: true;
}

/**
 * A read an apiserver served from etcd as "most recent": a GET, or a list's first page, without a
 * resourceVersion (Kubernetes serves those by a quorum read; later pages read the first one's revision).
 */
export interface QuorumRead {
  /** When the apiserver began it. */
  time: number;
  apiserver: string;
  verb: "get" | "list";
  /** The key read, or the prefix listed. */
  key: string;
  /** The etcd revision it was served at (its response header's). */
  revision: number;
}

export interface LeaderChange {
  time: number;
  process: string;
  identity: string;
  lease: string;
  term: number;
  event: "acquired" | "lost";
}

/**
 * A bind as an apiserver received it: an update of a Pod's spec that sets spec.nodeName on a pod
 * stored without one (or with another). Recorded once per request, on the first stored version the
 * apiserver read for it.
 */
export interface BindRequest {
  time: number;
  apiserver: string;
  key: string;
  uid: string;
  node: string;
  /** metadata.resourceVersion the request carried: its precondition (absent: none). */
  resourceVersion?: string;
  /** The stored version the apiserver read, and the node it already named ("" for none). */
  storedRv: number;
  storedNode: string;
}

/**
 * A controller's write the API acknowledged, as the controller meant it: `origin` is the resourceVersion
 * of the object its change was computed from (what its cache held), `rv` the revision it landed at.
 * The apiserver sees only the precondition a request carries; a client that swaps in a fresh one for a
 * stale body is visible here alone.
 */
export interface ControllerWrite {
  time: number;
  process: string;
  key: string;
  op: "update" | "delete";
  origin: number;
  rv: number;
  /** The writing controller keeps no mutation cache: its process's caches do not hold the write (absent: they do). */
  uncached?: true;
}

/**
 * A controller's create whose outcome it never learned (a timeout): the object may have landed, and the
 * controller's expectations forget it, so it may create another in its place (owner: the controlling
 * owner's uid the new object named).
 */
export interface UnknownCreate {
  time: number;
  process: string;
  owner: string;
}

/** A workload action (apply, scale, image change, delete) that the API accepted. */
export interface ActionOutcome {
  time: number;
  index: number;
  description: string;
  /** When the client first tried the step (absent in hand-made logs). */
  startedAt?: number;
  /** The step disrupts pods on purpose (`delete pods`): a shortfall of ready pods while it runs is its doing. */
  disruptive?: boolean;
}

/**
 * A workload scale whose outcome is unknown (it timed out). A merge patch carries no precondition: the
 * apiserver applies it to whatever is current, so it may still land at any later time — after the steps
 * that followed it too (an apiserver paused mid-request finishes it when it resumes).
 */
export interface AmbiguousScale {
  time: number;
  index: number;
  namespace: string;
  name: string;
  replicas: number;
}

/**
 * What happened on a node, in the order it happened: its container runtime's changes (the ground truth
 * of what runs) — a pod's container was created (it starts after a delay), began running, was stopped
 * by the kubelet (running or still starting), died on its own (exited: a container kill), or the node
 * rebooted, which stopped them all — and its kubelet's word: reports of a pod's readiness, recorded
 * when the status write is sent and when its answer (or failure) comes back (report-done: the kubelet
 * sends a pod's next status only then), and rejections of pods its admission found no room for.
 */
export type NodeEvent =
  | { time: number; node: string; kind: "created" | "running" | "stopped" | "exited" | "rejected"; uid: string }
  | { time: number; node: string; kind: "reboot" }
  | { time: number; node: string; kind: "report"; uid: string; ready: boolean }
  /** ok: the write was acknowledged (otherwise it failed, or its outcome is unknown). */
  | { time: number; node: string; kind: "report-done"; uid: string; ok: boolean };

/** A NodeEvent without its time (the recorder stamps it); Omit over each kind of the union. */
type WithoutTime<E> = E extends unknown ? Omit<E, "time"> : never;
export type NodeEventInput = WithoutTime<NodeEvent>;

/** The watches one apiserver holds (core/kube/apiserver.ts), accounted by kube-watch-leaks. */
export interface ApiserverWatchesAt {
  apiserver: string;
  /**
   * The Kubernetes watches served ("client|watchId") with the etcd watch each reads from, or the kind
   * of the watch cache that serves it (whose one etcd watch serves all of them).
   */
  served: readonly { watch: string; etcdWatchId: number | undefined; cache?: string }[];
  /** The apiserver's watch caches, by kind, with the etcd watch each holds (none while it relists). */
  caches?: readonly { kind: string; etcdWatchId: number | undefined }[];
  /** The watch streams its etcd client holds open (undefined: the client cannot tell). */
  etcdOpen: readonly number[] | undefined;
}

export interface KubeObservations {
  /** The nodes the cluster was built with. */
  nodes: string[];
  versions: ObjectVersion[];
  writes: AckedWrite[];
  observed: InformerObservation[];
  acts: LeaderAct[];
  leaders: LeaderChange[];
  actions: ActionOutcome[];
  /** Bind requests (absent in logs recorded before binds were). */
  binds?: BindRequest[];
  /** Quorum reads (absent in logs recorded before reads were). */
  reads?: QuorumRead[];
  /** Controllers' acknowledged updates and deletes with their origin (absent in older logs). */
  controllerWrites?: ControllerWrite[];
  /** Container runtimes' changes and kubelets' readiness reports, in order (absent in older logs). */
  nodeEvents?: NodeEvent[];
  /** Controllers' creates of unknown outcome (absent in older logs). */
  unknownCreates?: UnknownCreate[];
  /** The watches each live apiserver holds when the snapshot is taken (absent: not accounted). */
  apiserverWatches?: ApiserverWatchesAt[];
  /** Updates sent to remove an object by taking off its last finalizer (absent in older logs). */
  finalizing?: FinalizingUpdate[];
  /** Deletes with grace period 0 that no kubelet sent (absent in older logs). */
  forceDeletes?: ForceDelete[];
  /** The apiservers' compaction loops (absent in older logs). */
  compactor?: CompactorEvent[];
}

const WORKLOAD_PREFIXES = [registryPrefix("Deployment"), registryPrefix("ReplicaSet"), registryPrefix("Pod")];
const isWorkloadKey = (key: string) => WORKLOAD_PREFIXES.some((p) => key.startsWith(p));

export interface LatestEntry {
  rv: number;
  object: KubeObject | null;
}

/** Collects observations and keeps the newest known version of every key (the view liveness is judged on). */
export class KubeRecorder implements KubeObservations {
  readonly versions: ObjectVersion[] = [];
  readonly writes: AckedWrite[] = [];
  readonly finalizing: FinalizingUpdate[] = [];
  readonly forceDeletes: ForceDelete[] = [];
  readonly compactor: CompactorEvent[] = [];
  readonly observed: InformerObservation[] = [];
  readonly acts: LeaderAct[] = [];
  readonly leaders: LeaderChange[] = [];
  readonly actions: ActionOutcome[] = [];
  readonly ambiguousScales: AmbiguousScale[] = [];
  readonly binds: BindRequest[] = [];
  readonly reads: QuorumRead[] = [];
  readonly controllerWrites: ControllerWrite[] = [];
  readonly nodeEvents: NodeEvent[] = [];
  readonly unknownCreates: UnknownCreate[] = [];
  /** Pods (by uid) whose container runs now, per the nodes' runtimes; and each node's. */
  readonly running = new Set<string>();
  private readonly runningOn = new Map<string, Set<string>>();
  readonly latest = new Map<string, LatestEntry>();
  /** Bumped on every change of `latest`, `actions` or `ambiguousScales` (lets callers cache derived views). */
  changes = 0;
  /**
   * Bumped on every change a view of the workload can see: of `actions` or `ambiguousScales`, of a
   * Deployment, ReplicaSet or Pod in `latest`, and of any other key's object coming, going or changing
   * uid (owner references name uids). A Lease renewal or a Node status moves `changes` only.
   */
  workloadChanges = 0;
  /** The revisions of each key already in `versions`. */
  private readonly seen = new Map<string, Set<number>>();
  /** The keys of `latest`, sorted; rebuilt when a key is added (keys are never removed). */
  private sortedKeys: string[] = [];

  constructor(
    readonly now: () => number,
    readonly nodes: string[] = [],
  ) {}

  version(
    key: string,
    rv: number,
    createRevision: number | undefined,
    object: KubeObject | null,
    source: string,
  ): void {
    let seen = this.seen.get(key);
    if (seen === undefined) this.seen.set(key, (seen = new Set()));
    if (!seen.has(rv)) {
      seen.add(rv);
      const v: ObjectVersion = { time: this.now(), key, rv, object, source };
      if (createRevision !== undefined && createRevision > 0) v.createRevision = createRevision;
      this.versions.push(v);
    }
    const cur = this.latest.get(key);
    if (cur === undefined || cur.rv < rv) {
      this.latest.set(key, { rv, object });
      this.changed(key, cur === undefined ? null : cur.object, object);
    }
  }

  private changed(key: string, before: KubeObject | null, after: KubeObject | null): void {
    this.changes++;
    if (isWorkloadKey(key) || (before === null) !== (after === null) || before?.metadata.uid !== after?.metadata.uid)
      this.workloadChanges++;
  }

  /**
   * One page of a list at revision rv covering the keys in [start, end): its items are versions, and
   * any key in that range known at or below rv but absent from the page was deleted by then.
   */
  listed(
    start: string,
    end: string,
    rv: number,
    items: { key: string; rv: number; createRevision?: number; object: KubeObject }[],
    source: string,
  ): void {
    const present = new Set<string>();
    for (const it of items) {
      present.add(it.key);
      this.version(it.key, it.rv, it.createRevision, it.object, source);
    }
    for (const [key, e] of this.latest) {
      if (e.object !== null && key >= start && key < end && !present.has(key) && e.rv <= rv) {
        this.latest.set(key, { rv, object: null });
        this.changed(key, e.object, null);
      }
    }
  }

  // write and observe run per write and per informer event: their entries are built field by field
  // (a spread costs more), in the order the spread gave them.
  write(w: Omit<AckedWrite, "time">): void {
    const entry: AckedWrite = {
      time: this.now(),
      apiserver: w.apiserver,
      key: w.key,
      op: w.op,
      baseRv: w.baseRv,
      rv: w.rv,
    };
    if (w.startedAt !== undefined) entry.startedAt = w.startedAt;
    this.writes.push(entry);
  }
  forceDelete(key: string, requester: string): void {
    this.forceDeletes.push({ time: this.now(), key, requester });
  }
  compactorEvent(apiserver: string, kind: CompactorEvent["kind"]): void {
    this.compactor.push({ time: this.now(), apiserver, kind });
  }
  finalizingUpdate(key: string, baseRv: number): void {
    this.finalizing.push({ time: this.now(), key, baseRv });
  }
  observe(o: Omit<InformerObservation, "time">): void {
    this.observed.push({ time: this.now(), observer: o.observer, key: o.key, rv: o.rv, event: o.event });
  }
  act(a: Omit<LeaderAct, "time">): void {
    this.acts.push({ time: this.now(), ...a });
  }
  leader(l: Omit<LeaderChange, "time">): void {
    this.leaders.push({ time: this.now(), ...l });
  }
  action(a: Omit<ActionOutcome, "time">): void {
    this.actions.push({ time: this.now(), ...a });
    this.changes++;
    this.workloadChanges++;
  }
  /** A quorum read that began at `time` (recorded when it is answered). */
  read(r: QuorumRead): void {
    this.reads.push(r);
  }
  controllerWrite(w: Omit<ControllerWrite, "time">): void {
    this.controllerWrites.push({ time: this.now(), ...w });
  }
  unknownCreate(c: Omit<UnknownCreate, "time">): void {
    this.unknownCreates.push({ time: this.now(), ...c });
  }
  nodeEvent(e: NodeEventInput): void {
    this.nodeEvents.push({ time: this.now(), ...e } as NodeEvent);
    if (e.kind === "report" || e.kind === "report-done" || e.kind === "created" || e.kind === "rejected") return;
    let on = this.runningOn.get(e.node);
    if (on === undefined) this.runningOn.set(e.node, (on = new Set()));
    if (e.kind === "reboot") {
      for (const uid of on) this.running.delete(uid);
      on.clear();
    } else if (e.kind === "running") {
      on.add(e.uid);
      this.running.add(e.uid);
    } else {
      on.delete(e.uid);
      this.running.delete(e.uid);
    }
    // What runs is part of what liveness judges (a pod reported ready counts only while its container runs).
    this.changes++;
    this.workloadChanges++;
  }
  bind(b: Omit<BindRequest, "time">): void {
    this.binds.push({ time: this.now(), ...b });
  }
  ambiguousScale(a: Omit<AmbiguousScale, "time">): void {
    this.ambiguousScales.push({ time: this.now(), ...a });
    this.changes++;
    this.workloadChanges++;
  }

  /** Live objects whose key starts with prefix, by key. */
  liveObjects(prefix = "/registry/"): KubeObject[] {
    if (this.sortedKeys.length !== this.latest.size) this.sortedKeys = [...this.latest.keys()].sort();
    const out: KubeObject[] = [];
    for (const key of this.sortedKeys) {
      const e = this.latest.get(key)!;
      if (e.object !== null && key.startsWith(prefix)) out.push(e.object);
    }
    return out;
  }

  /** A plain snapshot for checkers (arrays shared, not copied). */
  snapshot(): KubeObservations {
    return {
      nodes: this.nodes,
      versions: this.versions,
      writes: this.writes,
      finalizing: this.finalizing,
      forceDeletes: this.forceDeletes,
      compactor: this.compactor,
      observed: this.observed,
      acts: this.acts,
      leaders: this.leaders,
      actions: this.actions,
      binds: this.binds,
      reads: this.reads,
      controllerWrites: this.controllerWrites,
      nodeEvents: this.nodeEvents,
      unknownCreates: this.unknownCreates,
    };
  }
}
