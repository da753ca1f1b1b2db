// Liveness after heal: within the bound every Deployment has replicas ready pods of its current
// template on live nodes (and no old ones), its status says so, and every workload step went
// through. A pod is ready when its status says so and its container runs (the nodes' container
// runtimes' log: a rebooted node's pods are not ready on their stale status). When stuck, the message
// names what is pending.
import type { CheckOf } from "../types.ts";
import { pendingOf, type ConvergenceInput } from "./pending.ts";
import { fmtTime } from "./safety.ts";
import type { Deployment } from "../../core/kube/types.ts";

export interface LivenessTiming {
  /** When faults stopped. */
  healedAt: number;
  /** When the check was made. */
  at: number;
  boundUs: number;
}

export function checkKubeLiveness(input: ConvergenceInput, timing?: LivenessTiming): CheckOf<"kube-liveness"> {
  const pending = pendingOf(input);
  const when = timing ? `${fmtTime(timing.at - timing.healedAt)} after heal` : "at the end";
  if (pending.length === 0) {
    const live = input.expected.filter((e) => !e.deleted);
    // The spec as it ended (a scale that timed out may have landed after the last step).
    const replicasOf = (e: (typeof live)[number]) => {
      const d = input.objects.find(
        (o) => o.kind === "Deployment" && o.metadata.namespace === e.namespace && o.metadata.name === e.name,
      ) as Deployment | undefined;
      return d?.spec.replicas ?? e.replicas;
    };
    const summary = live
      .map(
        (e) =>
          `${e.namespace}/${e.name} ${replicasOf(e)}/${replicasOf(e)}${replicasOf(e) !== e.replicas ? ` (a timed-out scale landed last; the steps ended at ${e.replicas})` : ""}`,
      )
      .join(", ");
    return {
      name: "kube-liveness",
      verdict: "pass",
      message: `converged ${when}: ${live.length} deployments ready${summary ? ` (${summary})` : ""}`,
    };
  }
  const bound = timing ? ` (bound ${fmtTime(timing.boundUs)})` : "";
  return {
    name: "kube-liveness",
    verdict: "fail",
    message: `not converged ${when}${bound}: ${pending.join("; ")}`,
    evidence: { pending },
  };
}
