// Apiserver-driven compaction (k8s.io/apiserver/pkg/storage/etcd3/compact.go). Every apiserver runs
// the loop; a Txn on the version of `compact_rev_key` elects one of them per round, and the winner
// compacts at the revision it saw in the previous round, so watchers have had one interval to catch up.
import type { Env } from "../env.ts";
import type { KV } from "../etcd/kv.ts";
import { kubeProbe } from "./probes.ts";
import { BugSet } from "../bugs.ts";

export const COMPACT_REV_KEY = "compact_rev_key";

export interface CompactorHandle {
  stop(): void;
}

/**
 * One round: `t` is the version of compact_rev_key this apiserver last saw, `rev` the revision it saw
 * then. Answers the new (t, rev) and, if this apiserver won, the revision it compacted at.
 */
export function compactRound(
  kv: KV,
  t: number,
  rev: number,
  done: (t: number, rev: number, compacted?: number, failed?: boolean) => void,
): void {
  kv.txn(
    {
      compare: [{ key: COMPACT_REV_KEY, target: "VERSION", result: "EQUAL", version: t }],
      success: [{ requestPut: { key: COMPACT_REV_KEY, value: String(rev) } }], // raises the key's version: the next round's t
      failure: [{ requestRange: { key: COMPACT_REV_KEY } }],
    },
    (r) => {
      if (!r.ok) return done(t, rev, undefined, true);
      const curRev = r.value.header.revision;
      if (!r.value.succeeded) {
        kubeProbe("kube.compactor-lost-election");
        const op = r.value.responses[0];
        const kv0 = op !== undefined && "responseRange" in op ? op.responseRange.kvs[0] : undefined;
        return done(kv0?.version ?? 0, curRev);
      }
      // No compaction on bootstrap: the first winner only records the revision.
      if (rev === 0) return done(t + 1, curRev);
      kv.compact({ revision: rev }, (c) => done(t + 1, curRev, c.ok ? rev : undefined));
    },
  );
}

/** What the loop tells an observer (the kube-compaction check): when it started, and when each round ended. */
export interface CompactorObserver {
  started(): void;
  roundDone(): void;
}

/** Runs compaction rounds every intervalUs on the process clock. */
export function startCompactor(
  env: Env,
  kv: KV,
  intervalUs: number,
  onCompacted: (rev: number) => void = () => {},
  observer?: CompactorObserver,
  bugs: BugSet = BugSet.none,
): CompactorHandle {
  let stopped = false;
  let t = 0;
  let rev = 0;
  const loop = () => {
    if (stopped) return;
    compactRound(kv, t, rev, (nt, nrev, compacted, failed) => {
      t = nt;
      rev = nrev;
      if (compacted !== undefined) onCompacted(compacted);
      observer?.roundDone();
      // MUTANT kube-compactor-stops-on-error: a round that could not reach etcd ends the loop, and etcd's
      // history grows until its quota (kops #5936: a cluster whose compaction stopped until etcd was full).
      if (failed && bugs.has("kube-compactor-stops-on-error")) return;
      if (!stopped) env.setTimer(intervalUs, loop);
    });
  };
  observer?.started();
  env.setTimer(intervalUs, loop);
  return {
    stop() {
      stopped = true;
    },
  };
}
