// Majority arithmetic over one configuration's voters (etcd-io/raft quorum/majority.go). Learners never count.

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** The highest index replicated on a majority of voters (their Progress); 0 when there are none. `scratch` avoids an allocation. */
export function committedMatch(voters: readonly { readonly match: number }[], scratch: number[] = []): number {
  const n = voters.length;
  if (n === 0) return 0;
  // Insertion sort, descending, into scratch[0, n): voter sets are tiny. (scratch may be longer from a larger
  // configuration; only [0, n) is read, and setting its length on every call costs more than the sort.)
  for (let i = 0; i < n; i++) {
    const v = voters[i]!.match;
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

// Joint configurations (etcd-io/raft quorum/joint.go): C_old,new decides only with a majority of each half.
// `outgoing` is empty outside a joint configuration, and an empty half agrees to everything.

/** The highest index committed in both halves. */
export function jointCommittedMatch(
  incoming: readonly { readonly match: number }[],
  outgoing: readonly { readonly match: number }[],
  scratch: number[] = [],
): number {
  const a = committedMatch(incoming, scratch);
  if (outgoing.length === 0) return a;
  return Math.min(a, committedMatch(outgoing, scratch));
}

/** Won when both halves are won; lost as soon as either is lost. */
export function jointVoteResult(
  incoming: readonly string[],
  outgoing: readonly string[],
  votes: ReadonlyMap<string, boolean>,
): VoteResult {
  const a = voteResult(incoming, votes);
  if (outgoing.length === 0) return a;
  const b = voteResult(outgoing, votes);
  if (a === b) return a;
  if (a === "lost" || b === "lost") return "lost";
  return "pending";
}

/** Whether `has` holds for a majority of each half. */
export function jointQuorum(
  incoming: readonly string[],
  outgoing: readonly string[],
  has: (id: string) => boolean,
): boolean {
  return majorityHas(incoming, has) && majorityHas(outgoing, has);
}

function majorityHas(ids: readonly string[], has: (id: string) => boolean): boolean {
  if (ids.length === 0) return true;
  let n = 0;
  for (const id of ids) if (has(id)) n++;
  return n >= majority(ids.length);
}
