// Majority arithmetic over one configuration's voters (etcd-io/raft quorum/majority.go). Learners never count.

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** The highest index replicated on a majority of voters; 0 when there are no voters. `scratch` avoids an allocation. */
export function committedIndex(voters: readonly string[], matchOf: (id: string) => number, scratch: number[] = []): number {
  const n = voters.length;
  if (n === 0) return 0;
  scratch.length = n;
  // Insertion sort, descending: voter sets are tiny.
  for (let i = 0; i < n; i++) {
    const v = matchOf(voters[i]!);
    let j = i;
    while (j > 0 && scratch[j - 1]! < v) {
      scratch[j] = scratch[j - 1]!;
      j--;
    }
    scratch[j] = v;
  }
  return scratch[majority(n) - 1]!;
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
