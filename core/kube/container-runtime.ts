// A node's container runtime (the CRI side of a node): a container starts after a simulated delay and
// runs until it is stopped, dies (the nemesis's container-kill) or the node reboots. It lives in the
// kubelet's process, so a crash of that process is a reboot of the node: every container is gone with it.
//
// The kubelet asks the runtime and reports what it says (a pod is Ready while its container runs). The
// runtime itself reports every change to the recorder, and kube-ready-truthful holds the kubelet's
// reports of readiness to that ground truth: a pod status is the system's word about itself, the
// running container is what the pod's clients get.
import type { Env, Random } from "../env.ts";
import type { KubeRecorder } from "./observations.ts";

const ranKey = (uid: string) => `runtime.ran.${uid}`;

interface Container {
  image: string;
  running: boolean;
}

export class ContainerRuntime {
  private readonly containers = new Map<string, Container>();
  /** Which container a kill takes: a stream of its own, so kills never shift the kubelet's draws. */
  private readonly killRng: Random;
  /** Told when a running container dies on its own (the kubelet's PLEG). */
  onExit: (uid: string) => void = () => {};

  constructor(
    private readonly env: Env,
    private readonly recorder?: KubeRecorder,
  ) {
    this.killRng = env.rng.fork("container-kill");
    // A new incarnation of the node: whatever ran before the crash is gone.
    recorder?.nodeEvent({ node: env.id, kind: "reboot" });
  }

  /** Creates the pod's container; it runs after delayUs, and then onRunning is told (unless it was stopped meanwhile). */
  start(uid: string, image: string, delayUs: number, onRunning: () => void): void {
    const c: Container = { image, running: false };
    this.containers.set(uid, c);
    this.recorder?.nodeEvent({ node: this.env.id, kind: "created", uid });
    this.env.setTimer(delayUs, () => {
      if (this.containers.get(uid) !== c) return;
      c.running = true;
      // The runtime's own record (containerd's metadata store), committed at once: after a reboot it still
      // lists the container as exited, so the kubelet knows the pod ran here whatever the API holds.
      this.env.disk.commitNow(ranKey(uid), 1);
      this.recorder?.nodeEvent({ node: this.env.id, kind: "running", uid });
      onRunning();
    });
  }

  stop(uid: string): void {
    const c = this.containers.get(uid);
    if (c === undefined) return;
    this.containers.delete(uid);
    this.recorder?.nodeEvent({ node: this.env.id, kind: "stopped", uid });
  }

  /** One running container dies (the nemesis's container-kill); nothing happens when none runs. */
  kill(): void {
    const running = [...this.containers].filter(([, c]) => c.running);
    if (running.length === 0) return;
    const [uid] = running[this.killRng.int(0, running.length - 1)]!;
    this.containers.delete(uid);
    this.recorder?.nodeEvent({ node: this.env.id, kind: "exited", uid });
    this.onExit(uid);
  }

  /** Whether the pod's container ran on this node before, in this incarnation or an earlier one. */
  ranBefore(uid: string): boolean {
    return this.env.disk.committed(ranKey(uid)) !== undefined;
  }

  /** Whether the pod's container exists (starting or running; a dead one is gone until started again). */
  has(uid: string): boolean {
    return this.containers.has(uid);
  }

  isRunning(uid: string): boolean {
    return this.containers.get(uid)?.running === true;
  }

  /** Pod uid → container (for tests). */
  list(): ReadonlyMap<string, { image: string; state: "starting" | "running" }> {
    const out = new Map<string, { image: string; state: "starting" | "running" }>();
    for (const [uid, c] of this.containers) out.set(uid, { image: c.image, state: c.running ? "running" : "starting" });
    return out;
  }
}
