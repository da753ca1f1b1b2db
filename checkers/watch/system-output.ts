// In a simulated run every input of the watch checker is the system's own output: the members' applied
// changes and the clients' watch streams. Input the checker cannot read there (a key put twice in
// one revision, revisions out of order) is a failure of the system under test, reported as the watch
// check failing; only input a user hands to `etcdsim check` is refused as malformed.
import type { CheckOf } from "../types.ts";
import { WATCH_CHECK_NAME } from "./check.ts";
import { WatchInputError } from "./change-index.ts";

export function judgedAsSystemOutput(judge: () => CheckOf<"watch">): CheckOf<"watch"> {
  try {
    return judge();
  } catch (e) {
    if (!(e instanceof WatchInputError)) throw e;
    return {
      name: WATCH_CHECK_NAME,
      verdict: "fail",
      message: `the cluster's own output breaks etcd's rules, so no watch can be judged against it: ${e.message}`,
    };
  }
}
