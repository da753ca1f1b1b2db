// kube-watch-leaks — every etcd watch an apiserver holds serves a Kubernetes watch it still serves, and
// every Kubernetes watch it serves reads from an etcd watch that is open: goleak's end-of-test
// accounting (etcd's integration tests check for leaked goroutines the same way), applied to watches.
//
// Why it matters: each Kubernetes watch the simulated apiserver serves reads from one etcd watch. One
// left open when its Kubernetes watch ends streams every change of its resource to nobody; in
// kubernetes#66312 such streams piled up in the apiserver's etcd client until every call on the
// resource timed out. Nothing else notices: the leaked stream's events are dropped on arrival, so no
// watch, cache or object check sees a difference. The other way round, a served watch whose etcd watch
// is gone is dead air kept alive by heartbeats: its client waits for events that never come.
//
// Judged on the live apiservers at the end of the run (the accounting is exact between events: an
// apiserver cancels a watch's etcd watch in the same step as it stops serving it). An apiserver whose
// etcd client cannot list its watches (a real etcd's) is not judged.
import type { ApiserverWatchesAt } from "../../core/kube/observations.ts";
import type { CheckOf } from "../types.ts";

const MAX_LINES = 20;

export function checkWatchLeaks(apiservers: readonly ApiserverWatchesAt[] | undefined): CheckOf<"kube-watch-leaks"> {
  const name = "kube-watch-leaks";
  const judged = (apiservers ?? []).filter((a) => a.etcdOpen !== undefined);
  if (judged.length === 0)
    return {
      name,
      verdict: "pass",
      message: "not judged: no live apiserver whose etcd client lists its watches",
      evidence: { violations: [] },
    };
  const violations: string[] = [];
  let etcdWatches = 0;
  let served = 0;
  for (const a of judged) {
    const open = new Set(a.etcdOpen);
    const used = new Set<number>();
    etcdWatches += open.size;
    served += a.served.length;
    // A watch cache's etcd watch serves the cache (and through it every watch of its kind), watched or not.
    const caches = new Set<string>();
    for (const c of a.caches ?? []) {
      caches.add(c.kind);
      if (c.etcdWatchId === undefined) continue; // relisting: its watches ended, the next starts after the list
      used.add(c.etcdWatchId);
      if (!open.has(c.etcdWatchId))
        violations.push(
          `${a.apiserver}'s watch cache of ${c.kind} reads from etcd watch ${c.etcdWatchId}, which is closed: the cache and every watch it serves hear nothing`,
        );
    }
    for (const w of a.served) {
      if (w.cache !== undefined && caches.has(w.cache)) continue; // judged with its cache
      if (w.etcdWatchId !== undefined) used.add(w.etcdWatchId);
      if (w.etcdWatchId === undefined || !open.has(w.etcdWatchId))
        violations.push(
          `${a.apiserver} serves watch ${w.watch} from ${w.etcdWatchId === undefined ? "no etcd watch" : `etcd watch ${w.etcdWatchId}, which is closed`}: its client hears heartbeats and no events`,
        );
    }
    const leaked = [...open].filter((id) => !used.has(id)).sort((x, y) => x - y);
    if (leaked.length > 0)
      violations.push(
        `${a.apiserver} holds ${leaked.length} etcd watch${leaked.length === 1 ? "" : "es"} serving no Kubernetes watch (${leaked.slice(0, 8).join(", ")}${leaked.length > 8 ? ", …" : ""}): leaked, each streaming its resource's changes to nobody`,
      );
  }
  const where = `${judged.length} live apiserver${judged.length === 1 ? "" : "s"}`;
  if (violations.length > 0)
    return {
      name,
      verdict: "fail",
      message: violations[0]!,
      evidence: { violations: violations.slice(0, MAX_LINES) },
    };
  return {
    name,
    verdict: "pass",
    message: `${etcdWatches} etcd watches held by ${where}, one under each of the ${served} Kubernetes watches they serve`,
    evidence: { violations: [] },
  };
}
