// The verdict every checker returns: pure data, so reports can render it and tests can assert on it.
// A result is keyed by its checker's name, and the name fixes the type of its evidence, so a report
// reads evidence by name (reports/html/evidence.ts), never by guessing its shape.
import type { IllegalEvidence } from "./linearizability/types.ts";
import type { RaftViolation } from "./raft/monitor.ts";
import type { WatchEvidence } from "./watch/types.ts";
import type { SloMeasure } from "./kube/slo.ts";

export type Verdict = "pass" | "fail" | "unknown";

/** Violations as lines a person reads (the first is the check's message), capped by the checker. */
export interface ViolationList {
  violations: string[];
}

/**
 * Each checker that returns evidence, by name, with the evidence's type. A checker whose results carry
 * evidence adds its name here; one without evidence needs no entry (see CheckResult).
 */
export interface CheckEvidence {
  /** The longest linearizable prefix and what could not follow it (op = EtcdOperation id). */
  linearizability: IllegalEvidence;
  /** Every violation with the watch and revision it names (kept on a pass too: the counts). */
  watch: WatchEvidence;
  "raft-safety": RaftViolation[];
  "raft-check-quorum": ViolationList;
  "etcd-reconfig-health": ViolationList;
  "etcd-move-leader": ViolationList;
  "etcd-graceful-stop": ViolationList;
  "write-once": ViolationList;
  "cross-member": ViolationList;
  "store-reference": ViolationList;
  "lease-safety": ViolationList;
  "lease-expiry": ViolationList;
  "lease-keys": ViolationList;
  "auth-store": ViolationList;
  "auth-tokens": ViolationList;
  "auth-maintenance": ViolationList;
  "auth-requests": ViolationList;
  "kube-binding": ViolationList;
  "kube-bind-precondition": ViolationList;
  "kube-resource-version": ViolationList;
  "kube-informer-reliable": ViolationList;
  "kube-lost-update": ViolationList;
  "kube-read-fresh": ViolationList;
  "kube-leader": ViolationList;
  "kube-lease-transitions": ViolationList;
  "kube-cache-synced": ViolationList;
  "kube-gc-owner-gone": ViolationList;
  "kube-cascade": ViolationList;
  "kube-ready-truthful": ViolationList;
  "kube-node-capacity": ViolationList;
  "kube-replica-creations": ViolationList;
  "kube-replicaset-status": ViolationList;
  "kube-rollout-decisions": ViolationList;
  "kube-replica-deletions": ViolationList;
  "kube-scheduler-fit": ViolationList;
  "kube-deployment-status": ViolationList;
  "kube-watch-leaks": ViolationList;
  "kube-create-status": ViolationList;
  "kube-object-meta": ViolationList;
  "kube-graceful-delete": ViolationList;
  "kube-node-health": ViolationList;
  "kube-max-surge": ViolationList;
  "kube-min-available": ViolationList;
  /** What liveness still waited for when the bound passed. */
  "kube-liveness": { pending: string[] };
  "kube-quota": ViolationList;
  "etcd-nospace": ViolationList;
  /** The measured p99s against Kubernetes' SLOs. */
  "kube-slo": SloMeasure;
}

export type EvidenceCheckName = keyof CheckEvidence;

/** The result of the checker named N, with N's evidence. */
export interface CheckOf<N extends EvidenceCheckName> {
  /** e.g. "linearizability", "watch", "raft-safety". */
  name: N;
  verdict: Verdict;
  /** One line a person reads first: what failed, where (revision, key, member, event number). */
  message: string;
  /** Machine-readable evidence, rendered by reports. */
  evidence?: CheckEvidence[N];
}

/**
 * A check without evidence ("liveness", "incarnations", "membership", "assertions", "run-budget",
 * sim-selftest's checks…). Its name is any other string; it carries no evidence.
 */
export interface PlainCheck {
  name: string;
  verdict: Verdict;
  message: string;
  evidence?: undefined;
}

/**
 * One checker's verdict. Narrow by name to read evidence: `if (c.name === "watch") c.evidence` is a
 * WatchEvidence (or undefined).
 */
export type CheckResult = { [N in EvidenceCheckName]: CheckOf<N> }[EvidenceCheckName] | PlainCheck;

/** Keeps a checker's result as it is (evidence included), typed by its name. */
export function checkOf<N extends EvidenceCheckName>(
  name: N,
  verdict: Verdict,
  message: string,
  evidence?: CheckEvidence[N],
): CheckOf<N> {
  return evidence === undefined ? { name, verdict, message } : { name, verdict, message, evidence };
}

export function combineVerdicts(vs: readonly Verdict[]): Verdict {
  if (vs.includes("fail")) return "fail";
  if (vs.includes("unknown")) return "unknown";
  return "pass";
}
