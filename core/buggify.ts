// The BUGGIFY fault points (after FoundationDB): places in the code where a run may misbehave on
// purpose — legal behaviour that is rare in production (a slow disk, a lost proposal, a stalled apply
// loop) made common so the checkers see it. A run enables a subset; Env.buggify(site) then fires with a
// fixed probability from the process's own seeded stream and every firing is a trace line.
export const BUGGIFY_SITES = {
  "drop-proposal": "a member loses a kv proposal on the way to Raft (as a leader change would); the client times out",
  "starve-watch": "a watch catch-up round is skipped, so slow watchers fall further behind",
  "delay-fsync": "one fsync takes 5–50 ms longer",
  "slow-apply": "the apply loop stalls 5–50 ms before applying committed entries (no new Ready meanwhile)",
  "force-snapshot": "a member snapshots and compacts its Raft log at once, so lagging followers need a snapshot",
} as const;

export type BuggifySite = keyof typeof BUGGIFY_SITES;

export const BUGGIFY_SITE_NAMES = Object.keys(BUGGIFY_SITES) as BuggifySite[];

export function isBuggifySite(s: string): s is BuggifySite {
  return Object.hasOwn(BUGGIFY_SITES, s);
}
