// The Kubernetes checker: safety rules on the recorded observations, plus liveness after heal.
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import type { ConvergenceInput } from "./pending.ts";
import { checkLeaseTransitions, checkSingleLeader } from "./leader.ts";
import { checkKubeLiveness, type LivenessTiming } from "./liveness.ts";
import { checkBindings, checkLostUpdates, checkResourceVersions } from "./safety.ts";
import { checkBindPreconditions } from "./bind.ts";
import { checkInformerStreams } from "./informer.ts";
import { checkReplicaCreations } from "./replicas.ts";
import { checkReplicaDeletions } from "./replica-deletions.ts";
import { checkReplicaSetStatus } from "./rs-status.ts";
import { checkDeploymentStatus } from "./deployment-status.ts";
import { checkRolloutDecisions } from "./rollout-decisions.ts";
import { CacheViews } from "./cache-view.ts";
import { checkRollout, type RolloutCheckOptions } from "./rollout.ts";
import { checkCacheSynced } from "./synced.ts";
import { checkReadsFresh } from "./fresh.ts";
import { checkGarbageCollection } from "./gc.ts";
import { checkCascade } from "./cascade.ts";
import { checkReadyTruthful } from "./ready.ts";
import { checkNodeCapacity } from "./capacity.ts";
import { checkSchedulerFit } from "./scheduler-fit.ts";
import { checkWatchLeaks } from "./watch-leaks.ts";
import { checkCreateStatus } from "./create-status.ts";
import { checkObjectMeta } from "./object-meta.ts";
import { checkGracefulDeletion } from "./graceful.ts";

export { checkBindings, checkLostUpdates, checkResourceVersions } from "./safety.ts";
export { checkLeaseTransitions, checkSingleLeader } from "./leader.ts";
export { checkKubeLiveness, type LivenessTiming } from "./liveness.ts";
export { checkBindPreconditions } from "./bind.ts";
export { checkInformerStreams } from "./informer.ts";
export { checkCacheSynced } from "./synced.ts";
export { checkReadsFresh } from "./fresh.ts";
export { checkGarbageCollection } from "./gc.ts";
export { checkCascade } from "./cascade.ts";
export { checkReadyTruthful } from "./ready.ts";
export { checkNodeCapacity } from "./capacity.ts";
export { checkSchedulerFit } from "./scheduler-fit.ts";
export { checkWatchLeaks } from "./watch-leaks.ts";
export { checkCreateStatus } from "./create-status.ts";
export { checkObjectMeta } from "./object-meta.ts";
export { checkGracefulDeletion } from "./graceful.ts";
export { checkReplicaSetStatus } from "./rs-status.ts";
export { checkDeploymentStatus } from "./deployment-status.ts";
export { checkRolloutDecisions } from "./rollout-decisions.ts";
export { checkReplicaDeletions } from "./replica-deletions.ts";
export { checkRollout, DEFAULT_EXPLAIN_US, type FaultWindow, type RolloutCheckOptions } from "./rollout.ts";

export function checkKubeSafety(obs: KubeObservations, rollout: RolloutCheckOptions = {}): CheckResult[] {
  // The controllers' caches, rebuilt once for the checks that judge their decisions.
  const caches = new CacheViews(obs);
  return [
    checkBindings(obs),
    checkBindPreconditions(obs),
    checkResourceVersions(obs),
    checkInformerStreams(obs),
    checkLostUpdates(obs),
    checkReadsFresh(obs),
    checkSingleLeader(obs),
    checkLeaseTransitions(obs.versions),
    checkCacheSynced(obs),
    checkGarbageCollection(obs),
    checkCascade(obs, caches),
    checkReadyTruthful(obs, {
      ...(rollout.faults !== undefined ? { faults: rollout.faults } : {}),
      ...(rollout.explainUs !== undefined ? { explainUs: rollout.explainUs } : {}),
    }),
    checkNodeCapacity(obs),
    checkSchedulerFit(obs, caches),
    checkReplicaCreations(obs, { caches }),
    checkReplicaDeletions(obs, caches),
    checkReplicaSetStatus(obs),
    checkDeploymentStatus(obs),
    checkCreateStatus(obs),
    checkObjectMeta(obs.versions),
    checkGracefulDeletion(obs),
    checkWatchLeaks(obs.apiserverWatches),
    ...checkRollout(obs, { ...rollout, caches }),
    checkRolloutDecisions(obs, caches),
  ];
}

/** Every kube check; liveness only when a convergence snapshot is given; `rollout.faults` explain a shortfall of ready pods. */
export function checkKube(
  obs: KubeObservations,
  liveness?: { input: ConvergenceInput; timing?: LivenessTiming },
  rollout: RolloutCheckOptions = {},
): CheckResult[] {
  const out = checkKubeSafety(obs, rollout);
  if (liveness !== undefined) out.push(checkKubeLiveness(liveness.input, liveness.timing));
  return out;
}
