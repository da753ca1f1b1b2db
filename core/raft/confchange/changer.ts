// Configuration changes as pure functions over a configuration value (after etcd-io/raft confchange/):
// validating a proposed ConfChange against the configuration it would apply to, and computing the next
// configuration. Two kinds (§6 of the paper, chapter 4 of the thesis):
//   - one server at a time (etcd's ConfChangeV1): add or remove one voter, or add a learner; never while joint;
//   - joint consensus (etcd's ConfChangeV2): several changes at once through C_old,new, where every decision
//     needs a majority of the outgoing voters and one of the incoming voters; left for C_new by a
//     "leaveJoint" entry (proposed by the leader itself when autoLeave).
// A configuration takes effect when its entry is applied, on every node alike, so these functions hold no
// node state; the node keeps one Config and replaces it (never mutates it) on every change.
import { assert, unreachable } from "../../assert.ts";
import { NONE, type ConfChange, type ConfChangeSingle, type ConfState } from "../types.ts";

export interface Config {
  /** The voters, sorted; while joint, the incoming half (C_new). */
  readonly voters: readonly string[];
  /** The outgoing half (C_old), sorted, while joint; empty otherwise. */
  readonly outgoing: readonly string[];
  /** Learners, sorted, never also voters of either half. */
  readonly learners: readonly string[];
  /** While joint: the leader proposes leaveJoint itself once the joint entry is applied. */
  readonly autoLeave: boolean;
}

/** The configuration a ConfState (bootstrap list or snapshot metadata) describes, normalized. */
export function configOf(cs: ConfState): Config {
  const voters = sortedUnique(cs.voters);
  const outgoing = sortedUnique(cs.votersOutgoing ?? []);
  return {
    voters,
    outgoing,
    autoLeave: outgoing.length > 0 && cs.autoLeave !== false,
    learners: sortedUnique(cs.learners).filter((id) => !voters.includes(id) && !outgoing.includes(id)),
  };
}

/** A fresh ConfState (copies) for a snapshot's metadata: autoLeave and votersOutgoing only while joint. */
export function confStateOf(c: Config): ConfState {
  if (c.outgoing.length === 0) return { voters: [...c.voters], learners: [...c.learners] };
  return { voters: [...c.voters], learners: [...c.learners], votersOutgoing: [...c.outgoing], autoLeave: c.autoLeave };
}

export function isJoint(c: Config): boolean {
  return c.outgoing.length > 0;
}

/** A voter of either half. */
export function isVoter(c: Config, id: string): boolean {
  return c.voters.includes(id) || c.outgoing.includes(id);
}

/** The voters of both halves (just the voters outside a joint configuration). */
export function allVoters(c: Config): readonly string[] {
  return c.outgoing.length === 0 ? c.voters : sortedUnique([...c.voters, ...c.outgoing]);
}

/** Every server a leader replicates to: voters of both halves, then learners. */
export function members(c: Config): string[] {
  return [...allVoters(c), ...c.learners];
}

/**
 * Whether a leader may append `data` as a conf change entry to a log whose configuration is `c`. As in
 * etcd, a joint configuration must be left before anything else changes, and a change that would leave
 * no voter (or demote a voter in one joint step) is refused.
 */
export function validConfChange(c: Config, data: unknown): boolean {
  const cc = data as ConfChange | null;
  if (cc === null || typeof cc !== "object") return false;
  switch (cc.type) {
    case "leaveJoint":
      return isJoint(c);
    case "enterJoint":
      return (
        !isJoint(c) && Array.isArray(cc.changes) && cc.changes.length > 0 && jointTarget(c, cc.changes) !== undefined
      );
    default:
      return !isJoint(c) && validSingle(c, cc);
  }
}

function validSingle(c: Config, cc: ConfChangeSingle): boolean {
  if (typeof cc.nodeId !== "string" || cc.nodeId === NONE) return false;
  const isV = c.voters.includes(cc.nodeId);
  const isL = c.learners.includes(cc.nodeId);
  switch (cc.type) {
    case "addVoter":
      return !isV;
    case "addLearner":
      return !isL && !(isV && c.voters.length === 1);
    case "removeVoter":
      return (isV || isL) && !(isV && c.voters.length === 1);
    default:
      return false;
  }
}

/**
 * The configuration after applying `cc` (an applied, hence validated, entry); `who` names the node for
 * assertion messages. Asserts what validation guaranteed when the entry was appended.
 */
export function applyConfChange(c: Config, cc: ConfChange, who: string): Config {
  switch (cc.type) {
    case "enterJoint": {
      assert(!isJoint(c), () => `${who}: entering a joint configuration while already joint`);
      const next = jointTarget(c, cc.changes);
      assert(next !== undefined, () => `${who}: invalid joint change ${JSON.stringify(cc)}`);
      return configOf({
        voters: next.voters,
        learners: next.learners,
        votersOutgoing: c.voters,
        autoLeave: cc.autoLeave !== false,
      });
    }
    case "leaveJoint":
      assert(isJoint(c), () => `${who}: leaving a joint configuration while not joint`);
      return configOf({ voters: c.voters, learners: c.learners });
    default: {
      const voters = new Set(c.voters);
      const learners = new Set(c.learners);
      applySingle(voters, learners, cc);
      assert(voters.size > 0, () => `conf change ${JSON.stringify(cc)} leaves no voters`);
      return configOf({ voters: [...voters], learners: [...learners] });
    }
  }
}

/**
 * The incoming voters and learners after a joint change, or undefined if it is not allowed: every change
 * names a server once; a voter is never demoted to learner in one step (etcd needs LearnersNext for that);
 * some voter must remain.
 */
function jointTarget(
  c: Config,
  changes: readonly ConfChangeSingle[],
): { voters: string[]; learners: string[] } | undefined {
  const voters = new Set(c.voters);
  const learners = new Set(c.learners);
  const seen = new Set<string>();
  for (const ch of changes) {
    if (
      ch === null ||
      typeof ch !== "object" ||
      typeof ch.nodeId !== "string" ||
      ch.nodeId === NONE ||
      seen.has(ch.nodeId)
    )
      return undefined;
    seen.add(ch.nodeId);
    if (ch.type !== "addVoter" && ch.type !== "removeVoter" && ch.type !== "addLearner") return undefined;
    if (ch.type === "addLearner" && voters.has(ch.nodeId)) return undefined;
    applySingle(voters, learners, ch);
  }
  if (voters.size === 0) return undefined;
  return { voters: sortedUnique([...voters]), learners: sortedUnique([...learners]) };
}

/** One server's change to a configuration (sets updated in place). */
function applySingle(voters: Set<string>, learners: Set<string>, ch: ConfChangeSingle): void {
  switch (ch.type) {
    case "addVoter":
      learners.delete(ch.nodeId);
      voters.add(ch.nodeId);
      return;
    case "removeVoter":
      voters.delete(ch.nodeId);
      learners.delete(ch.nodeId);
      return;
    case "addLearner":
      voters.delete(ch.nodeId);
      learners.add(ch.nodeId);
      return;
    default:
      unreachable(ch.type, "conf change type");
  }
}

function sortedUnique(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}
