// Majority arithmetic over one configuration's voters (etcd-io/raft quorum/majority.go). Learners never count.

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** The highest index replicated on a majority of voters; 0 when there are no voters. */
export function committedIndex(voters: readonly string[], matchOf: (id: string) => number): number {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  return matches[majority(voters.length) - 1]!;
}

export type VoteResult = "won" | "lost" | "pending";

/** Election tally: won with a majority of grants, lost once a majority can no longer be reached. */
export function voteResult(voters: readonly string[], votes: ReadonlyMap<string, boolean>): VoteResult {
  if (voters.length === 0) return "won";
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = majority(voters.length);
  if (granted >= q) return "won";
  if (granted + missing >= q) return "pending";
  return "lost";
}
