// A process that runs controllers: kube-controller-manager (deployment, replicaset, garbage
// collector), kube-scheduler, or a user's controller. With leader election the controllers run only
// while this replica leads; losing the lease stops them (client-go's callers exit the process) and
// the replica goes back to being a candidate.
import type { BugSet } from "../bugs.ts";
import type { Actor, Env } from "../env.ts";
import { KubeClient, type ClientTiming } from "./client.ts";
import type { ControllerDef } from "./controller.ts";
import { LeaderElector, type LeaderElectionTiming } from "./leaderelection.ts";
import type { KubeRecorder } from "./observations.ts";
import { ControllerRuntime, type ActGate } from "./runtime.ts";

export interface ControllerProcessConfig {
  apiservers: readonly string[];
  controllers: readonly ControllerDef[];
  /** The leader-election Lease (namespace/name); absent: the controllers always run. */
  leaderElection?: {
    namespace: string;
    name: string;
    timing?: Partial<LeaderElectionTiming>;
    /** client-go's ReleaseOnCancel (kube-scheduler sets it): a graceful stop releases the Lease. */
    releaseOnCancel?: boolean;
  };
  /**
   * true (default): check the lease on this process's own clock before every write.
   * false: act whenever client-go's IsLeader says so (a resumed, deposed leader keeps acting).
   */
  fencing?: boolean;
  recorder?: KubeRecorder;
  bugs?: BugSet;
  clientTiming?: Partial<ClientTiming>;
  pageLimit?: number;
}

export interface ControllerProcess extends Actor {
  readonly client: KubeClient;
  /** The running controllers (undefined while not leading). */
  runtime(): ControllerRuntime | undefined;
  elector(): LeaderElector | undefined;
}

export function controllerProcess(env: Env, cfg: ControllerProcessConfig): ControllerProcess {
  const client = new KubeClient(env, cfg.apiservers, cfg.clientTiming, cfg.bugs);
  let runtime: ControllerRuntime | undefined;
  let elector: LeaderElector | undefined;
  const fencing = cfg.fencing !== false;

  const run = (gate: ActGate | undefined) => {
    runtime?.stop();
    runtime = new ControllerRuntime(env, client, cfg.controllers, {
      ...(cfg.recorder ? { recorder: cfg.recorder } : {}),
      ...(cfg.bugs ? { bugs: cfg.bugs } : {}),
      ...(gate ? { gate } : {}),
      ...(cfg.pageLimit ? { pageLimit: cfg.pageLimit } : {}),
    });
    runtime.start();
  };

  return {
    client,
    runtime: () => runtime,
    elector: () => elector,
    start() {
      const le = cfg.leaderElection;
      if (le === undefined) return run(undefined);
      const identity = `${env.id}_${env.rng.fork("identity").uint32().toString(36)}`;
      const e: LeaderElector = new LeaderElector(env, client, {
        namespace: le.namespace,
        name: le.name,
        identity,
        ...(le.timing ? { timing: le.timing } : {}),
        ...(cfg.recorder ? { recorder: cfg.recorder } : {}),
        deadlineOnTimer: fencing,
        ...(cfg.bugs ? { bugs: cfg.bugs } : {}),
        onStartedLeading: () =>
          run({
            canAct: fencing ? () => e.canAct() : () => e.isLeader(),
            lease: e.leaseName,
            identity,
            term: () => e.term ?? 0,
          }),
        onStoppedLeading: () => {
          runtime?.stop();
          runtime = undefined;
        },
      });
      elector = e;
      e.start();
    },
    onMessage(from, msg) {
      client.onMessage(from, msg);
    },
    /**
     * A graceful stop (SIGTERM): the context is cancelled, so the controllers stop; with ReleaseOnCancel a
     * leader then writes its Lease released before the process exits (kube-scheduler exits on
     * OnStoppedLeading), so a standby takes over at its next retry, not a lease duration later.
     */
    stop(exit) {
      const e = elector;
      if (e === undefined || cfg.leaderElection?.releaseOnCancel !== true) {
        runtime?.stop();
        runtime = undefined;
        e?.stop();
        return exit();
      }
      // MUTANT kube-leader-release-before-stop: the Lease is released first, and the controllers finish
      // their work for a while after (controller-runtime warns against LeaderElectionReleaseOnCancel for
      // a manager that works on after it stops).
      if (cfg.bugs?.has("kube-leader-release-before-stop") === true)
        return e.release(
          () =>
            env.setTimer(RELEASE_DRAIN_US, () => {
              e.stop();
              runtime?.stop();
              runtime = undefined;
              exit();
            }),
          true,
        );
      runtime?.stop();
      runtime = undefined;
      e.release(exit);
    },
  };
}

/** How long the mutant's controllers work on after their Lease is released. */
const RELEASE_DRAIN_US = 1_000_000;
