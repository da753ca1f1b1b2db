// A kubelet as a simulated process, one per node: registers its Node, renews the node's heartbeat
// Lease, watches pods, admits the pods bound to it while it has room (its capacity) and rejects the rest,
// starts the containers of the admitted ones after a simulated delay and writes their status.
// Containers live in the process (a crash is a node reboot: they restart).
import type { Actor, Env, TimerId } from "../env.ts";
import type { ApiResult } from "./api.ts";
import { KubeClient, type ClientTiming } from "./client.ts";
import { NODE_LEASE_NAMESPACE } from "./controllers/scheduler.ts";
import { Informer } from "./informer.ts";
import type { KubeRecorder } from "./observations.ts";
import { kubeProbe } from "./probes.ts";
import type { BugSet } from "../bugs.ts";
import {
  nodeIsReady,
  objectKey,
  podHoldsRoom,
  podIsActive,
  podIsReady,
  type Lease,
  type Node,
  type Pod,
  type PodStatus,
} from "./types.ts";
import { ContainerRuntime } from "./container-runtime.ts";

export interface KubeletTiming {
  heartbeatUs: number;
  /** Container start delay range. */
  startDelayUs: [number, number];
  /** Retry delay of a failed status or registration write. */
  retryUs: number;
  /**
   * A dead container's restart back-off: the first restart waits [0], each next one twice as long, up to
   * [1] (Kubernetes' CrashLoopBackOff, 10 s doubling to 5 min, scaled down as the node grace period is).
   */
  restartBackoffUs: [number, number];
  /** How often a kubelet that posts its node's status reads its Node (nodeStatusUpdateFrequency). */
  nodeStatusUs: number;
  /** How long a terminating pod's containers take to stop (capped by its grace period: the slow ones are killed then). */
  stopDelayUs: [number, number];
}

export const DEFAULT_KUBELET_TIMING: KubeletTiming = {
  heartbeatUs: 200_000,
  startDelayUs: [50_000, 200_000],
  retryUs: 100_000,
  restartBackoffUs: [1_000_000, 8_000_000],
  nodeStatusUs: 1_000_000,
  stopDelayUs: [100_000, 3_000_000],
};

export interface KubeletConfig {
  apiservers: readonly string[];
  capacity: number;
  timing?: Partial<KubeletTiming>;
  recorder?: KubeRecorder;
  bugs?: BugSet;
  clientTiming?: Partial<ClientTiming>;
  /**
   * Post the node's Ready condition again whenever the Node says otherwise (the node lifecycle controller
   * marked it Unknown): on with that controller, off where nothing but this kubelet writes the Node.
   */
  postNodeStatus?: boolean;
}

/** The kubelet's side of a pod's container (the container itself is the runtime's). */
interface Container {
  uid: string;
  /** The pod's key and its containers' images (what a restart runs again). */
  key: string;
  image: string;
  /** Times the container died and was started again (the status's restartCount). */
  restarts: number;
  /** The status this kubelet last got acknowledged for the pod (ready or not). */
  reported: boolean | undefined;
  writing: boolean;
  /** Run once the status write in flight is answered (the pod's terminal phase waits for it: see finish). */
  afterWrite?: () => void;
}

export interface KubeletProcess extends Actor {
  /** Pod uid → container state (for tests). */
  running(): ReadonlyMap<string, { image: string; state: string }>;
}

export function kubelet(env: Env, cfg: KubeletConfig): KubeletProcess {
  const timing = { ...DEFAULT_KUBELET_TIMING, ...cfg.timing };
  const node = env.id;
  const client = new KubeClient(env, cfg.apiservers, cfg.clientTiming, cfg.bugs);
  const pods = new Informer(env, client, "Pod", {
    ...(cfg.recorder ? { recorder: cfg.recorder } : {}),
    ...(cfg.bugs ? { bugs: cfg.bugs } : {}),
  });
  const containers = new Map<string, Container>();
  const runtime = new ContainerRuntime(env, cfg.recorder);
  // MUTANT kube-kubelet-ready-before-running: a pod is reported Ready once its container is created.
  const readyBeforeRunning = cfg.bugs?.has("kube-kubelet-ready-before-running") === true;
  // MUTANT kube-kubelet-ignores-container-exit: a dead container is restarted, its pod left Ready meanwhile.
  const ignoresExit = cfg.bugs?.has("kube-kubelet-ignores-container-exit") === true;
  // MUTANT kube-kubelet-reboot-keeps-ready: a rebooted node says nothing of its pods until their containers run.
  const rebootKeepsReady = cfg.bugs?.has("kube-kubelet-reboot-keeps-ready") === true;
  // MUTANT kube-kubelet-reboot-resets-phase: a rebooted node counts its pods' containers from nothing.
  const rebootResetsPhase = cfg.bugs?.has("kube-kubelet-reboot-resets-phase") === true;
  // MUTANT kube-kubelet-first-start-counted-restart: a pod's first container counts as a restart of one
  // before it, so the pod is reported Running, restart count 1, before anything of it ran.
  const firstStartRestarts = cfg.bugs?.has("kube-kubelet-first-start-counted-restart") === true;
  // MUTANT kube-kubelet-ran-from-api-status: a rebooted node asks the API, not its runtime, whether a pod ran.
  const ranFromApi = cfg.bugs?.has("kube-kubelet-ran-from-api-status") === true;
  const keepsReadyOnReject = cfg.bugs?.has("kube-kubelet-rejects-keeping-ready") === true;
  // MUTANT kube-kubelet-no-admission: every pod bound to the node runs, however many there are.
  const noAdmission = cfg.bugs?.has("kube-kubelet-no-admission") === true;
  // MUTANT kube-kubelet-keeps-deleted-pods: a pod deleted from the API keeps its container running.
  const keepsDeleted = cfg.bugs?.has("kube-kubelet-keeps-deleted-pods") === true;
  // MUTANT kube-kubelet-trusts-status-cache: a status equal to the last one acknowledged is not sent
  // again, whatever the API now holds (another writer marked the pod not ready).
  const trustsCache = cfg.bugs?.has("kube-kubelet-trusts-status-cache") === true;
  const stuckWithoutContainer = cfg.bugs?.has("kube-kubelet-terminating-without-container") === true;
  // MUTANT kube-kubelet-removes-without-terminal-phase: a terminating pod is removed as soon as its containers
  // have stopped, its phase still Running (the kubelet before Kubernetes 1.27).
  const skipsTerminalPhase = cfg.bugs?.has("kube-kubelet-removes-without-terminal-phase") === true;
  const retries = new Set<string>();
  /** Pods (by uid) whose containers are stopping or whose removal is under way. */
  const terminating = new Set<string>();
  /** Terminating pods whose containers are still stopping: the kill's timer, and when it fires (monotonic). */
  const killing = new Map<string, { timer: TimerId; endsAt: number }>();
  // MUTANT kube-kubelet-ignores-shortened-grace: the first grace period stands (kubernetes #83916).
  const keepsFirstGrace = cfg.bugs?.has("kube-kubelet-ignores-shortened-grace") === true;
  const startsDeleted = cfg.bugs?.has("kube-kubelet-starts-deleted-pod") === true;
  /** Pods (by uid) this incarnation rejected: a rejection is final, even once room frees up. */
  const rejected = new Set<string>();
  // MUTANT kube-kubelet-counts-rejected-pods: a rejected pod is counted as admitted until its Failed
  // status is acknowledged, so a pod arriving meanwhile is turned away from a node with room.
  const countsRejected = cfg.bugs?.has("kube-kubelet-counts-rejected-pods") === true;
  /** Rejected pods whose Failed status is not yet acknowledged (kept only by the mutant, which counts them). */
  const unsynced = new Set<string>();
  const rng = env.rng.fork("kubelet");

  function register(): void {
    const n: Node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: node, labels: { "kubernetes.io/hostname": node } },
      spec: {},
      status: { capacity: { pods: cfg.capacity }, conditions: [{ type: "Ready", status: "True" }] },
    };
    client.create(n, (r) => {
      if (r.ok || r.status.reason === "AlreadyExists") {
        // An existing Node (from before a reboot) gets its status written again.
        client.patch(
          "Node",
          undefined,
          node,
          { status: n.status },
          (p) => {
            if (!p.ok) env.setTimer(timing.retryUs, register);
          },
          "status",
        );
      } else env.setTimer(timing.retryUs, register);
    });
  }

  function heartbeat(): void {
    const renew = (r: { ok: boolean; status?: { reason: string } }) => {
      if (!r.ok && r.status?.reason === "NotFound") {
        const lease: Lease = {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: node, namespace: NODE_LEASE_NAMESPACE },
          spec: { holderIdentity: node, leaseDurationSeconds: (4 * timing.heartbeatUs) / 1e6, renewTime: env.now() },
        };
        client.create(lease, () => {});
      }
    };
    client.patch("Lease", NODE_LEASE_NAMESPACE, node, { spec: { renewTime: env.now() } }, renew);
    env.setTimer(timing.heartbeatUs, heartbeat);
  }

  /** tryUpdateNodeStatus: read the Node, and patch Ready back to True if someone else changed it. */
  function syncNodeStatus(): void {
    client.get("Node", undefined, node, (r) => {
      if (!r.ok || nodeIsReady(r.value)) return;
      kubeProbe("kube.kubelet-node-ready-again");
      const conditions = (r.value.status?.conditions ?? []).filter((c) => c.type !== "Ready");
      conditions.push({ type: "Ready", status: "True" });
      client.patch("Node", undefined, node, { status: { conditions } }, () => {}, "status");
    });
    env.setTimer(timing.nodeStatusUs, syncNodeStatus);
  }

  const mine = (p: Pod) => p.spec.nodeName === node;

  function sync(p: Pod): void {
    const uid = p.metadata.uid ?? "";
    // MUTANT kube-kubelet-starts-deleted-pod: a pod first seen terminating is started, then stopped.
    if (p.metadata.deletionTimestamp !== undefined && (!startsDeleted || containers.has(uid))) return terminate(p);
    let c = containers.get(uid);
    if (c === undefined) {
      // A terminal pod (one a kubelet rejected) never runs; a pod that finds the node full is rejected.
      if (!podHoldsRoom(p) || rejected.has(uid)) return;
      if (!noAdmission && containers.size + unsynced.size >= cfg.capacity) {
        reject(p);
        return;
      }
      const image = p.spec.containers.map((x) => x.image).join(",");
      // A pod whose container ran here before this node rebooted: the one started now is a restart of it
      // (the runtime still lists the exited one), so the pod stays Running and counts it. The runtime's
      // record says so, not the API: a status write of the previous incarnation may land after this one
      // first sees the pod (the mutant asks the API, and a stale Pending puts a pod that ran back to Pending).
      const ran =
        (!rebootResetsPhase &&
          (ranFromApi ? p.status?.phase === "Running" : runtime.ranBefore(uid) || p.status?.phase === "Running")) ||
        firstStartRestarts;
      const restarts = ran ? Math.max(0, ...(p.status?.containerStatuses ?? []).map((x) => x.restartCount)) + 1 : 0;
      c = { uid, key: objectKey(p), image, restarts, reported: undefined, writing: false };
      containers.set(uid, c);
      startContainer(c, 0);
    }
    writeStatus(p, c);
  }

  function startContainer(c: Container, backoffUs: number): void {
    runtime.start(c.uid, c.image, backoffUs + rng.int(timing.startDelayUs[0], timing.startDelayUs[1]), () => {
      if (containers.get(c.uid) !== c) return;
      const cur = pods.get(c.key);
      if (cur !== undefined) sync(cur);
    });
  }

  // The PLEG: a container died on its own. Its pod is not ready until it runs again, after the back-off.
  runtime.onExit = (uid) => {
    const c = containers.get(uid);
    if (c === undefined) return;
    if (terminating.has(uid)) {
      // A terminating pod's container is not started again, but its pod is no longer ready: say so.
      const cur = pods.get(c.key);
      if (cur !== undefined && !ignoresExit) writeStatus(cur, c);
      return;
    }
    c.restarts++;
    kubeProbe("kube.kubelet-container-restarted");
    const [base, max] = timing.restartBackoffUs;
    startContainer(c, Math.min(max, base * 2 ** (c.restarts - 1)));
    const cur = pods.get(c.key);
    if (cur !== undefined && !ignoresExit) writeStatus(cur, c);
  };

  /** Makes the pod's Ready condition match the container (a rebooted node first reports it not ready). */
  function writeStatus(p: Pod, c: Container): void {
    // A container stopped since (its pod terminated): the terminal phase is the last word on it.
    if (containers.get(c.uid) !== c) return;
    // A pod the API holds as terminal stays so (a rejection by this node's previous incarnation may land
    // after this one admitted the pod): its container stops, and no status moves it out of the phase.
    if (!podHoldsRoom(p)) {
      stopContainer(c.uid);
      return;
    }
    const want = readyBeforeRunning ? runtime.has(c.uid) : runtime.isRunning(c.uid);
    if (c.writing || (c.reported === want && (trustsCache || podIsReady(p) === want))) return;
    if (c.reported === undefined && !want && (rebootKeepsReady || (!podIsReady(p) && p.status?.phase === "Pending")))
      return; // nothing to say yet
    c.writing = true;
    cfg.recorder?.nodeEvent({ node, kind: "report", uid: c.uid, ready: want });
    const status: PodStatus = {
      // A pod whose container died stays Running (restartPolicy Always) while it is restarted.
      phase: want || c.restarts > 0 ? "Running" : "Pending",
      hostIP: node,
      conditions: [{ type: "Ready", status: want ? "True" : "False" }],
      containerStatuses: p.spec.containers.map((x) => ({
        name: x.name,
        image: x.image,
        ready: want,
        restartCount: c.restarts,
      })),
    };
    patchStatus(p, status, (r) => {
      c.writing = false;
      cfg.recorder?.nodeEvent({ node, kind: "report-done", uid: c.uid, ok: r.ok });
      if (containers.get(c.uid) !== c) {
        const then = c.afterWrite;
        c.afterWrite = undefined;
        then?.();
        return;
      }
      if (r.ok) {
        c.reported = want;
        pods.assume(r.value);
        if (r.value.metadata.uid === c.uid && mine(r.value)) writeStatus(r.value, c);
        return;
      }
      if (r.status.reason === "NotFound") return;
      if (retries.has(c.uid)) return;
      retries.add(c.uid);
      env.setTimer(timing.retryUs, () => {
        retries.delete(c.uid);
        const cur = sameAs(p, c.uid);
        if (cur !== undefined && mine(cur)) writeStatus(cur, c);
      });
    });
  }

  /** Writes a pod's status through the status subresource, as a kubelet does. */
  function patchStatus(p: Pod, status: PodStatus, done: (r: ApiResult<Pod>) => void): void {
    client.patch("Pod", p.metadata.namespace, p.metadata.name, { status }, done, "status");
  }

  /** The pod at p's key now, if it is still the pod with this uid (not deleted, not a namesake). */
  function sameAs(p: Pod, uid: string): Pod | undefined {
    const cur = pods.get(objectKey(p));
    return cur?.metadata.uid === uid ? cur : undefined;
  }

  /**
   * Kubernetes' admission of a pod (lifecycle.NewPredicateAdmitHandler): the pods already admitted leave
   * no room, so the pod fails for good (phase Failed, reason OutOfpods) and its ReplicaSet makes another.
   * The scheduler's view of the node may have lagged (a bind of unknown outcome, a deposed leader's bind).
   */
  function reject(p: Pod): void {
    const uid = p.metadata.uid ?? "";
    rejected.add(uid);
    if (countsRejected) unsynced.add(uid);
    kubeProbe("kube.kubelet-pod-rejected");
    cfg.recorder?.nodeEvent({ node, kind: "rejected", uid });
    const status: PodStatus = {
      phase: "Failed",
      reason: "OutOfpods",
      message: `Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: ${containers.size}, capacity: ${cfg.capacity}`,
      hostIP: node,
      // A pod that ran before this kubelet restarted may be Ready in the API: a terminal phase is never
      // reported ready (the status manager's mergePodStatus, kubernetes #108594). The mutant leaves the
      // condition as it was.
      ...(keepsReadyOnReject ? {} : { conditions: [{ type: "Ready", status: "False" }] }),
    };
    const send = (): void =>
      patchStatus(p, status, (r) => {
        if (r.ok) {
          unsynced.delete(uid);
          pods.assume(r.value);
        } else if (r.status.reason !== "NotFound")
          env.setTimer(timing.retryUs, () => {
            const cur = sameAs(p, uid);
            if (cur !== undefined && podIsActive(cur)) send();
          });
      });
    send();
  }

  /**
   * A pod of this node is terminating: its containers get the grace period to stop (they stop after the
   * stop delay, or are killed when it runs out). Then, as the kubelet does since Kubernetes 1.27, the pod
   * gets its terminal phase — Succeeded when its container stopped on its own in time, Failed when it was
   * killed, had died, or never ran — and only then is it removed with grace period 0 and its uid as the
   * precondition, as the status manager does once nothing of the pod runs. A controller holding the pod
   * with a finalizer waits for that phase (the Job controller does). A pod with nothing running here
   * (never admitted, or gone with a reboot) is finished at once.
   */
  function terminate(p: Pod): void {
    const uid = p.metadata.uid ?? "";
    const graceUs = (p.metadata.deletionGracePeriodSeconds ?? 0) * 1_000_000;
    if (terminating.has(uid)) return shortenGrace(p, uid, graceUs);
    terminating.add(uid);
    kubeProbe("kube.kubelet-pod-terminating");
    // MUTANT kube-kubelet-terminating-without-container: a terminating pod with nothing running here (its
    // node rebooted, or it never started) is never removed: the kubelet waits for a container to stop.
    if (!containers.has(uid)) return stuckWithoutContainer ? undefined : finish(p, uid, "Failed");
    const stopUs = rng.int(timing.stopDelayUs[0], timing.stopDelayUs[1]);
    const endUs = Math.min(graceUs, stopUs);
    const timer = env.setTimer(endUs, () => {
      killing.delete(uid);
      finish(p, uid, stopUs <= graceUs && runtime.isRunning(uid) ? "Succeeded" : "Failed");
    });
    killing.set(uid, { timer, endsAt: env.monotonic() + endUs });
  }

  /**
   * A delete with a shorter grace period reached a pod already stopping: the kill comes sooner if the new
   * period ends first (the pod worker's calculateEffectiveGracePeriod, since Kubernetes 1.22; before it the
   * kubelet kept the first period, kubernetes #83916). Its container has not stopped on its own by then.
   */
  function shortenGrace(p: Pod, uid: string, graceUs: number): void {
    const k = killing.get(uid);
    if (k === undefined || keepsFirstGrace) return;
    const endsAt = env.monotonic() + graceUs;
    if (endsAt >= k.endsAt) return;
    kubeProbe("kube.kubelet-grace-shortened");
    env.cancelTimer(k.timer);
    k.endsAt = endsAt;
    k.timer = env.setTimer(graceUs, () => {
      killing.delete(uid);
      finish(p, uid, "Failed");
    });
  }

  /** Nothing of the pod runs any more: its terminal phase, once a status write still in flight is answered. */
  function finish(p: Pod, uid: string, phase: "Succeeded" | "Failed"): void {
    const c = containers.get(uid);
    stopContainer(uid);
    if (skipsTerminalPhase) return removePod(p, uid);
    const restarts = c?.restarts ?? 0;
    // One status write at a time per pod, as the status manager's: an earlier Running one answered late
    // would otherwise land after the terminal phase, which is final.
    if (c?.writing === true) c.afterWrite = () => reportTerminal(p, uid, phase, restarts);
    else reportTerminal(p, uid, phase, restarts);
  }

  /** Writes the pod's terminal phase (unless the API holds one already), then removes the pod. */
  function reportTerminal(p: Pod, uid: string, phase: "Succeeded" | "Failed", restarts: number): void {
    const cur = sameAs(p, uid);
    if (cur === undefined || !podHoldsRoom(cur)) return removePod(p, uid);
    kubeProbe("kube.kubelet-pod-terminal-phase");
    const status: PodStatus = {
      phase,
      hostIP: node,
      conditions: [{ type: "Ready", status: "False" }],
      containerStatuses: p.spec.containers.map((x) => ({
        name: x.name,
        image: x.image,
        ready: false,
        restartCount: restarts,
      })),
    };
    patchStatus(p, status, (r) => {
      if (r.ok) {
        pods.assume(r.value);
        removePod(p, uid);
        return;
      }
      if (r.status.reason === "NotFound") {
        terminating.delete(uid);
        return;
      }
      env.setTimer(timing.retryUs, () => {
        if (sameAs(p, uid) !== undefined) reportTerminal(p, uid, phase, restarts);
        else terminating.delete(uid);
      });
    });
  }

  function removePod(p: Pod, uid: string): void {
    client.delete(
      "Pod",
      p.metadata.namespace,
      p.metadata.name,
      { uid },
      (r) => {
        if (r.ok || r.status.reason === "NotFound" || r.status.reason === "Conflict") {
          terminating.delete(uid);
          return;
        }
        env.setTimer(timing.retryUs, () => {
          if (sameAs(p, uid) !== undefined) removePod(p, uid);
          else terminating.delete(uid);
        });
      },
      0,
    );
  }

  function stopContainer(uid: string): void {
    containers.delete(uid);
    runtime.stop(uid);
  }

  pods.addHandler({
    onAdd: (p) => (mine(p) ? sync(p) : undefined),
    onUpdate: (old, p) => {
      if (old.metadata.uid !== p.metadata.uid) stopContainer(old.metadata.uid ?? "");
      if (mine(p)) sync(p);
      else if (containers.has(p.metadata.uid ?? "")) stopContainer(p.metadata.uid ?? "");
    },
    onDelete: (p) => {
      terminating.delete(p.metadata.uid ?? "");
      if (containers.has(p.metadata.uid ?? "")) kubeProbe("kube.kubelet-pod-deleted");
      if (!keepsDeleted) stopContainer(p.metadata.uid ?? "");
    },
  });

  return {
    running: () => runtime.list(),
    start() {
      register();
      heartbeat();
      if (cfg.postNodeStatus === true) env.setTimer(timing.nodeStatusUs, syncNodeStatus);
      pods.start();
    },
    onMessage(from, msg) {
      client.onMessage(from, msg);
    },
    onSignal(signal) {
      if (signal === "container-kill") runtime.kill();
    },
  };
}
