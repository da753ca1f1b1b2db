// What a configuration change does to a leader's progress tracking (etcd-io/raft confchange/ updates its
// tracker.ProgressMap the same way): new members get a Progress, learners are marked, removed servers are
// forgotten; and a leader that is no longer a voter picks whom to hand leadership to.
import { Progress } from "../progress.ts";
import { members, type Config } from "./changer.ts";

/**
 * Brings `progress` (the leader's map, updated in place, insertion order kept) in line with `c`. A new
 * member starts probing right after the leader's last entry and counts as recently active, or CheckQuorum
 * could depose the leader before the newcomer ever answered.
 */
export function reconcileProgress(
  progress: Map<string, Progress>,
  c: Config,
  lastIndex: number,
  maxInflight: number,
): void {
  const ids = members(c);
  for (const id of ids) {
    let pr = progress.get(id);
    if (pr === undefined) {
      pr = new Progress(lastIndex + 1, maxInflight, false);
      pr.recentActive = true;
      progress.set(id, pr);
    }
    pr.isLearner = c.learners.includes(id);
  }
  for (const id of [...progress.keys()]) {
    if (!ids.includes(id)) progress.delete(id);
  }
}

/** The incoming voter with the highest match (ties: the first in id order): a removed leader's successor. */
export function mostCaughtUpVoter(c: Config, progress: ReadonlyMap<string, Progress>): string | undefined {
  return [...c.voters].sort((a, b) => (progress.get(b)?.match ?? 0) - (progress.get(a)?.match ?? 0))[0];
}
