// The Kubernetes checker: safety rules on the recorded observations, plus liveness after heal.
import type { CheckResult } from "../types.ts";
import type { KubeObservations } from "../../core/kube/observations.ts";
import type { ConvergenceInput } from "../../core/kube/pending.ts";
import { checkSingleLeader } from "./leader.ts";
import { checkKubeLiveness, type LivenessTiming } from "./liveness.ts";
import { checkBindings, checkLostUpdates, checkResourceVersions } from "./safety.ts";

export { checkBindings, checkLostUpdates, checkResourceVersions } from "./safety.ts";
export { checkSingleLeader } from "./leader.ts";
export { checkKubeLiveness, type LivenessTiming } from "./liveness.ts";

export function checkKubeSafety(obs: KubeObservations): CheckResult[] {
  return [checkBindings(obs), checkResourceVersions(obs), checkLostUpdates(obs), checkSingleLeader(obs)];
}

/** Every kube check; liveness only when a convergence snapshot is given. */
export function checkKube(obs: KubeObservations, liveness?: { input: ConvergenceInput; timing?: LivenessTiming }): CheckResult[] {
  const out = checkKubeSafety(obs);
  if (liveness !== undefined) out.push(checkKubeLiveness(liveness.input, liveness.timing));
  return out;
}
