// Liveness after heal: within the bound every Deployment has replicas ready pods of its current
// template on live nodes (and no old ones), its status says so, and every workload step went
// through. When stuck, the message names what is pending.
import type { CheckResult } from "../types.ts";
import { pendingOf, type ConvergenceInput } from "../../core/kube/pending.ts";
import { fmtTime } from "./safety.ts";

export interface LivenessTiming {
  /** When faults stopped. */
  healedAt: number;
  /** When the check was made. */
  at: number;
  boundUs: number;
}

export function checkKubeLiveness(input: ConvergenceInput, timing?: LivenessTiming): CheckResult {
  const pending = pendingOf(input);
  const when = timing ? `${fmtTime(timing.at - timing.healedAt)} after heal` : "at the end";
  if (pending.length === 0) {
    const live = input.expected.filter((e) => !e.deleted);
    const summary = live.map((e) => `${e.namespace}/${e.name} ${e.replicas}/${e.replicas}`).join(", ");
    return { name: "kube-liveness", verdict: "pass", message: `converged ${when}: ${live.length} deployments ready${summary ? ` (${summary})` : ""}` };
  }
  const bound = timing ? ` (bound ${fmtTime(timing.boundUs)})` : "";
  return { name: "kube-liveness", verdict: "fail", message: `not converged ${when}${bound}: ${pending.join("; ")}`, evidence: { pending } };
}
