// Test support (not a test): a small language for hand-written histories and watch streams, so a
// case reads as prose — history([put("a", "1")], [put("a", "2"), del("b")]), then a stream of
// events(...), progress(R), canceledCompacted(C) responses.
import type { WatchRecord } from "../history.ts";
import type { Event, WatchCreateRequest, WatchResponse } from "../../core/mvcc/rpc.ts";
import type { CheckResult } from "../types.ts";
import { changesFromApplied, type AppliedChange } from "./derive.ts";
import type { RevisionChanges, WatchEvidence, WatchGuarantee } from "./types.ts";

type Op = Omit<AppliedChange, "revision">;
export const put = (key: string, value: string, lease = 0): Op => ({ type: "PUT", key, value, lease });
export const del = (key: string): Op => ({ type: "DELETE", key });

/** One transaction per argument, at revisions 2, 3, … (a fresh store is at revision 1). */
export function history(...txns: Op[][]): RevisionChanges[] {
  return changesFromApplied(txns.flatMap((ops, i) => ops.map((op) => ({ ...op, revision: i + 2 }))));
}

/** The committed event of `key` at `revision`, as a watch would deliver it (prevKv only if asked). */
export function ev(
  changes: readonly RevisionChanges[],
  revision: number,
  key: string,
  opts: { prevKv?: boolean } = {},
): Event {
  const e = changes.find((c) => c.revision === revision)?.events.find((x) => x.kv.key === key);
  if (e === undefined) throw new Error(`fixture: no change of ${key} at revision ${revision}`);
  const copy: Event = { type: e.type, kv: { ...e.kv } };
  if (opts.prevKv === true && e.prevKv !== undefined) copy.prevKv = { ...e.prevKv };
  return copy;
}

/** Every event of a revision, in transaction order. */
export function revisionEvents(
  changes: readonly RevisionChanges[],
  revision: number,
  opts: { prevKv?: boolean } = {},
): Event[] {
  const c = changes.find((x) => x.revision === revision);
  if (c === undefined) throw new Error(`fixture: no revision ${revision}`);
  return c.events.map((e) => ev(changes, revision, e.kv.key, opts));
}

const header = (revision: number) => ({ revision, raftTerm: 1 });

export function events(...evs: Event[]): WatchResponse {
  const rev = Math.max(0, ...evs.map((e) => e.kv.modRevision));
  return { header: header(rev), watchId: 1, events: evs };
}
export const progress = (revision: number): WatchResponse => ({ header: header(revision), watchId: 1, events: [] });
export const created = (revision: number): WatchResponse => ({
  header: header(revision),
  watchId: 1,
  created: true,
  events: [],
});
export const canceledCompacted = (compactRevision: number): WatchResponse => ({
  header: header(0),
  watchId: 1,
  canceled: true,
  compactRevision,
  cancelReason: "mvcc: required revision has been compacted",
  events: [],
});

export interface Timed {
  time: number;
  response: WatchResponse;
}
export const at = (time: number, response: WatchResponse): Timed => ({ time, response });

/** A watch of client 1 on member n1; untimed responses arrive at 1000, 1010, … */
export function watch(request: WatchCreateRequest, ...responses: (WatchResponse | Timed)[]): WatchRecord {
  return {
    client: 1,
    member: "n1",
    watchId: 1,
    call: 0,
    request,
    responses: responses.map((r, i) => ("response" in r ? r : { time: 1000 + 10 * i, response: r })),
  };
}

/** The distinct guarantees a result reports, sorted: what a failing case asserts exactly. */
export function guarantees(result: CheckResult): WatchGuarantee[] {
  const ev = result.evidence as WatchEvidence;
  return [...new Set(ev.violations.map((v) => v.guarantee))].sort();
}
